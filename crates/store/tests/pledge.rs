//! Pledge event storage on both engines: each test body is written once
//! and run on SQLite and on PostgreSQL. (The contract tests check that both
//! engines' migrations, 0002_pledge_events included, make the same schema.)

use chrono::{DateTime, Utc};
use peel_core::Month;
use peel_core::geography::{Force, Neighbourhood};
use peel_core::pledge::{AreaKind, CommitmentId, Fact, Limit, Report, Standard, generate, parse_ndjson};
use peel_store::testing::TestDatabase;
use peel_store::{Engine, IngestError, LocalStandardError, NeighbourhoodDetails, Store, StoreError};

const FIXTURE: &str = include_str!("../../core/tests/fixtures/pledge-kent-2024-10.ndjson");
const FIXTURE_EVENTS: i64 = 55;

fn october() -> Month {
    "2024-10".parse().expect("month")
}

fn after() -> DateTime<Utc> {
    "2025-01-01T00:00:00Z".parse().expect("time")
}

/// Kent's two fixture neighbourhoods: `town` (urban) and `marsh` (rural).
async fn setup(store: &Store) {
    for id in ["town", "marsh"] {
        let neighbourhood =
            Neighbourhood { force_id: "kent".into(), id: id.into(), name: id.into(), ..Default::default() };
        store
            .geography()
            .put_neighbourhood(&NeighbourhoodDetails { neighbourhood, ..Default::default() })
            .await
            .expect("neighbourhood");
    }
    store
        .pledge()
        .set_neighbourhood_area("kent", "marsh", AreaKind::Rural, &peel_store::testing::setup())
        .await
        .expect("area");
}

async fn ingest(store: &Store, text: &str) -> Result<usize, IngestError> {
    store.pledge().ingest_pledge_events(parse_ndjson(text), &peel_store::testing::setup()).await
}

fn counts(r: &Report, id: CommitmentId) -> (u64, u64, u64, Option<f64>) {
    r.figure(id).map(|f| (f.eligible, f.met, f.pending, f.percent)).expect("figure")
}

async fn good_batch_is_stored(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    assert_eq!(ingest(&store, FIXTURE).await.expect("valid batch"), FIXTURE_EVENTS as usize);
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), FIXTURE_EVENTS);
    assert_eq!(store.pledge().pledge_event_count(Some("essex")).await.expect("count"), 1);
    let r = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    assert_eq!(counts(&r, CommitmentId::Answer999), (5, 3, 0, Some(60.0)));
    // marsh is rural by its setting, so i1-rural-20 is met.
    assert_eq!(counts(&r, CommitmentId::EmergencyAttendance), (5, 2, 0, Some(40.0)));
    // Plans that began in August and updates from September are read too.
    assert_eq!(counts(&r, CommitmentId::VictimUpdates), (5, 3, 0, Some(60.0)));
    assert_eq!(counts(&r, CommitmentId::PublicMeetings), (2, 1, 0, Some(50.0)));
    let town = store.pledge().pledge_compliance("kent", october(), Some("town"), after()).await.expect("compliance");
    assert_eq!(counts(&town, CommitmentId::TeamMessageReply), (2, 1, 0, Some(50.0)));
    // The month range reads victim plans active in it and their updates.
    let events = store.pledge().pledge_events("kent", october(), october()).await.expect("events");
    assert!(events.iter().any(|e| e.id == "vp-prev") && events.iter().any(|e| e.id == "vu-4a"));
    assert!(!events.iter().any(|e| e.id == "c-nov" || e.id == "c-sept" || e.id == "vp-ended"));
    // Updates from before the earliest active plan began are not read.
    ingest(
        &store,
        r#"{"id":"vu-2023","force":"kent","type":"victim_update","crime_ref":"old","at":"2023-01-05T00:00:00Z"}"#,
    )
    .await
    .expect("valid");
    let events = store.pledge().pledge_events("kent", october(), october()).await.expect("events");
    assert!(!events.iter().any(|e| e.id == "vu-2023") && events.iter().any(|e| e.id == "vu-4a"));
    let again = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    assert_eq!(again, r, "the figures do not change");
    // The months held, newest first, for the force and for one neighbourhood;
    // the update from 2023 holds no month of its own.
    let months = |ms: Vec<Month>| ms.iter().map(Month::to_string).collect::<Vec<_>>();
    let held = store.pledge().pledge_months("kent", None).await.expect("months");
    assert_eq!(months(held), ["2024-11", "2024-10", "2024-09", "2024-08"]);
    let town = store.pledge().pledge_months("kent", Some("town")).await.expect("months");
    assert_eq!(months(town), ["2024-10", "2024-09"]);
    assert!(store.pledge().pledge_months("atlantis", None).await.expect("months").is_empty());
}

