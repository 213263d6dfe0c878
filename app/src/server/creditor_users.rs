//! The people of a creditor with access to the portal: an owner adds colleagues (owners decide,
//! viewers look) with a first password, and deactivates or reactivates them. Nobody deactivates
//! themselves; a deactivated user's session ends at their next request.

use crate::dto::{CreditorMember, CreditorTeamPage};
use crate::error::{AppError, Problem};
use crate::server::ports::NewCreditorUser;
use crate::server::staff::{check_new_account, hash};
use crate::server::{internal, AppState};

use crate::server::creditor_audit as audit;

/// The creditor's users.
pub async fn page(state: &AppState, member: CreditorMember) -> Result<CreditorTeamPage, AppError> {
    let store = &state.creditors;
    let users = store
        .creditor_users(member.creditor_id)
        .await
        .map_err(internal)?;
    Ok(CreditorTeamPage { member, users })
}

/// An owner adds a user to their creditor.
pub async fn create(
    state: &AppState,
    by: &CreditorMember,
    email: &str,
    display_name: &str,
    role: &str,
    password: &str,
    request_id: Option<String>,
) -> Result<i64, AppError> {
    let (mut errors, email, display_name) = check_new_account(email, display_name, password);
    let role = match role {
        "owner" => Some("owner"),
        "viewer" => Some("viewer"),
        _ => None,
    };
    if role.is_none() {
        errors = errors.field("role", Problem::InvalidFormat);
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let password_hash = hash(password.to_string()).await?;
    let entry = audit(
        state,
        by,
        "creditor_user.created",
        serde_json::json!({ "email": email, "role": role }),
        request_id,
    );
    let created = state
        .creditors
        .create_creditor_user(
            NewCreditorUser {
                creditor_id: by.creditor_id,
                email,
                display_name,
                role,
                password_hash,
            },
            entry,
        )
        .await
        .map_err(internal)?;
    created.ok_or_else(|| AppError::Validation(errors.field("email", Problem::EmailTaken)))
}

/// An owner resets the sign-in of another user of their creditor (new first password, two-step
/// sign-in removed).
pub async fn reset_sign_in(
    state: &AppState,
    by: &CreditorMember,
    user_id: i64,
    password: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let target = state
        .creditors
        .creditor_users(by.creditor_id)
        .await
        .map_err(internal)?
        .into_iter()
        .find(|u| u.id == user_id)
        .ok_or(AppError::NotFound)?;
    crate::server::account::reset_colleague(
        state,
        crate::server::ports::Realm::Creditor,
        by.creditor_id,
        by.id,
        user_id,
        &target.email,
        password,
        request_id,
    )
    .await
}

/// An owner deactivates or reactivates another user of their creditor.
pub async fn set_active(
    state: &AppState,
    by: &CreditorMember,
    user_id: i64,
    active: bool,
    request_id: Option<String>,
) -> Result<(), AppError> {
    if user_id == by.id {
        return Err(AppError::Conflict);
    }
    let entry = audit(
        state,
        by,
        "creditor_user.active",
        serde_json::json!({ "user_id": user_id, "active": active }),
        request_id,
    );
    if state
        .creditors
        .set_creditor_user_active(by.creditor_id, user_id, active, entry)
        .await
        .map_err(internal)?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
