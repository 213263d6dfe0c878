//! The creditor's overview: figures and cases of the own creditor only, filters, the CSV export of
//! the same rows, and moving a running case to another class (owners), which the debtor never sees.

use crate::helpers::{
    case_id, creditor_accounts, scalar, text, Desk, TestApp, OTHER, OWNER, VIEWER,
};
use crate::on_both_backends;
use reqwest::StatusCode;

async fn csv(desk: &Desk<'_>, query: &str) -> (StatusCode, Vec<String>) {
    let response = desk
        .client
        .get(desk.app.url(&format!("/creditor/overview.csv{query}")))
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let body = response.text().await.expect("body");
    (status, body.lines().skip(1).map(str::to_string).collect())
}

async fn the_overview_shows_the_own_cases_filters_them_and_exports_the_same_rows(app: &TestApp) {
    creditor_accounts(app).await;
    let nordlicht = scalar(app, "SELECT MIN(id) FROM creditors").await;
    let cases = scalar(
        app,
        &format!("SELECT COUNT(*) FROM cases WHERE creditor_id = {nordlicht}"),
    )
    .await;
    let strict = scalar(
        app,
        &format!("SELECT COUNT(*) FROM cases c JOIN treatment_classes tc ON tc.id = c.treatment_class_id WHERE c.creditor_id = {nordlicht} AND tc.key = 'strict'"),
    )
    .await;
    assert!(
        strict > 0 && strict < cases,
        "the demo has strict and other cases"
    );

    let viewer = Desk::creditor(app, VIEWER).await;
    let page = viewer.page("/creditor/overview").await;
    assert!(
        page.contains(&format!("Seite 1 von 2 ({cases} Einträge)"))
            || page.contains(&format!("Seite 1 von 1 ({cases} Einträge)"))
    );
    let newest = text(
        app,
        &format!("SELECT reference FROM cases WHERE id = (SELECT MAX(id) FROM cases WHERE creditor_id = {nordlicht})"),
    )
    .await;
    assert!(page.contains(&newest), "the newest case comes first");
    assert!(
        !page.contains("move_case_class"),
        "viewers do not move cases"
    );
    let filtered = viewer.page("/creditor/overview?class=strict").await;
    assert!(filtered.contains(&format!("({strict} Einträge)")));
    let anna = viewer.page("/creditor/overview?q=AKTE-2026-000101").await;
    assert!(anna.contains("(1 Einträge)"), "search by reference");

    let (status, all) = csv(&viewer, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all.len() as i64, cases, "one line per case");
    let (_, only_strict) = csv(&viewer, "?class=strict").await;
    assert_eq!(
        only_strict.len() as i64,
        strict,
        "the same filter as the page"
    );
    assert!(only_strict.iter().all(|l| l.contains(";strict;")));

    let other = Desk::creditor(app, OTHER).await;
    let (status, theirs) = csv(&other, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        theirs.is_empty(),
        "another creditor sees none of these cases"
    );
    assert!(!other
        .page("/creditor/overview")
        .await
        .contains("AKTE-2026-000101"));
    let (status, _) = csv(&Desk::new(app), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no session, no export");
}
on_both_backends!(
    creditor_overview,
    the_overview_shows_the_own_cases_filters_them_and_exports_the_same_rows
);

async fn an_owner_moves_a_running_case_to_another_class(app: &TestApp) {
    creditor_accounts(app).await;
    let case = case_id(app, "AKTE-2026-000101").await;
    let case_arg = case.to_string();
    let fields = [("case_id", case_arg.as_str()), ("class", "strict")];
    assert_eq!(
        Desk::creditor(app, VIEWER)
            .await
            .call("move_case_class", &fields)
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        Desk::creditor(app, OTHER)
            .await
            .call("move_case_class", &fields)
            .await,
        StatusCode::NOT_FOUND,
        "another creditor's case is not found"
    );
    let owner = Desk::creditor(app, OWNER).await;
    assert_eq!(
        owner
            .call(
                "move_case_class",
                &[("case_id", case_arg.as_str()), ("class", "vip")]
            )
            .await,
        StatusCode::NOT_FOUND,
        "no such class"
    );
    let class = |app| async move {
        text(app, &format!("SELECT tc.key FROM cases c JOIN treatment_classes tc ON tc.id = c.treatment_class_id WHERE c.id = {case}")).await
    };
    assert_eq!(class(app).await, "standard");
    assert_eq!(owner.call("move_case_class", &fields).await, StatusCode::OK);
    assert_eq!(class(app).await, "strict");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'case.class_changed'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM case_events WHERE case_id = {case} AND kind = 'class_changed'")).await,
        1
    );

    app.verify_by_link(0).await;
    let timeline = app
        .client
        .post(app.url("/api/get_dialogue"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(timeline.contains("events"), "{timeline}");
    assert!(
        !timeline.contains("class_changed"),
        "the debtor does not see internal treatment"
    );
}
on_both_backends!(case_moves, an_owner_moves_a_running_case_to_another_class);
