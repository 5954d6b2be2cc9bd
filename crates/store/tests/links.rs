//! Upgrading to version 16 removes the unsafe links an older peel stored
//! unchecked (issue 13, defect 7), reports each, and leaves safe ones. On
//! both engines.

use chrono::{TimeZone, Utc};
use peel_core::access::{OrgKind, Role};
use peel_core::asb::{RawPerson, RawReport};
use peel_core::trigger::Procedure;
use peel_store::testing::{TestDatabase, person};
use peel_store::{Engine, Store};

/// Rows as an older peel could write them: every place a link is kept,
/// each with a safe link beside an unsafe one.
async fn old_rows(store: &Store) {
    let procedure = {
        let mut v: serde_json::Value = serde_json::from_str(&Procedure::local_example().to_json()).unwrap();
        v["contact"]["web"] = "javascript:alert('x')".into();
        v.to_string().replace('\'', "''")
    };
    let sql = [
        "UPDATE forces SET url = 'javascript:alert(1)', engagement_methods = \
         '[{\"url\":\"https://ok.example/\",\"title\":\"Site\",\"description\":null,\"type\":\"web\"},\
           {\"url\":\"data:text/html,x\",\"title\":\"Bad\",\"description\":null,\"type\":\"web\"}]' \
         WHERE id = 'kent'"
            .to_string(),
        "INSERT INTO force_people (force_id, position, name, rank, bio, contact_details) \
         VALUES ('kent', 0, 'Chief', 'Chief Constable', NULL, '{\"twitter\":\"javascript:x\",\"email\":\"c@example.org\"}')"
            .to_string(),
        "INSERT INTO neighbourhoods (force_id, id, name, url_force, contact_details, links) VALUES \
         ('kent', 'town', 'Town', 'JavaScript:alert(document.cookie)', \
          '{\"web\":\"https://town.example/\",\"facebook\":\"vbscript:x\"}', \
          '[{\"url\":\"javascript:alert(1)\",\"title\":\"Bad\",\"description\":null},\
            {\"url\":\"https://council.example/\",\"title\":\"Council\",\"description\":null}]')"
            .to_string(),
        "INSERT INTO neighbourhood_people (force_id, neighbourhood_id, position, name, rank, bio, contact_details) \
         VALUES ('kent', 'town', 0, 'Sam', 'PC', NULL, '{\"web\":\"javascript:x\"}')"
            .to_string(),
        "INSERT INTO events (force_id, neighbourhood_id, position, title, kind, start_date, contact_details) \
         VALUES ('kent', 'town', 0, 'Meeting', 'meeting', '2026-09-10T18:00:00', '{\"web\":\"tel:101\"}')"
            .to_string(),
        format!(
            "INSERT INTO trigger_procedures (force_id, csp_id, version, document, adopted_at, adopted_by) \
             VALUES ('bedfordshire', 'luton', 'old-1', '{procedure}', '2026-01-01T00:00:00Z', 'test')"
        ),
    ];
    for s in sql {
        store.execute_raw_sql_for_tests(&s).await.unwrap_or_else(|e| panic!("{e}: {s}"));
    }
    // A report with a link the old check let through (a user name before the host).
    let who = person(store, "Kent Police", OrgKind::Force, "olu@kent.example", Role::Officer).await;
    let at = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
    let victim = RawPerson { name: "Jane Smith".into(), phone: "07700 900123".into(), ..Default::default() };
    let report = RawReport {
        channel: "phone".into(),
        category: "personal".into(),
        occurred_at: "2026-08-31T21:00".into(),
        location: "High Street".into(),
        description: "Noise".into(),
        reporter: victim.clone(),
        victims: vec![victim],
        media_url: "https://photos.example/a.jpg".into(),
        ..Default::default()
    };
    let id = store.asb().record_asb_report(&report.check(at).unwrap(), &who.at(at)).await.unwrap().id;
    let sql = format!("UPDATE asb_reports SET media_url = 'https://police.uk@evil.example/a.jpg' WHERE id = {id}");
    store.execute_raw_sql_for_tests(&sql).await.unwrap();
}

