//! Links stored before version 16 that are not `http`, `https`, `mailto`
//! or `tel` links.
//!
//! From version 16 every link is a [`SafeUrl`] when it is written, and read
//! back as one. Older versions stored links unchecked, so a `javascript:`
//! link in a neighbourhood file or a procedure was kept and served. On
//! upgrade each stored link is checked once: an unsafe one is removed from
//! where it was (a list of links loses the entry, an optional link becomes
//! empty) and recorded in `unsafe_links_removed` with where it was and why,
//! all in one transaction. Each is logged as it is removed, and
//! `peel migrate` lists them all.

use chrono::Utc;
use peel_core::access::time;
use peel_core::geography::ContactDetails;
use peel_core::url::SafeUrl;
use serde_json::Value;

use crate::{Store, StoreError, on_db};

/// One link removed on upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedLink {
    pub removed_at: String,
    /// What held it, e.g. `neighbourhood kent/town`.
    pub place: String,
    /// Where in that, e.g. `links[2].url`.
    pub field: String,
    pub link: String,
    pub reason: String,
}

/// One unsafe link found in a value.
#[derive(Debug, PartialEq, Eq)]
struct Removal {
    /// Where in the value, e.g. `links[2].url`.
    field: String,
    link: String,
    reason: String,
}

/// What the check found in one value.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    /// The value without its unsafe links, if it had any.
    cleaned: Option<String>,
    removed: Vec<Removal>,
}

fn reason(link: &str, web_only: bool) -> Option<String> {
    let checked = if web_only { SafeUrl::parse_web(link) } else { SafeUrl::parse(link) };
    checked.err().map(|e| e.to_string())
}

/// A link that is text or missing, checked: `None` if it is safe.
fn optional_link(v: &Value) -> Option<(String, String)> {
    match v {
        Value::Null => None,
        Value::String(s) => reason(s, false).map(|r| (s.clone(), r)),
        other => Some((other.to_string(), "is not text".into())),
    }
}

/// A JSON array of objects with a `url`: entries with an unsafe `url` are
/// dropped when `required`, else their `url` is set to null.
fn clean_list(text: &str, field: &str, required: bool) -> Result<Found, StoreError> {
    let mut value: Value = serde_json::from_str(text)?;
    let mut removed = Vec::new();
    if let Value::Array(items) = &mut value {
        let mut kept = Vec::with_capacity(items.len());
        for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
            let bad = match item.get("url") {
                Some(url) => optional_link(url),
                None if required => Some((String::new(), "is missing".into())),
                None => None,
            };
            match bad {
                Some((link, why)) => {
                    removed.push(Removal { field: format!("{field}[{i}].url"), link, reason: why });
                    if !required {
                        item["url"] = Value::Null;
                        kept.push(item);
                    }
                }
                None => kept.push(item),
            }
        }
        *items = kept;
    }
    Ok(changed(value, removed))
}

/// A contact-details object: unsafe values under link keys are dropped.
fn clean_contacts(text: &str, field: &str) -> Result<Found, StoreError> {
    let mut value: Value = serde_json::from_str(text)?;
    let mut removed = Vec::new();
    if let Value::Object(map) = &mut value {
        let bad: Vec<(String, String, String)> = map
            .iter()
            .filter(|(k, _)| ContactDetails::is_link(k))
            .filter_map(|(k, v)| optional_link(v).map(|(link, why)| (k.clone(), link, why)))
            .collect();
        for (key, link, why) in bad {
            map.remove(&key);
            removed.push(Removal { field: format!("{field}.{key}"), link, reason: why });
        }
    }
    Ok(changed(value, removed))
}

/// A case-review procedure: an unsafe `contact.web` becomes null.
fn clean_procedure(text: &str) -> Result<Found, StoreError> {
    let mut value: Value = serde_json::from_str(text)?;
    let mut removed = Vec::new();
    if let Some(web) = value.pointer_mut("/contact/web")
        && let Some((link, why)) = optional_link(web)
    {
        *web = Value::Null;
        removed.push(Removal { field: "contact.web".to_string(), link, reason: why });
    }
    Ok(changed(value, removed))
}

