//! `AppError`: the one error type that crosses the wire between server and browser.
//!
//! Its messages are the sentences a user reads, in their language. Database, mail and HTTP client
//! errors never reach it with their text: adapters log the cause and return `Internal`.

use crate::domain::Language;
use crate::i18n::tr;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A problem with one field or with a form as a whole, rendered in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// The field is empty but must be filled in.
    Required,
    /// The value is longer than `max` characters.
    TooLong { max: u32 },
    /// The value does not have the expected shape (e.g. an access code with 11 characters).
    InvalidFormat,
    /// The credentials do not match; deliberately the same for every cause (unknown reference,
    /// wrong code, wrong postcode) so that nobody can probe which part was wrong.
    NotVerified,
    /// The request itself was malformed (a missing or undecodable form field).
    Malformed,
    /// More files than allowed in one submission.
    TooManyFiles { max: u32 },
    /// A file is larger than allowed.
    FileTooLarge { name: String, max_mb: u32 },
    /// A file is not a PDF, JPEG or PNG (judged by its content).
    UnsupportedFile { name: String },
    /// The virus scanner found malware in a file.
    InfectedFile { name: String },
    /// The virus scanner gave no verdict, so nothing was stored.
    ScanUnavailable,
    /// A date that must not lie in the future does.
    DateInFuture,
    /// A date that must not lie in the past does.
    DateInPast,
    /// The action clashes with the current state of the case.
    Conflict,
    /// Not an amount, or not a positive one.
    InvalidAmount,
    /// A plan proposal is outside the creditor's rules, for this reason.
    Plan(crate::domain::plan::PlanReason),
    /// A staff login failed; deliberately the same for every cause.
    LoginFailed,
    /// The code of the authenticator app was not accepted; the same for every cause.
    CodeFailed,
    /// The value is shorter than `min` characters.
    TooShort { min: u32 },
    /// The current password given is wrong.
    WrongPassword,
    /// The new password and its repetition differ.
    PasswordsDiffer,
    /// The password is the email address.
    PasswordIsEmail,
    /// The password is on lists of leaked passwords or made of well-known words and patterns.
    PasswordGuessable,
    /// A role higher than one's own was to be given.
    RoleTooHigh,
    /// An account with this email exists.
    EmailTaken,
    /// A counter-offer outside the creditor's rules without the creditor's approval.
    NeedsCreditorApproval,
    /// A correction must lower an amount.
    MustBeLower,
    /// A date too far in the future.
    TooFarAhead,
    /// A template with an error (unknown placeholder, unclosed brace).
    Template(String),
    /// No case of the agency has this reference.
    UnknownReference,
    /// A number outside its allowed range.
    OutOfRange,
    /// Not a whole number from `min` to `max`.
    Range { min: i64, max: i64 },
    /// A balance band's limit must lie above the band before it and below the band after it.
    BandOrder,
    /// A webhook address must be HTTPS (plain HTTP only to this machine).
    NotHttps,
    /// A bank statement file that cannot be read, and why.
    Statement(StatementProblem),
}

/// Why a bank statement file (camt.053/054) was refused. Nothing of a refused file is booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatementProblem {
    /// Not well-formed XML near this byte.
    Xml { position: u64 },
    /// A DOCTYPE (and with it entity definitions): never in a bank statement.
    Doctype,
    /// Elements nested deeper than a statement ever is.
    TooDeep,
    /// A text longer than a statement's fields ever are.
    TextTooLong,
    /// Not a camt.053 or camt.054 message.
    NotCamt,
    /// Entry `entry` has an amount that is not one.
    BadAmount { entry: u32 },
    /// Entry `entry` has a date that is not one.
    BadDate { entry: u32 },
    /// No statement or notification in the file.
    Empty,
    /// No file was chosen.
    NoFile,
    /// The file is larger than the upload allows.
    TooLarge { max_mb: u32 },
    /// The statement is of another account than the agency's (`iban`, empty when it names none).
    ForeignAccount { iban: String },
    /// The agency has no account configured, so no statement can be checked against it.
    NoAccount,
}

