//! Paying online, on fakes of the ports `start` and `book` name and of the provider.

use super::*;
use crate::domain::claim::Breakdown;
use crate::dto::{Address, CaseView, CreditorView};
use crate::server::ports::{
    CasePage, CheckoutSession, Effects, NewPlan, PaymentProvider, PlanContextData, ProviderError,
    StoreResult, Stored,
};
use crate::server::testing::{state, FakeClock};
use async_trait::async_trait;
use chrono::NaiveDate;
use std::sync::{Arc, Mutex};

const NOW: i64 = 1_796_637_600_000;

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

/// A booked provider event: its id, the payment, the audit entry and the receipt.
type BookedCall = (String, OnlinePayment, AuditEntry, Option<QueuedEmail>);

/// One case owing 120.00 EUR, its checkouts, and the bookings of provider events.
#[derive(Default)]
struct FakePayments {
    checkouts: Mutex<Vec<(i64, Money, Option<String>)>>,
    booked: Mutex<Vec<BookedCall>>,
}

#[async_trait]
impl CasePages for FakePayments {
    async fn case_view(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CaseView>> {
        let owed = eur(12_000);
        Ok((case_id == 1).then(|| CaseView {
            reference: "AKTE-2026-000001".into(),
            as_of: today,
            debtor_name: "Erika Mustermann".into(),
            creditor: CreditorView {
                name: "Stadtwerke Musterstadt".into(),
                address: Address {
                    street: "Hauptstraße 1".into(),
                    postcode: "12345".into(),
                    city: "Musterstadt".into(),
                    country: "Deutschland".into(),
                },
            },
            summary: Breakdown {
                principal: owed,
                interest: eur(0),
                costs: eur(0),
                payments: eur(0),
                balance: owed,
            },
            claims: Vec::new(),
            payments: Vec::new(),
            supervisory_authority: Vec::new(),
            address_researched: false,
            interest_stopped_at: None,
        }))
    }
    async fn case_page(&self, _: i64, _: NaiveDate) -> StoreResult<Option<CasePage>> {
        unreachable!("payments do not read the case page")
    }
}

#[async_trait]
impl OnlinePayments for FakePayments {
    async fn create_online_payment(
        &self,
        case_id: i64,
        provider: &str,
        amount: Money,
        _now_ms: i64,
    ) -> StoreResult<i64> {
        assert_eq!(provider, "testpay");
        let mut rows = self.checkouts.lock().expect("lock");
        rows.push((case_id, amount, None));
        Ok(rows.len() as i64 + 40)
    }
    async fn attach_session(&self, id: i64, session_id: &str, _: i64) -> StoreResult<()> {
        let mut rows = self.checkouts.lock().expect("lock");
        rows[(id - 41) as usize].2 = Some(session_id.to_string());
        Ok(())
    }
    async fn online_payment_by_session(
        &self,
        session_id: &str,
    ) -> StoreResult<Option<OnlinePayment>> {
        Ok((session_id == "cs_test_1").then(|| OnlinePayment {
            id: 41,
            case_id: 1,
            amount: eur(5_000),
            state: "open".into(),
        }))
    }
    async fn book_provider_payment(
        &self,
        _provider: &str,
        event_id: &str,
        _event_kind: &str,
        payment: &OnlinePayment,
        _value_date: NaiveDate,
        audit: AuditEntry,
        email: Option<QueuedEmail>,
        _base_url: &str,
    ) -> StoreResult<Booking> {
        let mut booked = self.booked.lock().expect("lock");
        if booked.iter().any(|(id, ..)| id == event_id) {
            return Ok(Booking::Duplicate);
        }
        booked.push((event_id.to_string(), payment.clone(), audit, email));
        Ok(Booking::Booked(payment.case_id))
    }
}

#[async_trait]
impl Plans for FakePayments {
    async fn plan_context(
        &self,
        _case_id: i64,
        _today: NaiveDate,
    ) -> StoreResult<Option<PlanContextData>> {
        Ok(Some(PlanContextData {
            balance: eur(12_000),
            bands: Vec::new(),
            reply_days: 5,
            reference: "AKTE-2026-000001".into(),
            debtor_id: 7,
            debtor_name: "Erika Mustermann".into(),
            debtor_email: Some("erika@example.org".into()),
            debtor_language: Language::De,
            time_zone: "Europe/Berlin".into(),
            open_plan: None,
        }))
    }
    async fn store_plan(
        &self,
        _: i64,
        _: &str,
        _: NewPlan,
        _: Effects,
        _: Option<QueuedEmail>,
    ) -> StoreResult<Stored> {
        unreachable!("payments store no plans")
    }
    async fn answer_counter(
        &self,
        _: i64,
        _: i64,
        _: bool,
        _: Effects,
        _: Option<QueuedEmail>,
    ) -> StoreResult<Stored> {
        unreachable!("payments answer no counter-offers")
    }
}

/// A provider that opens every checkout and remembers what it was asked.
#[derive(Default)]
struct TestPay(Mutex<Vec<CheckoutRequest>>);

#[async_trait]
impl PaymentProvider for TestPay {
    fn name(&self) -> &'static str {
        "testpay"
    }
    async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, ProviderError> {
        self.0.lock().expect("lock").push(request.clone());
        Ok(CheckoutSession {
            id: "cs_test_1".into(),
            url: "https://pay.example/cs_test_1".into(),
        })
    }
}

