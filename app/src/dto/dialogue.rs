//! The debtor's dialogue: messages, disputes, the timeline, plans and contact data.

use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One message of the case conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// `debtor` or `handler`.
    pub author: String,
    pub body: String,
    pub at_ms: i64,
    pub attachments: Vec<AttachmentView>,
}

/// A document attached to a message, dispute or payment claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i64,
    pub filename: String,
    pub size_bytes: i64,
}

/// An open or decided dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeView {
    pub id: i64,
    /// `complaint`, `claim_wrong` or `not_my_debt`.
    pub kind: String,
    pub body: String,
    /// `open`, `upheld` or `rejected`.
    pub state: String,
    pub answer_due_on: NaiveDate,
    pub at_ms: i64,
    pub attachments: Vec<AttachmentView>,
    /// The handler's answer, once given.
    pub answer: Option<String>,
}

/// One entry of the case timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub kind: String,
    pub at_ms: i64,
    /// `debtor`, `staff`, `creditor` or `system`.
    pub actor: String,
    /// For the dunning engine's notices: what was sent (the subject).
    pub subject: Option<String>,
    /// For the dunning engine's notices: `email` or `letter`.
    pub channel: Option<String>,
}

/// What happens next on a case unless the debtor acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WhatNext {
    /// The next notice: `reminder`, `final_notice`, `escalation_request` (the creditor is asked
    /// about court dunning) or `escalation` (the case goes to court dunning), on `on`.
    Step { kind: String, on: NaiveDate },
    /// The next instalment of the agreed plan.
    Instalment {
        number: u32,
        due: NaiveDate,
        amount: Money,
    },
    /// Reminders pause; they resume on `until` unless something else happens.
    PausedUntil { until: NaiveDate },
}

/// The dialogue side of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogueView {
    /// The reason for non-payment given last, as its code.
    pub reason: Option<String>,
    /// The case state, as its code.
    pub state: String,
    pub messages: Vec<MessageView>,
    pub disputes: Vec<DisputeView>,
    /// Dates and amounts the debtor reported as already paid, still being checked.
    pub payment_claims: Vec<(NaiveDate, Money)>,
    pub events: Vec<EventView>,
    /// Whether reminders are paused today.
    pub on_hold: bool,
    /// Business days within which the agency promises an answer to a dispute or message.
    pub reply_days: u32,
    /// What happens next unless the debtor acts (filled for the debtor's own pages only).
    pub next: Option<WhatNext>,
    /// Whether the debtor answered "How fairly were you treated?" (asked once the case ended).
    pub fairness_answered: bool,
    /// A fresh random key for the next form on the page; a form sent twice carries the same key
    /// and is stored once.
    pub form_key: String,
}

/// A plan or deferral as the debtor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub id: i64,
    /// `proposed`, `countered`, `agreed`, `declined`, …
    pub state: String,
    /// `debtor` or `handler`.
    pub proposed_by: String,
    pub request: crate::domain::plan::PlanRequest,
    pub schedule: Vec<crate::domain::plan::Instalment>,
    /// The agreement's cost (§ 13a (3) RDG).
    pub cost: Money,
    pub reasons: Vec<crate::domain::plan::PlanReason>,
}

/// What the plan page needs: the balance and the creditor's rules, so the browser can show the
/// schedule and the decision as the debtor types, and any open plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPageData {
    pub balance: Money,
    pub today: NaiveDate,
    /// The rules for this balance; `None` if the creditor allows no plans for it.
    pub policy: Option<crate::domain::plan::PlanPolicy>,
    pub reply_days: u32,
    pub open_plan: Option<PlanView>,
    pub form_key: String,
}

/// The debtor's contact data as they can see and correct it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub email: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// `de` or `en`.
    pub language: String,
    /// `email` or `letter`.
    pub channel: String,
    pub form_key: String,
}