impl Problem {
    /// The sentence shown beside the field or above the form.
    pub fn message(&self, lang: Language) -> String {
        let t = tr(lang);
        let st = || crate::i18n::staff_tr(lang);
        match self {
            Problem::Required => t.err_required.to_string(),
            Problem::TooLong { max } => (t.err_too_long)(*max),
            Problem::InvalidFormat => t.err_invalid_format.to_string(),
            Problem::NotVerified => t.err_not_verified.to_string(),
            Problem::Malformed => t.err_malformed.to_string(),
            Problem::TooManyFiles { max } => (t.err_too_many_files)(*max),
            Problem::FileTooLarge { name, max_mb } => (t.err_file_too_large)(name, *max_mb),
            Problem::UnsupportedFile { name } => (t.err_unsupported_file)(name),
            Problem::InfectedFile { name } => (t.err_infected_file)(name),
            Problem::ScanUnavailable => t.err_scan_unavailable.to_string(),
            Problem::DateInFuture => t.err_date_in_future.to_string(),
            Problem::DateInPast => t.err_date_in_past.to_string(),
            Problem::Conflict => t.err_conflict.to_string(),
            Problem::InvalidAmount => t.err_invalid_amount.to_string(),
            Problem::Plan(reason) => crate::i18n::plan_reason(lang, reason),
            // Every problem is named here (no catch-all): a new one without its own sentence does
            // not compile, instead of reading "out of range".
            Problem::LoginFailed => st().err_login_failed.to_string(),
            Problem::CodeFailed => crate::i18n::security_tr(lang).err_code_failed.to_string(),
            Problem::TooShort { min } => (st().err_too_short)(*min),
            Problem::WrongPassword => st().err_wrong_password.to_string(),
            Problem::PasswordsDiffer => st().err_passwords_differ.to_string(),
            Problem::PasswordIsEmail => st().err_password_is_email.to_string(),
            Problem::PasswordGuessable => st().err_password_guessable.to_string(),
            Problem::RoleTooHigh => st().err_role_too_high.to_string(),
            Problem::EmailTaken => st().err_email_taken.to_string(),
            Problem::NeedsCreditorApproval => st().err_needs_creditor_approval.to_string(),
            Problem::MustBeLower => st().err_must_be_lower.to_string(),
            Problem::TooFarAhead => st().err_too_far_ahead.to_string(),
            Problem::Template(e) => (st().err_template)(e),
            Problem::UnknownReference => st().err_unknown_reference.to_string(),
            Problem::OutOfRange => st().err_out_of_range.to_string(),
            Problem::Range { min, max } => (crate::i18n::creditor_tr(lang).err_range)(*min, *max),
            Problem::BandOrder => crate::i18n::creditor_tr(lang).err_band_order.to_string(),
            Problem::NotHttps => crate::i18n::creditor_tr(lang).err_not_https.to_string(),
            Problem::Statement(p) => crate::i18n::statement_problem(lang, p),
        }
    }
}

/// Field errors of a submitted form, plus the submitted non-secret values so that a form posted
/// without JavaScript can be shown again filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormErrors {
    /// Problems with the form as a whole, shown above it.
    pub form: Vec<Problem>,
    /// Problems by field name.
    pub fields: BTreeMap<String, Vec<Problem>>,
    /// Submitted values worth keeping (never passwords, codes or tokens).
    pub values: BTreeMap<String, String>,
}

impl FormErrors {
    /// Adds a problem for `field`.
    pub fn field(mut self, field: &str, problem: Problem) -> Self {
        self.fields
            .entry(field.to_string())
            .or_default()
            .push(problem);
        self
    }

    /// Adds a problem for the whole form.
    pub fn form(mut self, problem: Problem) -> Self {
        self.form.push(problem);
        self
    }

    /// Keeps a submitted value for re-display.
    pub fn keep(mut self, field: &str, value: &str) -> Self {
        self.values.insert(field.to_string(), value.to_string());
        self
    }

    /// True when no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.form.is_empty() && self.fields.is_empty()
    }
}

