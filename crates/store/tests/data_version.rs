//! The data version: every write of the open data advances it in its own
//! transaction, nothing else does, and a snapshot read says which version
//! it read. On both engines.

use peel_core::Month;
use peel_core::geo::{Area, LatLng, Polygon};
use peel_core::geography::{Neighbourhood, Postcode, PostcodePoint};
use peel_core::records::{PublishedLocation, StoredCrime, StoredOutcome, StoredStop, StreetCrime};
use peel_core::{CrimeCategory, Outcome};
use peel_store::testing::TestDatabase;
use peel_store::{Engine, LocationCache, NeighbourhoodDetails, OpenDataBatch, OpenDataSink, Store, StoreError};

fn crime(lat: f64) -> StreetCrime {
    StreetCrime {
        persistent_id: Some("a".repeat(64)),
        month: "2024-01".parse().expect("month"),
        force_id: "city-of-london",
        reported_by: "City of London Police".into(),
        falls_within: "City of London Police".into(),
        location: Some(PublishedLocation {
            at: LatLng { lat, lng: -0.09 },
            street_name: "On or near Cheapside".into(),
        }),
        lsoa_code: None,
        lsoa_name: Some("City of London 001A".into()),
        category: CrimeCategory::Burglary,
        last_outcome: Some(Outcome::UnderInvestigation),
        context: String::new(),
    }
}

async fn import(store: &Store, sha: &str, rows: &[StreetCrime]) {
    store
        .open_data()
        .replace_force_month(
            "city-of-london",
            None,
            "2024-01".parse().expect("month"),
            sha,
            "test",
            OpenDataBatch::Street(rows),
            &mut LocationCache::default(),
        )
        .await
        .expect("import");
}

#[derive(Default)]
struct Counts {
    locations: usize,
    crimes: usize,
    imports: Vec<(String, String, Month)>,
}

impl OpenDataSink for Counts {
    fn location(&mut self, _: i64, _: LatLng, _: &str) -> Result<(), StoreError> {
        self.locations += 1;
        Ok(())
    }
    fn crime(&mut self, c: StoredCrime<'_>) -> Result<(), StoreError> {
        assert_eq!((c.force_id, c.category, c.location_type), ("city-of-london", CrimeCategory::Burglary, "Force"));
        self.crimes += 1;
        Ok(())
    }
    fn outcome(&mut self, _: StoredOutcome<'_>) -> Result<(), StoreError> {
        Ok(())
    }
    fn stop(&mut self, _: StoredStop<'_>) -> Result<(), StoreError> {
        Ok(())
    }
    fn import(&mut self, kind: &str, force_id: &str, month: Month) {
        self.imports.push((kind.into(), force_id.into(), month));
    }
}

async fn writes_of_open_data_advance_the_version(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let start = store.open_data().data_version().await.expect("version");
    // Opening again seeds no new force: nothing changes.
    Store::open(&db.url).await.expect("reopen");
    assert_eq!(store.open_data().data_version().await.expect("version"), start);

    import(&store, "sha-1", &[crime(51.51), crime(51.52)]).await;
    let after_import = store.open_data().data_version().await.expect("version");
    assert!(after_import > start);
    import(&store, "sha-1", &[crime(51.51), crime(51.52)]).await;
    assert_eq!(
        store.open_data().data_version().await.expect("version"),
        after_import,
        "the same file again changes nothing"
    );

    let square = |lat: f64| {
        let ll = |lat, lng| LatLng { lat, lng };
        Area { polygons: vec![Polygon::new(vec![ll(lat, 0.0), ll(lat + 0.1, 0.0), ll(lat + 0.1, 0.1)]).expect("p")] }
    };
    store.geography().set_neighbourhood_boundary("city-of-london", "ban", &square(51.0)).await.expect("boundary");
    let after_boundary = store.open_data().data_version().await.expect("version");
    assert!(after_boundary > after_import);
    let neighbourhood = Neighbourhood {
        force_id: "city-of-london".into(),
        id: "ban".into(),
        name: "Bank".into(),
        ..Default::default()
    };
    store
        .geography()
        .put_neighbourhood(&NeighbourhoodDetails { neighbourhood, ..Default::default() })
        .await
        .expect("details");
    let after_details = store.open_data().data_version().await.expect("version");
    assert!(after_details > after_boundary);
    store.geography().set_force_boundary("city-of-london", &square(51.2)).await.expect("force boundary");
    let after_force = store.open_data().data_version().await.expect("version");
    assert!(after_force > after_details);

    // Postcodes are not served from memory: no new version.
    let point = PostcodePoint {
        postcode: Postcode::parse("EC2V 7HH").expect("postcode"),
        at: LatLng { lat: 51.51, lng: -0.09 },
        admin_district: None,
        ward: None,
    };
    store.geography().put_postcodes(&[point]).await.expect("postcodes");
    assert_eq!(store.open_data().data_version().await.expect("version"), after_force);

    let mut counts = Counts::default();
    let (version, snapshot) = store.open_data().read_open_data(&mut counts).await.expect("snapshot");
    let geography = snapshot.geography;
    assert_eq!(version, after_force);
    assert_eq!((counts.locations, counts.crimes), (2, 2));
    assert_eq!(
        counts.imports,
        vec![("street".to_string(), "city-of-london".to_string(), "2024-01".parse().expect("m"))]
    );
    assert_eq!(geography.forces.len(), 45);
    assert_eq!(geography.neighbourhoods[0].neighbourhood.name, "Bank");
    assert_eq!(snapshot.boundaries[0].neighbourhood_id, "ban");
}

peel_store::on_both_engines!(writes_of_open_data_advance_the_version);
