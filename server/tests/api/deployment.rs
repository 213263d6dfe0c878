//! The portal as an agency deploys it: behind a reverse proxy, with parallel attackers, on several
//! instances sharing one database. Every limit holds per real client and across instances.

use crate::helpers::{postgres_database, scalar, TestApp};
use crate::on_both_backends;
use reqwest::cookie::CookieStore;
use reqwest::header::{ACCEPT, RETRY_AFTER};
use reqwest::StatusCode;
use std::process::{Command, Stdio};
use std::time::Duration;

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
fn server(url: &str, dir: &std::path::Path) -> Command {
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
async fn serve(url: &str, dir: &std::path::Path) -> (std::process::Child, String) {
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

/// Sends `head` and then `body_chunks` chunks of `chunk` bytes as a chunked body over a raw
/// connection, stopping when the server stops reading; the status line of the answer.
async fn raw_post(
    address: &str,
    head: &str,
    chunk: impl Fn(usize) -> Vec<u8>,
    body_chunks: usize,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .expect("connects");
    stream.write_all(head.as_bytes()).await.expect("head");
    for i in 0..body_chunks {
        let chunk = chunk(i);
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    String::from_utf8_lossy(&answer[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn a_multipart_form_without_its_boundary_is_a_bad_request(app: &TestApp) {
    for content_type in [None, Some("multipart/form-data"), Some("text/plain")] {
        let mut request = reqwest::Client::new()
            .post(app.url("/api/send_message"))
            .body("x");
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let status = request.send().await.expect("answered").status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type:?}");
    }
}
on_both_backends!(
    multipart_boundary,
    a_multipart_form_without_its_boundary_is_a_bad_request
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_and_many_part_uploads_are_refused_early_and_memory_stays_flat() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("limits.db").display());
    let demo = tokio::task::block_in_place(|| {
        server(&url, dir.path())
            .args(["demo", "--json"])
            .stdout(Stdio::piped())
            .output()
    })
    .expect("demo runs");
    assert!(demo.status.success());
    let demo: serde_json::Value = serde_json::from_slice(&demo.stdout).expect("json");
    let debtor = &demo["debtors"][0];
    let (mut child, address) = serve(&url, dir.path()).await;
    let pid = child.id();
    let peak_kb = || {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .unwrap_or(0)
    };
    // A verified debtor: the only kind of client whose message form reads its body.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let link = debtor["link"].as_str().expect("link");
    let token = link.rsplit('/').next().expect("token");
    let verified = browser
        .post(format!("{address}/api/verify_link"))
        .header(ACCEPT, "text/html")
        .header("referer", format!("{address}/c/{token}"))
        .form(&[
            ("token", token),
            ("postcode", debtor["postcode"].as_str().expect("postcode")),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(crate::helpers::location(verified.headers()), "/case");
    let cookie = jar
        .cookies(&address.parse().expect("url"))
        .and_then(|v| v.to_str().ok().map(str::to_string))
        .expect("session cookie");
    let before = peak_kb();

    // Says it is 5 GB: refused before a byte of it is read.
    let declared = raw_post(
        &address,
        &format!(
            "POST /api/send_message HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000000\r\n\r\n"
        ),
        |_| Vec::new(),
        0,
    )
    .await;
    assert!(declared.contains("413"), "{declared}");

    // Thousands of 64 KB text parts no form has (about 1 GB): refused at the first of them.
    // Each part with its own name, as a map of fields would keep every one of them.
    let part = |i: usize| {
        let mut part =
            format!("--b\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n").into_bytes();
        part.extend(std::iter::repeat_n(b'a', 64_000));
        part.extend_from_slice(b"\r\n");
        part
    };
    let many = raw_post(
        &address,
        &format!(
            "POST /api/send_message HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nAccept: application/json\r\n\
             Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n"
        ),
        part,
        16_000,
    )
    .await;
    // The answer may be lost when the server closes on the unread rest; it is never a success.
    assert!(!many.contains(" 200 "), "{many}");

    // The same without a length, of known fields: cut off at the route's limit while it streams.
    let known = |i: usize| {
        let mut chunk = if i == 0 {
            b"--b\r\nContent-Disposition: form-data; name=\"documents\"; filename=\"a.pdf\"\r\n\r\n"
                .to_vec()
        } else {
            Vec::new()
        };
        chunk.extend(std::iter::repeat_n(b'a', 1024 * 1024));
        chunk
    };
    let long = raw_post(
        &address,
        &format!(
            "POST /api/send_message HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nAccept: application/json\r\n\
             Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n"
        ),
        known,
        1_000,
    )
    .await;
    assert!(!long.contains(" 200 "), "{long}");
    let after = peak_kb();
    let alive = reqwest::get(format!("{address}/healthz"))
        .await
        .map(|r| r.status());
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(alive.ok(), Some(StatusCode::OK), "the server still serves");
    assert!(
        after < before + 150 * 1024,
        "the server's peak memory grew from {before} kB to {after} kB"
    );
}

/// A PostgreSQL server of the test's own with TLS (a certificate for `localhost` signed by a CA
/// the test makes), run as the `postgres` user in a temporary folder; stopped when dropped.
struct TlsPostgres {
    dir: tempfile::TempDir,
    port: u16,
    bin: std::path::PathBuf,
}

impl TlsPostgres {
    fn start() -> TlsPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's programs in /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().to_path_buf();
        let run = |program: &str, args: &[&str]| {
            let out = Command::new(program)
                .args(args)
                .current_dir(&path)
                .output()
                .expect("runs");
            assert!(
                out.status.success(),
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let openssl = |args: &[&str]| run("openssl", args);
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Rapport test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            path.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .expect("extensions");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        // Another CA, which signed nothing of this server.
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Some other CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        run(
            "chown",
            &["-R", "postgres:postgres", path.to_str().expect("path")],
        );
        run("chmod", &["0700", path.to_str().expect("path")]);
        run("chmod", &["0600", "server.key"]);
        let as_postgres = |program: &str, args: &[&str]| {
            let mut all = vec!["-u", "postgres", "--", program];
            all.extend_from_slice(args);
            run("runuser", &all);
        };
        let data = path.join("data");
        let data = data.to_str().expect("path");
        as_postgres(
            bin.join("initdb").to_str().expect("path"),
            &["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = '{}/server.crt'\nssl_key_file = '{}/server.key'\nfsync = off\n",
            path.display(),
            path.display(),
            path.display()
        );
        let mut existing =
            std::fs::read_to_string(path.join("data/postgresql.conf")).expect("conf");
        existing.push_str(&conf);
        std::fs::write(path.join("data/postgresql.conf"), existing).expect("conf");
        as_postgres(
            bin.join("pg_ctl").to_str().expect("path"),
            &[
                "-D",
                data,
                "-l",
                &format!("{}/log", path.display()),
                "-w",
                "start",
            ],
        );
        TlsPostgres { dir, port, bin }
    }

    fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{query}", self.port)
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D"])
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// Connects through the application's own `Db`, migrates and tells whether the session is
/// encrypted.
async fn connect_and_ask_for_tls(url: &str) -> Result<bool, String> {
    let url = server::config::DatabaseUrl::parse(url)?;
    let db = server::db::Db::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(db.pool())
        .await
        .map_err(|e| e.to_string())?;
    db.close().await;
    Ok(ssl)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_postgresql_over_tls_connects_with_require_and_verify_full() {
    if std::env::var("TEST_POSTGRES_URL").is_err() {
        assert!(std::env::var("CI").is_err(), "CI runs the PostgreSQL tests");
        eprintln!("TEST_POSTGRES_URL is not set: skipping the TLS PostgreSQL test");
        return;
    }
    let pg = tokio::task::block_in_place(TlsPostgres::start);
    assert_eq!(
        connect_and_ask_for_tls(&pg.url("127.0.0.1", "sslmode=require")).await,
        Ok(true),
        "sslmode=require encrypts"
    );
    let root = pg.file("ca.pem");
    assert_eq!(
        connect_and_ask_for_tls(&pg.url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={root}")
        ))
        .await,
        Ok(true),
        "verify-full with the provider's root certificate"
    );
    let other = pg.file("other.pem");
    assert!(
        connect_and_ask_for_tls(&pg.url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={other}")
        ))
        .await
        .is_err(),
        "a server whose certificate the given root did not sign is refused"
    );
    assert!(
        connect_and_ask_for_tls(&pg.url("localhost", "sslmode=verify-full"))
            .await
            .is_err(),
        "without its root certificate a private CA is not trusted"
    );
}
