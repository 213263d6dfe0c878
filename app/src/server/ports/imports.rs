//! Hand-over files a creditor uploads, imported in the background.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

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
