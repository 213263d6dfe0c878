//! Server functions of the creditor portal: sign-in, consents, API keys and treatment classes.
//! Each checks the creditor session and role; the stores check that a case or class belongs to
//! the user's creditor.

// A server function takes one argument per form field; a band of plan rules has many.
#![allow(clippy::too_many_arguments)]

use crate::dto::{
    ApiKeysPage, ClassesPage, ConsentInbox, CreditorOverview, CreditorTeamPage, ImportJobView,
    ImportsPage, RetentionPage, WebhooksPage,
};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::MultipartData;

#[cfg(feature = "ssr")]
use {
    super::support::{client_address, fresh_form_key, request_id, session, state},
    crate::domain::work::CreditorRole,
    crate::server::classes::{BandForm, ClassChange},
    crate::server::ports::Realm,
    crate::server::team::Manager,
    crate::server::{
        api_keys, classes, consent, creditor_users, imports, overview, retention, team, webhooks,
    },
};

/// Signs a creditor's user in.
#[server(endpoint = "creditor_login")]
pub async fn creditor_login(email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let client = client_address().await;
    let next = crate::server::staff::login(
        &state,
        &session().await?,
        Realm::Creditor,
        &email,
        &password,
        &client,
        request_id(),
    )
    .await?;
    leptos_axum::redirect(match next {
        crate::server::staff::SignIn::Done => "/creditor",
        crate::server::staff::SignIn::CodeNeeded => "/creditor/login?step=code",
    });
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
        consent::Asked::Escalation { case_id },
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

/// An owner approves (`decision=approve`) or declines a plan proposal the handlers asked about.
#[server(endpoint = "decide_plan_approval")]
pub async fn decide_plan_approval(
    approval_id: i64,
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
        consent::Asked::Plan { approval_id },
        &form_key,
        approved,
        &comment.unwrap_or_default(),
        request_id(),
    )
    .await?;
    leptos_axum::redirect(if approved {
        "/creditor?done=plan_approved"
    } else {
        "/creditor?done=plan_declined"
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
    // Sealed in the session row, so that the table never holds a working key.
    let new_key = new_key.and_then(|k| state.settings.session_key.open_own(NEW_KEY, &k));
    api_keys::page(&state, member, new_key).await
}

/// Creates an API key (owners); the page shows it once.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(name: String) -> Result<(), AppError> {
    let state = state()?;
    let session = session().await?;
    let member = consent::current_creditor(&state, &session, CreditorRole::Owner).await?;
    let key = api_keys::create(&state, &member, &name, request_id()).await?;
    let sealed = state
        .settings
        .session_key
        .seal(NEW_KEY, &key)
        .map_err(|e| {
            tracing::error!(error = %e, "cannot seal a new API key");
            AppError::Internal
        })?;
    session.insert(NEW_KEY, sealed).await.map_err(|e| {
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

/// The creditor's treatment classes (owners and viewers).
#[server(endpoint = "get_classes")]
pub async fn get_classes() -> Result<ClassesPage, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    classes::page(&state, member).await
}

/// Which form of the class page an error belongs to, so that only that form shows it.
#[cfg(feature = "ssr")]
fn for_form(e: AppError, form: String) -> AppError {
    match e {
        AppError::Validation(errors) => AppError::Validation(errors.keep("form", &form)),
        other => other,
    }
}

/// Sets a class's reply time and whether court dunning needs consent (owners).
#[server(endpoint = "update_class_settings")]
pub async fn update_class_settings(
    class_id: i64,
    reply_days: String,
    escalation_needs_consent: Option<String>,
    consent_days: String,
    consent_default: Option<String>,
    plan_consent_default: Option<String>,
    interest: Option<String>,
    waive_costs: Option<String>,
) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    let change = ClassChange::Settings {
        reply_days,
        escalation_needs_consent: escalation_needs_consent.is_some(),
        consent_days,
        consent_default: consent_default.unwrap_or_default(),
        plan_consent_default: plan_consent_default.unwrap_or_default(),
        interest,
        waive_costs: waive_costs.is_some(),
    };
    classes::change(&state, &member, class_id, &change, request_id())
        .await
        .map_err(|e| for_form(e, "settings".into()))?;
    leptos_axum::redirect(&format!("/creditor/classes/{class_id}?done=saved"));
    Ok(())
}

/// Sets the reminders of a class: tone, rhythm, channels (owners).
#[server(endpoint = "update_class_reminders")]
pub async fn update_class_reminders(
    class_id: i64,
    tone: String,
    first_after: String,
    further: String,
    further_after: String,
    final_notice: Option<String>,
    final_after: String,
    escalation: Option<String>,
    escalation_after: String,
    instalment_reminder_days: String,
    email: Option<String>,
    letter: Option<String>,
) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    let change = ClassChange::Reminders(classes::ReminderForm {
        tone,
        first_after,
        further,
        further_after,
        final_notice: final_notice.is_some(),
        final_after,
        escalation: escalation.is_some(),
        escalation_after,
        instalment_reminder_days,
        email: email.is_some(),
        letter: letter.is_some(),
    });
    classes::change(&state, &member, class_id, &change, request_id())
        .await
        .map_err(|e| for_form(e, "reminders".into()))?;
    leptos_axum::redirect(&format!("/creditor/classes/{class_id}?done=saved"));
    Ok(())
}

/// Sets the plan rules of one balance band of a class (owners).
#[server(endpoint = "update_class_band")]
pub async fn update_class_band(
    class_id: i64,
    band: usize,
    up_to: Option<String>,
    min_instalment: String,
    max_months: String,
    max_count: String,
    down_payment: String,
    max_deferral_days: String,
    auto_accept: Option<String>,
    review_outside_bounds: Option<String>,
    grace_days: String,
    misses_to_break: String,
) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    let change = ClassChange::Band {
        index: band,
        form: BandForm {
            up_to: up_to.unwrap_or_default(),
            min_instalment,
            max_months,
            max_count,
            down_payment,
            max_deferral_days,
            auto_accept: auto_accept.is_some(),
            review_outside_bounds: review_outside_bounds.is_some(),
            grace_days,
            misses_to_break,
        },
    };
    classes::change(&state, &member, class_id, &change, request_id())
        .await
        .map_err(|e| for_form(e, format!("band-{band}")))?;
    leptos_axum::redirect(&format!("/creditor/classes/{class_id}?done=saved"));
    Ok(())
}

