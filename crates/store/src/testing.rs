//! Throwaway databases for tests, on either engine.
//!
//! PostgreSQL is found through `PEEL_TEST_DATABASE_URL`, else at
//! `postgres://postgres@127.0.0.1:5432/postgres`; each test gets its own
//! database, dropped afterwards. The PostgreSQL half never skips silently: if
//! the server cannot be reached the test fails and says how to start one.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Engine, Store};

pub const DEFAULT_TEST_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database that exists for the life of this value.
pub struct TestDatabase {
    pub url: String,
    pub engine: Engine,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique_name() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("peel_test_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos)
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDatabase {
    pub fn postgres_admin_url() -> String {
        std::env::var("PEEL_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_POSTGRES.to_string())
    }

    /// A fresh SQLite file in the temporary directory.
    pub fn sqlite() -> TestDatabase {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        TestDatabase { url: format!("sqlite:{}", path.display()), engine: Engine::Sqlite, cleanup: Cleanup::File(path) }
    }

    /// A fresh, empty PostgreSQL database.
    pub async fn postgres() -> TestDatabase {
        let admin_url = TestDatabase::postgres_admin_url();
        let name = unique_name();
        let admin = Store::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL tests need a server: {e}. Run scripts/test (it starts one), or set \
                 PEEL_TEST_DATABASE_URL to a server where this user may CREATE DATABASE."
            )
        });
        admin.create_database(&name).await.expect("CREATE DATABASE for a test");
        admin.close().await;
        TestDatabase {
            url: with_database(&admin_url, &name),
            engine: Engine::Postgres,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    pub async fn new(engine: Engine) -> TestDatabase {
        match engine {
            Engine::Sqlite => TestDatabase::sqlite(),
            Engine::Postgres => TestDatabase::postgres().await,
        }
    }

    /// Opens and migrates the database.
    pub async fn store(&self) -> Store {
        Store::open(&self.url).await.expect("open test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside async; a short-lived runtime on its own
                // thread avoids nesting inside the test's runtime.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(admin) = Store::connect(&admin_url).await {
                                let _ =
                                    admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                                admin.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

impl Store {
    /// Creates a database on this PostgreSQL server (tests and benchmarks).
    /// `name` must be a plain identifier; it is checked, not quoted.
    pub async fn create_database(&self, name: &str) -> Result<(), crate::StoreError> {
        self.execute_admin(&format!("CREATE DATABASE {}", identifier(name)?)).await
    }

    /// Drops a database made by [`Store::create_database`], closing its connections.
    pub async fn drop_database(&self, name: &str) -> Result<(), crate::StoreError> {
        self.execute_admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", identifier(name)?)).await
    }

    async fn execute_admin(&self, sql: &str) -> Result<(), crate::StoreError> {
        crate::on_db!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await?;
        });
        Ok(())
    }
}

impl Store {
    /// Stores events as peel did before schema version 8 (key, month and
    /// JSON only), to prove that such a database upgrades to the same figures.
    pub async fn put_pledge_events_before_version_8(
        &self,
        events: &[peel_core::pledge::Event],
    ) -> Result<(), crate::StoreError> {
        for e in events {
            let month = e.month().map(|m| m.to_string()).unwrap_or_default();
            let json = serde_json::to_string(e)?;
            crate::on_db!(self, pool => {
                sqlx::query(
                    "INSERT INTO pledge_events (force_id, type, id, month, last_month, neighbourhood_id, event) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&e.force)
                .bind(e.event_type().as_str())
                .bind(&e.id)
                .bind(&month)
                .bind(e.last_month().map(|m| m.to_string()))
                .bind(&e.neighbourhood)
                .bind(&json)
                .execute(pool)
                .await?;
            });
        }
        Ok(())
    }
}

impl Store {
    /// Stores events as peel did at schema version 12: every column but
    /// those of version 13, and the event's own document where those
    /// columns could not give it back (a duty, a meeting's attendance, a
    /// time with a UTC offset or a fraction of a second).
    pub async fn put_pledge_events_as_version_12(
        &self,
        events: &[peel_core::pledge::Event],
    ) -> Result<(), crate::StoreError> {
        use peel_core::pledge::EventBody;
        for e in events {
            let row = crate::pledge::Prepared::of(e, &mut Vec::new())?;
            let c = &row.cols;
            let whole = c.utc_offset.is_none() && !c.subsecond && row.document.is_empty();
            let needed = !whole
                || matches!(&e.body, EventBody::Duty(_))
                || matches!(&e.body, EventBody::Meeting(m) if m.attendance.is_some());
            let document = if needed { serde_json::to_string(e)? } else { String::new() };
            crate::on_db!(self, pool => {
                sqlx::query(
                    "INSERT INTO pledge_events (force_id, type, id, month, last_month, neighbourhood_id, event, \
                     first_at, second_at, appointment_at, subsecond, generated, channel, grade, area, cancelled, \
                     minutes_in_neighbourhood, kind, crime_ref, agreed_interval_days) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
                )
                .bind(&e.force)
                .bind(e.event_type().as_str())
                .bind(&e.id)
                .bind(row.month.as_str())
                .bind(row.last_month.as_ref().map(|m| m.as_str()))
                .bind(&e.neighbourhood)
                .bind(&document)
                .bind(c.first_at)
                .bind(c.second_at)
                .bind(c.appointment_at)
                .bind(c.subsecond)
                .bind(e.generated)
                .bind(c.channel)
                .bind(c.grade)
                .bind(c.area)
                .bind(c.cancelled)
                .bind(c.minutes_in_neighbourhood)
                .bind(c.kind)
                .bind(c.crime_ref)
                .bind(c.agreed_interval_days)
                .execute(pool)
                .await?;
            });
        }
        Ok(())
    }

    /// Opens a case as peel did before schema version 11 (no partnership),
    /// holding `report_id`, to prove such cases upgrade to the national default.
    pub async fn put_asb_case_before_version_11(
        &self,
        title: &str,
        report_id: i64,
        owner_org_id: i64,
        owner_user_id: i64,
        opened_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64, crate::StoreError> {
        let at = peel_core::access::time::format(opened_at);
        let id: i64 = crate::on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO asb_cases (title, status, owner_org_id, owner_user_id, opened_at) \
                 VALUES ($1, 'open', $2, $3, $4) RETURNING id",
            )
            .bind(title)
            .bind(owner_org_id)
            .bind(owner_user_id)
            .bind(&at)
            .fetch_one(pool)
            .await?
        });
        crate::on_db!(self, pool => {
            sqlx::query("UPDATE asb_reports SET case_id = $1 WHERE id = $2").bind(id).bind(report_id).execute(pool).await?;
        });
        Ok(id)
    }
}

impl Store {
    /// Stores a local standard without the checks of `put_local_standard`,
    /// as one stored before a check existed (or before the national minimum
    /// was tightened) would be, to prove such data is handled safely.
    pub async fn put_local_standard_unchecked(
        &self,
        force_id: &str,
        neighbourhood: Option<&str>,
        standard: &peel_core::pledge::Standard,
    ) -> Result<(), crate::StoreError> {
        self.pledge().write_local_standard(force_id, neighbourhood, standard, None).await
    }
}

/// Bedfordshire's West basic command unit and the Luton community safety
/// partnership in it: the partnership the casework and case review tests
/// work in.
pub async fn put_luton_partnership(store: &Store) -> Result<(), crate::StoreError> {
    let bcu = crate::Bcu {
        force_id: "bedfordshire".into(),
        id: "west".into(),
        name: "West".into(),
        commentary: None,
        sample: false,
    };
    let csp = crate::Csp {
        force_id: "bedfordshire".into(),
        id: "luton".into(),
        name: "Luton".into(),
        bcu_id: "west".into(),
        local_authority: "Luton".into(),
        local_authority_code: None,
        population: None,
    };
    store.geography().put_areas("bedfordshire", None, None, &[bcu], &[csp]).await
}

/// Someone working on ASB casework in a store test: their account, and
/// the [`crate::asb::Viewer`] they act as at a given time.
pub struct Who {
    pub caller: peel_core::access::Caller,
    pub user_id: i64,
    pub org_id: i64,
    pub role: peel_core::access::Role,
    pub actor: String,
}

impl Who {
    pub fn at(&self, at: chrono::DateTime<chrono::Utc>) -> crate::asb::Viewer<'_> {
        crate::asb::Viewer::new(&self.caller, "ASB casework", at).expect("an account's viewer")
    }

    /// The same person changing something other than casework.
    pub fn by(&self, at: chrono::DateTime<chrono::Utc>) -> crate::By<'_> {
        crate::By { caller: &self.caller, purpose: "testing", at }
    }
}

