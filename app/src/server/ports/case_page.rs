//! What the debtor's case page shows.

use super::{DunningCase, StoreResult};
use crate::dto::{CaseView, DialogueView};
use async_trait::async_trait;
use chrono::NaiveDate;

/// The debtor's case page.
#[async_trait]
pub trait CasePages: Send + Sync {
    /// Everything the debtor's case page shows, as of `today`.
    async fn case_view(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CaseView>>;
    /// The case view, the dialogue and the engine's view of the case together, read on one
    /// connection (`None` when the case does not exist). The debtor's case page reads this on
    /// every visit: a connection taken from the pool is tested when it goes back, so three reads
    /// on three connections cost three more round trips than three on one.
    async fn case_page(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CasePage>>;
}

/// What [`DebtorStore::case_page`] reads.
#[derive(Debug, Clone)]
pub struct CasePage {
    pub case: CaseView,
    pub dialogue: DialogueView,
    pub dunning: Option<DunningCase>,
}
