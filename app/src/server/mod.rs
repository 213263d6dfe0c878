//! Server-side use-cases and the ports they need (storage, clock). Compiled only with `ssr`.
//!
//! Every business decision that needs data lives here or in `domain`; adapters (the `server`
//! crate) implement the ports and decide nothing. Use-cases are tested with in-memory fakes.

pub mod account;
pub mod api_keys;
pub mod charts;
pub mod classes;
pub mod consent;
pub mod contact;
pub mod credentials;
pub mod creditor_users;
pub mod debtor_access;
pub mod defaults;
pub mod dialogue;
pub mod dunning;
pub mod emails;
pub mod handling;
pub mod imports;
pub mod limits;
pub mod outbox;
pub mod overview;
pub mod payments;
pub mod plans;
pub mod ports;
pub mod reconciliation;
pub mod retention;
pub mod sealing;
pub mod session;
pub mod staff;
pub mod team;
#[cfg(test)]
pub(crate) mod testing;
pub mod totp;
pub mod webhooks;

use ports::{Clock, PaymentProvider, Store};
use std::sync::Arc;

/// Settings the use-cases need, fixed at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Public base URL of the portal, used in links (never taken from the `Host` header).
    pub base_url: String,
    /// How long a verified debtor session lasts at most, however active, in milliseconds.
    pub debtor_session_absolute_ms: i64,
    /// Whether cookies carry `Secure` (everywhere but plain-HTTP local development).
    pub secure_cookies: bool,
    /// The agency running the portal, as debtors see it.
    pub agency: Agency,
    /// The Content-Security-Policy without its `script-src` part, which pages add with the
    /// nonce of their response.
    pub content_security_policy: String,
    /// The stylesheet's URL (content-hashed, see the server's static files).
    pub stylesheet: String,
    /// Whether staff and creditor users must set up two-step sign-in before they work.
    pub require_two_step: bool,
    /// Whether webhooks may go to this machine over plain HTTP (`RAPPORT_WEBHOOK_ALLOW_LOOPBACK`,
    /// for development and tests only).
    pub webhook_loopback: bool,
    /// Seals secrets kept briefly in session rows (a new API key, a two-step key being set up):
    /// `RAPPORT_SECRET_KEY` when configured (every instance opens them), else a key of this process.
    pub session_key: sealing::SealingKey,
    /// The key that seals stored secrets the server reads back (two-step sign-in keys).
    pub sealing_key: Option<sealing::SealingKey>,
}

/// The collection agency: who debtors deal with, and where they pay to.
#[derive(Debug, Clone, Default)]
pub struct Agency {
    pub name: String,
    /// Postal address, one line per entry.
    pub address: Vec<String>,
    pub email: String,
    pub phone: String,
    /// The account debtors transfer to; without it, bank transfer is not offered.
    pub payee_iban: Option<crate::domain::references::Iban>,
    pub payee_bic: Option<String>,
    /// The authority supervising the agency (§ 13a (1) no. 8 RDG), one line each.
    pub supervisory_authority: Vec<String>,
}

/// Everything a server function needs, provided to Leptos as context on every request.
///
/// `store` is the database as every port at once ([`Store`]); a use-case is generic over it and
/// names only the ports it uses (`S: Plans + AuditLog`), so its tests give it a fake of those.
pub struct AppState<S: ?Sized = dyn Store> {
    pub store: Arc<S>,
    /// The counters of every limit on attempts (shared by every instance: in the database).
    pub attempts: Arc<dyn limits::Attempts>,
    /// The virus scanner for uploaded documents; `None` when none is configured.
    pub scanner: Option<Arc<dyn ports::VirusScanner>>,
    /// The online payment provider; `None` when none is configured (then it is not offered).
    pub provider: Option<Arc<dyn PaymentProvider>>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
}

impl<S: ?Sized> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            attempts: self.attempts.clone(),
            scanner: self.scanner.clone(),
            provider: self.provider.clone(),
            clock: self.clock.clone(),
            settings: self.settings.clone(),
        }
    }
}

/// Keys of free text a person typed (a handler's note, a creditor's comment, a correction's reason).
const FREE_TEXT_KEYS: [&str; 4] = ["note", "comment", "reason", "body"];

/// An event's detail as the append-only audit log keeps it: free text replaced by whether there was
/// any. The text itself stays with the case's own records (its timeline, the staff action, the
/// decision), which erasure after the retention period blanks; the audit log, which nothing may
/// change, never holds what a person wrote about a debtor.
pub(crate) fn audit_detail(detail: &serde_json::Value) -> String {
    match detail {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(text) if FREE_TEXT_KEYS.contains(&k.as_str()) => {
                        (k.clone(), serde_json::Value::Bool(!text.trim().is_empty()))
                    }
                    other => (k.clone(), other.clone()),
                })
                .collect(),
        )
        .to_string(),
        other => other.to_string(),
    }
}

/// An audit entry of something a creditor's user did.
pub(crate) fn creditor_audit<S: ?Sized>(
    state: &AppState<S>,
    by: &crate::dto::CreditorMember,
    action: &'static str,
    detail: serde_json::Value,
    request_id: Option<String>,
) -> ports::AuditEntry {
    ports::AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "creditor",
        actor_id: Some(by.id.to_string()),
        case_id: None,
        action,
        detail: detail.to_string(),
        request_id,
    }
}

/// Today's date by the application's clock (UTC).
pub(crate) fn today<S: ?Sized>(
    state: &AppState<S>,
) -> Result<chrono::NaiveDate, crate::error::AppError> {
    chrono::DateTime::from_timestamp_millis(state.clock.now_ms())
        .map(|t| t.date_naive())
        .ok_or(crate::error::AppError::Internal)
}

/// The host part of a URL such as `https://portal.example:8443/`, for Message-IDs.
pub(crate) fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':'])
        .next()
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
        .to_string()
}
