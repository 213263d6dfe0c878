//! The signed-in person's own account: password, two-step sign-in and sessions.

use super::staff::StaffMember;
use serde::{Deserialize, Serialize};

/// The staff member's own account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    pub member: StaffMember,
    pub security: AccountSecurity,
}

/// How the signed-in person (staff or a creditor's user) signs in, for their account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSecurity {
    pub email: String,
    /// Two-step sign-in is set up.
    pub two_step: bool,
    /// The portal requires two-step sign-in.
    pub two_step_required: bool,
    /// The set-up still owed before anything else: `password` or `two_step`.
    pub setup: Option<String>,
    /// A new key being set up, waiting for its first code.
    pub enrolment: Option<TwoStepEnrolment>,
    /// Where the account is signed in, the most recently active first.
    pub sessions: Vec<OwnSession>,
}

/// One session of one's own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnSession {
    /// Names the session for ending it (a hash of its id; never the cookie itself).
    pub handle: String,
    pub started_ms: i64,
    pub last_active_ms: i64,
    /// The session of this very request.
    pub current: bool,
}

/// A key for an authenticator app, shown while it is being set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepEnrolment {
    /// Base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` address as a QR code (SVG).
    pub qr_svg: String,
}
