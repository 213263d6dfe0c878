//! The agency's own settings, reply templates and the staff digest.

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

/// A reply template as stored (the same shape pages show).
pub type Template = crate::dto::TemplateView;

/// The agency's reply templates.
#[async_trait]
pub trait Templates: Send + Sync {
    async fn templates(&self, agency_id: i64) -> StoreResult<Vec<Template>>;
    async fn save_template(
        &self,
        agency_id: i64,
        template: Template,
        staff_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<()>;
}

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
