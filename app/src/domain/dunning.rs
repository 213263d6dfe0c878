//! The dunning cadence of a treatment class, and the engine's two decisions: which reminder step
//! is next for a case and when it falls due, and what a running instalment plan needs today.
//!
//! The clock counts only days on which dunning may run: a day covered by a pause (a hold, a
//! creditor's pause, the time a plan was running) does not count. Each step is counted from the
//! day the previous one was actually taken, so a case that was paused for months, or a server
//! that was down for a week, gets the one step that is due — never a burst of missed ones.

use crate::domain::plan::{plan_status, Instalment, MissedInstalmentRule, PlanStatus};
use crate::domain::Money;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// The timeline events of the engine's notices to the debtor (their detail names subject and
/// channel).
pub const NOTICE_EVENTS: [&str; 6] = [
    "reminder_sent",
    "final_notice_sent",
    "escalated",
    "instalment_reminder_sent",
    "instalment_missed",
    "plan_broken",
];

/// Whether a timeline event of `kind` is a notice of the engine.
pub fn is_notice_event(kind: &str) -> bool {
    NOTICE_EVENTS.contains(&kind)
}

/// How reminders are worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tone {
    /// For customers the creditor wants to keep above all: a friendly nudge.
    Friendly,
    /// Plain and polite.
    Neutral,
    /// Clear about the consequences.
    Firm,
}

impl Tone {
    /// Every tone, for forms.
    pub const ALL: [Tone; 3] = [Tone::Friendly, Tone::Neutral, Tone::Firm];

    /// The value stored and used in forms.
    pub fn code(self) -> &'static str {
        match self {
            Tone::Friendly => "friendly",
            Tone::Neutral => "neutral",
            Tone::Firm => "firm",
        }
    }

    /// Parses a stored value.
    pub fn from_code(code: &str) -> Option<Tone> {
        Tone::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// What a step of the cadence does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StepKind {
    /// A payment reminder.
    Reminder,
    /// The last reminder, naming the court dunning procedure as the next step.
    FinalNotice,
    /// The request to escalate to court dunning (to the creditor where the class needs consent).
    Escalation,
}

impl StepKind {
    /// The value stored and used in forms.
    pub fn code(self) -> &'static str {
        match self {
            StepKind::Reminder => "reminder",
            StepKind::FinalNotice => "final_notice",
            StepKind::Escalation => "escalation",
        }
    }
}

/// One step: what is done, and how many dunning days after the previous step (or after the hand-over
/// for the first step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadenceStep {
    /// What the step does.
    pub kind: StepKind,
    /// Dunning days after the previous step.
    pub after_days: u32,
}

/// A treatment class's dunning rhythm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    /// How reminders are worded.
    pub tone: Tone,
    /// The steps, in order.
    pub steps: Vec<CadenceStep>,
    /// Days before each instalment's due date on which the debtor is reminded of it (0: no reminder).
    pub instalment_reminder_days: u32,
    /// The ways notices may go out.
    #[serde(default)]
    pub channels: Channels,
}

/// The ways a class's notices may go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channels {
    /// By email, to debtors who gave an address.
    pub email: bool,
    /// By post, as a letter for the mail merge.
    pub letter: bool,
}

impl Default for Channels {
    fn default() -> Channels {
        Channels {
            email: true,
            letter: true,
        }
    }
}

/// How one notice goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// By email.
    Email,
    /// By post.
    Letter,
}

impl Channel {
    /// The value stored.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Letter => "letter",
        }
    }
}

impl Channels {
    /// The channel for a debtor: the one they prefer where the class allows it and it can reach
    /// them, else the other allowed one. A debtor without an email address can only be reached by
    /// post, so a class that allows email only still writes a letter to them rather than nothing.
    pub fn choose(self, prefers_letter: bool, has_email: bool) -> Channel {
        let email_ok = self.email && has_email;
        match (prefers_letter, email_ok, self.letter) {
            (true, _, true) => Channel::Letter,
            (_, true, _) => Channel::Email,
            _ => Channel::Letter,
        }
    }
}

