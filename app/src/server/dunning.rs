//! The dunning engine: for every case whose clock runs, the next step of its class's cadence when
//! it is due; for every running plan, instalment reminders, missed instalments and the broken plan.
//!
//! Each step is stored with all its effects (state, timeline, audit, work item, outbox email) in
//! one transaction keyed by (case, step), so a run that is repeated, runs on two instances at
//! once or is killed half-way takes every step exactly once. Emails leave through the outbox.

use crate::domain::case_state::HoldReason;
use crate::domain::case_state::{transition, Actor, CaseEvent, CaseState};
use crate::domain::dunning::{next_step, plan_actions, Channel, NextStep, PlanAction, StepKind};
use crate::domain::work::WorkKind;
use crate::server::credentials::link_to_mint;
use crate::server::emails::{self, Notice};
use crate::server::host_of;
use crate::server::ports::{
    AuditEntry, CreditorEmail, Dunning, DunningCase, DunningStep, Effects, EndedHold, QueuedEmail,
    StoreError, Stored,
};
use chrono::NaiveDate;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DunningReport {
    pub reminders: u32,
    pub final_notices: u32,
    pub escalations: u32,
    pub instalment_reminders: u32,
    pub missed: u32,
    pub broken: u32,
    pub completed: u32,
    /// Holds that ran out: dunning resumed.
    pub resumed: u32,
    /// Steps for debtors without an email address: recorded, to be sent by post.
    pub letters: u32,
}

impl DunningReport {
    pub fn total(&self) -> u32 {
        self.reminders
            + self.final_notices
            + self.escalations
            + self.instalment_reminders
            + self.missed
            + self.broken
            + self.completed
            + self.resumed
    }
}

/// Cases loaded per page.
const PAGE: u32 = 200;

