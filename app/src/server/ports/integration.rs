//! How a creditor's systems talk to Rapport: API keys, hand-over files, webhooks, remittance
//! reports.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// A new API key as stored: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub creditor_id: i64,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    /// The creditor's user; `None` when created on the command line.
    pub created_by: Option<i64>,
    pub at_ms: i64,
}

/// The creditor's API keys.
#[async_trait]
pub trait ApiKeys: Send + Sync {
    /// The creditor's API keys, newest first.
    async fn api_keys(&self, creditor_id: i64) -> StoreResult<Vec<crate::dto::ApiKeyView>>;
    /// Stores a new key (its hash) with the audit entry, in one transaction; returns its id.
    async fn create_api_key(&self, key: NewApiKey, audit: AuditEntry) -> StoreResult<i64>;
    /// Revokes a key of `creditor_id` with the audit entry; false when there is no such live key.
    async fn revoke_api_key(
        &self,
        creditor_id: i64,
        key_id: i64,
        user_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// The creditor of the live key with this hash, noting the use at `now_ms`.
    async fn creditor_for_api_key(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<i64>>;
}

/// A hand-over file as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportUpload {
    pub creditor_id: i64,
    pub user_id: i64,
    pub filename: String,
    pub content: Vec<u8>,
    /// Import the valid rows even if others have problems.
    pub partial: bool,
    pub at_ms: i64,
}

/// Hand-over files imported in the background.
#[async_trait]
pub trait Imports: Send + Sync {
    /// Starts importing a hand-over file for `creditor_id` in the background; returns the job.
    async fn start_import(&self, upload: ImportUpload, audit: AuditEntry) -> StoreResult<i64>;
    /// One import of the creditor (with the full report).
    async fn import_job(
        &self,
        creditor_id: i64,
        job_id: i64,
    ) -> StoreResult<Option<crate::dto::ImportJobView>>;
    /// The creditor's newest `limit` imports (reports left out).
    async fn import_jobs(
        &self,
        creditor_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<crate::dto::ImportJobView>>;
}

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

/// The creditor's remittance reports.
#[async_trait]
pub trait Remittances: Send + Sync {
    /// The creditor's remittance reports, newest first, and what was collected since the last.
    async fn remittances(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Vec<crate::dto::RemittanceView>, i64)>;
    /// One report of `creditor_id` with its payments; `None` for another creditor's or no report.
    async fn remittance(
        &self,
        creditor_id: i64,
        remittance_id: i64,
    ) -> StoreResult<Option<(crate::dto::RemittanceView, Vec<crate::dto::RemittanceLine>)>>;
}
