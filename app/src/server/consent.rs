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
mod tests {
    //! The creditor's decisions on a fake of the two ports they name.

    use super::*;
    use crate::domain::plan::{Frequency, PlanRequest, PlanSize};
    use crate::domain::work::PlanConsentDefault;
    use crate::domain::{Currency, Money};
    use crate::server::ports::{
        ConsentRequest, PlanApprovalRequest, QueuedEmail, StoreResult, StoredPlan,
    };
    use crate::server::testing::{state, FakeClock};
    use async_trait::async_trait;
    use std::sync::{Arc, Mutex};

    const CREDITOR: i64 = 3;
    const NOW: i64 = 1_796_637_600_000;

    /// Waiting requests of creditor 3 and what was decided; `taken` decisions answer `Duplicate`.
    #[derive(Default)]
    struct FakeInbox {
        escalations: Vec<i64>,
        approvals: Vec<(i64, i64)>,
        overdue_escalations: Vec<(i64, i64, bool)>,
        overdue_approvals: Vec<(i64, i64, i64, bool)>,
        taken: Vec<i64>,
        decided: Mutex<Vec<(String, CreditorDecision, Effects)>>,
    }

    impl FakeInbox {
        fn record(&self, what: String, d: CreditorDecision, e: Effects) -> Stored {
            let case_id = d.case_id;
            self.decided.lock().expect("lock").push((what, d, e));
            if self.taken.contains(&case_id) {
                Stored::Duplicate
            } else {
                Stored::New(case_id)
            }
        }
    }

    #[async_trait]
    impl Consents for FakeInbox {
        async fn consent_requests(&self, creditor_id: i64) -> StoreResult<Vec<ConsentRequest>> {
            assert_eq!(
                creditor_id, CREDITOR,
                "only the member's own creditor is asked"
            );
            Ok(self
                .escalations
                .iter()
                .map(|&case_id| ConsentRequest {
                    case_id,
                    reference: format!("AKTE-{case_id}"),
                    debtor_name: "Erika Mustermann".into(),
                    class_key: None,
                    requested_at_ms: NOW,
                    note: "Keine Reaktion seit drei Monaten".into(),
                    handler_name: "Hanna Handler".into(),
                    consent_days: 5,
                    default_approve: false,
                })
                .collect())
        }
        async fn overdue_consents(&self, _now_ms: i64) -> StoreResult<Vec<(i64, i64, bool)>> {
            Ok(self.overdue_escalations.clone())
        }
        async fn decide_consent(
            &self,
            _creditor_id: i64,
            submission_key: &str,
            decision: CreditorDecision,
            effects: Effects,
            _email: Option<QueuedEmail>,
        ) -> StoreResult<Stored> {
            Ok(self.record(submission_key.to_string(), decision, effects))
        }
    }

    #[async_trait]
    impl PlanApprovals for FakeInbox {
        async fn plan_approval_requests(
            &self,
            creditor_id: i64,
        ) -> StoreResult<Vec<PlanApprovalRequest>> {
            assert_eq!(creditor_id, CREDITOR);
            let eur = |minor| Money::new(minor, Currency::EUR);
            let plan = StoredPlan {
                id: 9,
                state: "proposed".into(),
                proposed_by: "debtor".into(),
                request: PlanRequest {
                    balance: eur(90_000),
                    down_payment: eur(0),
                    first_due: chrono::NaiveDate::from_ymd_opt(2026, 12, 15).expect("date"),
                    size: PlanSize::Count(18),
                    frequency: Frequency::Monthly,
                },
                schedule: Vec::new(),
                cost: eur(0),
                reasons: Vec::new(),
            };
            Ok(self
                .approvals
                .iter()
                .map(|&(id, case_id)| PlanApprovalRequest {
                    id,
                    case_id,
                    reference: format!("AKTE-{case_id}"),
                    debtor_name: "Erika Mustermann".into(),
                    class_key: None,
                    requested_at_ms: NOW,
                    recommend_approve: true,
                    note: "Zuverlässige Kundin".into(),
                    handler_name: "Hanna Handler".into(),
                    consent_days: 5,
                    default: PlanConsentDefault::Recommendation,
                    plan: plan.clone(),
                })
                .collect())
        }
        async fn overdue_plan_approvals(
            &self,
            _now_ms: i64,
        ) -> StoreResult<Vec<(i64, i64, i64, bool)>> {
            Ok(self.overdue_approvals.clone())
        }
        async fn decide_plan_approval(
            &self,
            _creditor_id: i64,
            approval_id: i64,
            decision: CreditorDecision,
            effects: Effects,
        ) -> StoreResult<Stored> {
            Ok(self.record(format!("approval:{approval_id}"), decision, effects))
        }
    }

