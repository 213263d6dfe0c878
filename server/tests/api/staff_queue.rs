//! The queue over HTTP: its order and pages, accounts and templates made by supervisors, the digest.

use super::staff::{HANDLER, SUPERVISOR};
use crate::helpers::{case_id, location, text, Desk, TestApp};
use crate::on_both_backends;
use reqwest::multipart::Form;

async fn supervisors_create_accounts_and_templates_render_for_a_real_case(app: &TestApp) {
    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    let short = supervisor
        .post(
            "/api/create_staff_account",
            &[
                ("email", "neu@demo.example"),
                ("display_name", "Neu"),
                ("role", "handler"),
                ("password", "kurz"),
            ],
        )
        .await;
    assert!(location(short.headers()).contains("__err="));
    let created = supervisor
        .post(
            "/api/create_staff_account",
            &[
                ("email", "Neu@Demo.example"),
                ("display_name", "Nora Neu"),
                ("role", "handler"),
                ("password", "ein langes passwort"),
            ],
        )
        .await;
    assert_eq!(location(created.headers()), "/staff/team?done=created");
    let again = supervisor
        .post(
            "/api/create_staff_account",
            &[
                ("email", "neu@demo.example"),
                ("display_name", "Nora"),
                ("role", "handler"),
                ("password", "ein langes passwort"),
            ],
        )
        .await;
    assert!(
        location(again.headers()).contains("__err="),
        "an email is used once"
    );
    Desk::signed_in(app, ("neu@demo.example", "ein langes passwort")).await;

    let bad = supervisor
        .post(
            "/api/save_template",
            &[
                ("key", "danke"),
                ("language", "de"),
                ("class_key", ""),
                ("title", "Danke"),
                ("body", "Hallo {nmae}"),
            ],
        )
        .await;
    assert!(
        location(bad.headers()).contains("__err="),
        "an unknown placeholder is refused"
    );
    let saved = supervisor
        .post(
            "/api/save_template",
            &[
                ("key", "danke"),
                ("language", "de"),
                ("class_key", ""),
                ("title", "Danke"),
                ("body", "Guten Tag {name}, offen sind {balance}."),
            ],
        )
        .await;
    assert_eq!(location(saved.headers()), "/staff/templates?done=saved");
    let preview = supervisor
        .page("/staff/templates?preview_reference=AKTE-2026-000101&preview_body=Guten+Tag+%7Bname%7D%2C+offen+sind+%7Bbalance%7D.")
        .await;
    let name = &app.debtor(0).name;
    assert!(
        preview.contains(&format!("Guten Tag {name}, offen sind 272,23 €.")),
        "{preview}"
    );
    let case = case_id(app, "AKTE-2026-000101").await;
    let handler = Desk::signed_in(app, HANDLER).await;
    assert!(handler
        .page(&format!("/staff/cases/{case}"))
        .await
        .contains(&format!("Guten Tag {name}")));
    let chosen = handler
        .page(&format!("/staff/cases/{case}?template=danke"))
        .await;
    let reply = chosen
        .split(r#"name="body""#)
        .nth(1)
        .and_then(|rest| rest.split("</textarea>").next())
        .expect("the reply field");
    assert!(
        reply.contains(&format!("Guten Tag {name}, offen sind 272,23 €.")),
        "the chosen template is put into the reply: {reply}"
    );
}

on_both_backends!(
    accounts_and_templates,
    supervisors_create_accounts_and_templates_render_for_a_real_case
);

async fn the_queue_is_ordered_by_deadline_then_importance_then_key_accounts_and_paginated(
    app: &TestApp,
) {
    // AKTE-…101 standard, …103 key account, …104 standard, …105 standard.
    let now = app.clock_now();
    let items = [
        ("AKTE-2026-000101", "message", now + 7_200_000),
        ("AKTE-2026-000104", "message", now + 3_600_000),
        ("AKTE-2026-000103", "message", now + 3_600_000),
        ("AKTE-2026-000105", "dispute", now + 3_600_000),
    ];
    for (reference, kind, due) in items {
        sqlx::query(
            "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at)
             SELECT id, $2, $3, $4, $4 FROM cases WHERE reference = $1",
        )
        .bind(reference)
        .bind(kind)
        .bind(due)
        .bind(now)
        .execute(app.db.pool())
        .await
        .expect("work item");
    }
    let desk = Desk::signed_in(app, HANDLER).await;
    let html = desk.page("/staff").await;
    let order: Vec<usize> = [
        "AKTE-2026-000105",
        "AKTE-2026-000103",
        "AKTE-2026-000104",
        "AKTE-2026-000101",
    ]
    .iter()
    .map(|r| html.find(r).unwrap_or_else(|| panic!("{r} listed")))
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "dispute, key account, standard, later: {order:?}"
    );
    assert!(html.contains("in 1 Std.") && html.contains("in 2 Std."));
    let filtered = desk.page("/staff?kind=dispute").await;
    assert!(filtered.contains("AKTE-2026-000105") && !filtered.contains("AKTE-2026-000101"));
    let key_accounts = desk.page("/staff?class=key_account").await;
    assert!(
        key_accounts.contains("AKTE-2026-000103") && !key_accounts.contains("AKTE-2026-000104")
    );
    // The creditor moves …104 to the key accounts: its open item moves ahead of …103's (same
    // due time and kind, older item).
    sqlx::query(
        "UPDATE cases SET treatment_class_id =
             (SELECT tc.id FROM treatment_classes tc WHERE tc.creditor_id = cases.creditor_id AND tc.key = 'key_account')
         WHERE reference = 'AKTE-2026-000104'",
    )
    .execute(app.db.pool())
    .await
    .expect("move the case");
    let moved = desk.page("/staff").await;
    let at = |r: &str| moved.find(r).unwrap_or_else(|| panic!("{r} listed"));
    assert!(
        at("AKTE-2026-000105") < at("AKTE-2026-000104")
            && at("AKTE-2026-000104") < at("AKTE-2026-000103"),
        "a case moved to the key accounts is ranked as one"
    );
    // 30 more items: the first page shows 25 and links to the second.
    for _ in 0..30 {
        sqlx::query(
            "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at)
             SELECT id, 'message', $1, $1, $1 FROM cases WHERE reference = 'AKTE-2026-000106'",
        )
        .bind(now + 86_400_000)
        .execute(app.db.pool())
        .await
        .expect("work item");
    }
    let first = desk.page("/staff").await;
    assert!(first.contains("Seite 1 von 2 (34 Einträge)") && first.contains("page=2"));
    let second = desk.page("/staff?page=2").await;
    assert!(second.contains("Seite 2 von 2") && second.matches("AKTE-2026-000106").count() >= 9);
    app.advance(3 * 3_600_000);
    let desk = Desk::signed_in(app, HANDLER).await;
    assert!(
        desk.page("/staff").await.contains("seit 2 Std. überfällig"),
        "overdue items say so"
    );
}

