//! The people of a tenant (the agency's staff, a creditor's users): who they are, adding them,
//! deactivating them, resetting their sign-in. Both realms take the same path; only their
//! accounts' tables differ.

use super::{AuditEntry, Realm, StoreResult};
use async_trait::async_trait;

/// An account to create in a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub realm: Realm,
    /// The agency (staff) or the creditor.
    pub tenant_id: i64,
    pub email: String,
    pub display_name: String,
    /// A staff role's code, or a creditor user's `owner` or `viewer`.
    pub role: &'static str,
    pub password_hash: String,
    /// A first password set by someone else, to be replaced at the first sign-in (not so for the
    /// first administrator, who chooses their own on the command line).
    pub must_change_password: bool,
}

/// The members of the agency and of the creditors.
#[async_trait]
pub trait Team: Send + Sync {
    async fn staff_member(&self, staff_id: i64) -> StoreResult<Option<crate::dto::StaffMember>>;
    async fn creditor_member(
        &self,
        user_id: i64,
    ) -> StoreResult<Option<crate::dto::CreditorMember>>;
    async fn list_staff(&self, agency_id: i64) -> StoreResult<Vec<crate::dto::StaffMember>>;
    /// The creditor's users, by name.
    async fn creditor_users(
        &self,
        creditor_id: i64,
    ) -> StoreResult<Vec<crate::dto::CreditorMember>>;
    /// Creates an account with a first password, with the audit entry; `Ok(None)` when the email
    /// is taken in its realm.
    async fn create_member(&self, member: NewMember, audit: AuditEntry)
        -> StoreResult<Option<i64>>;
    /// Deactivates or reactivates an account of the tenant; false when there is none.
    async fn set_member_active(
        &self,
        realm: Realm,
        tenant_id: i64,
        account_id: i64,
        active: bool,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
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
}