async fn bad_batch_changes_nothing(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    ingest(&store, FIXTURE).await.expect("valid batch");
    let bad = [
        // 1: valid, and would replace c-abandoned; must not be written.
        r#"{"id":"c-abandoned","force":"kent","type":"call","channel":"999","received_at":"2024-10-11T12:00:00Z","answered_at":"2024-10-11T12:00:01Z"}"#,
        // 2: unknown type
        r#"{"id":"x1","force":"kent","type":"parade"}"#,
        // 3: missing field
        r#"{"id":"x2","force":"kent","type":"call","channel":"999","answered_at":null}"#,
        // 4: answered before received
        r#"{"id":"x3","force":"kent","type":"call","channel":"999","received_at":"2024-10-11T12:00:00Z","answered_at":"2024-10-11T11:59:59Z"}"#,
        // 5: unknown force
        r#"{"id":"x4","force":"gotham","type":"call","channel":"999","received_at":"2024-10-11T12:00:00Z","answered_at":null}"#,
        // 6: unknown neighbourhood (valid otherwise)
        r#"{"id":"x5","force":"kent","neighbourhood":"nowhere","type":"message","received_at":"2024-10-11T12:00:00Z","replied_at":null}"#,
        // 7: bad time
        r#"{"id":"x6","force":"kent","type":"dissatisfaction","received_at":"11/10/2024 12:00","acknowledged_at":null}"#,
    ]
    .join("\n");
    let Err(IngestError::Invalid(errors)) = ingest(&store, &bad).await else {
        panic!("the batch must be refused");
    };
    let got: Vec<(usize, &str)> = errors.first().iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(
        got,
        [(2, "type"), (3, "received_at"), (4, "answered_at"), (5, "force"), (6, "neighbourhood"), (7, "received_at")]
    );
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), FIXTURE_EVENTS);
    let r = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    let answer = r.figure(CommitmentId::Answer999).expect("figure");
    assert!(answer.breaches.contains(&"c-abandoned".to_string()), "c-abandoned was not replaced");
}

async fn resending_replaces(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let waiting = r#"{"id":"m1","force":"kent","neighbourhood":"town","type":"message","received_at":"2024-10-10T09:00:00Z","replied_at":null}"#;
    let replied = waiting.replace(r#""replied_at":null"#, r#""replied_at":"2024-10-10T10:00:00Z""#);
    ingest(&store, waiting).await.expect("valid");
    let before = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    assert_eq!(counts(&before, CommitmentId::TeamMessageReply), (1, 0, 0, Some(0.0)));
    ingest(&store, &replied).await.expect("valid");
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 1);
    let after_reply = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    assert_eq!(counts(&after_reply, CommitmentId::TeamMessageReply), (1, 1, 0, Some(100.0)));
    // Within one batch the last of a key wins, and a different type with the
    // same id is a different event.
    let both = format!(
        "{replied}\n{waiting}\n{}",
        waiting.replace(r#""type":"message""#, r#""type":"dissatisfaction""#).replace("replied_at", "acknowledged_at")
    );
    assert_eq!(ingest(&store, &both).await.expect("valid"), 2);
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 2);
    let r = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    assert_eq!(counts(&r, CommitmentId::TeamMessageReply), (1, 0, 0, Some(0.0)));
}

