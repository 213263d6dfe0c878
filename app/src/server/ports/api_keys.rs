//! A creditor's API keys for the REST API.

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
