//! Data shapes sent from the server to pages (the results of server functions).
//!
//! Plain serde structs built from domain values; no behaviour beyond what a page needs to show them.

use crate::domain::claim::{Breakdown, ItemKind};
use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A postal address as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}

/// Who the claim is owed to, as § 13a RDG requires it to be named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditorView {
    pub name: String,
    pub address: Address,
}

/// How an interest item was calculated (§ 13a (1) no. 3 RDG).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestDetail {
    /// The interest-bearing amount.
    pub base: Money,
    /// The yearly rate in basis points.
    pub rate_bp: i64,
    pub from: NaiveDate,
    /// Exclusive: interest runs up to the day before.
    pub to: NaiveDate,
}

/// One line of a claim: principal, interest or a cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub kind: ItemKind,
    pub description: String,
    pub legal_basis: Option<String>,
    pub date: NaiveDate,
    pub amount: Money,
    pub interest: Option<InterestDetail>,
    /// Costs that include VAT (the creditor cannot deduct it as input tax).
    pub vat_included: bool,
}

/// One claim (an invoice or other receivable) with its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimView {
    /// What the claim is for (contract subject), e.g. "Bestellung 4711: Wanderschuhe".
    pub subject: String,
    pub contract_date: Option<NaiveDate>,
    pub invoice_number: Option<String>,
    pub due_date: NaiveDate,
    pub items: Vec<ItemView>,
    pub total: Money,
}

/// A payment received on the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub value_date: NaiveDate,
    pub amount: Money,
}

/// Everything the debtor's case page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub reference: String,
    pub as_of: NaiveDate,
    pub debtor_name: String,
    pub creditor: CreditorView,
    pub summary: Breakdown,
    pub claims: Vec<ClaimView>,
    pub payments: Vec<PaymentView>,
    /// The supervisory authority of the agency (§ 13a (1) no. 8 RDG), one line each.
    pub supervisory_authority: Vec<String>,
}

/// One message of the case conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// `debtor` or `handler`.
    pub author: String,
    pub body: String,
    pub at_ms: i64,
    pub attachments: Vec<AttachmentView>,
}

/// A document attached to a message, dispute or payment claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i64,
    pub filename: String,
    pub size_bytes: i64,
}

/// An open or decided dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeView {
    /// `complaint`, `claim_wrong` or `not_my_debt`.
    pub kind: String,
    pub body: String,
    /// `open`, `upheld` or `rejected`.
    pub state: String,
    pub answer_due_on: NaiveDate,
    pub at_ms: i64,
    pub attachments: Vec<AttachmentView>,
}

/// One entry of the case timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub kind: String,
    pub at_ms: i64,
}

/// The dialogue side of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogueView {
    /// The reason for non-payment given last, as its code.
    pub reason: Option<String>,
    /// The case state, as its code.
    pub state: String,
    pub messages: Vec<MessageView>,
    pub disputes: Vec<DisputeView>,
    /// Dates and amounts the debtor reported as already paid, still being checked.
    pub payment_claims: Vec<(NaiveDate, Money)>,
    pub events: Vec<EventView>,
    /// Whether reminders are paused today.
    pub on_hold: bool,
    /// Business days within which the agency promises an answer to a dispute or message.
    pub reply_days: u32,
    /// A fresh random key for the next form on the page; a form sent twice carries the same key
    /// and is stored once.
    pub form_key: String,
}

/// The answer of the public "is this genuine?" check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceCheck {
    /// The creditor the reference belongs to; `None` if no such case exists.
    pub creditor: Option<String>,
    pub agency_name: String,
    pub agency_address: Vec<String>,
    pub agency_email: String,
    pub agency_phone: String,
}

/// What the debtor needs for a bank transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDetails {
    pub payee: String,
    /// In groups of four.
    pub iban: String,
    pub bic: Option<String>,
    pub amount: Money,
    /// The RF creditor reference, in groups of four.
    pub reference: String,
    /// The EPC QR code (GiroCode) as an SVG image; `None` when the amount is zero.
    pub qr_svg: Option<String>,
    /// Whether paying online (by card and the provider's other methods) is offered.
    pub online: bool,
}

/// A plan or deferral as the debtor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub id: i64,
    /// `proposed`, `countered`, `agreed`, `declined`, …
    pub state: String,
    /// `debtor` or `handler`.
    pub proposed_by: String,
    pub request: crate::domain::plan::PlanRequest,
    pub schedule: Vec<crate::domain::plan::Instalment>,
    /// The agreement's cost (§ 13a (3) RDG).
    pub cost: Money,
    pub reasons: Vec<crate::domain::plan::PlanReason>,
}

/// What the plan page needs: the balance and the creditor's rules, so the browser can show the
/// schedule and the decision as the debtor types, and any open plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPageData {
    pub balance: Money,
    pub today: NaiveDate,
    /// The rules for this balance; `None` if the creditor allows no plans for it.
    pub policy: Option<crate::domain::plan::PlanPolicy>,
    pub reply_days: u32,
    pub open_plan: Option<PlanView>,
    pub form_key: String,
}

/// The debtor's contact data as they can see and correct it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub email: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// `de` or `en`.
    pub language: String,
    /// `email` or `letter`.
    pub channel: String,
    pub form_key: String,
}
