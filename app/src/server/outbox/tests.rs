use super::*;
use crate::server::ports::{OutgoingEmail, StoreResult};
use async_trait::async_trait;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

#[test]
fn quiet_hours_follow_the_recipients_clock() {
    let q = QuietHours::default();
    let berlin = chrono_tz::Europe::Berlin;
    assert_eq!(
        q.next_allowed(utc("2026-11-22T12:00:00Z"), berlin),
        None,
        "13:00 in Berlin"
    );
    assert_eq!(
        q.next_allowed(utc("2026-11-22T20:30:00Z"), berlin),
        Some(utc("2026-11-23T07:00:00Z")),
        "21:30 → 08:00 next day"
    );
    assert_eq!(
        q.next_allowed(utc("2026-11-23T05:00:00Z"), berlin),
        Some(utc("2026-11-23T07:00:00Z")),
        "06:00 → 08:00 today"
    );
    assert_eq!(
        q.next_allowed(utc("2026-11-23T07:00:00Z"), berlin),
        None,
        "08:00 exactly is allowed"
    );
    let ny = chrono_tz::America::New_York;
    assert_eq!(
        q.next_allowed(utc("2026-11-22T20:30:00Z"), ny),
        None,
        "15:30 in New York"
    );
    assert_eq!(
        q.next_allowed(utc("2026-07-01T19:30:00Z"), berlin),
        Some(utc("2026-07-02T06:00:00Z")),
        "summer time"
    );
}

#[test]
fn backoff_doubles_up_to_its_ceiling() {
    let p = RelayPolicy::default();
    assert_eq!(p.backoff_ms(1), 60_000);
    assert_eq!(p.backoff_ms(2), 120_000);
    assert_eq!(p.backoff_ms(4), 480_000);
    assert_eq!(p.backoff_ms(20), 6 * 3_600_000);
    assert_eq!(p.backoff_ms(200), 6 * 3_600_000);
}

struct Clk(AtomicI64);
impl Clock for Clk {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    item: OutboxItem,
    state: &'static str,
    next_at: i64,
    lease_until: Option<i64>,
    error: Option<String>,
}

/// The rows, and the links minted for cases (case, token hash).
#[derive(Default)]
struct Store(Mutex<Vec<Row>>, Mutex<Vec<(i64, String)>>);

#[async_trait]
impl OutboxStore for Store {
    async fn claim_due(
        &self,
        now: i64,
        lease: i64,
        _owner: &str,
        limit: u32,
    ) -> StoreResult<Vec<OutboxItem>> {
        let mut rows = self.0.lock().expect("lock");
        let mut out = Vec::new();
        for r in rows.iter_mut() {
            let due = (r.state == "pending" && r.next_at <= now)
                || (r.state == "sending" && r.lease_until.is_some_and(|l| l < now));
            if due && out.len() < limit as usize {
                r.state = "sending";
                r.lease_until = Some(now + lease);
                out.push(r.item.clone());
            }
        }
        Ok(out)
    }
    async fn mark_final(
        &self,
        id: i64,
        _o: &str,
        state: &str,
        error: Option<&str>,
        _now: i64,
    ) -> StoreResult<()> {
        let mut rows = self.0.lock().expect("lock");
        let r = rows.iter_mut().find(|r| r.item.id == id).expect("row");
        r.state = match state {
            "sent" => "sent",
            "dead" => "dead",
            _ => "suppressed",
        };
        r.error = error.map(str::to_string);
        Ok(())
    }
    async fn reschedule(
        &self,
        id: i64,
        _o: &str,
        at: i64,
        attempts: u32,
        error: Option<&str>,
        _now: i64,
    ) -> StoreResult<()> {
        let mut rows = self.0.lock().expect("lock");
        let r = rows.iter_mut().find(|r| r.item.id == id).expect("row");
        r.state = "pending";
        r.next_at = at;
        r.item.attempts = attempts;
        r.error = error.map(str::to_string);
        Ok(())
    }
    async fn issue_email_link(&self, case_id: i64, hash: &str, _now: i64) -> StoreResult<()> {
        self.1
            .lock()
            .expect("lock")
            .push((case_id, hash.to_string()));
        Ok(())
    }
}

