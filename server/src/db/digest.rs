//! The staff digest (port `StaffDigest`): who asked for it, and its emails.

use super::outbox::{enqueue_email, NewEmail};
use super::team::{StaffRow, STAFF_COLUMNS};
use super::{store_err, Db};
use app::dto::StaffMember;
use app::server::ports::{AuditEntry, StaffDigest, StaffEmail, StoreResult};
use async_trait::async_trait;

#[async_trait]
impl StaffDigest for Db {
    async fn set_digest(&self, staff_id: i64, on: bool, audit: AuditEntry) -> StoreResult<()> {
        let query =
            sqlx::query("UPDATE staff_users SET digest = $2, updated_at = $3 WHERE id = $1")
                .bind(staff_id)
                .bind(i64::from(on))
                .bind(audit.at_ms);
        self.execute_audited("set digest", query, &audit)
            .await
            .map(|_| ())
    }

    async fn digest_subscribers(&self) -> StoreResult<Vec<StaffMember>> {
        let rows: Vec<StaffRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff_users WHERE digest = 1 AND active = 1 ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await
        .map_err(store_err("list digest subscribers"))?;
        Ok(rows.into_iter().map(StaffMember::from).collect())
    }

    async fn email_queued(&self, dedupe_key: &str) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM outbox WHERE dedupe_key = $1")
            .bind(dedupe_key)
            .fetch_optional(self.pool())
            .await
            .map_err(store_err("look up queued email"))?;
        Ok(found.is_some())
    }

    async fn queue_staff_email(&self, e: StaffEmail, now_ms: i64) -> StoreResult<bool> {
        let err = store_err("queue staff email");
        let mut tx = self.begin_write().await.map_err(&err)?;
        let queued = enqueue_email(
            &mut tx,
            &NewEmail {
                dedupe_key: &e.dedupe_key,
                case_id: None,
                debtor_id: None,
                to: &e.to,
                time_zone: &e.time_zone,
                subject: &e.subject,
                text: &e.text,
                html: &e.html,
                host: &e.host,
                now_ms,
            },
        )
        .await
        .map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(queued)
    }
}
