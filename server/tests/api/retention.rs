//! The retention dashboard over HTTP: figures from the creditor's own ended cases and the activity
//! it uploaded (checked against numbers worked out by hand), charts with their tables, the CSV,
//! the all-or-nothing activity upload, tenancy, and the debtor's fairness answer.

use crate::helpers::{
    creditor_accounts, location, scalar, text, Desk, TestApp, BROWSER_ACCEPT, OTHER, OWNER, VIEWER,
};
use crate::on_both_backends;
use reqwest::header::{ACCEPT, REFERER};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

const DAY: i64 = 86_400_000;

/// Ends the case `reference` `days_ago` days before the test clock's now: paid in full (a
/// payment of what is owed) or written off.
async fn end_case(app: &TestApp, reference: &str, paid: bool, days_ago: i64) {
    let at = app.clock_now() - days_ago * DAY;
    let case = scalar(
        app,
        &format!("SELECT id FROM cases WHERE reference = '{reference}'"),
    )
    .await;
    if paid {
        let owed = scalar(
            app,
            &format!(
                "SELECT CAST(SUM(i.amount_minor) AS BIGINT) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id WHERE cl.case_id = {case}"
            ),
        )
        .await;
        sqlx::query(
            "INSERT INTO payments (case_id, amount_minor, currency, value_date, method, created_at, updated_at)
             VALUES ($1, $2, 'EUR', '2026-01-01', 'transfer', $3, $3)",
        )
        .bind(case)
        .bind(owed)
        .bind(at)
        .execute(app.db.pool())
        .await
        .expect("payment");
    }
    sqlx::query("UPDATE cases SET state = 'closed', updated_at = $2 WHERE id = $1")
        .bind(case)
        .bind(at)
        .execute(app.db.pool())
        .await
        .expect("closed");
    sqlx::query(
        "INSERT INTO case_events (case_id, occurred_at, actor_kind, kind, detail, created_at, updated_at)
         VALUES ($1, $2, 'system', $3, '{}', $2, $2)",
    )
    .bind(case)
    .bind(at)
    .bind(if paid { "case_closed" } else { "written_off" })
    .execute(app.db.pool())
    .await
    .expect("event");
}

async fn customer(app: &TestApp, reference: &str) -> String {
    text(
        app,
        &format!(
            "SELECT d.customer_number FROM debtors d JOIN cases c ON c.debtor_id = d.id WHERE c.reference = '{reference}'"
        ),
    )
    .await
}

