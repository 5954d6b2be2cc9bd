//! Local ASB service standards: each partnership's adopted versions, the
//! contacts with and updates to victims, and each case's judgement against
//! the standards that applied when it was opened.
//!
//! A case opened under a partnership is judged by the newest version that
//! partnership had adopted by then; a case with no partnership (every case
//! opened before schema version 11) or whose partnership had adopted none is
//! judged by the national default, and says so.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use peel_core::access::{Permission, Role, Target, time};
use peel_core::asb::standards::{
    CaseFacts, ContactMethod, Judgement, NewContact, Redress, Standards, ToolReview, evaluate,
};
use peel_core::asb::{Problems, Tool};
use serde::Serialize;
use serde_json::json;

use super::cases::Need;
use super::{AsbError, CASE_VISIBLE, Viewer};
use crate::audit::{By, append_audit_in};
use crate::handles::Asb;
use crate::statistics::Csp;
use crate::trigger::PartnershipDocument;
use crate::{StoreError, on_db};

/// A standards version adopted by a partnership.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredStandards {
    pub id: i64,
    pub force_id: String,
    pub csp_id: String,
    pub standards: Standards,
    pub adopted_at: String,
    pub adopted_by: String,
}

/// Which standards judged a case, and why those.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedStandards {
    pub version: String,
    /// `csp` (adopted by the case's partnership) or `national-default`.
    pub source: String,
    /// Why the national default applies, when it does.
    pub why_default: Option<String>,
    pub force_id: Option<String>,
    pub csp_id: Option<String>,
    pub csp_name: Option<String>,
    #[serde(skip)]
    pub standards: Standards,
}

/// A contact with or update to the victim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactView {
    pub id: i64,
    pub contacted_at: String,
    /// `phone`, `visit`, `letter` or `email`.
    pub method: String,
    /// The method in plain English, for pages.
    pub method_label: String,
    pub note: String,
    pub recorded_by: String,
}

/// A case's service: the standards that apply, each one's state, the
/// redress to offer when one was missed, and the contacts so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseService {
    pub case_id: i64,
    pub standards: AppliedStandards,
    pub judgement: Judgement,
    /// Present when a standard is late, overdue or missed.
    pub redress: Option<Redress>,
    pub contacts: Vec<ContactView>,
}

/// A case in the due-and-overdue list (no personal data: the title is the
/// case's own label).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueCase {
    pub case_id: i64,
    pub title: String,
    pub status: String,
    pub owner_organisation: String,
    pub standards_version: String,
    pub standards_source: String,
    /// Seconds the most overdue standard is late by.
    pub most_overdue_seconds: Option<i64>,
    pub next_due_at: Option<DateTime<Utc>>,
    /// Only the standards that are due or overdue.
    pub states: Vec<peel_core::asb::standards::StandardState>,
    pub redress_due: bool,
}

#[derive(sqlx::FromRow)]
struct StandardsRow {
    id: i64,
    force_id: String,
    csp_id: String,
    document: String,
    adopted_at: String,
    adopted_by: String,
}

fn standards_from_row(r: StandardsRow) -> Result<StoredStandards, StoreError> {
    let standards =
        Standards::parse(&r.document).map_err(|e| StoreError::Corrupt(format!("standards {}: {e}", r.id)))?;
    Ok(StoredStandards {
        id: r.id,
        force_id: r.force_id,
        csp_id: r.csp_id,
        standards,
        adopted_at: r.adopted_at,
        adopted_by: r.adopted_by,
    })
}

const STANDARDS_SELECT: &str = "SELECT id, force_id, csp_id, document, adopted_at, adopted_by FROM asb_standards";

/// How long after closing a case stays in the due list (the closure standard
/// runs after closing; no local standard allows more than 90 days).
const CLOSED_WINDOW_DAYS: i64 = 90;

fn instant(s: &str) -> Result<DateTime<Utc>, StoreError> {
    time::parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad instant {s:?}")))
}

/// What judging a case against its standards needs of it.
#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    title: String,
    status: String,
    owner_organisation: String,
    opened_at: String,
    closed_at: Option<String>,
    force_id: Option<String>,
    csp_id: Option<String>,
}