/// Everything that can go wrong in a request, as the user may learn it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was wrong; the form shows each problem beside its field.
    #[error("{}", self.message(Language::En))]
    Validation(FormErrors),
    /// No valid session: the debtor must verify (again).
    #[error("{}", self.message(Language::En))]
    Unauthenticated,
    /// Signed in, but not allowed to do this.
    #[error("{}", self.message(Language::En))]
    Forbidden,
    /// The thing asked for does not exist (or is not the asker's to see).
    #[error("{}", self.message(Language::En))]
    NotFound,
    /// The action clashes with the current state (for example, it was already done).
    #[error("{}", self.message(Language::En))]
    Conflict,
    /// Too many attempts; try again after `minutes`.
    #[error("{}", self.message(Language::En))]
    RateLimited { minutes: u32 },
    /// Too many requests from this client; try again after `minutes`.
    #[error("{}", self.message(Language::En))]
    TooManyRequests { minutes: u32 },
    /// Something failed on our side; the details are in the server log, not here.
    #[error("{}", self.message(Language::En))]
    Internal,
    /// Signed in, but the account must first finish its set-up (own password, two-step sign-in).
    #[error("{}", self.message(Language::En))]
    SetupRequired,
    /// The browser could not reach the server.
    #[error("{}", self.message(Language::En))]
    Unreachable,
    /// Too much sign-in work is queued already; try again in a few seconds (503 with
    /// `Retry-After`).
    #[error("{}", self.message(Language::En))]
    Busy,
}

impl AppError {
    /// The sentence a user reads.
    pub fn message(&self, lang: Language) -> String {
        let t = tr(lang);
        match self {
            AppError::Validation(errors) => errors
                .form
                .first()
                .map(|p| p.message(lang))
                .unwrap_or_else(|| t.err_check_fields.to_string()),
            AppError::Unauthenticated => t.err_unauthenticated.to_string(),
            AppError::Forbidden => t.err_forbidden.to_string(),
            AppError::NotFound => t.err_not_found.to_string(),
            AppError::Conflict => t.err_conflict.to_string(),
            AppError::RateLimited { minutes } => (t.err_locked)(*minutes),
            AppError::TooManyRequests { minutes } => (t.err_too_many_requests)(*minutes),
            AppError::Internal => t.err_internal.to_string(),
            AppError::Unreachable => t.err_unreachable.to_string(),
            AppError::Busy => t.err_busy.to_string(),
            AppError::SetupRequired => crate::i18n::security_tr(lang)
                .err_setup_required
                .to_string(),
        }
    }

    /// The field errors, if this is a validation error.
    pub fn form_errors(&self) -> Option<&FormErrors> {
        match self {
            AppError::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => AppError::Unreachable,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Validation(FormErrors::default().form(Problem::Malformed))
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_distinct_message_in_each_language() {
        let errors = [
            AppError::Validation(FormErrors::default().form(Problem::NotVerified)),
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Conflict,
            AppError::RateLimited { minutes: 15 },
            AppError::TooManyRequests { minutes: 15 },
            AppError::Internal,
            AppError::Unreachable,
            AppError::SetupRequired,
            AppError::Busy,
        ];
        for lang in Language::ALL {
            let mut seen = std::collections::HashSet::new();
            for e in &errors {
                let m = e.message(lang);
                assert!(!m.is_empty());
                assert!(seen.insert(m), "duplicate message for {e:?} in {lang:?}");
            }
        }
        assert_ne!(
            AppError::Internal.message(Language::De),
            AppError::Internal.message(Language::En)
        );
    }

    #[test]
    fn lock_message_names_the_minutes() {
        assert!(AppError::RateLimited { minutes: 15 }
            .message(Language::De)
            .contains("15"));
        assert!(AppError::RateLimited { minutes: 7 }
            .message(Language::En)
            .contains('7'));
    }

    #[test]
    fn transport_failures_map_to_user_errors_without_internal_text() {
        let e =
            AppError::from_server_fn_error(ServerFnErrorErr::ServerError("sqlx: secret".into()));
        assert_eq!(e, AppError::Internal);
        assert!(!e.message(Language::En).contains("sqlx"));
        let e = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("postcode".into()));
        assert!(matches!(e, AppError::Validation(_)));
    }
}
