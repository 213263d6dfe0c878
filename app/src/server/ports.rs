//! Ports: what the use-cases need from the outside world, as traits. The `server` crate implements
//! them with sqlx; tests implement them in memory.

use crate::domain::case_state::{CaseState, HoldReason};
use crate::domain::interest::{BaseRate, StatutoryParameters};
use crate::domain::reason::NonPaymentReason;
use crate::domain::text::DocumentType;
use crate::domain::Money;
use crate::dto::{CaseView, DialogueView};
use async_trait::async_trait;
use chrono::NaiveDate;

/// A storage failure. The adapter has already logged the cause; callers only learn that it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage failure")]
pub struct StoreError;

pub type StoreResult<T> = Result<T, StoreError>;

/// The current time. Injected so that lockouts, deadlines and schedules are testable.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_ms(&self) -> i64;
}

/// What is needed to check a debtor's credentials for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    pub case_id: i64,
    pub reference: String,
    /// The expected second factor (the postcode of the debtor's address), normalised.
    pub postcode: String,
    /// Argon2id hashes of the access codes currently valid for the case (one per letter sent).
    pub code_hashes: Vec<String>,
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at_ms: i64,
    /// `debtor`, `staff`, `creditor` or `system`.
    pub actor_kind: &'static str,
    pub actor_id: Option<String>,
    pub case_id: Option<i64>,
    /// What happened, e.g. `debtor.verify`.
    pub action: &'static str,
    /// Details as a JSON object (never secrets).
    pub detail: String,
    pub request_id: Option<String>,
}

/// Storage for the debtor side of the portal.
#[async_trait]
pub trait DebtorStore: Send + Sync {
    /// The case whose valid (unexpired, unrevoked) link token has this SHA-256 hash.
    async fn access_by_token_hash(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<CaseAccess>>;

    /// The case with this reference, with the hashes of its valid access codes.
    async fn access_by_reference(
        &self,
        reference: &str,
        now_ms: i64,
    ) -> StoreResult<Option<CaseAccess>>;

    /// Appends an audit entry on its own.
    async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()>;

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

/// The dated legal tables (base rates, statutory interest parameters).
#[async_trait]
pub trait LegalTables: Send + Sync {
    /// Every base-rate row, oldest first.
    async fn base_rates(&self) -> StoreResult<Vec<BaseRate>>;

    /// Adds the rate for a half-year, or corrects it, recording where it comes from.
    async fn set_base_rate(&self, rate: BaseRate, source: &str, now_ms: i64) -> StoreResult<()>;

    /// Every row of statutory parameters, oldest first.
    async fn statutory_parameters(&self) -> StoreResult<Vec<StatutoryParameters>>;
}

/// An email ready to send: rendered in the recipient's language, with its Message-ID fixed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `<…@…>`, derived from the outbox row's dedupe key, so a resend carries the same id.
    pub message_id: String,
}

/// A claimed outbox message with what the relay needs to decide on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    /// The case the email is about, whose personal link it may carry.
    pub case_id: Option<i64>,
    pub email: OutgoingEmail,
    /// Failed attempts so far.
    pub attempts: u32,
    /// The recipient's IANA time zone, for quiet hours.
    pub time_zone: String,
    /// Whether the recipient opted out of email (checked at send time, not when queued).
    pub opted_out: bool,
}

/// The outbox as the relay sees it. Every method acts only on rows leased by `owner`.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Leases up to `limit` messages that are due (or whose lease expired) to `owner`.
    async fn claim_due(
        &self,
        now_ms: i64,
        lease_ms: i64,
        owner: &str,
        limit: u32,
    ) -> StoreResult<Vec<OutboxItem>>;
    /// Ends a message: `sent`, `dead` (with the last error) or `suppressed` (with the reason).
    async fn mark_final(
        &self,
        id: i64,
        owner: &str,
        state: &str,
        error: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Puts a message back to wait until `at_ms`, recording attempts and the last error.
    async fn reschedule(
        &self,
        id: i64,
        owner: &str,
        at_ms: i64,
        attempts: u32,
        error: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Stores a personal link of `case_id` (the SHA-256 of its token) minted for an email now
    /// being sent; it is valid for 90 days, or until the case ends.
    async fn issue_email_link(
        &self,
        case_id: i64,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<()>;
}

/// Why an email was not accepted by the mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying: a 4xx answer, a timeout, a dropped connection.
    Transient(String),
    /// Not worth retrying: a 5xx answer such as an unknown mailbox.
    Permanent(String),
}

/// Sends one email.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), SendError>;
}

