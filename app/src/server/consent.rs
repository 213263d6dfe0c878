//! The creditor's consent inbox: escalation requests of their cases, decided by an owner with a
//! comment, or — when nobody answers within the class's days (10 unless the creditor set others) —
//! decided by the class's default (decline unless the creditor chose approve) and recorded as such. Either way the case leaves `escalation_requested` and the handlers get a work
//! item to act on the decision (and tell the debtor).

use crate::domain::case_state::{transition, Actor, CaseEvent, CaseState};
use crate::domain::work::{consent_deadline, CreditorRole};
use crate::dto::{ConsentInbox, ConsentItem, CreditorMember};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::{AuditEntry, ConsentDecision, Effects, Realm};
use crate::server::staff::{end, live_session, touch};
use crate::server::{internal, today, AppState};
use tower_sessions::Session;

/// The signed-in creditor user with at least `required`.
pub async fn current_creditor(
    state: &AppState,
    session: &Session,
    required: CreditorRole,
) -> Result<CreditorMember, AppError> {
    let now = state.clock.now_ms();
    let s = live_session(session, Realm::Creditor, now).await?;
    let member = state
        .creditors
        .creditor_member(s.account_id)
        .await
        .map_err(internal)?
        .filter(|m| {
            m.active && m.creditor_id == s.tenant_id && s.auth_ms >= m.sessions_valid_after_ms
        });
    let Some(member) = member else {
        end(session).await?;
        return Err(AppError::Unauthenticated);
    };
    let role = CreditorRole::from_code(&member.role).ok_or(AppError::Internal)?;
    if role < required {
        return Err(AppError::Forbidden);
    }
    touch(session, Realm::Creditor, s, now).await?;
    Ok(member)
}

/// The requests waiting for this creditor, with balances and deadlines.
pub async fn inbox(state: &AppState, member: CreditorMember) -> Result<ConsentInbox, AppError> {
    let today = today(state)?;
    let mut requests = Vec::new();
    for r in state
        .creditors
        .consent_requests(member.creditor_id)
        .await
        .map_err(internal)?
    {
        let view = state
            .debtors
            .case_view(r.case_id, today)
            .await
            .map_err(internal)?;
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
    Ok(ConsentInbox {
        member,
        requests,
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
            detail,
            request_id,
        },
    })
}

/// An owner approves or declines the escalation of one of the creditor's cases.
pub async fn decide(
    state: &AppState,
    member: &CreditorMember,
    case_id: i64,
    form_key: &str,
    approved: bool,
    comment: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
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
    // Only a waiting request of the user's own creditor can be decided; anything else is "not
    // found", whoever it belongs to.
    let waiting = state
        .creditors
        .consent_requests(member.creditor_id)
        .await
        .map_err(internal)?;
    if !waiting.iter().any(|r| r.case_id == case_id) {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "comment": comment, "by_default": false }).to_string();
    let effects = effects(
        state.clock.now_ms(),
        approved,
        Actor::Creditor,
        case_id,
        Some(member.id.to_string()),
        detail,
        request_id,
    )?;
    let decision = ConsentDecision {
        case_id,
        user_id: Some(member.id),
        approved,
        comment,
        submission_key: format!("creditor:{}:{key}", member.id),
    };
    state
        .creditors
        .decide_consent(member.creditor_id, decision, effects, None)
        .await
        .map_err(internal)?
        .into_result()
}

/// Decides, by the class's default and recorded as such, every request whose deadline has passed.
/// Runs in the scheduler; returns how many were decided.
pub async fn apply_defaults(
    store: &dyn crate::server::ports::CreditorStore,
    now: i64,
) -> Result<usize, AppError> {
    let overdue = store.overdue_consents(now).await.map_err(internal)?;
    let mut decided = 0;
    for (creditor_id, case_id, approve) in overdue {
        let detail = serde_json::json!({ "comment": "", "by_default": true }).to_string();
        let effects = effects(now, approve, Actor::System, case_id, None, detail, None)?;
        let decision = ConsentDecision {
            case_id,
            user_id: None,
            approved: approve,
            comment: String::new(),
            submission_key: format!("default:{case_id}:{now}"),
        };
        if let crate::server::ports::Stored::New(_) = store
            .decide_consent(creditor_id, decision, effects, None)
            .await
            .map_err(internal)?
        {
            decided += 1;
        }
    }
    Ok(decided)
}