async fn local_standards_are_layered(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let local = |id, version: &str, limit| Standard {
        id,
        version: version.into(),
        description: "Kent answers 999 calls within 8 seconds.".into(),
        limit,
        source: "Kent Policing Pledge".into(),
    };
    store
        .pledge()
        .put_local_standard(
            "kent",
            None,
            &local(CommitmentId::Answer999, "kent-2024", Limit::Within { seconds: 8 }),
            &peel_store::testing::setup(),
        )
        .await
        .expect("stricter");
    let stricter = local(CommitmentId::Answer999, "town-2024", Limit::Within { seconds: 7 });
    assert!(
        store.pledge().put_local_standard("kent", Some("town"), &stricter, &peel_store::testing::setup()).await.is_ok()
    );
    let too_loose = local(CommitmentId::Answer999, "marsh-2024", Limit::Within { seconds: 9 });
    assert!(matches!(
        store.pledge().put_local_standard("kent", Some("marsh"), &too_loose, &peel_store::testing::setup()).await,
        Err(LocalStandardError::Standard(_))
    ));
    // The force cannot now tighten past what town promises.
    let tighter = local(CommitmentId::Answer999, "kent-2025", Limit::Within { seconds: 6 });
    assert!(matches!(
        store.pledge().put_local_standard("kent", None, &tighter, &peel_store::testing::setup()).await,
        Err(LocalStandardError::Standard(_))
    ));
    assert!(matches!(
        store.pledge().put_local_standard("kent", Some("nowhere"), &tighter, &peel_store::testing::setup()).await,
        Err(LocalStandardError::Store(_))
    ));
    let force = store.pledge().pledge_standards("kent", None).await.expect("set");
    assert_eq!(force.get(CommitmentId::Answer999).version, "kent-2024");
    let town = store.pledge().pledge_standards("kent", Some("town")).await.expect("set");
    assert_eq!(town.get(CommitmentId::Answer999).limit, Limit::Within { seconds: 7 });
    assert_eq!(town.get(CommitmentId::PublicMeetings).version, "national-2008");
    let essex = store.pledge().pledge_standards("essex", None).await.expect("set");
    assert_eq!(essex.get(CommitmentId::Answer999).version, "national-2008");
    let areas = store.pledge().neighbourhood_areas("kent").await.expect("areas");
    assert_eq!(areas.get("town"), Some(&AreaKind::Urban));
    assert_eq!(areas.get("marsh"), Some(&AreaKind::Rural));
    assert!(
        store
            .pledge()
            .set_neighbourhood_area("kent", "nowhere", AreaKind::Rural, &peel_store::testing::setup())
            .await
            .is_err()
    );
}