fn changed(value: Value, removed: Vec<Removal>) -> Found {
    let cleaned = if removed.is_empty() { None } else { Some(value.to_string()) };
    Found { cleaned, removed }
}

impl Store {
    /// Checks links stored by versions before 16, once (see the module).
    pub(crate) async fn check_stored_links(&self) -> Result<(), StoreError> {
        let at = time::format(Utc::now());
        let removed = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let due: Option<i64> = sqlx::query_scalar("SELECT id FROM link_check_due").fetch_optional(&mut *tx).await?;
            if due.is_none() {
                return Ok(());
            }
            let mut removed = Vec::new();
            let mut record = |place: String, found: Vec<Removal>| {
                for Removal { field, link, reason } in found {
                    removed.push(RemovedLink { removed_at: at.clone(), place: place.clone(), field, link, reason });
                }
            };

            let forces: Vec<(String, Option<String>, String)> =
                sqlx::query_as("SELECT id, url, engagement_methods FROM forces").fetch_all(&mut *tx).await?;
            for (id, url, methods) in forces {
                let mut found = Vec::new();
                if let Some((link, why)) = url.as_deref().and_then(|u| reason(u, false).map(|r| (u.to_string(), r))) {
                    sqlx::query("UPDATE forces SET url = NULL WHERE id = $1").bind(&id).execute(&mut *tx).await?;
                    found.push(Removal { field: "url".to_string(), link, reason: why });
                }
                let Found { cleaned: methods, removed: more } = clean_list(&methods, "engagement_methods", false)?;
                if let Some(m) = methods {
                    sqlx::query("UPDATE forces SET engagement_methods = $1 WHERE id = $2")
                        .bind(m)
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                }
                found.extend(more);
                record(format!("force {id}"), found);
            }

            let people: Vec<(String, i64, String)> =
                sqlx::query_as("SELECT force_id, position, contact_details FROM force_people")
                    .fetch_all(&mut *tx)
                    .await?;
            for (force, position, contacts) in people {
                let Found { cleaned: contacts, removed: found } = clean_contacts(&contacts, "contact_details")?;
                if let Some(c) = contacts {
                    sqlx::query("UPDATE force_people SET contact_details = $1 WHERE force_id = $2 AND position = $3")
                        .bind(c)
                        .bind(&force)
                        .bind(position)
                        .execute(&mut *tx)
                        .await?;
                }
                record(format!("force {force} person {}", position + 1), found);
            }

            let hoods: Vec<(String, String, Option<String>, String, String)> =
                sqlx::query_as("SELECT force_id, id, url_force, contact_details, links FROM neighbourhoods")
                    .fetch_all(&mut *tx)
                    .await?;
            for (force, id, url_force, contacts, links) in hoods {
                let mut found = Vec::new();
                if let Some((link, why)) =
                    url_force.as_deref().and_then(|u| reason(u, false).map(|r| (u.to_string(), r)))
                {
                    sqlx::query("UPDATE neighbourhoods SET url_force = NULL WHERE force_id = $1 AND id = $2")
                        .bind(&force)
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                    found.push(Removal { field: "url_force".to_string(), link, reason: why });
                }
                let Found { cleaned: contacts, removed: more } = clean_contacts(&contacts, "contact_details")?;
                found.extend(more);
                let Found { cleaned: links, removed: more } = clean_list(&links, "links", true)?;
                found.extend(more);
                if contacts.is_some() || links.is_some() {
                    sqlx::query(
                        "UPDATE neighbourhoods SET contact_details = COALESCE($1, contact_details), \
                         links = COALESCE($2, links) WHERE force_id = $3 AND id = $4",
                    )
                    .bind(contacts)
                    .bind(links)
                    .bind(&force)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                }
                record(format!("neighbourhood {force}/{id}"), found);
            }

            for (table, what) in [("neighbourhood_people", "person"), ("events", "event")] {
                let sql = format!("SELECT force_id, neighbourhood_id, position, contact_details FROM {table}");
                let rows: Vec<(String, String, i64, String)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
                for (force, hood, position, contacts) in rows {
                    let Found { cleaned: contacts, removed: found } = clean_contacts(&contacts, "contact_details")?;
                    if let Some(c) = contacts {
                        let sql = format!(
                            "UPDATE {table} SET contact_details = $1 \
                             WHERE force_id = $2 AND neighbourhood_id = $3 AND position = $4"
                        );
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(c)
                            .bind(&force)
                            .bind(&hood)
                            .bind(position)
                            .execute(&mut *tx)
                            .await?;
                    }
                    record(format!("neighbourhood {force}/{hood} {what} {}", position + 1), found);
                }
            }

            let procedures: Vec<(i64, String, String, String, String)> =
                sqlx::query_as("SELECT id, force_id, csp_id, version, document FROM trigger_procedures")
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, force, csp, version, document) in procedures {
                let Found { cleaned: document, removed: found } = clean_procedure(&document)?;
                if let Some(d) = document {
                    sqlx::query("UPDATE trigger_procedures SET document = $1 WHERE id = $2")
                        .bind(d)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                record(format!("case-review procedure {force}/{csp} version {version}"), found);
            }

            let media: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, media_url FROM asb_reports WHERE media_url IS NOT NULL")
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, link) in media {
                if let Some(why) = reason(&link, true) {
                    sqlx::query("UPDATE asb_reports SET media_url = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    record(
                        format!("ASB report {id}"),
                        vec![Removal { field: "media_url".to_string(), link, reason: why }],
                    );
                }
            }

