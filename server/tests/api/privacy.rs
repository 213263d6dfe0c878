//! Data protection: the debtor's data as one JSON download for supervisors (Art. 15 GDPR,
//! audited), anonymisation after the retention period with a dry run first, and backup and
//! restore (SQLite `VACUUM INTO`, PostgreSQL `pg_dump`).

use crate::helpers::{case_id, postgres_database, scalar, text, Desk, TestApp};
use crate::on_both_backends;
use reqwest::StatusCode;

const SUPERVISOR: (&str, &str) = ("supervisor@demo.example", "demo-supervisor-2026");
const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");

/// Anna (AKTE-2026-000101) signs in by her link and writes `body` to her case handler.
async fn message_from_anna(app: &TestApp, body: &str) {
    app.verify_by_link(0).await;
    let key = app.form_key("/case/message").await;
    app.post_multipart(
        "/api/send_message",
        reqwest::multipart::Form::new()
            .text("form_key", key)
            .text("body", body.to_string()),
        "/case/message",
    )
    .await;
}

async fn a_supervisor_downloads_everything_held_about_a_debtor_and_it_is_audited(app: &TestApp) {
    message_from_anna(app, "Ich zahle nächste Woche.").await;
    let case = case_id(app, "AKTE-2026-000101").await;
    let path = format!("/staff/cases/{case}/personal-data.json");
    let handler = Desk::signed_in(app, HANDLER).await;
    let refused = handler
        .client
        .get(app.url(&path))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "handlers cannot export"
    );
    assert!(!handler
        .page(&format!("/staff/cases/{case}"))
        .await
        .contains("personal-data.json"));
    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    assert!(supervisor
        .page(&format!("/staff/cases/{case}"))
        .await
        .contains("personal-data.json"));
    let response = supervisor
        .client
        .get(app.url(&path))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .expect("header")
        .contains("attachment"));
    let doc: serde_json::Value = response.json().await.expect("json");
    assert_eq!(doc["person"]["name"], app.debtor(0).name.as_str());
    assert_eq!(doc["person"]["postcode"], app.debtor(0).postcode.as_str());
    let first = &doc["cases"][0];
    assert_eq!(first["case"]["reference"], "AKTE-2026-000101");
    assert!(first["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .any(|m| m["text"] == "Ich zahle nächste Woche."));
    assert!(!first["claim_items"].as_array().expect("items").is_empty());
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'debtor.exported' AND case_id = {case} AND actor_kind = 'staff'")
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.viewed' AND case_id = {case} AND actor_kind = 'staff'")
        )
        .await,
        2,
        "each look at the case page by staff is recorded"
    );
    let nobody = Desk::new(app);
    assert_eq!(
        nobody
            .client
            .get(app.url(&path))
            .send()
            .await
            .expect("sent")
            .status(),
        StatusCode::NOT_FOUND
    );
    let missing = supervisor
        .client
        .get(app.url("/staff/cases/999999/personal-data.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
on_both_backends!(
    personal_data_export,
    a_supervisor_downloads_everything_held_about_a_debtor_and_it_is_audited
);

fn ms(day: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .expect("day")
        .and_hms_opt(12, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp_millis()
}

async fn anonymisation_removes_the_person_keeps_the_books_and_a_dry_run_changes_nothing(
    app: &TestApp,
) {
    message_from_anna(app, "Meine Adresse hat sich geändert.").await;
    // AKTE-2026-000101 ended in 2018; AKTE-2026-000102 ended in 2023 (inside the period);
    // the others are running.
    for (reference, day) in [
        ("AKTE-2026-000101", "2018-06-01"),
        ("AKTE-2026-000102", "2023-06-01"),
    ] {
        let at = ms(day);
        sqlx::query("UPDATE cases SET state = 'closed', updated_at = $2 WHERE reference = $1")
            .bind(reference)
            .bind(at)
            .execute(app.db.pool())
            .await
            .expect("closed");
        sqlx::query(
            "INSERT INTO case_events (case_id, occurred_at, actor_kind, kind, detail, created_at, updated_at)
             SELECT id, $2, 'staff', 'written_off', '{\"note\":\"uneinbringlich\"}', $2, $2 FROM cases WHERE reference = $1",
        )
        .bind(reference)
        .bind(at)
        .execute(app.db.pool())
        .await
        .expect("event");
    }
    // A creditor's comment on the case and what the customer bought later: about the person.
    sqlx::query(
        "INSERT INTO consent_decisions (case_id, approved, comment, submission_key, created_at, updated_at)
         SELECT id, 0, 'Kunde ist schwer krank', 'privacy-consent', 1, 1 FROM cases WHERE reference = 'AKTE-2026-000101'",
    )
    .execute(app.db.pool())
    .await
    .expect("a decision");
    sqlx::query(
        "INSERT INTO customer_activities (creditor_id, debtor_id, event_id, kind, occurred_on, created_at, updated_at)
         SELECT creditor_id, debtor_id, 'privacy-order', 'order', '2019-01-01', 1, 1 FROM cases WHERE reference = 'AKTE-2026-000101'",
    )
    .execute(app.db.pool())
    .await
    .expect("an activity");
    let name = app.debtor(0).name.clone();
    let paid_before = scalar(
        app,
        "SELECT COALESCE(CAST(SUM(p.amount_minor) AS BIGINT), 0) FROM payments p JOIN cases c ON c.id = p.case_id WHERE c.reference = 'AKTE-2026-000101'",
    )
    .await;
    let cutoff = ms("2020-01-01");
    let now = app.clock_now();
    let dry = server::privacy::erase(&app.db, cutoff, now, true)
        .await
        .expect("dry run");
    assert_eq!(dry.debtors, vec![vec!["AKTE-2026-000101".to_string()]]);
    assert_eq!(dry.messages, 1);
    assert!(dry.render().contains("nothing was changed (dry run)"));
    assert_eq!(
        text(app, "SELECT d.name FROM debtors d JOIN cases c ON c.debtor_id = d.id WHERE c.reference = 'AKTE-2026-000101'").await,
        name,
        "a dry run changes nothing"
    );

    let done = server::privacy::erase(&app.db, cutoff, now, false)
        .await
        .expect("erase");
    assert_eq!(done.debtors.len(), 1);
    let person = text(
        app,
        "SELECT d.name || '|' || d.street || '|' || d.postcode || '|' || COALESCE(d.email, '') || '|' || d.customer_number
         FROM debtors d JOIN cases c ON c.debtor_id = d.id WHERE c.reference = 'AKTE-2026-000101'",
    )
    .await;
    assert!(person.starts_with("[gelöscht]|||"), "{person}");
    assert!(person.contains("|erased-"));
    assert_eq!(
        text(app, "SELECT m.body FROM messages m JOIN cases c ON c.id = m.case_id WHERE c.reference = 'AKTE-2026-000101'").await,
        "[gelöscht]"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM access_credentials a JOIN cases c ON c.id = a.case_id WHERE c.reference = 'AKTE-2026-000101'").await,
        0,
        "the old letter opens nothing any more"
    );
    assert_eq!(
        text(app, "SELECT e.detail FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.reference = 'AKTE-2026-000101' AND e.kind = 'written_off'").await,
        "{}"
    );
    assert_eq!(
        text(app, "SELECT d.comment FROM consent_decisions d JOIN cases c ON c.id = d.case_id WHERE c.reference = 'AKTE-2026-000101'").await,
        "[gelöscht]",
        "the creditor's comment goes too"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM customer_activities WHERE event_id = 'privacy-order'"
        )
        .await,
        0,
        "and what the customer bought"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COALESCE(CAST(SUM(p.amount_minor) AS BIGINT), 0) FROM payments p JOIN cases c ON c.id = p.case_id WHERE c.reference = 'AKTE-2026-000101'",
        )
        .await,
        paid_before,
        "the books keep their amounts"
    );
    assert_eq!(
        text(app, "SELECT d.name FROM debtors d JOIN cases c ON c.debtor_id = d.id WHERE c.reference = 'AKTE-2026-000102'").await,
        app.debtor(1).name,
        "a case that ended inside the period is kept"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'debtor.anonymised'"
        )
        .await,
        1
    );
    let again = server::privacy::erase(&app.db, cutoff, now, false)
        .await
        .expect("again");
    assert!(again.debtors.is_empty(), "anonymised once");
    let staff = Desk::signed_in(app, SUPERVISOR).await;
    let case = case_id(app, "AKTE-2026-000101").await;
    assert!(
        !staff
            .page(&format!("/staff/cases/{case}"))
            .await
            .contains(&name),
        "the staff pages show the anonymised case without the name"
    );
}
on_both_backends!(
    anonymisation,
    anonymisation_removes_the_person_keeps_the_books_and_a_dry_run_changes_nothing
);

