//! Rule-set versions: the shipped default (compiled in, never stored) and
//! those loaded by an ASB coordinator. The newest loaded one is current.

use peel_core::access::{Permission, Target, time};
use peel_core::asb::RuleSet;
use serde_json::json;

use super::AsbError;
use crate::audit::{By, append_audit_in};
use crate::handles::Asb;
use crate::{StoreError, on_db};

/// A loaded version, for listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleSetRecord {
    pub version: String,
    pub title: String,
    /// Empty for the version shipped with peel.
    pub loaded_at: String,
    pub loaded_by: String,
}

fn parse_stored(version: &str, doc: &str) -> Result<RuleSet, StoreError> {
    RuleSet::parse(doc).map_err(|e| StoreError::Corrupt(format!("stored ASB rule set {version}: {e}")))
}

impl Asb<'_> {
    /// The rules new decisions use: the newest loaded version, else the shipped one.
    pub async fn current_asb_rules(self) -> Result<RuleSet, StoreError> {
        let row: Option<(String, String)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT version, document FROM asb_rule_sets ORDER BY id DESC LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some((v, doc)) => parse_stored(&v, &doc),
            None => Ok(RuleSet::shipped()),
        }
    }

    /// A version by name (loaded or shipped), so old decisions can be shown
    /// with the rules that made them.
    pub async fn asb_rules_version(self, version: &str) -> Result<Option<RuleSet>, StoreError> {
        let shipped = RuleSet::shipped();
        if shipped.version == version {
            return Ok(Some(shipped));
        }
        let doc: Option<String> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT document FROM asb_rule_sets WHERE version = $1")
                .bind(version)
                .fetch_optional(pool)
                .await?
        });
        doc.map(|d| parse_stored(version, &d)).transpose()
    }

    /// Every version, oldest first, the shipped one first of all.
    pub async fn asb_rule_versions(self) -> Result<Vec<RuleSetRecord>, StoreError> {
        let rows: Vec<(String, String, String, String)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT version, document, loaded_at, loaded_by FROM asb_rule_sets ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        let shipped = RuleSet::shipped();
        let mut out = vec![RuleSetRecord {
            version: shipped.version,
            title: shipped.title,
            loaded_at: String::new(),
            loaded_by: String::new(),
        }];
        for (version, doc, loaded_at, loaded_by) in rows {
            let r = parse_stored(&version, &doc)?;
            out.push(RuleSetRecord { version, title: r.title, loaded_at, loaded_by });
        }
        Ok(out)
    }

    /// Makes `rules` the current version (audited as `asb.rules.load`). A
    /// version name is never reused, so old decisions keep their meaning.
    pub async fn load_asb_rules(self, rules: &RuleSet, by: &By<'_>) -> Result<(), AsbError> {
        self.0.authorise(by, Permission::ManageAsbRules, Target::Installation).await.map_err(AsbError::refused)?;
        rules.check()?;
        if rules.version == RuleSet::shipped().version {
            return Err(AsbError::Conflict(format!("the version {} is the one shipped with peel", rules.version)));
        }
        let doc = rules.to_json();
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let r = sqlx::query(
                "INSERT INTO asb_rule_sets (version, document, loaded_at, loaded_by) VALUES ($1, $2, $3, $4)",
            )
            .bind(&rules.version)
            .bind(&doc)
            .bind(time::format(by.at))
            .bind(by.actor())
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return Err(match &e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => {
                        AsbError::Conflict(format!("the version {} has already been loaded; give the new rules a new version", rules.version))
                    }
                    _ => e.into(),
                });
            }
            let details = json!({ "version": rules.version, "title": rules.title });
            append_audit_in!(tx, &by.entry("asb.rules.load", format!("asb_rules:{}", rules.version), details));
            tx.commit().await?;
        });
        Ok(())
    }
}
