//! Open311 GeoReport v2: reports taken in from street-reporting apps, and
//! the public view of them.
//!
//! A request becomes an ordinary ASB report (channel `open311`) through
//! [`Asb::record_asb_report`], so repeat-victim matching, the audit log
//! and casework treat it like any other. What the public may read back is
//! [`PublicRequest`]: service, status and times, never a person or a place.
//! Only reports that came in over Open311 are listed: someone who telephoned
//! the police did not choose a channel whose requests are public.

use chrono::{DateTime, Utc};
use peel_core::access::time;
use peel_core::asb::{Category, NewReport};

use peel_core::open311::{MAX_LIST, PublicRequest, Status};

use crate::asb::{AsbError, ReportView, Viewer};
use crate::handles::Open311;
use crate::{StoreError, on_db};

/// What a search of requests asks for (GET `requests`).
#[derive(Debug, Clone, Default)]
pub struct RequestSearch {
    /// Particular requests: when given, the other filters are ignored (as
    /// the standard says).
    pub ids: Vec<i64>,
    /// Service codes (`asb-personal`, …); empty for all.
    pub service_codes: Vec<String>,
    pub statuses: Vec<Status>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// What the public may see of a report taken over Open311.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    category: String,
    case_id: Option<i64>,
    case_status: Option<String>,
    agency: String,
    recorded_at: String,
    last_event: Option<String>,
}

const SELECT: &str = "SELECT r.id, r.category, r.case_id, c.status AS case_status, o.name AS agency, r.recorded_at, \
     (SELECT MAX(e.at) FROM asb_case_events e WHERE e.case_id = r.case_id) AS last_event \
     FROM asb_reports r JOIN organisations o ON o.id = r.recorded_by_org_id \
     LEFT JOIN asb_cases c ON c.id = r.case_id WHERE r.channel = 'open311'";

fn public(row: Row) -> Result<PublicRequest, StoreError> {
    let Row { id, category, case_id, case_status, agency, recorded_at, last_event } = row;
    let category = Category::parse(&category, "category")
        .map_err(|e| StoreError::Corrupt(format!("ASB report {id}: {}", e.message)))?;
    let requested = time::parse(&recorded_at)
        .ok_or_else(|| StoreError::Corrupt(format!("ASB report {id}: recorded_at {recorded_at:?}")))?;
    let updated = last_event.as_deref().and_then(time::parse).map_or(requested, |t| t.max(requested));
    let closed = case_status.as_deref() == Some("closed");
    Ok(PublicRequest::new(id, category, case_id.is_some(), closed, agency, requested, updated))
}

impl Open311<'_> {
    /// Records a report taken over Open311 and the token given back for it.
    /// The report is stored first, in its own transaction; if the token
    /// cannot be stored the report stands and the answer has no token (the
    /// request id is enough), so nothing is lost and nothing is sent twice.
    pub async fn record_open311_report(
        self,
        report: &NewReport,
        token: &str,
        v: &Viewer<'_>,
    ) -> Result<(ReportView, Option<String>), AsbError> {
        let view = self.0.asb().record_asb_report(report, v).await?;
        let stored: Result<(), sqlx::Error> = on_db!(self.0, pool => {
            sqlx::query("INSERT INTO open311_tokens (token, report_id, issued_at) VALUES ($1, $2, $3)")
                .bind(token)
                .bind(view.id)
                .bind(time::format(v.at))
                .execute(pool)
                .await
                .map(|_| ())
        });
        match stored {
            Ok(_) => Ok((view, Some(token.to_string()))),
            Err(e) => {
                tracing::error!(error = %e, report = view.id, "cannot store the Open311 token; answering without one");
                Ok((view, None))
            }
        }
    }

    /// One request taken over Open311, as the public sees it.
    pub async fn open311_request(self, id: i64) -> Result<Option<PublicRequest>, StoreError> {
        let sql = format!("{SELECT} AND r.id = $1");
        let row: Option<Row> = on_db!(self.0, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.map(public).transpose()
    }

    /// The request a token was given for.
    pub async fn open311_token(self, token: &str) -> Result<Option<i64>, StoreError> {
        let id: Option<i64> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT report_id FROM open311_tokens WHERE token = $1")
                .bind(token)
                .fetch_optional(pool)
                .await?
        });
        Ok(id)
    }

    /// Requests taken over Open311, newest first, at most
    /// [`MAX_LIST`]: by id, or by service, status and the time they were made.
    pub async fn open311_requests(self, q: &RequestSearch) -> Result<Vec<PublicRequest>, StoreError> {
        if !q.ids.is_empty() {
            let mut out = Vec::new();
            for id in q.ids.iter().take(MAX_LIST as usize) {
                out.extend(self.open311_request(*id).await?);
            }
            return Ok(out);
        }
        let from = q.from.map(time::format).unwrap_or_default();
        let to = q.to.map(time::format).unwrap_or_else(|| "9".into());
        let sql = format!("{SELECT} AND r.recorded_at >= $1 AND r.recorded_at <= $2 ORDER BY r.id DESC");
        let rows: Vec<Row> = on_db!(self.0, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(pool).await?
        });
        let mut out = Vec::new();
        for row in rows {
            let r = public(row)?;
            let wanted = (q.service_codes.is_empty() || q.service_codes.iter().any(|c| c == r.service_code))
                && (q.statuses.is_empty() || q.statuses.contains(&r.status));
            if wanted {
                out.push(r);
            }
            if out.len() as i64 >= MAX_LIST {
                break;
            }
        }
        Ok(out)
    }
}
