//! Server functions of the creditor portal: sign-in and the consent inbox. Each checks the
//! creditor session and role; the stores check that a case belongs to the user's creditor.

use crate::dto::ConsentInbox;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{client_address, fresh_form_key, request_id, session, state},
    crate::domain::work::CreditorRole,
    crate::server::consent,
    crate::server::ports::Realm,
};

/// Signs a creditor's user in.
#[server(endpoint = "creditor_login")]
pub async fn creditor_login(email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let client = client_address().await;
    crate::server::staff::login(
        &state,
        &session().await?,
        Realm::Creditor,
        &email,
        &password,
        &client,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/creditor");
    Ok(())
}

/// Signs the creditor's user out.
#[server(endpoint = "creditor_logout")]
pub async fn creditor_logout() -> Result<(), AppError> {
    crate::server::staff::end(&session().await?).await?;
    leptos_axum::redirect("/creditor/login");
    Ok(())
}

/// The escalation requests waiting for the user's creditor.
#[server(endpoint = "get_consent_inbox")]
pub async fn get_consent_inbox() -> Result<ConsentInbox, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    let mut inbox = consent::inbox(&state, member).await?;
    inbox.form_key = fresh_form_key();
    Ok(inbox)
}

/// Approves (`decision=approve`) or declines an escalation request (owners).
#[server(endpoint = "decide_consent")]
pub async fn decide_consent(
    case_id: i64,
    form_key: String,
    decision: String,
    comment: Option<String>,
) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    let approved = decision == "approve";
    consent::decide(
        &state,
        &member,
        case_id,
        &form_key,
        approved,
        &comment.unwrap_or_default(),
        request_id(),
    )
    .await?;
    leptos_axum::redirect(if approved {
        "/creditor?done=approved"
    } else {
        "/creditor?done=declined"
    });
    Ok(())
}
