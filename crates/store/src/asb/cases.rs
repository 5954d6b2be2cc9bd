//! Cases: opening from reports, sharing with partner organisations, actions,
//! tools and powers with review dates, closure, the timeline, and the
//! reviews falling due.

use chrono::NaiveDate;
use peel_core::access::time;
use peel_core::asb::case::{MAX_REPORTS_PER_REQUEST, check_title};
use peel_core::asb::{FieldAccess, NewAction, NewClosure, NewToolUse, Problems};
use serde::Serialize;
use serde_json::json;

use super::reports::ReportView;
use super::{AsbError, CASE_VISIBLE, Viewer};
use crate::audit::append_audit_in;
use crate::handles::Asb;
use crate::on_db;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ShareView {
    pub organisation_id: i64,
    pub organisation: String,
    pub shared_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ActionView {
    pub id: i64,
    pub kind: String,
    pub taken_on: String,
    pub description: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ToolView {
    pub id: i64,
    pub tool: String,
    pub used_on: String,
    pub review_on: String,
    pub notes: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub summary: String,
}

/// A case as a viewer may see it (its reports shaped by the same access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub owner_organisation_id: i64,
    pub owner_organisation: String,
    pub owner: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub outcome: Option<String>,
    pub closure_notes: Option<String>,
    pub shared_with: Vec<ShareView>,
    pub reports: Vec<ReportView>,
    pub actions: Vec<ActionView>,
    pub tools: Vec<ToolView>,
    pub timeline: Vec<EventView>,
    /// `full` or `restricted`.
    pub access: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CaseSummary {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub owner_organisation: String,
    /// True when the case belongs to another organisation and is shared with the viewer's.
    pub shared_with_us: bool,
    pub opened_at: String,
    pub reports: i64,
    pub next_review_on: Option<String>,
}

/// A review falling due: of a tool or power, or the multi-agency review a
/// high-risk assessment asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueReview {
    /// `tool-review` or `multi-agency-review`.
    pub kind: String,
    pub case_id: Option<i64>,
    pub report_id: Option<i64>,
    pub what: String,
    pub due_on: String,
}

/// Appends a timeline line inside the open transaction `$tx`.
macro_rules! event_in {
    ($tx:ident, $case:expr, $v:expr, $kind:expr, $summary:expr) => {
        sqlx::query("INSERT INTO asb_case_events (case_id, at, actor, kind, summary) VALUES ($1, $2, $3, $4, $5)")
            .bind($case)
            .bind(time::format($v.at))
            .bind($v.actor)
            .bind($kind)
            .bind($summary)
            .execute(&mut *$tx)
            .await?
    };
}

/// What a change needs of the case.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// Owned by or shared with the viewer's organisation.
    Visible,
    /// Owned by the viewer's organisation.
    Owner,
}