/// The creditor's figures and one page of cases (owners and viewers).
#[server(endpoint = "get_creditor_overview")]
pub async fn get_creditor_overview(
    state_code: Option<String>,
    class: Option<String>,
    query: Option<String>,
    page: Option<u32>,
) -> Result<CreditorOverview, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    let filter = overview::filter(state_code, class, query, page);
    let mut page = overview::page(&state, member, &filter).await?;
    page.form_key = fresh_form_key();
    Ok(page)
}

/// The session key under which the result of an activity upload waits to be shown once.
#[cfg(feature = "ssr")]
const ACTIVITY_UPLOAD: &str = "creditor.activity_upload";

/// The retention dashboard (owners and viewers), filtered by the period in which cases ended
/// and by class; the result of an upload a moment ago is shown once.
#[server(endpoint = "get_retention")]
pub async fn get_retention(
    from: Option<String>,
    to: Option<String>,
    class: Option<String>,
) -> Result<RetentionPage, AppError> {
    let state = state()?;
    let session = session().await?;
    let member = consent::current_creditor(&state, &session, CreditorRole::Viewer).await?;
    let upload = session
        .remove::<crate::dto::ActivityImportView>(ACTIVITY_UPLOAD)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "session store");
            AppError::Internal
        })?;
    retention::page(&state, member, retention::filter(from, to, class), upload).await
}

/// One customer's relationship page (owners and viewers); 404 for another creditor's debtor.
#[server(endpoint = "get_customer")]
pub async fn get_customer(debtor_id: i64) -> Result<crate::dto::CustomerPage, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    retention::customer(&state, member, debtor_id, request_id()).await
}

/// Uploads a CSV file of customer activity (owners): all rows are stored, or none.
#[server(endpoint = "upload_activities", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn upload_activities(data: MultipartData) -> Result<(), AppError> {
    let state = state()?;
    let session = session().await?;
    let member = consent::current_creditor(&state, &session, CreditorRole::Owner).await?;
    let (_, files) =
        super::debtor::read_form_limited(data, retention::MAX_BYTES, &["form_key", "file"]).await?;
    let file = files
        .into_iter()
        .find(|f| !f.filename.is_empty())
        .map(|f| (f.filename, f.content, f.too_large));
    let result = retention::upload(&state, &member, file).await?;
    session.insert(ACTIVITY_UPLOAD, result).await.map_err(|e| {
        tracing::error!(error = %e, "session store");
        AppError::Internal
    })?;
    leptos_axum::redirect("/creditor/retention#activity-result");
    Ok(())
}