/// Why a cadence cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    /// No step at all.
    #[error("a cadence needs at least one step")]
    NoSteps,
    /// More than [`MAX_STEPS`] steps.
    #[error("a cadence has at most {MAX_STEPS} steps")]
    TooManySteps,
    /// A gap above [`MAX_GAP_DAYS`].
    #[error("the days between steps must be between 0 and {MAX_GAP_DAYS}")]
    GapOutOfRange,
    /// Two steps on the same day.
    #[error("the steps after the first must be at least one day apart")]
    ZeroGapAfterFirst,
    /// A reminder after the final notice, or two final notices or escalations.
    #[error("the final notice and the escalation come last, in that order")]
    StepOrder,
    /// The instalment reminder too early.
    #[error("the instalment reminder comes at most {MAX_GAP_DAYS} days before")]
    ReminderDaysOutOfRange,
    /// Neither email nor letter.
    #[error("at least one channel is needed")]
    NoChannel,
}

/// The most steps a cadence may have.
pub const MAX_STEPS: usize = 8;
/// The longest gap between two steps, in days.
pub const MAX_GAP_DAYS: u32 = 120;

fn step(kind: StepKind, after_days: u32) -> CadenceStep {
    CadenceStep { kind, after_days }
}

impl Cadence {
    /// The rhythm of a class seeded under `key` (and of any class without its own).
    pub fn default_for(key: &str) -> Cadence {
        use StepKind::*;
        match key {
            "key_account" => Cadence {
                tone: Tone::Friendly,
                steps: vec![
                    step(Reminder, 7),
                    step(Reminder, 21),
                    step(FinalNotice, 21),
                    step(Escalation, 14),
                ],
                instalment_reminder_days: 5,
                channels: Channels::default(),
            },
            "strict" => Cadence {
                tone: Tone::Firm,
                steps: vec![
                    step(Reminder, 0),
                    step(FinalNotice, 10),
                    step(Escalation, 7),
                ],
                instalment_reminder_days: 2,
                channels: Channels::default(),
            },
            _ => Cadence {
                tone: Tone::Neutral,
                steps: vec![
                    step(Reminder, 0),
                    step(Reminder, 14),
                    step(FinalNotice, 14),
                    step(Escalation, 14),
                ],
                instalment_reminder_days: 3,
                channels: Channels::default(),
            },
        }
    }

    /// Checks that the engine can follow the cadence.
    pub fn validate(&self) -> Result<(), CadenceError> {
        if self.steps.is_empty() {
            return Err(CadenceError::NoSteps);
        }
        if self.steps.len() > MAX_STEPS {
            return Err(CadenceError::TooManySteps);
        }
        if self.steps.iter().any(|s| s.after_days > MAX_GAP_DAYS) {
            return Err(CadenceError::GapOutOfRange);
        }
        if self.steps.iter().skip(1).any(|s| s.after_days == 0) {
            return Err(CadenceError::ZeroGapAfterFirst);
        }
        // Reminders, then at most one final notice, then at most one escalation.
        let rank = |k: StepKind| match k {
            StepKind::Reminder => 0,
            StepKind::FinalNotice => 1,
            StepKind::Escalation => 2,
        };
        let ordered = self.steps.windows(2).all(|w| {
            rank(w[0].kind) <= rank(w[1].kind) && (rank(w[0].kind) == 0 || w[0].kind != w[1].kind)
        });
        if !ordered {
            return Err(CadenceError::StepOrder);
        }
        if self.instalment_reminder_days > MAX_GAP_DAYS {
            return Err(CadenceError::ReminderDaysOutOfRange);
        }
        if !self.channels.email && !self.channels.letter {
            return Err(CadenceError::NoChannel);
        }
        Ok(())
    }
}

/// A cadence as a creditor sets it: a first reminder, some further reminders at one interval,
/// optionally a final notice and the escalation request. Every cadence the portal writes has this
/// shape; [`CadenceOutline::of`] reads any cadence back into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadenceOutline {
    /// How the notices are worded.
    pub tone: Tone,
    /// Days after the hand-over of the first reminder.
    pub first_after: u32,
    /// Reminders after the first.
    pub further: u32,
    /// Days between reminders.
    pub further_after: u32,
    /// Days after the last reminder of the final notice, if one is sent.
    pub final_after: Option<u32>,
    /// Days after the last notice of the escalation request, if there is one.
    pub escalation_after: Option<u32>,
    /// Days before each instalment's due date on which the debtor is reminded (0: never).
    pub instalment_reminder_days: u32,
    /// The ways notices may go out.
    pub channels: Channels,
}

