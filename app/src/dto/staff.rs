//! What the agency's staff see: the queue, a handler's case, templates, settings and bank entries.

use super::debtor::CaseView;
use super::dialogue::{AttachmentView, ContactView, DialogueView, PlanView};
use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A staff account as lists and the account page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: i64,
    pub agency_id: i64,
    pub email: String,
    pub display_name: String,
    /// `handler`, `supervisor` or `admin`.
    pub role: String,
    pub active: bool,
    /// Whether a daily email digest of the queue is wanted.
    pub digest: bool,
    /// Sessions that proved the password before this instant are void (epoch ms).
    pub sessions_valid_after_ms: i64,
}

/// One line of the work queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: i64,
    pub case_id: i64,
    pub reference: String,
    pub debtor_name: String,
    pub creditor_name: String,
    /// Why it is in the queue, as a `WorkKind` code.
    pub kind: String,
    pub class_key: Option<String>,
    pub class_name: Option<(String, String)>,
    pub due_at_ms: i64,
    pub assignee: Option<(i64, String)>,
    /// The balance: every claim item less every payment, as on the case page.
    pub balance: Option<Money>,
}

/// The work queue page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub now_ms: i64,
    pub creditors: Vec<(i64, String)>,
    pub staff: Vec<(i64, String)>,
    pub me: i64,
    pub form_key: String,
}

/// A plan as the handler sees it, with its id and decision note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerPlan {
    pub plan: PlanView,
    pub at_ms: i64,
    pub note: Option<String>,
    /// The request for the creditor's approval, if the handler made one.
    pub approval: Option<PlanApprovalView>,
}

/// A request for the creditor's approval of a plan, as the handler sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanApprovalView {
    pub requested_at_ms: i64,
    pub recommend_approve: bool,
    pub note: String,
    /// `open`, `approved` or `declined`.
    pub state: String,
    /// The creditor's comment.
    pub comment: String,
    /// Whether the class's default decided because nobody answered in time.
    pub by_default: bool,
    pub decided_at_ms: Option<i64>,
}

/// A payment the debtor reported as made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentClaimView {
    pub id: i64,
    pub paid_on: NaiveDate,
    pub amount: Money,
    pub note: String,
    /// `open`, `confirmed` or `not_found`.
    pub state: String,
    pub attachments: Vec<AttachmentView>,
}

/// An open work item on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenWork {
    pub id: i64,
    pub kind: String,
    pub due_at_ms: i64,
    pub assignee: Option<String>,
}

/// A handler action as recorded (who, when, what).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRecord {
    pub kind: String,
    pub staff_name: String,
    pub at_ms: i64,
}

/// What only the handler's case page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseWork {
    pub plans: Vec<HandlerPlan>,
    pub payment_claims: Vec<PaymentClaimView>,
    pub open_work: Vec<OpenWork>,
    pub actions: Vec<ActionRecord>,
    /// Items that can be corrected: id, description, amount.
    pub items: Vec<(i64, String, Money)>,
    /// Emails to the debtor the mail server would not take (dead letters): when, to whom, why.
    pub failed_emails: Vec<(i64, String, String)>,
}

/// A reply template rendered for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedTemplate {
    pub key: String,
    pub title: String,
    pub body: String,
}

/// The handler's case page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerCaseView {
    pub case_id: i64,
    pub state: String,
    pub class_key: Option<String>,
    pub escalation_needs_consent: bool,
    pub case: CaseView,
    pub dialogue: DialogueView,
    pub contact: ContactView,
    pub work: CaseWork,
    pub templates: Vec<RenderedTemplate>,
    /// Incoming payments Rapport could not book that may belong to this case.
    pub bank_entries: Vec<BankEntryView>,
    /// Whether the viewer may download the debtor's data (Art. 15 GDPR): supervisors and admins.
    pub can_export: bool,
    pub form_key: String,
}

/// The templates page: every template, and the preview asked for (rendered text or the message
/// saying why it could not be rendered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatesPage {
    pub templates: Vec<TemplateView>,
    pub preview: Option<Result<String, String>>,
}

/// A reply template as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub key: String,
    /// `de` or `en`.
    pub language: String,
    /// `""` for every class.
    pub class_key: String,
    pub title: String,
    pub body: String,
}

/// The agency's settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPage {
    pub name: String,
    pub reply_days: u32,
    /// The first day of a half-year whose base rate (§ 247 BGB) is missing and begins within a
    /// month or has begun: running default interest stops the day before until it is entered.
    pub missing_base_rate: Option<chrono::NaiveDate>,
}

/// What a bank statement import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementImportView {
    pub id: i64,
    pub file_name: String,
    /// e.g. `camt.053.001.08`.
    pub format: String,
    pub entries: u32,
    pub booked: u32,
    /// Entries a person has to look at (unmatched or to review).
    pub open: u32,
    pub duplicates: u32,
    /// Debits and entries the bank has not booked yet.
    pub ignored: u32,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub imported_by: String,
    pub at_ms: i64,
}

/// A bank entry that needs a person: not matched to a case, or matched but to review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankEntryView {
    pub id: i64,
    pub value_date: NaiveDate,
    pub amount: Money,
    pub payer_name: Option<String>,
    pub payer_iban: Option<String>,
    pub remittance: String,
    /// `unmatched` or `review`.
    pub state: String,
    /// Why: `suggestion`, `reversal`, `batch_sum_mismatch`, `currency`, `case_closed` or empty.
    pub note: String,
    /// A case it may belong to: id, reference, debtor's name.
    pub suggestion: Option<(i64, String, String)>,
}

/// `/staff/payments`: the entries that need a person, the recent imports, the upload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentsPage {
    pub entries: Vec<BankEntryView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub imports: Vec<StatementImportView>,
    pub form_key: String,
}
