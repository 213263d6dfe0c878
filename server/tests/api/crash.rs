//! Exactly-once under crashes: the real `server` binary runs dunning runs, statement imports and
//! the outbox relay against a real SMTP server on loopback, and is killed with SIGKILL at random
//! points, over and over, before each step is finally allowed to finish. Afterwards the ledger,
//! the steps taken and the outbox must be exactly those of the same sequence run without a single
//! kill, and the mailbox must hold every email.
//!
//! One thing SMTP cannot give: when the process dies after the mail server accepted a message
//! but before the outbox row was marked sent, the message is sent again. It then carries the same
//! Message-ID (derived from the event), so the receiving side recognises it; the test allows such
//! repeats only up to the number of kills during sending, and only with identical Message-IDs.

use crate::camt_fixture::{file, rf_for, Entry, Tx, CAMT053_V08_PREFIXED, CAMT054_V08};
use crate::helpers::postgres_database;
use crate::smtp::{Mode, SmtpServer};
use rand::{Rng, SeedableRng};
use server::db::Db;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DAY: i64 = 86_400_000;
/// 2027-01-04 08:00 UTC: every database of the test starts at the same moment.
const T0: i64 = 1_799_049_600_000;
/// Kills per step before the step may finish.
const KILLS: usize = 5;

#[derive(Debug, Clone)]
enum Step {
    RunDue(i64),
    Import(&'static str),
    /// `serve` receiving Stripe's signed webhooks.
    Webhooks,
    SendMail(i64),
}

const STEPS: [Step; 8] = [
    Step::RunDue(0),
    Step::Import("s1.xml"),
    Step::Webhooks,
    Step::SendMail(0),
    Step::RunDue(14),
    Step::Import("s2.xml"),
    Step::RunDue(28),
    Step::SendMail(28),
];

const WEBHOOK_SECRET: &str = "whsec_crash_test";

/// The provider's events: one per checkout, some twice under another id (completed, then
/// async_payment_succeeded), in an order that is not the order of payment.
fn provider_events() -> Vec<String> {
    let mut events = Vec::new();
    for n in (0..8).rev() {
        let event = |id: String, kind: &str| {
            serde_json::json!({
                "id": id,
                "object": "event",
                "type": kind,
                "data": {"object": {
                    "id": format!("cs_crash_{n}"),
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "amount_total": 1_234,
                    "currency": "eur"
                }}
            })
            .to_string()
        };
        if n % 3 == 0 {
            events.push(event(
                format!("evt_async_{n}"),
                "checkout.session.async_payment_succeeded",
            ));
        }
        events.push(event(format!("evt_done_{n}"), "checkout.session.completed"));
    }
    events
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("time")
        .to_rfc3339()
}

struct Target {
    url: String,
    smtp: String,
    dir: std::path::PathBuf,
}

impl Target {
    /// The command of a step; `last` is the run that must finish, ten minutes later than the
    /// killed ones, so that the leases a killed relay held (five minutes) have run out.
    fn command(&self, step: &Step, last: bool) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("SMTP_URL", &self.smtp)
            .env("RAPPORT_QUIET_HOURS", "off")
            .env("RAPPORT_LOG", "error")
            .env("RAPPORT_BASE_URL", "http://127.0.0.1:9")
            .env("RAPPORT_PAYEE_IBAN", "DE89370400440532013000")
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match step {
            Step::Webhooks => c
                .arg("serve")
                .env("STRIPE_SECRET_KEY", "sk_test_crash")
                .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
                .env("RAPPORT_DUNNING", "off")
                .env("RAPPORT_WEBHOOK_RELAY", "off")
                .env_remove("SMTP_URL"),
            Step::RunDue(day) => c.args(["run-due", "--now", &iso(T0 + day * DAY + 3_600_000)]),
            Step::Import(name) => c.args(["import-statement", name]),
            Step::SendMail(day) => {
                let later = if last { 10 * 60_000 } else { 0 };
                c.args([
                    "send-mail",
                    "--now",
                    &iso(T0 + day * DAY + 4 * 3_600_000 + later),
                ])
            }
        };
        c
    }

