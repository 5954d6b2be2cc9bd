//! The store contract, run on SQLite and on PostgreSQL.

use peel_core::geo::{Area, LatLng, Polygon};
use peel_core::geography::{Neighbourhood, Officer, Postcode, PostcodePoint, Priority};
use peel_core::records::{CsvKind, PublishedLocation, StopSearch, StopType, StreetCrime};
use peel_core::{CrimeCategory, Month, Outcome};
use peel_store::testing::TestDatabase;
use peel_store::{Engine, LocationCache, NeighbourhoodDetails, OpenDataBatch, ReplaceResult, Store};

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

fn crime(lat: f64, lng: f64, name: &str, m: &str) -> StreetCrime {
    StreetCrime {
        persistent_id: Some("a".repeat(64)),
        month: month(m),
        force_id: "city-of-london",
        reported_by: "City of London Police".into(),
        falls_within: "City of London Police".into(),
        location: Some(PublishedLocation { at: LatLng { lat, lng }, street_name: name.into() }),
        lsoa_code: Some("E01000001".into()),
        lsoa_name: Some("City of London 001A".into()),
        category: CrimeCategory::Burglary,
        last_outcome: Some(Outcome::UnderInvestigation),
        context: String::new(),
    }
}

async fn location_ids(store: &Store) -> Vec<(i64, String)> {
    store.open_data().all_location_names().await.unwrap()
}

async fn schema_is_the_same_on_both_engines(_engine: Engine) {
    let lite = TestDatabase::sqlite();
    let pg = TestDatabase::postgres().await;
    let a = lite.store().await.schema_columns().await.unwrap();
    let b = pg.store().await.schema_columns().await.unwrap();
    assert!(a.len() > 50, "expected the full schema, got {a:?}");
    assert_eq!(a, b, "SQLite and PostgreSQL migrations must make the same tables and columns");
    // The same kinds and nullability, column by column.
    let (a, b) = (lite.store().await.schema_shape().await.unwrap(), pg.store().await.schema_shape().await.unwrap());
    let differ: Vec<_> = a.iter().zip(&b).filter(|(x, y)| x != y).collect();
    assert!(differ.is_empty(), "columns whose kind or nullability differ between the engines: {differ:#?}");
    assert_eq!(a.len(), b.len());
    // And the same indexes, defined alike.
    let (a, b) = (lite.store().await.schema_indexes().await.unwrap(), pg.store().await.schema_indexes().await.unwrap());
    assert!(a.len() > 25, "expected every index, got {a:?}");
    let missing: Vec<_> = a.iter().filter(|x| !b.contains(x)).chain(b.iter().filter(|y| !a.contains(y))).collect();
    assert!(missing.is_empty(), "indexes made on one engine only, or defined differently: {missing:#?}");
}

async fn forces_are_seeded(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let forces = store.geography().forces().await.unwrap();
    assert_eq!(forces.len(), 45);
    assert_eq!(forces[0].id, "avon-and-somerset");
    assert_eq!(store.geography().force("bedfordshire").await.unwrap().unwrap().name, "Bedfordshire Police");
    assert!(store.geography().force("atlantis").await.unwrap().is_none());
    // Opening again (a second migrate) is harmless.
    Store::open(&db.url).await.unwrap();
}

