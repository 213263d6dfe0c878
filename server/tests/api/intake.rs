//! Claim intake from hand-over files: every problem reported by row and column, nothing written
//! unless the whole file is good (or the valid rows are asked for), and a claim imported once.

use crate::helpers::TestApp;
use crate::on_both_backends;
use server::intake::{create_creditor, import_claims, NewCreditor};

fn creditor() -> NewCreditor {
    NewCreditor {
        name: "Sonnenschein Energie AG".into(),
        street: "Kraftwerkstraße 1".into(),
        postcode: "50667".into(),
        city: "Köln".into(),
        country: "Deutschland".into(),
        email: Some("inkasso@sonnenschein.example".into()),
        website: None,
    }
}

/// 10,000 rows, two claims per customer; rows 101, 5002 and 9999 (file rows, the header is row 1)
/// carry problems.
fn hand_over() -> String {
    let mut csv = String::from(
        "external_id;customer_number;debtor_name;street;postcode;city;email;treatment_class;subject;contract_date;due_date;principal\n",
    );
    for i in 0..10_000 {
        let row = i + 2;
        let postcode = if row == 101 { "1011" } else { "10115" };
        let email = if row == 5002 {
            "kein-at-zeichen"
        } else {
            "kunde@example.org"
        };
        let principal = if row == 9999 { "abc" } else { "89,90" };
        let class = if row == 5002 { "vip" } else { "standard" };
        csv.push_str(&format!(
            "S-{i:05};K-{:05};Kundin {i};Weg {i};{postcode};Berlin;{email};{class};Strom 2026 Nr. {i};2026-01-31;2026-02-28;{principal}\n",
            i / 2
        ));
    }
    csv
}

async fn scalar(app: &TestApp, sql: &str, creditor: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(creditor)
        .fetch_one(app.db.pool())
        .await
        .expect("scalar")
}

async fn a_hand_over_with_errors_is_rejected_whole_or_imported_in_part_when_asked(app: &TestApp) {
    let now = app.clock_now();
    let id = create_creditor(&app.db, &creditor(), now)
        .await
        .expect("creditor");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM treatment_classes WHERE creditor_id = $1",
            id
        )
        .await,
        3,
        "the default classes come with the creditor"
    );
    let file = hand_over();
    let mut progress = Vec::new();
    let rejected = import_claims(&app.db, id, file.as_bytes(), false, now, |n| {
        progress.push(n)
    })
    .await
    .expect("read");
    assert!(!rejected.written);
    assert_eq!(rejected.rows, 10_000);
    assert_eq!(progress.len(), 10, "progress every 1,000 rows");
    let problems: Vec<(usize, &str)> = rejected
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str()))
        .collect();
    assert_eq!(
        problems,
        vec![
            (101, "postcode"),
            (5002, "email"),
            (5002, "treatment_class"),
            (9999, "principal")
        ]
    );
    let report = rejected.render();
    assert!(
        report.contains("row 101, column postcode: is not a German postcode (five digits)"),
        "{report}"
    );
    assert!(
        report.contains("Nothing was imported: 3 of 10000 rows have problems."),
        "{report}"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM claims WHERE creditor_id = $1",
            id
        )
        .await,
        0,
        "nothing partial"
    );

    let partial = import_claims(&app.db, id, file.as_bytes(), true, now, |_| {})
        .await
        .expect("read");
    assert!(partial.written);
    assert_eq!((partial.imported, partial.already_there), (9_997, 0));
    assert_eq!(partial.problems.len(), 4, "the rest is listed");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM claims WHERE creditor_id = $1",
            id
        )
        .await,
        9_997
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM cases WHERE creditor_id = $1", id).await,
        5_000,
        "a customer's claims form one case"
    );
    assert_eq!(
        scalar(app, "SELECT CAST(SUM(ci.amount_minor) AS BIGINT) FROM claim_items ci JOIN claims c ON c.id = ci.claim_id WHERE c.creditor_id = $1", id).await,
        9_997 * 8_990
    );
    let again = import_claims(&app.db, id, file.as_bytes(), true, now, |_| {})
        .await
        .expect("read");
    assert_eq!(
        (again.imported, again.already_there),
        (0, 9_997),
        "imported once"
    );
    assert!(again
        .render()
        .contains("9997 were imported before and left unchanged"));
    // A later hand-over's new claims of known customers join their running cases; a new
    // customer's two claims open one case.
    let later = "external_id;customer_number;debtor_name;street;postcode;city;subject;contract_date;due_date;principal\n\
                 S-20000;K-00000;Kundin 0;Weg 0;10115;Berlin;Strom 2027;2027-01-31;2027-02-28;10,00\n\
                 S-20001;K-00001;Kundin 2;Weg 2;10115;Berlin;Strom 2027;2027-01-31;2027-02-28;10,00\n\
                 S-20002;K-00000;Kundin 0;Weg 0;10115;Berlin;Gas 2027;2027-01-31;2027-02-28;10,00\n\
                 S-20003;K-90000;Neu;Weg 9;10115;Berlin;Strom 2027;2027-01-31;2027-02-28;10,00\n\
                 S-20004;K-90000;Neu;Weg 9;10115;Berlin;Gas 2027;2027-01-31;2027-02-28;10,00\n";
    let later = import_claims(&app.db, id, later.as_bytes(), false, now, |_| {})
        .await
        .expect("read");
    assert_eq!(
        (later.imported, later.new_debtors, later.new_cases),
        (5, 1, 1),
        "{later:?}"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM claims cl JOIN cases c ON c.id = cl.case_id JOIN debtors d ON d.id = c.debtor_id
             WHERE d.customer_number = 'K-00000' AND c.creditor_id = $1",
            id
        )
        .await,
        4,
        "the customer's two claims of the first hand-over and two of this one, on one case"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM cases WHERE creditor_id = $1", id).await,
        5_001
    );
    // The imported cases open in the portal like any other: a case page shows the claim.
    let reference: String = sqlx::query_scalar(
        "SELECT reference FROM cases WHERE creditor_id = $1 ORDER BY reference LIMIT 1",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .expect("reference");
    assert!(reference.starts_with("AKTE-"), "{reference}");
}
on_both_backends!(
    claim_intake,
    a_hand_over_with_errors_is_rejected_whole_or_imported_in_part_when_asked
);

