//! The creditor's overview: its figures, the list of its cases, and what it changes on one.

use super::{AuditEntry, Effects, StoreResult, Stored};
use crate::domain::case_state::CaseState;
use async_trait::async_trait;

/// A creditor's figures for the overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub by_state: Vec<(String, i64)>,
    pub recovered_minor: i64,
    pub recovered_recent_minor: i64,
    pub passed_on_minor: i64,
    pub open_disputes: i64,
    pub agreed_plans: i64,
    /// Key, German name, English name.
    pub classes: Vec<(String, String, String)>,
}

/// The creditor's overview: figures and the list of cases.
#[async_trait]
pub trait Overview: Send + Sync {
    /// The creditor's figures; `since_ms` starts the "recent" period.
    async fn overview_figures(&self, creditor_id: i64, since_ms: i64) -> StoreResult<Figures>;
    /// The creditor's cases matching `filter`, newest first: one page (`Some((page, per_page))`)
    /// or all of them, and how many match; what each case claims includes the running interest
    /// up to `today`.
    async fn overview_rows(
        &self,
        creditor_id: i64,
        filter: &crate::dto::OverviewFilter,
        page: Option<(u32, u32)>,
        today: chrono::NaiveDate,
    ) -> StoreResult<(Vec<crate::dto::OverviewRow>, i64)>;
}

/// What a creditor changes on one of its cases.
#[async_trait]
pub trait CreditorCases: Send + Sync {
    /// The state of a case of `creditor_id`; `None` for another creditor's or no case.
    async fn case_state(&self, creditor_id: i64, case_id: i64) -> StoreResult<Option<CaseState>>;
    /// Moves a running case of `creditor_id` into the creditor's class `class_key`, with a
    /// timeline entry and the audit entry; false when there is no such running case or class.
    async fn move_case(
        &self,
        creditor_id: i64,
        case_id: i64,
        class_key: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// Places the creditor's pause (the hold in `effects`) on a case of `creditor_id`, with its
    /// timeline event and audit entry; `StateChanged` when the case moved on meanwhile.
    async fn pause_case(
        &self,
        creditor_id: i64,
        case_id: i64,
        effects: Effects,
    ) -> StoreResult<Stored>;
}