fn server() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_LOG", "error");
    cmd
}

async fn count_cases(url: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

#[tokio::test]
async fn a_sqlite_backup_is_a_complete_database_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let seeded = server()
        .env("DATABASE_URL", &url)
        .args(["demo", "--json"])
        .output()
        .expect("runs");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let copy = dir.path().join("backup.db");
    let copy_arg = copy.display().to_string();
    let backup = server()
        .env("DATABASE_URL", &url)
        .args(["backup", "--out", &copy_arg])
        .output()
        .expect("runs");
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the copy is for its owner only");
    }
    // Restoring is using the copy: the portal starts on it with every case.
    let restored = format!("sqlite://{}", copy.display());
    let migrated = server()
        .env("DATABASE_URL", &restored)
        .arg("migrate")
        .output()
        .expect("runs");
    assert!(migrated.status.success());
    assert_eq!(count_cases(&restored).await, 26);
    let twice = server()
        .env("DATABASE_URL", &url)
        .args(["backup", "--out", &copy_arg])
        .output()
        .expect("runs");
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("never overwrites"));
}

#[tokio::test]
async fn a_postgres_dump_restores_into_an_empty_database() {
    let Some((admin, name, url)) = postgres_database().await else {
        return;
    };
    let seeded = server()
        .env("DATABASE_URL", &url)
        .args(["demo", "--json"])
        .output()
        .expect("runs");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let dump = tempfile::NamedTempFile::new().expect("file");
    let dumped = std::process::Command::new("pg_dump")
        .args(["--no-owner", "--format=custom", "--file"])
        .arg(dump.path())
        .arg(&url)
        .output()
        .expect("pg_dump runs");
    assert!(
        dumped.status.success(),
        "{}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    let (_, restored_name, restored_url) = postgres_database().await.expect("second database");
    let restored = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--dbname"])
        .arg(&restored_url)
        .arg(dump.path())
        .output()
        .expect("pg_restore runs");
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert_eq!(count_cases(&restored_url).await, 26);
    let pool = sqlx::AnyPool::connect(&admin).await.expect("admin");
    for db in [name, restored_name] {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .execute(&pool)
            .await;
    }
}

async fn the_audit_trail_cannot_be_changed_or_removed(app: &TestApp) {
    app.verify_by_link(0).await;
    let before = scalar(app, "SELECT COUNT(*) FROM audit_log").await;
    assert!(before > 0);
    for sql in [
        "UPDATE audit_log SET detail = '{}'",
        "DELETE FROM audit_log",
    ] {
        let refused = sqlx::query(sql).execute(app.db.pool()).await;
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.to_string().contains("append-only")),
            "{sql}: {refused:?}"
        );
    }
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM audit_log").await, before);
}
on_both_backends!(
    audit_append_only,
    the_audit_trail_cannot_be_changed_or_removed
);

