//! Instalment plans: the debtor's proposal, the handler's counter-offer, and the creditor's approval
//! of a proposal outside the class's rules.

use super::{Effects, StoreResult, Stored};
use crate::domain::Money;
use async_trait::async_trait;

/// A plan as stored (the same shape pages show).
pub type StoredPlan = crate::dto::PlanView;

/// What deciding a plan proposal needs to know about the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanContextData {
    pub balance: Money,
    pub bands: Vec<crate::domain::plan::PolicyBand>,
    pub reply_days: u32,
    pub reference: String,
    pub debtor_id: i64,
    pub debtor_name: String,
    pub debtor_email: Option<String>,
    pub debtor_language: crate::domain::Language,
    pub time_zone: String,
    /// The latest plan that is proposed, countered or agreed, if any.
    pub open_plan: Option<StoredPlan>,
}

/// An email to queue together with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEmail {
    pub dedupe_key: String,
    pub debtor_id: i64,
    pub to: String,
    pub time_zone: String,
    pub subject: String,
    pub text: String,
    /// Texts with a personal link carry [`crate::server::credentials::LINK_PLACEHOLDER`] in
    /// place of its token: the relay mints the token when it sends.
    pub html: String,
    /// The portal's host name, for the Message-ID.
    pub host: String,
}

/// A plan to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    /// `agreed` or `proposed`.
    pub state: &'static str,
    pub request: crate::domain::plan::PlanRequest,
    pub schedule: Vec<crate::domain::plan::Instalment>,
    pub cost: Money,
    pub reasons: Vec<crate::domain::plan::PlanReason>,
    pub cost_notice_seen_at: i64,
}

/// Storage for instalment plans.
#[async_trait]
pub trait Plans: Send + Sync {
    async fn plan_context(
        &self,
        case_id: i64,
        today: chrono::NaiveDate,
    ) -> StoreResult<Option<PlanContextData>>;
    /// Stores a debtor's proposal with its effects (and the confirmation email), all or nothing.
    async fn store_plan(
        &self,
        case_id: i64,
        submission_key: &str,
        plan: NewPlan,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored>;
    /// Accepts or declines a handler's counter-offer `plan_id` of `case_id`.
    async fn answer_counter(
        &self,
        case_id: i64,
        plan_id: i64,
        accept: bool,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored>;
}

/// A plan approval waiting for the creditor: the handler asked about a debtor's proposal outside
/// the class's rules, and the proposal is still open.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanApprovalRequest {
    pub id: i64,
    pub case_id: i64,
    pub reference: String,
    pub debtor_name: String,
    pub class_key: Option<String>,
    pub requested_at_ms: i64,
    pub recommend_approve: bool,
    /// The handler's reasons.
    pub note: String,
    pub handler_name: String,
    pub consent_days: u32,
    pub default: crate::domain::work::PlanConsentDefault,
    pub plan: crate::dto::PlanView,
}

/// The creditor's inbox of plan approvals.
#[async_trait]
pub trait PlanApprovals: Send + Sync {
    /// Open plan approvals of the creditor's cases whose proposal is still open, oldest first.
    async fn plan_approval_requests(
        &self,
        creditor_id: i64,
    ) -> StoreResult<Vec<PlanApprovalRequest>>;
    /// Open plan approvals of every creditor whose class's deadline has passed at `now_ms`:
    /// creditor, approval, case, and whether the class's default approves it.
    async fn overdue_plan_approvals(&self, now_ms: i64) -> StoreResult<Vec<(i64, i64, i64, bool)>>;
    /// Records the answer with its effects (a timeline entry, the audit entry, a work item for
    /// the handlers) in one transaction; only for the open approval `approval_id` of a case of
    /// `creditor_id`.
    async fn decide_plan_approval(
        &self,
        creditor_id: i64,
        approval_id: i64,
        decision: super::CreditorDecision,
        effects: Effects,
    ) -> StoreResult<Stored>;
}
