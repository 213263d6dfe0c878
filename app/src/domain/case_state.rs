//! The life of a case as an explicit state machine: which events are allowed in which state, and
//! who may cause them. Holds pause the dunning clock with a reason and an end.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseState {
    /// Dunning runs; nobody has said anything yet.
    Open,
    /// The debtor or a handler has started a conversation.
    InDialogue,
    /// A plan or deferral proposal waits for a decision.
    PlanProposed,
    /// A plan or deferral is agreed and being paid.
    PlanAgreed,
    /// The debtor disputes the claim; reminders stop.
    Disputed,
    /// Paused for a stated reason until a date (e.g. "already paid" being checked).
    OnHold,
    /// A handler asked the creditor to consent to court proceedings.
    EscalationRequested,
    /// Handed over to the court dunning procedure.
    Escalated,
    /// The balance is zero.
    Paid,
    /// Finished: paid and thanked, written off, or cancelled.
    Closed,
}

impl CaseState {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::InDialogue => "in_dialogue",
            CaseState::PlanProposed => "plan_proposed",
            CaseState::PlanAgreed => "plan_agreed",
            CaseState::Disputed => "disputed",
            CaseState::OnHold => "on_hold",
            CaseState::EscalationRequested => "escalation_requested",
            CaseState::Escalated => "escalated",
            CaseState::Paid => "paid",
            CaseState::Closed => "closed",
        }
    }

    /// Parses a stored value.
    pub fn from_code(code: &str) -> Option<CaseState> {
        ALL_STATES.into_iter().find(|s| s.code() == code)
    }

    /// Whether reminders may be sent in this state (holds aside).
    pub fn dunning_runs(self) -> bool {
        matches!(self, CaseState::Open | CaseState::InDialogue)
    }
}

/// Every state, for tables and tests.
pub const ALL_STATES: [CaseState; 10] = [
    CaseState::Open,
    CaseState::InDialogue,
    CaseState::PlanProposed,
    CaseState::PlanAgreed,
    CaseState::Disputed,
    CaseState::OnHold,
    CaseState::EscalationRequested,
    CaseState::Escalated,
    CaseState::Paid,
    CaseState::Closed,
];

/// Who causes an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// The debtor, through the portal.
    Debtor,
    /// A case handler of the agency.
    Handler,
    /// The creditor, through their portal or API.
    Creditor,
    /// Rapport itself: payments booked, deadlines passed, rules applied.
    System,
}

/// Something that happens to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseEvent {
    /// A message was written in the case conversation.
    MessageSent,
    /// A plan or deferral was proposed.
    PlanProposed,
    /// The policy or a handler agreed the plan, or the debtor accepted a counter-offer.
    PlanAgreed,
    /// A handler declined the proposal, or the debtor declined a counter-offer.
    PlanDeclined,
    /// Too many instalments were missed; dunning resumes.
    PlanBroken,
    /// The debtor disputes the claim (or a handler records a dispute).
    DisputeOpened,
    /// Resolved against the debtor: dunning resumes.
    DisputeRejected,
    /// Resolved in the debtor's favour by correcting the claim: dunning resumes on the rest.
    DisputeUpheld,
    /// Resolved in the debtor's favour by cancelling the claim.
    ClaimCancelled,
    /// Dunning is paused for a reason until a date.
    HoldPlaced,
    /// A hold ended or was lifted.
    HoldEnded,
    /// Consent to court proceedings was requested from the creditor.
    EscalationRequested,
    /// The creditor consented to court proceedings (or its default applied).
    EscalationApproved,
    /// The creditor declined court proceedings.
    EscalationDeclined,
    /// A payment brought the balance to zero.
    PaidInFull,
    /// A payment was reversed after the case was paid.
    PaymentReversed,
    /// The claim is written off; nothing more is collected.
    WrittenOff,
    /// The case is finished.
    Closed,
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TransitionError {
    #[error("{event:?} is not possible while the case is {state:?}")]
    /// The event is not possible in the case's state.
    NotInState {
        /// The state the case is in.
        state: CaseState,
        /// The refused event.
        event: CaseEvent,
    },
    #[error("{actor:?} may not cause {event:?}")]
    /// The actor may not cause the event at all.
    NotAllowed {
        /// Who tried.
        actor: Actor,
        /// The refused event.
        event: CaseEvent,
    },
}