    fn owner() -> CreditorMember {
        CreditorMember {
            id: 11,
            creditor_id: CREDITOR,
            creditor_name: "Stadtwerke".into(),
            email: "inhaberin@stadtwerke.example".into(),
            display_name: "Inge Inhaberin".into(),
            role: "owner".into(),
            active: true,
            sessions_valid_after_ms: 0,
        }
    }

    async fn decide_on(
        inbox: FakeInbox,
        asked: Asked,
        approved: bool,
        comment: &str,
    ) -> (Result<(), AppError>, Arc<FakeInbox>) {
        let inbox = Arc::new(inbox);
        let app = state(inbox.clone(), FakeClock::at(NOW));
        let answer = decide(&app, &owner(), asked, "form-1", approved, comment, None).await;
        (answer, inbox)
    }

    #[tokio::test]
    async fn an_approved_escalation_moves_the_case_on_and_keeps_the_comment_out_of_the_audit_log() {
        let inbox = FakeInbox {
            escalations: vec![40],
            ..Default::default()
        };
        let (answer, inbox) = decide_on(
            inbox,
            Asked::Escalation { case_id: 40 },
            true,
            "Bitte Mahnbescheid",
        )
        .await;
        answer.expect("decided");
        let decided = inbox.decided.lock().expect("lock");
        let (key, decision, effects) = &decided[0];
        assert_eq!(key, "creditor:11:form-1", "once per form");
        assert_eq!(decision.user_id, Some(11));
        assert_eq!(decision.comment, "Bitte Mahnbescheid");
        assert_eq!(
            (effects.expected_state, effects.new_state),
            (CaseState::EscalationRequested, CaseState::Escalated)
        );
        assert_eq!(effects.audit.actor_kind, "creditor");
        assert!(!effects.audit.detail.contains("Mahnbescheid"));
        assert!(
            effects.event_detail.contains("Mahnbescheid"),
            "the timeline keeps it"
        );
    }

    #[tokio::test]
    async fn a_decline_needs_a_comment_and_another_creditors_case_is_not_found() {
        let inbox = FakeInbox {
            escalations: vec![40],
            ..Default::default()
        };
        let (answer, inbox) = decide_on(inbox, Asked::Escalation { case_id: 40 }, false, " ").await;
        let Err(AppError::Validation(errors)) = answer else {
            panic!("refused: {answer:?}");
        };
        assert_eq!(errors.fields.get("comment"), Some(&vec![Problem::Required]));
        let (answer, _) = decide_on(
            FakeInbox {
                escalations: vec![40],
                ..Default::default()
            },
            Asked::Escalation { case_id: 41 },
            true,
            "",
        )
        .await;
        assert_eq!(answer, Err(AppError::NotFound));
        assert!(inbox.decided.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn a_plan_approval_is_decided_on_its_case_and_the_plan_stays_proposed() {
        let inbox = FakeInbox {
            approvals: vec![(5, 40)],
            ..Default::default()
        };
        let (answer, inbox) = decide_on(inbox, Asked::Plan { approval_id: 5 }, true, "").await;
        answer.expect("decided");
        let (what, decision, effects) = inbox.decided.lock().expect("lock")[0].clone();
        assert_eq!(what, "approval:5");
        assert_eq!(decision.case_id, 40);
        assert_eq!(effects.new_state, CaseState::PlanProposed);
        assert_eq!(effects.audit.action, "plan_approval_decided");
        let (answer, _) = decide_on(
            FakeInbox {
                approvals: vec![(5, 40)],
                ..Default::default()
            },
            Asked::Plan { approval_id: 6 },
            true,
            "",
        )
        .await;
        assert_eq!(answer, Err(AppError::NotFound));
    }

    #[tokio::test]
    async fn overdue_requests_get_the_class_default_recorded_as_such_and_count_once() {
        let inbox = FakeInbox {
            overdue_escalations: vec![(CREDITOR, 40, false), (CREDITOR, 41, true)],
            overdue_approvals: vec![(CREDITOR, 5, 42, true)],
            taken: vec![41],
            ..Default::default()
        };
        let inbox = Arc::new(inbox);
        assert_eq!(
            apply_defaults(&*inbox, NOW).await,
            Ok(2),
            "41 was decided before"
        );
        let decided = inbox.decided.lock().expect("lock");
        assert_eq!(decided.len(), 3);
        for (_, decision, effects) in decided.iter() {
            assert_eq!(decision.user_id, None);
            assert_eq!(effects.audit.actor_kind, "system");
            assert!(effects.event_detail.contains(r#""by_default":true"#));
        }
        let declined = decided
            .iter()
            .find(|(_, d, _)| d.case_id == 40)
            .expect("40");
        assert_eq!(declined.2.new_state, CaseState::Open);
        assert_eq!(declined.0, format!("default:40:{NOW}"));
    }
}
