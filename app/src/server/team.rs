//! Team management, one path for both realms: a supervisor manages the agency's staff, a
//! creditor's owner the creditor's users. Adding a member (with a first password), deactivating or
//! reactivating one, and resetting one's sign-in differ only in who may do what to whom
//! ([`Manager`]); nobody deactivates or resets themselves, and a deactivated member's session ends
//! at their next request.

use crate::domain::work::Role;
use crate::dto::CreditorMember;
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::{NewMember, Realm, Team};
use crate::server::staff::{check_new_account, check_password, hash, realm_audit, Staff};
use crate::server::AppState;

/// Who manages a team, and what they may give and touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manager {
    pub realm: Realm,
    /// The agency (staff) or the creditor.
    pub tenant_id: i64,
    pub account_id: i64,
    /// A staff member's role: they give and touch roles it includes (only an admin an admin's).
    /// `None` for a creditor's owner, who manages owners and viewers alike.
    staff_role: Option<Role>,
}

impl Manager {
    pub fn staff(by: &Staff) -> Self {
        Self {
            realm: Realm::Staff,
            tenant_id: by.agency_id,
            account_id: by.id,
            staff_role: Some(by.role),
        }
    }

    pub fn creditor(by: &CreditorMember) -> Self {
        Self {
            realm: Realm::Creditor,
            tenant_id: by.creditor_id,
            account_id: by.id,
            staff_role: None,
        }
    }

    /// The role code this manager may give for `role`, or why not.
    fn grantable(&self, role: &str) -> Result<&'static str, Problem> {
        match self.staff_role {
            Some(own) => match Role::from_code(role) {
                None => Err(Problem::InvalidFormat),
                Some(r) if !own.includes(r) => Err(Problem::RoleTooHigh),
                Some(r) => Ok(r.code()),
            },
            None => match role {
                "owner" => Ok("owner"),
                "viewer" => Ok("viewer"),
                _ => Err(Problem::InvalidFormat),
            },
        }
    }

    /// The audit action of `what` in this realm (the names the audit log has always used).
    fn action(&self, what: Act) -> &'static str {
        match (self.realm, what) {
            (Realm::Staff, Act::Created) => "staff.account_created",
            (Realm::Staff, Act::Active) => "staff.account_active",
            (Realm::Staff, Act::Reset) => "staff.sign_in_reset",
            (Realm::Creditor, Act::Created) => "creditor_user.created",
            (Realm::Creditor, Act::Active) => "creditor_user.active",
            (Realm::Creditor, Act::Reset) => "creditor.sign_in_reset",
        }
    }

    /// The key under which the audit entry names the member an action is about.
    fn member_key(&self) -> &'static str {
        match self.realm {
            Realm::Staff => "staff_id",
            Realm::Creditor => "user_id",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Created,
    Active,
    Reset,
}

/// A member of the manager's team the manager may touch: their email. `NotFound` for another
/// tenant's or no account; `Forbidden` for a staff member of a higher role.
async fn colleague<S: Team + ?Sized>(
    state: &AppState<S>,
    by: &Manager,
    account_id: i64,
) -> Result<String, AppError> {
    match by.staff_role {
        Some(own) => {
            let target = state
                .store
                .staff_member(account_id)
                .await?
                .filter(|m| m.agency_id == by.tenant_id)
                .ok_or(AppError::NotFound)?;
            let role = Role::from_code(&target.role).ok_or(AppError::Internal)?;
            if own.includes(role) {
                Ok(target.email)
            } else {
                Err(AppError::Forbidden)
            }
        }
        None => state
            .store
            .creditor_users(by.tenant_id)
            .await?
            .into_iter()
            .find(|u| u.id == account_id)
            .map(|u| u.email)
            .ok_or(AppError::NotFound),
    }
}

/// Adds a member with a first password (changed at their first sign-in); returns their id.
pub async fn create<S: Team + ?Sized>(
    state: &AppState<S>,
    by: &Manager,
    email: &str,
    display_name: &str,
    role: &str,
    password: &str,
    request_id: Option<String>,
) -> Result<i64, AppError> {
    let (mut errors, email, display_name) = check_new_account(email, display_name, password);
    let role = by.grantable(role);
    if let Err(problem) = &role {
        errors = errors.field("role", problem.clone());
    }
    let role = match role {
        Ok(role) if errors.is_empty() => role,
        _ => return Err(AppError::Validation(errors)),
    };
    let password_hash = hash(password.to_string()).await?;
    let audit = realm_audit(
        state,
        by.realm,
        Some(by.account_id),
        by.action(Act::Created),
        serde_json::json!({ "email": email, "role": role }).to_string(),
        request_id,
    );
    let member = NewMember {
        realm: by.realm,
        tenant_id: by.tenant_id,
        email,
        display_name,
        role,
        password_hash,
        must_change_password: true,
    };
    let created = state.store.create_member(member, audit).await?;
    created.ok_or_else(|| AppError::Validation(errors.field("email", Problem::EmailTaken)))
}

/// Deactivates or reactivates a member.
pub async fn set_active<S: Team + ?Sized>(
    state: &AppState<S>,
    by: &Manager,
    account_id: i64,
    active: bool,
    request_id: Option<String>,
) -> Result<(), AppError> {
    if account_id == by.account_id {
        return Err(AppError::Conflict);
    }
    colleague(state, by, account_id).await?;
    let audit = realm_audit(
        state,
        by.realm,
        Some(by.account_id),
        by.action(Act::Active),
        serde_json::json!({ by.member_key(): account_id, "active": active }).to_string(),
        request_id,
    );
    let changed = state
        .store
        .set_member_active(by.realm, by.tenant_id, account_id, active, audit)
        .await?;
    if changed {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Gives a member a new first password and removes their two-step sign-in.
pub async fn reset_sign_in<S: Team + ?Sized>(
    state: &AppState<S>,
    by: &Manager,
    account_id: i64,
    password: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    if account_id == by.account_id {
        // One's own password is changed on the account page, with the current one.
        return Err(AppError::Conflict);
    }
    let email = colleague(state, by, account_id).await?;
    let checked = check_password(FormErrors::default(), "password", password, &email);
    if let Some(problem) = checked.fields.get("password").and_then(|p| p.first()) {
        // The reset form sits in a table row: its problem is shown above the table.
        return Err(AppError::Validation(
            FormErrors::default().form(problem.clone()),
        ));
    }
    let hashed = hash(password.to_string()).await?;
    let audit = realm_audit(
        state,
        by.realm,
        Some(by.account_id),
        by.action(Act::Reset),
        serde_json::json!({ "account": account_id }).to_string(),
        request_id,
    );
    let reset = state
        .store
        .reset_sign_in(by.realm, by.tenant_id, account_id, &hashed, audit)
        .await?;
    if reset {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
