//! Escalations that wait for the creditor's consent.

use super::{Effects, QueuedEmail, StoreResult, Stored};
use async_trait::async_trait;

/// An escalation request waiting for the creditor's consent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsentRequest {
    pub case_id: i64,
    pub reference: String,
    pub debtor_name: String,
    pub class_key: Option<String>,
    pub requested_at_ms: i64,
    /// The handler's reasons for the request.
    pub note: String,
    pub handler_name: String,
    /// The class's days to answer and whether "approve" applies without an answer.
    pub consent_days: u32,
    pub default_approve: bool,
}

/// A creditor's answer to what the handlers asked it (an escalation, a plan outside the class's
/// rules) or, after the deadline, the class's default answer: one shape for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorDecision {
    pub case_id: i64,
    /// `None` when the default applied because the deadline passed.
    pub user_id: Option<i64>,
    pub approved: bool,
    pub comment: String,
}

/// The creditor's inbox of escalation requests.
#[async_trait]
pub trait Consents: Send + Sync {
    /// Escalation requests of the creditor's cases, oldest first.
    async fn consent_requests(&self, creditor_id: i64) -> StoreResult<Vec<ConsentRequest>>;
    /// Requests of every creditor whose class's deadline has passed at `now_ms`: creditor, case,
    /// and whether the class's default is to approve.
    async fn overdue_consents(&self, now_ms: i64) -> StoreResult<Vec<(i64, i64, bool)>>;
    /// Records the decision with its effects (the case's new state, a work item for the handlers,
    /// the email to the debtor) in one transaction, once per `submission_key`; only for a case of
    /// `creditor_id`.
    async fn decide_consent(
        &self,
        creditor_id: i64,
        submission_key: &str,
        decision: CreditorDecision,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored>;
}
