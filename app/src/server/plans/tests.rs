//! The plan rules as a debtor meets them, on a fake of the three ports `propose` names.

use super::*;
use crate::domain::case_state::CaseState;
use crate::domain::{Currency, Money};
use crate::server::credentials::LINK_PLACEHOLDER;
use crate::server::defaults::default_classes;
use crate::server::ports::{CaseStatus, StoreResult, Stored, StoredPlan};
use crate::server::testing::{state, FakeClock};
use async_trait::async_trait;
use std::sync::{Arc, Mutex};

/// A stored plan: its form key, the plan, its effects and its email.
type StoredCall = (String, NewPlan, Effects, Option<QueuedEmail>);

/// One case of a class, what was stored and audited, and what storing answers.
struct FakePlans {
    state: CaseState,
    context: PlanContextData,
    answer: Stored,
    stored: Mutex<Vec<StoredCall>>,
    audited: Mutex<Vec<AuditEntry>>,
}

impl FakePlans {
    /// A case of `balance_minor` euro cents in the seeded class `class`.
    fn case(class: &str, balance_minor: i64) -> Self {
        let class = default_classes()
            .into_iter()
            .find(|c| c.key == class)
            .expect("seeded class");
        Self {
            state: CaseState::Open,
            context: PlanContextData {
                balance: Money::new(balance_minor, Currency::EUR),
                bands: class.bands,
                reply_days: class.reply_days,
                reference: "AKTE-2026-000001".into(),
                debtor_id: 7,
                debtor_name: "Erika Mustermann".into(),
                debtor_email: Some("erika@example.org".into()),
                debtor_language: Language::De,
                time_zone: "Europe/Berlin".into(),
                open_plan: None,
            },
            answer: Stored::New(1),
            stored: Mutex::default(),
            audited: Mutex::default(),
        }
    }
}