impl Asb<'_> {
    /// (owner organisation, status) if `v` may act on the case as `need` says.
    pub(super) async fn case_for(
        self,
        id: i64,
        v: &Viewer<'_>,
        need: Need,
        open: bool,
    ) -> Result<(i64, String), AsbError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT c.owner_org_id, c.status, {CASE_VISIBLE} FROM asb_cases c WHERE c.id = $2"
        ));
        let row: Option<(i64, String, bool)> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(v.org_id).bind(id).fetch_optional(pool).await?
        });
        let Some((owner, status, visible)) = row else { return Err(AsbError::NotFound(format!("case {id}"))) };
        if !visible {
            self.audit_refusal(&format!("asb_case:{id}"), v).await?;
            return Err(AsbError::NotShared(format!(
                "case {id} is not shared with your organisation: ask the organisation that owns it"
            )));
        }
        if need == Need::Owner && owner != v.org_id {
            self.audit_refusal(&format!("asb_case:{id}"), v).await?;
            return Err(AsbError::NotShared(format!("only the organisation that owns case {id} may do this")));
        }
        if open && status != "open" {
            return Err(AsbError::Conflict(format!("case {id} is closed and cannot be changed")));
        }
        Ok((owner, status))
    }

    /// Checks that case `id` exists and is owned by or shared with `v`'s
    /// organisation (a refusal is audited), so a route can refuse a caller
    /// before it reads what they sent.
    pub async fn reach_asb_case(self, id: i64, v: &Viewer<'_>) -> Result<(), AsbError> {
        self.case_for(id, v, Need::Visible, false).await.map(|_| ())
    }

    /// Opens a case owned by `v` and their organisation, holding `report_ids`
    /// (audited as `asb.case.create`). Returns the case's id.
    pub async fn create_asb_case(self, title: &str, report_ids: &[i64], v: &Viewer<'_>) -> Result<i64, AsbError> {
        self.create_asb_case_under(title, report_ids, None, v).await
    }

    /// Opens a case as [`Asb::create_asb_case`] does, handled under the
    /// partnership `csp` (force id, CSP id), whose service standards then apply.
    pub async fn create_asb_case_under(
        self,
        title: &str,
        report_ids: &[i64],
        csp: Option<(&str, &str)>,
        v: &Viewer<'_>,
    ) -> Result<i64, AsbError> {
        if let Some((force_id, csp_id)) = csp {
            let target = peel_core::access::Target::Partnership { force_id, csp_id };
            self.0
                .authorise(&v.by(), peel_core::access::Permission::ManageCases, target)
                .await
                .map_err(AsbError::refused)?;
        }
        let title = check_title(title)?;
        if let Some((force, id)) = csp
            && self.0.geography().csp(force, id).await?.is_none()
        {
            return Err(Problems::one("csp", "Choose a community safety partnership from the list.").into());
        }
        if report_ids.is_empty() {
            return Err(Problems::one("report_ids", "Choose at least one report to open the case with.").into());
        }
        if report_ids.len() > MAX_REPORTS_PER_REQUEST {
            return Err(Problems::one(
                "report_ids",
                format!("Open a case with at most {MAX_REPORTS_PER_REQUEST} reports."),
            )
            .into());
        }
        let hidden = self.reports_hidden_from(report_ids, v).await?;
        if let Some(id) = hidden.first() {
            self.audit_refusal(&format!("asb_report:{id}"), v).await?;
            return Err(AsbError::NotShared(format!("report {id} is not shared with your organisation")));
        }
        let at = time::format(v.at);
        let id: i64 = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO asb_cases (title, status, owner_org_id, owner_user_id, opened_at, force_id, csp_id) \
                 VALUES ($1, 'open', $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&title)
            .bind(v.org_id)
            .bind(v.user_id)
            .bind(&at)
            .bind(csp.map(|c| c.0))
            .bind(csp.map(|c| c.1))
            .fetch_one(&mut *tx)
            .await?;
            event_in!(tx, id, v, "opened", format!("Case opened: {title}"));
            for r in report_ids {
                let n = sqlx::query("UPDATE asb_reports SET case_id = $1 WHERE id = $2 AND case_id IS NULL")
                    .bind(id)
                    .bind(r)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(AsbError::Conflict(format!("report {r} is already in a case")));
                }
                event_in!(tx, id, v, "report-linked", format!("Report {r} added"));
            }
            let details = json!({ "title": title, "report_ids": report_ids, "csp": csp.map(|c| format!("{}/{}", c.0, c.1)) });
            append_audit_in!(tx, &v.by().entry("asb.case.create", format!("asb_case:{id}"), details));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Adds a report to an open case (audited as `asb.case.link_report`).
    /// Adding a report the case already holds changes nothing.
    pub async fn link_asb_report(self, case_id: i64, report_id: i64, v: &Viewer<'_>) -> Result<(), AsbError> {
        self.case_for(case_id, v, Need::Visible, true).await?;
        if !self.reports_hidden_from(&[report_id], v).await?.is_empty() {
            self.audit_refusal(&format!("asb_report:{report_id}"), v).await?;
            return Err(AsbError::NotShared(format!("report {report_id} is not shared with your organisation")));
        }
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT case_id FROM asb_reports WHERE id = $1")
                .bind(report_id)
                .fetch_one(&mut *tx)
                .await?;
            match current {
                Some(c) if c == case_id => return Ok(()),
                Some(c) => return Err(AsbError::Conflict(format!("report {report_id} is already in case {c}"))),
                None => {}
            }
            sqlx::query("UPDATE asb_reports SET case_id = $1 WHERE id = $2 AND case_id IS NULL")
                .bind(case_id)
                .bind(report_id)
                .execute(&mut *tx)
                .await?;
            event_in!(tx, case_id, v, "report-linked", format!("Report {report_id} added"));
            let details = json!({ "report_id": report_id });
            append_audit_in!(tx, &v.by().entry("asb.case.link_report", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Shares a case with an organisation (audited as `asb.case.share`, a
    /// disclosure). Only the owner may share. Sharing again changes nothing;
    /// returns whether it was new.
    pub async fn share_asb_case(self, case_id: i64, org_id: i64, v: &Viewer<'_>) -> Result<bool, AsbError> {
        let (owner, _) = self.case_for(case_id, v, Need::Owner, true).await?;
        let Some(org) = self.0.accounts().organisation(org_id).await? else {
            return Err(Problems::one("organisation_id", "Choose an organisation that exists.").into());
        };
        if org.id == owner {
            return Err(Problems::one("organisation_id", "The case already belongs to that organisation.").into());
        }
        let changed = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "INSERT INTO asb_case_shares (case_id, organisation_id, shared_at, shared_by) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (case_id, organisation_id) DO NOTHING",
            )
            .bind(case_id)
            .bind(org.id)
            .bind(time::format(v.at))
            .bind(v.user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                event_in!(tx, case_id, v, "shared", format!("Shared with {}", org.name));
                let details = json!({ "organisation_id": org.id, "organisation": org.name });
                append_audit_in!(tx, &v.by().entry("asb.case.share", format!("asb_case:{case_id}"), details));
            }
            tx.commit().await?;
            n > 0
        });
        Ok(changed)
    }

    /// Stops sharing a case with an organisation (audited as
    /// `asb.case.unshare`). Returns whether it had been shared.
    pub async fn unshare_asb_case(self, case_id: i64, org_id: i64, v: &Viewer<'_>) -> Result<bool, AsbError> {
        self.case_for(case_id, v, Need::Owner, false).await?;
        let name = self
            .0
            .accounts()
            .organisation(org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_else(|| format!("organisation {org_id}"));
        let changed = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM asb_case_shares WHERE case_id = $1 AND organisation_id = $2")
                .bind(case_id)
                .bind(org_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                event_in!(tx, case_id, v, "unshared", format!("No longer shared with {name}"));
                let details = json!({ "organisation_id": org_id });
                append_audit_in!(tx, &v.by().entry("asb.case.unshare", format!("asb_case:{case_id}"), details));
            }
            tx.commit().await?;
            n > 0
        });
        Ok(changed)
    }

    /// Records an action on an open case (audited as `asb.case.action`).
    pub async fn add_asb_action(self, case_id: i64, a: &NewAction, v: &Viewer<'_>) -> Result<i64, AsbError> {
        self.case_for(case_id, v, Need::Visible, true).await?;
        let id: i64 = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO asb_case_actions (case_id, kind, taken_on, description, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(case_id)
            .bind(a.kind.slug())
            .bind(a.taken_on.format("%Y-%m-%d").to_string())
            .bind(&a.description)
            .bind(time::format(v.at))
            .bind(v.user_id)
            .fetch_one(&mut *tx)
            .await?;
            event_in!(tx, case_id, v, "action", format!("{} on {}", a.kind.label(), a.taken_on));
            let details = json!({ "action_id": id, "kind": a.kind.slug() });
            append_audit_in!(tx, &v.by().entry("asb.case.action", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Records a use of a tool or power with its review date (audited as `asb.case.tool`).
    pub async fn add_asb_tool(self, case_id: i64, t: &NewToolUse, v: &Viewer<'_>) -> Result<i64, AsbError> {
        self.case_for(case_id, v, Need::Visible, true).await?;
        let id: i64 = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO asb_case_tools (case_id, tool, used_on, review_on, notes, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(case_id)
            .bind(t.tool.slug())
            .bind(t.used_on.format("%Y-%m-%d").to_string())
            .bind(t.review_on.format("%Y-%m-%d").to_string())
            .bind(&t.notes)
            .bind(time::format(v.at))
            .bind(v.user_id)
            .fetch_one(&mut *tx)
            .await?;
            let summary = format!("{} used on {}, review by {}", t.tool.label(), t.used_on, t.review_on);
            event_in!(tx, case_id, v, "tool", summary);
            let details = json!({ "tool_id": id, "tool": t.tool.slug(), "review_on": t.review_on.to_string() });
            append_audit_in!(tx, &v.by().entry("asb.case.tool", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Closes an open case with its outcome (audited as `asb.case.close`). Only the owner may close.
    pub async fn close_asb_case(self, case_id: i64, c: &NewClosure, v: &Viewer<'_>) -> Result<(), AsbError> {
        self.case_for(case_id, v, Need::Owner, true).await?;
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE asb_cases SET status = 'closed', closed_at = $2, outcome = $3, closure_notes = $4 \
                 WHERE id = $1 AND status = 'open'",
            )
            .bind(case_id)
            .bind(time::format(v.at))
            .bind(c.outcome.slug())
            .bind(&c.notes)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AsbError::Conflict(format!("case {case_id} is closed and cannot be changed")));
            }
            event_in!(tx, case_id, v, "closed", format!("Closed: {}", c.outcome.label()));
            let details = json!({ "outcome": c.outcome.slug() });
            append_audit_in!(tx, &v.by().entry("asb.case.close", format!("asb_case:{case_id}"), details));
            tx.commit().await?;
        });
        Ok(())
    }

    /// One case with its reports, work and timeline, audited as
    /// `asb.case.read` before it is returned.
    pub async fn asb_case(self, id: i64, v: &Viewer<'_>) -> Result<CaseView, AsbError> {
        let (owner, _) = self.case_for(id, v, Need::Visible, false).await?;
        let access = v.access(owner);
        let label = if access.is_full() { "full" } else { "restricted" };
        self.0
            .audit()
            .append_audit(&v.by().entry("asb.case.read", format!("asb_case:{id}"), json!({ "access": label })))
            .await?;
        self.load_case(id, v.org_id, access).await
    }

    async fn load_case(self, id: i64, viewer_org: i64, access: FieldAccess) -> Result<CaseView, AsbError> {
        #[derive(sqlx::FromRow)]
        struct CaseRow {
            id: i64,
            title: String,
            status: String,
            owner_organisation_id: i64,
            owner_organisation: String,
            owner: String,
            opened_at: String,
            closed_at: Option<String>,
            outcome: Option<String>,
            closure_notes: Option<String>,
        }
        let row: CaseRow = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT c.id, c.title, c.status, c.owner_org_id AS owner_organisation_id, o.name AS owner_organisation, \
                 u.display_name AS owner, c.opened_at, c.closed_at, c.outcome, c.closure_notes \
                 FROM asb_cases c JOIN organisations o ON o.id = c.owner_org_id \
                 JOIN users u ON u.id = c.owner_user_id WHERE c.id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?
        });
        let shared_with: Vec<ShareView> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT s.organisation_id, o.name AS organisation, s.shared_at FROM asb_case_shares s \
                 JOIN organisations o ON o.id = s.organisation_id WHERE s.case_id = $1 ORDER BY o.name",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let report_ids: Vec<i64> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT id FROM asb_reports WHERE case_id = $1 ORDER BY id").bind(id).fetch_all(pool).await?
        });
        let actions: Vec<ActionView> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT a.id, a.kind, a.taken_on, a.description, a.recorded_at, u.display_name AS recorded_by \
                 FROM asb_case_actions a \
                 JOIN users u ON u.id = a.recorded_by WHERE a.case_id = $1 ORDER BY a.taken_on, a.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let tools: Vec<ToolView> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT t.id, t.tool, t.used_on, t.review_on, t.notes, t.recorded_at, u.display_name AS recorded_by \
                 FROM asb_case_tools t \
                 JOIN users u ON u.id = t.recorded_by WHERE t.case_id = $1 ORDER BY t.used_on, t.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let timeline: Vec<EventView> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT at, actor, kind, summary FROM asb_case_events WHERE case_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        let mut reports = Vec::new();
        for r in report_ids {
            reports.push(self.load_report(r, viewer_org, access).await?);
        }
        Ok(CaseView {
            id: row.id,
            title: row.title,
            status: row.status,
            owner_organisation_id: row.owner_organisation_id,
            owner_organisation: row.owner_organisation,
            owner: row.owner,
            opened_at: row.opened_at,
            closed_at: row.closed_at,
            outcome: row.outcome,
            closure_notes: row.closure_notes,
            shared_with,
            reports,
            actions,
            tools,
            timeline,
            access: if access.is_full() { "full" } else { "restricted" }.into(),
        })
    }

    /// The cases owned by or shared with `v`'s organisation, open first,
    /// newest first (audited as `asb.case.list`).
    pub async fn asb_cases(self, v: &Viewer<'_>) -> Result<Vec<CaseSummary>, AsbError> {
        self.0.audit().append_audit(&v.by().entry("asb.case.list", "asb_cases".into(), json!({}))).await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT c.id, c.title, c.status, o.name AS owner_organisation, c.owner_org_id <> $1 AS shared_with_us, \
             c.opened_at, (SELECT COUNT(*) FROM asb_reports r WHERE r.case_id = c.id) AS reports, \
             (SELECT MIN(t.review_on) FROM asb_case_tools t WHERE t.case_id = c.id) AS next_review_on \
             FROM asb_cases c JOIN organisations o ON o.id = c.owner_org_id WHERE {CASE_VISIBLE} \
             ORDER BY c.status DESC, c.id DESC LIMIT 1000"
        ));
        let rows: Vec<CaseSummary> =
            on_db!(self.0, pool => { sqlx::query_as(sql).bind(v.org_id).fetch_all(pool).await? });
        Ok(rows)
    }

    /// Reviews due on or before `due_by` on open cases `v` may see, and
    /// multi-agency reviews that high-risk assessments asked for and that no
    /// "multi-agency review held" action has yet answered; soonest first
    /// (audited as `asb.review.list`).
    pub async fn asb_due_reviews(self, due_by: NaiveDate, v: &Viewer<'_>) -> Result<Vec<DueReview>, AsbError> {
        self.0
            .audit()
            .append_audit(&v.by().entry(
                "asb.review.list",
                "asb_reviews".into(),
                json!({ "due_by": due_by.to_string() }),
            ))
            .await?;
        let due = due_by.format("%Y-%m-%d").to_string();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT t.case_id, t.tool, t.review_on, c.title FROM asb_case_tools t JOIN asb_cases c ON c.id = t.case_id \
             WHERE c.status = 'open' AND t.review_on <= $2 AND {CASE_VISIBLE} ORDER BY t.review_on, t.id"
        ));
        let tools: Vec<(i64, String, String, String)> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(v.org_id).bind(&due).fetch_all(pool).await?
        });
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT a.report_id, r.case_id, a.review_due_on FROM asb_risk_assessments a \
             JOIN asb_reports r ON r.id = a.report_id \
             WHERE a.band = 'high' AND a.review_due_on IS NOT NULL AND a.review_due_on <= $2 \
             AND a.id = (SELECT MAX(a2.id) FROM asb_risk_assessments a2 WHERE a2.report_id = a.report_id) \
             AND NOT EXISTS (SELECT 1 FROM asb_case_actions x WHERE x.case_id = r.case_id \
                 AND x.kind = 'multi-agency-review' AND x.recorded_at >= a.assessed_at) \
             AND NOT EXISTS (SELECT 1 FROM asb_cases cc WHERE cc.id = r.case_id AND cc.status = 'closed') \
             AND {} ORDER BY a.review_due_on, a.id",
            super::REPORT_VISIBLE
        ));
        let risks: Vec<(i64, Option<i64>, String)> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(v.org_id).bind(&due).fetch_all(pool).await?
        });
        let mut out: Vec<DueReview> = tools
            .into_iter()
            .map(|(case_id, tool, review_on, title)| DueReview {
                kind: "tool-review".into(),
                case_id: Some(case_id),
                report_id: None,
                what: format!(
                    "Review the {} on case {case_id} ({title})",
                    peel_core::asb::Tool::parse(&tool, "tool").map(|t| t.label().to_lowercase()).unwrap_or(tool)
                ),
                due_on: review_on,
            })
            .chain(risks.into_iter().map(|(report_id, case_id, due_on)| DueReview {
                kind: "multi-agency-review".into(),
                case_id,
                report_id: Some(report_id),
                what: format!("Hold a multi-agency review: report {report_id} was assessed as high risk"),
                due_on,
            }))
            .collect();
        out.sort_by(|a, b| a.due_on.cmp(&b.due_on));
        Ok(out)
    }
}
