//! The debtor's contact data.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// The debtor's contact data.
#[async_trait]
pub trait Contacts: Send + Sync {
    async fn contact(&self, case_id: i64) -> StoreResult<Option<crate::dto::ContactView>>;
    /// Saves the contact data of the case's debtor with a timeline event and an audit entry.
    async fn save_contact(
        &self,
        case_id: i64,
        contact: crate::dto::ContactView,
        audit: AuditEntry,
    ) -> StoreResult<()>;
}
