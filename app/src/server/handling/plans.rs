//! A handler's decisions on instalment plans: accept or decline, ask the creditor, counter-offer.

use super::{form_key, handler_case, headline, perform, text, Act};
use crate::domain::case_state::{CaseEvent, CaseState, HoldReason};
use crate::domain::plan::{evaluate, policy_for_balance, Decision, PlanReason};
use crate::domain::work::WorkKind;
use crate::domain::Money;
use crate::error::{AppError, FormErrors, Problem};
use crate::forms::PlanInput;
use crate::server::ports::{CaseChange, HandlerCases, NewPlan, Plans};
use crate::server::staff::Staff;
use crate::server::{today, AppState};

/// Accepts or rejects the debtor's plan proposal; a rejection carries a reason the debtor reads.
#[allow(clippy::too_many_arguments)]
pub async fn decide_plan<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    plan_id: i64,
    accept: bool,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, !accept);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let (kind, event, what) = if accept {
        ("plan_accepted", CaseEvent::PlanAgreed, "plan_accepted")
    } else {
        ("plan_rejected", CaseEvent::PlanDeclined, "plan_rejected")
    };
    let note = (!note.is_empty()).then_some(note);
    let mut act = Act::new(
        kind,
        vec![event],
        CaseChange::PlanDecision {
            plan_id,
            accept,
            note: note.clone(),
        },
    );
    act.lift_holds = vec![HoldReason::PlanProposal];
    act.done = vec![WorkKind::Plan];
    act.detail = serde_json::json!({ "plan_id": plan_id });
    act.news = Some((headline(c.debtor_language, what), note));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Asks the creditor to approve the debtor's open proposal `plan_id` (one outside the class's
/// rules), with the handler's recommendation and reasons. The request goes to the creditor's
/// consent inbox; the proposal stays open and the debtor is not told (nothing is decided yet).
/// The creditor's answer — or the class's default after its days — comes back as a work item.
#[allow(clippy::too_many_arguments)]
pub async fn ask_plan_approval<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    plan_id: i64,
    recommendation: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (mut errors, note) = text(FormErrors::default(), "approval_note", note, true);
    let recommend_approve = match recommendation {
        "approve" => Some(true),
        "decline" => Some(false),
        _ => {
            errors = errors.field("recommendation", Problem::Required);
            None
        }
    };
    let (Some(recommend_approve), true) = (recommend_approve, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let c = handler_case(state, staff, case_id).await?;
    if c.state != CaseState::PlanProposed {
        return Err(AppError::Conflict);
    }
    let mut act = Act::new(
        "plan_approval_requested",
        Vec::new(),
        CaseChange::PlanApproval {
            plan_id,
            recommend_approve,
            note: note.clone(),
        },
    );
    act.done = vec![WorkKind::Plan];
    act.detail = serde_json::json!({
        "plan_id": plan_id,
        "recommendation": recommendation,
        "note": note,
    });
    perform(state, staff, &c, &key, act, request_id).await
}

/// Counters the debtor's proposal with a plan of the handler's own. It must satisfy the
/// creditor's policy (agreed at once or within the range a person may agree), or the handler
/// records the creditor's approval.
#[allow(clippy::too_many_arguments)]
pub async fn counter_plan<S: HandlerCases + Plans + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    plan_id: i64,
    input: PlanInput,
    creditor_approval: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(&input.form_key)?;
    let c = handler_case(state, staff, case_id).await?;
    let today = today(state)?;
    let ctx = state
        .store
        .plan_context(case_id, today)
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = crate::i18n::request_language();
    let request = crate::forms::parse(&input, ctx.balance, lang).map_err(AppError::Validation)?;
    let (errors, approval) = text(
        FormErrors::default(),
        "creditor_approval",
        creditor_approval,
        false,
    );
    let (errors, note) = text(errors, "note", note, false);
    let errors = errors
        .keep("down_payment", &input.down_payment)
        .keep("first_due", &input.first_due)
        .keep("count", &input.count)
        .keep("kind", &input.kind);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let policy = policy_for_balance(&ctx.bands, ctx.balance);
    let evaluation = match policy {
        Some(p) => Some(evaluate(p, &request, today, &[]).map_err(|e| {
            AppError::Validation(crate::server::plans::plan_error(e, errors.clone()))
        })?),
        None => None,
    };
    // Within the creditor's bounds: what the policy agrees at once, or would agree after a
    // confirmation. A class that sends proposals outside its bounds to a person does not make
    // them part of the rules: such a counter-offer needs the creditor's approval.
    let violations: Vec<PlanReason> = match evaluation.as_ref().map(|e| &e.decision) {
        Some(Decision::Accept) => Vec::new(),
        Some(Decision::NeedsReview(r) | Decision::Reject(r)) => r
            .iter()
            .filter(|r| **r != PlanReason::ConfirmationRequired)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    let within = evaluation.is_some() && violations.is_empty();
    if !within && approval.is_empty() {
        let mut errors = errors.field("creditor_approval", Problem::NeedsCreditorApproval);
        for r in violations {
            errors = errors.form(Problem::Plan(r));
        }
        return Err(AppError::Validation(errors));
    }
    let (schedule, cost) = match evaluation {
        Some(e) => (e.schedule, e.cost),
        None => (
            crate::domain::plan::schedule(&request, &[]).map_err(|e| {
                AppError::Validation(crate::server::plans::plan_error(e, errors.clone()))
            })?,
            Money::zero(ctx.balance.currency),
        ),
    };
    let plan = NewPlan {
        state: "countered",
        request,
        schedule,
        cost,
        reasons: Vec::new(),
        cost_notice_seen_at: 0,
    };
    let note = (!note.is_empty()).then_some(note);
    let mut act = Act::new(
        "plan_countered",
        Vec::new(),
        CaseChange::Counter {
            replaces: plan_id,
            plan,
        },
    );
    act.done = vec![WorkKind::Plan];
    act.detail = serde_json::json!({
        "plan_id": plan_id,
        "within_policy": within,
        "creditor_approval": (!approval.is_empty()).then_some(approval),
    });
    act.news = Some((headline(c.debtor_language, "plan_countered"), note));
    if c.state != CaseState::PlanProposed {
        return Err(AppError::Conflict);
    }
    perform(state, staff, &c, &key, act, request_id).await
}