async fn every_document_download_and_creditor_export_is_audited(app: &TestApp) {
    crate::helpers::creditor_accounts(app).await;
    let now = app.clock_now();
    let attachment: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (case_id, owner_kind, owner_id, filename, content_type, size_bytes, sha256, content, created_at, updated_at)
         SELECT id, 'message', 0, 'beleg.pdf', 'application/pdf', 4, 'x', $1, $2, $2 FROM cases
         WHERE reference = 'AKTE-2026-000101' RETURNING id",
    )
    .bind(b"%PDF".to_vec())
    .bind(now)
    .fetch_one(app.db.pool())
    .await
    .expect("a document");
    let handler =
        crate::helpers::Desk::signed_in(app, ("handler@demo.example", "demo-handler-2026")).await;
    let got = handler
        .client
        .get(app.url(&format!("/staff/documents/{attachment}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(got.status(), reqwest::StatusCode::OK);
    let owner = crate::helpers::Desk::creditor(app, crate::helpers::OWNER).await;
    for path in ["/creditor/overview.csv", "/creditor/retention.csv"] {
        let got = owner.client.get(app.url(path)).send().await.expect("sent");
        assert_eq!(got.status(), reqwest::StatusCode::OK, "{path}");
    }
    for (action, n) in [
        ("document.downloaded", 1),
        ("overview.exported", 1),
        ("retention.exported", 1),
    ] {
        assert_eq!(
            crate::helpers::scalar(
                app,
                &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")
            )
            .await,
            n,
            "{action}"
        );
    }
}
crate::on_both_backends!(
    downloads_audited,
    every_document_download_and_creditor_export_is_audited
);
