//! The portal as an agency deploys it: behind a reverse proxy, with parallel attackers, on several
//! instances sharing one database. Every limit holds per real client and across instances.

use crate::helpers::{postgres_database, scalar, TestApp};
use crate::on_both_backends;
use reqwest::header::{ACCEPT, RETRY_AFTER};
use reqwest::StatusCode;
use std::process::{Command, Stdio};

const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");

/// How a sign-in by fetch that worked is answered.
const SIGNED_IN: StatusCode = StatusCode::OK;

/// A staff sign-in by fetch (JSON errors, real statuses) as seen by a proxy that forwards
/// `forwarded_for` as the `X-Forwarded-For` header.
async fn sign_in(
    app: &TestApp,
    forwarded_for: &str,
    (email, password): (&str, &str),
) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/staff_login"))
        .header(ACCEPT, "application/json")
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sent")
        .status()
}

/// `n` failed sign-ins to an account that does not exist, the `i`-th forwarded for `from(i)`.
async fn fail_sign_ins(app: &TestApp, n: usize, from: impl Fn(usize) -> String) {
    for i in 0..n {
        let status = sign_in(app, &from(i), ("nobody@demo.example", "wrong-password-1")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

async fn behind_a_trusted_proxy_one_clients_failures_do_not_stop_another(app: &TestApp) {
    fail_sign_ins(app, 60, |_| "198.51.100.7".into()).await;
    assert_eq!(
        sign_in(app, "198.51.100.7", HANDLER).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the client that failed sixty times waits, even with the right password"
    );
    assert_eq!(
        sign_in(app, "203.0.113.9", HANDLER).await,
        SIGNED_IN,
        "another client behind the same proxy signs in"
    );
    assert!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.login_failed' \
             AND detail LIKE '%client_limited%'"
        )
        .await
            >= 40
    );
}

on_both_backends!(
    trusted_proxy,
    behind_a_trusted_proxy_one_clients_failures_do_not_stop_another,
    [("RAPPORT_TRUSTED_PROXIES", "127.0.0.1, ::1")]
);

async fn a_client_rotating_the_left_most_forwarded_address_is_still_one_client(app: &TestApp) {
    fail_sign_ins(app, 20, |i| format!("10.{i}.0.1, 198.51.100.8")).await;
    assert_eq!(
        sign_in(app, "1.1.1.1, 198.51.100.8", HANDLER).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the twenty-first try of the same client is refused whatever it writes on the left"
    );
    assert_eq!(
        sign_in(
            app,
            "1.1.1.1, 2001:db8:7:7:1::1",
            ("nobody@demo.example", "x"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

on_both_backends!(
    rotating_forwarded_for,
    a_client_rotating_the_left_most_forwarded_address_is_still_one_client,
    [("RAPPORT_TRUSTED_PROXIES", "127.0.0.1")]
);

async fn without_trusted_proxies_a_forwarded_header_changes_nothing(app: &TestApp) {
    fail_sign_ins(app, 20, |i| format!("198.51.100.{i}")).await;
    assert_eq!(
        sign_in(app, "203.0.113.200", HANDLER).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the header is the client's own word: the connection's address counts"
    );
}

on_both_backends!(
    untrusted_forwarded_for,
    without_trusted_proxies_a_forwarded_header_changes_nothing
);

async fn ipv6_clients_of_one_64_network_are_one_client(app: &TestApp) {
    fail_sign_ins(app, 20, |i| format!("2001:db8:1:2:{i:x}::1")).await;
    assert_eq!(
        sign_in(app, "2001:db8:1:2:ffff::9", HANDLER).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        sign_in(app, "2001:db8:1:3::9", HANDLER).await,
        SIGNED_IN,
        "the next /64 is another client"
    );
}

on_both_backends!(
    ipv6_prefix,
    ipv6_clients_of_one_64_network_are_one_client,
    [("RAPPORT_TRUSTED_PROXIES", "127.0.0.1")]
);

async fn a_burst_of_parallel_postcodes_on_one_link_gets_five_tries(app: &TestApp) {
    let token = app.token(2);
    let case = app.debtor(2).reference.clone();
    let tries: Vec<_> = (0..300)
        .map(|i| {
            let url = app.url("/api/verify_link");
            let token = token.clone();
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .header(ACCEPT, "application/json")
                    // Each from another client, so that only the case's own limit can stop them.
                    .header("x-forwarded-for", format!("198.51.{}.{}", i / 200, i % 200))
                    .form(&[
                        ("token", token.as_str()),
                        ("postcode", &format!("{:05}", 30_000 + i)),
                    ])
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    for t in tries {
        let status = t.await.expect("task").expect("answered");
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    let compared = scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM audit_log a JOIN cases c ON c.id = a.case_id \
             WHERE c.reference = '{case}' AND a.action = 'debtor.verify' \
             AND a.detail LIKE '%\"failed\"%'"
        ),
    )
    .await;
    assert_eq!(
        compared, 5,
        "five postcodes were compared, the rest refused"
    );
    let right = reqwest::Client::new()
        .post(app.url("/api/verify_link"))
        .header(ACCEPT, "application/json")
        .form(&[
            ("token", token.as_str()),
            ("postcode", app.debtor(2).postcode.as_str()),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(
        right.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right postcode waits for the window's end, too"
    );
}

on_both_backends!(
    parallel_postcodes,
    a_burst_of_parallel_postcodes_on_one_link_gets_five_tries,
    [("RAPPORT_TRUSTED_PROXIES", "127.0.0.1")]
);

async fn a_burst_of_parallel_passwords_on_one_account_gets_five_tries(app: &TestApp) {
    // Thirty at once: more than the five the account allows, fewer than the Argon2 queue holds
    // (the tests of this binary share one queue).
    let tries: Vec<_> = (0..30)
        .map(|i| {
            let url = app.url("/api/staff_login");
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .header(ACCEPT, "application/json")
                    .header("x-forwarded-for", format!("203.0.113.{i}"))
                    .form(&[
                        ("email", HANDLER.0),
                        ("password", &format!("guess-{i:04}-xx")),
                    ])
                    .send()
                    .await
                    .expect("answered")
            })
        })
        .collect();
    for t in tries {
        let response = t.await.expect("task");
        match response.status() {
            StatusCode::UNPROCESSABLE_ENTITY => {}
            StatusCode::SERVICE_UNAVAILABLE => assert!(
                response.headers().contains_key(RETRY_AFTER),
                "a full sign-in queue says when to come back"
            ),
            other => panic!("unexpected {other}"),
        }
    }
    let checked = scalar(
        app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.login_failed' \
         AND detail LIKE '%wrong_password%'",
    )
    .await;
    assert!(
        checked <= 5,
        "{checked} passwords were checked against the account"
    );
    assert_eq!(
        sign_in(app, "192.0.2.1", HANDLER).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the account is locked now"
    );
}

on_both_backends!(
    parallel_passwords,
    a_burst_of_parallel_passwords_on_one_account_gets_five_tries,
    [("RAPPORT_TRUSTED_PROXIES", "127.0.0.1")]
);

async fn a_stranger_with_the_printed_reference_cannot_lock_the_debtor_out(app: &TestApp) {
    let d = app.debtor(4).clone();
    let stranger = |code: &'static str| {
        let reference = d.reference.clone();
        async move {
            reqwest::Client::new()
                .post(app.url("/api/verify_reference"))
                .header(ACCEPT, "application/json")
                .header("x-forwarded-for", "198.51.100.66")
                .form(&[
                    ("reference", reference.as_str()),
                    ("access_code", code),
                    ("postcode", "00000"),
                ])
                .send()
                .await
                .expect("sent")
        }
    };
    let unknown = reqwest::Client::new()
        .post(app.url("/api/verify_reference"))
        .header(ACCEPT, "application/json")
        .header("x-forwarded-for", "198.51.100.67")
        .form(&[
            ("reference", "AKTE-2026-999999"),
            ("access_code", "0000-0000-0000"),
            ("postcode", "00000"),
        ])
        .send()
        .await
        .expect("sent");
    let unknown_status = unknown.status();
    let unknown_body = unknown
        .text()
        .await
        .expect("body")
        .replace("AKTE-2026-999999", "REF");
    for _ in 0..12 {
        let response = stranger("0000-0000-0000").await;
        assert_eq!(
            response.status(),
            unknown_status,
            "a throttled case answers like an unknown reference"
        );
        assert_eq!(
            response
                .text()
                .await
                .expect("body")
                .replace(&d.reference, "REF"),
            unknown_body
        );
    }
    let token = app.token(4);
    let link = app
        .post_form(
            "/api/verify_link",
            &[("token", &token), ("postcode", &d.postcode)],
            &format!("/c/{token}"),
        )
        .await;
    assert_eq!(
        crate::helpers::location(link.headers()),
        "/case",
        "the personal link still opens the case"
    );
    let (_, _, html) = app
        .submit(
            "/api/verify_reference",
            &[
                ("reference", &d.reference),
                ("access_code", &d.access_code),
                ("postcode", &d.postcode),
            ],
            "/",
        )
        .await;
    assert!(
        !html.contains("gesperrt"),
        "and the debtor's own typed code from another address"
    );
}

on_both_backends!(
    no_lockout_by_strangers,
    a_stranger_with_the_printed_reference_cannot_lock_the_debtor_out,
    [("RAPPORT_TRUSTED_PROXIES", "127.0.0.1")]
);

/// A `server` command against `url`.
pub(super) fn server(url: &str, dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("RAPPORT_LOG", "error")
        .env("RAPPORT_SCHEDULER", "off")
        .env("RAPPORT_WEBHOOK_RELAY", "off")
        .env("RAPPORT_DUNNING", "off")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// `server serve` on a free port; the process and its address once it answers.
pub(super) async fn serve(url: &str, dir: &std::path::Path) -> (std::process::Child, String) {
    let mut command = server(url, dir);
    command.arg("serve");
    crate::helpers::serve_on_free_port(command).await
}

async fn status_of(address: &str, (email, password): (&str, &str)) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{address}/api/staff_login"))
        .header(ACCEPT, "application/json")
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sent")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgresql_give_no_more_tries_than_one() {
    let Some((admin, name, url)) = postgres_database().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    for step in ["migrate", "demo"] {
        let ok = tokio::task::block_in_place(|| server(&url, dir.path()).arg(step).status())
            .expect("runs");
        assert!(ok.success(), "server {step}");
    }
    let (mut a, address_a) = serve(&url, dir.path()).await;
    let (mut b, address_b) = serve(&url, dir.path()).await;
    // Ten failures on each instance: twenty from this client in all, its limit.
    for i in 0..10 {
        for address in [&address_a, &address_b] {
            let status = status_of(address, (&format!("nobody{i}@demo.example"), "wrong-1")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    let refused = status_of(&address_b, HANDLER).await;
    let _ = (a.kill(), b.kill());
    let _ = (a.wait(), b.wait());
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("admin connection");
    let _ = sqlx::Executor::execute(
        &mut admin,
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
    )
    .await;
    assert_eq!(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the second instance counts the first one's failures"
    );
}

async fn a_request_id_sent_by_the_client_never_reaches_the_audit_log(app: &TestApp) {
    let response = reqwest::Client::new()
        .post(app.url("/api/verify_link"))
        .header(ACCEPT, "application/json")
        .header("x-request-id", "forged-request-id")
        .form(&[("token", "unknown-token"), ("postcode", "10115")])
        .send()
        .await
        .expect("sent");
    assert_ne!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("forged-request-id"),
        "the answer carries the server's own id"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE request_id = 'forged-request-id'"
        )
        .await,
        0
    );
    assert!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'debtor.verify' AND request_id IS NOT NULL"
        )
        .await
            >= 1,
        "the attempt is audited with the server's id"
    );
}

on_both_backends!(
    request_id,
    a_request_id_sent_by_the_client_never_reaches_the_audit_log
);
