//! Debtor verification: link token or reference + access code, then the postcode as second factor,
//! with limits on attempts (per client, per client at a case, per case for the second factor) and
//! an audit entry for every attempt.
//!
//! Every way of failing (unknown token, unknown reference, wrong code, wrong postcode) gives the
//! same answer and costs the same Argon2 work, so nobody can learn which part was wrong.

use crate::domain::access::{normalize_access_code, normalize_postcode, normalize_reference};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::credentials::{dummy_verify, hash_token, verify_access_code};
use crate::server::ports::{AuditEntry, CaseAccess};
use crate::server::ports::{AuditLog, DebtorAccess};
use crate::server::{limits, AppState};

const MAX_POSTCODE: u32 = 16;
const MAX_REFERENCE: u32 = 40;
const MAX_TOKEN: usize = 128;

/// How the debtor identifies the case.
#[derive(Clone)]
pub enum Credentials {
    /// The token from the personal link or QR code.
    Link { token: String },
    /// The reference and access code typed from the letter.
    Reference {
        reference: String,
        access_code: String,
    },
}

/// One verification attempt as submitted.
#[derive(Clone)]
pub struct Attempt {
    pub credentials: Credentials,
    pub postcode: String,
    pub request_id: Option<String>,
    /// The client's address, for the per-client limit of failed attempts.
    pub client: String,
}

impl Credentials {
    fn method(&self) -> &'static str {
        match self {
            Credentials::Link { .. } => "link",
            Credentials::Reference { .. } => "reference",
        }
    }
}

fn audit(attempt: &Attempt, at_ms: i64, case_id: Option<i64>, outcome: &str) -> AuditEntry {
    AuditEntry {
        at_ms,
        actor_kind: "debtor",
        actor_id: None,
        case_id,
        action: "debtor.verify",
        detail: format!(
            r#"{{"method":"{}","outcome":"{outcome}"}}"#,
            attempt.credentials.method()
        ),
        request_id: attempt.request_id.clone(),
    }
}

/// Field checks that need no lookup. Returns the normalised postcode and, for the reference path,
/// the normalised reference and code.
fn check_input(attempt: &Attempt) -> Result<(String, Option<(String, String)>), FormErrors> {
    let mut errors = FormErrors::default();
    let postcode = normalize_postcode(&attempt.postcode);
    if postcode.is_empty() {
        errors = errors.field("postcode", Problem::Required);
    } else if postcode.chars().count() > MAX_POSTCODE as usize {
        errors = errors.field("postcode", Problem::TooLong { max: MAX_POSTCODE });
    }
    let mut typed = None;
    if let Credentials::Reference {
        reference,
        access_code,
    } = &attempt.credentials
    {
        let reference_n = normalize_reference(reference);
        errors = errors.keep("reference", reference.trim());
        if reference_n.is_empty() {
            errors = errors.field("reference", Problem::Required);
        } else if reference_n.chars().count() > MAX_REFERENCE as usize {
            errors = errors.field("reference", Problem::TooLong { max: MAX_REFERENCE });
        }
        let code = normalize_access_code(access_code);
        if access_code.trim().is_empty() {
            errors = errors.field("access_code", Problem::Required);
        } else if code.is_none() {
            errors = errors.field("access_code", Problem::InvalidFormat);
        }
        typed = code.map(|c| (reference_n, c));
    }
    if errors.is_empty() {
        Ok((postcode, typed))
    } else {
        Err(errors)
    }
}