/// Moves a running case to another of the creditor's classes (owners).
#[server(endpoint = "move_case_class")]
pub async fn move_case_class(case_id: i64, class: String) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    overview::move_case(&state, &member, case_id, &class, request_id()).await?;
    leptos_axum::redirect("/creditor/overview?done=moved");
    Ok(())
}

/// Pauses the reminders of a running case for some days (owners): "we will call them ourselves".
#[server(endpoint = "pause_case")]
pub async fn pause_case(case_id: i64, days: String) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    let until = overview::pause_case(&state, &member, case_id, &days, request_id()).await?;
    leptos_axum::redirect(&format!("/creditor/overview?done=paused&until={until}"));
    Ok(())
}

/// The creditor's remittance reports (owners and viewers).
#[server(endpoint = "get_remittances")]
pub async fn get_remittances() -> Result<crate::dto::RemittancesPage, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    overview::remittances(&state, member).await
}

/// The webhook settings and delivery log (owners and viewers; the secret only for owners).
#[server(endpoint = "get_webhooks")]
pub async fn get_webhooks() -> Result<WebhooksPage, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    webhooks::page(&state, member).await
}

/// Sets the webhook address (owners); empty switches webhooks off.
#[server(endpoint = "set_webhook_url")]
pub async fn set_webhook_url(url: String) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    webhooks::set_url(&state, &member, &url, request_id()).await?;
    leptos_axum::redirect("/creditor/webhooks?done=saved");
    Ok(())
}

/// Renews the signing secret (owners).
#[server(endpoint = "renew_webhook_secret")]
pub async fn renew_webhook_secret() -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    webhooks::renew_secret(&state, &member, request_id()).await?;
    leptos_axum::redirect("/creditor/webhooks?done=renewed");
    Ok(())
}

/// Sends a given-up webhook again (owners).
#[server(endpoint = "retry_webhook")]
pub async fn retry_webhook(delivery_id: i64) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    webhooks::retry(&state, &member, delivery_id, request_id()).await?;
    leptos_axum::redirect("/creditor/webhooks?done=retried");
    Ok(())
}

/// The creditor's recent imports (owners and viewers).
#[server(endpoint = "get_imports")]
pub async fn get_imports() -> Result<ImportsPage, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    imports::page(&state, member).await
}

/// One import with its progress or report (owners and viewers).
#[server(endpoint = "get_import")]
pub async fn get_import(job_id: i64) -> Result<ImportJobView, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Viewer).await?;
    imports::job(&state, &member, job_id).await
}

/// Uploads a hand-over file (owners); the import runs in the background.
#[server(endpoint = "upload_claims", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn upload_claims(data: MultipartData) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    let (fields, files) = super::debtor::read_form_limited(
        data,
        imports::MAX_BYTES,
        &["form_key", "file", "partial"],
    )
    .await?;
    let file = files
        .into_iter()
        .find(|f| !f.filename.is_empty())
        .map(|f| (f.filename, f.content, f.too_large));
    let partial = fields.get("partial").is_some_and(|v| !v.is_empty());
    let job = imports::upload(&state, &member, file, partial, request_id()).await?;
    leptos_axum::redirect(&format!("/creditor/import/{job}"));
    Ok(())
}

/// The creditor's users (owners).
#[server(endpoint = "get_creditor_team")]
pub async fn get_creditor_team() -> Result<CreditorTeamPage, AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    creditor_users::page(&state, member).await
}

/// Adds a user to the creditor (owners).
#[server(endpoint = "create_creditor_user")]
pub async fn create_creditor_user(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    team::create(
        &state,
        &Manager::creditor(&member),
        &email,
        &display_name,
        &role,
        &password,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/creditor/team?done=created");
    Ok(())
}

/// Gives another user of the creditor a new first password and removes their two-step sign-in
/// (owners).
#[server(endpoint = "reset_creditor_user_sign_in")]
pub async fn reset_creditor_user_sign_in(user_id: i64, password: String) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    team::reset_sign_in(
        &state,
        &Manager::creditor(&member),
        user_id,
        &password,
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/creditor/team?done=reset");
    Ok(())
}

/// Deactivates (`active=0`) or reactivates (`active=1`) a user of the creditor (owners).
#[server(endpoint = "set_creditor_user_active")]
pub async fn set_creditor_user_active(user_id: i64, active: String) -> Result<(), AppError> {
    let state = state()?;
    let member = consent::current_creditor(&state, &session().await?, CreditorRole::Owner).await?;
    team::set_active(
        &state,
        &Manager::creditor(&member),
        user_id,
        active == "1",
        request_id(),
    )
    .await?;
    leptos_axum::redirect("/creditor/team?done=active");
    Ok(())
}
