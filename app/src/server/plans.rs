//! Instalment plans and deferrals proposed by the debtor: the creditor's policy for the case's
//! treatment class decides. Inside the rules a plan is agreed at once and confirmed by email;
//! outside them it waits for a handler (reminders pause meanwhile) or, where the class allows no
//! review, is declined with the reasons and the nearest plan that would be agreed. The cost notice
//! (§ 13a (3) RDG) must have been confirmed before anything is agreed.

use crate::domain::case_state::{transition, Actor, CaseEvent, HoldReason};
use crate::domain::plan::{
    add_business_days, evaluate, policy_for_balance, Decision, PlanError, PlanSize,
};
use crate::domain::Language;
use crate::dto::PlanPageData;
use crate::error::{AppError, FormErrors, Problem};
pub use crate::forms::{parse, PlanInput};
use crate::server::credentials::link_to_mint;
use crate::server::emails;
use crate::server::ports::{AuditEntry, Effects, NewPlan, PlanContextData, QueuedEmail};
use crate::server::ports::{AuditLog, CaseStatuses, Plans};
use crate::server::{host_of, today, AppState};
use chrono::NaiveDate;

/// What happened to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposed {
    /// Agreed at once.
    Agreed,
    /// Waiting for a handler, who answers by this date.
    Pending(NaiveDate),
}

async fn context<S: Plans + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
) -> Result<PlanContextData, AppError> {
    let today = today(state)?;
    state
        .store
        .plan_context(case_id, today)
        .await?
        .ok_or(AppError::NotFound)
}

/// The data of the plan page.
pub async fn page<S: Plans + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
) -> Result<PlanPageData, AppError> {
    let c = context(state, case_id).await?;
    Ok(PlanPageData {
        balance: c.balance,
        today: today(state)?,
        policy: policy_for_balance(&c.bands, c.balance).copied(),
        reply_days: c.reply_days,
        open_plan: c.open_plan,
        form_key: String::new(),
    })
}

pub(crate) fn plan_error(e: PlanError, errors: FormErrors) -> FormErrors {
    match e {
        PlanError::NothingToPay => errors.form(Problem::Conflict),
        PlanError::DownPaymentTooLarge => errors.field("down_payment", Problem::InvalidAmount),
        PlanError::NoInstalments | PlanError::TooManyInstalments(_) => {
            errors.field("count", Problem::InvalidFormat)
        }
        PlanError::InstalmentNotPositive | PlanError::Money(_) => {
            errors.field("count", Problem::InvalidFormat)
        }
        PlanError::FirstDueInPast => errors.field("first_due", Problem::DateInPast),
    }
}

