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
