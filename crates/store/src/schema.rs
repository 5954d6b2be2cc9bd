//! Introspection of the schema, so a test can prove both engines' migrations
//! produce the same tables and columns.

use crate::{Store, StoreError};

impl Store {
    /// Every (table, column) of peel's own tables, sorted.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut cols: Vec<(String, String)> = match &self.db {
            crate::Db::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(pool)
                .await?
            }
            crate::Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }

    /// Names of peel's tables, sorted.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let mut t: Vec<String> = self.schema_columns().await?.into_iter().map(|(t, _)| t).collect();
        t.dedup();
        Ok(t)
    }
}
