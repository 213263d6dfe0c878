//! The creditor's consent inbox: escalation requests of their cases and plan proposals outside the
//! class's rules the handlers ask about, each with the handler's reasons. An owner decides with a
//! comment; when nobody answers within the class's days (10 unless the creditor set others) the
//! class's default decides and is recorded as such (escalations: decline unless the creditor
//! chose approve; plans: the handler's recommendation unless the creditor chose otherwise).
//! Either way the handlers get a work item to act on the decision (and tell the debtor): an
//! escalation leaves `escalation_requested`, a plan proposal stays open for the handler to accept
//! or decline as decided.

use crate::domain::case_state::{transition, Actor, CaseEvent, CaseState};
use crate::domain::work::{consent_deadline, CreditorRole};
use crate::dto::{ConsentInbox, ConsentItem, CreditorMember, PlanApprovalItem};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::{
    AuditEntry, Consents, CreditorDecision, Effects, PlanApprovals, Realm, Stored,
};
use crate::server::ports::{CasePages, Team};
use crate::server::staff::{end, live_session, touch};
use crate::server::{today, AppState};
use tower_sessions::Session;

/// The signed-in creditor user with at least `required`.
pub async fn current_creditor<S: Team + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    required: CreditorRole,
) -> Result<CreditorMember, AppError> {
    let now = state.clock.now_ms();
    let s = live_session(session, Realm::Creditor, now).await?;
    let member = state
        .store
        .creditor_member(s.account_id)
        .await?
        .filter(|m| {
            m.active && m.creditor_id == s.tenant_id && s.auth_ms >= m.sessions_valid_after_ms
        });
    let Some(member) = member else {
        end(session).await?;
        return Err(AppError::Unauthenticated);
    };
    if s.setup.is_some() {
        return Err(AppError::SetupRequired);
    }
    let role = CreditorRole::from_code(&member.role).ok_or(AppError::Internal)?;
    if role < required {
        return Err(AppError::Forbidden);
    }
    touch(session, Realm::Creditor, s, now).await?;
    Ok(member)
}

/// The requests waiting for this creditor, with balances and deadlines.
pub async fn inbox<S: CasePages + Consents + PlanApprovals + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
) -> Result<ConsentInbox, AppError> {
    let today = today(state)?;
    let mut requests = Vec::new();
    for r in state.store.consent_requests(member.creditor_id).await? {
        let view = state.store.case_view(r.case_id, today).await?;
        requests.push(ConsentItem {
            case_id: r.case_id,
            reference: r.reference,
            debtor_name: r.debtor_name,
            class_key: r.class_key,
            balance: view.map(|v| v.summary.balance),
            requested_at_ms: r.requested_at_ms,
            deadline_ms: consent_deadline(r.requested_at_ms, r.consent_days),
            default_approve: r.default_approve,
            note: r.note,
            handler_name: r.handler_name,
        });
    }
    let mut plans = Vec::new();
    for r in state
        .store
        .plan_approval_requests(member.creditor_id)
        .await?
    {
        let balance = state
            .store
            .case_view(r.case_id, today)
            .await?
            .map(|v| v.summary.balance);
        plans.push(PlanApprovalItem {
            id: r.id,
            case_id: r.case_id,
            reference: r.reference,
            debtor_name: r.debtor_name,
            class_key: r.class_key,
            balance,
            requested_at_ms: r.requested_at_ms,
            deadline_ms: consent_deadline(r.requested_at_ms, r.consent_days),
            default_approve: r.default.approves(r.recommend_approve),
            recommend_approve: r.recommend_approve,
            note: r.note,
            handler_name: r.handler_name,
            plan: r.plan,
        });
    }
    Ok(ConsentInbox {
        member,
        requests,
        plans,
        form_key: String::new(),
    })
}

fn effects(
    now_ms: i64,
    approved: bool,
    actor: Actor,
    case_id: i64,
    actor_id: Option<String>,
    detail: String,
    request_id: Option<String>,
) -> Result<Effects, AppError> {
    let event = if approved {
        CaseEvent::EscalationApproved
    } else {
        CaseEvent::EscalationDeclined
    };
    let next =
        transition(CaseState::EscalationRequested, event, actor).map_err(|_| AppError::Conflict)?;
    let kind = if approved {
        "escalation_approved"
    } else {
        "escalation_declined"
    };
    Ok(Effects {
        expected_state: CaseState::EscalationRequested,
        new_state: next,
        hold: None,
        event_kind: kind,
        event_detail: detail.clone(),
        audit: AuditEntry {
            at_ms: now_ms,
            actor_kind: if actor == Actor::Creditor {
                "creditor"
            } else {
                "system"
            },
            actor_id,
            case_id: Some(case_id),
            action: kind,
            detail: serde_json::from_str(&detail)
                .map(|d| crate::server::audit_detail(&d))
                .unwrap_or_default(),
            request_id,
        },
    })
}

