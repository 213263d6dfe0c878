//! Server functions of the creditor portal: sign-in and the consent inbox. Each checks the
//! creditor session and role; the stores check that a case belongs to the user's creditor.

use crate::dto::{ApiKeysPage, ConsentInbox};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{client_address, fresh_form_key, request_id, session, state},
    crate::domain::work::CreditorRole,
    crate::server::ports::Realm,
    crate::server::{api_keys, consent},
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

/// The session key under which a key created a moment ago waits to be shown once.
#[cfg(feature = "ssr")]
const NEW_KEY: &str = "creditor.new_api_key";

/// The creditor's API keys (owners), with a key created a moment ago shown this once.
#[server(endpoint = "get_api_keys")]
pub async fn get_api_keys() -> Result<ApiKeysPage, AppError> {
    let state = state()?;
    let session = session().await?;
    let member = consent::current_creditor(&state, &session, CreditorRole::Owner).await?;
    let new_key: Option<String> = session.remove(NEW_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "session store");
        AppError::Internal
    })?;
    api_keys::page(&state, member, new_key).await
}

/// Creates an API key (owners); the page shows it once.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(name: String) -> Result<(), AppError> {
    let state = state()?;
    let session = session().await?;
    let member = consent::current_creditor(&state, &session, CreditorRole::Owner).await?;
    let key = api_keys::create(&state, &member, &name, request_id()).await?;
    session.insert(NEW_KEY, key).await.map_err(|e| {
        tracing::error!(error = %e, "session store");
        AppError::Internal
    })?;
    leptos_axum::redirect("/creditor/api-keys?done=created");
    Ok(())
}

/// Revokes an API key (owners).
#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(key_id: i64) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    api_keys::revoke(&state, &member, key_id, request_id()).await?;
    leptos_axum::redirect("/creditor/api-keys?done=revoked");
    Ok(())
}