/// Test set-up done at the command line (which is refused nothing), now.
pub fn setup() -> crate::By<'static> {
    setup_at(chrono::Utc::now())
}

/// Test set-up done at the command line at `at`.
pub fn setup_at(at: chrono::DateTime<chrono::Utc>) -> crate::By<'static> {
    static CLI: peel_core::access::Caller = peel_core::access::Caller::CommandLine;
    crate::By { caller: &CLI, purpose: "testing", at }
}

/// The reach a test organisation called `name` gets on creation: a force's
/// organisation named as police.uk names a force is placed at that force;
/// any other starts in no partnership ([`place`] moves it).
pub fn default_reach(name: &str, kind: peel_core::access::OrgKind) -> peel_core::access::Reach {
    use peel_core::access::{OrgKind, Reach};
    match (kind, peel_core::force::by_name(name)) {
        (OrgKind::Force, Some(f)) => Reach::Force(f.id.to_string()),
        (OrgKind::Force, None) => Reach::Unset,
        _ => Reach::Partnerships(vec![]),
    }
}

/// Places organisation `org_id` at `reach`. Test set-up: panics on failure.
pub async fn place(store: &Store, org_id: i64, reach: peel_core::access::Reach) {
    store.accounts().set_organisation_reach(org_id, &reach, &setup()).await.expect("place the organisation");
}

