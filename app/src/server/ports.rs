//! Ports: what the use-cases need from the outside world, as traits. The `server` crate implements
//! them with sqlx; tests implement them in memory.

use crate::domain::access::LockoutPolicy;
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
    pub locked_until_ms: Option<i64>,
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

    /// Counts a failed verification against `case_id` (if a case was identified) and writes the
    /// audit entry, in one transaction. Returns the end of the lock if this failure locked the case.
    async fn record_failed_verification(
        &self,
        case_id: Option<i64>,
        policy: LockoutPolicy,
        audit: AuditEntry,
    ) -> StoreResult<Option<i64>>;

    /// Clears the failure count of `case_id` and writes the audit entry, in one transaction.
    async fn record_successful_verification(
        &self,
        case_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<()>;

    /// Appends an audit entry on its own.
    async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()>;

    /// Everything the debtor's case page shows, as of `today`.
    async fn case_view(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CaseView>>;
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
    pub html: String,
    /// SHA-256 of a fresh link token included in the email, stored as a new credential.
    pub link_token_hash: Option<String>,
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
    ) -> StoreResult<Booking>;
}