impl Asb<'_> {
    /// Adopts a new version of a partnership's service standards (audited as
    /// `asb.standards.adopt`). Versions are never changed or removed: each
    /// judgement names the version that made it.
    pub async fn adopt_asb_standards(
        self,
        force_id: &str,
        csp_id: &str,
        standards: &Standards,
        by: &By<'_>,
    ) -> Result<StoredStandards, AsbError> {
        self.0
            .authorise(by, Permission::RunCaseReviews, Target::Partnership { force_id, csp_id })
            .await
            .map_err(AsbError::refused)?;
        standards.check()?;
        if self.0.geography().csp(force_id, csp_id).await?.is_none() {
            return Err(AsbError::NotFound(format!("community safety partnership {csp_id} in force {force_id}")));
        }
        let document = serde_json::to_string(standards)?;
        let at = time::format(by.at);
        let adopted = PartnershipDocument::AsbStandards
            .adopt(self.0, force_id, csp_id, &standards.version, &document, by)
            .await?;
        let Some(id) = adopted else {
            return Err(AsbError::Conflict(format!(
                "{force_id}/{csp_id} already has standards version {:?}; give the new one its own version",
                standards.version
            )));
        };
        Ok(StoredStandards {
            id,
            force_id: force_id.into(),
            csp_id: csp_id.into(),
            standards: standards.clone(),
            adopted_at: at,
            adopted_by: by.actor().into(),
        })
    }

    /// The standards a partnership publishes now: its newest version.
    pub async fn asb_standards_for(self, force_id: &str, csp_id: &str) -> Result<Option<StoredStandards>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{STANDARDS_SELECT} WHERE force_id = $1 AND csp_id = $2 ORDER BY id DESC LIMIT 1"
        ));
        let row: Option<StandardsRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(force_id).bind(csp_id).fetch_optional(pool).await?
        });
        row.map(standards_from_row).transpose()
    }

    async fn all_asb_standards(self) -> Result<Vec<StoredStandards>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{STANDARDS_SELECT} ORDER BY id"));
        let rows: Vec<StandardsRow> = on_db!(self.0, pool => { sqlx::query_as(sql).fetch_all(pool).await? });
        rows.into_iter().map(standards_from_row).collect()
    }

    /// The partnership whose local authority holds `postcode`, where the
    /// postcodes table names its district (by name or ONS code).
    pub async fn csp_for_postcode(self, postcode: &str) -> Result<Option<Csp>, StoreError> {
        let Ok(p) = peel_core::geography::Postcode::parse(postcode) else { return Ok(None) };
        let Some(district) = self.0.geography().postcode(&p).await?.and_then(|p| p.admin_district) else {
            return Ok(None);
        };
        let district = district.trim().to_lowercase();
        Ok(self.0.geography().all_csps().await?.into_iter().find(|c| {
            c.local_authority.trim().to_lowercase() == district
                || c.local_authority_code.as_deref().is_some_and(|code| code.trim().to_lowercase() == district)
        }))
    }

    /// The partnership to suggest for a case opened from `report_id`: the one
    /// its location's postcode maps to, if any.
    pub async fn suggested_csp_for_report(self, report_id: i64) -> Result<Option<Csp>, StoreError> {
        let postcode: Option<String> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT location_postcode FROM asb_reports WHERE id = $1")
                .bind(report_id)
                .fetch_optional(pool)
                .await?
        });
        match postcode {
            Some(p) if !p.trim().is_empty() => self.csp_for_postcode(&p).await,
            _ => Ok(None),
        }
    }

    /// Records a contact with or update to the victim on a case (audited as
    /// `asb.case.victim_contact`, with a line in the timeline). A closed case
    /// takes them too: telling the victim it is closed is a standard.
    pub async fn record_victim_contact(self, case_id: i64, c: &NewContact, v: &Viewer<'_>) -> Result<i64, AsbError> {
        self.case_for(case_id, v, Need::Visible, false).await?;
        let when = c.contacted_at.format("%-d %B %Y at %H:%M").to_string();
        let id: i64 = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO asb_victim_contacts (case_id, contacted_at, method, note, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(case_id)
            .bind(time::format(c.contacted_at))
            .bind(c.method.slug())
            .bind(&c.note)
            .bind(time::format(v.at))
            .bind(v.user_id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO asb_case_events (case_id, at, actor, kind, summary) VALUES ($1, $2, $3, $4, $5)")
                .bind(case_id)
                .bind(time::format(v.at))
                .bind(v.actor)
                .bind("victim-contact")
                .bind(format!("Victim contacted ({}) on {when}", c.method.label().to_lowercase()))
                .execute(&mut *tx)
                .await?;
            let details = json!({ "contact_id": id, "method": c.method.slug() });
            append_audit_in!(tx, &v.by().entry("asb.case.victim_contact", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// A case's service against its standards at `now`, with the contacts
    /// (whose notes are personal data: audited as `asb.contact.read` first).
    pub async fn asb_case_service(self, case_id: i64, v: &Viewer<'_>) -> Result<CaseService, AsbError> {
        self.case_for(case_id, v, Need::Visible, false).await?;
        self.0
            .audit()
            .append_audit(&v.by().entry("asb.contact.read", format!("asb_case:{case_id}"), json!({})))
            .await?;
        let row: CaseRow = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT c.id, c.title, c.status, o.name AS owner_organisation, c.opened_at, c.closed_at, c.force_id, c.csp_id \
                 FROM asb_cases c JOIN organisations o ON o.id = c.owner_org_id WHERE c.id = $1",
            )
            .bind(case_id)
            .fetch_one(pool)
            .await?
        });
        let adopted = self.all_asb_standards().await?;
        let csps: HashMap<(String, String), String> =
            self.0.geography().all_csps().await?.into_iter().map(|c| ((c.force_id, c.id), c.name)).collect();
        let applied = applied_standards(&row, &adopted, &csps)?;
        let mut facts = self.case_facts(std::slice::from_ref(&row)).await?;
        let facts =
            facts.remove(&case_id).ok_or_else(|| StoreError::Corrupt(format!("case {case_id} has no facts")))?;
        let judgement = evaluate(&applied.standards, &facts, v.at);
        #[derive(sqlx::FromRow)]
        struct ContactRow {
            id: i64,
            contacted_at: String,
            method: String,
            note: String,
            recorded_by: String,
        }
        let rows: Vec<ContactRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT k.id, k.contacted_at, k.method, k.note, u.display_name AS recorded_by FROM asb_victim_contacts k \
                 JOIN users u ON u.id = k.recorded_by WHERE k.case_id = $1 ORDER BY k.contacted_at, k.id",
            )
            .bind(case_id)
            .fetch_all(pool)
            .await?
        });
        let redress = judgement.redress_due().then(|| applied.standards.redress.clone());
        Ok(CaseService {
            case_id,
            standards: applied,
            judgement,
            redress,
            contacts: rows
                .into_iter()
                .map(|r| ContactView {
                    id: r.id,
                    contacted_at: r.contacted_at,
                    method_label: ContactMethod::parse(&r.method, "method")
                        .map(|m| m.label().to_string())
                        .unwrap_or_else(|_| r.method.clone()),
                    method: r.method,
                    note: r.note,
                    recorded_by: r.recorded_by,
                })
                .collect(),
        })
    }

    /// What is due and overdue on the cases `v` answers for, most overdue
    /// first, then soonest due (audited as `asb.due.list`). Officers see the
    /// cases they own; supervisors and ASB coordinators their organisation's;
    /// partner caseworkers their own and those shared with their organisation.
    pub async fn asb_due(self, v: &Viewer<'_>) -> Result<Vec<DueCase>, AsbError> {
        // Each scope uses its parameters from $1 on, then the closing window.
        let (scope, binds): (String, Vec<i64>) = match v.role {
            Role::Officer => ("c.owner_user_id = $1".into(), vec![v.user_id]),
            Role::Supervisor | Role::AsbCoordinator => ("c.owner_org_id = $1".into(), vec![v.org_id]),
            Role::PartnerCaseworker => (format!("(c.owner_user_id = $2 OR {CASE_VISIBLE})"), vec![v.org_id, v.user_id]),
            _ => return Err(AsbError::NotShared("your role does not look after cases".into())),
        };
        self.0
            .audit()
            .append_audit(&v.by().entry("asb.due.list", "asb_cases".into(), json!({ "role": v.role.slug() })))
            .await?;
        let since = time::format(v.at - Duration::days(CLOSED_WINDOW_DAYS));
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT c.id, c.title, c.status, o.name AS owner_organisation, c.opened_at, c.closed_at, c.force_id, c.csp_id \
             FROM asb_cases c JOIN organisations o ON o.id = c.owner_org_id \
             WHERE {scope} AND (c.status = 'open' OR c.closed_at >= ${}) ORDER BY c.id LIMIT 2000",
            binds.len() + 1
        ));
        let rows: Vec<CaseRow> = on_db!(self.0, pool => {
            let mut q = sqlx::query_as(sql);
            for b in &binds {
                q = q.bind(*b);
            }
            q.bind(&since).fetch_all(pool).await?
        });
        let adopted = self.all_asb_standards().await?;
        let csps: HashMap<(String, String), String> =
            self.0.geography().all_csps().await?.into_iter().map(|c| ((c.force_id, c.id), c.name)).collect();
        let mut facts = self.case_facts(&rows).await?;
        let mut out = Vec::new();
        for row in rows {
            let applied = applied_standards(&row, &adopted, &csps)?;
            let Some(f) = facts.remove(&row.id) else { continue };
            let j = evaluate(&applied.standards, &f, v.at);
            let states: Vec<_> =
                j.states.iter().filter(|s| matches!(s.state.slug(), "due" | "overdue")).cloned().collect();
            if states.is_empty() {
                continue;
            }
            out.push(DueCase {
                case_id: row.id,
                title: row.title,
                status: row.status,
                owner_organisation: row.owner_organisation,
                standards_version: j.standards_version.clone(),
                standards_source: applied.source,
                most_overdue_seconds: j.most_overdue_seconds(),
                next_due_at: j.next_due(),
                redress_due: j.redress_due(),
                states,
            });
        }
        out.sort_by(|a, b| {
            b.most_overdue_seconds
                .cmp(&a.most_overdue_seconds)
                .then(a.next_due_at.cmp(&b.next_due_at))
                .then(a.case_id.cmp(&b.case_id))
        });
        Ok(out)
    }

    /// What the judgement needs of each case, read in a few queries.
    async fn case_facts(self, cases: &[CaseRow]) -> Result<HashMap<i64, CaseFacts>, AsbError> {
        let mut out = HashMap::new();
        if cases.is_empty() {
            return Ok(out);
        }
        let ids = cases.iter().map(|c| c.id.to_string()).collect::<Vec<_>>().join(",");
        let sql = |s: &str| sqlx::AssertSqlSafe(s.replace("{ids}", &ids));
        let reported: Vec<(i64, Option<String>)> = on_db!(self.0, pool => {
            sqlx::query_as(sql("SELECT case_id, MIN(recorded_at) FROM asb_reports WHERE case_id IN ({ids}) GROUP BY case_id"))
                .fetch_all(pool)
                .await?
        });
        let assessed: Vec<(i64, Option<String>)> = on_db!(self.0, pool => {
            sqlx::query_as(sql(
                "SELECT r.case_id, MIN(a.assessed_at) FROM asb_risk_assessments a JOIN asb_reports r ON r.id = a.report_id \
                 WHERE r.case_id IN ({ids}) GROUP BY r.case_id",
            ))
            .fetch_all(pool)
            .await?
        });
        let high: Vec<i64> = on_db!(self.0, pool => {
            sqlx::query_scalar(sql(
                "SELECT DISTINCT r.case_id FROM asb_risk_assessments a JOIN asb_reports r ON r.id = a.report_id \
                 WHERE r.case_id IN ({ids}) AND a.band = 'high' \
                 AND a.id = (SELECT MAX(a2.id) FROM asb_risk_assessments a2 WHERE a2.report_id = a.report_id)",
            ))
            .fetch_all(pool)
            .await?
        });
        let contacts: Vec<(i64, String)> = on_db!(self.0, pool => {
            sqlx::query_as(sql("SELECT case_id, contacted_at FROM asb_victim_contacts WHERE case_id IN ({ids})"))
                .fetch_all(pool)
                .await?
        });
        let tools: Vec<(i64, String, String, String)> = on_db!(self.0, pool => {
            sqlx::query_as(sql("SELECT case_id, tool, used_on, review_on FROM asb_case_tools WHERE case_id IN ({ids}) ORDER BY review_on, id"))
                .fetch_all(pool)
                .await?
        });
        let reviews: Vec<(i64, String)> = on_db!(self.0, pool => {
            sqlx::query_as(sql("SELECT case_id, taken_on FROM asb_case_actions WHERE kind = 'tool-review' AND case_id IN ({ids})"))
                .fetch_all(pool)
                .await?
        });
        let reported: HashMap<i64, String> = reported.into_iter().filter_map(|(c, t)| t.map(|t| (c, t))).collect();
        let assessed: HashMap<i64, String> = assessed.into_iter().filter_map(|(c, t)| t.map(|t| (c, t))).collect();
        for c in cases {
            // A case always holds a report; should one not, its opening starts the clock.
            let reported_at = instant(reported.get(&c.id).unwrap_or(&c.opened_at))?;
            out.insert(
                c.id,
                CaseFacts {
                    reported_at,
                    closed_at: c.closed_at.as_deref().map(instant).transpose()?,
                    first_assessed_at: assessed.get(&c.id).map(|s| instant(s)).transpose()?,
                    high_risk: high.contains(&c.id),
                    contacts: Vec::new(),
                    tool_reviews: Vec::new(),
                    tool_reviews_held: Vec::new(),
                },
            );
        }
        for (case_id, at) in contacts {
            if let Some(f) = out.get_mut(&case_id) {
                f.contacts.push(instant(&at)?);
            }
        }
        let date = |s: &str| -> Result<NaiveDate, StoreError> {
            s.parse().map_err(|_| StoreError::Corrupt(format!("bad date {s:?} in a case's tools or actions")))
        };
        for (case_id, tool, used_on, review_on) in tools {
            if let Some(f) = out.get_mut(&case_id) {
                let what = Tool::parse(&tool, "tool").map(|t| t.label().to_lowercase()).unwrap_or(tool);
                f.tool_reviews.push(ToolReview { what, used_on: date(&used_on)?, review_on: date(&review_on)? });
            }
        }
        for (case_id, taken_on) in reviews {
            if let Some(f) = out.get_mut(&case_id) {
                f.tool_reviews_held.push(date(&taken_on)?);
            }
        }
        Ok(out)
    }

    /// Sets the partnership of a case opened without one (owner only, once;
    /// audited as `asb.case.csp`). The standards that then apply are the
    /// partnership's as they were when the case was opened, so choosing one
    /// late cannot pick kinder standards adopted since.
    pub async fn set_asb_case_csp(
        self,
        case_id: i64,
        force_id: &str,
        csp_id: &str,
        v: &Viewer<'_>,
    ) -> Result<(), AsbError> {
        self.case_for(case_id, v, Need::Owner, false).await?;
        self.0
            .authorise(&v.by(), Permission::ManageCases, Target::Partnership { force_id, csp_id })
            .await
            .map_err(AsbError::refused)?;
        let Some(csp) = self.0.geography().csp(force_id, csp_id).await? else {
            return Err(Problems::one("csp", "Choose a community safety partnership from the list.").into());
        };
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE asb_cases SET force_id = $2, csp_id = $3 WHERE id = $1 AND force_id IS NULL")
                .bind(case_id)
                .bind(force_id)
                .bind(csp_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(AsbError::Conflict(format!("case {case_id} is already handled under a partnership")));
            }
            sqlx::query("INSERT INTO asb_case_events (case_id, at, actor, kind, summary) VALUES ($1, $2, $3, $4, $5)")
                .bind(case_id)
                .bind(time::format(v.at))
                .bind(v.actor)
                .bind("csp")
                .bind(format!("Handled under {}", csp.name))
                .execute(&mut *tx)
                .await?;
            let details = json!({ "csp": format!("{force_id}/{csp_id}") });
            append_audit_in!(tx, &v.by().entry("asb.case.csp", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
        });
        Ok(())
    }
}

