//! HMICFRS's own inspection grades of each force, entered by the force's
//! administrators and shown on the report card beside peel's grades. Every
//! change is authorised and audit-logged in the same transaction.

use chrono::{NaiveDate, Utc};
use peel_core::access::{Permission, Target};
use peel_core::report_card::inspection::InspectionGrade;
use serde_json::json;

use crate::audit::{By, append_audit_in};
use crate::handles::Inspections;
use crate::{StoreError, on_db};

#[derive(sqlx::FromRow)]
struct GradeRow {
    force_id: String,
    inspection: String,
    question: String,
    grade: String,
    published_on: String,
    source_url: String,
}

impl GradeRow {
    fn into_grade(self) -> Result<InspectionGrade, StoreError> {
        let published_on = NaiveDate::parse_from_str(&self.published_on, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("inspection grade date {:?}", self.published_on)))?;
        Ok(InspectionGrade {
            force_id: self.force_id,
            inspection: self.inspection,
            question: self.question,
            grade: self.grade,
            published_on,
            source_url: self.source_url,
        })
    }
}

impl Inspections<'_> {
    /// A force's grades, newest inspection first, then by question.
    pub async fn grades(self, force_id: &str) -> Result<Vec<InspectionGrade>, StoreError> {
        let rows: Vec<GradeRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT force_id, inspection, question, grade, published_on, source_url FROM inspection_grades \
                 WHERE force_id = $1 ORDER BY published_on DESC, inspection, question",
            )
            .bind(force_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(GradeRow::into_grade).collect()
    }

    /// Stores a grade (replacing the same inspection and question's),
    /// audited as `inspection.grade.set`: the force's administrators only.
    pub async fn put_grade(self, g: &InspectionGrade, by: &By<'_>) -> Result<(), StoreError> {
        self.0.authorise(by, Permission::RecordInspectionGrades, Target::Force(&g.force_id)).await?;
        if self.0.geography().force(&g.force_id).await?.is_none() {
            return Err(StoreError::NotFound(format!("force {}", g.force_id)));
        }
        let entered_at = Utc::now().to_rfc3339();
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO inspection_grades (force_id, inspection, question, grade, published_on, source_url, entered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (force_id, inspection, question) DO UPDATE SET \
                 grade = excluded.grade, published_on = excluded.published_on, source_url = excluded.source_url, \
                 entered_at = excluded.entered_at",
            )
            .bind(&g.force_id)
            .bind(&g.inspection)
            .bind(&g.question)
            .bind(&g.grade)
            .bind(g.published_on.format("%Y-%m-%d").to_string())
            .bind(&g.source_url)
            .bind(&entered_at)
            .execute(&mut *tx)
            .await?;
            let entry = by.entry(
                "inspection.grade.set",
                format!("force:{}", g.force_id),
                json!({ "inspection": g.inspection, "question": g.question, "grade": g.grade,
                        "published_on": g.published_on.to_string(), "source_url": g.source_url }),
            );
            append_audit_in!(tx, &entry);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a grade entered in error, audited as `inspection.grade.withdraw`.
    pub async fn withdraw_grade(
        self,
        force_id: &str,
        inspection: &str,
        question: &str,
        by: &By<'_>,
    ) -> Result<(), StoreError> {
        self.0.authorise(by, Permission::RecordInspectionGrades, Target::Force(force_id)).await?;
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let gone = sqlx::query("DELETE FROM inspection_grades WHERE force_id = $1 AND inspection = $2 AND question = $3")
                .bind(force_id)
                .bind(inspection)
                .bind(question)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if gone == 0 {
                return Err(StoreError::NotFound(format!("a grade for “{question}” in “{inspection}”")));
            }
            let entry = by.entry(
                "inspection.grade.withdraw",
                format!("force:{force_id}"),
                json!({ "inspection": inspection, "question": question }),
            );
            append_audit_in!(tx, &entry);
            tx.commit().await?;
        });
        Ok(())
    }
}