/// The day `days` after the case that ended `ended_days_ago` days ago, as `YYYY-MM-DD`.
fn day_after(app: &TestApp, ended_days_ago: i64, days: i64) -> String {
    chrono::DateTime::from_timestamp_millis(app.clock_now() + (days - ended_days_ago) * DAY)
        .expect("date")
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

async fn upload(desk: &Desk<'_>, content: &str) -> reqwest::Response {
    desk.client
        .post(desk.app.url("/api/upload_activities"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(REFERER, desk.app.url("/creditor/retention"))
        .multipart(
            Form::new().part(
                "file",
                Part::bytes(content.as_bytes().to_vec())
                    .file_name("aktivitaet.csv")
                    .mime_str("text/csv")
                    .expect("mime"),
            ),
        )
        .send()
        .await
        .expect("sent")
}

async fn csv(desk: &Desk<'_>, query: &str) -> (StatusCode, String) {
    let response = desk
        .client
        .get(desk.app.url(&format!("/creditor/retention.csv{query}")))
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

async fn figures_rest_on_the_creditors_own_ended_cases_and_reported_activity(app: &TestApp) {
    creditor_accounts(app).await;
    // Three cases ended paid 200 days ago, one was written off 200 days ago.
    for reference in ["AKTE-2026-000101", "AKTE-2026-000102", "AKTE-2026-000103"] {
        end_case(app, reference, true, 200).await;
    }
    end_case(app, "AKTE-2026-000104", false, 200).await;
    let (a, b, d) = (
        customer(app, "AKTE-2026-000101").await,
        customer(app, "AKTE-2026-000102").await,
        customer(app, "AKTE-2026-000104").await,
    );

    let owner = Desk::creditor(app, OWNER).await;
    let empty = owner.page("/creditor/retention").await;
    assert!(empty.contains("noch kein Fall so lange beendet"));

    // A file with problems stores nothing and names row and column.
    let bad = format!(
        "event_id;customer_number;kind;date;amount\n\
         e1;{a};order;{};120,00\n\
         e2;K-UNBEKANNT;order;{};\n\
         e3;{b};subscription;{};\n",
        day_after(app, 200, 30),
        day_after(app, 200, 40),
        day_after(app, 200, 50),
    );
    let rejected = upload(&owner, &bad).await;
    assert_eq!(
        location(rejected.headers()),
        "/creditor/retention#activity-result"
    );
    let page = owner.page("/creditor/retention").await;
    assert!(page.contains("Nichts gespeichert"), "{page}");
    assert!(page.contains("row 4, column kind"), "{page}");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM customer_activities").await,
        0,
        "nothing partial"
    );
    let unknown = format!(
        "event_id,customer_number,kind,date\ne2,K-UNBEKANNT,order,{}\n",
        day_after(app, 200, 40)
    );
    upload(&owner, &unknown).await;
    assert!(owner.page("/creditor/retention").await.contains(
        "row 2, column customer_number: no debtor of this creditor has this customer number"
    ));

    // Debtor A orders 30 days after (retained at 90 and 180 days), debtor B renews 150 days
    // after for 80.00 (retained at 180 days only), debtor C does nothing; D (written off)
    // orders 20 days after.
    let good = format!(
        "event_id;customer_number;kind;date;amount\n\
         e1;{a};order;{};120,00\n\
         e4;{b};renewal;{};80,00\n\
         e5;{b};paid_on_time;{};\n\
         e6;{d};order;{};\n",
        day_after(app, 200, 30),
        day_after(app, 200, 150),
        day_after(app, 200, 160),
        day_after(app, 200, 20),
    );
    upload(&owner, &good).await;
    let page = owner.page("/creditor/retention").await;
    assert!(
        page.contains("Gespeichert: 4 neue Ereignisse, 0 waren schon gemeldet."),
        "{page}"
    );
    upload(&owner, &good).await;
    assert!(
        owner
            .page("/creditor/retention")
            .await
            .contains("Gespeichert: 0 neue Ereignisse, 4 waren schon gemeldet."),
        "a repeated file changes nothing"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM customer_activities").await,
        4
    );

    let page = owner.page("/creditor/retention").await;
    // Paid: 3 cases; at 90 days 1 of 3 (A), at 180 days 2 of 3 (A, B); 365 days not reached.
    assert!(page.contains("1 von 3 (33,3 %)"), "{page}");
    assert!(page.contains("2 von 3 (66,7 %)"));
    assert!(page.contains("nicht aussagekräftig (unter 10 Fälle)"));
    // Written off: 1 case, retained at 90 days (D).
    assert!(page.contains("1 von 1 (100,0 %)"));
    // Revenue after the paid cases: 120.00 + 80.00.
    assert!(page.contains("200,00"), "revenue after");
    for chart in ["chart-cohorts", "chart-classes", "chart-reasons"] {
        assert!(
            page.contains(&format!(
                "id=\"{chart}\" role=\"img\" aria-labelledby=\"{chart}-title {chart}-desc\""
            )),
            "{chart} is an accessible image"
        );
    }
    for table in [
        "table-cohorts",
        "table-classes",
        "table-reasons",
        "table-paths",
    ] {
        assert!(page.contains(&format!("id=\"{table}\"")), "{table}");
    }

    let (status, body) = csv(&owner, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("breakdown;group;cases;window_days;cases_in_window;retained;retained_percent;significant;revenue_after_eur"));
    assert!(
        body.contains("outcome;paid;3;90;3;1;33,3;no;200,00"),
        "{body}"
    );
    assert!(body.contains("outcome;paid;3;180;3;2;66,7;no;200,00"));
    assert!(body.contains("outcome;paid;3;365;0;0;;no;200,00"));
    assert!(body.contains("outcome;other;1;90;1;1;100,0;no;0,00"));
    // AKTE-2026-000102 (debtor B) is the only strict case: renewed after 150 days.
    let (_, filtered) = csv(&owner, "?class=strict").await;
    assert!(
        filtered.contains("outcome;paid;1;90;1;0;0,0;no;80,00")
            && filtered.contains("outcome;paid;1;180;1;1;100,0;no;80,00"),
        "the class filter applies: {filtered}"
    );
    let (_, before) = csv(&owner, "?to=2000-01-01").await;
    assert!(
        before.contains("outcome;paid;0;90;0;0"),
        "the period applies"
    );
    assert!(owner
        .page("/creditor/retention?from=gestern")
        .await
        .contains("Bitte ein Datum im Format JJJJ-MM-TT angeben"));

    // Tenancy: another creditor sees none of it; without a session the CSV does not exist.
    let other = Desk::creditor(app, OTHER).await;
    let theirs = other.page("/creditor/retention").await;
    assert!(theirs.contains("Im gewählten Zeitraum ist noch kein Fall beendet"));
    assert!(!theirs.contains("33,3 %"));
    let (_, their_csv) = csv(&other, "").await;
    assert!(their_csv.contains("outcome;paid;0;90;0;0"));
    assert_eq!(csv(&Desk::new(app), "").await.0, StatusCode::NOT_FOUND);
    let viewer = Desk::creditor(app, VIEWER).await;
    assert!(viewer.page("/creditor/retention").await.contains("33,3 %"));
    let refused = viewer
        .client
        .post(app.url("/api/upload_activities"))
        .multipart(Form::new().part("file", Part::bytes(good.into_bytes()).file_name("a.csv")))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "viewers only look");
}
on_both_backends!(
    retention_dashboard,
    figures_rest_on_the_creditors_own_ended_cases_and_reported_activity
);

async fn a_debtor_answers_the_fairness_question_once_after_the_case_ended(app: &TestApp) {
    creditor_accounts(app).await;
    app.verify_by_link(0).await;
    let answer = |score: &'static str| [("score", score), ("comment", "Freundlich und klar.")];
    let early = app
        .client
        .post(app.url("/api/answer_fairness"))
        .form(&answer("4"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        early.status(),
        StatusCode::CONFLICT,
        "asked only once the case has ended"
    );
    assert!(!app
        .page("/case")
        .await
        .contains("Wie fair wurden Sie behandelt?"));
    end_case(app, "AKTE-2026-000101", true, 1).await;
    assert!(app
        .page("/case")
        .await
        .contains("Wie fair wurden Sie behandelt?"));
    let no_score = app
        .client
        .post(app.url("/api/answer_fairness"))
        .form(&[("comment", "")])
        .send()
        .await
        .expect("sent");
    assert_eq!(no_score.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answered = app
        .post_form("/api/answer_fairness", &answer("4"), "/case")
        .await;
    assert_eq!(location(answered.headers()), "/case?done=fairness#fairness");
    app.post_form("/api/answer_fairness", &answer("1"), "/case")
        .await;
    assert_eq!(
        text(
            app,
            "SELECT CAST(score AS TEXT) || ':' || comment FROM satisfaction_answers"
        )
        .await,
        "4:Freundlich und klar.",
        "the first answer counts"
    );
    assert!(app.page("/case").await.contains("Danke für Ihre Antwort."));
    let owner = Desk::creditor(app, OWNER).await;
    let page = owner.page("/creditor/retention").await;
    assert!(page.contains("id=\"table-satisfaction\""));
    assert!(page.contains("4,0"), "the average per class and path");
    let other = Desk::creditor(app, OTHER).await;
    assert!(other
        .page("/creditor/retention")
        .await
        .contains("Noch keine Antworten."));
}
on_both_backends!(
    fairness_question,
    a_debtor_answers_the_fairness_question_once_after_the_case_ended
);

async fn owners_get_a_weekly_digest_on_monday_mornings_once(app: &TestApp) {
    creditor_accounts(app).await;
    end_case(app, "AKTE-2026-000101", true, 100).await;
    let at = |s: &str| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("time")
            .and_utc()
            .timestamp_millis()
    };
    let digests = || {
        scalar(
            app,
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'creditor-digest:%'",
        )
    };
    let queue = |now: i64| async move {
        app::server::retention::queue_weekly_digests(&app.db, now, "https://portal.test")
            .await
            .expect("queued")
    };
    // Sunday, and Monday before 07:00 Berlin time (05:30 UTC in winter): nothing.
    assert_eq!(queue(at("2026-12-06 09:00")).await, 0);
    assert_eq!(queue(at("2026-12-07 05:30")).await, 0);
    // Monday 07:10 Berlin: one email per active owner (the viewer gets none).
    let owners = scalar(
        app,
        "SELECT COUNT(*) FROM creditor_users WHERE role = 'owner' AND active = 1",
    )
    .await;
    assert!(owners >= 2);
    assert_eq!(i64::from(queue(at("2026-12-07 06:10")).await), owners);
    assert_eq!(queue(at("2026-12-07 09:00")).await, 0, "once per week");
    assert_eq!(digests().await, owners);
    let payload = text(
        app,
        "SELECT payload FROM outbox WHERE recipient = 'owner@nordlicht.example' AND dedupe_key LIKE 'creditor-digest:%'",
    )
    .await;
    assert!(
        payload.contains("Binnen 90 Tagen wieder Kunde (bezahlte Fälle)"),
        "{payload}"
    );
    assert!(payload.contains("0,0 % (0 von 1 Fällen, nicht aussagekräftig)"));
    assert!(payload.contains("https://portal.test/creditor/retention"));
    let theirs = text(
        app,
        "SELECT payload FROM outbox WHERE recipient = 'owner@sonnenschein.example' AND dedupe_key LIKE 'creditor-digest:%'",
    )
    .await;
    assert!(
        theirs.contains("noch keine Fälle"),
        "another creditor's figures stay theirs"
    );
    // The next Monday, again.
    assert_eq!(i64::from(queue(at("2026-12-14 07:00")).await), owners);
}
on_both_backends!(
    weekly_digest,
    owners_get_a_weekly_digest_on_monday_mornings_once
);

async fn a_customers_page_shows_their_cases_payments_and_what_followed(app: &TestApp) {
    creditor_accounts(app).await;
    end_case(app, "AKTE-2026-000101", true, 200).await;
    let a = customer(app, "AKTE-2026-000101").await;
    let debtor = scalar(
        app,
        "SELECT debtor_id FROM cases WHERE reference = 'AKTE-2026-000101'",
    )
    .await
    .to_string();
    let owner = Desk::creditor(app, OWNER).await;
    upload(
        &owner,
        &format!(
            "event_id,customer_number,kind,date,amount\nx1,{a},order,{},49.90\n",
            day_after(app, 200, 30)
        ),
    )
    .await;
    let overview = owner.page("/creditor/overview?q=AKTE-2026-000101").await;
    assert!(overview.contains(&format!("href=\"/creditor/customers/{debtor}\"")));
    let page = owner.page(&format!("/creditor/customers/{debtor}")).await;
    assert!(page.contains("Kundenbeziehung"), "{page}");
    assert!(page.contains("AKTE-2026-000101"));
    assert!(page.contains("Bestellung"));
    assert!(page.contains("(+30)"), "the order 30 days after the case");
    assert!(page.contains("49,90"));

    // What the debtor wrote to the agency: the owner reads it, a viewer only sees that it was
    // written, and every look is audited.
    sqlx::query(
        "INSERT INTO messages (case_id, author_kind, body, submission_key, created_at, updated_at)
         SELECT id, 'debtor', 'Ich bin seit März krankgeschrieben.', 'privacy-test', $1, $1
         FROM cases WHERE reference = 'AKTE-2026-000101'",
    )
    .bind(app.clock_now())
    .execute(app.db.pool())
    .await
    .expect("a message");
    let page = owner.page(&format!("/creditor/customers/{debtor}")).await;
    assert!(page.contains("krankgeschrieben"), "an owner reads it");
    let viewer = Desk::creditor(app, VIEWER).await;
    let seen = viewer.page(&format!("/creditor/customers/{debtor}")).await;
    assert!(seen.contains("Kundenbeziehung"), "{seen}");
    assert!(
        !seen.contains("krankgeschrieben"),
        "a viewer does not read it"
    );
    assert!(
        seen.contains("lesen nur die Inhaberinnen und Inhaber"),
        "and is told why"
    );
    assert_eq!(
        scalar(
            app,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'customer.viewed' AND detail LIKE '%\"debtor_id\":{debtor}%'"
            )
        )
        .await,
        3,
        "every view of the customer page is audited"
    );
    let other = Desk::creditor(app, OTHER).await;
    assert_eq!(
        other
            .call("get_customer", &[("debtor_id", debtor.as_str())])
            .await,
        StatusCode::NOT_FOUND,
        "another creditor's customer does not exist for them"
    );
    assert_eq!(
        Desk::new(app)
            .call("get_customer", &[("debtor_id", debtor.as_str())])
            .await,
        StatusCode::UNAUTHORIZED
    );
}
on_both_backends!(
    customer_relationship,
    a_customers_page_shows_their_cases_payments_and_what_followed
);