/// Who may cause each event.
pub fn allowed_actors(event: CaseEvent) -> &'static [Actor] {
    use Actor::*;
    use CaseEvent::*;
    match event {
        MessageSent => &[Debtor, Handler],
        PlanProposed => &[Debtor, Handler],
        PlanAgreed => &[Debtor, Handler, Creditor, System],
        PlanDeclined => &[Debtor, Handler, Creditor],
        PlanBroken => &[System, Handler],
        DisputeOpened => &[Debtor, Handler],
        DisputeRejected | DisputeUpheld | ClaimCancelled => &[Handler, Creditor],
        HoldPlaced => &[Debtor, Handler, Creditor],
        HoldEnded => &[Handler, Creditor, System],
        EscalationRequested => &[Handler, System],
        EscalationApproved | EscalationDeclined => &[Creditor, System],
        PaidInFull => &[System],
        PaymentReversed => &[System, Handler],
        WrittenOff => &[Handler, Creditor],
        Closed => &[Handler, System],
    }
}

/// The state after `event`, if `actor` may cause it in `state`.
pub fn transition(
    state: CaseState,
    event: CaseEvent,
    actor: Actor,
) -> Result<CaseState, TransitionError> {
    use CaseEvent as E;
    use CaseState as S;
    if !allowed_actors(event).contains(&actor) {
        return Err(TransitionError::NotAllowed { actor, event });
    }
    let active = matches!(
        state,
        S::Open | S::InDialogue | S::PlanProposed | S::PlanAgreed | S::OnHold
    );
    let next = match (state, event) {
        (S::Open | S::InDialogue, E::MessageSent) => Some(S::InDialogue),
        (
            S::PlanProposed | S::PlanAgreed | S::Disputed | S::OnHold | S::EscalationRequested,
            E::MessageSent,
        ) => Some(state),
        (S::Open | S::InDialogue | S::OnHold, E::PlanProposed) => Some(S::PlanProposed),
        (S::PlanProposed, E::PlanAgreed) => Some(S::PlanAgreed),
        (S::PlanProposed, E::PlanDeclined) => Some(S::InDialogue),
        (S::PlanAgreed, E::PlanBroken) => Some(S::Open),
        (s, E::DisputeOpened) if active || s == S::EscalationRequested => Some(S::Disputed),
        (S::Disputed, E::DisputeRejected | E::DisputeUpheld) => Some(S::Open),
        (S::Disputed, E::ClaimCancelled) => Some(S::Closed),
        (S::Open | S::InDialogue | S::PlanProposed, E::HoldPlaced) => Some(S::OnHold),
        (S::OnHold, E::HoldEnded) => Some(S::Open),
        (S::Open | S::InDialogue, E::EscalationRequested) => Some(S::EscalationRequested),
        (S::EscalationRequested, E::EscalationApproved) => Some(S::Escalated),
        (S::EscalationRequested, E::EscalationDeclined) => Some(S::Open),
        (s, E::PaidInFull)
            if active || matches!(s, S::Disputed | S::EscalationRequested | S::Escalated) =>
        {
            Some(S::Paid)
        }
        (S::Paid | S::Closed, E::PaymentReversed) => Some(S::Open),
        (s, E::WrittenOff) if s != S::Closed && s != S::Paid => Some(S::Closed),
        (S::Paid, E::Closed) => Some(S::Closed),
        _ => None,
    };
    next.ok_or(TransitionError::NotInState { state, event })
}

/// Why the dunning clock is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HoldReason {
    /// The debtor disputes the claim.
    Dispute,
    /// A plan proposal waits for a decision.
    PlanProposal,
    /// The debtor says they paid; the bank statement is being checked.
    AlreadyPaidCheck,
    /// "I will call them myself."
    CreditorPause,
    /// A handler paused the case.
    HandlerHold,
}

impl HoldReason {
    /// Every reason, for parsing.
    pub const ALL: [HoldReason; 5] = [
        HoldReason::Dispute,
        HoldReason::PlanProposal,
        HoldReason::AlreadyPaidCheck,
        HoldReason::CreditorPause,
        HoldReason::HandlerHold,
    ];

    /// Parses the stored value (the variant's name, as written since the first migration).
    pub fn from_stored(raw: &str) -> Option<HoldReason> {
        HoldReason::ALL
            .into_iter()
            .find(|r| format!("{r:?}") == raw)
    }
}

/// A pause of the dunning clock, from a date until an end date (exclusive) or until lifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// Why dunning is paused.
    pub reason: HoldReason,
    /// The first day of the pause.
    pub from: NaiveDate,
    /// The first day dunning may run again; `None` until lifted.
    pub until: Option<NaiveDate>,
}

impl Hold {
    /// Whether the hold pauses dunning on `day`.
    pub fn is_active(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|end| day < end)
    }
}

