//! Emails waiting in the outbox, and the mail server that takes them.

use super::StoreResult;
use async_trait::async_trait;

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
