//! The baseline for `peel bench import`: PostgreSQL's own `COPY` of the same
//! street rows into a table shaped like `crimes`, then the same indexes
//! built, as a competent user loads an empty table. peel's import does more
//! (reading and checking the files, map point ids, replacement of a
//! force-month), so the ratio says what that costs against the fastest load
//! PostgreSQL offers.

use peel_core::records::StreetCrime;

use crate::{Db, Store, StoreError};

impl Store {
    /// Creates the baseline table, without indexes (dropping an earlier one).
    pub async fn bench_copy_prepare(&self) -> Result<(), StoreError> {
        let Db::Postgres(pool) = &self.db else {
            return Err(StoreError::Corrupt("the COPY baseline needs PostgreSQL".into()));
        };
        sqlx::query("DROP TABLE IF EXISTS bench_copy_crimes").execute(pool).await?;
        sqlx::query("CREATE TABLE bench_copy_crimes (LIKE crimes INCLUDING DEFAULTS INCLUDING IDENTITY)")
            .execute(pool)
            .await?;
        Ok(())
    }

    /// COPYs `rows` (with the given location ids) into the baseline table.
    pub async fn bench_copy(&self, rows: &[StreetCrime], location_ids: &[i64]) -> Result<(), StoreError> {
        let Db::Postgres(pool) = &self.db else {
            return Err(StoreError::Corrupt("the COPY baseline needs PostgreSQL".into()));
        };
        let mut csv = String::with_capacity(rows.len() * 200);
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        for (c, loc) in rows.iter().zip(location_ids) {
            csv.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{}\n",
                q(c.force_id),
                c.month,
                c.persistent_id.as_deref().unwrap_or(""),
                c.category.slug(),
                loc,
                c.lsoa_code.as_deref().unwrap_or(""),
                q(c.lsoa_name.as_deref().unwrap_or("")),
                c.last_outcome.map_or("", |o| o.code()),
                q(&c.context),
                q(&c.reported_by),
                q(&c.falls_within),
            ));
        }
        let mut conn = pool.acquire().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY bench_copy_crimes (force_id, month, persistent_id, category, location_id, lsoa_code, lsoa_name, \
                 last_outcome, context, reported_by, falls_within) FROM STDIN (FORMAT csv)",
            )
            .await?;
        copy.send(csv.into_bytes()).await?;
        copy.finish().await?;
        Ok(())
    }

    /// Builds the baseline table's key and the indexes `crimes` has.
    pub async fn bench_copy_index(&self) -> Result<(), StoreError> {
        let Db::Postgres(pool) = &self.db else {
            return Err(StoreError::Corrupt("the COPY baseline needs PostgreSQL".into()));
        };
        let mut tx = pool.begin().await?;
        sqlx::query("SET LOCAL maintenance_work_mem = '512MB'").execute(&mut *tx).await?;
        for sql in [
            "ALTER TABLE bench_copy_crimes ADD PRIMARY KEY (id)",
            "CREATE INDEX ON bench_copy_crimes (force_id, month)",
            "CREATE INDEX ON bench_copy_crimes (month, location_id)",
            "CREATE INDEX ON bench_copy_crimes (persistent_id)",
        ] {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
