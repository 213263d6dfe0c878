//! Uploaded documents are scanned by a real ClamAV daemon (clamd) before anything is stored
//! (ASVS 5.4.3 / 12.4.2). The daemon runs per test on a free loopback port with a signature
//! database of our own — the EICAR test string, which every scanner treats as malware — because
//! the official databases come from the internet, which these machines cannot reach.

use crate::helpers::{location, scalar, spawn_app_with, Backend, TestApp};
use reqwest::multipart::{Form, Part};
use std::process::{Child, Command, Stdio};

/// The EICAR anti-virus test string.
const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

pub struct ClamdServer {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for ClamdServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clamd_binary() -> Option<&'static str> {
    ["/usr/sbin/clamd", "clamd"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    })
}

impl ClamdServer {
    /// Starts clamd, or returns `None` (outside CI) when it is not installed.
    pub fn start() -> Option<ClamdServer> {
        let Some(clamd) = clamd_binary() else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must have clamav-daemon for the virus scanning tests"
            );
            eprintln!("clamd is not installed (apt-get install clamav-daemon): skipping this test");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("db");
        std::fs::create_dir(&db).expect("db dir");
        // A body signature (.ndb): the EICAR string anywhere in any file.
        std::fs::write(
            db.join("rapport-test.ndb"),
            format!("Rapport.Test.Eicar:0:*:{}\n", hex::encode(EICAR)),
        )
        .expect("signature");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let conf = dir.path().join("clamd.conf");
        std::fs::write(
            &conf,
            format!(
                "Foreground yes\nDatabaseDirectory {}\nTCPSocket {port}\nTCPAddr 127.0.0.1\nLogFile {}\nStreamMaxLength 12M\n",
                db.display(),
                dir.path().join("clamd.log").display()
            ),
        )
        .expect("config");
        let child = Command::new(clamd)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clamd");
        let server = ClamdServer {
            port,
            child,
            _dir: dir,
        };
        // clamd answers PING once its database is loaded.
        for _ in 0..300 {
            if server.ping() {
                return Some(server);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("clamd did not start within 30 seconds");
    }

    fn ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut reply = [0u8; 5];
        s.write_all(b"zPING\0").is_ok() && s.read_exact(&mut reply).is_ok() && &reply == b"PONG\0"
    }
}

fn pdf(content: &[u8]) -> Part {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend_from_slice(content);
    bytes.extend_from_slice(b"\n%%EOF\n");
    Part::bytes(bytes)
        .file_name("rechnung.pdf")
        .mime_str("application/pdf")
        .expect("mime")
}

async fn send(app: &TestApp, document: Part) -> String {
    let key = app.form_key("/case/message").await;
    let form = Form::new()
        .text("form_key", key)
        .text("body", "Anbei die Rechnung.")
        .part("documents", document);
    let response = app
        .post_multipart("/api/send_message", form, "/case/message")
        .await;
    location(response.headers())
}

async fn malware_is_refused_and_nothing_unscanned_is_stored(backend: Backend) {
    let Some(clamd) = ClamdServer::start() else {
        return;
    };
    let address = format!("tcp://127.0.0.1:{}", clamd.port);
    let Some(app) = spawn_app_with(backend, &[("RAPPORT_CLAMD", &address)]).await else {
        return;
    };
    app.verify_by_link(0).await;

    let back = send(&app, pdf(EICAR)).await;
    assert!(back.contains("__err="), "{back}");
    let html = app.follow(&back).await;
    assert!(
        html.contains("In „rechnung.pdf“ hat unsere Virenprüfung Schadsoftware gefunden."),
        "{html}"
    );
    assert!(html.contains("Anbei die Rechnung."), "the text is kept");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM messages").await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM attachments").await, 0);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'debtor.upload_refused' AND detail LIKE '%Rapport.Test.Eicar%'"
        )
        .await,
        1,
        "the finding is in the case's audit log"
    );

    assert_eq!(
        send(&app, pdf(b"Rechnung 4711")).await,
        "/case/message#sent"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM attachments").await, 1);

    // Without a verdict nothing is stored: the scanner is gone.
    drop(clamd);
    let back = send(&app, pdf(b"Rechnung 4712")).await;
    assert!(back.contains("__err="), "{back}");
    assert!(app
        .follow(&back)
        .await
        .contains("konnten gerade nicht auf Viren geprüft werden"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM attachments").await, 1);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_scanned_on_sqlite() {
    malware_is_refused_and_nothing_unscanned_is_stored(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_scanned_on_postgres() {
    malware_is_refused_and_nothing_unscanned_is_stored(Backend::Postgres).await;
}
