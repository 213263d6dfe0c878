//! The outbox relay against a real SMTP server: delivery with a stable Message-ID, a refusing
//! server, a server that drops the connection, opt-outs, quiet hours and two relays at once.

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::smtp::{Mode, SmtpServer};
use app::server::outbox::{relay_once, RelayPolicy};
use app::server::ports::{Clock, OutboxStore};
use server::db::outbox::{enqueue_email, NewEmail};
use server::mail::SmtpMailer;

/// 2026-11-27 11:00 UTC, noon in Berlin: outside the quiet hours.
const NOON_BERLIN: i64 = 1_795_777_200_000;

async fn enqueue(app: &TestApp, key: &str, debtor_id: Option<i64>, time_zone: &str) -> bool {
    let mut tx = app.db.pool().begin().await.expect("tx");
    let inserted = enqueue_email(
        &mut tx,
        &NewEmail {
            dedupe_key: key,
            case_id: None,
            debtor_id,
            to: "Anna Beispiel <anna.beispiel@demo.example>",
            time_zone,
            subject: "Ihre Nachricht ist angekommen",
            text: "Guten Tag, wir haben Ihre Nachricht erhalten.",
            html: "<p>Guten Tag, wir haben Ihre Nachricht erhalten.</p>",
            host: "portal.example",
            now_ms: NOON_BERLIN,
        },
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    inserted
}

async fn state_of(app: &TestApp, key: &str) -> (String, i64, Option<String>) {
    sqlx::query_as("SELECT state, attempts, last_error FROM outbox WHERE dedupe_key = $1")
        .bind(key)
        .fetch_one(app.db.pool())
        .await
        .expect("row")
}

fn at_noon(app: &TestApp) {
    app.advance(NOON_BERLIN - app.clock.now_ms());
}

async fn an_email_is_delivered_once_with_both_parts_and_a_stable_message_id(app: &TestApp) {
    let Some(smtp) = SmtpServer::start(Mode::Accept) else {
        return;
    };
    at_noon(app);
    assert!(enqueue(app, "test:delivery", None, "Europe/Berlin").await);
    assert!(
        !enqueue(app, "test:delivery", None, "Europe/Berlin").await,
        "the same event is queued once"
    );
    let mailer =
        SmtpMailer::from_url(&smtp.url(), "Rapport <noreply@portal.example>").expect("mailer");
    let policy = RelayPolicy::default();
    let report = relay_once(&app.db, &mailer, app.clock.as_ref(), &policy, "relay-a")
        .await
        .expect("relay");
    assert_eq!(report.sent, 1);
    let again = relay_once(&app.db, &mailer, app.clock.as_ref(), &policy, "relay-a")
        .await
        .expect("relay");
    assert_eq!(again.sent, 0, "a sent message is not sent again");

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert!(
        m.contains(&server::db::outbox::message_id(
            "test:delivery",
            "portal.example"
        )),
        "{m}"
    );
    assert!(
        m.contains("To: \"Anna Beispiel\" <anna.beispiel@demo.example>"),
        "{m}"
    );
    assert!(m.contains("From: Rapport <noreply@portal.example>"));
    assert!(
        m.contains("Content-Type: text/plain") && m.contains("Content-Type: text/html"),
        "{m}"
    );
    assert!(m.contains("Auto-Submitted: auto-generated"));
    assert_eq!(state_of(app, "test:delivery").await.0, "sent");
}
on_both_backends!(
    outbox_delivers,
    an_email_is_delivered_once_with_both_parts_and_a_stable_message_id
);

async fn a_refusing_server_turns_the_message_into_a_dead_letter(app: &TestApp) {
    let Some(smtp) = SmtpServer::start(Mode::Refuse) else {
        return;
    };
    at_noon(app);
    enqueue(app, "test:refused", None, "Europe/Berlin").await;
    let mailer = SmtpMailer::from_url(&smtp.url(), "noreply@portal.example").expect("mailer");
    let report = relay_once(
        &app.db,
        &mailer,
        app.clock.as_ref(),
        &RelayPolicy::default(),
        "r",
    )
    .await
    .expect("relay");
    assert_eq!(report.dead, 1);
    let (state, _, error) = state_of(app, "test:refused").await;
    assert_eq!(state, "dead");
    assert!(
        error.unwrap_or_default().contains("550"),
        "the refusal is kept for staff"
    );
}
on_both_backends!(
    outbox_refused,
    a_refusing_server_turns_the_message_into_a_dead_letter
);

async fn a_dropped_connection_is_retried_later_and_then_delivered(app: &TestApp) {
    let Some(dropping) = SmtpServer::start(Mode::Drop) else {
        return;
    };
    at_noon(app);
    enqueue(app, "test:dropped", None, "Europe/Berlin").await;
    let policy = RelayPolicy::default();
    let mailer = SmtpMailer::from_url(&dropping.url(), "noreply@portal.example").expect("mailer");
    let report = relay_once(&app.db, &mailer, app.clock.as_ref(), &policy, "r")
        .await
        .expect("relay");
    assert_eq!(report.retried, 1);
    let (state, attempts, error) = state_of(app, "test:dropped").await;
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(error.is_some());

    let Some(working) = SmtpServer::start(Mode::Accept) else {
        return;
    };
    let mailer = SmtpMailer::from_url(&working.url(), "noreply@portal.example").expect("mailer");
    let early = relay_once(&app.db, &mailer, app.clock.as_ref(), &policy, "r")
        .await
        .expect("relay");
    assert_eq!(early.sent, 0, "not before the backoff has passed");
    app.advance(policy.backoff_ms(1));
    let later = relay_once(&app.db, &mailer, app.clock.as_ref(), &policy, "r")
        .await
        .expect("relay");
    assert_eq!(later.sent, 1);
    assert_eq!(working.messages().len(), 1);
    assert_eq!(state_of(app, "test:dropped").await.0, "sent");
}
on_both_backends!(
    outbox_retries,
    a_dropped_connection_is_retried_later_and_then_delivered
);

async fn opt_outs_and_quiet_hours_are_respected_at_send_time(app: &TestApp) {
    let Some(smtp) = SmtpServer::start(Mode::Accept) else {
        return;
    };
    at_noon(app);
    let debtor_id: i64 = sqlx::query_scalar("SELECT id FROM debtors ORDER BY id LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .expect("a demo debtor");
    enqueue(app, "test:opted-out", Some(debtor_id), "Europe/Berlin").await;
    // The opt-out happens after the message was queued: it still counts.
    sqlx::query("UPDATE debtors SET email_opt_out = 1 WHERE id = $1")
        .bind(debtor_id)
        .execute(app.db.pool())
        .await
        .expect("opt out");
    enqueue(app, "test:tokyo", None, "Asia/Tokyo").await; // 20:00 in Tokyo… and 21:00 in an hour
    app.advance(3_600_000);
    let mailer = SmtpMailer::from_url(&smtp.url(), "noreply@portal.example").expect("mailer");
    let report = relay_once(
        &app.db,
        &mailer,
        app.clock.as_ref(),
        &RelayPolicy::default(),
        "r",
    )
    .await
    .expect("relay");
    assert_eq!(
        (report.suppressed, report.postponed, report.sent),
        (1, 1, 0)
    );
    assert_eq!(state_of(app, "test:opted-out").await.0, "suppressed");
    let (state, attempts, _) = state_of(app, "test:tokyo").await;
    assert_eq!((state.as_str(), attempts), ("pending", 0));
    let next: i64 =
        sqlx::query_scalar("SELECT next_attempt_at FROM outbox WHERE dedupe_key = 'test:tokyo'")
            .fetch_one(app.db.pool())
            .await
            .expect("row");
    assert_eq!(
        next,
        NOON_BERLIN + 12 * 3_600_000,
        "08:00 the next morning in Tokyo is 23:00 UTC"
    );
    assert!(smtp.messages().is_empty());
}
on_both_backends!(
    outbox_preferences,
    opt_outs_and_quiet_hours_are_respected_at_send_time
);

async fn two_relays_never_claim_the_same_message(app: &TestApp) {
    at_noon(app);
    for i in 0..40 {
        enqueue(app, &format!("test:concurrent:{i}"), None, "Europe/Berlin").await;
    }
    let now = app.clock.now_ms();
    let (a, b) = tokio::join!(
        app.db.claim_due(now, 60_000, "relay-a", 25),
        app.db.claim_due(now, 60_000, "relay-b", 25)
    );
    let (a, b) = (a.expect("claim a"), b.expect("claim b"));
    let mut ids: Vec<i64> = a.iter().chain(b.iter()).map(|i| i.id).collect();
    let claimed = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), claimed, "no message was claimed twice");
    assert_eq!(claimed, 40, "together they claimed everything due");
}
on_both_backends!(outbox_leases, two_relays_never_claim_the_same_message);

