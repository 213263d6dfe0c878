//! The queue of open work items and its filter.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// Which items the queue shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub kind: Option<crate::domain::work::WorkKind>,
    pub creditor_id: Option<i64>,
    pub class_key: Option<String>,
    /// `Some(None)`: nobody's; `Some(Some(id))`: that person's.
    pub assignee: Option<Option<i64>>,
    /// Zero-based.
    pub page: u32,
    pub per_page: u32,
}

/// The queue of open work items.
#[async_trait]
pub trait WorkQueue: Send + Sync {
    /// One page of open work items of the agency's cases, in queue order, with each case's
    /// balance on `today` (running interest included), and the total count.
    async fn queue(
        &self,
        agency_id: i64,
        filter: &QueueFilter,
        today: chrono::NaiveDate,
    ) -> StoreResult<(Vec<crate::dto::QueueItem>, u64)>;
    /// The creditors the agency serves (id, name), for filters.
    async fn creditors(&self, agency_id: i64) -> StoreResult<Vec<(i64, String)>>;
    /// Assigns an open work item of the agency to `assignee` (a staff member of the same agency)
    /// or to nobody. False when no such item or person exists in the agency.
    async fn assign(
        &self,
        agency_id: i64,
        item_id: i64,
        assignee: Option<i64>,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
}