impl CadenceOutline {
    /// The outline of `c` (the interval of the first further reminder stands for all).
    pub fn of(c: &Cadence) -> CadenceOutline {
        let reminders: Vec<&CadenceStep> = c
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Reminder)
            .collect();
        let after = |kind| {
            c.steps
                .iter()
                .find(|s| s.kind == kind)
                .map(|s| s.after_days)
        };
        CadenceOutline {
            tone: c.tone,
            first_after: reminders.first().map_or(0, |s| s.after_days),
            further: u32::try_from(reminders.len().saturating_sub(1)).unwrap_or(0),
            further_after: reminders.get(1).map_or(14, |s| s.after_days),
            final_after: after(StepKind::FinalNotice),
            escalation_after: after(StepKind::Escalation),
            instalment_reminder_days: c.instalment_reminder_days,
            channels: c.channels,
        }
    }

    /// The cadence it describes.
    pub fn cadence(&self) -> Cadence {
        let mut steps = vec![step(StepKind::Reminder, self.first_after)];
        for _ in 0..self.further {
            steps.push(step(StepKind::Reminder, self.further_after));
        }
        if let Some(d) = self.final_after {
            steps.push(step(StepKind::FinalNotice, d));
        }
        if let Some(d) = self.escalation_after {
            steps.push(step(StepKind::Escalation, d));
        }
        Cadence {
            tone: self.tone,
            steps,
            instalment_reminder_days: self.instalment_reminder_days,
            channels: self.channels,
        }
    }
}

/// A time the dunning clock stands still: from a day until a day (exclusive), or open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// The first paused day.
    pub from: NaiveDate,
    /// The first day the clock runs again; `None` while the pause lasts.
    pub until: Option<NaiveDate>,
}

impl Pause {
    fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|u| day < u)
    }
}

/// Where a case stands in its cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextStep {
    /// Step `index` (0-based) is due; `due` may lie in the past after downtime: it is taken once.
    Due {
        /// The step's position in the cadence.
        index: usize,
        /// What it does.
        kind: StepKind,
        /// When it fell due.
        due: NaiveDate,
    },
    /// Step `index` falls due on `due` if nothing pauses the clock before.
    Later {
        /// The step's position in the cadence.
        index: usize,
        /// What it does.
        kind: StepKind,
        /// When it will fall due.
        due: NaiveDate,
    },
    /// A pause covers today: nothing runs until it ends.
    Paused,
    /// Every step has been taken.
    Finished,
}

/// The next step for a case whose last step (or hand-over, when `done == 0`) was on `anchor`.
pub fn next_step(
    cadence: &Cadence,
    done: usize,
    anchor: NaiveDate,
    pauses: &[Pause],
    today: NaiveDate,
) -> NextStep {
    let Some(step) = cadence.steps.get(done) else {
        return NextStep::Finished;
    };
    if pauses.iter().any(|p| p.covers(today)) {
        return NextStep::Paused;
    }
    let paused = |d: NaiveDate| pauses.iter().any(|p| p.covers(d));
    // Walk forward from the anchor counting the days dunning may run. Open pauses cannot lie ahead
    // of today (they would cover today), so the walk ends; the bound only guards bad data.
    let mut day = anchor;
    let mut counted = 0;
    let mut guard = 0u32;
    loop {
        if counted >= step.after_days && !paused(day) {
            break;
        }
        day = day + Days::new(1);
        if !paused(day) {
            counted += 1;
        }
        guard += 1;
        if guard > 20_000 {
            return NextStep::Paused;
        }
    }
    if day <= today {
        NextStep::Due {
            index: done,
            kind: step.kind,
            due: day,
        }
    } else {
        NextStep::Later {
            index: done,
            kind: step.kind,
            due: day,
        }
    }
}

/// What a running plan needs today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanAction {
    /// Remind the debtor of the instalment `number` due on `due`.
    Remind {
        /// The instalment's number.
        number: u32,
        /// Its due date.
        due: NaiveDate,
        /// What is still to pay of it.
        amount: Money,
    },
    /// `count` instalments were missed (past their grace days) but the plan still stands.
    Missed {
        /// How many were missed.
        count: u32,
    },
    /// The plan is broken: dunning resumes and a handler looks at the case.
    Broken {
        /// How many were missed.
        count: u32,
    },
    /// Everything is paid.
    Completed,
}