/// Takes every step that is due at `now_ms`.
pub async fn run_due<S: Dunning + ?Sized>(
    store: &S,
    now_ms: i64,
    base_url: &str,
) -> Result<DunningReport, StoreError> {
    let today = chrono::DateTime::from_timestamp_millis(now_ms)
        .ok_or(StoreError)?
        .date_naive();
    let mut report = DunningReport::default();
    let mut after = 0;
    loop {
        let cases = store.dunning_cases(after, PAGE, today).await?;
        let Some(last) = cases.last() else { break };
        after = last.case_id;
        // The page's steps are stored in one transaction: a transaction per step would cost
        // its own two statements for every reminder of a mass run.
        let steps: Vec<DunningStep> = cases
            .iter()
            .flat_map(|case| decide(case, today, now_ms, base_url))
            .collect();
        let kinds: Vec<(&'static str, bool)> = steps
            .iter()
            .map(|s| (s.kind, s.channel == "letter"))
            .collect();
        for ((kind, letter), stored) in kinds.into_iter().zip(store.record_steps(steps).await?) {
            if let Stored::New(_) = stored {
                count(&mut report, kind, letter);
            }
        }
    }
    Ok(report)
}

fn count(report: &mut DunningReport, kind: &str, letter: bool) {
    match kind {
        "reminder_sent" => report.reminders += 1,
        "final_notice_sent" => report.final_notices += 1,
        "escalation_requested" | "escalated" => report.escalations += 1,
        "instalment_reminder_sent" => report.instalment_reminders += 1,
        "instalment_missed" => report.missed += 1,
        "plan_broken" => report.broken += 1,
        "plan_completed" => report.completed += 1,
        "hold_ended" | "creditor_pause_ended" => report.resumed += 1,
        _ => {}
    }
    if letter {
        report.letters += 1;
    }
}

/// The steps due for one case today: the end of a hold that ran out, at most one cadence step,
/// and each plan action once.
pub fn decide(
    case: &DunningCase,
    today: NaiveDate,
    now_ms: i64,
    base_url: &str,
) -> Vec<DunningStep> {
    if case.balance.minor <= 0 {
        return Vec::new();
    }
    if case.state == CaseState::OnHold {
        let Some(ended) = case.ended_hold else {
            return Vec::new();
        };
        let Ok(open) = transition(case.state, CaseEvent::HoldEnded, Actor::System) else {
            return Vec::new();
        };
        let mut steps = vec![resume_step(case, ended, open, now_ms, base_url)];
        // The cadence goes on in the same run, from the state the case resumes in.
        let resumed = DunningCase {
            state: open,
            ended_hold: None,
            ..case.clone()
        };
        steps.extend(cadence_step(&resumed, today, now_ms, base_url));
        return steps;
    }
    if case.state == CaseState::PlanAgreed {
        let Some(plan) = &case.plan else {
            return Vec::new();
        };
        return plan_actions(
            &plan.instalments,
            &plan.payments,
            today,
            plan.rule,
            case.cadence.instalment_reminder_days,
        )
        .into_iter()
        .filter_map(|action| plan_step(case, plan.id, action, today, now_ms, base_url))
        .collect();
    }
    cadence_step(case, today, now_ms, base_url)
        .into_iter()
        .collect()
}

/// What happens next on `case` unless the debtor acts: the next notice and its day, the next
/// instalment, or the end of a pause. `None` when nothing is scheduled (the last step was taken,
/// or a person decides next).
pub fn what_next(case: &DunningCase, today: NaiveDate) -> Option<crate::dto::WhatNext> {
    use crate::dto::WhatNext;
    if case.balance.minor <= 0 {
        return None;
    }
    match case.state {
        CaseState::PlanAgreed => {
            let plan = case.plan.as_ref()?;
            let paid: i64 = plan.payments.iter().map(|(_, m)| m.minor).sum();
            let mut owed = 0;
            plan.instalments.iter().find_map(|i| {
                owed += i.amount.minor;
                (paid < owed).then(|| WhatNext::Instalment {
                    number: i.number,
                    due: i.due,
                    amount: crate::domain::Money::new(
                        (owed - paid).min(i.amount.minor),
                        i.amount.currency,
                    ),
                })
            })
        }
        CaseState::OnHold => case
            .pauses
            .iter()
            .filter(|p| p.from <= today)
            .map(|p| p.until)
            .collect::<Option<Vec<_>>>()
            .and_then(|ends| ends.into_iter().filter(|u| *u > today).max())
            .map(|until| WhatNext::PausedUntil { until }),
        s if s.dunning_runs() => {
            let anchor = case.last_step_on.unwrap_or(case.handed_over_on);
            let (kind, on) =
                match next_step(&case.cadence, case.steps_done, anchor, &case.pauses, today) {
                    NextStep::Due { kind, .. } => (kind, today),
                    NextStep::Later { kind, due, .. } => (kind, due),
                    NextStep::Paused | NextStep::Finished => return None,
                };
            let kind = match kind {
                StepKind::Reminder => "reminder",
                StepKind::FinalNotice => "final_notice",
                StepKind::Escalation if case.escalation_needs_consent => "escalation_request",
                StepKind::Escalation => "escalation",
            };
            Some(WhatNext::Step {
                kind: kind.to_string(),
                on,
            })
        }
        _ => None,
    }
}

/// Ends a hold that ran out; a creditor's own pause is reported to the creditor.
fn resume_step(
    case: &DunningCase,
    ended: EndedHold,
    open: CaseState,
    now_ms: i64,
    base_url: &str,
) -> DunningStep {
    let by_creditor = ended.reason == HoldReason::CreditorPause;
    let event = if by_creditor {
        "creditor_pause_ended"
    } else {
        "hold_ended"
    };
    let mut step = build(
        case,
        format!("hold:{}:ended", ended.id),
        event,
        open,
        ended.ended_on,
        None,
        now_ms,
        base_url,
    );
    let detail = serde_json::json!({
        "reason": format!("{:?}", ended.reason),
        "resumed_on": ended.ended_on.to_string(),
    })
    .to_string();
    step.effects.event_detail = detail.clone();
    step.effects.audit.detail = detail;
    step.work = None;
    if by_creditor {
        let base = base_url.trim_end_matches('/');
        let (subject, text, html) = emails::creditor_pause_ended(
            &case.reference,
            &case.debtor_name,
            ended.ended_on,
            &format!("{base}/creditor/overview"),
        );
        step.creditor_email = Some(CreditorEmail {
            dedupe_key: format!(
                "case:{}:dunning:hold:{}:ended:creditor",
                case.case_id, ended.id
            ),
            subject,
            text,
            html,
            host: host_of(base_url),
        });
    }
    step
}

/// The cadence step due today, if any.
fn cadence_step(
    case: &DunningCase,
    today: NaiveDate,
    now_ms: i64,
    base_url: &str,
) -> Option<DunningStep> {
    if !case.state.dunning_runs() {
        return None;
    }
    let anchor = case.last_step_on.unwrap_or(case.handed_over_on);
    let NextStep::Due { index, kind, due } =
        next_step(&case.cadence, case.steps_done, anchor, &case.pauses, today)
    else {
        return None;
    };
    let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
    let reminders_before = case.cadence.steps[..index]
        .iter()
        .filter(|s| s.kind == StepKind::Reminder)
        .count();
    let (event, notice, events): (&'static str, Option<Notice>, Vec<CaseEvent>) = match kind {
        StepKind::Reminder => (
            "reminder_sent",
            Some(Notice::Reminder(
                u32::try_from(reminders_before + 1).unwrap_or(u32::MAX),
            )),
            vec![],
        ),
        StepKind::FinalNotice => ("final_notice_sent", Some(Notice::FinalNotice), vec![]),
        StepKind::Escalation if case.escalation_needs_consent => (
            "escalation_requested",
            None,
            vec![CaseEvent::EscalationRequested],
        ),
        StepKind::Escalation => (
            "escalated",
            Some(Notice::Escalated),
            vec![
                CaseEvent::EscalationRequested,
                CaseEvent::EscalationApproved,
            ],
        ),
    };
    let mut state = case.state;
    for e in events {
        state = transition(state, e, Actor::System).ok()?;
    }
    let key = format!("step:{index}");
    let mut step = build(case, key, event, state, due, notice, now_ms, base_url);
    let detail = serde_json::json!({
        "step": number,
        "of": case.cadence.steps.len(),
        "tone": case.cadence.tone.code(),
        "channel": step.channel,
        "subject": step.email.as_ref().map(|e| e.subject.clone()),
        "note": if kind == StepKind::Escalation { "Letzte Mahnung ohne Reaktion / final notice unanswered" } else { "" },
        "consent_required": kind == StepKind::Escalation && case.escalation_needs_consent,
    })
    .to_string();
    step.effects.event_detail = detail.clone();
    step.effects.audit.detail = detail;
    if kind == StepKind::Escalation && !case.escalation_needs_consent {
        step.work = None;
    }
    Some(step)
}

fn plan_step(
    case: &DunningCase,
    plan_id: i64,
    action: PlanAction,
    today: NaiveDate,
    now_ms: i64,
    base_url: &str,
) -> Option<DunningStep> {
    let (key, event, notice, plan_state, work) = match action {
        PlanAction::Remind {
            number,
            due,
            amount,
        } => (
            format!("plan:{plan_id}:instalment:{number}:reminder"),
            "instalment_reminder_sent",
            Some(Notice::InstalmentDue {
                number,
                due,
                amount,
            }),
            None,
            None,
        ),
        PlanAction::Missed { count } => (
            format!("plan:{plan_id}:missed:{count}"),
            "instalment_missed",
            Some(Notice::InstalmentMissed { count }),
            None,
            None,
        ),
        PlanAction::Broken { .. } => (
            format!("plan:{plan_id}:broken"),
            "plan_broken",
            Some(Notice::PlanBroken),
            Some((plan_id, "broken")),
            Some(WorkKind::BrokenPlan),
        ),
        PlanAction::Completed => (
            format!("plan:{plan_id}:completed"),
            "plan_completed",
            None,
            Some((plan_id, "completed")),
            None,
        ),
    };
    let state = match action {
        PlanAction::Broken { .. } => {
            transition(case.state, CaseEvent::PlanBroken, Actor::System).ok()?
        }
        _ => case.state,
    };
    let mut step = build(case, key, event, state, today, notice, now_ms, base_url);
    let detail = serde_json::json!({
        "plan": plan_id,
        "channel": step.channel,
        "subject": step.email.as_ref().map(|e| e.subject.clone()),
        "action": format!("{action:?}"),
    })
    .to_string();
    step.effects.event_detail = detail.clone();
    step.effects.audit.detail = detail;
    step.plan_state = plan_state;
    step.work = work;
    Some(step)
}

#[allow(clippy::too_many_arguments)]
fn build(
    case: &DunningCase,
    step_key: String,
    event: &'static str,
    new_state: CaseState,
    due_on: NaiveDate,
    notice: Option<Notice>,
    now_ms: i64,
    base_url: &str,
) -> DunningStep {
    let channel = notice.map(|_| {
        case.cadence
            .channels
            .choose(case.prefers_letter, case.debtor_email.is_some())
    });
    let email = notice
        .filter(|_| channel == Some(Channel::Email))
        .and_then(|n| {
            let to = case.debtor_email.clone()?;
            let link = link_to_mint(base_url);
            let (subject, text, html) = emails::notice(case, n, &link);
            Some(QueuedEmail {
                dedupe_key: format!("case:{}:dunning:{step_key}", case.case_id),
                debtor_id: case.debtor_id,
                to,
                time_zone: case.time_zone.clone(),
                subject,
                text,
                html,
                host: host_of(base_url),
            })
        });
    let channel = match (channel, &email) {
        (None, _) => "none",
        (Some(Channel::Email), Some(_)) => "email",
        (Some(_), _) => "letter",
    };
    // A letter points to the start page, where the reference and the access code of the first
    // letter open the case: a personal link in print would be a secret kept in clear.
    let letter = notice.filter(|_| channel == "letter").map(|n| {
        let start = format!("{}/", base_url.trim_end_matches('/'));
        let (subject, text, _) = emails::notice(case, n, &start);
        let access = emails::letter_access_line(case.language, &case.reference, &start);
        (subject, format!("{text}\n{access}\n"))
    });
    DunningStep {
        case_id: case.case_id,
        step_key,
        kind: event,
        channel,
        due_on,
        effects: Effects {
            expected_state: case.state,
            new_state,
            hold: None,
            event_kind: event,
            event_detail: String::new(),
            audit: AuditEntry {
                at_ms: now_ms,
                actor_kind: "system",
                actor_id: None,
                case_id: Some(case.case_id),
                action: event,
                detail: String::new(),
                request_id: None,
            },
        },
        plan_state: None,
        creditor_email: None,
        work: (event == "escalation_requested").then_some(WorkKind::EscalationDecision),
        email,
        letter,
    }
}

#[cfg(test)]
mod tests;
