//! The dated legal tables (base rates, statutory interest parameters).

use super::StoreResult;
use crate::domain::interest::{BaseRate, StatutoryParameters};
use async_trait::async_trait;

/// The dated legal tables (base rates, statutory interest parameters).
#[async_trait]
pub trait LegalTables: Send + Sync {
    /// Every base-rate row, oldest first.
    async fn base_rates(&self) -> StoreResult<Vec<BaseRate>>;

    /// Adds the rate for a half-year, or corrects it, recording where it comes from.
    async fn set_base_rate(&self, rate: BaseRate, source: &str, now_ms: i64) -> StoreResult<()>;

    /// Every row of statutory parameters, oldest first.
    async fn statutory_parameters(&self) -> StoreResult<Vec<StatutoryParameters>>;
}
