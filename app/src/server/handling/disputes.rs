//! A handler's answers to what the debtor contests: item corrections, disputes and reported
//! payments.

use super::{form_key, handler_case, headline, perform, text, Act};
use crate::domain::case_state::{CaseEvent, CaseState, HoldReason};
use crate::domain::work::WorkKind;
use crate::domain::Money;
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::{CaseChange, HandlerCases};
use crate::server::staff::Staff;
use crate::server::AppState;

/// Corrects one claim item in the debtor's favour (lower, or zero to cancel it), with a reason.
#[allow(clippy::too_many_arguments)]
pub async fn correct_item<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    item_id: i64,
    amount: &str,
    reason: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let c = handler_case(state, staff, case_id).await?;
    let (mut errors, reason) = text(FormErrors::default(), "reason", reason, true);
    errors = errors.keep("amount", amount);
    let item = c.items.iter().find(|(id, _, _)| *id == item_id);
    let lang = crate::i18n::request_language();
    let new = match item {
        None => {
            errors = errors.field("item_id", Problem::Required);
            None
        }
        Some((_, _, old)) => match Money::parse(amount, lang, old.currency) {
            Ok(m) if m.minor >= 0 && m.minor < old.minor => Some(m),
            Ok(_) => {
                errors = errors.field("amount", Problem::MustBeLower);
                None
            }
            Err(_) => {
                errors = errors.field("amount", Problem::InvalidAmount);
                None
            }
        },
    };
    let (Some(new), true) = (new, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let mut act = Act::new(
        "item_corrected",
        Vec::new(),
        CaseChange::Dispute {
            dispute_id: 0,
            upheld: true,
            answer: reason.clone(),
            corrections: vec![(item_id, new.minor)],
        },
    );
    act.detail =
        serde_json::json!({ "item_id": item_id, "new_minor": new.minor, "reason": reason });
    perform(state, staff, &c, &key, act, request_id).await
}

/// Resolves an open dispute: `upheld` (in the debtor's favour, after correcting items; dunning
/// resumes on what is left), `cancelled` (the whole claim is cancelled; the case closes) or
/// `rejected` (explained; dunning resumes).
#[allow(clippy::too_many_arguments)]
pub async fn resolve_dispute<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    dispute_id: i64,
    outcome: &str,
    answer: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, answer) = text(FormErrors::default(), "answer", answer, true);
    let (event, upheld, what) = match outcome {
        "upheld" => (CaseEvent::DisputeUpheld, true, "dispute_upheld"),
        "cancelled" => (CaseEvent::ClaimCancelled, true, "claim_cancelled"),
        "rejected" => (CaseEvent::DisputeRejected, false, "dispute_rejected"),
        _ => {
            return Err(AppError::Validation(
                errors.field("outcome", Problem::Required),
            ))
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    if !c.open_disputes.contains(&dispute_id) {
        return Err(AppError::Conflict);
    }
    let corrections = if outcome == "cancelled" {
        c.items
            .iter()
            .filter(|(_, _, m)| m.minor > 0)
            .map(|(id, _, _)| (*id, 0))
            .collect()
    } else {
        Vec::new()
    };
    let mut act = Act::new(
        what,
        vec![event],
        CaseChange::Dispute {
            dispute_id,
            upheld,
            answer: answer.clone(),
            corrections,
        },
    );
    act.lift_holds = vec![HoldReason::Dispute];
    act.done = vec![WorkKind::Dispute];
    act.detail = serde_json::json!({ "dispute_id": dispute_id, "outcome": outcome });
    act.news = Some((headline(c.debtor_language, what), Some(answer)));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Decides a payment the debtor reported: confirmed (booked as a payment) or not found.
#[allow(clippy::too_many_arguments)]
pub async fn decide_payment_claim<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    claim_id: i64,
    confirmed: bool,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, !confirmed);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    if !c
        .open_payment_claims
        .iter()
        .any(|(id, _, _)| *id == claim_id)
    {
        return Err(AppError::Conflict);
    }
    let what = if confirmed {
        "payment_confirmed"
    } else {
        "payment_not_found"
    };
    let events = if c.state == CaseState::OnHold {
        vec![CaseEvent::HoldEnded]
    } else {
        Vec::new()
    };
    let mut act = Act::new(
        what,
        events,
        CaseChange::PaymentClaim {
            claim_id,
            confirmed,
        },
    );
    act.lift_holds = vec![HoldReason::AlreadyPaidCheck];
    act.done = vec![WorkKind::PaymentClaim];
    act.detail = serde_json::json!({ "claim_id": claim_id });
    act.news = Some((
        headline(c.debtor_language, what),
        (!note.is_empty()).then_some(note),
    ));
    perform(state, staff, &c, &key, act, request_id).await
}