/// What the dialogue use-cases need to know about a case before acting on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStatus {
    pub case_id: i64,
    pub state: CaseState,
    pub reason: Option<NonPaymentReason>,
    /// Business days within which the agency promises an answer (from the treatment class).
    pub reply_days: u32,
}

/// An uploaded document that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub filename: String,
    pub kind: DocumentType,
    pub content: Vec<u8>,
    pub sha256: String,
}

/// What a debtor action changes besides its own row: the case state (only if it is still
/// `expected_state`, so two concurrent actions cannot both apply), a hold, a timeline event and
/// an audit entry — all in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effects {
    pub expected_state: CaseState,
    pub new_state: CaseState,
    pub hold: Option<(HoldReason, chrono::NaiveDate, Option<chrono::NaiveDate>)>,
    pub event_kind: &'static str,
    pub event_detail: String,
    pub audit: AuditEntry,
}

/// The outcome of storing a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored now, with this id.
    New(i64),
    /// The same form was submitted before; nothing changed.
    Duplicate,
    /// The case changed state in the meantime; nothing changed.
    StateChanged,
}

impl Stored {
    /// A submission stored now or before is done; one that met a changed case is a conflict.
    pub fn into_result(self) -> Result<(), crate::error::AppError> {
        match self {
            Stored::New(_) | Stored::Duplicate => Ok(()),
            Stored::StateChanged => Err(crate::error::AppError::Conflict),
        }
    }
}

/// Storage for the debtor's side of the dialogue.
#[async_trait]
pub trait DialogueStore: Send + Sync {
    async fn case_status(&self, case_id: i64) -> StoreResult<Option<CaseStatus>>;
    /// Stores the reason for non-payment (the latest answer counts) with an event and an audit entry.
    async fn record_reason(
        &self,
        case_id: i64,
        reason: NonPaymentReason,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    async fn add_message(
        &self,
        case_id: i64,
        submission_key: &str,
        body: &str,
        files: Vec<NewAttachment>,
        effects: Effects,
    ) -> StoreResult<Stored>;
    /// Stores the debtor's answer to the fairness question (1–5, optional comment) with the
    /// audit entry; a case answers once (a second answer is `Duplicate` and changes nothing).
    async fn answer_fairness(
        &self,
        case_id: i64,
        score: u8,
        comment: &str,
        audit: AuditEntry,
    ) -> StoreResult<Stored>;
    #[allow(clippy::too_many_arguments)]
    async fn open_dispute(
        &self,
        case_id: i64,
        submission_key: &str,
        kind: &str,
        body: &str,
        answer_due_on: chrono::NaiveDate,
        files: Vec<NewAttachment>,
        effects: Effects,
    ) -> StoreResult<Stored>;
    #[allow(clippy::too_many_arguments)]
    async fn claim_payment(
        &self,
        case_id: i64,
        submission_key: &str,
        paid_on: chrono::NaiveDate,
        amount: Money,
        note: &str,
        files: Vec<NewAttachment>,
        effects: Effects,
    ) -> StoreResult<Stored>;
    /// Messages, disputes, payment claims and the timeline of a case.
    async fn dialogue(&self, case_id: i64, today: chrono::NaiveDate) -> StoreResult<DialogueView>;
    /// An attachment of `case_id` (never of another case): file name, content type, bytes.
    async fn attachment(
        &self,
        case_id: i64,
        attachment_id: i64,
    ) -> StoreResult<Option<(String, String, Vec<u8>)>>;
    /// The creditor's name for a case reference, for the public "is this genuine?" check.
    async fn creditor_for_reference(&self, reference: &str) -> StoreResult<Option<String>>;
}

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
pub trait PlanStore: Send + Sync {
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

/// The debtor's contact data.
#[async_trait]
pub trait ContactStore: Send + Sync {
    async fn contact(&self, case_id: i64) -> StoreResult<Option<crate::dto::ContactView>>;
    /// Saves the contact data of the case's debtor with a timeline event and an audit entry.
    async fn save_contact(
        &self,
        case_id: i64,
        contact: crate::dto::ContactView,
        audit: AuditEntry,
    ) -> StoreResult<()>;
}

/// A checkout to open at the payment provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub case_id: i64,
    pub reference: String,
    pub amount: Money,
    pub description: String,
    pub success_url: String,
    pub cancel_url: String,
    /// `de` or `en`: the language of the provider's page.
    pub locale: String,
    /// Derived from our own row, so a retry asks for the same session.
    pub idempotency_key: String,
}

/// A hosted checkout page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    pub url: String,
}

