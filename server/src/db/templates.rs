//! The agency's reply templates (port `Templates`).

use super::{store_err, Db};
use app::server::ports::{AuditEntry, StoreResult, Template, Templates};
use async_trait::async_trait;

#[async_trait]
impl Templates for Db {
    async fn templates(&self, agency_id: i64) -> StoreResult<Vec<Template>> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT key, language, class_key, title, body FROM templates WHERE agency_id = $1
             ORDER BY key, language, class_key",
        )
        .bind(agency_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("list templates"))?;
        Ok(rows
            .into_iter()
            .map(|(key, language, class_key, title, body)| Template {
                key,
                language,
                class_key,
                title,
                body,
            })
            .collect())
    }

    async fn save_template(
        &self,
        agency_id: i64,
        t: Template,
        staff_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let query = sqlx::query(
            "INSERT INTO templates (agency_id, key, language, class_key, title, body, updated_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (agency_id, key, language, class_key)
             DO UPDATE SET title = excluded.title, body = excluded.body, updated_by = excluded.updated_by,
                           updated_at = excluded.updated_at",
        )
        .bind(agency_id)
        .bind(t.key)
        .bind(t.language)
        .bind(t.class_key)
        .bind(t.title)
        .bind(t.body)
        .bind(staff_id)
        .bind(audit.at_ms);
        self.execute_audited("save template", query, &audit)
            .await
            .map(|_| ())
    }
}
