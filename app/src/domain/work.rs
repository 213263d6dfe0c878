//! The case handler's work queue and the staff roles: what needs a human, by when, in which
//! order, and who may do what.

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

/// Why a case is in the work queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WorkKind {
    /// The debtor disputes the claim.
    Dispute,
    /// A plan proposal outside the creditor's rules waits for a decision.
    Plan,
    /// The debtor wrote a message.
    Message,
    /// The debtor says they have already paid.
    PaymentClaim,
    /// Instalments were missed and the plan broke.
    BrokenPlan,
    /// A payment arrived that could not be matched to a case.
    UnmatchedPayment,
    /// The creditor answered a request to escalate.
    EscalationDecision,
}

/// Every kind, in the order of importance (most important first).
pub const ALL_KINDS: [WorkKind; 7] = [
    WorkKind::Dispute,
    WorkKind::PaymentClaim,
    WorkKind::Plan,
    WorkKind::EscalationDecision,
    WorkKind::BrokenPlan,
    WorkKind::Message,
    WorkKind::UnmatchedPayment,
];

impl WorkKind {
    /// The value stored in the database and used in filters.
    pub fn code(self) -> &'static str {
        match self {
            WorkKind::Dispute => "dispute",
            WorkKind::Plan => "plan",
            WorkKind::Message => "message",
            WorkKind::PaymentClaim => "payment_claim",
            WorkKind::BrokenPlan => "broken_plan",
            WorkKind::UnmatchedPayment => "unmatched_payment",
            WorkKind::EscalationDecision => "escalation_decision",
        }
    }

    /// Parses a stored value.
    pub fn from_code(code: &str) -> Option<WorkKind> {
        ALL_KINDS.into_iter().find(|k| k.code() == code)
    }

    /// Smaller is more important: among items due at the same time, disputes come first (a
    /// debtor who says the claim is wrong must not wait behind a chat message).
    pub fn importance(self) -> u8 {
        ALL_KINDS
            .iter()
            .position(|k| *k == self)
            .map_or(u8::MAX, |p| p as u8)
    }

    /// The work a debtor's action creates, by the timeline event it writes. Plans agreed at once
    /// by the policy need nobody; proposals outside the rules do.
    pub fn for_debtor_event(event_kind: &str) -> Option<WorkKind> {
        match event_kind {
            "dispute_opened" => Some(WorkKind::Dispute),
            "plan_proposed" => Some(WorkKind::Plan),
            "message_sent" => Some(WorkKind::Message),
            "payment_claimed" => Some(WorkKind::PaymentClaim),
            _ => None,
        }
    }
}

/// When an item that arrived at `now_ms` must be answered: `reply_days` business days later at
/// the same time of day (weekends and `holidays` do not count).
pub fn due_at(now_ms: i64, reply_days: u32, holidays: &[NaiveDate]) -> i64 {
    let Some(now) = DateTime::from_timestamp_millis(now_ms) else {
        return now_ms;
    };
    let day = crate::domain::plan::add_business_days(now.date_naive(), reply_days, holidays);
    let shift = (day - now.date_naive()).num_milliseconds();
    now_ms + shift
}

/// Time left until a deadline, in whole hours (negative when overdue), for "due in 5 h".
pub fn hours_left(due_at_ms: i64, now_ms: i64) -> i64 {
    (due_at_ms - now_ms).div_euclid(3_600_000)
}

/// A staff member's role. Each role can do everything the one before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Works the queue and the cases.
    Handler,
    /// Also manages staff accounts and templates.
    Supervisor,
    /// Also changes the agency's settings.
    Admin,
}

impl Role {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Handler => "handler",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored value.
    pub fn from_code(code: &str) -> Option<Role> {
        [Role::Handler, Role::Supervisor, Role::Admin]
            .into_iter()
            .find(|r| r.code() == code)
    }

    /// Whether this role may do what `required` may do.
    pub fn includes(self, required: Role) -> bool {
        self >= required
    }
}

/// A creditor's user: `Viewer` sees, `Owner` also decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CreditorRole {
    /// Sees the consent inbox.
    Viewer,
    /// Also decides.
    Owner,
}

impl CreditorRole {
    /// Parses a stored value.
    pub fn from_code(code: &str) -> Option<CreditorRole> {
        match code {
            "viewer" => Some(CreditorRole::Viewer),
            "owner" => Some(CreditorRole::Owner),
            _ => None,
        }
    }
}

