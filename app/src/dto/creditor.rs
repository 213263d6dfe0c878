//! What the creditor portal shows: decisions, API keys, classes, the overview, webhooks, imports,
//! the team and remittance reports.

use super::dialogue::PlanView;
use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    /// Statutory default interest runs from the first day of default until paid.
    pub running_interest: bool,
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