/// Decides and stores a debtor's proposal.
pub async fn propose<S: AuditLog + CaseStatuses + Plans + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    input: PlanInput,
    lang: Language,
    request_id: Option<String>,
) -> Result<Proposed, AppError> {
    let c = context(state, case_id).await?;
    let today = today(state)?;
    let request = parse(&input, c.balance, lang).map_err(AppError::Validation)?;
    let kept = FormErrors::default()
        .keep("down_payment", &input.down_payment)
        .keep("first_due", &input.first_due)
        .keep("count", &input.count)
        .keep("kind", &input.kind);
    let policy = policy_for_balance(&c.bands, c.balance).ok_or(AppError::Forbidden)?;
    let evaluation = evaluate(policy, &request, today, &[])
        .map_err(|e| AppError::Validation(plan_error(e, kept.clone())))?;
    let current = state
        .store
        .case_status(case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let proposed = transition(current.state, CaseEvent::PlanProposed, Actor::Debtor)
        .map_err(|_| AppError::Conflict)?;
    let now = state.clock.now_ms();
    let audit = |action: &'static str, outcome: &str| AuditEntry {
        at_ms: now,
        actor_kind: "debtor",
        actor_id: None,
        case_id: Some(case_id),
        action,
        detail: format!(
            r#"{{"outcome":"{outcome}","balance_minor":{}}}"#,
            c.balance.minor
        ),
        request_id: request_id.clone(),
    };
    match evaluation.decision {
        Decision::Reject(reasons) => {
            let mut errors = kept;
            for r in reasons {
                errors = errors.form(Problem::Plan(r));
            }
            if let Some(counter) = evaluation.counter_offer {
                if let PlanSize::Count(n) = counter.size {
                    errors = errors
                        .keep("suggest_count", &n.to_string())
                        .keep(
                            "suggest_first_due",
                            &counter.first_due.format("%Y-%m-%d").to_string(),
                        )
                        .keep(
                            "suggest_down_payment",
                            &counter.down_payment.format(lang).replace('\u{a0}', " "),
                        );
                }
            }
            state
                .store
                .append_audit(audit("debtor.plan", "declined_by_policy"))
                .await?;
            Err(AppError::Validation(errors))
        }
        Decision::Accept => {
            let agreed = transition(proposed, CaseEvent::PlanAgreed, Actor::System)
                .map_err(|_| AppError::Conflict)?;
            let email = confirmation(state, &c, &evaluation.schedule, &input.form_key, case_id);
            let plan = NewPlan {
                state: "agreed",
                request,
                schedule: evaluation.schedule,
                cost: evaluation.cost,
                reasons: Vec::new(),
                cost_notice_seen_at: now,
            };
            let effects = Effects {
                expected_state: current.state,
                new_state: agreed,
                hold: None,
                event_kind: "plan_agreed",
                event_detail: "{}".into(),
                audit: audit("debtor.plan", "agreed"),
            };
            state
                .store
                .store_plan(case_id, &input.form_key, plan, effects, email)
                .await?
                .into_result()?;
            Ok(Proposed::Agreed)
        }
        Decision::NeedsReview(reasons) => {
            let answer_by = add_business_days(today, c.reply_days, &[]);
            let plan = NewPlan {
                state: "proposed",
                request,
                schedule: evaluation.schedule,
                cost: evaluation.cost,
                reasons,
                cost_notice_seen_at: now,
            };
            let effects = Effects {
                expected_state: current.state,
                new_state: proposed,
                hold: Some((HoldReason::PlanProposal, today, None)),
                event_kind: "plan_proposed",
                event_detail: "{}".into(),
                audit: audit("debtor.plan", "needs_review"),
            };
            state
                .store
                .store_plan(case_id, &input.form_key, plan, effects, None)
                .await?
                .into_result()?;
            Ok(Proposed::Pending(answer_by))
        }
    }
}

/// The confirmation email with a fresh personal link, if the debtor gave an email address.
fn confirmation<S: ?Sized>(
    state: &AppState<S>,
    c: &PlanContextData,
    schedule: &[crate::domain::plan::Instalment],
    key: &str,
    case_id: i64,
) -> Option<QueuedEmail> {
    let to = c.debtor_email.clone()?;
    let link = link_to_mint(&state.settings.base_url);
    let (subject, text, html) = emails::plan_agreed(
        c.debtor_language,
        &c.debtor_name,
        &c.reference,
        schedule,
        &link,
    );
    Some(QueuedEmail {
        dedupe_key: format!("case:{case_id}:plan-agreed:{key}"),
        debtor_id: c.debtor_id,
        to,
        time_zone: c.time_zone.clone(),
        subject,
        text,
        html,
        host: host_of(&state.settings.base_url),
    })
}

/// Accepts or declines a handler's counter-offer, with one action.
pub async fn answer_counter<S: CaseStatuses + Plans + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    plan_id: i64,
    accept: bool,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let c = context(state, case_id).await?;
    let counter = c
        .open_plan
        .clone()
        .filter(|p| p.id == plan_id && p.state == "countered")
        .ok_or(AppError::NotFound)?;
    let current = state
        .store
        .case_status(case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = if accept {
        CaseEvent::PlanAgreed
    } else {
        CaseEvent::PlanDeclined
    };
    let next = transition(current.state, event, Actor::Debtor).map_err(|_| AppError::Conflict)?;
    let email = if accept {
        confirmation(
            state,
            &c,
            &counter.schedule,
            &format!("counter-{plan_id}"),
            case_id,
        )
    } else {
        None
    };
    let effects = Effects {
        expected_state: current.state,
        new_state: next,
        hold: None,
        event_kind: if accept {
            "counter_accepted"
        } else {
            "counter_declined"
        },
        event_detail: format!(r#"{{"plan_id":{plan_id}}}"#),
        audit: AuditEntry {
            at_ms: state.clock.now_ms(),
            actor_kind: "debtor",
            actor_id: None,
            case_id: Some(case_id),
            action: "debtor.counter_offer",
            detail: format!(r#"{{"plan_id":{plan_id},"accepted":{accept}}}"#),
            request_id,
        },
    };
    state
        .store
        .answer_counter(case_id, plan_id, accept, effects, email)
        .await?
        .into_result()
}

#[cfg(test)]
mod tests;