async fn a_file_without_a_required_column_or_with_an_unknown_one_is_refused(app: &TestApp) {
    let now = app.clock_now();
    let id = create_creditor(&app.db, &creditor(), now)
        .await
        .expect("creditor");
    let missing = import_claims(
        &app.db,
        id,
        "external_id,debtor_name\nA,B\n".as_bytes(),
        true,
        now,
        |_| {},
    )
    .await
    .expect_err("refused");
    assert!(
        missing
            .to_string()
            .contains("lacks the required column(s) customer_number, street"),
        "{missing}"
    );
    let header = "external_id,customer_number,debtor_name,street,postcode,city,subject,contract_date,due_date,principal,colour\n";
    let unknown = import_claims(&app.db, id, header.as_bytes(), true, now, |_| {})
        .await
        .expect_err("refused");
    assert!(
        unknown.to_string().contains("unknown column(s) colour"),
        "{unknown}"
    );
    let nobody = import_claims(&app.db, 999_999, header.as_bytes(), true, now, |_| {})
        .await
        .expect_err("refused");
    assert_eq!(nobody.to_string(), "there is no creditor 999999");
}
async fn a_researched_address_is_taken_over_from_its_column(app: &TestApp) {
    let now = app.clock_now();
    let id = create_creditor(&app.db, &creditor(), now)
        .await
        .expect("creditor");
    let file = "external_id;customer_number;debtor_name;street;postcode;city;subject;contract_date;due_date;principal;address_researched
R-1;K-1;Ada;Weg 1;10115;Berlin;Strom;2026-01-31;2026-02-28;10,00;ja
R-2;K-2;Bea;Weg 2;10115;Berlin;Strom;2026-01-31;2026-02-28;10,00;
R-3;K-3;Cem;Weg 3;10115;Berlin;Strom;2026-01-31;2026-02-28;10,00;vielleicht
";
    let rejected = import_claims(&app.db, id, file.as_bytes(), false, now, |_| {})
        .await
        .expect("read");
    assert!(!rejected.written);
    assert!(
        rejected
            .render()
            .contains("row 4, column address_researched: must be yes or no"),
        "{}",
        rejected.render()
    );
    let partial = import_claims(&app.db, id, file.as_bytes(), true, now, |_| {})
        .await
        .expect("read");
    assert_eq!(partial.imported, 2);
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM debtors WHERE creditor_id = $1 AND address_researched = 1",
            id
        )
        .await,
        1,
        "only Ada's address was researched"
    );
}
on_both_backends!(
    intake_researched_address,
    a_researched_address_is_taken_over_from_its_column
);

on_both_backends!(
    intake_headers,
    a_file_without_a_required_column_or_with_an_unknown_one_is_refused
);

