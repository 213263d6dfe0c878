//! Remittance reports: what was collected for a creditor and passed on.

use super::StoreResult;
use async_trait::async_trait;

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
