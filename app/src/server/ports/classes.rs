//! The creditor's treatment classes: how differently its customers are treated.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// The creditor's treatment classes.
#[async_trait]
pub trait Classes: Send + Sync {
    /// The creditor's treatment classes in the order they were made.
    async fn classes(&self, creditor_id: i64) -> StoreResult<Vec<crate::dto::ClassSettings>>;
    /// Stores a class's new settings with the audit entry, only for a class of `creditor_id`
    /// whose bands and reminders are still those of `expected` (so two owners editing at once do
    /// not overwrite each other unseen); false when there is no such class or it changed meanwhile.
    async fn update_class(
        &self,
        creditor_id: i64,
        class: &crate::dto::ClassSettings,
        expected: &crate::dto::ClassSettings,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
}
