//! Introspection of the schema, so a test can prove both engines' migrations
//! produce the same tables, columns (with their kinds and nullability) and
//! indexes.

use crate::{Store, StoreError};

/// A column as both engines can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnShape {
    pub table: String,
    pub column: String,
    /// `integer`, `text`, `boolean` or `real` (each engine's spellings
    /// folded), or the declared type as given when it is none of those.
    pub kind: String,
    pub nullable: bool,
}

/// An index made by a migration (not one an engine makes for a key), with
/// its definition folded so both engines' spellings compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexShape {
    pub name: String,
    pub definition: String,
}

/// One engine's type name as a kind both share.
fn kind(declared: &str) -> String {
    match declared.trim().to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int4" | "int8" | "smallint" => "integer".into(),
        "text" | "character varying" | "varchar" => "text".into(),
        "boolean" | "bool" => "boolean".into(),
        "real" | "double precision" | "float" | "float8" | "double" => "real".into(),
        other => other.into(),
    }
}

/// An index definition without what only one engine writes: the schema,
/// the access method, brackets, spaces and case.
fn fold_index(definition: &str) -> String {
    definition
        .to_ascii_lowercase()
        .replace("public.", "")
        .replace("using btree", "")
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"'))
        .collect()
}

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

    /// Every column of peel's own tables with its kind and nullability, sorted.
    pub async fn schema_shape(&self) -> Result<Vec<ColumnShape>, StoreError> {
        let rows: Vec<(String, String, String, bool)> = match &self.db {
            crate::Db::Sqlite(pool) => {
                // A key column is never null, whatever SQLite's old rules allow.
                sqlx::query_as(
                    "SELECT m.name, p.name, p.type, (p.\"notnull\" = 0 AND p.pk = 0) FROM sqlite_master m \
                     JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(pool)
                .await?
            }
            crate::Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'YES' \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        let mut shape: Vec<ColumnShape> = rows
            .into_iter()
            .map(|(table, column, declared, nullable)| ColumnShape { table, column, kind: kind(&declared), nullable })
            .collect();
        shape.sort();
        Ok(shape)
    }

    /// The indexes the migrations made, sorted by name.
    pub async fn schema_indexes(&self) -> Result<Vec<IndexShape>, StoreError> {
        let rows: Vec<(String, String)> = match &self.db {
            // Indexes SQLite makes for keys and UNIQUE have no SQL.
            crate::Db::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                     AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(pool)
                .await?
            }
            // Those PostgreSQL makes for constraints share the constraint's name.
            crate::Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT indexname::text, indexdef::text FROM pg_indexes WHERE schemaname = current_schema() \
                     AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                )
                .fetch_all(pool)
                .await?
            }
        };
        let mut shape: Vec<IndexShape> =
            rows.into_iter().map(|(name, sql)| IndexShape { name, definition: fold_index(&sql) }).collect();
        shape.sort();
        Ok(shape)
    }

    /// Names of peel's tables, sorted.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let mut t: Vec<String> = self.schema_columns().await?.into_iter().map(|(t, _)| t).collect();
        t.dedup();
        Ok(t)
    }
}