/// The provider failed or refused (already logged by the adapter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payment provider failure")]
pub struct ProviderError;

/// A virus scanner for uploaded documents (ClamAV's clamd in production).
#[async_trait]
pub trait VirusScanner: Send + Sync {
    /// `Ok(None)`: nothing found; `Ok(Some(name))`: the name of what was found; `Err`: no
    /// verdict (the scanner is unreachable or refused the file), with the reason for the log.
    async fn scan(&self, content: &[u8]) -> Result<Option<String>, String>;
}

/// A payment provider with hosted checkout pages.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> &'static str;
    async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, ProviderError>;
}

/// A checkout row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlinePayment {
    pub id: i64,
    pub case_id: i64,
    pub amount: Money,
    /// `created`, `open`, `paid`, …
    pub state: String,
}

/// What booking a provider event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booking {
    /// The payment was booked on this case.
    Booked(i64),
    /// This event was processed before; nothing changed.
    Duplicate,
}

/// Storage for online payments.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Writes the checkout row before the provider is called; its id makes the idempotency key.
    async fn create_online_payment(
        &self,
        case_id: i64,
        provider: &str,
        amount: Money,
        now_ms: i64,
    ) -> StoreResult<i64>;
    async fn attach_session(&self, id: i64, session_id: &str, now_ms: i64) -> StoreResult<()>;
    async fn online_payment_by_session(
        &self,
        session_id: &str,
    ) -> StoreResult<Option<OnlinePayment>>;
    /// Records the provider event once and, the first time, books the payment with its timeline
    /// entry, audit entry and receipt email — all in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn book_provider_payment(
        &self,
        provider: &str,
        event_id: &str,
        event_kind: &str,
        payment: &OnlinePayment,
        value_date: chrono::NaiveDate,
        audit: AuditEntry,
        email: Option<QueuedEmail>,
        base_url: &str,
    ) -> StoreResult<Booking>;
}

/// Who signs in with email and password: the agency's staff or a creditor's people. Both get
/// the same login security; their accounts live in separate tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Staff,
    Creditor,
}

impl Realm {
    /// The session key and the audit actor kind.
    pub fn name(self) -> &'static str {
        match self {
            Realm::Staff => "staff",
            Realm::Creditor => "creditor",
        }
    }
}

/// An account as the login needs it. `tenant_id` is the agency (staff) or the creditor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLogin {
    pub id: i64,
    pub tenant_id: i64,
    pub email: String,
    pub password_hash: String,
    pub active: bool,
    /// The TOTP key (Base32), when two-step sign-in is set up.
    pub totp_secret: Option<String>,
    /// The last TOTP step accepted (a code works only once).
    pub totp_last_step: Option<i64>,
    /// A first password set by someone else, to be replaced at the first sign-in.
    pub must_change_password: bool,
    /// Sessions that proved the password before this instant are void.
    pub sessions_valid_after_ms: i64,
}

/// A staff account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub agency_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: crate::domain::work::Role,
    pub password_hash: String,
}

/// Which items the queue shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub kind: Option<crate::domain::work::WorkKind>,
    pub creditor_id: Option<i64>,
    pub class_key: Option<String>,
    /// `Some(None)`: nobody's; `Some(Some(id))`: that person's.
    pub assignee: Option<Option<i64>>,
    /// Zero-based.
    pub page: u32,
    pub per_page: u32,
}

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

