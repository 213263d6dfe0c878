//! A handler's case: what it shows, and the actions on it.

use super::{Effects, NewPlan, QueuedEmail, StoreResult, Stored};
use crate::domain::case_state::CaseState;
use crate::domain::Money;
use async_trait::async_trait;
use chrono::NaiveDate;

/// The specific change a handler action makes, besides the common effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseChange {
    /// Nothing beyond the effects (a hold, a note of a phone call, a write-off, …).
    Nothing,
    /// A reply in the case conversation.
    Message { body: String },
    /// Accepts or declines the debtor's proposal `plan_id` (it must still be `proposed`).
    PlanDecision {
        plan_id: i64,
        accept: bool,
        note: Option<String>,
    },
    /// Replaces the proposal `replaces` by a handler's counter-offer (state `countered`).
    Counter { replaces: i64, plan: NewPlan },
    /// Answers the open dispute `dispute_id`; in the debtor's favour with item corrections
    /// `(item id, new amount in minor units)`, every one with `reason`.
    Dispute {
        dispute_id: i64,
        upheld: bool,
        answer: String,
        corrections: Vec<(i64, i64)>,
    },
    /// Writes off everything still open (running interest up to today charged first): one
    /// write-down per item with `reason`, ledger entries, no payment.
    WriteOff { reason: String },
    /// Confirms a payment the debtor reported (booked as a payment) or reports it not found.
    PaymentClaim { claim_id: i64, confirmed: bool },
    /// Asks the creditor to approve the debtor's proposal `plan_id` (still `proposed`), with the
    /// handler's recommendation and reasons; once per plan.
    PlanApproval {
        plan_id: i64,
        recommend_approve: bool,
        note: String,
    },
}

/// One handler action: stored once per form key, applied with its effects, the work items it
/// answers and the email to the debtor — all in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerAction {
    pub case_id: i64,
    pub staff_id: i64,
    pub kind: &'static str,
    pub submission_key: String,
    pub change: CaseChange,
    pub effects: Effects,
    /// Holds with these reasons end with the action.
    pub lift_holds: Vec<crate::domain::case_state::HoldReason>,
    /// Open work items of these kinds on the case are done with the action.
    pub done: Vec<crate::domain::work::WorkKind>,
    pub email: Option<QueuedEmail>,
    /// The portal's address, for the links of emails a booking writes (thank-you when paid).
    pub base_url: String,
}

/// What a handler action on a case needs to know first. Only found for cases of the staff
/// member's own agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerCase {
    pub case_id: i64,
    pub state: CaseState,
    pub reference: String,
    pub creditor_name: String,
    pub class_key: Option<String>,
    pub escalation_needs_consent: bool,
    pub debtor_id: i64,
    pub debtor_name: String,
    pub debtor_email: Option<String>,
    pub debtor_language: crate::domain::Language,
    pub time_zone: String,
    /// Open disputes: id.
    pub open_disputes: Vec<i64>,
    /// Reported payments still being checked: id, date, amount.
    pub open_payment_claims: Vec<(i64, NaiveDate, Money)>,
    /// Claim items that can be corrected: id, description, amount.
    pub items: Vec<(i64, String, Money)>,
}

/// A handler's case: what it shows, and the actions on it.
#[async_trait]
pub trait HandlerCases: Send + Sync {
    /// The id of the case with this reference, if it belongs to a creditor of `agency_id`.
    async fn case_by_reference(&self, agency_id: i64, reference: &str) -> StoreResult<Option<i64>>;
    /// The case if it belongs to a creditor of `agency_id`.
    async fn handler_case(&self, agency_id: i64, case_id: i64) -> StoreResult<Option<HandlerCase>>;
    /// Everything the handler's case page shows besides the claim breakdown and the dialogue.
    async fn case_work(&self, case_id: i64) -> StoreResult<crate::dto::CaseWork>;
    async fn apply_action(&self, action: HandlerAction) -> StoreResult<Stored>;
    /// An attachment of a case of `agency_id`: file name, content type, bytes.
    async fn staff_attachment(
        &self,
        agency_id: i64,
        attachment_id: i64,
    ) -> StoreResult<Option<(String, String, Vec<u8>)>>;
}
