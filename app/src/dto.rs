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
    /// The address was researched, not given by the creditor (§ 13a (1) no. 7 RDG).
    pub address_researched: bool,
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
    pub id: i64,
    /// `complaint`, `claim_wrong` or `not_my_debt`.
    pub kind: String,
    pub body: String,
    /// `open`, `upheld` or `rejected`.
    pub state: String,
    pub answer_due_on: NaiveDate,
    pub at_ms: i64,
    pub attachments: Vec<AttachmentView>,
    /// The handler's answer, once given.
    pub answer: Option<String>,
}

/// One entry of the case timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub kind: String,
    pub at_ms: i64,
    /// `debtor`, `staff`, `creditor` or `system`.
    pub actor: String,
    /// For the dunning engine's notices: what was sent (the subject).
    pub subject: Option<String>,
    /// For the dunning engine's notices: `email` or `letter`.
    pub channel: Option<String>,
}

/// What happens next on a case unless the debtor acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WhatNext {
    /// The next notice: `reminder`, `final_notice`, `escalation_request` (the creditor is asked
    /// about court dunning) or `escalation` (the case goes to court dunning), on `on`.
    Step { kind: String, on: NaiveDate },
    /// The next instalment of the agreed plan.
    Instalment {
        number: u32,
        due: NaiveDate,
        amount: Money,
    },
    /// Reminders pause; they resume on `until` unless something else happens.
    PausedUntil { until: NaiveDate },
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
    /// What happens next unless the debtor acts (filled for the debtor's own pages only).
    pub next: Option<WhatNext>,
    /// Whether the debtor answered "How fairly were you treated?" (asked once the case ended).
    pub fairness_answered: bool,
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

/// The staff member's own account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    pub member: StaffMember,
    pub security: AccountSecurity,
}

/// How the signed-in person (staff or a creditor's user) signs in, for their account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSecurity {
    pub email: String,
    /// Two-step sign-in is set up.
    pub two_step: bool,
    /// The portal requires two-step sign-in.
    pub two_step_required: bool,
    /// The set-up still owed before anything else: `password` or `two_step`.
    pub setup: Option<String>,
    /// A new key being set up, waiting for its first code.
    pub enrolment: Option<TwoStepEnrolment>,
    /// Where the account is signed in, the most recently active first.
    pub sessions: Vec<OwnSession>,
}

/// One session of one's own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnSession {
    /// Names the session for ending it (a hash of its id; never the cookie itself).
    pub handle: String,
    pub started_ms: i64,
    pub last_active_ms: i64,
    /// The session of this very request.
    pub current: bool,
}

/// A key for an authenticator app, shown while it is being set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepEnrolment {
    /// Base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` address as a QR code (SVG).
    pub qr_svg: String,
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
}

/// A creditor's user as the portal needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditorMember {
    pub id: i64,
    pub creditor_id: i64,
    pub creditor_name: String,
    pub email: String,
    pub display_name: String,
    /// `owner` or `viewer`.
    pub role: String,
    pub active: bool,
    pub sessions_valid_after_ms: i64,
}

/// The creditor's consent inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentInbox {
    pub member: CreditorMember,
    pub requests: Vec<ConsentItem>,
    /// Plan proposals outside the class's rules the handlers ask about.
    pub plans: Vec<PlanApprovalItem>,
    pub form_key: String,
}

/// One escalation request in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentItem {
    pub case_id: i64,
    pub reference: String,
    pub debtor_name: String,
    pub class_key: Option<String>,
    pub balance: Option<Money>,
    pub requested_at_ms: i64,
    /// When the class's default applies if nobody decides.
    pub deadline_ms: i64,
    /// Whether that default is to approve (else decline).
    pub default_approve: bool,
    pub note: String,
    pub handler_name: String,
}

/// One plan approval in the creditor's inbox: the case, the proposal with its schedule and what
/// lies outside the rules, and the handler's recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanApprovalItem {
    pub id: i64,
    pub case_id: i64,
    pub reference: String,
    pub debtor_name: String,
    pub class_key: Option<String>,
    pub balance: Option<Money>,
    pub requested_at_ms: i64,
    pub deadline_ms: i64,
    /// Whether the class's default approves this request when nobody answers.
    pub default_approve: bool,
    pub recommend_approve: bool,
    pub note: String,
    pub handler_name: String,
    pub plan: PlanView,
}

