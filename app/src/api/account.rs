//! Server functions of one's own sign-in, for staff (`/staff/…`) and creditor users
//! (`/creditor/…`): the code step of a sign-in, the first password, two-step sign-in. One function
//! per realm, so that the access matrix knows who may call each; the work is shared.

use crate::dto::AccountSecurity;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{client_address, request_id, session, state},
    crate::server::account,
    crate::server::ports::Realm,
};

/// The home of `realm`'s pages.
#[cfg(feature = "ssr")]
fn home(realm: Realm) -> &'static str {
    match realm {
        Realm::Staff => "/staff",
        Realm::Creditor => "/creditor",
    }
}

#[cfg(feature = "ssr")]
async fn sign_in_code(realm: Realm, code: String) -> Result<(), AppError> {
    let state = state()?;
    let client = client_address().await;
    account::sign_in_code(
        &state,
        &session().await?,
        realm,
        &code,
        &client,
        request_id(),
    )
    .await?;
    leptos_axum::redirect(home(realm));
    Ok(())
}

#[cfg(feature = "ssr")]
async fn change_password_in(
    realm: Realm,
    current_password: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    let state = state()?;
    account::change_password(
        &state,
        &session().await?,
        realm,
        &current_password,
        &new_password,
        &repeat_password,
        request_id(),
    )
    .await?;
    leptos_axum::redirect(&format!("{}/account?done=password", home(realm)));
    Ok(())
}

#[cfg(feature = "ssr")]
async fn start_two_step_in(realm: Realm) -> Result<(), AppError> {
    let state = state()?;
    account::start_two_step(&state, &session().await?, realm).await?;
    leptos_axum::redirect(&format!("{}/account#two-step", home(realm)));
    Ok(())
}

#[cfg(feature = "ssr")]
async fn confirm_two_step_in(realm: Realm, code: String) -> Result<(), AppError> {
    let state = state()?;
    account::confirm_two_step(&state, &session().await?, realm, &code, request_id()).await?;
    leptos_axum::redirect(&format!("{}/account?done=two_step", home(realm)));
    Ok(())
}

#[cfg(feature = "ssr")]
async fn end_session_in(realm: Realm, session_handle: String) -> Result<(), AppError> {
    let state = state()?;
    account::end_session(
        &state,
        &session().await?,
        realm,
        &session_handle,
        request_id(),
    )
    .await?;
    leptos_axum::redirect(&format!("{}/account?done=session#sessions", home(realm)));
    Ok(())
}

/// The second step of a staff sign-in: the code of the authenticator app.
#[server(endpoint = "staff_login_code")]
pub async fn staff_login_code(code: String) -> Result<(), AppError> {
    sign_in_code(Realm::Staff, code).await
}

/// Changes the signed-in staff member's password.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    change_password_in(
        Realm::Staff,
        current_password,
        new_password,
        repeat_password,
    )
    .await
}

/// Shows a new key for the staff member's authenticator app.
#[server(endpoint = "staff_start_two_step")]
pub async fn staff_start_two_step() -> Result<(), AppError> {
    start_two_step_in(Realm::Staff).await
}

/// Confirms the staff member's new key with a code.
#[server(endpoint = "staff_confirm_two_step")]
pub async fn staff_confirm_two_step(code: String) -> Result<(), AppError> {
    confirm_two_step_in(Realm::Staff, code).await
}

/// Ends another session of the staff member's own account.
#[server(endpoint = "staff_end_session")]
pub async fn staff_end_session(session_handle: String) -> Result<(), AppError> {
    end_session_in(Realm::Staff, session_handle).await
}

/// Ends another session of the creditor user's own account.
#[server(endpoint = "creditor_end_session")]
pub async fn creditor_end_session(session_handle: String) -> Result<(), AppError> {
    end_session_in(Realm::Creditor, session_handle).await
}

/// The second step of a creditor user's sign-in.
#[server(endpoint = "creditor_login_code")]
pub async fn creditor_login_code(code: String) -> Result<(), AppError> {
    sign_in_code(Realm::Creditor, code).await
}

/// The creditor user's own sign-in settings.
#[server(endpoint = "get_creditor_account")]
pub async fn get_creditor_account() -> Result<AccountSecurity, AppError> {
    let state = state()?;
    account::security(&state, &session().await?, Realm::Creditor).await
}

/// Changes the signed-in creditor user's password.
#[server(endpoint = "creditor_change_password")]
pub async fn creditor_change_password(
    current_password: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    change_password_in(
        Realm::Creditor,
        current_password,
        new_password,
        repeat_password,
    )
    .await
}

/// Shows a new key for the creditor user's authenticator app.
#[server(endpoint = "creditor_start_two_step")]
pub async fn creditor_start_two_step() -> Result<(), AppError> {
    start_two_step_in(Realm::Creditor).await
}

/// Confirms the creditor user's new key with a code.
#[server(endpoint = "creditor_confirm_two_step")]
pub async fn creditor_confirm_two_step(code: String) -> Result<(), AppError> {
    confirm_two_step_in(Realm::Creditor, code).await
}