async fn imported_cases_get_access_data_for_their_first_letter_once(app: &TestApp) {
    use crate::helpers::location;
    use server::intake::issue_access;
    let now = app.clock_now();
    let id = create_creditor(&app.db, &creditor(), now)
        .await
        .expect("creditor");
    let file = "external_id,customer_number,debtor_name,street,postcode,city,subject,contract_date,due_date,principal\n\
                S-1,K-1,Anna Import,Lindenweg 3,10115,Berlin,Strom Januar 2026,2026-01-31,2026-02-28,89.90\n\
                S-2,K-1,Anna Import,Lindenweg 3,10115,Berlin,Strom Februar 2026,2026-02-28,2026-03-31,92.40\n\
                S-3,K-2,Ben Import,Am Markt 1,18055,Rostock,Strom Januar 2026,2026-01-31,2026-02-28,45.00\n";
    import_claims(&app.db, id, file.as_bytes(), false, now, |_| {})
        .await
        .expect("imported");
    // A failing delivery (say, the disk is full) stores nothing.
    let failed = issue_access(
        &app.db,
        id,
        &app.address,
        now,
        |_, _| {},
        |_| anyhow::bail!("disk full"),
    )
    .await;
    assert!(failed.is_err());
    let mut letters = Vec::new();
    let issued = issue_access(
        &app.db,
        id,
        &app.address,
        now,
        |_, _| {},
        |l| {
            letters = l.to_vec();
            Ok(())
        },
    )
    .await
    .expect("issued");
    assert_eq!(issued, 2, "one letter per case, not per claim");
    let again = issue_access(&app.db, id, &app.address, now, |_, _| {}, |_| Ok(()))
        .await
        .expect("issued");
    assert_eq!(again, 0, "cases with access data get none twice");
    let anna = letters
        .iter()
        .find(|l| l.name == "Anna Import")
        .expect("Anna's letter");
    assert_eq!(
        anna.access_code.len(),
        14,
        "printed in groups: XXXX-XXXX-XXXX"
    );
    let token = anna.link.rsplit('/').next().expect("token").to_string();
    let response = app
        .post_form(
            "/api/verify_link",
            &[("token", token.as_str()), ("postcode", "10115")],
            &format!("/c/{token}"),
        )
        .await;
    assert_eq!(location(response.headers()), "/case");
    let page = app.page("/case").await;
    assert!(
        page.contains("Strom Februar 2026") && page.contains("182,30"),
        "both claims, one case"
    );
}
on_both_backends!(
    first_letters,
    imported_cases_get_access_data_for_their_first_letter_once
);

