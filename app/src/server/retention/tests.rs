//! The retention figures and a customer's page, on a fake of the ports they name.

use super::*;
use crate::domain::activity::ActivityKind;
use crate::domain::retention::{Activity, EndedCase, Path};
use crate::server::ports::{AuditEntry, CustomerCaseRecord, CustomerRecord, StoreResult};
use crate::server::testing::{state, FakeClock};
use async_trait::async_trait;
use std::sync::{Arc, Mutex};

/// Monday, 7 December 2026.
const NOW: i64 = 1_796_637_600_000;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn ended(case_id: i64, debtor_id: i64, on: &str, class: &str) -> EndedCase {
    EndedCase {
        case_id,
        debtor_id,
        ended_on: day(on),
        paid: true,
        path: Path::AtOnce,
        class_key: class.into(),
        reason: None,
        reminders: 1,
        conversation: false,
    }
}

/// Creditor 3's ended cases and activity, one customer (debtor 7), and the audit log.
#[derive(Default)]
struct FakeRetention {
    audited: Mutex<Vec<AuditEntry>>,
}

#[async_trait]
impl Retention for FakeRetention {
    async fn retention_data(&self, creditor_id: i64) -> StoreResult<RetentionSource> {
        assert_eq!(creditor_id, 3, "only the member's own creditor");
        let order = |debtor_id, on| Activity {
            debtor_id,
            kind: ActivityKind::Order,
            on: day(on),
            amount_minor: Some(4_000),
        };
        Ok(RetentionSource {
            cases: vec![
                ended(1, 7, "2026-03-02", "key_account"),
                ended(2, 8, "2026-03-10", "standard"),
                ended(3, 9, "2026-05-04", "standard"),
                ended(4, 10, "2025-11-03", "standard"),
            ],
            // Debtor 7 ordered again a month after paying; 8 never did; 9 after a year.
            activities: vec![order(7, "2026-04-01"), order(9, "2026-11-30")],
            scores: vec![(1, 5), (2, 2), (4, 4)],
        })
    }
    async fn import_activities(
        &self,
        _: i64,
        _: Vec<u8>,
        _: NaiveDate,
        _: i64,
    ) -> StoreResult<ActivityImportView> {
        unreachable!("no upload here")
    }
    async fn customer_record(
        &self,
        creditor_id: i64,
        debtor_id: i64,
    ) -> StoreResult<Option<CustomerRecord>> {
        Ok(
            (creditor_id == 3 && debtor_id == 7).then(|| CustomerRecord {
                debtor_id,
                name: "Erika Mustermann".into(),
                customer_number: "K-1001".into(),
                cases: vec![CustomerCaseRecord {
                    case_id: 1,
                    reference: "AKTE-2026-000001".into(),
                    state: "closed".into(),
                    class_key: Some("key_account".into()),
                    reason: Some("forgot".into()),
                    handed_over_ms: NOW - 300 * 86_400_000,
                    claimed_minor: 12_000,
                    paid_minor: 12_000,
                    due_on: Some(day("2026-01-15")),
                    last_paid_on: Some(day("2026-03-02")),
                    ended_ms: Some(NOW - 280 * 86_400_000),
                    plans: 0,
                    disputes: 0,
                    reminders: 1,
                }],
                messages: vec![(
                    "AKTE-2026-000001".into(),
                    "debtor".into(),
                    "Ich war im Krankenhaus".into(),
                    NOW - 290 * 86_400_000,
                )],
                activities: Vec::new(),
            }),
        )
    }
}

#[async_trait]
impl AuditLog for FakeRetention {
    async fn append_audit(&self, audit: AuditEntry) -> StoreResult<()> {
        self.audited.lock().expect("lock").push(audit);
        Ok(())
    }
}

fn member(role: &str) -> CreditorMember {
    CreditorMember {
        id: 11,
        creditor_id: 3,
        creditor_name: "Stadtwerke".into(),
        email: "person@stadtwerke.example".into(),
        display_name: "Person".into(),
        role: role.into(),
        active: true,
        sessions_valid_after_ms: 0,
    }
}

#[tokio::test]
async fn the_report_counts_the_cases_of_the_period_and_class_and_who_came_back() {
    let app = state(Arc::new(FakeRetention::default()), FakeClock::at(NOW));
    let all = report(&app, &member("viewer"), &filter(None, None, None))
        .await
        .expect("report");
    assert_eq!(all.as_of, day("2026-12-07"));
    assert_eq!(all.paid.cases, 4);
    let spring = filter(Some("2026-03-01".into()), Some("2026-05-31".into()), None);
    let spring = report(&app, &member("viewer"), &spring)
        .await
        .expect("report");
    assert_eq!(spring.paid.cases, 3, "the case of November 2025 is outside");
    // Of March's two cases (both past 90 days), one customer ordered again within 90 days.
    let march = filter(Some("2026-03-01".into()), Some("2026-03-31".into()), None);
    let march = report(&app, &member("viewer"), &march)
        .await
        .expect("report");
    let ninety = march.paid.windows[0];
    assert_eq!((ninety.days, ninety.cases, ninety.retained), (90, 2, 1));
    let standard = filter(None, None, Some("standard".into()));
    let standard = report(&app, &member("viewer"), &standard)
        .await
        .expect("report");
    assert_eq!(standard.paid.cases, 3);
}

#[test]
fn fairness_answers_are_averaged_by_class_and_path_inside_the_filter() {
    let source = source_of(FakeRetention::default());
    let groups = satisfaction(&source, &filter(None, None, Some("standard".into())));
    let standard = groups
        .iter()
        .find(|g| g.dimension == "class" && g.key == "standard")
        .expect("standard");
    // Cases 2 (score 2) and 4 (score 4): 3.0 on average, in tenths.
    assert_eq!((standard.answers, standard.average_tenths), (2, Some(30)));
    assert!(groups.iter().all(|g| g.key != "key_account"));
}

/// The fake's data, read without a runtime.
fn source_of(store: FakeRetention) -> RetentionSource {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(store.retention_data(3))
        .expect("data")
}

#[tokio::test]
async fn only_owners_read_what_a_customer_wrote_and_every_view_is_audited() {
    let store = Arc::new(FakeRetention::default());
    let app = state(store.clone(), FakeClock::at(NOW));
    let viewer = customer(&app, member("viewer"), 7, None)
        .await
        .expect("page");
    assert!(!viewer.message_texts);
    assert_eq!(viewer.messages[0].2, "", "a viewer sees when, not what");
    let owner = customer(&app, member("owner"), 7, None)
        .await
        .expect("page");
    assert_eq!(owner.messages[0].2, "Ich war im Krankenhaus");
    {
        let audited = store.audited.lock().expect("lock");
        assert_eq!(audited.len(), 2);
        assert_eq!(audited[0].action, "customer.viewed");
        assert!(audited[0].detail.contains(r#""message_texts":false"#));
        assert!(audited[1].detail.contains(r#""message_texts":true"#));
    }
    assert_eq!(
        customer(&app, member("owner"), 8, None).await.map(|_| ()),
        Err(AppError::NotFound),
        "another creditor's debtor"
    );
    assert_eq!(store.audited.lock().expect("lock").len(), 2);
}