/// Compares two strings without an early exit on the first differing byte.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks the typed code against every valid hash of the case (or a dummy when there is no case,
/// or the case has no access code, only email links), on a blocking thread because Argon2 is
/// deliberately slow: every way of failing costs the same work.
async fn code_matches(code: String, access: Option<&CaseAccess>) -> Result<bool, AppError> {
    let hashes: Vec<String> = access
        .map(|a| {
            a.code_hashes
                .iter()
                .filter(|h| h.starts_with("$argon2"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(crate::server::credentials::argon2_work(move || {
        if hashes.is_empty() {
            dummy_verify(&code);
            return false;
        }
        // Verify against all hashes (no early return) so the time does not depend on which matched.
        hashes
            .iter()
            .fold(false, |found, hash| verify_access_code(&code, hash) | found)
    })
    .await?)
}

/// The answer to every failure that must not tell which part was wrong.
fn not_verified(attempt: &Attempt) -> AppError {
    let mut errors = FormErrors::default().form(Problem::NotVerified);
    if let Credentials::Reference { reference, .. } = &attempt.credentials {
        errors = errors.keep("reference", reference.trim());
    }
    AppError::Validation(errors)
}

/// Verifies an attempt. On success returns the case id the session may see.
///
/// Every counter is reserved before the secret it guards is checked (see [`limits`]), so that
/// parallel attempts get no more tries than the limits allow:
/// - the client's failures over all cases ([`limits::VERIFY_CLIENT`]): past it the client waits,
///   which says nothing about any case;
/// - on the typed way in, the client's tries at this case ([`limits::VERIFY_REFERENCE`]): a
///   stranger who knows a printed reference locks out only themselves. A throttled client gets
///   the same answer, status and Argon2 work as for an unknown reference, unless the code was
///   right — then it learns that it must wait, which tells it nothing it did not know;
/// - wrong postcodes after a right first factor ([`limits::SECOND_FACTOR`], per case): only
///   someone holding the personal link or the letter's code can reach this counter.
#[tracing::instrument(skip_all, fields(method = attempt.credentials.method()))]
pub async fn verify<S: AuditLog + DebtorAccess + ?Sized>(
    state: &AppState<S>,
    attempt: Attempt,
) -> Result<i64, AppError> {
    let store = &state.store;
    let attempts = state.attempts.as_ref();
    let now = state.clock.now_ms();

    let (postcode, typed) = match check_input(&attempt) {
        Ok(ok) => ok,
        Err(errors) => {
            store
                .append_audit(audit(&attempt, now, None, "invalid_input"))
                .await?;
            return Err(AppError::Validation(errors));
        }
    };

    let client = limits::reserve(attempts, limits::VERIFY_CLIENT, &attempt.client, now).await?;
    if !client.allowed() {
        store
            .append_audit(audit(&attempt, now, None, "client_limited"))
            .await?;
        return Err(AppError::TooManyRequests {
            minutes: client.minutes_left(),
        });
    }

    let access = match &attempt.credentials {
        Credentials::Link { token } if token.len() <= MAX_TOKEN => {
            store.access_by_token_hash(&hash_token(token), now).await?
        }
        Credentials::Link { .. } => None,
        Credentials::Reference { .. } => {
            let reference = typed.as_ref().map(|(r, _)| r.as_str()).unwrap_or_default();
            store.access_by_reference(reference, now).await?
        }
    };
    let case_id = access.as_ref().map(|a| a.case_id);

    // The first factor: the link's token (found or not), or the access code, whose Argon2 work is
    // done whatever the counters say.
    let (first_factor, per_client) = match (&attempt.credentials, typed) {
        (Credentials::Link { .. }, _) => (access.is_some(), None),
        (Credentials::Reference { .. }, Some((reference, code))) => {
            // Keyed by the reference as typed (normalised), known or not, so that an unknown
            // reference costs the same work as a known one.
            let ticket = limits::reserve(
                attempts,
                limits::VERIFY_REFERENCE,
                &format!("{reference}/{}", attempt.client),
                now,
            )
            .await?;
            (code_matches(code, access.as_ref()).await?, Some(ticket))
        }
        (Credentials::Reference { .. }, None) => (false, None),
    };
    if let Some(ticket) = per_client.as_ref().filter(|t| !t.allowed()) {
        store
            .append_audit(audit(&attempt, now, case_id, "locked"))
            .await?;
        return Err(if first_factor {
            AppError::RateLimited {
                minutes: ticket.minutes_left(),
            }
        } else {
            not_verified(&attempt)
        });
    }

    let (Some(a), true) = (access, first_factor) else {
        store
            .append_audit(audit(&attempt, now, case_id, "failed"))
            .await?;
        return Err(not_verified(&attempt));
    };

    // The second factor, with its counter reserved first.
    let second =
        limits::reserve(attempts, limits::SECOND_FACTOR, &a.case_id.to_string(), now).await?;
    if !second.allowed() {
        store
            .append_audit(audit(&attempt, now, Some(a.case_id), "locked"))
            .await?;
        return Err(AppError::RateLimited {
            minutes: second.minutes_left(),
        });
    }
    if constant_time_eq(&a.postcode, &postcode) {
        store
            .append_audit(audit(&attempt, now, Some(a.case_id), "verified"))
            .await?;
        // A success lifts the case's counters and gives the client's try back.
        second.clear(attempts).await?;
        if let Some(t) = &per_client {
            t.clear(attempts).await?;
        }
        client.give_back(attempts).await?;
        return Ok(a.case_id);
    }
    store
        .append_audit(audit(&attempt, now, Some(a.case_id), "failed"))
        .await?;
    Err(if second.last() {
        AppError::RateLimited {
            minutes: second.minutes_left(),
        }
    } else {
        not_verified(&attempt)
    })
}

#[cfg(test)]
mod tests;