/// A reply template as stored (the same shape pages show).
pub type Template = crate::dto::TemplateView;

/// Whose statement an import may be: the agency, and its account (electronic IBAN) every
/// statement must be of; `None` when none is configured, which refuses every statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementAccount {
    pub agency_id: i64,
    pub iban: Option<String>,
}

/// Storage for the staff side: accounts, the queue, handler actions, templates.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// The account of `realm` with this (lower-cased) email, if any.
    async fn login_by_email(&self, realm: Realm, email: &str) -> StoreResult<Option<StaffLogin>>;
    async fn record_login_success(
        &self,
        realm: Realm,
        account_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// The account of `realm` with this id, as sign-in sees it.
    async fn login_by_id(&self, realm: Realm, account_id: i64) -> StoreResult<Option<StaffLogin>>;
    /// Marks TOTP `step` as used if no later or equal step was; false when it was (a replay).
    async fn use_totp_step(&self, realm: Realm, account_id: i64, step: i64) -> StoreResult<bool>;
    /// Sets up two-step sign-in with `secret`, whose code of `step` confirmed it.
    async fn set_totp(
        &self,
        realm: Realm,
        account_id: i64,
        secret: &str,
        step: i64,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// Gives an account of `realm` in tenant `tenant_id` (agency or creditor) a new first password
    /// (`hash`): two-step sign-in removed, a lock lifted, every session ended. False when the
    /// tenant has no such account.
    async fn reset_sign_in(
        &self,
        realm: Realm,
        tenant_id: i64,
        account_id: i64,
        hash: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// The sessions of an account active since `active_since_ms` and begun since
    /// `started_since_ms`: (key, started, last active), the most recently active first.
    async fn account_sessions(
        &self,
        realm: Realm,
        account_id: i64,
        active_since_ms: i64,
        started_since_ms: i64,
    ) -> StoreResult<Vec<(String, i64, i64)>>;
    /// Ends the account's session with this key; false when the account has none such.
    async fn end_account_session(
        &self,
        realm: Realm,
        account_id: i64,
        key: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    async fn staff_member(&self, staff_id: i64) -> StoreResult<Option<crate::dto::StaffMember>>;
    /// Sets a new password chosen by the account's owner: the first-password mark goes, and
    /// every session that proved the old password ends.
    async fn set_password(
        &self,
        realm: Realm,
        account_id: i64,
        hash: &str,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// Creates an account; `Ok(None)` when the email is taken.
    async fn create_staff(&self, staff: NewStaff, audit: AuditEntry) -> StoreResult<Option<i64>>;
    async fn list_staff(&self, agency_id: i64) -> StoreResult<Vec<crate::dto::StaffMember>>;
    /// Deactivates or reactivates an account of the agency; false when there is none.
    async fn set_staff_active(
        &self,
        agency_id: i64,
        staff_id: i64,
        active: bool,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    async fn set_digest(&self, staff_id: i64, on: bool, audit: AuditEntry) -> StoreResult<()>;
    /// One page of open work items of the agency's cases, in queue order, and the total count.
    async fn queue(
        &self,
        agency_id: i64,
        filter: &QueueFilter,
    ) -> StoreResult<(Vec<crate::dto::QueueItem>, u64)>;
    /// The creditors the agency serves (id, name), for filters.
    async fn creditors(&self, agency_id: i64) -> StoreResult<Vec<(i64, String)>>;
    /// Assigns an open work item of the agency to `assignee` (a staff member of the same agency)
    /// or to nobody. False when no such item or person exists in the agency.
    async fn assign(
        &self,
        agency_id: i64,
        item_id: i64,
        assignee: Option<i64>,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
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
    async fn templates(&self, agency_id: i64) -> StoreResult<Vec<Template>>;
    async fn save_template(
        &self,
        agency_id: i64,
        template: Template,
        staff_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// Active staff who asked for the daily digest of their queue.
    async fn digest_subscribers(&self) -> StoreResult<Vec<crate::dto::StaffMember>>;
    /// Whether an email with this dedupe key was queued already.
    async fn email_queued(&self, dedupe_key: &str) -> StoreResult<bool>;
    /// Queues an email to a staff member (idempotent by `dedupe_key`); true if queued now.
    async fn queue_staff_email(&self, email: StaffEmail, now_ms: i64) -> StoreResult<bool>;
    /// The agency's name and promised answer time.
    async fn agency(&self, agency_id: i64) -> StoreResult<Option<(String, u32)>>;
    async fn set_reply_days(&self, agency_id: i64, days: u32, audit: AuditEntry)
        -> StoreResult<()>;
}

/// An email to a staff member (no debtor, no case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEmail {
    pub dedupe_key: String,
    pub to: String,
    pub time_zone: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub host: String,
}

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

/// One case of a customer, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCaseRecord {
    pub case_id: i64,
    pub reference: String,
    pub state: String,
    pub class_key: Option<String>,
    pub reason: Option<String>,
    pub handed_over_ms: i64,
    pub claimed_minor: i64,
    pub paid_minor: i64,
    /// The earliest due date of its claims.
    pub due_on: Option<chrono::NaiveDate>,
    /// The value date of its last payment.
    pub last_paid_on: Option<chrono::NaiveDate>,
    /// When it ended (closed, written off, cancelled), if it did.
    pub ended_ms: Option<i64>,
    pub plans: i64,
    pub disputes: i64,
    pub reminders: i64,
}

/// One customer of a creditor: what the relationship page is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub debtor_id: i64,
    pub name: String,
    pub customer_number: String,
    /// Oldest first.
    pub cases: Vec<CustomerCaseRecord>,
    /// Case reference, author (`debtor`/`handler`), text, time; oldest first.
    pub messages: Vec<(String, String, String, i64)>,
    /// Every reported activity, oldest first.
    pub activities: Vec<crate::domain::retention::Activity>,
}

/// An active owner of a creditor (the weekly digest goes to them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorOwner {
    pub creditor_id: i64,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub creditor_name: String,
}

/// What the retention figures of one creditor are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionSource {
    /// Cases that ended (paid or closed), with how they went.
    pub cases: Vec<crate::domain::retention::EndedCase>,
    /// Every activity the creditor reported about its debtors.
    pub activities: Vec<crate::domain::retention::Activity>,
    /// The debtors' answers to the fairness question: case and score (1–5).
    pub scores: Vec<(i64, u8)>,
}

/// The creditor's (or, after the deadline, the default's) answer to a plan approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanApprovalDecision {
    pub approval_id: i64,
    pub case_id: i64,
    /// `None` when the default applied because the deadline passed.
    pub user_id: Option<i64>,
    pub approved: bool,
    pub comment: String,
}

/// The creditor's decision on an escalation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDecision {
    pub case_id: i64,
    /// `None` when the default applied because the deadline passed.
    pub user_id: Option<i64>,
    pub approved: bool,
    pub comment: String,
    pub submission_key: String,
}