/// The standards that judge a case: its partnership's newest version adopted
/// by the time the case was opened, else the national default, saying why.
fn applied_standards(
    row: &CaseRow,
    adopted: &[StoredStandards],
    csps: &HashMap<(String, String), String>,
) -> Result<AppliedStandards, StoreError> {
    let default = |why: &str| AppliedStandards {
        version: Standards::national_default().version,
        source: "national-default".into(),
        why_default: Some(why.into()),
        force_id: row.force_id.clone(),
        csp_id: row.csp_id.clone(),
        csp_name: None,
        standards: Standards::national_default(),
    };
    let (Some(force), Some(csp)) = (&row.force_id, &row.csp_id) else {
        return Ok(default("the case is not handled under a community safety partnership"));
    };
    let name = csps.get(&(force.clone(), csp.clone())).cloned();
    let opened = &row.opened_at;
    let found = adopted
        .iter()
        .filter(|s| &s.force_id == force && &s.csp_id == csp && &s.adopted_at <= opened)
        .max_by_key(|s| s.id);
    Ok(match found {
        Some(s) => AppliedStandards {
            version: s.standards.version.clone(),
            source: "csp".into(),
            why_default: None,
            force_id: Some(force.clone()),
            csp_id: Some(csp.clone()),
            csp_name: name,
            standards: s.standards.clone(),
        },
        None => AppliedStandards {
            csp_name: name,
            ..default("the partnership had adopted no standards when the case was opened")
        },
    })
}
