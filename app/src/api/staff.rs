//! Server functions of the staff workspace. Each one checks the staff session and the role it
//! needs; the use-cases check that the case belongs to the staff member's agency.

// A server function takes one argument per form field, and the macro's browser-side stub copies
// the signature, so a form with many fields means many arguments.
#![allow(clippy::too_many_arguments)]

use crate::dto::{AccountPage, SettingsPage, TemplatesPage};
use crate::dto::{HandlerCaseView, QueuePage, StaffMember};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{client_address, fresh_form_key, request_id, session, state},
    crate::domain::work::Role,
    crate::server::staff::{current_staff, Staff},
    crate::server::team::{self, Manager},
    crate::server::{handling, staff as accounts, AppState},
};

/// The signed-in staff member with at least `role`.
#[cfg(feature = "ssr")]
async fn signed_in(role: Role) -> Result<(AppState, Staff), AppError> {
    let state = state()?;
    let staff = current_staff(&state, &session().await?, role).await?;
    Ok((state, staff))
}

/// After an action: back to the case with a confirmation.
#[cfg(feature = "ssr")]
fn back_to_case(case_id: i64, done: &str) {
    leptos_axum::redirect(&format!("/staff/cases/{case_id}?done={done}"));
}

/// Signs a staff member in.
#[server(endpoint = "staff_login")]
pub async fn staff_login(email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let client = client_address().await;
    let next = accounts::login(
        &state,
        &session().await?,
        crate::server::ports::Realm::Staff,
        &email,
        &password,
        &client,
        request_id(),
    )
    .await?;
    leptos_axum::redirect(match next {
        accounts::SignIn::Done => "/staff",
        accounts::SignIn::CodeNeeded => "/staff/login?step=code",
    });
    Ok(())
}

/// Signs the staff member out.
#[server(endpoint = "staff_logout")]
pub async fn staff_logout() -> Result<(), AppError> {
    let state = state()?;
    accounts::logout(&state, &session().await?).await?;
    leptos_axum::redirect("/staff/login");
    Ok(())
}

/// One page of the work queue, filtered.
#[server(endpoint = "get_queue")]
pub async fn get_queue(
    kind: Option<String>,
    creditor: Option<String>,
    class: Option<String>,
    assignee: Option<String>,
    page: Option<String>,
) -> Result<QueuePage, AppError> {
    use crate::domain::work::WorkKind;
    use crate::server::ports::QueueFilter;
    let (state, staff) = signed_in(Role::Handler).await?;
    let some = |v: Option<String>| v.filter(|v| !v.is_empty());
    let filter = QueueFilter {
        kind: some(kind).and_then(|k| WorkKind::from_code(&k)),
        creditor_id: some(creditor).and_then(|c| c.parse().ok()),
        class_key: some(class),
        assignee: match some(assignee).as_deref() {
            Some("nobody") => Some(None),
            Some("me") => Some(Some(staff.id)),
            Some(id) => id.parse().ok().map(Some),
            None => None,
        },
        page: some(page)
            .and_then(|p| p.parse::<u32>().ok())
            .map_or(0, |p| p.saturating_sub(1)),
        per_page: handling::PER_PAGE,
    };
    let mut page = handling::queue(&state, &staff, filter).await?;
    page.form_key = fresh_form_key();
    Ok(page)
}

/// Assigns a queue item (`me`, a colleague's id, or empty for nobody) and returns to the queue.
#[server(endpoint = "assign_work")]
pub async fn assign_work(item_id: i64, assignee: String, back: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let assignee = match assignee.as_str() {
        "me" => Some(staff.id),
        "" => None,
        id => Some(id.parse().map_err(|_| AppError::NotFound)?),
    };
    handling::assign(&state, &staff, item_id, assignee, request_id()).await?;
    let back = super::portal::safe_return_path(&back);
    leptos_axum::redirect(if back.starts_with("/staff") {
        back
    } else {
        "/staff"
    });
    Ok(())
}

/// The handler's view of a case.
#[server(endpoint = "get_staff_case")]
pub async fn get_staff_case(case_id: i64) -> Result<HandlerCaseView, AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let mut view = handling::case_page(&state, &staff, case_id).await?;
    view.form_key = fresh_form_key();
    Ok(view)
}

/// Replies to the debtor.
#[server(endpoint = "staff_reply")]
pub async fn staff_reply(case_id: i64, form_key: String, body: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    handling::reply(&state, &staff, case_id, &form_key, &body, request_id()).await?;
    back_to_case(case_id, "handler_replied");
    Ok(())
}

/// Asks the creditor to approve the debtor's plan proposal, recommending `approve` or `decline`.
#[server(endpoint = "staff_ask_plan_approval")]
pub async fn staff_ask_plan_approval(
    case_id: i64,
    form_key: String,
    plan_id: i64,
    recommendation: Option<String>,
    approval_note: Option<String>,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    handling::ask_plan_approval(
        &state,
        &staff,
        case_id,
        &form_key,
        plan_id,
        &recommendation.unwrap_or_default(),
        &approval_note.unwrap_or_default(),
        request_id(),
    )
    .await?;
    back_to_case(case_id, "plan_approval_requested");
    Ok(())
}

/// Accepts (`decision=accept`) or rejects the debtor's plan proposal.
#[server(endpoint = "staff_decide_plan")]
pub async fn staff_decide_plan(
    case_id: i64,
    form_key: String,
    plan_id: i64,
    decision: String,
    note: Option<String>,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let accept = decision == "accept";
    let note = note.unwrap_or_default();
    handling::decide_plan(
        &state,
        &staff,
        case_id,
        &form_key,
        plan_id,
        accept,
        &note,
        request_id(),
    )
    .await?;
    back_to_case(
        case_id,
        if accept {
            "plan_accepted"
        } else {
            "plan_rejected"
        },
    );
    Ok(())
}