async fn replaces_a_force_month_and_keeps_location_ids(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let mut cache = LocationCache::default();
    let rows = vec![
        crime(51.51, -0.09, "On or near Cheapside", "2024-01"),
        crime(51.52, -0.08, "On or near Moorgate", "2024-01"),
    ];
    let r = store
        .open_data()
        .replace_force_month(
            "city-of-london",
            None,
            month("2024-01"),
            "sha-1",
            "test",
            OpenDataBatch::Street(&rows),
            &mut cache,
        )
        .await
        .unwrap();
    assert_eq!(r, ReplaceResult::Replaced { rows: 2, previous: 0 });
    let ids_before = location_ids(&store).await;
    assert_eq!(ids_before.len(), 2);

    // The same file again: nothing happens.
    let r = store
        .open_data()
        .replace_force_month(
            "city-of-london",
            None,
            month("2024-01"),
            "sha-1",
            "test",
            OpenDataBatch::Street(&rows),
            &mut cache,
        )
        .await
        .unwrap();
    assert_eq!(r, ReplaceResult::Unchanged);

    // A re-published month with one row fewer replaces, never duplicates;
    // a fresh cache (a new run) still finds the same location ids.
    let mut fresh = LocationCache::default();
    let r = store
        .open_data()
        .replace_force_month(
            "city-of-london",
            None,
            month("2024-01"),
            "sha-2",
            "test",
            OpenDataBatch::Street(&rows[..1]),
            &mut fresh,
        )
        .await
        .unwrap();
    assert_eq!(r, ReplaceResult::Replaced { rows: 1, previous: 2 });
    assert_eq!(
        store.open_data().count_rows(CsvKind::Street, Some("city-of-london"), Some(month("2024-01"))).await.unwrap(),
        1
    );
    assert_eq!(location_ids(&store).await, ids_before);

    // A stop at a known point keeps the street name; one at a new point gets a new id.
    let stop = |lat, lng| StopSearch {
        kind: StopType::Person,
        datetime: "2024-02-01T10:00:00+00:00".into(),
        month: month("2024-02"),
        force_id: "city-of-london",
        operation: Some(false),
        operation_name: None,
        at: Some(LatLng { lat, lng }),
        gender: Some("Male".into()),
        age_range: None,
        self_defined_ethnicity: None,
        officer_defined_ethnicity: None,
        legislation: None,
        object_of_search: None,
        outcome: Some("Arrest".into()),
        outcome_linked_to_object_of_search: None,
        removal_of_more_than_outer_clothing: None,
    };
    let stops = vec![stop(51.51, -0.09), stop(51.53, -0.07)];
    store
        .open_data()
        .replace_force_month(
            "city-of-london",
            None,
            month("2024-02"),
            "sha-s",
            "test",
            OpenDataBatch::Stops(&stops),
            &mut fresh,
        )
        .await
        .unwrap();
    let after = location_ids(&store).await;
    assert_eq!(after.len(), 3);
    assert_eq!(&after[..2], &ids_before[..]);
    assert_eq!(after[2].1, "");
    // A later crime file names the stop-only point.
    let named = vec![crime(51.53, -0.07, "On or near Finsbury Circus", "2024-03")];
    store
        .open_data()
        .replace_force_month(
            "city-of-london",
            None,
            month("2024-03"),
            "sha-3",
            "test",
            OpenDataBatch::Street(&named),
            &mut fresh,
        )
        .await
        .unwrap();
    let last = location_ids(&store).await;
    assert_eq!(last[2], (after[2].0, "On or near Finsbury Circus".to_string()));

    let months = store.open_data().months_available().await.unwrap();
    assert_eq!(months.iter().map(|(m, _)| m.to_string()).collect::<Vec<_>>(), ["2024-03", "2024-01"]);
    assert!(months.iter().all(|(_, s)| s.is_empty()), "no stops in street months 2024-01/03");
}

