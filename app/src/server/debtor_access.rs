//! Debtor verification: link token or reference + access code, then the postcode as second factor,
//! with limits on attempts (per client, per client at a case, per case for the second factor) and
//! an audit entry for every attempt.
//!
//! Every way of failing (unknown token, unknown reference, wrong code, wrong postcode) gives the
//! same answer and costs the same Argon2 work, so nobody can learn which part was wrong.

use crate::domain::access::{normalize_access_code, normalize_postcode, normalize_reference};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::credentials::{dummy_verify, hash_token, verify_access_code};
use crate::server::ports::{AuditEntry, CaseAccess, StoreError};
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

fn internal(_: StoreError) -> AppError {
    AppError::Internal
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
pub async fn verify(state: &AppState, attempt: Attempt) -> Result<i64, AppError> {
    let store = &state.debtors;
    let attempts = state.attempts.as_ref();
    let now = state.clock.now_ms();

    let (postcode, typed) = match check_input(&attempt) {
        Ok(ok) => ok,
        Err(errors) => {
            store
                .append_audit(audit(&attempt, now, None, "invalid_input"))
                .await
                .map_err(internal)?;
            return Err(AppError::Validation(errors));
        }
    };

    let client = limits::reserve(attempts, limits::VERIFY_CLIENT, &attempt.client, now)
        .await
        .map_err(internal)?;
    if !client.allowed() {
        store
            .append_audit(audit(&attempt, now, None, "client_limited"))
            .await
            .map_err(internal)?;
        return Err(AppError::TooManyRequests {
            minutes: client.minutes_left(),
        });
    }

    let access = match &attempt.credentials {
        Credentials::Link { token } if token.len() <= MAX_TOKEN => store
            .access_by_token_hash(&hash_token(token), now)
            .await
            .map_err(internal)?,
        Credentials::Link { .. } => None,
        Credentials::Reference { .. } => {
            let reference = typed.as_ref().map(|(r, _)| r.as_str()).unwrap_or_default();
            store
                .access_by_reference(reference, now)
                .await
                .map_err(internal)?
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
            .await
            .map_err(internal)?;
            (code_matches(code, access.as_ref()).await?, Some(ticket))
        }
        (Credentials::Reference { .. }, None) => (false, None),
    };
    if let Some(ticket) = per_client.as_ref().filter(|t| !t.allowed()) {
        store
            .append_audit(audit(&attempt, now, case_id, "locked"))
            .await
            .map_err(internal)?;
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
            .await
            .map_err(internal)?;
        return Err(not_verified(&attempt));
    };

    // The second factor, with its counter reserved first.
    let second = limits::reserve(attempts, limits::SECOND_FACTOR, &a.case_id.to_string(), now)
        .await
        .map_err(internal)?;
    if !second.allowed() {
        store
            .append_audit(audit(&attempt, now, Some(a.case_id), "locked"))
            .await
            .map_err(internal)?;
        return Err(AppError::RateLimited {
            minutes: second.minutes_left(),
        });
    }
    if constant_time_eq(&a.postcode, &postcode) {
        store
            .append_audit(audit(&attempt, now, Some(a.case_id), "verified"))
            .await
            .map_err(internal)?;
        // A success lifts the case's counters and gives the client's try back.
        second.clear(attempts).await.map_err(internal)?;
        if let Some(t) = &per_client {
            t.clear(attempts).await.map_err(internal)?;
        }
        client.give_back(attempts).await.map_err(internal)?;
        return Ok(a.case_id);
    }
    store
        .append_audit(audit(&attempt, now, Some(a.case_id), "failed"))
        .await
        .map_err(internal)?;
    Err(if second.last() {
        AppError::RateLimited {
            minutes: second.minutes_left(),
        }
    } else {
        not_verified(&attempt)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::CaseView;
    use crate::server::credentials::hash_access_code;
    use crate::server::ports::{Clock, DebtorStore, StoreResult};
    use crate::server::Settings;
    use async_trait::async_trait;
    use chrono::NaiveDate;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::{Arc, Mutex};

    struct FakeClock(AtomicI64);
    impl Clock for FakeClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    struct FakeCase {
        access: CaseAccess,
        token_hash: String,
    }

    #[derive(Default)]
    struct FakeStore {
        cases: Mutex<HashMap<i64, FakeCase>>,
        audit: Mutex<Vec<AuditEntry>>,
    }

    #[async_trait]
    impl DebtorStore for FakeStore {
        async fn access_by_token_hash(
            &self,
            token_hash: &str,
            _now: i64,
        ) -> StoreResult<Option<CaseAccess>> {
            let cases = self.cases.lock().expect("lock");
            Ok(cases
                .values()
                .find(|c| c.token_hash == token_hash)
                .map(|c| c.access.clone()))
        }
        async fn access_by_reference(
            &self,
            reference: &str,
            _now: i64,
        ) -> StoreResult<Option<CaseAccess>> {
            let cases = self.cases.lock().expect("lock");
            Ok(cases
                .values()
                .find(|c| c.access.reference == reference)
                .map(|c| c.access.clone()))
        }
        async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()> {
            self.audit.lock().expect("lock").push(audit);
            Ok(())
        }
        async fn case_view(
            &self,
            _case_id: i64,
            _today: NaiveDate,
        ) -> StoreResult<Option<CaseView>> {
            Ok(None)
        }
        async fn case_page(
            &self,
            _case_id: i64,
            _today: NaiveDate,
        ) -> StoreResult<Option<crate::server::ports::CasePage>> {
            Ok(None)
        }
    }

    /// Verification must not touch the dialogue; any call fails the test.
    struct NoDialogue;

    #[async_trait]
    impl crate::server::ports::DialogueStore for NoDialogue {
        async fn answer_fairness(
            &self,
            _: i64,
            _: u8,
            _: &str,
            _: AuditEntry,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("verification asks nothing")
        }
        async fn case_status(
            &self,
            _: i64,
        ) -> StoreResult<Option<crate::server::ports::CaseStatus>> {
            unreachable!("verification reads no case status")
        }
        async fn record_reason(
            &self,
            _: i64,
            _: crate::domain::reason::NonPaymentReason,
            _: AuditEntry,
        ) -> StoreResult<()> {
            unreachable!("verification records no reason")
        }
        async fn add_message(
            &self,
            _: i64,
            _: &str,
            _: &str,
            _: Vec<crate::server::ports::NewAttachment>,
            _: crate::server::ports::Effects,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("verification sends no message")
        }
        async fn open_dispute(
            &self,
            _: i64,
            _: &str,
            _: &str,
            _: &str,
            _: NaiveDate,
            _: Vec<crate::server::ports::NewAttachment>,
            _: crate::server::ports::Effects,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("verification opens no dispute")
        }
        async fn claim_payment(
            &self,
            _: i64,
            _: &str,
            _: NaiveDate,
            _: crate::domain::Money,
            _: &str,
            _: Vec<crate::server::ports::NewAttachment>,
            _: crate::server::ports::Effects,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("verification reports no payment")
        }
        async fn dialogue(&self, _: i64, _: NaiveDate) -> StoreResult<crate::dto::DialogueView> {
            unreachable!("verification shows no dialogue")
        }
        async fn attachment(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Option<(String, String, Vec<u8>)>> {
            unreachable!("verification serves no documents")
        }
        async fn creditor_for_reference(&self, _: &str) -> StoreResult<Option<String>> {
            unreachable!("verification checks no references")
        }
    }

    #[async_trait]
    impl crate::server::ports::PlanStore for NoDialogue {
        async fn plan_context(
            &self,
            _: i64,
            _: NaiveDate,
        ) -> StoreResult<Option<crate::server::ports::PlanContextData>> {
            unreachable!("verification reads no plans")
        }
        async fn store_plan(
            &self,
            _: i64,
            _: &str,
            _: crate::server::ports::NewPlan,
            _: crate::server::ports::Effects,
            _: Option<crate::server::ports::QueuedEmail>,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("verification stores no plans")
        }
        async fn answer_counter(
            &self,
            _: i64,
            _: i64,
            _: bool,
            _: crate::server::ports::Effects,
            _: Option<crate::server::ports::QueuedEmail>,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("verification answers no counter-offers")
        }
    }

    #[async_trait]
    impl crate::server::ports::ContactStore for NoDialogue {
        async fn contact(&self, _: i64) -> StoreResult<Option<crate::dto::ContactView>> {
            unreachable!("verification reads no contact data")
        }
        async fn save_contact(
            &self,
            _: i64,
            _: crate::dto::ContactView,
            _: AuditEntry,
        ) -> StoreResult<()> {
            unreachable!("verification changes no contact data")
        }
    }

    #[async_trait]
    impl crate::server::ports::PaymentStore for NoDialogue {
        async fn create_online_payment(
            &self,
            _: i64,
            _: &str,
            _: crate::domain::Money,
            _: i64,
        ) -> StoreResult<i64> {
            unreachable!("verification starts no payment")
        }
        async fn attach_session(&self, _: i64, _: &str, _: i64) -> StoreResult<()> {
            unreachable!("verification starts no payment")
        }
        async fn online_payment_by_session(
            &self,
            _: &str,
        ) -> StoreResult<Option<crate::server::ports::OnlinePayment>> {
            unreachable!("verification books no payment")
        }
        async fn book_provider_payment(
            &self,
            _: &str,
            _: &str,
            _: &str,
            _: &crate::server::ports::OnlinePayment,
            _: NaiveDate,
            _: AuditEntry,
            _: Option<crate::server::ports::QueuedEmail>,
            _: &str,
        ) -> StoreResult<crate::server::ports::Booking> {
            unreachable!("verification books no payment")
        }
    }

    #[async_trait]
    impl crate::server::ports::StaffStore for NoDialogue {
        async fn login_by_email(
            &self,
            _: crate::server::ports::Realm,
            _: &str,
        ) -> StoreResult<Option<crate::server::ports::StaffLogin>> {
            unreachable!("debtor verification is not a staff login")
        }
        async fn record_login_success(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: AuditEntry,
        ) -> StoreResult<()> {
            unreachable!("debtor verification is not a staff login")
        }
        async fn staff_member(&self, _: i64) -> StoreResult<Option<crate::dto::StaffMember>> {
            unreachable!("no staff here")
        }
        async fn login_by_id(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
        ) -> StoreResult<Option<crate::server::ports::StaffLogin>> {
            unreachable!("no staff here")
        }
        async fn use_totp_step(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: i64,
        ) -> StoreResult<bool> {
            unreachable!("no staff here")
        }
        async fn set_totp(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: &str,
            _: i64,
            _: AuditEntry,
        ) -> StoreResult<()> {
            unreachable!("no staff here")
        }
        async fn reset_sign_in(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: i64,
            _: &str,
            _: AuditEntry,
        ) -> StoreResult<bool> {
            unreachable!("no staff here")
        }
        async fn account_sessions(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: i64,
            _: i64,
        ) -> StoreResult<Vec<(String, i64, i64)>> {
            unreachable!("no staff here")
        }
        async fn end_account_session(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: &str,
            _: AuditEntry,
        ) -> StoreResult<bool> {
            unreachable!("no staff here")
        }
        async fn set_password(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: &str,
            _: AuditEntry,
        ) -> StoreResult<()> {
            unreachable!("no staff here")
        }
        async fn create_staff(
            &self,
            _: crate::server::ports::NewStaff,
            _: AuditEntry,
        ) -> StoreResult<Option<i64>> {
            unreachable!("no staff here")
        }
        async fn list_staff(&self, _: i64) -> StoreResult<Vec<crate::dto::StaffMember>> {
            unreachable!("no staff here")
        }
        async fn set_staff_active(
            &self,
            _: i64,
            _: i64,
            _: bool,
            _: AuditEntry,
        ) -> StoreResult<bool> {
            unreachable!("no staff here")
        }
        async fn set_digest(&self, _: i64, _: bool, _: AuditEntry) -> StoreResult<()> {
            unreachable!("no staff here")
        }
        async fn queue(
            &self,
            _: i64,
            _: &crate::server::ports::QueueFilter,
        ) -> StoreResult<(Vec<crate::dto::QueueItem>, u64)> {
            unreachable!("no queue here")
        }
        async fn creditors(&self, _: i64) -> StoreResult<Vec<(i64, String)>> {
            unreachable!("no queue here")
        }
        async fn assign(&self, _: i64, _: i64, _: Option<i64>, _: AuditEntry) -> StoreResult<bool> {
            unreachable!("no queue here")
        }
        async fn case_by_reference(&self, _: i64, _: &str) -> StoreResult<Option<i64>> {
            unreachable!("no handler cases here")
        }
        async fn handler_case(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Option<crate::server::ports::HandlerCase>> {
            unreachable!("no handler cases here")
        }
        async fn case_work(&self, _: i64) -> StoreResult<crate::dto::CaseWork> {
            unreachable!("no handler cases here")
        }
        async fn apply_action(
            &self,
            _: crate::server::ports::HandlerAction,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("no handler actions here")
        }
        async fn staff_attachment(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Option<(String, String, Vec<u8>)>> {
            unreachable!("no handler cases here")
        }
        async fn templates(&self, _: i64) -> StoreResult<Vec<crate::server::ports::Template>> {
            unreachable!("no templates here")
        }
        async fn save_template(
            &self,
            _: i64,
            _: crate::server::ports::Template,
            _: i64,
            _: AuditEntry,
        ) -> StoreResult<()> {
            unreachable!("no templates here")
        }
        async fn email_queued(&self, _: &str) -> StoreResult<bool> {
            unreachable!("no digests here")
        }
        async fn digest_subscribers(&self) -> StoreResult<Vec<crate::dto::StaffMember>> {
            unreachable!("no digests here")
        }
        async fn queue_staff_email(
            &self,
            _: crate::server::ports::StaffEmail,
            _: i64,
        ) -> StoreResult<bool> {
            unreachable!("no digests here")
        }
        async fn agency(&self, _: i64) -> StoreResult<Option<(String, u32)>> {
            unreachable!("no agency settings here")
        }
        async fn set_reply_days(&self, _: i64, _: u32, _: AuditEntry) -> StoreResult<()> {
            unreachable!("no agency settings here")
        }
    }

    #[async_trait]
    impl crate::server::ports::DunningStore for NoDialogue {
        async fn dunning_cases(
            &self,
            _: i64,
            _: u32,
            _: NaiveDate,
        ) -> StoreResult<Vec<crate::server::ports::DunningCase>> {
            unreachable!("verification runs no dunning")
        }
        async fn dunning_case_by_id(
            &self,
            _: i64,
            _: NaiveDate,
        ) -> StoreResult<Option<crate::server::ports::DunningCase>> {
            unreachable!("verification runs no dunning")
        }
        async fn record_step(
            &self,
            _: crate::server::ports::DunningStep,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("verification runs no dunning")
        }
        async fn record_steps(
            &self,
            _: Vec<crate::server::ports::DunningStep>,
        ) -> StoreResult<Vec<crate::server::ports::Stored>> {
            unreachable!("verification runs no dunning")
        }
    }

    #[async_trait]
    impl crate::server::ports::BankStore for NoDialogue {
        async fn import_statement(
            &self,
            _: &crate::server::ports::StatementAccount,
            _: &str,
            _: Arc<[u8]>,
            _: &str,
            _: i64,
            _: &str,
        ) -> Result<crate::dto::StatementImportView, crate::server::ports::StatementFailure>
        {
            unreachable!("verification imports no statement")
        }
        async fn open_entries(
            &self,
            _: i64,
            _: u32,
            _: u32,
        ) -> StoreResult<(Vec<crate::dto::BankEntryView>, u64)> {
            unreachable!("verification lists no bank entries")
        }
        async fn entries_for_case(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Vec<crate::dto::BankEntryView>> {
            unreachable!("verification lists no bank entries")
        }
        async fn recent_imports(
            &self,
            _: i64,
            _: u32,
        ) -> StoreResult<Vec<crate::dto::StatementImportView>> {
            unreachable!("verification lists no imports")
        }
        async fn assign_entry(
            &self,
            _: i64,
            _: i64,
            _: &str,
            _: &str,
            _: AuditEntry,
        ) -> StoreResult<crate::server::ports::Assigned> {
            unreachable!("verification books nothing")
        }
        async fn dismiss_entry(
            &self,
            _: i64,
            _: i64,
            _: &str,
            _: AuditEntry,
        ) -> StoreResult<Option<bool>> {
            unreachable!("verification books nothing")
        }
    }

    #[async_trait]
    impl crate::server::ports::CreditorStore for NoDialogue {
        async fn creditor_member(&self, _: i64) -> StoreResult<Option<crate::dto::CreditorMember>> {
            unreachable!("no creditors here")
        }
        async fn consent_requests(
            &self,
            _: i64,
        ) -> StoreResult<Vec<crate::server::ports::ConsentRequest>> {
            unreachable!("no creditors here")
        }
        async fn overdue_consents(&self, _: i64) -> StoreResult<Vec<(i64, i64, bool)>> {
            unreachable!("no creditors here")
        }
        async fn plan_approval_requests(
            &self,
            _: i64,
        ) -> StoreResult<Vec<crate::server::ports::PlanApprovalRequest>> {
            unreachable!("no creditors here")
        }
        async fn overdue_plan_approvals(&self, _: i64) -> StoreResult<Vec<(i64, i64, i64, bool)>> {
            unreachable!("no creditors here")
        }
        async fn decide_plan_approval(
            &self,
            _: i64,
            _: crate::server::ports::PlanApprovalDecision,
            _: crate::server::ports::Effects,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("no creditors here")
        }
        async fn customer_record(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Option<crate::server::ports::CustomerRecord>> {
            unreachable!("no creditors here")
        }
        async fn creditor_owners(&self) -> StoreResult<Vec<crate::server::ports::CreditorOwner>> {
            unreachable!("no creditors here")
        }
        async fn retention_data(
            &self,
            _: i64,
        ) -> StoreResult<crate::server::ports::RetentionSource> {
            unreachable!("no creditors here")
        }
        async fn import_activities(
            &self,
            _: i64,
            _: Vec<u8>,
            _: chrono::NaiveDate,
            _: i64,
        ) -> StoreResult<crate::dto::ActivityImportView> {
            unreachable!("no creditors here")
        }
        async fn decide_consent(
            &self,
            _: i64,
            _: crate::server::ports::ConsentDecision,
            _: crate::server::ports::Effects,
            _: Option<crate::server::ports::QueuedEmail>,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("no creditors here")
        }
        async fn creditor_name(&self, _: i64) -> StoreResult<Option<String>> {
            unreachable!("no creditors here")
        }
        async fn api_keys(&self, _: i64) -> StoreResult<Vec<crate::dto::ApiKeyView>> {
            unreachable!("no creditors here")
        }
        async fn create_api_key(
            &self,
            _: crate::server::ports::NewApiKey,
            _: AuditEntry,
        ) -> StoreResult<i64> {
            unreachable!("no creditors here")
        }
        async fn revoke_api_key(&self, _: i64, _: i64, _: i64, _: AuditEntry) -> StoreResult<bool> {
            unreachable!("no creditors here")
        }
        async fn creditor_for_api_key(&self, _: &str, _: i64) -> StoreResult<Option<i64>> {
            unreachable!("no creditors here")
        }
        async fn classes(&self, _: i64) -> StoreResult<Vec<crate::dto::ClassSettings>> {
            unreachable!("no creditors here")
        }
        async fn update_class(
            &self,
            _: i64,
            _: &crate::dto::ClassSettings,
            _: &crate::dto::ClassSettings,
            _: AuditEntry,
        ) -> StoreResult<bool> {
            unreachable!("no creditors here")
        }
        async fn overview_figures(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<crate::server::ports::Figures> {
            unreachable!("no creditors here")
        }
        async fn overview_rows(
            &self,
            _: i64,
            _: &crate::dto::OverviewFilter,
            _: Option<(u32, u32)>,
        ) -> StoreResult<(Vec<crate::dto::OverviewRow>, i64)> {
            unreachable!("no creditors here")
        }
        async fn move_case(&self, _: i64, _: i64, _: &str, _: AuditEntry) -> StoreResult<bool> {
            unreachable!("no creditors here")
        }
        async fn case_state(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Option<crate::domain::case_state::CaseState>> {
            unreachable!("no creditors here")
        }
        async fn pause_case(
            &self,
            _: i64,
            _: i64,
            _: crate::server::ports::Effects,
        ) -> StoreResult<crate::server::ports::Stored> {
            unreachable!("no creditors here")
        }
        async fn webhook_settings(&self, _: i64) -> StoreResult<(Option<String>, Option<String>)> {
            unreachable!("no creditors here")
        }
        async fn remittances(&self, _: i64) -> StoreResult<(Vec<crate::dto::RemittanceView>, i64)> {
            unreachable!("no creditors here")
        }
        async fn remittance(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Option<(crate::dto::RemittanceView, Vec<crate::dto::RemittanceLine>)>>
        {
            unreachable!("no creditors here")
        }
        async fn set_webhook(
            &self,
            _: i64,
            _: Option<String>,
            _: Option<String>,
            _: AuditEntry,
        ) -> StoreResult<()> {
            unreachable!("no creditors here")
        }
        async fn webhook_deliveries(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Vec<crate::dto::WebhookDeliveryView>> {
            unreachable!("no creditors here")
        }
        async fn retry_webhook(&self, _: i64, _: i64, _: AuditEntry) -> StoreResult<bool> {
            unreachable!("no creditors here")
        }
        async fn start_import(
            &self,
            _: crate::server::ports::ImportUpload,
            _: AuditEntry,
        ) -> StoreResult<i64> {
            unreachable!("no creditors here")
        }
        async fn import_job(
            &self,
            _: i64,
            _: i64,
        ) -> StoreResult<Option<crate::dto::ImportJobView>> {
            unreachable!("no creditors here")
        }
        async fn import_jobs(&self, _: i64, _: i64) -> StoreResult<Vec<crate::dto::ImportJobView>> {
            unreachable!("no creditors here")
        }
        async fn creditor_users(&self, _: i64) -> StoreResult<Vec<crate::dto::CreditorMember>> {
            unreachable!("no creditors here")
        }
        async fn create_creditor_user(
            &self,
            _: crate::server::ports::NewCreditorUser,
            _: AuditEntry,
        ) -> StoreResult<Option<i64>> {
            unreachable!("no creditors here")
        }
        async fn set_creditor_user_active(
            &self,
            _: i64,
            _: i64,
            _: bool,
            _: AuditEntry,
        ) -> StoreResult<bool> {
            unreachable!("no creditors here")
        }
    }

    const TOKEN: &str = "the-link-token-of-case-one-0123456789abcdefg";
    const CODE: &str = "ABCDEFGHJKMN";

    fn setup() -> (AppState, Arc<FakeStore>, Arc<FakeClock>) {
        let store = Arc::new(FakeStore::default());
        store.cases.lock().expect("lock").insert(
            1,
            FakeCase {
                access: CaseAccess {
                    case_id: 1,
                    reference: "AKTE-2026-000001".into(),
                    postcode: "10115".into(),
                    code_hashes: vec![hash_access_code(CODE).expect("hash")],
                },
                token_hash: hash_token(TOKEN),
            },
        );
        let clock = Arc::new(FakeClock(AtomicI64::new(1_000_000)));
        let state = AppState {
            debtors: store.clone(),
            dialogue: Arc::new(NoDialogue),
            plans: Arc::new(NoDialogue),
            contacts: Arc::new(NoDialogue),
            payments: Arc::new(NoDialogue),
            staff: Arc::new(NoDialogue),
            creditors: Arc::new(NoDialogue),
            bank: Arc::new(NoDialogue),
            dunning: Arc::new(NoDialogue),
            attempts: Arc::new(crate::server::limits::MemoryAttempts::default()),
            provider: None,
            scanner: None,
            clock: clock.clone(),
            settings: Arc::new(Settings {
                base_url: "http://localhost".into(),
                debtor_session_absolute_ms: 2 * 3_600_000,
                secure_cookies: false,
                agency: Default::default(),
                content_security_policy: String::new(),
                stylesheet: "/pkg/rapport.css".into(),
                require_two_step: false,
                webhook_loopback: false,
                session_key: crate::server::sealing::SealingKey::random(),
                sealing_key: None,
            }),
        };
        (state, store, clock)
    }

    fn link(token: &str, postcode: &str) -> Attempt {
        Attempt {
            credentials: Credentials::Link {
                token: token.into(),
            },
            postcode: postcode.into(),
            request_id: Some("req-1".into()),
            client: "203.0.113.7".into(),
        }
    }

    fn typed(reference: &str, code: &str, postcode: &str) -> Attempt {
        Attempt {
            credentials: Credentials::Reference {
                reference: reference.into(),
                access_code: code.into(),
            },
            postcode: postcode.into(),
            request_id: None,
            client: "203.0.113.7".into(),
        }
    }

    fn not_verified() -> AppError {
        AppError::Validation(FormErrors::default().form(Problem::NotVerified))
    }

    #[tokio::test]
    async fn link_and_matching_postcode_verify_the_case() {
        let (state, store, _) = setup();
        assert_eq!(verify(&state, link(TOKEN, " 101 15")).await, Ok(1));
        let audit = store.audit.lock().expect("lock");
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].case_id, Some(1));
        assert!(audit[0].detail.contains(r#""outcome":"verified""#));
        assert_eq!(audit[0].request_id.as_deref(), Some("req-1"));
    }

    #[tokio::test]
    async fn wrong_postcode_and_unknown_token_give_the_same_answer() {
        let (state, store, _) = setup();
        assert_eq!(
            verify(&state, link(TOKEN, "99999")).await,
            Err(not_verified())
        );
        assert_eq!(
            verify(&state, link("unknown-token", "10115")).await,
            Err(not_verified())
        );
        assert_eq!(
            verify(&state, link(&"x".repeat(500), "10115")).await,
            Err(not_verified())
        );
        let audit = store.audit.lock().expect("lock");
        assert_eq!(audit.len(), 3, "every attempt is audited");
        assert!(audit.iter().all(|a| a.detail.contains("failed")));
        assert!(
            audit.iter().all(|a| !a.detail.contains(TOKEN)),
            "no secrets in the audit log"
        );
    }

    #[tokio::test]
    async fn reference_code_and_postcode_verify_and_each_wrong_part_fails_alike() {
        let (state, _, _) = setup();
        assert_eq!(
            verify(&state, typed("akte-2026-000001", "abcd-efgh-jkmn", "10115")).await,
            Ok(1)
        );
        let kept = |r: &str| {
            AppError::Validation(
                FormErrors::default()
                    .form(Problem::NotVerified)
                    .keep("reference", r),
            )
        };
        assert_eq!(
            verify(&state, typed("AKTE-2026-000001", "ABCD-EFGH-JKMP", "10115")).await,
            Err(kept("AKTE-2026-000001"))
        );
        assert_eq!(
            verify(&state, typed("AKTE-2026-000001", CODE, "10117")).await,
            Err(kept("AKTE-2026-000001"))
        );
        assert_eq!(
            verify(&state, typed("AKTE-2026-999999", CODE, "10115")).await,
            Err(kept("AKTE-2026-999999"))
        );
    }

    #[tokio::test]
    async fn malformed_input_names_each_field_and_is_audited() {
        let (state, store, _) = setup();
        let Err(AppError::Validation(errors)) = verify(&state, typed(" ", "ABC", "")).await else {
            panic!("expected validation errors");
        };
        assert_eq!(errors.fields["reference"], vec![Problem::Required]);
        assert_eq!(errors.fields["access_code"], vec![Problem::InvalidFormat]);
        assert_eq!(errors.fields["postcode"], vec![Problem::Required]);
        let Err(AppError::Validation(errors)) = verify(&state, link(TOKEN, &"1".repeat(17))).await
        else {
            panic!("expected validation errors");
        };
        assert_eq!(
            errors.fields["postcode"],
            vec![Problem::TooLong { max: 16 }]
        );
        assert_eq!(store.audit.lock().expect("lock").len(), 2);
    }

    #[tokio::test]
    async fn five_failures_lock_the_case_for_fifteen_minutes_even_for_the_right_answer() {
        let (state, store, clock) = setup();
        for _ in 0..4 {
            assert_eq!(
                verify(&state, link(TOKEN, "00000")).await,
                Err(not_verified())
            );
        }
        assert_eq!(
            verify(&state, link(TOKEN, "00000")).await,
            Err(AppError::RateLimited { minutes: 15 })
        );
        assert_eq!(
            verify(&state, link(TOKEN, "10115")).await,
            Err(AppError::RateLimited { minutes: 15 })
        );
        assert_eq!(
            verify(&state, typed("AKTE-2026-000001", CODE, "10115")).await,
            Err(AppError::RateLimited { minutes: 15 }),
            "the lock holds for every way in"
        );
        clock.0.fetch_add(14 * 60_000, Ordering::SeqCst);
        assert_eq!(
            verify(&state, link(TOKEN, "10115")).await,
            Err(AppError::RateLimited { minutes: 1 })
        );
        clock.0.fetch_add(60_000, Ordering::SeqCst);
        assert_eq!(verify(&state, link(TOKEN, "10115")).await, Ok(1));
        let audit = store.audit.lock().expect("lock");
        assert_eq!(
            audit.iter().filter(|a| a.detail.contains("locked")).count(),
            3
        );
    }

    #[tokio::test]
    async fn one_client_walking_through_cases_is_stopped_after_forty_failures() {
        let (state, store, clock) = setup();
        // Unknown tokens lock no case; only the client's own count stops it.
        for i in 0..40 {
            assert_eq!(
                verify(
                    &state,
                    link(
                        &format!("unknown-token-{i:02}-0123456789abcdefghijk"),
                        "10115"
                    )
                )
                .await,
                Err(not_verified())
            );
        }
        assert!(
            matches!(
                verify(&state, link(TOKEN, "10115")).await,
                Err(AppError::TooManyRequests { .. })
            ),
            "even the right answer waits"
        );
        let mut other = link(TOKEN, "10115");
        other.client = "198.51.100.4".into();
        assert_eq!(
            verify(&state, other).await,
            Ok(1),
            "another client is not affected"
        );
        clock.0.fetch_add(15 * 60_000 + 1_000, Ordering::SeqCst);
        assert_eq!(verify(&state, link(TOKEN, "10115")).await, Ok(1));
        let audit = store.audit.lock().expect("lock");
        assert_eq!(
            audit
                .iter()
                .filter(|a| a.detail.contains("client_limited"))
                .count(),
            1
        );
    }

    #[tokio::test]
    async fn a_success_resets_the_failure_count() {
        let (state, _, _) = setup();
        for _ in 0..4 {
            let _ = verify(&state, link(TOKEN, "00000")).await;
        }
        assert_eq!(verify(&state, link(TOKEN, "10115")).await, Ok(1));
        for _ in 0..4 {
            assert_eq!(
                verify(&state, link(TOKEN, "00000")).await,
                Err(not_verified())
            );
        }
    }

    #[tokio::test]
    async fn a_stranger_who_knows_the_reference_locks_out_only_themselves() {
        let (state, store, _) = setup();
        let mut stranger = typed("AKTE-2026-000001", "ABCD-EFGH-JKMP", "00000");
        stranger.client = "198.51.100.66".into();
        for _ in 0..8 {
            assert_eq!(
                verify(&state, stranger.clone()).await,
                Err(AppError::Validation(
                    FormErrors::default()
                        .form(Problem::NotVerified)
                        .keep("reference", "AKTE-2026-000001")
                )),
                "throttled or not, a wrong code gets the answer of an unknown reference"
            );
        }
        assert!(
            store
                .audit
                .lock()
                .expect("lock")
                .iter()
                .any(|a| a.detail.contains("locked")),
            "the stranger was throttled"
        );
        assert_eq!(
            verify(&state, link(TOKEN, "10115")).await,
            Ok(1),
            "the debtor's link still opens the case"
        );
        assert_eq!(
            verify(&state, typed("AKTE-2026-000001", CODE, "10115")).await,
            Ok(1),
            "and so does the debtor's own typed code from their own address"
        );
    }

    #[tokio::test]
    async fn a_throttled_client_that_knows_the_code_learns_it_must_wait() {
        let (state, _, _) = setup();
        for _ in 0..5 {
            let _ = verify(&state, typed("AKTE-2026-000001", "ABCD-EFGH-JKMP", "10115")).await;
        }
        assert_eq!(
            verify(&state, typed("AKTE-2026-000001", CODE, "10115")).await,
            Err(AppError::RateLimited { minutes: 15 })
        );
    }

    #[tokio::test]
    async fn parallel_wrong_postcodes_on_one_link_get_no_more_tries_than_the_limit() {
        let (state, store, _) = setup();
        let tries: Vec<_> = (0..60)
            .map(|i| {
                let state = state.clone();
                let mut attempt = link(TOKEN, &format!("{:05}", 20_000 + i));
                attempt.client = format!("192.0.2.{i}");
                tokio::spawn(async move { verify(&state, attempt).await })
            })
            .collect();
        for t in tries {
            let _ = t.await.expect("task");
        }
        let compared = store
            .audit
            .lock()
            .expect("lock")
            .iter()
            .filter(|a| a.detail.contains(r#""outcome":"failed""#))
            .count();
        assert_eq!(compared, 5, "five postcodes compared, the rest refused");
        assert_eq!(
            verify(&state, link(TOKEN, "10115")).await,
            Err(AppError::RateLimited { minutes: 15 }),
            "the right postcode is refused too until the window ends"
        );
    }
}