/// Counters the debtor's plan proposal.
#[server(endpoint = "staff_counter_plan")]
pub async fn staff_counter_plan(
    case_id: i64,
    plan_id: i64,
    form_key: String,
    kind: String,
    down_payment: String,
    first_due: String,
    count: Option<String>,
    frequency: Option<String>,
    creditor_approval: Option<String>,
    note: Option<String>,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let input = crate::forms::PlanInput {
        form_key,
        kind,
        down_payment,
        first_due,
        count: count.unwrap_or_default(),
        frequency: frequency.unwrap_or_default(),
        // The cost notice is the debtor's to read: it is shown with the counter-offer before they
        // accept it.
        cost_notice_seen: true,
    };
    handling::counter_plan(
        &state,
        &staff,
        case_id,
        plan_id,
        input,
        &creditor_approval.unwrap_or_default(),
        &note.unwrap_or_default(),
        request_id(),
    )
    .await?;
    back_to_case(case_id, "plan_countered");
    Ok(())
}

/// Corrects one claim item in the debtor's favour.
#[server(endpoint = "staff_correct_item")]
pub async fn staff_correct_item(
    case_id: i64,
    form_key: String,
    item_id: i64,
    amount: String,
    reason: String,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    handling::correct_item(
        &state,
        &staff,
        case_id,
        &form_key,
        item_id,
        &amount,
        &reason,
        request_id(),
    )
    .await?;
    back_to_case(case_id, "item_corrected");
    Ok(())
}

/// Decides an open dispute.
#[server(endpoint = "staff_resolve_dispute")]
pub async fn staff_resolve_dispute(
    case_id: i64,
    form_key: String,
    dispute_id: i64,
    outcome: Option<String>,
    answer: String,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let outcome = outcome.unwrap_or_default();
    handling::resolve_dispute(
        &state,
        &staff,
        case_id,
        &form_key,
        dispute_id,
        &outcome,
        &answer,
        request_id(),
    )
    .await?;
    back_to_case(case_id, &format!("dispute_{outcome}"));
    Ok(())
}

/// Confirms (`decision=confirm`) a reported payment or reports it not found.
#[server(endpoint = "staff_payment_claim")]
pub async fn staff_payment_claim(
    case_id: i64,
    form_key: String,
    claim_id: i64,
    decision: String,
    note: Option<String>,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let confirmed = decision == "confirm";
    handling::decide_payment_claim(
        &state,
        &staff,
        case_id,
        &form_key,
        claim_id,
        confirmed,
        &note.unwrap_or_default(),
        request_id(),
    )
    .await?;
    back_to_case(
        case_id,
        if confirmed {
            "payment_confirmed"
        } else {
            "payment_not_found"
        },
    );
    Ok(())
}

/// Puts the case on hold until a date.
#[server(endpoint = "staff_hold")]
pub async fn staff_hold(
    case_id: i64,
    form_key: String,
    until: String,
    note: String,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    handling::hold(
        &state,
        &staff,
        case_id,
        &form_key,
        &until,
        &note,
        request_id(),
    )
    .await?;
    back_to_case(case_id, "hold_placed");
    Ok(())
}

/// Lifts the holds of the case.
#[server(endpoint = "staff_resume")]
pub async fn staff_resume(case_id: i64, form_key: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    handling::resume(&state, &staff, case_id, &form_key, request_id()).await?;
    back_to_case(case_id, "hold_lifted");
    Ok(())
}

/// Requests court dunning (with the creditor's consent where the class requires it).
#[server(endpoint = "staff_escalate")]
pub async fn staff_escalate(case_id: i64, form_key: String, note: String) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    handling::request_escalation(&state, &staff, case_id, &form_key, &note, request_id()).await?;
    back_to_case(case_id, "escalation_requested");
    Ok(())
}

/// Records a phone call or a letter received.
#[server(endpoint = "staff_record_contact")]
pub async fn staff_record_contact(
    case_id: i64,
    form_key: String,
    channel: Option<String>,
    note: String,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let channel = channel.unwrap_or_default();
    handling::record_contact(
        &state,
        &staff,
        case_id,
        &form_key,
        &channel,
        &note,
        request_id(),
    )
    .await?;
    back_to_case(
        case_id,
        if channel == "phone" {
            "phone_call_recorded"
        } else {
            "letter_received"
        },
    );
    Ok(())
}

/// Writes the claim off (`outcome=write_off`) or closes a paid case (`outcome=close`).
#[server(endpoint = "staff_finish")]
pub async fn staff_finish(
    case_id: i64,
    form_key: String,
    outcome: String,
    note: Option<String>,
) -> Result<(), AppError> {
    let (state, staff) = signed_in(Role::Handler).await?;
    let write_off = outcome == "write_off";
    handling::finish(
        &state,
        &staff,
        case_id,
        &form_key,
        write_off,
        &note.unwrap_or_default(),
        request_id(),
    )
    .await?;
    back_to_case(
        case_id,
        if write_off {
            "written_off"
        } else {
            "case_closed"
        },
    );
    Ok(())
}

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
    Ok(SettingsPage { name, reply_days })
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
    let (_, files) = super::debtor::read_form_limited(
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
    let back = super::portal::safe_return_path(back);
    let back = if back.starts_with("/staff") {
        back
    } else {
        "/staff/payments"
    };
    let path = back.split(['?', '#']).next().unwrap_or("/staff/payments");
    format!("{path}?done={done}")
}