/// The form key and comment of a decision, checked: a decline needs a comment.
fn checked_comment(form_key: &str, approved: bool, comment: &str) -> Result<String, AppError> {
    let key = form_key.trim();
    if key.is_empty() || key.len() > 64 {
        return Err(AppError::Validation(
            FormErrors::default().form(Problem::Malformed),
        ));
    }
    let comment = crate::domain::text::redact_card_numbers(comment.trim());
    if comment.chars().count() > 2_000 {
        return Err(AppError::Validation(
            FormErrors::default().field("comment", Problem::TooLong { max: 2_000 }),
        ));
    }
    if !approved && comment.is_empty() {
        return Err(AppError::Validation(
            FormErrors::default().field("comment", Problem::Required),
        ));
    }
    Ok(comment)
}

/// The timeline entry and audit entry of a plan approval's answer; the case stays
/// `plan_proposed` (the handler accepts or declines the proposal as decided).
fn plan_effects(
    now_ms: i64,
    approval_id: i64,
    approved: bool,
    case_id: i64,
    actor_id: Option<String>,
    comment: &str,
    request_id: Option<String>,
) -> Effects {
    let by_default = actor_id.is_none();
    let detail = serde_json::json!({
        "approval_id": approval_id,
        "approved": approved,
        "comment": comment,
        "by_default": by_default,
    })
    .to_string();
    Effects {
        expected_state: CaseState::PlanProposed,
        new_state: CaseState::PlanProposed,
        hold: None,
        event_kind: "plan_approval_decided",
        event_detail: detail.clone(),
        audit: AuditEntry {
            at_ms: now_ms,
            actor_kind: if by_default { "system" } else { "creditor" },
            actor_id,
            case_id: Some(case_id),
            action: "plan_approval_decided",
            detail,
            request_id,
        },
    }
}

/// What the handlers asked a creditor: to consent to the escalation of a case, or to approve a
/// debtor's plan outside the class's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    Escalation { case_id: i64 },
    Plan { approval_id: i64 },
}

/// An owner approves or declines what the handlers asked. Only a waiting request of the user's
/// own creditor can be decided; anything else is "not found", whoever it belongs to. A decline
/// needs a comment; a form sent twice decides once.
#[allow(clippy::too_many_arguments)]
pub async fn decide<S: Consents + PlanApprovals + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    asked: Asked,
    form_key: &str,
    approved: bool,
    comment: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let comment = checked_comment(form_key, approved, comment)?;
    let now = state.clock.now_ms();
    let by = Some(member.id.to_string());
    let stored = match asked {
        Asked::Escalation { case_id } => {
            let waiting = state.store.consent_requests(member.creditor_id).await?;
            if !waiting.iter().any(|r| r.case_id == case_id) {
                return Err(AppError::NotFound);
            }
            let detail = serde_json::json!({ "comment": comment, "by_default": false });
            let effects = effects(
                now,
                approved,
                Actor::Creditor,
                case_id,
                by,
                detail.to_string(),
                request_id,
            )?;
            let key = format!("creditor:{}:{}", member.id, form_key.trim());
            let decision = CreditorDecision {
                case_id,
                user_id: Some(member.id),
                approved,
                comment,
            };
            state
                .store
                .decide_consent(member.creditor_id, &key, decision, effects, None)
                .await?
        }
        Asked::Plan { approval_id } => {
            let waiting = state
                .store
                .plan_approval_requests(member.creditor_id)
                .await?;
            let Some(request) = waiting.iter().find(|r| r.id == approval_id) else {
                return Err(AppError::NotFound);
            };
            let case_id = request.case_id;
            let effects = plan_effects(
                now,
                approval_id,
                approved,
                case_id,
                by,
                &comment,
                request_id,
            );
            let decision = CreditorDecision {
                case_id,
                user_id: Some(member.id),
                approved,
                comment,
            };
            state
                .store
                .decide_plan_approval(member.creditor_id, approval_id, decision, effects)
                .await?
        }
    };
    stored.into_result()
}

/// Decides, by the class's default and recorded as such, every request (escalations and plan
/// approvals) whose deadline has passed. Runs in the scheduler; returns how many were decided.
pub async fn apply_defaults<S: Consents + PlanApprovals + ?Sized>(
    store: &S,
    now: i64,
) -> Result<usize, AppError> {
    let by_default = |case_id, approved| CreditorDecision {
        case_id,
        user_id: None,
        approved,
        comment: String::new(),
    };
    let mut decided = 0;
    for (creditor_id, approval_id, case_id, approve) in store.overdue_plan_approvals(now).await? {
        let effects = plan_effects(now, approval_id, approve, case_id, None, "", None);
        let decision = by_default(case_id, approve);
        if let Stored::New(_) = store
            .decide_plan_approval(creditor_id, approval_id, decision, effects)
            .await?
        {
            decided += 1;
        }
    }
    for (creditor_id, case_id, approve) in store.overdue_consents(now).await? {
        let detail = serde_json::json!({ "comment": "", "by_default": true }).to_string();
        let effects = effects(now, approve, Actor::System, case_id, None, detail, None)?;
        let key = format!("default:{case_id}:{now}");
        let decision = by_default(case_id, approve);
        if let Stored::New(_) = store
            .decide_consent(creditor_id, &key, decision, effects, None)
            .await?
        {
            decided += 1;
        }
    }
    Ok(decided)
}

#[cfg(test)]
mod tests;