/// The organisation called `name`, made (of `kind`) if need be, as any
/// schema version since 4 can hold it: tests make data at older versions to
/// test upgrades. Placed at its [`default_reach`] where the schema knows
/// reaches. Returns its id.
async fn older_organisation(store: &Store, name: &str, kind: peel_core::access::OrgKind, tenancy: bool) -> i64 {
    let found: Option<i64> = crate::on_db!(store, pool => {
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1").bind(name).fetch_optional(pool).await.expect("look it up")
    });
    if let Some(id) = found {
        return id;
    }
    if tenancy {
        return store
            .accounts()
            .create_organisation(name, kind, &default_reach(name, kind), &setup())
            .await
            .expect("create the organisation")
            .id;
    }
    crate::on_db!(store, pool => {
        sqlx::query_scalar("INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(kind.slug())
            .bind(peel_core::access::time::format(chrono::Utc::now()))
            .fetch_one(pool)
            .await
            .expect("create the organisation")
    })
}

/// An account with `role` in the organisation named `org` (made of `kind`,
/// at its [`default_reach`], if it does not exist yet). Test set-up: it
/// panics on failure.
pub async fn person(
    store: &Store,
    org: &str,
    kind: peel_core::access::OrgKind,
    email: &str,
    role: peel_core::access::Role,
) -> Who {
    use peel_core::access::{Account, Caller};
    let tenancy = store.applied_migrations().await.expect("migrations").iter().any(|(v, _)| *v >= 14);
    let org_id = older_organisation(store, org, kind, tenancy).await;
    let new = crate::NewUser { email, display_name: email, organisation_id: org_id, role, password_hash: "x" };
    let u = store.accounts().create_user(&new, &setup()).await.expect("create the user");
    let caller = if tenancy {
        store.accounts().caller_for(&u).await.expect("the user's caller")
    } else {
        Caller::Account(Account::new(u.id, email, org_id, org, role, default_reach(org, kind)))
    };
    Who { caller, user_id: u.id, org_id, role, actor: format!("user:{email}") }
}

fn identifier(name: &str) -> Result<&str, crate::StoreError> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok { Ok(name) } else { Err(crate::StoreError::BadUrl(name.to_string(), "not a plain database name".into())) }
}

/// Declares one `#[tokio::test]` per engine for each named async test body
/// `async fn name(engine: Engine)`, so every storage test runs on both.
///
/// ```ignore
/// async fn counts_rows(engine: Engine) { … }
/// peel_store::on_both_engines!(counts_rows);
/// ```
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Engine::Postgres).await
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_database_names() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