fn app(store: Arc<FakePayments>, provider: Option<Arc<TestPay>>) -> AppState<FakePayments> {
    let mut app = state(store, FakeClock::at(NOW));
    app.provider = provider.map(|p| p as Arc<dyn PaymentProvider>);
    app
}

#[tokio::test]
async fn without_a_provider_there_is_no_online_payment() {
    let store = Arc::new(FakePayments::default());
    let answer = start(&app(store.clone(), None), 1, "", Language::De).await;
    assert_eq!(answer, Err(AppError::NotFound));
    assert!(store.checkouts.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn the_whole_balance_is_offered_and_the_row_is_written_before_the_provider_is_asked() {
    let store = Arc::new(FakePayments::default());
    let provider = Arc::new(TestPay::default());
    let url = start(
        &app(store.clone(), Some(provider.clone())),
        1,
        "",
        Language::De,
    )
    .await
    .expect("checkout");
    assert_eq!(url, "https://pay.example/cs_test_1");
    let asked = provider.0.lock().expect("lock");
    assert_eq!(asked[0].amount, eur(12_000));
    assert_eq!(
        asked[0].idempotency_key, "rapport-checkout-41",
        "from our own row"
    );
    assert_eq!(
        asked[0].success_url,
        "http://localhost/case/pay?online=done"
    );
    assert_eq!(
        store.checkouts.lock().expect("lock")[0],
        (1, eur(12_000), Some("cs_test_1".to_string()))
    );
}

#[tokio::test]
async fn an_amount_above_the_balance_or_not_an_amount_is_refused_before_anything_is_written() {
    for typed in ["120,01", "0", "zwölf"] {
        let store = Arc::new(FakePayments::default());
        let provider = Arc::new(TestPay::default());
        let answer = start(&app(store.clone(), Some(provider)), 1, typed, Language::De).await;
        let Err(AppError::Validation(errors)) = answer else {
            panic!("{typed}: {answer:?}");
        };
        assert_eq!(
            errors.fields.get("amount"),
            Some(&vec![Problem::InvalidAmount]),
            "{typed}"
        );
        assert!(store.checkouts.lock().expect("lock").is_empty(), "{typed}");
    }
    let store = Arc::new(FakePayments::default());
    let part = start(
        &app(store.clone(), Some(Arc::default())),
        1,
        "50,00",
        Language::De,
    )
    .await;
    assert!(part.is_ok(), "part of the balance is fine");
    assert_eq!(store.checkouts.lock().expect("lock")[0].1, eur(5_000));
}

#[tokio::test]
async fn a_paid_checkout_is_booked_once_with_a_receipt_and_unknown_sessions_are_ignored() {
    let store = Arc::new(FakePayments::default());
    let app = app(store.clone(), None);
    let ignored = book(
        &app,
        "testpay",
        "evt_0",
        "checkout.session.completed",
        "cs_other",
    )
    .await;
    assert_eq!(ignored, Ok(None));
    let first = book(
        &app,
        "testpay",
        "evt_1",
        "checkout.session.completed",
        "cs_test_1",
    )
    .await;
    assert_eq!(first, Ok(Some(Booking::Booked(1))));
    let again = book(
        &app,
        "testpay",
        "evt_1",
        "checkout.session.completed",
        "cs_test_1",
    )
    .await;
    assert_eq!(again, Ok(Some(Booking::Duplicate)));
    let booked = store.booked.lock().expect("lock");
    assert_eq!(booked.len(), 1);
    let (_, payment, audit, email) = &booked[0];
    assert_eq!(payment.amount, eur(5_000));
    assert_eq!(audit.action, "payment.online");
    assert_eq!(audit.actor_id.as_deref(), Some("testpay"));
    let email = email.as_ref().expect("receipt");
    assert_eq!(email.dedupe_key, "payment:evt_1:receipt");
    assert_eq!(email.to, "erika@example.org");
}