/// A withdrawn local standard gives way to the level below it: the
/// force's for a neighbourhood, the national one for the force, and the
/// figures name that version again.
async fn local_standards_are_withdrawn(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    ingest(&store, FIXTURE).await.expect("fixture");
    let answer = |version: &str, seconds| Standard {
        id: CommitmentId::Answer999,
        version: version.into(),
        description: format!("999 calls are answered within {seconds} seconds."),
        limit: Limit::Within { seconds },
        source: "Kent Policing Pledge".into(),
    };
    let version = |set: &peel_core::pledge::StandardSet| set.get(CommitmentId::Answer999).version.clone();
    store
        .pledge()
        .put_local_standard("kent", None, &answer("kent-2024", 8), &peel_store::testing::setup())
        .await
        .expect("force");
    store
        .pledge()
        .put_local_standard("kent", Some("town"), &answer("town-2024", 7), &peel_store::testing::setup())
        .await
        .expect("town");
    let reply = local_reply();
    store
        .pledge()
        .put_local_standard("kent", Some("marsh"), &reply, &peel_store::testing::setup())
        .await
        .expect("marsh");
    assert_eq!(
        store.pledge().local_standards_at("kent", Some("town")).await.expect("town"),
        vec![answer("town-2024", 7)]
    );

    // The neighbourhood's goes; the force's applies there again.
    assert_eq!(
        store
            .pledge()
            .withdraw_local_standard("kent", Some("town"), CommitmentId::Answer999, &peel_store::testing::setup())
            .await
            .expect("withdraw"),
        Some(answer("town-2024", 7))
    );
    assert_eq!(version(&store.pledge().pledge_standards("kent", Some("town")).await.expect("set")), "kent-2024");
    assert!(store.pledge().local_standards_at("kent", Some("town")).await.expect("town").is_empty());
    // The force's goes, though marsh keeps a standard of its own: the
    // national one applies at both levels, and the figures say so.
    assert_eq!(
        store
            .pledge()
            .withdraw_local_standard("kent", None, CommitmentId::Answer999, &peel_store::testing::setup())
            .await
            .expect("withdraw"),
        Some(answer("kent-2024", 8))
    );
    for hood in [None, Some("town"), Some("marsh")] {
        let set = store.pledge().pledge_standards("kent", hood).await.expect("set");
        assert_eq!(version(&set), "national-2008", "{hood:?}");
        let r = store.pledge().pledge_compliance("kent", october(), hood, after()).await.expect("compliance");
        let figure = r.figure(CommitmentId::Answer999).expect("figure");
        assert_eq!((figure.version.as_str(), figure.limit), ("national-2008", Limit::Within { seconds: 10 }));
    }
    let marsh = store.pledge().pledge_standards("kent", Some("marsh")).await.expect("set");
    assert_eq!(marsh.get(CommitmentId::TeamMessageReply), &reply, "other standards stay");

    // Withdrawing what is not there (any more) says so and changes nothing.
    assert!(
        store
            .pledge()
            .withdraw_local_standard("kent", None, CommitmentId::Answer999, &peel_store::testing::setup())
            .await
            .expect("none")
            .is_none()
    );
    assert!(
        store
            .pledge()
            .withdraw_local_standard("kent", Some("town"), CommitmentId::Answer999, &peel_store::testing::setup())
            .await
            .expect("none")
            .is_none()
    );
    assert!(
        store
            .pledge()
            .withdraw_local_standard("essex", None, CommitmentId::PublicMeetings, &peel_store::testing::setup())
            .await
            .expect("none")
            .is_none()
    );
    assert_eq!(store.pledge().local_standards_at("kent", Some("marsh")).await.expect("marsh"), vec![reply]);
    assert!(matches!(
        store
            .pledge()
            .withdraw_local_standard("kent", Some("nowhere"), CommitmentId::Answer999, &peel_store::testing::setup())
            .await,
        Err(LocalStandardError::Store(StoreError::NotFound(_)))
    ));
}

/// Standards stored before a check existed can leave a force's standard
/// looser than the national one and a neighbourhood's between the two.
/// Withdrawing the force's would leave the neighbourhood's looser than the
/// national minimum, so it is refused and nothing is deleted; withdrawing
/// the neighbourhood's first, then the force's, is allowed.
async fn withdrawal_keeps_the_layers_valid(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let force = local_reply_at("kent-2007", 90_000);
    let marsh = local_reply_at("marsh-2007", 88_000);
    store.put_local_standard_unchecked("kent", None, &force).await.expect("force");
    store.put_local_standard_unchecked("kent", Some("marsh"), &marsh).await.expect("marsh");
    let reply = CommitmentId::TeamMessageReply;
    let refused = store.pledge().withdraw_local_standard("kent", None, reply, &peel_store::testing::setup()).await;
    assert!(
        matches!(&refused, Err(LocalStandardError::Standard(e)) if e.to_string().contains("marsh-2007")),
        "{refused:?}"
    );
    assert_eq!(store.pledge().local_standards_at("kent", None).await.expect("force"), vec![force.clone()]);
    assert_eq!(store.pledge().local_standards_at("kent", Some("marsh")).await.expect("marsh"), vec![marsh.clone()]);
    assert_eq!(
        store
            .pledge()
            .withdraw_local_standard("kent", Some("marsh"), reply, &peel_store::testing::setup())
            .await
            .expect("marsh"),
        Some(marsh)
    );
    assert_eq!(
        store
            .pledge()
            .withdraw_local_standard("kent", None, reply, &peel_store::testing::setup())
            .await
            .expect("force"),
        Some(force)
    );
    let set = store.pledge().pledge_standards("kent", Some("marsh")).await.expect("set");
    assert_eq!(set.get(reply).version, "national-2008");
}

