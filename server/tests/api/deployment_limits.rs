//! Body limits as deployed: malformed multipart forms and huge or many-part uploads are refused early.

use super::deployment::{serve, server};
use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::cookie::CookieStore;
use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use std::process::Stdio;
use std::time::Duration;

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
