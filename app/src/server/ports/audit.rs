//! The append-only audit log.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// Appends to the audit log outside any other change (most entries are written with their change).
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an audit entry on its own.
    async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()>;
}