fn local_reply() -> Standard {
    local_reply_at("marsh-agreement-2024", 43_200)
}

fn local_reply_at(version: &str, seconds: i64) -> Standard {
    Standard {
        id: CommitmentId::TeamMessageReply,
        version: version.into(),
        description: "Messages to the team are answered within 12 hours.".into(),
        limit: Limit::Within { seconds },
        source: "Marsh Neighbourhood Agreement".into(),
    }
}

/// Thousands of events go in several statements but one transaction: a
/// failure in a late chunk leaves nothing of the early ones.
async fn large_batches_are_chunked_and_atomic(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let hoods = vec![("town".to_string(), AreaKind::Urban), ("marsh".to_string(), AreaKind::Rural)];
    let plan = generate::Plan { force: "kent", month: october(), neighbourhoods: &hoods, seed: 1, now: after() };
    let september = generate::Plan { month: october().plus(-1), ..plan.clone() };
    let mut events = generate::month(&september);
    events.extend(generate::month(&plan));
    // More than one 400-row INSERT.
    assert!(events.len() > 400, "{}", events.len());
    // Bypassing validation, an event for a force the database does not
    // know fails on its foreign key, after earlier chunks were inserted.
    let mut stray = events[0].clone();
    stray.force = "gotham".into();
    events.push(stray);
    assert!(store.pledge().put_pledge_events(&events).await.is_err());
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 0);
    events.pop();
    assert_eq!(store.pledge().put_pledge_events(&events).await.expect("stored"), events.len());
    let stored = store.pledge().pledge_events("kent", october(), october()).await.expect("events");
    assert!(stored.iter().all(|e| e.generated));
    let r = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    assert!(r.generated);
}

/// A fraction of a second that decides a figure: answered 10.1 s after
/// receipt (met, as 10 whole seconds), though the whole seconds of the two
/// times are 11 apart.
const SUBSECOND: &str = r#"{"id":"c-frac","force":"kent","type":"call","channel":"999","received_at":"2024-10-20T09:00:00.9Z","answered_at":"2024-10-20T09:00:11.0Z"}"#;

fn sorted(mut facts: Vec<Fact>) -> Vec<Fact> {
    facts.sort_by_key(|f| format!("{f:?}"));
    facts
}

/// Every figure the fixture gives, for the force, each neighbourhood and a
/// range of months.
async fn all_figures(store: &Store) -> Vec<Report> {
    let mut reports = Vec::new();
    for hood in [None, Some("town"), Some("marsh")] {
        reports.push(store.pledge().pledge_compliance("kent", october(), hood, after()).await.expect("compliance"));
        let months =
            store.pledge().pledge_compliance_months("kent", october().plus(-2), october().plus(1), hood, after());
        reports.extend(months.await.expect("months"));
    }
    reports
}

/// The typed columns give exactly the facts the stored JSON gives.
async fn columns_match_the_json(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    ingest(&store, &format!("{FIXTURE}\n{SUBSECOND}")).await.expect("valid batch");
    let (from, to) = (october().plus(-2), october().plus(1));
    let from_json: Vec<Fact> =
        store.pledge().pledge_events("kent", from, to).await.expect("events").iter().filter_map(Fact::of).collect();
    assert!(from_json.len() > 50);
    // The store reads only what can count; the fixture has some of each that cannot.
    let uncounted = from_json.iter().filter(|f| !f.counts()).count();
    assert!(uncounted >= 3, "{uncounted} uncounted facts in the fixture");
    let from_json: Vec<Fact> = from_json.into_iter().filter(Fact::counts).collect();
    assert_eq!(sorted(store.pledge().pledge_facts("kent", from, to).await.expect("facts")), sorted(from_json));
    let r = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    let answer = r.figure(CommitmentId::Answer999).expect("figure");
    assert_eq!((answer.eligible, answer.met), (6, 4), "c-frac is met");
}

