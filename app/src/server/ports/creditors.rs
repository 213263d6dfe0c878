//! The creditors: their names, owners, and the cases they steer (class, pause).

use super::{AuditEntry, Effects, StoreResult, Stored};
use crate::domain::case_state::CaseState;
use async_trait::async_trait;

/// An active owner of a creditor (the weekly digest goes to them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorOwner {
    pub creditor_id: i64,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub creditor_name: String,
}

/// The creditors and their owners.
#[async_trait]
pub trait Creditors: Send + Sync {
    /// The active owners of every creditor: creditor, user, email, name, creditor's name.
    async fn creditor_owners(&self) -> StoreResult<Vec<CreditorOwner>>;
    /// The creditor's name, if the creditor exists.
    async fn creditor_name(&self, creditor_id: i64) -> StoreResult<Option<String>>;
}

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
    /// or all of them, and how many match.
    async fn overview_rows(
        &self,
        creditor_id: i64,
        filter: &crate::dto::OverviewFilter,
        page: Option<(u32, u32)>,
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

/// The creditor's treatment classes.
#[async_trait]
pub trait Classes: Send + Sync {
    /// The creditor's treatment classes in the order they were made.
    async fn classes(&self, creditor_id: i64) -> StoreResult<Vec<crate::dto::ClassSettings>>;
    /// Stores a class's new settings with the audit entry, only for a class of `creditor_id`
    /// whose bands and reminders are still those of `expected` (so two owners editing at once do
    /// not overwrite each other unseen); false when there is no such class or it changed meanwhile.
    async fn update_class(
        &self,
        creditor_id: i64,
        class: &crate::dto::ClassSettings,
        expected: &crate::dto::ClassSettings,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
}