async fn interest_and_costs_are_charged_unless_the_customer_group_waives_them(app: &TestApp) {
    let now = app.clock_now();
    let id = create_creditor(&app.db, &creditor(), now)
        .await
        .expect("creditor");
    // The key-account class of this creditor waives both; an owner would tick the boxes (below).
    sqlx::query(
        "UPDATE treatment_classes SET waive_interest = 1, waive_costs = 1 WHERE creditor_id = $1 AND key = 'key_account'",
    )
    .bind(id)
    .execute(app.db.pool())
    .await
    .expect("waive");
    let header = "external_id;customer_number;debtor_name;street;postcode;city;subject;contract_date;due_date;principal;treatment_class;interest;interest_rate;interest_from;interest_to;costs;costs_description";
    let bad = format!(
        "{header}\nZ-0;K-0;Cem;Weg 0;10115;Berlin;Strom;2026-01-31;2026-02-28;100,00;standard;2,50;;2026-03-01;2026-05-31;5,00;\n"
    );
    let rejected = import_claims(&app.db, id, bad.as_bytes(), false, now, |_| {})
        .await
        .expect("read");
    let report = rejected.render();
    assert!(!rejected.written);
    assert!(
        report.contains("row 2, column interest_rate: is required")
            && report.contains("row 2, column costs_description: is required"),
        "{report}"
    );
    let good = format!(
        "{header}\n\
         Z-1;K-1;Ada;Weg 1;10115;Berlin;Strom;2026-01-31;2026-02-28;100,00;standard;2,50;9,12;2026-03-01;2026-05-31;5,00;Mahngebühren 2 × 2,50 €\n\
         Z-2;K-2;Bea;Weg 2;10115;Berlin;Strom;2026-01-31;2026-02-28;100,00;key_account;2,50;9,12;2026-03-01;2026-05-31;5,00;Mahngebühren 2 × 2,50 €\n"
    );
    let imported = import_claims(&app.db, id, good.as_bytes(), false, now, |_| {})
        .await
        .expect("read");
    assert_eq!(imported.imported, 2, "{}", imported.render());
    let owed = |customer: &'static str| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT CAST(SUM(i.amount_minor) AS BIGINT) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
             JOIN cases c ON c.id = cl.case_id JOIN debtors d ON d.id = c.debtor_id
             WHERE d.creditor_id = $1 AND d.customer_number = $2",
        )
        .bind(id)
        .bind(customer)
        .fetch_one(app.db.pool())
        .await
        .expect("owed")
    };
    assert_eq!(owed("K-1").await, 10_750, "principal, interest and costs");
    assert_eq!(
        owed("K-2").await,
        10_000,
        "the key account is charged the principal only"
    );
    let interest: String = sqlx::query_scalar(
        "SELECT i.description || '|' || CAST(i.interest_rate_bp AS TEXT) || '|' || i.period_start || '|' || i.period_end
         FROM claim_items i JOIN claims cl ON cl.id = i.claim_id WHERE cl.external_id = 'Z-1' AND i.kind = 'interest'",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("interest");
    assert_eq!(
        interest,
        "Verzugszinsen 9,12 % p. a. vom 01.03.2026 bis 31.05.2026|912|2026-03-01|2026-05-31"
    );
    let waived: String = sqlx::query_scalar(
        "SELECT e.detail FROM case_events e JOIN claims cl ON cl.case_id = e.case_id
         WHERE cl.external_id = 'Z-2' AND e.kind = 'charges_waived'",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("recorded");
    assert!(
        waived.contains("\"interest_minor\":250") && waived.contains("\"costs_minor\":500"),
        "{waived}"
    );
    assert!(
        !app::domain::work::shown_to_debtor("charges_waived"),
        "the debtor never saw those charges"
    );

    // A later hand-over: Bea's new claim joins her running key-account case, whose class waives
    // the charges whatever class the row names; Ada's case was paid meanwhile, so her new claim
    // opens a new case in the row's class, charged.
    sqlx::query(
        "UPDATE cases SET state = 'paid' WHERE debtor_id = (SELECT id FROM debtors WHERE creditor_id = $1 AND customer_number = 'K-1')",
    )
    .bind(id)
    .execute(app.db.pool())
    .await
    .expect("paid");
    let later = format!(
        "{header}\n\
         Z-3;K-2;Bea;Weg 2;10115;Berlin;Gas;2026-01-31;2026-02-28;100,00;standard;2,50;9,12;2026-03-01;2026-05-31;5,00;Mahngebühren\n\
         Z-4;K-1;Ada;Weg 1;10115;Berlin;Gas;2026-01-31;2026-02-28;100,00;standard;2,50;9,12;2026-03-01;2026-05-31;5,00;Mahngebühren\n"
    );
    let later = import_claims(&app.db, id, later.as_bytes(), false, now, |_| {})
        .await
        .expect("read");
    assert_eq!(
        (later.imported, later.new_debtors, later.new_cases),
        (2, 0, 1),
        "{}",
        later.render()
    );
    assert_eq!(owed("K-2").await, 20_000, "still the principal only");
    assert_eq!(owed("K-1").await, 2 * 10_750, "charged on the new case");
    let cases_of = |customer: &'static str| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(DISTINCT cl.case_id) FROM claims cl JOIN cases c ON c.id = cl.case_id
             JOIN debtors d ON d.id = c.debtor_id WHERE d.creditor_id = $1 AND d.customer_number = $2",
        )
        .bind(id)
        .bind(customer)
        .fetch_one(app.db.pool())
        .await
        .expect("cases")
    };
    assert_eq!((cases_of("K-1").await, cases_of("K-2").await), (2, 1));
    assert_eq!(
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM case_events e JOIN claims cl ON cl.case_id = e.case_id
             WHERE cl.external_id = 'Z-3' AND e.kind = 'charges_waived' AND e.detail LIKE '%Z-3%'",
        )
        .fetch_one(app.db.pool())
        .await
        .expect("recorded"),
        1
    );
}
on_both_backends!(
    intake_waivers,
    interest_and_costs_are_charged_unless_the_customer_group_waives_them
);

async fn an_owner_sets_the_waivers_of_a_customer_group(app: &TestApp) {
    use crate::helpers::{creditor_accounts, location, text, Desk, OWNER};
    creditor_accounts(app).await;
    let class = text(
        app,
        "SELECT CAST(id AS TEXT) FROM treatment_classes WHERE key = 'key_account' ORDER BY id LIMIT 1",
    )
    .await;
    let owner = Desk::creditor(app, OWNER).await;
    let saved = owner
        .post(
            "/api/update_class_settings",
            &[
                ("class_id", class.as_str()),
                ("reply_days", "5"),
                ("consent_days", "10"),
                ("consent_default", "decline"),
                ("plan_consent_default", "recommendation"),
                ("interest", "none"),
            ],
        )
        .await;
    assert_eq!(
        location(saved.headers()),
        format!("/creditor/classes/{class}?done=saved")
    );
    assert_eq!(
        text(
            app,
            &format!("SELECT CAST(waive_interest AS TEXT) || CAST(waive_costs AS TEXT) FROM treatment_classes WHERE id = {class}")
        )
        .await,
        "10"
    );
    let page = owner.page(&format!("/creditor/classes/{class}")).await;
    assert!(page.contains("Keine Zinsen verlangen, auch nicht die übergebenen"));
    assert!(
        page.contains(r#"value="none" checked"#),
        "the waiver is the group's choice"
    );
}
on_both_backends!(class_waivers, an_owner_sets_the_waivers_of_a_customer_group);