/// A new database (set up) holding the events of `text`.
async fn holding(engine: Engine, text: &str) -> (TestDatabase, Store) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    ingest(&store, text).await.expect("valid batch");
    (db, store)
}

/// A database with the schema of `version` only (set up, with the forces
/// that only a full migration seeds), as an older peel left it.
async fn at_version(engine: Engine, version: i64) -> (TestDatabase, Store) {
    let db = TestDatabase::new(engine).await;
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate_up_to(version).await.expect("an older schema");
    for id in ["kent", "essex"] {
        let force = Force { id: id.into(), name: id.into(), ..Default::default() };
        store.geography().put_force(&force, &[]).await.expect("force");
    }
    setup(&store).await;
    (db, store)
}

/// A database that held events before schema version 8 gets their typed
/// columns when it is next opened, and gives the same figures as a new one.
async fn upgraded_database_gives_the_same_figures(engine: Engine) {
    let text = format!("{FIXTURE}\n{SUBSECOND}");
    let (_fresh_db, fresh) = holding(engine, &text).await;
    let (old_db, old) = at_version(engine, 7).await;
    let batch = parse_ndjson(&text);
    assert!(batch.is_valid());
    let events: Vec<_> = batch.events.into_iter().map(|e| e.event).collect();
    old.put_pledge_events_before_version_8(&events).await.expect("old rows");
    old.close().await;

    let upgraded = old_db.store().await;
    assert!(upgraded.applied_migrations().await.expect("migrations").iter().any(|(v, _)| *v == 8));
    assert_eq!(upgraded.pledge().pledge_event_count(None).await.expect("count"), FIXTURE_EVENTS + 1);
    let (from, to) = (october().plus(-2), october().plus(1));
    assert_eq!(
        sorted(upgraded.pledge().pledge_facts("kent", from, to).await.expect("facts")),
        sorted(fresh.pledge().pledge_facts("kent", from, to).await.expect("facts"))
    );
    assert_eq!(all_figures(&upgraded).await, all_figures(&fresh).await);
}

/// A batch big enough that SQLite stores it with a larger page cache
/// (over 128 MB worth of events): still atomic, last one wins, and the
/// connections keep working afterwards.
async fn very_large_batches_are_atomic(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let line = |i: usize| {
        format!(
            r#"{{"id":"c{i}","force":"kent","type":"call","channel":"999","received_at":"2024-10-20T09:00:00Z","answered_at":"2024-10-20T09:00:{:02}Z"}}"#,
            i % 60
        )
    };
    let n = 140_000;
    let mut text: String = (0..n).map(|i| line(i) + "\n").collect();
    let mut batch = parse_ndjson(&text);
    assert!(batch.is_valid() && batch.events.len() == n);
    let mut stray = batch.events[0].clone();
    stray.event.force = "gotham".into();
    batch.events.push(stray);
    assert!(store.pledge().ingest_pledge_events(batch, &peel_store::testing::setup()).await.is_err());
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 0);
    // Re-sent within the batch: the last (answered in 59 s) wins.
    text.push_str(&line(59).replace(r#""id":"c59""#, r#""id":"c0""#));
    assert_eq!(ingest(&store, &text).await.expect("stored"), n);
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), n as i64);
    let r = store.pledge().pledge_compliance("kent", october(), None, after()).await.expect("compliance");
    let answered_in_10s = (0..n).filter(|i| i % 60 <= 10).count() as u64 - 1;
    assert_eq!(counts(&r, CommitmentId::Answer999).0, n as u64);
    assert_eq!(counts(&r, CommitmentId::Answer999).1, answered_in_10s);
}