on_both_backends!(
    queue_order,
    the_queue_is_ordered_by_deadline_then_importance_then_key_accounts_and_paginated
);

async fn the_databases_queue_rank_follows_the_importance_of_every_kind(app: &TestApp) {
    use app::domain::work::ALL_KINDS;
    // The migration's triggers spell out WorkKind::importance in SQL; they must agree with it.
    let now = app.clock_now();
    for kind in ALL_KINDS {
        sqlx::query(
            "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at)
             SELECT id, $2, $3, $3, $3 FROM cases WHERE reference = $1",
        )
        .bind("AKTE-2026-000101")
        .bind(kind.code())
        .bind(now)
        .execute(app.db.pool())
        .await
        .expect("work item");
    }
    let ranks: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT kind, queue_rank, agency_id FROM work_items ORDER BY queue_rank, id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("ranks");
    let agency: i64 = sqlx::query_scalar(
        "SELECT cr.agency_id FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
         WHERE c.reference = 'AKTE-2026-000101'",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("agency");
    assert_eq!(ranks.len(), ALL_KINDS.len());
    for (kind, rank, item_agency) in ranks {
        let k = app::domain::work::WorkKind::from_code(&kind).expect("known kind");
        assert_eq!(
            rank,
            2 * i64::from(k.importance()) + 1,
            "{kind} (standard class)"
        );
        assert_eq!(item_agency, Some(agency), "{kind} carries its agency");
    }
}

on_both_backends!(
    queue_rank,
    the_databases_queue_rank_follows_the_importance_of_every_kind
);

async fn handlers_who_ask_for_it_get_one_digest_a_day_from_seven(app: &TestApp) {
    use app::server::handling::queue_digests;
    let desk = Desk::signed_in(app, HANDLER).await;
    let on = desk.post("/api/set_digest", &[("on", "1")]).await;
    assert_eq!(location(on.headers()), "/staff/account?done=digest");
    let at = |s: &str| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("time")
            .and_utc()
            .timestamp_millis()
    };
    // Nothing in the queue: no empty digest.
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 08:00"), &app.address).await,
        Ok(0)
    );
    app.verify_by_link(0).await;
    let key = app.form_key("/case/message").await;
    app.post_multipart(
        "/api/send_message",
        Form::new()
            .text("form_key", key)
            .text("body", "Bitte um Rückruf"),
        "/case/message",
    )
    .await;
    // 05:30 UTC is 06:30 in Berlin: too early.
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 05:30"), &app.address).await,
        Ok(0)
    );
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 06:30"), &app.address).await,
        Ok(1)
    );
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 09:00"), &app.address).await,
        Ok(0),
        "one per day"
    );
    let payload = text(
        app,
        "SELECT payload FROM outbox WHERE dedupe_key LIKE 'digest:%'",
    )
    .await;
    assert!(
        payload.contains("AKTE-2026-000101") && payload.contains("handler@demo.example"),
        "{payload}"
    );
    assert_eq!(
        queue_digests(&app.db, at("2026-11-24 07:01"), &app.address).await,
        Ok(1),
        "the next day"
    );
    desk.post("/api/set_digest", &[("on", "0")]).await;
    assert_eq!(
        queue_digests(&app.db, at("2026-11-25 07:01"), &app.address).await,
        Ok(0),
        "turned off"
    );
}

on_both_backends!(
    queue_digest,
    handlers_who_ask_for_it_get_one_digest_a_day_from_seven
);
