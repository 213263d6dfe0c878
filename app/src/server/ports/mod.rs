//! Ports: what the use-cases need from the outside world, as small traits named after what happens
//! (one file a feature). The `server` crate implements every one of them on its database
//! (`server/src/db/<feature>.rs` mirrors `ports/<feature>.rs`); tests implement the few a use-case
//! names in memory. A use-case says which ports it uses in its signature:
//!
//! ```ignore
//! pub async fn decide<S: Consents + ?Sized>(state: &AppState<S>, …)
//! ```
//!
//! and the application runs every use-case on one [`Store`], which is all of them.

mod agency;
mod api_keys;
mod audit;
mod bank;
mod case_page;
mod classes;
mod consent;
mod contact;
mod creditors;
mod debtor_access;
mod dialogue;
mod digest;
mod dunning;
mod handling;
mod imports;
mod legal;
mod outbox;
mod overview;
mod payments;
mod plans;
mod queue;
mod remittances;
mod retention;
mod sign_in;
mod team;
mod templates;
mod webhooks;

pub use agency::*;
pub use api_keys::*;
pub use audit::*;
pub use bank::*;
pub use case_page::*;
pub use classes::*;
pub use consent::*;
pub use contact::*;
pub use creditors::*;
pub use debtor_access::*;
pub use dialogue::*;
pub use digest::*;
pub use dunning::*;
pub use handling::*;
pub use imports::*;
pub use legal::*;
pub use outbox::*;
pub use overview::*;
pub use payments::*;
pub use plans::*;
pub use queue::*;
pub use remittances::*;
pub use retention::*;
pub use sign_in::*;
pub use team::*;
pub use templates::*;
pub use webhooks::*;

/// A storage failure. The adapter has already logged the cause; callers only learn that it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage failure")]
pub struct StoreError;

pub type StoreResult<T> = Result<T, StoreError>;

impl From<StoreError> for crate::error::AppError {
    /// A storage failure (the adapter logged its cause) is the opaque internal error.
    fn from(_: StoreError) -> Self {
        crate::error::AppError::Internal
    }
}

/// The current time. Injected so that lockouts, deadlines and schedules are testable.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_ms(&self) -> i64;
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

/// Declares `Store` as every port named, and implements it for whatever implements them all.
macro_rules! every_port {
    ($($port:ident),+ $(,)?) => {
        /// Every storage port: what the application's database is. Use-cases name the ports they
        /// use instead; this is for the one place that holds the database ([`super::AppState`]).
        pub trait Store: $($port +)+ {}

        impl<T: $($port +)+> Store for T {}
    };
}

every_port!(
    AccountSessions,
    AgencySettings,
    ApiKeys,
    AuditLog,
    Bank,
    CasePages,
    CaseStatuses,
    Classes,
    Consents,
    Contacts,
    CreditorCases,
    Creditors,
    DebtorAccess,
    Dialogue,
    Dunning,
    HandlerCases,
    Imports,
    LegalTables,
    Logins,
    OnlinePayments,
    OutboxStore,
    Overview,
    PlanApprovals,
    Plans,
    Remittances,
    Retention,
    StaffDigest,
    Team,
    Templates,
    Webhooks,
    WorkQueue,
);