/// Storage for the creditor side.
#[async_trait]
pub trait CreditorStore: Send + Sync {
    async fn creditor_member(
        &self,
        user_id: i64,
    ) -> StoreResult<Option<crate::dto::CreditorMember>>;
    /// Escalation requests of the creditor's cases, oldest first.
    async fn consent_requests(&self, creditor_id: i64) -> StoreResult<Vec<ConsentRequest>>;
    /// Requests of every creditor made before `before_ms` (their deadline has passed): creditor, case.
    /// Requests of every creditor whose class's deadline has passed at `now_ms`: creditor, case,
    /// and whether the class's default is to approve.
    async fn overdue_consents(&self, now_ms: i64) -> StoreResult<Vec<(i64, i64, bool)>>;
    /// Records the decision with its effects (the case's new state, a work item for the handlers,
    /// the email to the debtor) in one transaction; only for a case of `creditor_id`.
    async fn decide_consent(
        &self,
        creditor_id: i64,
        decision: ConsentDecision,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored>;
    /// Open plan approvals of the creditor's cases whose proposal is still open, oldest first.
    async fn plan_approval_requests(
        &self,
        creditor_id: i64,
    ) -> StoreResult<Vec<PlanApprovalRequest>>;
    /// Open plan approvals of every creditor whose class's deadline has passed at `now_ms`:
    /// creditor, approval, case, and whether the class's default approves it.
    async fn overdue_plan_approvals(&self, now_ms: i64) -> StoreResult<Vec<(i64, i64, i64, bool)>>;
    /// Records the answer with its effects (a timeline entry, the audit entry, a work item for
    /// the handlers) in one transaction; only for an open approval of a case of `creditor_id`.
    async fn decide_plan_approval(
        &self,
        creditor_id: i64,
        decision: PlanApprovalDecision,
        effects: Effects,
    ) -> StoreResult<Stored>;
    /// The creditor's ended cases with how they went, and every activity the creditor reported
    /// about its debtors: what the retention figures are computed from.
    async fn retention_data(&self, creditor_id: i64) -> StoreResult<RetentionSource>;
    /// Checks and stores a CSV file of customer activity for `creditor_id`: all rows or, when any
    /// row has a problem, none.
    async fn import_activities(
        &self,
        creditor_id: i64,
        raw: Vec<u8>,
        today: chrono::NaiveDate,
        now_ms: i64,
    ) -> StoreResult<crate::dto::ActivityImportView>;
    /// Everything about one customer of `creditor_id` (the debtor `debtor_id`): cases, messages,
    /// reported activity. `None` when the debtor is not the creditor's.
    async fn customer_record(
        &self,
        creditor_id: i64,
        debtor_id: i64,
    ) -> StoreResult<Option<CustomerRecord>>;
    /// The active owners of every creditor: creditor, user, email, name, creditor's name.
    async fn creditor_owners(&self) -> StoreResult<Vec<CreditorOwner>>;
    /// The creditor's name, if the creditor exists.
    async fn creditor_name(&self, creditor_id: i64) -> StoreResult<Option<String>>;
    /// The creditor's API keys, newest first.
    async fn api_keys(&self, creditor_id: i64) -> StoreResult<Vec<crate::dto::ApiKeyView>>;
    /// Stores a new key (its hash) with the audit entry, in one transaction; returns its id.
    async fn create_api_key(&self, key: NewApiKey, audit: AuditEntry) -> StoreResult<i64>;
    /// Revokes a key of `creditor_id` with the audit entry; false when there is no such live key.
    async fn revoke_api_key(
        &self,
        creditor_id: i64,
        key_id: i64,
        user_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// The creditor of the live key with this hash, noting the use at `now_ms`.
    async fn creditor_for_api_key(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<i64>>;
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
    /// Moves a running case of `creditor_id` into the creditor's class `class_key`, with a
    /// timeline entry and the audit entry; false when there is no such running case or class.
    async fn move_case(
        &self,
        creditor_id: i64,
        case_id: i64,
        class_key: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// The state of a case of `creditor_id`; `None` for another creditor's or no case.
    async fn case_state(&self, creditor_id: i64, case_id: i64) -> StoreResult<Option<CaseState>>;
    /// Places the creditor's pause (the hold in `effects`) on a case of `creditor_id`, with its
    /// timeline event and audit entry; `StateChanged` when the case moved on meanwhile.
    async fn pause_case(
        &self,
        creditor_id: i64,
        case_id: i64,
        effects: Effects,
    ) -> StoreResult<Stored>;
    /// The creditor's remittance reports, newest first, and what was collected since the last.
    async fn remittances(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Vec<crate::dto::RemittanceView>, i64)>;
    /// One report of `creditor_id` with its payments; `None` for another creditor's or no report.
    async fn remittance(
        &self,
        creditor_id: i64,
        remittance_id: i64,
    ) -> StoreResult<Option<(crate::dto::RemittanceView, Vec<crate::dto::RemittanceLine>)>>;
    /// The creditor's webhook address and signing secret.
    async fn webhook_settings(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Option<String>, Option<String>)>;
    /// Sets the webhook address and secret (`None` clears them) with the audit entry.
    async fn set_webhook(
        &self,
        creditor_id: i64,
        url: Option<String>,
        secret: Option<String>,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// The creditor's newest `limit` webhooks.
    async fn webhook_deliveries(
        &self,
        creditor_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<crate::dto::WebhookDeliveryView>>;
    /// Sends a given-up webhook of `creditor_id` again from now on; false when there is none.
    async fn retry_webhook(
        &self,
        creditor_id: i64,
        id: i64,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// Starts importing a hand-over file for `creditor_id` in the background; returns the job.
    async fn start_import(&self, upload: ImportUpload, audit: AuditEntry) -> StoreResult<i64>;
    /// One import of the creditor (with the full report).
    async fn import_job(
        &self,
        creditor_id: i64,
        job_id: i64,
    ) -> StoreResult<Option<crate::dto::ImportJobView>>;
    /// The creditor's newest `limit` imports (reports left out).
    async fn import_jobs(
        &self,
        creditor_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<crate::dto::ImportJobView>>;
    /// The creditor's users, by name.
    async fn creditor_users(
        &self,
        creditor_id: i64,
    ) -> StoreResult<Vec<crate::dto::CreditorMember>>;
    /// Creates a user of the creditor with the audit entry; `None` when the email is taken.
    async fn create_creditor_user(
        &self,
        user: NewCreditorUser,
        audit: AuditEntry,
    ) -> StoreResult<Option<i64>>;
    /// Deactivates or reactivates a user of `creditor_id`; false when there is none.
    async fn set_creditor_user_active(
        &self,
        creditor_id: i64,
        user_id: i64,
        active: bool,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
}

/// A new user of a creditor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCreditorUser {
    pub creditor_id: i64,
    pub email: String,
    pub display_name: String,
    /// `owner` or `viewer`.
    pub role: &'static str,
    pub password_hash: String,
}

/// A hand-over file as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportUpload {
    pub creditor_id: i64,
    pub user_id: i64,
    pub filename: String,
    pub content: Vec<u8>,
    /// Import the valid rows even if others have problems.
    pub partial: bool,
    pub at_ms: i64,
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

/// A new API key as stored: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub creditor_id: i64,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    /// The creditor's user; `None` when created on the command line.
    pub created_by: Option<i64>,
    pub at_ms: i64,
}

/// A running plan as the dunning engine judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningPlan {
    pub id: i64,
    pub instalments: Vec<crate::domain::plan::Instalment>,
    /// Payments received since the plan was agreed (value date, amount).
    pub payments: Vec<(NaiveDate, Money)>,
    pub rule: crate::domain::plan::MissedInstalmentRule,
}

/// What the dunning engine needs to know about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DunningCase {
    pub case_id: i64,
    pub reference: String,
    pub state: CaseState,
    pub cadence: crate::domain::dunning::Cadence,
    pub escalation_needs_consent: bool,
    pub creditor_name: String,
    pub debtor_id: i64,
    pub debtor_name: String,
    pub debtor_email: Option<String>,
    /// The debtor asked for letters rather than emails.
    pub prefers_letter: bool,
    pub language: crate::domain::Language,
    pub time_zone: String,
    /// The day the case was handed over: the first step counts from here.
    pub handed_over_on: NaiveDate,
    pub balance: Money,
    /// Cadence steps taken so far, and the day of the last one.
    pub steps_done: usize,
    pub last_step_on: Option<NaiveDate>,
    /// Times the clock stood still: holds, the creditor's pause, plans that were running.
    pub pauses: Vec<crate::domain::dunning::Pause>,
    /// The agreed plan, in state `plan_agreed`.
    pub plan: Option<RunningPlan>,
    /// For a case on hold whose holds have all run out: the newest hold. The engine ends the hold
    /// and dunning resumes.
    pub ended_hold: Option<EndedHold>,
}

/// A hold that has run out while its case is still on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndedHold {
    pub id: i64,
    pub reason: crate::domain::case_state::HoldReason,
    /// The first day without the hold.
    pub ended_on: NaiveDate,
}

/// One step the engine takes, stored with all its effects in one transaction, once per
/// (`case_id`, `step_key`) however often or concurrently the engine runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DunningStep {
    pub case_id: i64,
    /// e.g. `step:2` (the cadence's third step) or `plan:7:missed:1`.
    pub step_key: String,
    pub kind: &'static str,
    /// `email`, or `letter` when the debtor has no email address (the step waits to be posted).
    pub channel: &'static str,
    pub due_on: NaiveDate,
    /// The state change (possibly none), the timeline event and the audit entry.
    pub effects: Effects,
    /// A plan whose state changes with the step (`broken`, `completed`).
    pub plan_state: Option<(i64, &'static str)>,
    /// Emails to the creditor's owners (the end of their pause), written with the step.
    pub creditor_email: Option<CreditorEmail>,
    pub work: Option<crate::domain::work::WorkKind>,
    pub email: Option<QueuedEmail>,
    /// A letter's subject and text, kept until it is exported for printing.
    pub letter: Option<(String, String)>,
}

/// An email to the active owners of a case's creditor, in German and English (creditor users have
/// no language setting of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorEmail {
    pub dedupe_key: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub host: String,
}

#[async_trait]
pub trait DunningStore: Send + Sync {
    /// Cases the engine may have something to do for (running dunning or a running plan), by id
    /// after `after_id`, at most `limit`.
    async fn dunning_cases(
        &self,
        after_id: i64,
        limit: u32,
        today: NaiveDate,
    ) -> StoreResult<Vec<DunningCase>>;
    /// One case as the engine sees it (any state), for "what happens next".
    async fn dunning_case_by_id(
        &self,
        case_id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<DunningCase>>;
    /// Stores the step; `Duplicate` if it was taken before, `StateChanged` if the case moved on.
    async fn record_step(&self, step: DunningStep) -> StoreResult<Stored>;
    /// Records several steps, in order, in one transaction, each with the outcome `record_step`
    /// would give it; when the transaction fails, each step is tried again in one of its own.
    async fn record_steps(&self, steps: Vec<DunningStep>) -> StoreResult<Vec<Stored>>;
}

/// Why a statement import stopped: the file (nothing of it was booked) or the storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementFailure {
    File(crate::error::StatementProblem),
    Store,
}

/// How assigning a bank entry to a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    /// Booked on the case.
    Booked,
    /// No running case of the agency has this reference.
    NoSuchCase,
    /// The entry was decided before (by a colleague, or a form sent twice).
    AlreadyDecided,
    /// The agency has no such entry.
    NoSuchEntry,
}

/// Bank statements: import, the entries that need a person, and their decisions. Every method is
/// scoped to one agency.
#[async_trait]
pub trait BankStore: Send + Sync {
    /// Imports a camt.053/054 file for the agency: the whole file is checked first, then each
    /// entry is reconciled once.
    async fn import_statement(
        &self,
        to: &StatementAccount,
        file_name: &str,
        content: std::sync::Arc<[u8]>,
        imported_by: &str,
        now_ms: i64,
        base_url: &str,
    ) -> Result<crate::dto::StatementImportView, StatementFailure>;
    /// The entries waiting for a person, oldest first, and how many there are.
    async fn open_entries(
        &self,
        agency_id: i64,
        page: u32,
        per_page: u32,
    ) -> StoreResult<(Vec<crate::dto::BankEntryView>, u64)>;
    /// Open entries suggested for (or matched to) one case.
    async fn entries_for_case(
        &self,
        agency_id: i64,
        case_id: i64,
    ) -> StoreResult<Vec<crate::dto::BankEntryView>>;
    /// The newest imports.
    async fn recent_imports(
        &self,
        agency_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<crate::dto::StatementImportView>>;
    /// Books an open entry on the running case with `reference`, with the audit entry.
    async fn assign_entry(
        &self,
        agency_id: i64,
        entry_id: i64,
        reference: &str,
        base_url: &str,
        audit: AuditEntry,
    ) -> StoreResult<Assigned>;
    /// Closes an open entry without booking (not ours, returned, handled outside Rapport), with
    /// the handler's `note` kept with the entry: `Some(true)`; `Some(false)` when it was decided
    /// before; `None` when the agency has no such entry.
    async fn dismiss_entry(
        &self,
        agency_id: i64,
        entry_id: i64,
        note: &str,
        audit: AuditEntry,
    ) -> StoreResult<Option<bool>>;
}
