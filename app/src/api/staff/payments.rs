//! Bank statements and the entries that need a person (supervisors and handlers).

#[cfg(feature = "ssr")]
use super::signed_in;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::api::support::{fresh_form_key, request_id},
    crate::domain::work::Role,
};

/// `/staff/payments`: open bank entries and recent statement imports.
#[server(endpoint = "get_payments")]
pub async fn get_payments(page: Option<String>) -> Result<crate::dto::PaymentsPage, AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let page = page.and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
    let mut view = crate::server::reconciliation::page(&state, &staff, page).await?;
    view.form_key = fresh_form_key();
    Ok(view)
}

/// Uploads a bank statement (camt.053/054); the result is shown on the payments page.
#[server(endpoint = "upload_statement", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn upload_statement(
    data: leptos::server_fn::codec::MultipartData,
) -> Result<(), AppError> {
    use crate::server::reconciliation;
    let (state, staff) = signed_in(Role::Handler).await?;
    let (_, files) = crate::api::debtor::read_form_limited(
        data,
        reconciliation::MAX_UPLOAD_BYTES,
        &["form_key", "statement"],
    )
    .await?;
    let file = files
        .into_iter()
        .find(|f| !f.filename.is_empty())
        .map(|f| (f.filename, f.content, f.too_large));
    let report = reconciliation::upload(&state, &staff, file).await?;
    leptos_axum::redirect(&format!(
        "/staff/payments?done=imported&booked={}&open={}&duplicates={}&entries={}",
        report.booked, report.open, report.duplicates, report.entries
    ));
    Ok(())
}

/// Books an open bank entry on the case with `reference`.
#[server(endpoint = "assign_bank_entry")]
pub async fn assign_bank_entry(
    entry_id: i64,
    reference: String,
    back: String,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    crate::server::reconciliation::assign(&state, &staff, entry_id, &reference, request_id())
        .await?;
    leptos_axum::redirect(&payments_return(&back, "assigned"));
    Ok(())
}

/// Closes an open bank entry without booking, with the reason.
#[server(endpoint = "dismiss_bank_entry")]
pub async fn dismiss_bank_entry(entry_id: i64, note: String, back: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    crate::server::reconciliation::dismiss(&state, &staff, entry_id, &note, request_id()).await?;
    leptos_axum::redirect(&payments_return(&back, "dismissed"));
    Ok(())
}

/// Back to where the decision was made (the payments page or a case), with the confirmation.
#[cfg(feature = "ssr")]
fn payments_return(back: &str, done: &str) -> String {
    let back = crate::api::portal::safe_return_path(back);
    let back = if back.starts_with("/staff") {
        back
    } else {
        "/staff/payments"
    };
    let path = back.split(['?', '#']).next().unwrap_or("/staff/payments");
    format!("{path}?done={done}")
}
