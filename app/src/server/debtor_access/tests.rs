use super::*;
use crate::server::credentials::hash_access_code;
use crate::server::ports::StoreResult;
use crate::server::testing::FakeClock;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
impl DebtorAccess for FakeStore {
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
}

#[async_trait]
impl AuditLog for FakeStore {
    async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()> {
        self.audit.lock().expect("lock").push(audit);
        Ok(())
    }
}

const TOKEN: &str = "the-link-token-of-case-one-0123456789abcdefg";
const CODE: &str = "ABCDEFGHJKMN";

fn setup() -> (AppState<FakeStore>, Arc<FakeStore>, Arc<FakeClock>) {
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
    let clock = FakeClock::at(1_000_000);
    let state = crate::server::testing::state(store.clone(), clock.clone());
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
    clock.advance(14 * 60_000);
    assert_eq!(
        verify(&state, link(TOKEN, "10115")).await,
        Err(AppError::RateLimited { minutes: 1 })
    );
    clock.advance(60_000);
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
    clock.advance(15 * 60_000 + 1_000);
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