/// The actions for a plan on `today`; each is taken once (the caller keys them by their content).
pub fn plan_actions(
    plan: &[Instalment],
    payments: &[(NaiveDate, Money)],
    today: NaiveDate,
    rule: MissedInstalmentRule,
    remind_days: u32,
) -> Vec<PlanAction> {
    let mut out = Vec::new();
    match plan_status(plan, payments, today, rule) {
        PlanStatus::Completed => return vec![PlanAction::Completed],
        PlanStatus::Broken { count } => return vec![PlanAction::Broken { count }],
        PlanStatus::Missed { count } => out.push(PlanAction::Missed { count }),
        PlanStatus::OnTrack | PlanStatus::Late { .. } => {}
    }
    if remind_days > 0 {
        let paid: i64 = payments
            .iter()
            .filter(|(d, _)| *d <= today)
            .map(|(_, m)| m.minor)
            .sum();
        let mut owed = 0;
        for inst in plan {
            owed += inst.amount.minor;
            if inst.due < today {
                continue;
            }
            let window_opens = inst.due - Days::new(u64::from(remind_days));
            if today >= window_opens && paid < owed {
                out.push(PlanAction::Remind {
                    number: inst.number,
                    due: inst.due,
                    amount: Money::new((owed - paid).min(inst.amount.minor), inst.amount.currency),
                });
            }
            break;
        }
    }
    out
}

/// A hold as stored: its first day, the day it was set to end, and the day a person lifted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldSpan {
    /// The first day on hold.
    pub from: NaiveDate,
    /// The first day it was set to end at, if any.
    pub until: Option<NaiveDate>,
    /// The day a person lifted it, if anyone did.
    pub lifted: Option<NaiveDate>,
}

/// A plan as stored, for the time it stopped the reminders: whether it is the agreed one, the day
/// it was decided and the day of its last change (when it ended, if it is not agreed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanSpan {
    /// The agreed plan (running while the case is `plan_agreed`).
    pub agreed: bool,
    /// The day it was decided (or, undecided, last changed).
    pub from: NaiveDate,
    /// The day of its last change: when an ended plan ended.
    pub last_change: NaiveDate,
}

/// When the dunning clock of a case stood still, and what the engine must end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stillness {
    /// Every hold, then every plan that ran.
    pub pauses: Vec<Pause>,
    /// For a case on hold that no hold covers any more: the end of its newest hold (the engine
    /// ends the hold and dunning resumes).
    pub ended_hold_on: Option<NaiveDate>,
    /// The index in `plans` of the plan running now (only in state `plan_agreed`).
    pub running_plan: Option<usize>,
}

/// The pauses of a case from its holds (oldest first) and plans: a hold lasts until its planned
/// end or until it was lifted, whichever came first; an agreed plan pauses the reminders while the
/// case is in `plan_agreed`, an ended one from its decision to its end. `on_hold` and
/// `plan_agreed` are the case's state.
pub fn stillness(
    holds: &[HoldSpan],
    plans: &[PlanSpan],
    on_hold: bool,
    plan_agreed: bool,
    today: NaiveDate,
) -> Stillness {
    let mut pauses: Vec<Pause> = holds
        .iter()
        .map(|h| Pause {
            from: h.from,
            until: match (h.until, h.lifted) {
                (Some(u), Some(l)) => Some(u.min(l)),
                (u, l) => u.or(l),
            },
        })
        .collect();
    let covered = pauses.iter().any(|p| p.covers(today));
    let ended_hold_on = match pauses.last() {
        Some(Pause {
            until: Some(end), ..
        }) if on_hold && !covered => Some(*end),
        _ => None,
    };
    let mut running_plan = None;
    for (i, plan) in plans.iter().enumerate() {
        if plan.agreed {
            if plan_agreed {
                pauses.push(Pause {
                    from: plan.from,
                    until: None,
                });
                running_plan = Some(i);
            }
        } else {
            pauses.push(Pause {
                from: plan.from,
                until: Some(plan.last_change),
            });
        }
    }
    Stillness {
        pauses,
        ended_hold_on,
        running_plan,
    }
}

#[cfg(test)]
mod tests;
