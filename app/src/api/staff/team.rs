//! The agency's team (supervisors): accounts, deactivation, a lost sign-in.

#[cfg(feature = "ssr")]
use super::signed_in;
use crate::dto::StaffMember;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::api::support::request_id,
    crate::domain::work::Role,
    crate::server::staff as accounts,
    crate::server::team::{self, Manager},
};

/// The accounts of the agency (supervisors).
#[server(endpoint = "get_staff_list")]
pub async fn get_staff_list() -> Result<Vec<StaffMember>, AppError> {
    let (state, staff) = signed_in(Role::Supervisor).await?;
    accounts::list_staff(&state, &staff).await
}

/// Creates a staff account in the agency (supervisors).
#[server(endpoint = "create_staff_account")]
pub async fn create_staff_account(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Supervisor).await?;
    team::create(
        &state,
        &Manager::staff(&staff),
        &email,
        &display_name,
        &role,
        &password,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/staff/team?done=created");
    Ok(())
}

/// Deactivates (`active=0`) or reactivates an account of the agency (supervisors).
#[server(endpoint = "set_staff_active")]
pub async fn set_staff_active(staff_id: i64, active: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Supervisor).await?;
    team::set_active(
        &state,
        &Manager::staff(&staff),
        staff_id,
        active == "1",
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/staff/team?done=active");
    Ok(())
}

/// Gives a colleague a new first password and removes their two-step sign-in (supervisors).
#[server(endpoint = "reset_staff_sign_in")]
pub async fn reset_staff_sign_in(staff_id: i64, password: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Supervisor).await?;
    team::reset_sign_in(
        &state,
        &Manager::staff(&staff),
        staff_id,
        &password,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/staff/team?done=reset");
    Ok(())
}
