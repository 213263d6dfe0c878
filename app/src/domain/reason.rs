//! Why a debtor has not paid, and the path each answer opens on the case page.

use crate::domain::case_state::HoldReason;
use serde::{Deserialize, Serialize};

/// The answer to "why has this not been paid?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NonPaymentReason {
    /// Forgot or overlooked it.
    Forgot,
    /// A temporary shortage of money.
    TemporaryShortage,
    /// A complaint about the goods or the service.
    Complaint,
    /// The claim is wrong (amount, items, already cancelled).
    ClaimWrong,
    /// Already paid.
    AlreadyPaid,
    /// Not my debt (identity dispute).
    NotMyDebt,
    /// Anything else.
    Other,
}

/// What the portal offers next for a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReasonPath {
    /// Bank transfer with EPC QR code, or online payment.
    PayNow,
    /// Propose an instalment plan or a deferral.
    PlanOrDeferral,
    /// Dispute with text and documents.
    Dispute,
    /// Give date, amount and proof of the payment.
    ProofOfPayment,
    /// Identity dispute.
    IdentityDispute,
    /// A free message to the case handler.
    Message,
}

/// Every reason, in the order the case page offers them.
pub const ALL_REASONS: [NonPaymentReason; 7] = [
    NonPaymentReason::Forgot,
    NonPaymentReason::TemporaryShortage,
    NonPaymentReason::Complaint,
    NonPaymentReason::ClaimWrong,
    NonPaymentReason::AlreadyPaid,
    NonPaymentReason::NotMyDebt,
    NonPaymentReason::Other,
];

impl NonPaymentReason {
    /// The path this answer opens.
    pub fn path(self) -> ReasonPath {
        match self {
            NonPaymentReason::Forgot => ReasonPath::PayNow,
            NonPaymentReason::TemporaryShortage => ReasonPath::PlanOrDeferral,
            NonPaymentReason::Complaint | NonPaymentReason::ClaimWrong => ReasonPath::Dispute,
            NonPaymentReason::AlreadyPaid => ReasonPath::ProofOfPayment,
            NonPaymentReason::NotMyDebt => ReasonPath::IdentityDispute,
            NonPaymentReason::Other => ReasonPath::Message,
        }
    }

    /// The hold that completing the path places on dunning, if any: disputes and payment claims
    /// stop reminders until a person has looked at them.
    pub fn hold(self) -> Option<HoldReason> {
        match self.path() {
            ReasonPath::Dispute | ReasonPath::IdentityDispute => Some(HoldReason::Dispute),
            ReasonPath::ProofOfPayment => Some(HoldReason::AlreadyPaidCheck),
            ReasonPath::PlanOrDeferral => Some(HoldReason::PlanProposal),
            ReasonPath::PayNow | ReasonPath::Message => None,
        }
    }

    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            NonPaymentReason::Forgot => "forgot",
            NonPaymentReason::TemporaryShortage => "temporary_shortage",
            NonPaymentReason::Complaint => "complaint",
            NonPaymentReason::ClaimWrong => "claim_wrong",
            NonPaymentReason::AlreadyPaid => "already_paid",
            NonPaymentReason::NotMyDebt => "not_my_debt",
            NonPaymentReason::Other => "other",
        }
    }

    /// Parses a stored or submitted value.
    pub fn from_code(code: &str) -> Option<NonPaymentReason> {
        ALL_REASONS.into_iter().find(|r| r.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_opens_its_path_and_the_right_ones_stop_reminders() {
        let table = [
            (NonPaymentReason::Forgot, ReasonPath::PayNow, None),
            (
                NonPaymentReason::TemporaryShortage,
                ReasonPath::PlanOrDeferral,
                Some(HoldReason::PlanProposal),
            ),
            (
                NonPaymentReason::Complaint,
                ReasonPath::Dispute,
                Some(HoldReason::Dispute),
            ),
            (
                NonPaymentReason::ClaimWrong,
                ReasonPath::Dispute,
                Some(HoldReason::Dispute),
            ),
            (
                NonPaymentReason::AlreadyPaid,
                ReasonPath::ProofOfPayment,
                Some(HoldReason::AlreadyPaidCheck),
            ),
            (
                NonPaymentReason::NotMyDebt,
                ReasonPath::IdentityDispute,
                Some(HoldReason::Dispute),
            ),
            (NonPaymentReason::Other, ReasonPath::Message, None),
        ];
        for (reason, path, hold) in table {
            assert_eq!(reason.path(), path, "{reason:?}");
            assert_eq!(reason.hold(), hold, "{reason:?}");
            assert_eq!(NonPaymentReason::from_code(reason.code()), Some(reason));
        }
        assert_eq!(NonPaymentReason::from_code("lazy"), None);
    }
}