            for r in &removed {
                sqlx::query(
                    "INSERT INTO unsafe_links_removed (removed_at, place, field, link, reason) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&r.removed_at)
                .bind(&r.place)
                .bind(&r.field)
                .bind(&r.link)
                .bind(&r.reason)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DELETE FROM link_check_due").execute(&mut *tx).await?;
            tx.commit().await?;
            removed
        });
        for r in &removed {
            tracing::warn!(place = %r.place, field = %r.field, link = %r.link, "removed an unsafe link: it {}", r.reason);
        }
        Ok(())
    }

    /// The links removed when upgrading to version 16, oldest first.
    pub async fn unsafe_links_removed(&self) -> Result<Vec<RemovedLink>, StoreError> {
        let rows: Vec<(String, String, String, String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT removed_at, place, field, link, reason FROM unsafe_links_removed ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(removed_at, place, field, link, reason)| RemovedLink { removed_at, place, field, link, reason })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_lose_unsafe_entries_or_their_links() {
        let links = r#"[{"url":"https://ok.example/","title":"a"},{"url":"javascript:alert(1)","title":"b"}]"#;
        let Found { cleaned, removed: found } = clean_list(links, "links", true).expect("clean");
        assert_eq!(cleaned.as_deref(), Some(r#"[{"title":"a","url":"https://ok.example/"}]"#));
        assert_eq!(found[0].field, "links[1].url");
        let methods = r#"[{"url":"data:text/html,x","title":"m"},{"url":null,"title":"n"}]"#;
        let Found { cleaned, removed: found } = clean_list(methods, "engagement_methods", false).expect("clean");
        assert_eq!(cleaned.as_deref(), Some(r#"[{"title":"m","url":null},{"title":"n","url":null}]"#));
        assert_eq!(found.len(), 1);
        assert_eq!(
            clean_list(r#"[{"url":"tel:101","title":"t"}]"#, "links", true).expect("clean"),
            Found { cleaned: None, removed: vec![] }
        );
    }

    #[test]
    fn contacts_and_procedures_lose_unsafe_links() {
        let Found { cleaned, removed: found } =
            clean_contacts(r#"{"email":"javascript:not-a-link-key","web":"javascript:x"}"#, "c").expect("clean");
        assert_eq!(cleaned.as_deref(), Some(r#"{"email":"javascript:not-a-link-key"}"#));
        assert_eq!(
            found,
            [Removal {
                field: "c.web".into(),
                link: "javascript:x".into(),
                reason: "is a javascript: link; only http, https, mailto and tel links are allowed".into()
            }]
        );
        let Found { cleaned, removed: found } =
            clean_procedure(r#"{"contact":{"web":"javascript:x","team":"t"}}"#).expect("clean");
        assert_eq!(cleaned.as_deref(), Some(r#"{"contact":{"team":"t","web":null}}"#));
        assert_eq!(found.len(), 1);
    }
}
