//! A handler's plain actions on a case: a reply, a hold and its end, an escalation request, a
//! note of a contact, and closing the case.

use super::{form_key, handler_case, headline, perform, text, Act};
use crate::domain::case_state::{CaseEvent, HoldReason};
use crate::domain::work::WorkKind;
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::{CaseChange, HandlerCases};
use crate::server::staff::Staff;
use crate::server::{today, AppState};

/// Replies in the case conversation.
pub async fn reply<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    body: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, body) = text(FormErrors::default(), "body", body, true);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let mut act = Act::new(
        "handler_replied",
        vec![CaseEvent::MessageSent],
        CaseChange::Message { body: body.clone() },
    );
    act.done = vec![WorkKind::Message];
    act.news = Some((headline(c.debtor_language, "reply"), Some(body)));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Puts the case on hold until a date (exclusive), with a note.
pub async fn hold<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    until: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let today = today(state)?;
    let (mut errors, note) = text(FormErrors::default(), "note", note, true);
    errors = errors.keep("until", until);
    let until = match chrono::NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d") {
        Ok(d) if d > today && d <= today + chrono::Days::new(366) => Some(d),
        Ok(d) if d <= today => {
            errors = errors.field("until", Problem::DateInPast);
            None
        }
        Ok(_) => {
            errors = errors.field("until", Problem::TooFarAhead);
            None
        }
        Err(_) if until.trim().is_empty() => {
            errors = errors.field("until", Problem::Required);
            None
        }
        Err(_) => {
            errors = errors.field("until", Problem::InvalidFormat);
            None
        }
    };
    let (Some(until), true) = (until, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let c = handler_case(state, staff, case_id).await?;
    let mut act = Act::new(
        "hold_placed",
        vec![CaseEvent::HoldPlaced],
        CaseChange::Nothing,
    );
    act.hold = Some((HoldReason::HandlerHold, today, Some(until)));
    act.detail = serde_json::json!({ "until": until, "note": note });
    // The debtor learns that reminders pause and until when; the internal note stays internal.
    let until_text = crate::i18n::format_date(c.debtor_language, until);
    act.news = Some((
        (crate::i18n::staff_tr(c.debtor_language).news_hold)(&until_text),
        None,
    ));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Ends every hold of the case; dunning resumes.
pub async fn resume<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let c = handler_case(state, staff, case_id).await?;
    let mut act = Act::new(
        "hold_lifted",
        vec![CaseEvent::HoldEnded],
        CaseChange::Nothing,
    );
    act.lift_holds = vec![
        HoldReason::HandlerHold,
        HoldReason::AlreadyPaidCheck,
        HoldReason::CreditorPause,
    ];
    perform(state, staff, &c, &key, act, request_id).await
}

/// Asks the creditor to consent to court dunning. Classes that do not require consent are
/// escalated at once (the creditor's standing consent applies).
pub async fn request_escalation<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, true);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let kind = if c.escalation_needs_consent {
        "escalation_requested"
    } else {
        "escalated"
    };
    let mut act = Act::new(
        kind,
        vec![CaseEvent::EscalationRequested],
        CaseChange::Nothing,
    );
    if !c.escalation_needs_consent {
        act.by_rule = vec![CaseEvent::EscalationApproved];
    }
    act.detail =
        serde_json::json!({ "note": note, "consent_required": c.escalation_needs_consent });
    if kind == "escalated" {
        // Handed over to court dunning: the debtor must know (a request for consent stays
        // internal until the creditor decides).
        act.news = Some((headline(c.debtor_language, "escalated"), None));
    }
    perform(state, staff, &c, &key, act, request_id).await
}

/// Records a phone call or a letter received, with what was said.
pub async fn record_contact<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    channel: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    // The case first: another agency's case is "not found" whatever the form says.
    let c = handler_case(state, staff, case_id).await?;
    let (errors, note) = text(FormErrors::default(), "note", note, true);
    let kind = match channel {
        "phone" => "phone_call_recorded",
        "letter" => "letter_received",
        _ => {
            return Err(AppError::Validation(
                errors.field("channel", Problem::Required),
            ))
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut act = Act::new(kind, Vec::new(), CaseChange::Nothing);
    act.detail = serde_json::json!({ "note": note });
    perform(state, staff, &c, &key, act, request_id).await
}

/// Writes the claim off (nothing more is collected) or closes a paid case.
pub async fn finish<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    write_off: bool,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, write_off);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let (kind, event) = if write_off {
        ("written_off", CaseEvent::WrittenOff)
    } else {
        ("case_closed", CaseEvent::Closed)
    };
    let change = if write_off {
        CaseChange::WriteOff {
            reason: note.clone(),
        }
    } else {
        CaseChange::Nothing
    };
    let mut act = Act::new(kind, vec![event], change);
    act.lift_holds = vec![
        HoldReason::HandlerHold,
        HoldReason::AlreadyPaidCheck,
        HoldReason::CreditorPause,
        HoldReason::Dispute,
        HoldReason::PlanProposal,
    ];
    act.done = crate::domain::work::ALL_KINDS.to_vec();
    act.detail = serde_json::json!({ "note": note });
    if write_off {
        act.news = Some((headline(c.debtor_language, kind), None));
    }
    perform(state, staff, &c, &key, act, request_id).await
}