/// How long a creditor has to answer a request to escalate unless the class says otherwise; then
/// the class's default applies (decline unless the creditor chose otherwise: no court
/// proceedings without an explicit yes).
pub const CONSENT_DAYS: u32 = 10;

/// When the default applies to a request made at `requested_at_ms`.
pub fn consent_deadline(requested_at_ms: i64, days: u32) -> i64 {
    requested_at_ms + i64::from(days) * 86_400_000
}

/// What applies to a plan approval the creditor did not answer by the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PlanConsentDefault {
    /// What the case handler recommended (the default: the person who knows the case decides).
    #[default]
    Recommendation,
    /// Always declined.
    Decline,
    /// Always approved.
    Approve,
}

impl PlanConsentDefault {
    /// The value stored in the database and sent by the class form.
    pub fn code(self) -> &'static str {
        match self {
            PlanConsentDefault::Recommendation => "recommendation",
            PlanConsentDefault::Decline => "decline",
            PlanConsentDefault::Approve => "approve",
        }
    }

    /// Parses a stored or submitted value.
    pub fn from_code(code: &str) -> Option<PlanConsentDefault> {
        [
            PlanConsentDefault::Recommendation,
            PlanConsentDefault::Decline,
            PlanConsentDefault::Approve,
        ]
        .into_iter()
        .find(|d| d.code() == code)
    }

    /// Whether a request the handler recommended as `recommend_approve` is approved without an
    /// answer.
    pub fn approves(self, recommend_approve: bool) -> bool {
        match self {
            PlanConsentDefault::Recommendation => recommend_approve,
            PlanConsentDefault::Decline => false,
            PlanConsentDefault::Approve => true,
        }
    }
}

/// Timeline entries only the agency and the creditor see: how a debtor is treated internally is
/// not part of the debtor's own timeline.
pub const INTERNAL_EVENTS: [&str; 6] = [
    "class_changed",
    "creditor_pause",
    "creditor_pause_ended",
    "plan_approval_requested",
    "plan_approval_decided",
    "charges_waived",
];

/// Whether the debtor's timeline shows an entry of `kind`.
pub fn shown_to_debtor(kind: &str) -> bool {
    !INTERNAL_EVENTS.contains(&kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_approval_without_answer_follows_the_class_default() {
        use PlanConsentDefault::*;
        assert!(Recommendation.approves(true));
        assert!(!Recommendation.approves(false));
        assert!(!Decline.approves(true));
        assert!(Approve.approves(false));
        for d in [Recommendation, Decline, Approve] {
            assert_eq!(PlanConsentDefault::from_code(d.code()), Some(d));
        }
        assert_eq!(PlanConsentDefault::from_code("maybe"), None);
        assert!(!shown_to_debtor("plan_approval_requested"));
        assert!(!shown_to_debtor("plan_approval_decided"));
    }

    fn ms(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("time")
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn deadlines_skip_weekends_and_holidays_and_keep_the_time_of_day() {
        // Thursday 10:00 + 2 business days = Monday 10:00.
        assert_eq!(
            due_at(ms("2026-11-19 10:00"), 2, &[]),
            ms("2026-11-23 10:00")
        );
        // Friday 17:30 + 1 = Monday 17:30.
        assert_eq!(
            due_at(ms("2026-11-20 17:30"), 1, &[]),
            ms("2026-11-23 17:30")
        );
        let holiday = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        assert_eq!(
            due_at(ms("2026-11-20 17:30"), 1, &[holiday]),
            ms("2026-11-24 17:30")
        );
    }

    #[test]
    fn debtor_events_that_need_a_human_create_work() {
        assert_eq!(
            WorkKind::for_debtor_event("dispute_opened"),
            Some(WorkKind::Dispute)
        );
        assert_eq!(WorkKind::for_debtor_event("plan_agreed"), None);
        assert_eq!(WorkKind::for_debtor_event("contact_changed"), None);
        for k in ALL_KINDS {
            assert_eq!(WorkKind::from_code(k.code()), Some(k));
        }
    }

    #[test]
    fn hours_left_rounds_towards_overdue() {
        let now = ms("2026-11-22 10:00");
        assert_eq!(hours_left(ms("2026-11-22 15:30"), now), 5);
        assert_eq!(hours_left(ms("2026-11-22 09:30"), now), -1);
    }

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin.includes(Role::Supervisor));
        assert!(Role::Supervisor.includes(Role::Handler));
        assert!(!Role::Handler.includes(Role::Supervisor));
        assert_eq!(Role::from_code("supervisor"), Some(Role::Supervisor));
        assert_eq!(Role::from_code("root"), None);
    }
}