#[async_trait]
impl Plans for FakePlans {
    async fn plan_context(
        &self,
        _case_id: i64,
        _today: NaiveDate,
    ) -> StoreResult<Option<PlanContextData>> {
        Ok(Some(self.context.clone()))
    }
    async fn store_plan(
        &self,
        _case_id: i64,
        key: &str,
        plan: NewPlan,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored> {
        let mut stored = self.stored.lock().expect("lock");
        stored.push((key.to_string(), plan, effects, email));
        Ok(self.answer)
    }
    async fn answer_counter(
        &self,
        _case_id: i64,
        plan_id: i64,
        accept: bool,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored> {
        let plan = NewPlan {
            state: if accept { "agreed" } else { "declined" },
            request: self.context.open_plan.clone().expect("counter").request,
            schedule: Vec::new(),
            cost: Money::zero(Currency::EUR),
            reasons: Vec::new(),
            cost_notice_seen_at: 0,
        };
        let mut stored = self.stored.lock().expect("lock");
        stored.push((format!("counter-{plan_id}"), plan, effects, email));
        Ok(self.answer)
    }
}

#[async_trait]
impl CaseStatuses for FakePlans {
    async fn case_status(&self, case_id: i64) -> StoreResult<Option<CaseStatus>> {
        Ok(Some(CaseStatus {
            case_id,
            state: self.state,
            reason: None,
            reply_days: self.context.reply_days,
        }))
    }
}

#[async_trait]
impl AuditLog for FakePlans {
    async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()> {
        self.audited.lock().expect("lock").push(audit);
        Ok(())
    }
}

/// Monday, 7 December 2026, 10:00 UTC.
const NOW: i64 = 1_796_637_600_000;

fn input(count: &str, first_due: &str) -> PlanInput {
    PlanInput {
        form_key: "plan-form-key-0001".into(),
        kind: "plan".into(),
        down_payment: String::new(),
        first_due: first_due.into(),
        count: count.into(),
        frequency: "monthly".into(),
        cost_notice_seen: true,
    }
}

async fn propose_on(
    store: FakePlans,
    form: PlanInput,
) -> (Result<Proposed, AppError>, Arc<FakePlans>) {
    let store = Arc::new(store);
    let app = state(store.clone(), FakeClock::at(NOW));
    let answer = propose(&app, 1, form, Language::De, Some("req".into())).await;
    (answer, store)
}

#[tokio::test]
async fn a_plan_inside_the_class_rules_is_agreed_at_once_and_confirmed_by_email() {
    let (answer, store) = propose_on(
        FakePlans::case("standard", 60_000),
        input("6", "2026-12-15"),
    )
    .await;
    assert_eq!(answer.expect("agreed"), Proposed::Agreed);
    let stored = store.stored.lock().expect("lock");
    let (key, plan, effects, email) = &stored[0];
    assert_eq!(key, "plan-form-key-0001");
    assert_eq!(plan.state, "agreed");
    assert_eq!(plan.schedule.len(), 6);
    assert_eq!(plan.cost_notice_seen_at, NOW);
    assert_eq!(
        (effects.expected_state, effects.new_state),
        (CaseState::Open, CaseState::PlanAgreed)
    );
    assert_eq!(
        effects.audit.detail,
        r#"{"outcome":"agreed","balance_minor":60000}"#
    );
    let email = email.as_ref().expect("confirmation");
    assert_eq!(email.to, "erika@example.org");
    assert_eq!(email.dedupe_key, "case:1:plan-agreed:plan-form-key-0001");
    assert!(
        email.html.contains(LINK_PLACEHOLDER),
        "the link is minted when sent"
    );
    assert!(store.audited.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn a_plan_outside_the_rules_waits_for_a_handler_with_reminders_on_hold() {
    // Key accounts: every plan is seen by a person, answered within two business days.
    let (answer, store) = propose_on(
        FakePlans::case("key_account", 60_000),
        input("6", "2026-12-15"),
    )
    .await;
    // Monday plus two business days.
    let by = NaiveDate::from_ymd_opt(2026, 12, 9).expect("date");
    assert_eq!(answer.expect("pending"), Proposed::Pending(by));
    let stored = store.stored.lock().expect("lock");
    let (_, plan, effects, email) = &stored[0];
    assert_eq!(plan.state, "proposed");
    assert_eq!(effects.new_state, CaseState::PlanProposed);
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    assert_eq!(effects.hold, Some((HoldReason::PlanProposal, today, None)));
    assert!(
        email.is_none(),
        "nothing is confirmed before a person decides"
    );
}

#[tokio::test]
async fn a_strict_class_declines_at_once_with_the_reasons_and_the_nearest_plan() {
    // Strict: at most six instalments, no review outside the rules.
    let (answer, store) =
        propose_on(FakePlans::case("strict", 60_000), input("12", "2026-12-15")).await;
    let Err(AppError::Validation(errors)) = answer else {
        panic!("declined: {answer:?}");
    };
    assert!(errors.form.iter().any(|p| matches!(p, Problem::Plan(_))));
    assert!(errors.values.contains_key("suggest_count"));
    assert!(
        store.stored.lock().expect("lock").is_empty(),
        "nothing stored"
    );
    let audited = store.audited.lock().expect("lock");
    assert_eq!(audited[0].action, "debtor.plan");
    assert!(audited[0].detail.contains("declined_by_policy"));
}

#[tokio::test]
async fn without_the_cost_notice_confirmed_nothing_is_agreed() {
    let mut form = input("6", "2026-12-15");
    form.cost_notice_seen = false;
    let (answer, store) = propose_on(FakePlans::case("standard", 60_000), form).await;
    let Err(AppError::Validation(errors)) = answer else {
        panic!("refused: {answer:?}");
    };
    assert!(errors.fields.contains_key("cost_notice"));
    assert!(store.stored.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn a_case_that_moved_on_meanwhile_is_a_conflict() {
    let mut case = FakePlans::case("standard", 60_000);
    case.answer = Stored::StateChanged;
    let (answer, _) = propose_on(case, input("6", "2026-12-15")).await;
    assert_eq!(answer, Err(AppError::Conflict));
    let mut disputed = FakePlans::case("standard", 60_000);
    disputed.state = CaseState::Closed;
    let (answer, store) = propose_on(disputed, input("6", "2026-12-15")).await;
    assert_eq!(
        answer,
        Err(AppError::Conflict),
        "a closed case takes no plan"
    );
    assert!(store.stored.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn only_the_open_counter_offer_can_be_answered() {
    let mut case = FakePlans::case("standard", 60_000);
    case.state = CaseState::PlanProposed;
    let request = parse(
        &input("6", "2026-12-15"),
        case.context.balance,
        Language::De,
    )
    .expect("request");
    case.context.open_plan = Some(StoredPlan {
        id: 5,
        state: "countered".into(),
        proposed_by: "handler".into(),
        request,
        schedule: Vec::new(),
        cost: Money::zero(Currency::EUR),
        reasons: Vec::new(),
    });
    let store = Arc::new(case);
    let app = state(store.clone(), FakeClock::at(NOW));
    assert_eq!(
        answer_counter(&app, 1, 4, true, None).await,
        Err(AppError::NotFound)
    );
    answer_counter(&app, 1, 5, true, None)
        .await
        .expect("accepted");
    let stored = store.stored.lock().expect("lock");
    let (_, _, effects, email) = &stored[0];
    assert_eq!(effects.event_kind, "counter_accepted");
    assert_eq!(effects.new_state, CaseState::PlanAgreed);
    assert_eq!(
        email.as_ref().map(|e| e.dedupe_key.as_str()),
        Some("case:1:plan-agreed:counter-5")
    );
}