async fn no_working_link_rests_in_the_outbox_and_a_link_ends_with_its_case(app: &TestApp) {
    let Some(smtp) = SmtpServer::start(Mode::Accept) else {
        return;
    };
    at_noon(app);
    let d = app.debtor(2).clone();
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(&d.reference)
        .fetch_one(app.db.pool())
        .await
        .expect("case");
    let link = app::server::credentials::link_to_mint(&app.address);
    let mut tx = app.db.pool().begin().await.expect("tx");
    enqueue_email(
        &mut tx,
        &NewEmail {
            dedupe_key: "test:news",
            case_id: Some(case_id),
            debtor_id: None,
            to: "debtor@demo.example",
            time_zone: "Europe/Berlin",
            subject: "Neuigkeiten zu Ihrem Fall",
            text: &format!("Zu Ihrem Fall: {link}"),
            html: &format!("<p><a href=\"{link}\">Zu Ihrem Fall</a></p>"),
            host: "portal.example",
            now_ms: NOON_BERLIN,
        },
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    let mailer =
        SmtpMailer::from_url(&smtp.url(), "Rapport <noreply@portal.example>").expect("mailer");
    let sent = relay_once(
        &app.db,
        &mailer,
        app.clock.as_ref(),
        &RelayPolicy::default(),
        "r",
    )
    .await
    .expect("relay");
    assert_eq!(sent.sent, 1);
    // Quoted-printable: soft line breaks joined again.
    let message = smtp
        .messages()
        .pop()
        .expect("delivered")
        .replace("=\r\n", "")
        .replace("=\n", "");
    let prefix = format!("{}/c/", app.address);
    let token: String = message
        .split(&prefix)
        .nth(1)
        .expect("a personal link in the email")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "{message}");
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%' || $1 || '%'")
            .bind(&token)
            .fetch_one(app.db.pool())
            .await
            .expect("count");
    assert_eq!(stored, 0, "the sent token is nowhere in the outbox");

    let postcode = d.postcode.clone();
    let open = |token: String| {
        let postcode = postcode.clone();
        async move {
            let response = app
                .post_form(
                    "/api/verify_link",
                    &[("token", &token), ("postcode", &postcode)],
                    &format!("/c/{token}"),
                )
                .await;
            crate::helpers::location(response.headers())
        }
    };
    assert_eq!(
        open(token.clone()).await,
        "/case",
        "the emailed link opens the case"
    );

    // The case ends (by any path: the trigger is on the state): the emailed link ends with it.
    sqlx::query("UPDATE cases SET state = 'closed', updated_at = $2 WHERE id = $1")
        .bind(case_id)
        .bind(app.clock.now_ms())
        .execute(app.db.pool())
        .await
        .expect("closed");
    assert_ne!(
        open(token).await,
        "/case",
        "an ended case's emailed link no longer opens it"
    );
    let code_still_works = app
        .post_form(
            "/api/verify_reference",
            &[
                ("reference", &d.reference),
                ("access_code", &d.access_code),
                ("postcode", &d.postcode),
            ],
            "/",
        )
        .await;
    assert_eq!(
        crate::helpers::location(code_still_works.headers()),
        "/case",
        "the letter's access code still shows the finished case"
    );
}
on_both_backends!(
    outbox_links,
    no_working_link_rests_in_the_outbox_and_a_link_ends_with_its_case
);
