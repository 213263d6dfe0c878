//! The staff member's own account and digest, the agency's templates and settings.

#[cfg(feature = "ssr")]
use super::signed_in;
use crate::dto::{AccountPage, SettingsPage, TemplatesPage};
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::api::support::{request_id, session, state},
    crate::domain::work::Role,
    crate::server::handling,
};

/// The signed-in member's account page.
#[server(endpoint = "get_account")]
pub async fn get_account() -> Result<AccountPage, AppError> {
    use crate::server::{account, ports::Realm};
    let state = state()?;
    let session = session().await?;
    // Reachable while the account still owes set-up: this is where it is done.
    let (s, login) = account::own_account(&state, &session, Realm::Staff).await?;
    let member = state
        .store
        .staff_member(s.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let security = account::describe(&state, &session, Realm::Staff, s, login).await?;
    Ok(AccountPage { member, security })
}

/// Turns the daily queue digest on (`on=1`) or off.
#[server(endpoint = "set_digest")]
pub async fn set_digest(on: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let on = on == "1";
    let audit = crate::server::ports::AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "staff",
        actor_id: Some(staff.id.to_string()),
        case_id: None,
        action: "staff.digest",
        detail: format!(r#"{{"on":{on}}}"#),
        request_id: request_id(),
    };
    state.store.set_digest(staff.id, on, audit).await?;
    leptos_axum::redirect("/staff/account?done=digest");
    Ok(())
}

/// The agency's templates and, when asked, a preview rendered for a real case (supervisors).
#[server(endpoint = "get_templates")]
pub async fn get_templates(
    preview_reference: Option<String>,
    preview_body: Option<String>,
) -> Result<TemplatesPage, AppError> {
    let (state, staff) = signed_in(Role::Supervisor).await?;
    let templates = state.store.templates(staff.agency_id).await?;
    let lang = crate::i18n::request_language();
    let preview = match (preview_reference, preview_body) {
        (Some(r), Some(b)) if !r.trim().is_empty() => Some(
            handling::preview_template(&state, &staff, &b, &r)
                .await
                .map_err(|e| e.message(lang)),
        ),
        _ => None,
    };
    Ok(TemplatesPage { templates, preview })
}

/// Saves a template (supervisors).
#[server(endpoint = "save_template")]
pub async fn save_template(
    key: String,
    language: String,
    class_key: String,
    title: String,
    body: String,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Supervisor).await?;
    let template = crate::server::ports::Template {
        key: key.trim().to_string(),
        language,
        class_key,
        title: title.trim().to_string(),
        body,
    };
    handling::save_template(&state, &staff, template, request_id()).await?;
    leptos_axum::redirect("/staff/templates?done=saved");
    Ok(())
}

/// The agency's settings (admins).
#[server(endpoint = "get_settings")]
pub async fn get_settings() -> Result<SettingsPage, AppError> {
    let (state, staff) = signed_in(Role::Admin).await?;
    let (name, reply_days) = state
        .store
        .agency(staff.agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    use crate::domain::interest::{BaseRateTable, BASE_RATE_LEAD_DAYS};
    let rates = BaseRateTable::new(state.store.base_rates().await?).map_err(|e| {
        tracing::error!(error = %e, "the base rates in the database are not valid");
        AppError::Internal
    })?;
    let missing_base_rate = rates.missing_soon(crate::server::today(&state)?, BASE_RATE_LEAD_DAYS);
    Ok(SettingsPage {
        name,
        reply_days,
        missing_base_rate,
    })
}

/// Changes the agency's reply promise (admins).
#[server(endpoint = "set_reply_days")]
pub async fn set_reply_days(reply_days: String) -> Result<(), AppError> {
    use crate::error::{FormErrors, Problem};
    let (state, staff) = signed_in(Role::Admin).await?;
    let days = reply_days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=30).contains(d))
        .ok_or_else(|| {
            AppError::Validation(
                FormErrors::default()
                    .field("reply_days", Problem::OutOfRange)
                    .keep("reply_days", &reply_days),
            )
        })?;
    let audit = crate::server::ports::AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "staff",
        actor_id: Some(staff.id.to_string()),
        case_id: None,
        action: "staff.settings",
        detail: format!(r#"{{"reply_days":{days}}}"#),
        request_id: request_id(),
    };
    state
        .store
        .set_reply_days(staff.agency_id, days, audit)
        .await?;
    leptos_axum::redirect("/staff/settings?done=saved");
    Ok(())
}