/// A database made by version 13 with unsafe links upgrades, losing them.
async fn an_older_database_loses_its_unsafe_links_on_upgrade(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let old = Store::connect(&db.url).await.unwrap();
    old.migrate_up_to(13).await.unwrap();
    for sql in [
        "INSERT INTO forces (id, name, url) VALUES ('kent', 'Kent Police', 'javascript:alert(1)')",
        "INSERT INTO neighbourhoods (force_id, id, name, url_force, links) VALUES ('kent', 'town', 'Town', \
         'https://ok.example/', '[{\"url\":\"javascript:alert(1)\",\"title\":\"Bad\",\"description\":null}]')",
    ] {
        old.execute_raw_sql_for_tests(sql).await.unwrap();
    }
    old.close().await;
    let store = db.store().await;
    let removed: Vec<(String, String)> =
        store.unsafe_links_removed().await.unwrap().into_iter().map(|r| (r.place, r.field)).collect();
    assert_eq!(
        removed,
        [("force kent".into(), "url".into()), ("neighbourhood kent/town".into(), "links[0].url".into())]
    );
    let town = store.geography().neighbourhood("kent", "town").await.unwrap().unwrap();
    assert_eq!((town.url_force.as_deref(), town.links.len()), (Some("https://ok.example/"), 0));
    assert_eq!(store.geography().force("kent").await.unwrap().unwrap().url, None);
}

/// Every place a link is kept is checked: rows written unchecked, then the
/// check made due again as an upgrade makes it.
async fn every_kind_of_stored_link_is_checked(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let old = db.store().await;
    old_rows(&old).await;
    old.execute_raw_sql_for_tests("INSERT INTO link_check_due (id) VALUES (1)").await.unwrap();
    old.close().await;

    let store = db.store().await;
    let removed = store.unsafe_links_removed().await.unwrap();
    let mut found: Vec<(String, String, String)> =
        removed.iter().map(|r| (r.place.clone(), r.field.clone(), r.link.clone())).collect();
    found.sort();
    let expected = [
        ("ASB report 1", "media_url", "https://police.uk@evil.example/a.jpg"),
        ("case-review procedure bedfordshire/luton version old-1", "contact.web", "javascript:alert('x')"),
        ("force kent", "engagement_methods[1].url", "data:text/html,x"),
        ("force kent", "url", "javascript:alert(1)"),
        ("force kent person 1", "contact_details.twitter", "javascript:x"),
        ("neighbourhood kent/town", "contact_details.facebook", "vbscript:x"),
        ("neighbourhood kent/town", "links[0].url", "javascript:alert(1)"),
        ("neighbourhood kent/town", "url_force", "JavaScript:alert(document.cookie)"),
        ("neighbourhood kent/town person 1", "contact_details.web", "javascript:x"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(p, f, l)| (p.to_string(), f.to_string(), l.to_string())).collect();
    assert_eq!(found, expected);
    assert!(removed.iter().all(|r| !r.reason.is_empty() && !r.removed_at.is_empty()));

    // What is left reads back, safe links and all.
    let kent = store.geography().force("kent").await.unwrap().unwrap();
    assert_eq!(kent.url, None);
    let methods: Vec<Option<&str>> = kent.engagement_methods.iter().map(|m| m.url.as_deref()).collect();
    assert_eq!(methods, [Some("https://ok.example/"), None]);
    let town = store.geography().neighbourhood("kent", "town").await.unwrap().unwrap();
    assert_eq!(town.url_force, None);
    let links: Vec<&str> = town.links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(links, ["https://council.example/"]);
    assert_eq!(town.contact_details.get("web").map(String::as_str), Some("https://town.example/"));
    assert!(!town.contact_details.contains_key("facebook"));
    let (_, snapshot) = store.open_data().read_open_data(&mut Geography).await.unwrap();
    let people = &snapshot.geography.force("kent").unwrap().people;
    assert_eq!(people[0].contact_details.get("email").map(String::as_str), Some("c@example.org"));
    let town = snapshot.geography.neighbourhoods.iter().find(|n| n.neighbourhood.id == "town").unwrap();
    assert!(town.events[0].contact_details.contains_key("web"));

    // The check ran once: opening again finds nothing more to do.
    store.close().await;
    let again = db.store().await;
    assert_eq!(again.unsafe_links_removed().await.unwrap().len(), removed.len());
}

peel_store::on_both_engines!(an_older_database_loses_its_unsafe_links_on_upgrade, every_kind_of_stored_link_is_checked);

/// Reads the geography of a snapshot, ignoring its records.
struct Geography;

impl peel_store::OpenDataSink for Geography {
    fn location(&mut self, _: i64, _: peel_core::geo::LatLng, _: &str) -> Result<(), peel_store::StoreError> {
        Ok(())
    }
    fn crime(&mut self, _: peel_core::records::StoredCrime<'_>) -> Result<(), peel_store::StoreError> {
        Ok(())
    }
    fn outcome(&mut self, _: peel_core::records::StoredOutcome<'_>) -> Result<(), peel_store::StoreError> {
        Ok(())
    }
    fn stop(&mut self, _: peel_core::records::StoredStop<'_>) -> Result<(), peel_store::StoreError> {
        Ok(())
    }
    fn import(&mut self, _: &str, _: &str, _: peel_core::Month) {}
}
