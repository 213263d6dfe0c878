//! Server functions of the debtor portal.

use crate::dto::CaseView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{request_id, session, state},
    crate::server::debtor_access::{verify, Attempt, Credentials},
    crate::server::session::{current_debtor, end_session, start_debtor_session},
};

/// Verifies a personal link's token with the postcode and opens the case.
#[server(endpoint = "verify_link")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn verify_link(token: String, postcode: String) -> Result<(), AppError> {
    let state = state()?;
    let attempt = Attempt {
        credentials: Credentials::Link { token },
        postcode,
        request_id: request_id(),
    };
    let case_id = verify(&state, attempt).await?;
    start_debtor_session(&session().await?, case_id, state.clock.now_ms()).await?;
    leptos_axum::redirect("/case");
    Ok(())
}

/// Verifies a typed case reference and access code with the postcode and opens the case.
#[server(endpoint = "verify_reference")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn verify_reference(
    reference: String,
    access_code: String,
    postcode: String,
) -> Result<(), AppError> {
    let state = state()?;
    let attempt = Attempt {
        credentials: Credentials::Reference {
            reference,
            access_code,
        },
        postcode,
        request_id: request_id(),
    };
    let case_id = verify(&state, attempt).await?;
    start_debtor_session(&session().await?, case_id, state.clock.now_ms()).await?;
    leptos_axum::redirect("/case");
    Ok(())
}

/// The case of the verified debtor of this session.
#[server(endpoint = "get_case")]
pub async fn get_case() -> Result<CaseView, AppError> {
    let state = state()?;
    let now = state.clock.now_ms();
    let debtor = current_debtor(
        &session().await?,
        now,
        state.settings.debtor_session_absolute_ms,
    )
    .await?;
    let today = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.date_naive())
        .ok_or(AppError::Internal)?;
    state
        .debtors
        .case_view(debtor.case_id, today)
        .await
        .map_err(|_| AppError::Internal)?
        .ok_or(AppError::NotFound)
}

/// Ends the debtor's session and returns to the start page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    end_session(&session().await?).await?;
    leptos_axum::redirect("/");
    Ok(())
}
