//! Debtor verification: link token or reference + access code, then the postcode as second factor,
//! with a per-case lockout and an audit entry for every attempt.
//!
//! Every way of failing (unknown token, unknown reference, wrong code, wrong postcode) gives the
//! same answer and costs the same Argon2 work, so nobody can learn which part was wrong.

use crate::domain::access::{
    normalize_access_code, normalize_postcode, normalize_reference, LockoutPolicy,
};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::credentials::{dummy_verify, hash_token, verify_access_code};
use crate::server::ports::{AuditEntry, CaseAccess, StoreError};
use crate::server::AppState;

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

/// Checks the typed code against every valid hash of the case (or a dummy when there is no case),
/// on a blocking thread because Argon2 is deliberately slow.
async fn code_matches(code: String, access: Option<&CaseAccess>) -> Result<bool, AppError> {
    let hashes = access.map(|a| a.code_hashes.clone()).unwrap_or_default();
    crate::server::credentials::argon2_work(move || {
        if hashes.is_empty() {
            dummy_verify(&code);
            return false;
        }
        // Verify against all hashes (no early return) so the time does not depend on which matched.
        hashes
            .iter()
            .fold(false, |found, hash| verify_access_code(&code, hash) | found)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "access code check panicked");
        AppError::Internal
    })
}

/// Verifies an attempt. On success returns the case id the session may see.
#[tracing::instrument(skip_all, fields(method = attempt.credentials.method()))]
pub async fn verify(state: &AppState, attempt: Attempt) -> Result<i64, AppError> {
    let store = &state.debtors;
    let policy = state.settings.lockout;
    let now = state.clock.now_ms();

    // One client trying many cases: each case locks after a few failures, so the client's own
    // failures are limited as well (in memory per process; the per-case lock is in the database).
    if !state.verify_limiter.allows(&attempt.client, now) {
        store
            .append_audit(audit(&attempt, now, None, "client_limited"))
            .await
            .map_err(internal)?;
        return Err(AppError::TooManyRequests {
            minutes: state.verify_limiter.minutes_left(&attempt.client, now),
        });
    }

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

    if let Some(a) = &access {
        if let Some(minutes) = LockoutPolicy::minutes_left(a.locked_until_ms, now) {
            store
                .append_audit(audit(&attempt, now, Some(a.case_id), "locked"))
                .await
                .map_err(internal)?;
            return Err(AppError::RateLimited { minutes });
        }
    }

    let first_factor = match (&attempt.credentials, typed) {
        (Credentials::Link { .. }, _) => access.is_some(),
        (Credentials::Reference { .. }, Some((_, code))) => {
            code_matches(code, access.as_ref()).await?
        }
        (Credentials::Reference { .. }, None) => false,
    };
    let second_factor = access
        .as_ref()
        .is_some_and(|a| constant_time_eq(&a.postcode, &postcode));

    match access {
        Some(a) if first_factor && second_factor => {
            store
                .record_successful_verification(
                    a.case_id,
                    audit(&attempt, now, Some(a.case_id), "verified"),
                )
                .await
                .map_err(internal)?;
            Ok(a.case_id)
        }
        other => {
            state.verify_limiter.count(&attempt.client, now);
            let case_id = other.map(|a| a.case_id);
            let locked_until = store
                .record_failed_verification(
                    case_id,
                    policy,
                    audit(&attempt, now, case_id, "failed"),
                )
                .await
                .map_err(internal)?;
            match LockoutPolicy::minutes_left(locked_until, now) {
                Some(minutes) => Err(AppError::RateLimited { minutes }),
                None => {
                    let mut errors = FormErrors::default().form(Problem::NotVerified);
                    if let Credentials::Reference { reference, .. } = &attempt.credentials {
                        errors = errors.keep("reference", reference.trim());
                    }
                    Err(AppError::Validation(errors))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::FailureState;
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
        failures: FailureState,
    }

    #[derive(Default)]
    struct FakeStore {
        cases: Mutex<HashMap<i64, FakeCase>>,
        audit: Mutex<Vec<AuditEntry>>,
    }

    impl FakeStore {
        fn access(&self, case: &FakeCase) -> CaseAccess {
            CaseAccess {
                locked_until_ms: case.failures.locked_until_ms,
                ..case.access.clone()
            }
        }
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
                .map(|c| self.access(c)))
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
                .map(|c| self.access(c)))
        }
        async fn record_failed_verification(
            &self,
            case_id: Option<i64>,
            policy: LockoutPolicy,
            audit: AuditEntry,
        ) -> StoreResult<Option<i64>> {
            let now = audit.at_ms;
            self.audit.lock().expect("lock").push(audit);
            let mut cases = self.cases.lock().expect("lock");
            let Some(case) = case_id.and_then(|id| cases.get_mut(&id)) else {
                return Ok(None);
            };
            let before = case.failures.locked_until_ms;
            case.failures = policy.after_failure(case.failures, now);
            Ok(case
                .failures
                .locked_until_ms
                .filter(|_| case.failures.locked_until_ms != before))
        }
        async fn record_successful_verification(
            &self,
            case_id: i64,
            audit: AuditEntry,
        ) -> StoreResult<()> {
            self.audit.lock().expect("lock").push(audit);
            if let Some(c) = self.cases.lock().expect("lock").get_mut(&case_id) {
                c.failures = FailureState::default();
            }
            Ok(())
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
        async fn record_login_failure(
            &self,
            _: crate::server::ports::Realm,
            _: i64,
            _: LockoutPolicy,
            _: AuditEntry,
        ) -> StoreResult<()> {
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
            _: i64,
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
        async fn dismiss_entry(&self, _: i64, _: i64, _: AuditEntry) -> StoreResult<Option<bool>> {
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
                    locked_until_ms: None,
                    code_hashes: vec![hash_access_code(CODE).expect("hash")],
                },
                token_hash: hash_token(TOKEN),
                failures: FailureState::default(),
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
            login_limiter: Arc::new(crate::server::limits::failed_logins()),
            check_limiter: Arc::new(crate::server::limits::reference_checks()),
            verify_limiter: Arc::new(crate::server::limits::failed_verifications()),
            provider: None,
            scanner: None,
            clock: clock.clone(),
            settings: Arc::new(Settings {
                base_url: "http://localhost".into(),
                lockout: LockoutPolicy::default(),
                debtor_session_absolute_ms: 2 * 3_600_000,
                secure_cookies: false,
                agency: Default::default(),
                content_security_policy: String::new(),
                stylesheet: "/pkg/rapport.css".into(),
                require_two_step: false,
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
}