    /// Runs the step to its end; how long it took.
    async fn finish(&self, step: &Step) -> Duration {
        if let Step::Webhooks = step {
            let started = Instant::now();
            let mut pending = provider_events();
            let mut serve = self.serve().await;
            let client = reqwest::Client::new();
            deliver(&client, &serve.1, &mut pending).await;
            assert!(
                pending.is_empty(),
                "every event is acknowledged by a running server"
            );
            // The provider delivers again whatever it likes: nothing changes.
            let mut again = provider_events();
            deliver(&client, &serve.1, &mut again).await;
            assert!(again.is_empty());
            let took = started.elapsed();
            let _ = serve.0.kill();
            let _ = serve.0.wait();
            return took;
        }
        let started = Instant::now();
        let status = tokio::task::block_in_place(|| self.command(step, true).status())
            .expect("server starts");
        assert!(status.success(), "{step:?} finishes when not killed");
        started.elapsed()
    }

    /// Starts `serve` on a free port and waits until it answers; the process and its address.
    async fn serve(&self) -> (std::process::Child, String) {
        crate::helpers::serve_on_free_port(self.command(&Step::Webhooks, true)).await
    }

    /// Delivers the provider's events to a `serve` that is killed after `after`; what is left
    /// unacknowledged stays in `pending` for the next try. True when the kill hit a running server.
    async fn webhooks_killed_after(&self, pending: &mut Vec<String>, after: Duration) -> bool {
        let (mut child, address) = self.serve().await;
        let client = reqwest::Client::new();
        let mut left = pending.clone();
        let delivery = async {
            deliver(&client, &address, &mut left).await;
        };
        let killed = tokio::select! {
            () = delivery => false,
            () = tokio::time::sleep(after) => true,
        };
        let _ = child.kill();
        let _ = child.wait();
        *pending = left;
        killed
    }

    /// Starts the step and kills it (SIGKILL) after `after`; true when it was still running.
    fn kill_after(&self, step: &Step, after: Duration) -> bool {
        let mut child = self.command(step, false).spawn().expect("server starts");
        let deadline = Instant::now() + after;
        while Instant::now() < deadline {
            if child.try_wait().expect("wait").is_some() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let killed = child.try_wait().expect("wait").is_none();
        let _ = child.kill();
        let _ = child.wait();
        killed
    }
}

async fn open(url: &str) -> Db {
    let url = server::config::DatabaseUrl::parse(url).expect("a database URL");
    Db::connect(&url).await.expect("database opens")
}

/// Posts each pending event, signed, in order, and removes it once the server answered 200. Stops
/// at the first event the server does not acknowledge (it is down).
async fn deliver(client: &reqwest::Client, address: &str, pending: &mut Vec<String>) {
    while let Some(body) = pending.first() {
        let now = chrono::Utc::now().timestamp();
        let signature = server::payments::stripe::sign(body.as_bytes(), WEBHOOK_SECRET, now);
        let answer = client
            .post(format!("{address}/webhooks/stripe"))
            .header("stripe-signature", signature)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() => {
                pending.remove(0);
            }
            _ => return,
        }
    }
}