struct FakeMailer {
    answers: Mutex<Vec<Result<(), SendError>>>,
    sent: Mutex<Vec<String>>,
    texts: Mutex<Vec<String>>,
}

#[async_trait]
impl Mailer for FakeMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), SendError> {
        let answer = self.answers.lock().expect("lock").pop().unwrap_or(Ok(()));
        if answer.is_ok() {
            self.sent
                .lock()
                .expect("lock")
                .push(email.message_id.clone());
            self.texts
                .lock()
                .expect("lock")
                .push(format!("{}\n{}", email.text, email.html));
        }
        answer
    }
}

fn item(id: i64, opted_out: bool) -> Row {
    Row {
        item: OutboxItem {
            id,
            case_id: Some(7),
            attempts: 0,
            time_zone: "Europe/Berlin".into(),
            opted_out,
            email: OutgoingEmail {
                to: "debtor@example.org".into(),
                subject: "s".into(),
                text: "t".into(),
                html: "<p>t</p>".into(),
                message_id: format!("<m{id}@rapport>"),
            },
        },
        state: "pending",
        next_at: 0,
        lease_until: None,
        error: None,
    }
}

/// 2026-11-27T11:00:00Z, noon in Berlin.
const NOON_BERLIN: i64 = 1_795_777_200_000;

fn setup(rows: Vec<Row>, answers: Vec<Result<(), SendError>>) -> (Store, FakeMailer, Clk) {
    (
        Store(Mutex::new(rows), Mutex::default()),
        FakeMailer {
            answers: Mutex::new(answers),
            sent: Mutex::default(),
            texts: Mutex::default(),
        },
        Clk(AtomicI64::new(NOON_BERLIN)),
    )
}

#[tokio::test]
async fn sends_suppresses_opt_outs_and_postpones_at_night() {
    let (store, mailer, clock) = setup(vec![item(1, false), item(2, true)], vec![]);
    let p = RelayPolicy::default();
    let r = relay_once(&store, &mailer, &clock, &p, "a")
        .await
        .expect("ok");
    assert_eq!((r.sent, r.suppressed), (1, 1));
    assert_eq!(
        mailer.sent.lock().expect("lock").as_slice(),
        ["<m1@rapport>"]
    );

    store.0.lock().expect("lock").push(item(3, false));
    clock
        .0
        .store(NOON_BERLIN + 10 * 3_600_000, Ordering::SeqCst); // 22:00 in Berlin
    let r = relay_once(&store, &mailer, &clock, &p, "a")
        .await
        .expect("ok");
    assert_eq!(r.postponed, 1);
    let row = store.0.lock().expect("lock")[2].clone();
    assert_eq!(
        (row.state, row.item.attempts),
        ("pending", 0),
        "postponing is not a failed attempt"
    );
    assert_eq!(
        row.next_at,
        NOON_BERLIN + 20 * 3_600_000,
        "08:00 the next morning"
    );
}

