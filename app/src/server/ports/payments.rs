//! Online payments: the provider's hosted checkout and the booking of its events.

use super::{AuditEntry, QueuedEmail, StoreResult};
use crate::domain::Money;
use async_trait::async_trait;

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
pub trait OnlinePayments: Send + Sync {
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