async fn seed(url: &str, dir: &Path) {
    let db = open(url).await;
    db.migrate().await.expect("migrations");
    server::demo::ensure_demo(&db, "http://127.0.0.1:9", T0)
        .await
        .expect("demo");
    let creditor = server::intake::create_creditor(
        &db,
        &server::intake::NewCreditor {
            name: "Sonnenschein Energie AG".into(),
            street: "Kraftwerkstraße 1".into(),
            postcode: "50667".into(),
            city: "Köln".into(),
            country: "Deutschland".into(),
            email: None,
            website: Some("https://sonnenschein.example".into()),
        },
        T0,
    )
    .await
    .expect("creditor");
    let mut csv = String::from(
        "external_id;customer_number;debtor_name;street;postcode;city;email;treatment_class;subject;contract_date;due_date;principal\n",
    );
    let classes = ["standard", "strict", "key_account"];
    for i in 0..30 {
        csv.push_str(&format!(
            "C-{i};K-{i};Kunde {i};Weg {i};10115;Berlin;kunde{i}@example.org;{};Strom {i};2026-10-01;2026-11-01;{},00\n",
            classes[i % 3],
            40 + i
        ));
    }
    let report = server::intake::import_claims(&db, creditor, csv.as_bytes(), false, T0, |_| {})
        .await
        .expect("hand-over");
    assert!(report.written);
    // Checkouts the debtors started (their sessions are paid by the provider's webhooks).
    let demo_cases: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM cases c JOIN debtors d ON d.id = c.debtor_id WHERE d.email IS NOT NULL AND c.state = 'open' ORDER BY c.id LIMIT 8",
    )
    .fetch_all(db.pool())
    .await
    .expect("cases");
    for (n, case) in demo_cases.iter().enumerate() {
        sqlx::query(
            "INSERT INTO online_payments (case_id, provider, session_id, amount_minor, currency, state, created_at, updated_at)
             VALUES ($1, 'stripe', $2, 1234, 'EUR', 'open', $3, $3)",
        )
        .bind(case)
        .bind(format!("cs_crash_{n}"))
        .bind(T0)
        .execute(db.pool())
        .await
        .expect("checkout");
    }
    // Two statements: the second overlaps the first and adds to it.
    let refs: Vec<String> = sqlx::query_scalar(
        "SELECT c.reference FROM cases c JOIN claims cl ON cl.case_id = c.id WHERE cl.external_id LIKE 'C-%' ORDER BY cl.id",
    )
    .fetch_all(db.pool())
    .await
    .expect("references");
    let entry = |n: usize, amount: i64, date: &'static str, tx: Tx| {
        Entry::credit(amount, date, &format!("B-{n}"), tx)
    };
    let rf = |r: &str| Tx {
        rf: Some(rf_for(r)),
        ..Tx::default()
    };
    let mut first = Vec::new();
    for (n, r) in refs.iter().enumerate().take(20) {
        // Some pay a part, some everything (their cases close with a thank-you).
        let amount = if n % 4 == 0 {
            (40 + n as i64) * 100
        } else {
            1_500
        };
        first.push(entry(n, amount, "2027-01-06", rf(r)));
    }
    first.push(entry(
        100,
        999,
        "2027-01-06",
        Tx {
            text: "Miete".into(),
            ..Tx::default()
        },
    ));
    let mut second: Vec<Entry> = first[10..].to_vec();
    for (n, r) in refs.iter().enumerate().skip(20) {
        second.push(entry(n, 1_000, "2027-01-20", rf(r)));
    }
    std::fs::write(
        dir.join("s1.xml"),
        file(CAMT054_V08, "S-1", "DE89370400440532013000", &first),
    )
    .expect("write");
    std::fs::write(
        dir.join("s2.xml"),
        file(
            CAMT053_V08_PREFIXED,
            "S-2",
            "DE89370400440532013000",
            &second,
        ),
    )
    .expect("write");
    db.close().await;
}