/// One API key of a creditor as the portal lists it (the key itself is never shown again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at_ms: i64,
    pub created_by: Option<String>,
    pub last_used_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// The creditor's API keys page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysPage {
    pub member: CreditorMember,
    pub keys: Vec<ApiKeyView>,
    /// A key created a moment ago, shown this once.
    pub new_key: Option<String>,
}

/// A treatment class as the creditor edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSettings {
    pub id: i64,
    pub key: String,
    pub name_de: String,
    pub name_en: String,
    /// Business days the handlers have to answer the debtor.
    pub reply_days: u32,
    /// Whether court dunning needs the creditor's consent.
    pub escalation_needs_consent: bool,
    /// Days the creditor has to answer a request.
    pub consent_days: u32,
    /// Whether "approve" applies without an answer (else "decline").
    pub consent_default_approve: bool,
    /// What applies to a plan approval nobody answered by the deadline.
    pub plan_consent_default: crate::domain::work::PlanConsentDefault,
    /// Interest handed over with a claim is not charged (for claims handed over from then on).
    pub waive_interest: bool,
    /// Costs handed over with a claim are not charged.
    pub waive_costs: bool,
    /// The plan rules by balance, smallest limit first; the last band covers any balance.
    pub bands: Vec<crate::domain::plan::PolicyBand>,
    /// The reminders: tone, rhythm, channels.
    pub cadence: crate::domain::dunning::Cadence,
    /// Running cases in the class.
    pub running_cases: i64,
}

/// The creditor's treatment classes page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassesPage {
    pub member: CreditorMember,
    pub classes: Vec<ClassSettings>,
}

/// Which of the creditor's cases the overview lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewFilter {
    /// A case state code, or all.
    pub state: Option<String>,
    /// A treatment class key, or all.
    pub class: Option<String>,
    /// Part of the reference, the debtor's name or the customer number.
    pub query: Option<String>,
    /// From 1.
    pub page: u32,
}

/// One case in the creditor's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub case_id: i64,
    /// The debtor, for the customer's relationship page.
    pub debtor_id: i64,
    pub reference: String,
    pub debtor_name: String,
    pub customer_number: String,
    pub class_key: Option<String>,
    pub state: String,
    /// The claims as handed over (principal, interest and costs recorded), not today's balance.
    pub claimed: Money,
    /// Payments booked on the case.
    pub paid: Money,
    pub handed_over_ms: i64,
}

/// The creditor's figures and one page of cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditorOverview {
    pub member: CreditorMember,
    /// Cases per state code, in the order of the states' life.
    pub by_state: Vec<(String, i64)>,
    /// All payments booked on the creditor's cases.
    pub recovered: Money,
    /// Those of the last 30 days.
    pub recovered_30_days: Money,
    /// Passed on to the creditor in remittance reports.
    pub passed_on: Money,
    pub open_disputes: i64,
    pub agreed_plans: i64,
    /// The creditor's classes (key, German name, English name) for filters and moves.
    pub classes: Vec<(String, String, String)>,
    pub rows: Vec<OverviewRow>,
    /// Cases matching the filter.
    pub matching: i64,
    pub page: u32,
    pub per_page: u32,
    pub form_key: String,
}

/// One webhook in the creditor's delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDeliveryView {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub case_reference: Option<String>,
    /// `pending`, `delivered` or `dead` (given up).
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub delivered_at_ms: Option<i64>,
    pub next_attempt_ms: i64,
}

/// The creditor's webhooks page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksPage {
    pub member: CreditorMember,
    pub url: Option<String>,
    /// The signing secret (owners only).
    pub secret: Option<String>,
    pub deliveries: Vec<WebhookDeliveryView>,
}

/// A hand-over file uploaded in the creditor portal and its import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportJobView {
    pub id: i64,
    pub filename: String,
    pub partial: bool,
    /// `running`, `done` (written), `rejected` (problems, nothing written) or `failed`.
    pub state: String,
    pub rows_read: i64,
    pub imported: i64,
    pub problems: i64,
    /// The report as the command line prints it: one line per problem, then the summary.
    pub report: String,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub uploaded_by: Option<String>,
}

/// What an upload of customer activity did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityImportView {
    pub written: bool,
    pub rows: usize,
    pub created: usize,
    pub unchanged: usize,
    pub problems: usize,
    /// The report as the command line prints it: one line per problem, then the summary.
    pub report: String,
}

