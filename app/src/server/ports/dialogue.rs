//! The debtor's side of the dialogue: the reason for not paying, messages, disputes, reported
//! payments, the fairness question, and what every change writes with it.

use super::{AuditEntry, StoreResult};
use crate::domain::case_state::{CaseState, HoldReason};
use crate::domain::reason::NonPaymentReason;
use crate::domain::text::DocumentType;
use crate::domain::Money;
use crate::dto::DialogueView;
use async_trait::async_trait;

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

/// What a case is at now, read before a debtor's or a plan's use-case decides.
#[async_trait]
pub trait CaseStatuses: Send + Sync {
    async fn case_status(&self, case_id: i64) -> StoreResult<Option<CaseStatus>>;
}

/// Storage for the debtor's side of the dialogue.
#[async_trait]
pub trait Dialogue: Send + Sync {
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

/// A virus scanner for uploaded documents (ClamAV's clamd in production).
#[async_trait]
pub trait VirusScanner: Send + Sync {
    /// `Ok(None)`: nothing found; `Ok(Some(name))`: the name of what was found; `Err`: no
    /// verdict (the scanner is unreachable or refused the file), with the reason for the log.
    async fn scan(&self, content: &[u8]) -> Result<Option<String>, String>;
}