async fn neighbourhoods_round_trip(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let square = Polygon::parse_police_uk("51.5,-0.1:51.5,-0.09:51.51,-0.09:51.51,-0.1").unwrap();
    let area = Area { polygons: vec![square] };
    store.geography().set_neighbourhood_boundary("city-of-london", "ban", &area).await.unwrap();
    let n = store.geography().neighbourhood("city-of-london", "ban").await.unwrap().unwrap();
    assert_eq!(n.name, "ban", "named by its id until details arrive");
    assert!(n.centre.is_some());

    let details = NeighbourhoodDetails {
        neighbourhood: Neighbourhood {
            force_id: "city-of-london".into(),
            id: "ban".into(),
            name: "Bank".into(),
            population: Some(4900),
            ..Default::default()
        },
        team: vec![Officer { name: "Sam".into(), rank: "Sgt".into(), bio: None, contact_details: Default::default() }],
        priorities: vec![Priority {
            issue: "Cycle theft".into(),
            issue_date: "2025-09-02T00:00:00".into(),
            action: None,
            action_date: None,
        }],
        events: vec![],
        sample: true,
    };
    store.geography().put_neighbourhood(&details).await.unwrap();
    let n = store.geography().neighbourhood("city-of-london", "ban").await.unwrap().unwrap();
    assert_eq!((n.name.as_str(), n.population), ("Bank", Some(4900)));
    assert_eq!(
        store.geography().neighbourhood_boundary("city-of-london", "ban").await.unwrap(),
        Some(area),
        "details keep the boundary"
    );
    assert_eq!(store.geography().neighbourhood_team("city-of-london", "ban").await.unwrap().len(), 1);
    assert_eq!(store.geography().neighbourhood_priorities("city-of-london", "ban").await.unwrap().len(), 1);
    assert!(store.geography().neighbourhood_is_sample("city-of-london", "ban").await.unwrap());
    assert_eq!(store.geography().neighbourhoods("city-of-london").await.unwrap().len(), 1);
    assert_eq!(store.geography().neighbourhood_boundaries().await.unwrap().len(), 1);
}

async fn postcodes_round_trip(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let pc = Postcode::parse("ec2v7hh").unwrap();
    let point = PostcodePoint {
        postcode: pc.clone(),
        at: LatLng { lat: 51.515, lng: -0.092 },
        admin_district: Some("E09000001".into()),
        ward: None,
    };
    store.geography().put_postcodes(std::slice::from_ref(&point)).await.unwrap();
    store.geography().put_postcodes(std::slice::from_ref(&point)).await.unwrap();
    assert_eq!(store.geography().postcode(&pc).await.unwrap(), Some(point));
    assert_eq!(store.open_data().table_counts().await.unwrap().postcodes, 1);
    assert_eq!(store.geography().postcode(&Postcode::parse("LU1 1AA").unwrap()).await.unwrap(), None);
}

/// A database made by the first schema version upgrades in place, keeping its data.
async fn an_older_database_upgrades(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let old = Store::connect(&db.url).await.unwrap();
    old.migrate_up_to(1).await.unwrap();
    assert_eq!(old.applied_migrations().await.unwrap().len(), 1);
    old.geography()
        .put_postcodes(&[PostcodePoint {
            postcode: Postcode::parse("EC2V 7HH").unwrap(),
            at: LatLng { lat: 51.5, lng: -0.1 },
            admin_district: None,
            ward: None,
        }])
        .await
        .unwrap();
    old.close().await;
    let new = Store::open(&db.url).await.unwrap();
    let applied = new.applied_migrations().await.unwrap();
    assert!(!applied.is_empty());
    assert_eq!(applied[0].0, 1);
    assert_eq!(new.open_data().table_counts().await.unwrap().postcodes, 1);
}

async fn bad_urls_are_explained(engine: Engine) {
    let url = match engine {
        Engine::Sqlite => "sqlite:/nonexistent-dir/x/y.db".to_string(),
        Engine::Postgres => "postgres://postgres@127.0.0.1:1/none".to_string(),
    };
    let err = Store::open(&url).await.unwrap_err().to_string();
    assert!(err.contains("cannot connect"), "{err}");
}

peel_store::on_both_engines!(
    schema_is_the_same_on_both_engines,
    forces_are_seeded,
    replaces_a_force_month_and_keeps_location_ids,
    neighbourhoods_round_trip,
    postcodes_round_trip,
    an_older_database_upgrades,
    bad_urls_are_explained,
);
