//! The append-only audit log (port `AuditLog`), and the writers every change uses to add its
//! entries in its own transaction.

use super::{store_err, Db};
use app::server::ports::{AuditEntry, AuditLog, StoreResult};
use async_trait::async_trait;
use sqlx::{Any, Transaction};

pub(crate) async fn insert_audit(
    tx: &mut Transaction<'_, Any>,
    a: &AuditEntry,
) -> Result<(), sqlx::Error> {
    insert_audits(tx, &[a]).await
}

/// Writes audit entries as part of `tx`, a hundred per statement.
pub(crate) async fn insert_audits(
    tx: &mut Transaction<'_, Any>,
    entries: &[&AuditEntry],
) -> Result<(), sqlx::Error> {
    super::insert_rows(
        tx,
        "INSERT INTO audit_log (occurred_at, actor_kind, actor_id, case_id, action, detail, request_id, created_at, updated_at)",
        9,
        "",
        entries,
        |q, a| {
            q.bind(a.at_ms)
                .bind(a.actor_kind)
                .bind(a.actor_id.as_deref())
                .bind(a.case_id)
                .bind(a.action)
                .bind(a.detail.as_str())
                .bind(a.request_id.as_deref())
                .bind(a.at_ms)
                .bind(a.at_ms)
        },
    )
    .await
    .map(|_| ())
}

#[async_trait]
impl AuditLog for Db {
    async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()> {
        let err = store_err("append audit entry");
        let mut tx = self.begin_write().await.map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)
    }
}

/// An audit entry of work the operator or a background job did (`actor_id`: `cli`, `import`, …),
/// about no single case.
pub(crate) fn system_entry(
    now_ms: i64,
    actor_id: &str,
    action: &'static str,
    detail: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        at_ms: now_ms,
        actor_kind: "system",
        actor_id: Some(actor_id.to_string()),
        case_id: None,
        action,
        detail: detail.to_string(),
        request_id: None,
    }
}