/// Every event comes back exactly as it was sent: from its own document
/// where the columns cannot hold it (UTC offsets, fractions of a second,
/// officer references, attendance), else rebuilt from the columns.
/// Events the columns hold exactly (UTC; British Summer Time; a duty and a
/// meeting's attendance) and events kept whole (a fraction of a second; a
/// reply sent in GMT to a message sent in BST, across the clock change).
const EXACT: &str = r#"{"id":"c-utc","force":"kent","type":"call","channel":"101","received_at":"2024-10-21T09:00:00Z","answered_at":null}
{"id":"d-bst","force":"kent","neighbourhood":"town","type":"duty","officer_ref":"PC 1234","start":"2024-10-02T07:00:00+01:00","end":"2024-10-02T15:00:00+01:00","minutes_in_neighbourhood":400}
{"id":"m-count","force":"kent","neighbourhood":"marsh","type":"meeting","held_at":"2024-10-09T19:00:00+01:00","kind":"public","attendance":23}
{"id":"msg-change","force":"kent","neighbourhood":"town","type":"message","received_at":"2024-10-27T01:59:58+01:00","replied_at":"2024-10-27T01:00:03+00:00"}"#;

/// The events of `text` as sent, and as [`Pledge::pledge_events`] gives
/// them back, both in key order (victim updates before the earliest plan
/// are not read back, so are left out of both).
async fn sent_and_stored(store: &Store, text: &str) -> (Vec<peel_core::pledge::Event>, Vec<peel_core::pledge::Event>) {
    let key = |e: &peel_core::pledge::Event| format!("{}/{}", e.event_type().as_str(), e.id);
    let mut stored =
        store.pledge().pledge_events("kent", october().plus(-12), october().plus(12)).await.expect("events");
    stored.sort_by_key(key);
    let stored_keys: Vec<String> = stored.iter().map(key).collect();
    let mut sent: Vec<_> = parse_ndjson(text).events.into_iter().map(|e| e.event).collect();
    sent.retain(|e| stored_keys.contains(&key(e)));
    sent.sort_by_key(key);
    (sent, stored)
}

async fn events_come_back_exactly(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let text = format!("{FIXTURE}\n{SUBSECOND}\n{EXACT}");
    ingest(&store, &text).await.expect("valid batch");
    let (sent, stored) = sent_and_stored(&store, &text).await;
    assert!(stored.len() > 50);
    for id in ["c-utc", "d-bst", "m-count", "msg-change", "c-frac"] {
        assert!(stored.iter().any(|e| e.id == id), "{id} is read back");
    }
    assert_eq!(stored, sent);
}

/// Events stored as version 12 stored them (a document for every duty,
/// every meeting's attendance and every time not in UTC whole seconds, and
/// none of the columns of version 13) read back exactly once upgraded, and
/// give the same figures as a new database.
async fn upgraded_from_version_12_reads_back_exactly(engine: Engine) {
    let text = format!("{FIXTURE}\n{SUBSECOND}\n{EXACT}");
    let (_fresh_db, fresh) = holding(engine, &text).await;
    let (old_db, old) = at_version(engine, 12).await;
    let events: Vec<_> = parse_ndjson(&text).events.into_iter().map(|e| e.event).collect();
    old.put_pledge_events_as_version_12(&events).await.expect("old rows");
    old.close().await;

    let upgraded = old_db.store().await;
    assert!(upgraded.applied_migrations().await.expect("migrations").iter().any(|(v, _)| *v == 13));
    let (sent, stored) = sent_and_stored(&upgraded, &text).await;
    assert!(stored.iter().any(|e| e.id == "d-bst"));
    assert_eq!(stored, sent);
    assert_eq!(all_figures(&upgraded).await, all_figures(&fresh).await);
}

peel_store::on_both_engines!(
    events_come_back_exactly,
    upgraded_from_version_12_reads_back_exactly,
    very_large_batches_are_atomic,
    columns_match_the_json,
    upgraded_database_gives_the_same_figures,
    good_batch_is_stored,
    bad_batch_changes_nothing,
    resending_replaces,
    local_standards_are_layered,
    local_standards_are_withdrawn,
    withdrawal_keeps_the_layers_valid,
    large_batches_are_chunked_and_atomic
);
