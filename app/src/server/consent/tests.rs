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