/// The filter of the retention dashboard, as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionFilter {
    /// Cases that ended on or after this day (`YYYY-MM-DD`), or all.
    pub from: Option<String>,
    /// Cases that ended on or before this day, or all.
    pub to: Option<String>,
    /// A treatment class key, or all.
    pub class: Option<String>,
}

/// One chart of the dashboard: an accessible SVG drawn on the server, and the id of the table
/// that holds the same data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub svg: String,
    pub table_id: String,
}

/// The creditor's retention dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPage {
    pub member: CreditorMember,
    pub filter: RetentionFilter,
    /// Fields of the filter that could not be read.
    pub filter_problems: Vec<String>,
    /// The creditor's classes: key and name in the page's language.
    pub classes: Vec<(String, String)>,
    pub report: crate::domain::retention::Report,
    pub charts: Vec<Chart>,
    /// The result of an activity upload a moment ago, shown once.
    pub upload: Option<ActivityImportView>,
    /// The satisfaction answers by class and by path.
    pub satisfaction: Vec<SatisfactionGroup>,
}

/// The debtors' answers to "How fairly were you treated?" for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionGroup {
    /// `class` or `path`.
    pub dimension: String,
    pub key: String,
    pub answers: usize,
    /// The average score times 10 (42 = 4.2), if anyone answered.
    pub average_tenths: Option<u32>,
}

/// One case on a customer's relationship page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCase {
    pub reference: String,
    pub state: String,
    pub class_key: Option<String>,
    pub reason: Option<String>,
    pub handed_over_ms: i64,
    pub claimed: Money,
    pub paid: Money,
    pub due_on: Option<NaiveDate>,
    /// The day of the last payment, when the case was paid in full.
    pub paid_on: Option<NaiveDate>,
    /// Days between the due date and full payment (negative: early).
    pub days_late: Option<i64>,
    pub ended_on: Option<NaiveDate>,
    /// `at_once`, `plan` or `dispute` for a case that ended paid.
    pub path: Option<String>,
    pub reminders: i64,
    /// Orders and renewals within 365 days after the case ended: kind, day, amount, days after.
    pub returns: Vec<(String, NaiveDate, Option<Money>, i64)>,
}

/// A customer's relationship page: every case, how they paid over time, the conversation and
/// what they did afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub member: CreditorMember,
    pub name: String,
    pub customer_number: String,
    /// Whether the latest case is in the key-account class.
    pub key_account: bool,
    /// Oldest first.
    pub cases: Vec<CustomerCase>,
    /// `better`, `worse` or `same`: the last case paid in full against the one before; `None`
    /// with fewer than two.
    pub trend: Option<String>,
    /// Case reference, author, text, time; oldest first. The texts are empty unless
    /// `message_texts`.
    pub messages: Vec<(String, String, String, i64)>,
    /// Whether the reader may read the messages' texts (owners only).
    pub message_texts: bool,
    /// Every reported activity: kind, day, amount; oldest first.
    pub activities: Vec<(String, NaiveDate, Option<Money>)>,
}

/// The creditor's import page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportsPage {
    pub member: CreditorMember,
    pub jobs: Vec<ImportJobView>,
}

/// The people of a creditor with access to the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditorTeamPage {
    pub member: CreditorMember,
    pub users: Vec<CreditorMember>,
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

/// A remittance report: what was collected for the creditor in a month and what is passed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemittanceView {
    pub id: i64,
    /// `YYYY-MM`.
    pub period: String,
    pub payments: i64,
    pub collected: Money,
    pub principal: Money,
    pub interest: Money,
    pub costs: Money,
    pub credit: Money,
    pub passed_on: Money,
    pub created_at_ms: i64,
}

/// One payment of a remittance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemittanceLine {
    pub value_date: NaiveDate,
    pub reference: String,
    pub customer_number: Option<String>,
    pub debtor_name: String,
    /// `transfer`, `online`, `reported_transfer`.
    pub method: String,
    pub amount: Money,
    pub principal: Money,
    pub interest: Money,
    pub costs: Money,
    pub credit: Money,
}

/// `/creditor/remittances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemittancesPage {
    pub member: CreditorMember,
    pub remittances: Vec<RemittanceView>,
    /// Collected since the last report (not yet in a report).
    pub pending: Money,
}
