//! The agency's reply templates.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

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
