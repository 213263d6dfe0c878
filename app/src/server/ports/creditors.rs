//! The creditors: their names and their owners.

use super::StoreResult;
use async_trait::async_trait;

/// An active owner of a creditor (the weekly digest goes to them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorOwner {
    pub creditor_id: i64,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub creditor_name: String,
}

/// The creditors and their owners.
#[async_trait]
pub trait Creditors: Send + Sync {
    /// The active owners of every creditor: creditor, user, email, name, creditor's name.
    async fn creditor_owners(&self) -> StoreResult<Vec<CreditorOwner>>;
    /// The creditor's name, if the creditor exists.
    async fn creditor_name(&self, creditor_id: i64) -> StoreResult<Option<String>>;
}
