//! Who owns a case, and reopening closed ones.

use peel_core::access::time;
use peel_core::asb::reassign::{check_reopening, may_own};
use peel_core::asb::{Problems, Reassignment};
use serde::Serialize;
use serde_json::json;

use super::cases::Need;
use super::{AsbError, Viewer};
use crate::audit::append_audit_in;
use crate::handles::Asb;
use crate::on_db;

/// Someone a case may be handed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerCandidate {
    pub user_id: i64,
    pub name: String,
    pub organisation_id: i64,
    pub organisation: String,
}

impl Asb<'_> {
    /// People who could own case `case_id`: enabled caseworkers of the
    /// owning organisation and of the organisations it is shared with.
    /// Only the owning organisation's staff may ask.
    pub async fn asb_case_owner_candidates(
        self,
        case_id: i64,
        v: &Viewer<'_>,
    ) -> Result<Vec<OwnerCandidate>, AsbError> {
        let (owner, _) = self.case_for(case_id, v, Need::Owner, false).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: i64,
            name: String,
            role: String,
            organisation_id: i64,
            organisation: String,
            disabled: bool,
        }
        let rows: Vec<Row> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT u.id AS user_id, u.display_name AS name, u.role, o.id AS organisation_id, \
                 o.name AS organisation, u.disabled FROM users u \
                 JOIN organisations o ON o.id = u.organisation_id \
                 WHERE o.id = $1 OR o.id IN (SELECT organisation_id FROM asb_case_shares WHERE case_id = $2) \
                 ORDER BY o.name, u.display_name, u.id",
            )
            .bind(owner)
            .bind(case_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter(|r| !r.disabled && r.role.parse::<peel_core::access::Role>().is_ok_and(may_own))
            .map(|r| OwnerCandidate {
                user_id: r.user_id,
                name: r.name,
                organisation_id: r.organisation_id,
                organisation: r.organisation,
            })
            .collect())
    }

    /// Hands an open case to another person, perhaps in another organisation
    /// (audited as `asb.case.reassign`; a disclosure when the organisation
    /// changes). Only the owning organisation may, and only to a caseworker
    /// of its own or of an organisation the case is shared with (the people
    /// [`Asb::asb_case_owner_candidates`] lists). The organisation giving
    /// the case away keeps it shared, so its people can still see the work
    /// they did; the new owner may stop sharing.
    pub async fn reassign_asb_case(self, case_id: i64, r: &Reassignment, v: &Viewer<'_>) -> Result<(), AsbError> {
        let (owner, _) = self.case_for(case_id, v, Need::Owner, true).await?;
        let to = match self.0.accounts().user(r.user_id).await? {
            Some(u) if !u.disabled => u,
            _ => {
                return Err(
                    Problems::one("user_id", "Choose a person whose account exists and is not disabled.").into()
                );
            }
        };
        if r.organisation_id.is_some_and(|o| o != to.organisation_id) {
            return Err(Problems::one(
                "organisation_id",
                format!("{} is in {}, not the organisation chosen.", to.display_name, to.organisation_name),
            )
            .into());
        }
        let shared: Vec<i64> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT organisation_id FROM asb_case_shares WHERE case_id = $1")
                .bind(case_id)
                .fetch_all(pool)
                .await?
        });
        if to.organisation_id != owner && !shared.contains(&to.organisation_id) {
            return Err(Problems::one(
                "user_id",
                format!(
                    "{} is in {}, which the case is not shared with: choose someone of your organisation or of \
                     an organisation the case is shared with (share it first if it should be).",
                    to.display_name, to.organisation_name
                ),
            )
            .into());
        }
        if !may_own(to.role) {
            return Err(Problems::one(
                "user_id",
                format!("{} cannot own cases: choose someone whose role may change cases.", to.display_name),
            )
            .into());
        }
        let current: i64 = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT owner_user_id FROM asb_cases WHERE id = $1").bind(case_id).fetch_one(pool).await?
        });
        if current == to.id {
            return Err(Problems::one("user_id", format!("{} already owns the case.", to.display_name)).into());
        }
        let from_org = self
            .0
            .accounts()
            .organisation(owner)
            .await?
            .map(|o| o.name)
            .unwrap_or_else(|| format!("organisation {owner}"));
        let moved = to.organisation_id != owner;
        let at = time::format(v.at);
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE asb_cases SET owner_user_id = $2, owner_org_id = $3 WHERE id = $1 AND status = 'open' \
                 AND owner_org_id = $4",
            )
            .bind(case_id)
            .bind(to.id)
            .bind(to.organisation_id)
            .bind(owner)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AsbError::Conflict(format!("case {case_id} changed while you were working: look again")));
            }
            let mut summary = if moved {
                format!("Reassigned to {} of {}: {}", to.display_name, to.organisation_name, r.reason)
            } else {
                format!("Reassigned to {}: {}", to.display_name, r.reason)
            };
            if moved {
                sqlx::query("DELETE FROM asb_case_shares WHERE case_id = $1 AND organisation_id = $2")
                    .bind(case_id)
                    .bind(to.organisation_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO asb_case_shares (case_id, organisation_id, shared_at, shared_by) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, organisation_id) DO NOTHING",
                )
                .bind(case_id)
                .bind(owner)
                .bind(&at)
                .bind(v.user_id)
                .execute(&mut *tx)
                .await?;
                summary.push_str(&format!(" (still shared with {from_org})"));
            }
            sqlx::query("INSERT INTO asb_case_events (case_id, at, actor, kind, summary) VALUES ($1, $2, $3, $4, $5)")
                .bind(case_id)
                .bind(&at)
                .bind(v.actor)
                .bind("reassigned")
                .bind(&summary)
                .execute(&mut *tx)
                .await?;
            let details = json!({
                "to_user_id": to.id,
                "to_organisation_id": to.organisation_id,
                "from_organisation_id": owner,
                "reason": r.reason,
            });
            append_audit_in!(tx, &v.by().entry("asb.case.reassign", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Reopens a closed case (audited as `asb.case.reopen`). Only the owning
    /// organisation may. The closure stays in the timeline; the case's
    /// outcome is cleared until it is closed again.
    pub async fn reopen_asb_case(self, case_id: i64, reason: &str, v: &Viewer<'_>) -> Result<(), AsbError> {
        let reason = check_reopening(reason)?;
        let (_, status) = self.case_for(case_id, v, Need::Owner, false).await?;
        if status != "closed" {
            return Err(AsbError::Conflict(format!("case {case_id} is open already")));
        }
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE asb_cases SET status = 'open', closed_at = NULL, outcome = NULL, closure_notes = NULL \
                 WHERE id = $1 AND status = 'closed'",
            )
            .bind(case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AsbError::Conflict(format!("case {case_id} is open already")));
            }
            sqlx::query("INSERT INTO asb_case_events (case_id, at, actor, kind, summary) VALUES ($1, $2, $3, $4, $5)")
                .bind(case_id)
                .bind(time::format(v.at))
                .bind(v.actor)
                .bind("reopened")
                .bind(format!("Reopened: {reason}"))
                .execute(&mut *tx)
                .await?;
            let details = json!({ "reason": reason });
            append_audit_in!(tx, &v.by().entry("asb.case.reopen", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
        });
        Ok(())
    }
}