#[tokio::test]
async fn a_personal_link_is_minted_when_the_email_leaves_and_each_attempt_gets_its_own() {
    let mut row = item(1, false);
    let link = crate::server::credentials::link_to_mint("https://portal.example/");
    row.item.email.text = format!("Ihr Fall: {link}");
    row.item.email.html = format!("<a href=\"{link}\">Fall</a>");
    let failure = vec![Err(SendError::Transient("421 busy".into()))];
    let (store, mailer, clock) = setup(vec![row], failure);
    let p = RelayPolicy::default();
    relay_once(&store, &mailer, &clock, &p, "a")
        .await
        .expect("ok");
    clock.0.fetch_add(3_600_000, Ordering::SeqCst);
    relay_once(&store, &mailer, &clock, &p, "a")
        .await
        .expect("ok");
    let minted = store.1.lock().expect("lock").clone();
    assert_eq!(minted.len(), 2, "a link per attempt: {minted:?}");
    assert!(minted.iter().all(|(case, _)| *case == 7));
    let sent = mailer.texts.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    assert!(!sent[0].contains(LINK_PLACEHOLDER), "{}", sent[0]);
    let token = sent[0]
        .split("https://portal.example/c/")
        .nth(1)
        .and_then(|rest| rest.split(['\n', '"']).next())
        .expect("a link in the text");
    assert_eq!(token.len(), 43);
    assert_eq!(
        hash_token(token),
        minted[1].1,
        "the link sent is the one stored"
    );
    assert!(
        sent[0].contains(&format!("href=\"https://portal.example/c/{token}\"")),
        "the same link in the HTML part"
    );
    assert!(
        store.0.lock().expect("lock")[0]
            .item
            .email
            .text
            .contains(LINK_PLACEHOLDER),
        "the stored email keeps only the placeholder"
    );
}

#[tokio::test]
async fn transient_failures_back_off_and_end_as_dead_letters() {
    let p = RelayPolicy {
        max_attempts: 3,
        ..RelayPolicy::default()
    };
    let failures = (0..3)
        .map(|_| Err(SendError::Transient("421 busy".into())))
        .collect();
    let (store, mailer, clock) = setup(vec![item(1, false)], failures);
    let r = relay_once(&store, &mailer, &clock, &p, "a")
        .await
        .expect("ok");
    assert_eq!(r.retried, 1);
    assert_eq!(
        store.0.lock().expect("lock")[0].next_at,
        NOON_BERLIN + 60_000
    );
    assert_eq!(
        relay_once(&store, &mailer, &clock, &p, "a")
            .await
            .expect("ok"),
        RelayReport::default(),
        "not due yet"
    );
    clock.0.fetch_add(60_000, Ordering::SeqCst);
    assert_eq!(
        relay_once(&store, &mailer, &clock, &p, "a")
            .await
            .expect("ok")
            .retried,
        1
    );
    assert_eq!(
        store.0.lock().expect("lock")[0].next_at,
        NOON_BERLIN + 60_000 + 120_000
    );
    clock.0.fetch_add(120_000, Ordering::SeqCst);
    assert_eq!(
        relay_once(&store, &mailer, &clock, &p, "a")
            .await
            .expect("ok")
            .dead,
        1
    );
    let row = store.0.lock().expect("lock")[0].clone();
    assert_eq!(
        (row.state, row.error.as_deref()),
        ("dead", Some("421 busy"))
    );
}

#[tokio::test]
async fn a_permanent_refusal_is_a_dead_letter_at_once() {
    let (store, mailer, clock) = setup(
        vec![item(1, false)],
        vec![Err(SendError::Permanent("550 no such user".into()))],
    );
    let r = relay_once(&store, &mailer, &clock, &RelayPolicy::default(), "a")
        .await
        .expect("ok");
    assert_eq!(r.dead, 1);
    assert!(mailer.sent.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn a_message_whose_lease_expired_is_sent_again_with_the_same_message_id() {
    let (store, mailer, clock) = setup(vec![item(1, false)], vec![]);
    let p = RelayPolicy::default();
    // A relay claimed it and died before reporting back.
    store
        .claim_due(NOON_BERLIN, p.lease_ms, "crashed", 10)
        .await
        .expect("claim");
    assert_eq!(
        relay_once(&store, &mailer, &clock, &p, "b")
            .await
            .expect("ok")
            .sent,
        0,
        "still leased"
    );
    clock.0.fetch_add(p.lease_ms + 1, Ordering::SeqCst);
    assert_eq!(
        relay_once(&store, &mailer, &clock, &p, "b")
            .await
            .expect("ok")
            .sent,
        1
    );
    assert_eq!(
        mailer.sent.lock().expect("lock").as_slice(),
        ["<m1@rapport>"]
    );
}