/// The state that must come out the same with and without crashes.
async fn ledger(url: &str) -> BTreeMap<&'static str, Vec<String>> {
    let db = open(url).await;
    let mut out = BTreeMap::new();
    let queries: [(&'static str, &str); 7] = [
        ("steps", "SELECT c.reference || ' ' || s.step_key || ' ' || s.kind || ' ' || s.channel || ' ' || s.due_on
                   FROM dunning_steps s JOIN cases c ON c.id = s.case_id"),
        ("payments", "SELECT c.reference || ' ' || CAST(p.amount_minor AS TEXT) || ' ' || p.value_date || ' ' || p.method
                      FROM payments p JOIN cases c ON c.id = p.case_id"),
        ("allocations", "SELECT c.reference || ' ' || a.kind || ' ' || CAST(a.amount_minor AS TEXT)
                         FROM payment_allocations a JOIN cases c ON c.id = a.case_id"),
        ("bank entries", "SELECT e.entry_key || ' ' || CAST(e.part AS TEXT) || ' ' || e.state || ' ' || COALESCE(c.reference, '-')
                          FROM bank_entries e LEFT JOIN cases c ON c.id = e.case_id"),
        ("outbox", "SELECT dedupe_key || ' ' || state FROM outbox"),
        ("states", "SELECT reference || ' ' || state FROM cases"),
        ("events", "SELECT c.reference || ' ' || e.kind FROM case_events e JOIN cases c ON c.id = e.case_id"),
    ];
    for (name, sql) in queries {
        let mut rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(db.pool())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        rows.sort();
        out.insert(name, rows);
    }
    db.close().await;
    out
}

/// Message-IDs of the outbox rows that were sent.
async fn sent_ids(url: &str) -> Vec<String> {
    let db = open(url).await;
    let mut ids: Vec<String> =
        sqlx::query_scalar("SELECT message_id FROM outbox WHERE state = 'sent'")
            .fetch_all(db.pool())
            .await
            .expect("ids");
    db.close().await;
    ids.sort();
    ids
}

fn message_ids(smtp: &SmtpServer) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for m in smtp.messages() {
        let id = m
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("message-id")
                    .then(|| v.trim().to_string())
            })
            .expect("every message has a Message-ID");
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

async fn killing_the_server_anywhere_loses_nothing_and_does_nothing_twice(urls: (String, String)) {
    let (reference_url, crash_url) = urls;
    let Some(reference_smtp) = SmtpServer::start(Mode::Accept) else {
        return;
    };
    let crash_smtp = SmtpServer::start(Mode::Accept).expect("the SMTP server starts");
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    seed(&reference_url, dirs.0.path()).await;
    seed(&crash_url, dirs.1.path()).await;
    let reference = Target {
        url: reference_url.clone(),
        smtp: reference_smtp.url(),
        dir: dirs.0.path().to_path_buf(),
    };
    let crash = Target {
        url: crash_url.clone(),
        smtp: crash_smtp.url(),
        dir: dirs.1.path().to_path_buf(),
    };
    let seed_value: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen());
    eprintln!("crash test seed: {seed_value} (CRASH_SEED={seed_value} repeats it)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed_value);
    let (mut kills, mut kills_while_sending) = (0, 0);
    for step in STEPS.iter() {
        let took = reference.finish(step).await;
        let mut pending = provider_events();
        for _ in 0..KILLS {
            // Anywhere from before the database is opened to the very end of the work.
            let upper = (took.as_millis() as u64).max(20) + 20;
            let after = Duration::from_millis(rng.gen_range(1..upper));
            let killed = match step {
                Step::Webhooks => crash.webhooks_killed_after(&mut pending, after).await,
                _ => tokio::task::block_in_place(|| crash.kill_after(step, after)),
            };
            if killed {
                kills += 1;
                if matches!(step, Step::SendMail(_)) {
                    kills_while_sending += 1;
                }
            }
        }
        crash.finish(step).await;
    }
    assert!(
        kills >= STEPS.len(),
        "the test killed the server often enough ({kills} kills, seed {seed_value})"
    );

    let (want, got) = (ledger(&reference_url).await, ledger(&crash_url).await);
    assert!(
        !want["steps"].is_empty() && !want["payments"].is_empty() && !want["outbox"].is_empty()
    );
    for (name, rows) in &want {
        assert_eq!(
            &got[name], rows,
            "{name} after {kills} kills (seed {seed_value})"
        );
    }
    assert!(
        want["outbox"].iter().all(|r| r.ends_with(" sent")),
        "everything was sent in the end"
    );

    // The mailboxes: every email arrived; a repeat only with the same Message-ID.
    let ids = sent_ids(&crash_url).await;
    let reference_mail = message_ids(&reference_smtp);
    assert!(reference_mail.values().all(|n| *n == 1));
    assert_eq!(reference_mail.len(), ids.len());
    let crash_mail = message_ids(&crash_smtp);
    assert_eq!(
        crash_mail.keys().cloned().collect::<Vec<_>>(),
        ids,
        "every email arrived, none unknown (seed {seed_value})"
    );
    let repeats: usize = crash_mail.values().map(|n| n - 1).sum();
    eprintln!(
        "{kills} kills ({kills_while_sending} while sending): {} steps, {} payments, {} emails, {repeats} sent again",
        want["steps"].len(),
        want["payments"].len(),
        ids.len()
    );
    assert!(
        repeats <= kills_while_sending,
        "{repeats} repeated emails, but only {kills_while_sending} kills while sending (seed {seed_value})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_anywhere_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    killing_the_server_anywhere_loses_nothing_and_does_nothing_twice((
        url("reference.db"),
        url("crash.db"),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_anywhere_on_postgres() {
    let (Some(reference), Some(crash)) = (postgres_database().await, postgres_database().await)
    else {
        return;
    };
    killing_the_server_anywhere_loses_nothing_and_does_nothing_twice((
        reference.2.clone(),
        crash.2.clone(),
    ))
    .await;
    for (admin, name, _) in [reference, crash] {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("admin");
        sqlx::Executor::execute(
            &mut conn,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
        )
        .await
        .expect("drop");
    }
}
