//! The creditor's webhook (signed notices of what happened on its cases) and its deliveries.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// The creditor's webhook and its deliveries.
#[async_trait]
pub trait Webhooks: Send + Sync {
    /// The creditor's webhook address and signing secret.
    async fn webhook_settings(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Option<String>, Option<String>)>;
    /// Sets the webhook address and secret (`None` clears them) with the audit entry.
    async fn set_webhook(
        &self,
        creditor_id: i64,
        url: Option<String>,
        secret: Option<String>,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// The creditor's newest `limit` webhooks.
    async fn webhook_deliveries(
        &self,
        creditor_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<crate::dto::WebhookDeliveryView>>;
    /// Sends a given-up webhook of `creditor_id` again from now on; false when there is none.
    async fn retry_webhook(
        &self,
        creditor_id: i64,
        id: i64,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
}
