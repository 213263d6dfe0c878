//! The queue and the actions on a case: each checks the staff session, the use-case that the
//! case belongs to the staff member's agency.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use super::signed_in;
use crate::dto::{HandlerCaseView, QueuePage};
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::api::support::{fresh_form_key, request_id},
    crate::domain::work::Role,
    crate::server::handling,
};

/// After an action: back to the case with a confirmation.
#[cfg(feature = "ssr")]
fn back_to_case(case_id: i64, done: &str) {
    leptos_axum::redirect(&format!("/staff/cases/{case_id}?done={done}"));
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
    let back = crate::api::portal::safe_return_path(&back);
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
