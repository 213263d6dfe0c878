//! Hand-over files uploaded in the creditor portal: imported in the background by the CLI import's
//! rules, nothing written when a row is bad unless the valid rows are asked for, the report on the
//! job's page and as a download, and only for the own creditor.

use crate::helpers::{
    creditor_accounts, location, scalar, text, Desk, TestApp, BROWSER_ACCEPT, OTHER, OWNER, VIEWER,
};
use crate::on_both_backends;
use reqwest::header::{ACCEPT, REFERER};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

const FILE: &str = "external_id;customer_number;debtor_name;street;postcode;city;subject;contract_date;due_date;principal
UP-1;K-UP-1;Uta Probe;Weg 1;10115;Berlin;Strom Januar;2026-01-01;2026-02-15;89,90
UP-2;K-UP-2;Udo Probe;Weg 2;1011;Berlin;Strom Februar;2026-02-01;2026-03-15;92,40
UP-3;K-UP-3;Ute Probe;Weg 3;10115;Berlin;Strom März;2026-03-01;2026-04-15;95,00
";

/// Uploads `content` as a browser without JavaScript would; returns the redirect target.
async fn upload(desk: &Desk<'_>, content: &str, partial: bool) -> reqwest::Response {
    let mut form = Form::new().part(
        "file",
        Part::bytes(content.as_bytes().to_vec())
            .file_name("uebergabe.csv")
            .mime_str("text/csv")
            .expect("mime"),
    );
    if partial {
        form = form.text("partial", "yes");
    }
    desk.client
        .post(desk.app.url("/api/upload_claims"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(REFERER, desk.app.url("/creditor/import"))
        .multipart(form)
        .send()
        .await
        .expect("sent")
}

/// Waits until the import `id` has finished; returns its state.
async fn finished(app: &TestApp, id: i64) -> String {
    for _ in 0..200 {
        let state = text(
            app,
            &format!("SELECT state FROM import_jobs WHERE id = {id}"),
        )
        .await;
        if state != "running" {
            return state;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

fn job_id(location: &str) -> i64 {
    location
        .strip_prefix("/creditor/import/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a job page: {location}"))
}

async fn an_uploaded_file_is_imported_whole_or_in_part_with_a_report(app: &TestApp) {
    creditor_accounts(app).await;
    let claims_before = scalar(app, "SELECT COUNT(*) FROM claims").await;
    let viewer = Desk::creditor(app, VIEWER).await;
    let refused = viewer
        .client
        .post(app.url("/api/upload_claims"))
        .multipart(Form::new().part(
            "file",
            Part::bytes(FILE.as_bytes().to_vec()).file_name("a.csv"),
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "viewers do not upload"
    );

    let owner = Desk::creditor(app, OWNER).await;
    let empty = owner
        .client
        .post(app.url("/api/upload_claims"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(REFERER, app.url("/creditor/import"))
        .multipart(Form::new().text("partial", ""))
        .send()
        .await
        .expect("sent");
    assert!(
        location(empty.headers()).contains("__err="),
        "a file is required"
    );

    let whole = upload(&owner, FILE, false).await;
    let id = job_id(&location(whole.headers()));
    assert_eq!(finished(app, id).await, "rejected");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM claims").await,
        claims_before,
        "nothing written"
    );
    let page = owner.page(&format!("/creditor/import/{id}")).await;
    assert!(
        page.contains("Nichts übernommen: 1 Problem in 3 Zeilen."),
        "the result is shown"
    );
    assert!(page.contains("row 3, column postcode: is not a German postcode (five digits)"));

    let part = upload(&owner, FILE, true).await;
    let id = job_id(&location(part.headers()));
    assert_eq!(finished(app, id).await, "done");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM claims").await,
        claims_before + 2
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM claims WHERE external_id = 'UP-2'"
        )
        .await,
        0
    );
    let report = owner
        .client
        .get(app.url(&format!("/creditor/import/{id}/report.txt")))
        .send()
        .await
        .expect("sent");
    assert_eq!(report.status(), StatusCode::OK);
    let report = report.text().await.expect("body");
    assert!(report.starts_with("row 3, column postcode:"), "{report}");
    assert!(report.contains("Imported 2 of 3 claims"), "{report}");

    let again = upload(&owner, FILE, true).await;
    let id_again = job_id(&location(again.headers()));
    assert_eq!(finished(app, id_again).await, "done");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM claims").await,
        claims_before + 2,
        "imported once"
    );

    let list = owner.page("/creditor/import").await;
    assert!(list.contains("uebergabe.csv") && list.contains("Übernommen: 2 von 3 Forderungen"));
    let other = Desk::creditor(app, OTHER).await;
    let theirs = other
        .client
        .get(app.url(&format!("/creditor/import/{id}/report.txt")))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        theirs.status(),
        StatusCode::NOT_FOUND,
        "another creditor's report is not found"
    );
    assert!(!other
        .page("/creditor/import")
        .await
        .contains("uebergabe.csv"));
}
on_both_backends!(
    portal_import,
    an_uploaded_file_is_imported_whole_or_in_part_with_a_report
);

async fn an_import_cut_off_by_a_stop_is_reported_and_left_nothing(app: &TestApp) {
    creditor_accounts(app).await;
    let creditor = scalar(app, "SELECT MIN(id) FROM creditors").await;
    sqlx::query(
        "INSERT INTO import_jobs (creditor_id, filename, partial, state, rows_read, created_at, updated_at)
         VALUES ($1, 'gross.csv', 0, 'running', 4000, $2, $2)",
    )
    .bind(creditor)
    .bind(app.clock_now())
    .execute(app.db.pool())
    .await
    .expect("job");
    assert_eq!(
        app.db
            .fail_interrupted_imports(app.clock_now())
            .await
            .expect("marked"),
        1
    );
    let owner = Desk::creditor(app, OWNER).await;
    let list = owner.page("/creditor/import").await;
    assert!(list.contains("gross.csv") && list.contains("nichts wurde übernommen"));
}
on_both_backends!(
    portal_import_interrupted,
    an_import_cut_off_by_a_stop_is_reported_and_left_nothing
);
