//! The dunning engine's view of a case and the steps it stores.

use super::{Effects, QueuedEmail, StoreResult, Stored};
use crate::domain::case_state::CaseState;
use crate::domain::Money;
use async_trait::async_trait;
use chrono::NaiveDate;

/// A running plan as the dunning engine judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningPlan {
    pub id: i64,
    pub instalments: Vec<crate::domain::plan::Instalment>,
    /// Payments received since the plan was agreed (value date, amount).
    pub payments: Vec<(NaiveDate, Money)>,
    pub rule: crate::domain::plan::MissedInstalmentRule,
}

/// What the dunning engine needs to know about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DunningCase {
    pub case_id: i64,
    pub reference: String,
    pub state: CaseState,
    pub cadence: crate::domain::dunning::Cadence,
    pub escalation_needs_consent: bool,
    pub creditor_name: String,
    pub debtor_id: i64,
    pub debtor_name: String,
    pub debtor_email: Option<String>,
    /// The debtor asked for letters rather than emails.
    pub prefers_letter: bool,
    pub language: crate::domain::Language,
    pub time_zone: String,
    /// The day the case was handed over: the first step counts from here.
    pub handed_over_on: NaiveDate,
    pub balance: Money,
    /// Cadence steps taken so far, and the day of the last one.
    pub steps_done: usize,
    pub last_step_on: Option<NaiveDate>,
    /// Times the clock stood still: holds, the creditor's pause, plans that were running.
    pub pauses: Vec<crate::domain::dunning::Pause>,
    /// The agreed plan, in state `plan_agreed`.
    pub plan: Option<RunningPlan>,
    /// For a case on hold whose holds have all run out: the newest hold. The engine ends the hold
    /// and dunning resumes.
    pub ended_hold: Option<EndedHold>,
}

/// A hold that has run out while its case is still on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndedHold {
    pub id: i64,
    pub reason: crate::domain::case_state::HoldReason,
    /// The first day without the hold.
    pub ended_on: NaiveDate,
}

/// One step the engine takes, stored with all its effects in one transaction, once per
/// (`case_id`, `step_key`) however often or concurrently the engine runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DunningStep {
    pub case_id: i64,
    /// e.g. `step:2` (the cadence's third step) or `plan:7:missed:1`.
    pub step_key: String,
    pub kind: &'static str,
    /// `email`, or `letter` when the debtor has no email address (the step waits to be posted).
    pub channel: &'static str,
    pub due_on: NaiveDate,
    /// The state change (possibly none), the timeline event and the audit entry.
    pub effects: Effects,
    /// A plan whose state changes with the step (`broken`, `completed`).
    pub plan_state: Option<(i64, &'static str)>,
    /// Emails to the creditor's owners (the end of their pause), written with the step.
    pub creditor_email: Option<CreditorEmail>,
    pub work: Option<crate::domain::work::WorkKind>,
    pub email: Option<QueuedEmail>,
    /// A letter's subject and text, kept until it is exported for printing.
    pub letter: Option<(String, String)>,
}

/// An email to the active owners of a case's creditor, in German and English (creditor users have
/// no language setting of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditorEmail {
    pub dedupe_key: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub host: String,
}

/// The dunning engine's storage.
#[async_trait]
pub trait Dunning: Send + Sync {
    /// Cases the engine may have something to do for (running dunning or a running plan), by id
    /// after `after_id`, at most `limit`.
    async fn dunning_cases(
        &self,
        after_id: i64,
        limit: u32,
        today: NaiveDate,
    ) -> StoreResult<Vec<DunningCase>>;
    /// One case as the engine sees it (any state), for "what happens next".
    async fn dunning_case_by_id(
        &self,
        case_id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<DunningCase>>;
    /// Stores the step; `Duplicate` if it was taken before, `StateChanged` if the case moved on.
    async fn record_step(&self, step: DunningStep) -> StoreResult<Stored>;
    /// Records several steps, in order, in one transaction, each with the outcome `record_step`
    /// would give it; when the transaction fails, each step is tried again in one of its own.
    async fn record_steps(&self, steps: Vec<DunningStep>) -> StoreResult<Vec<Stored>>;
}