/// Whether any hold pauses dunning on `day`.
pub fn dunning_paused(holds: &[Hold], day: NaiveDate) -> bool {
    holds.iter().any(|h| h.is_active(day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseEvent as E;
    use CaseState as S;

    #[test]
    fn the_main_paths_of_a_case() {
        let path = [
            (S::Open, E::MessageSent, Actor::Debtor, S::InDialogue),
            (
                S::InDialogue,
                E::PlanProposed,
                Actor::Debtor,
                S::PlanProposed,
            ),
            (S::PlanProposed, E::PlanAgreed, Actor::System, S::PlanAgreed),
            (S::PlanAgreed, E::PlanBroken, Actor::System, S::Open),
            (S::Open, E::DisputeOpened, Actor::Debtor, S::Disputed),
            (S::Disputed, E::DisputeRejected, Actor::Handler, S::Open),
            (
                S::Open,
                E::EscalationRequested,
                Actor::Handler,
                S::EscalationRequested,
            ),
            (
                S::EscalationRequested,
                E::EscalationApproved,
                Actor::Creditor,
                S::Escalated,
            ),
            (S::Escalated, E::PaidInFull, Actor::System, S::Paid),
            (S::Paid, E::Closed, Actor::System, S::Closed),
            (S::Closed, E::PaymentReversed, Actor::System, S::Open),
            (S::Disputed, E::ClaimCancelled, Actor::Creditor, S::Closed),
            (S::OnHold, E::HoldEnded, Actor::System, S::Open),
        ];
        for (from, event, actor, to) in path {
            assert_eq!(
                transition(from, event, actor),
                Ok(to),
                "{from:?} --{event:?}/{actor:?}-->"
            );
        }
    }

    #[test]
    fn illegal_transitions_and_actors_are_errors_with_a_message() {
        assert_eq!(
            transition(S::Closed, E::PlanProposed, Actor::Debtor),
            Err(TransitionError::NotInState {
                state: S::Closed,
                event: E::PlanProposed
            })
        );
        assert_eq!(
            transition(
                S::EscalationRequested,
                E::EscalationApproved,
                Actor::Handler
            ),
            Err(TransitionError::NotAllowed {
                actor: Actor::Handler,
                event: E::EscalationApproved
            }),
            "only the creditor consents to court proceedings"
        );
        assert_eq!(
            transition(S::Open, E::PaidInFull, Actor::Debtor),
            Err(TransitionError::NotAllowed {
                actor: Actor::Debtor,
                event: E::PaidInFull
            })
        );
        assert!(transition(S::Paid, E::WrittenOff, Actor::Handler).is_err());
        let message = transition(S::Open, E::Closed, Actor::Handler)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some("Closed is not possible while the case is Open")
        );
    }

    #[test]
    fn every_state_round_trips_and_only_open_cases_are_dunned() {
        for s in ALL_STATES {
            assert_eq!(CaseState::from_code(s.code()), Some(s));
        }
        let dunned: Vec<_> = ALL_STATES
            .into_iter()
            .filter(|s| s.dunning_runs())
            .collect();
        assert_eq!(dunned, vec![S::Open, S::InDialogue]);
    }

    #[test]
    fn closed_cases_accept_only_a_reversal() {
        let all_events = [
            E::MessageSent,
            E::PlanProposed,
            E::PlanAgreed,
            E::PlanDeclined,
            E::PlanBroken,
            E::DisputeOpened,
            E::DisputeRejected,
            E::DisputeUpheld,
            E::ClaimCancelled,
            E::HoldPlaced,
            E::HoldEnded,
            E::EscalationRequested,
            E::EscalationApproved,
            E::EscalationDeclined,
            E::PaidInFull,
            E::PaymentReversed,
            E::WrittenOff,
            E::Closed,
        ];
        for event in all_events {
            let allowed = allowed_actors(event)
                .iter()
                .any(|a| transition(S::Closed, event, *a).is_ok());
            assert_eq!(allowed, event == E::PaymentReversed, "{event:?}");
        }
    }

    #[test]
    fn holds_pause_dunning_until_their_end() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let hold = Hold {
            reason: HoldReason::AlreadyPaidCheck,
            from: d("2026-11-01"),
            until: Some(d("2026-11-15")),
        };
        assert!(!hold.is_active(d("2026-10-31")));
        assert!(hold.is_active(d("2026-11-14")));
        assert!(!hold.is_active(d("2026-11-15")));
        let open_ended = Hold {
            reason: HoldReason::Dispute,
            from: d("2026-11-01"),
            until: None,
        };
        assert!(dunning_paused(&[hold, open_ended], d("2030-01-01")));
        assert!(!dunning_paused(&[hold], d("2030-01-01")));
    }
}
