//! Bank statements: import, the entries that need a person, and their decisions.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// Whose statement an import may be: the agency, and its account (electronic IBAN) every
/// statement must be of; `None` when none is configured, which refuses every statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementAccount {
    pub agency_id: i64,
    pub iban: Option<String>,
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

/// Bank statements. Every method is scoped to one agency.
#[async_trait]
pub trait Bank: Send + Sync {
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
