//! The daily digest of a staff member's queue.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// An email to a staff member (no debtor, no case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEmail {
    pub dedupe_key: String,
    pub to: String,
    pub time_zone: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub host: String,
}

/// The daily digest of a staff member's queue.
#[async_trait]
pub trait StaffDigest: Send + Sync {
    async fn set_digest(&self, staff_id: i64, on: bool, audit: AuditEntry) -> StoreResult<()>;
    /// Active staff who asked for the daily digest of their queue.
    async fn digest_subscribers(&self) -> StoreResult<Vec<crate::dto::StaffMember>>;
    /// Whether an email with this dedupe key was queued already.
    async fn email_queued(&self, dedupe_key: &str) -> StoreResult<bool>;
    /// Queues an email to a staff member (idempotent by `dedupe_key`); true if queued now.
    async fn queue_staff_email(&self, email: StaffEmail, now_ms: i64) -> StoreResult<bool>;
}
