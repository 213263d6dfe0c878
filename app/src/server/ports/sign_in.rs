//! Signing in with email and password (staff and creditors' people alike), two-step codes,
//! passwords and sessions.

use super::{AuditEntry, StoreResult};
use async_trait::async_trait;

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

/// The accounts as sign-in sees them. Both realms get the same login security; their accounts
/// live in separate tables.
#[async_trait]
pub trait Logins: Send + Sync {
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
    /// Sets a new password chosen by the account's owner: the first-password mark goes, and
    /// every session that proved the old password ends.
    async fn set_password(
        &self,
        realm: Realm,
        account_id: i64,
        hash: &str,
        audit: AuditEntry,
    ) -> StoreResult<()>;
}

/// The sessions of one account, which its owner sees and ends.
#[async_trait]
pub trait AccountSessions: Send + Sync {
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
}
