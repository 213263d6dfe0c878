//! The agency's own settings: its name and its promised answer time.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// The agency's name and promised answer time.
#[async_trait]
pub trait AgencySettings: Send + Sync {
    /// The agency's name and promised answer time.
    async fn agency(&self, agency_id: i64) -> StoreResult<Option<(String, u32)>>;
    async fn set_reply_days(&self, agency_id: i64, days: u32, audit: AuditEntry)
        -> StoreResult<()>;
}
