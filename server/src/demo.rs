//! Demo data: one creditor with five debtors and their cases, and three staff users. Seeded once
//! (if absent) by `server demo`; its secrets are derived from public seeds so that every run can
//! print them again. Demo data is public by design and must never be loaded into production.

use crate::accounts::argon2_hash;
use crate::db::Db;
use app::domain::access::format_access_code;
use app::domain::{Currency, Money};
use app::server::credentials::{demo_secrets, hash_token};
use serde::Serialize;
use sqlx::{Any, Transaction};

/// One demo debtor's way in.
#[derive(Debug, Clone, Serialize)]
pub struct DemoDebtor {
    pub name: String,
    pub reference: String,
    pub access_code: String,
    pub postcode: String,
    pub link: String,
}

/// One demo staff login.
#[derive(Debug, Clone, Serialize)]
pub struct DemoStaff {
    pub email: String,
    pub password: String,
    pub role: String,
}

/// What `server demo` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub base_url: String,
    pub debtors: Vec<DemoDebtor>,
    pub staff: Vec<DemoStaff>,
    /// The demo creditor's owner (creditor portal).
    pub creditor_login: DemoStaff,
    /// True when this run created the data, false when it was already there.
    #[serde(skip)]
    pub created: bool,
}

struct Item {
    kind: &'static str,
    description: &'static str,
    legal_basis: Option<&'static str>,
    date: &'static str,
    minor: i64,
    /// Interest-bearing amount, rate in basis points, first day and exclusive end of the period.
    interest: Option<(i64, i64, &'static str, &'static str)>,
}

struct Claim {
    subject: &'static str,
    contract_date: &'static str,
    invoice: &'static str,
    due: &'static str,
    items: Vec<Item>,
}

/// Demo debtors whose address was researched, not given by the creditor (§ 13a (1) no. 7 RDG).
const ADDRESS_RESEARCHED: [&str; 1] = ["AKTE-2026-000102"];

struct Debtor {
    name: &'static str,
    kind: &'static str,
    street: &'static str,
    postcode: &'static str,
    city: &'static str,
    email: &'static str,
    reference: &'static str,
    /// The treatment class key.
    class: &'static str,
    claims: Vec<Claim>,
    payments: Vec<(&'static str, i64)>,
}

fn principal(description: &'static str, date: &'static str, minor: i64) -> Item {
    Item {
        kind: "principal",
        description,
        legal_basis: Some("§ 433 Abs. 2 BGB"),
        date,
        minor,
        interest: None,
    }
}

/// An interest item: `base` at `rate_bp` for the days from `from` up to (not including) `to`.
fn interest(
    description: &'static str,
    minor: i64,
    basis: &'static str,
    base: i64,
    rate_bp: i64,
    from: &'static str,
    to: &'static str,
) -> Item {
    Item {
        kind: "interest",
        description,
        legal_basis: Some(basis),
        date: to,
        minor,
        interest: Some((base, rate_bp, from, to)),
    }
}

fn cost(description: &'static str, date: &'static str, minor: i64, basis: &'static str) -> Item {
    Item {
        kind: "cost",
        description,
        legal_basis: Some(basis),
        date,
        minor,
        interest: None,
    }
}

/// A debtor with one plain invoice.
#[allow(clippy::too_many_arguments)]
fn simple_debtor(
    name: &'static str,
    kind: &'static str,
    street: &'static str,
    postcode: &'static str,
    city: &'static str,
    reference: &'static str,
    class: &'static str,
    subject: &'static str,
    ordered: &'static str,
    due: &'static str,
    invoice: &'static str,
    minor: i64,
) -> Debtor {
    Debtor {
        name,
        kind,
        street,
        postcode,
        city,
        email: "",
        reference,
        class,
        claims: vec![Claim {
            subject,
            contract_date: ordered,
            invoice,
            due,
            items: vec![principal(invoice, ordered, minor)],
        }],
        payments: vec![],
    }
}

fn debtors() -> Vec<Debtor> {
    let reminder_fee = || {
        cost(
            "Mahngebühr des Gläubigers",
            "2026-09-28",
            250,
            "§§ 280, 286 BGB",
        )
    };
    let collection_fee = |minor| {
        cost(
            "Inkassokosten (Geschäftsgebühr)",
            "2026-10-15",
            minor,
            "§ 13e RDG, § 288 Abs. 4 BGB",
        )
    };
    vec![
        Debtor {
            name: "Anna Beispiel",
            kind: "consumer",
            street: "Lindenweg 3",
            postcode: "10115",
            city: "Berlin",
            email: "anna.beispiel@demo.example",
            reference: "AKTE-2026-000101",
            class: "standard",
            claims: vec![
                Claim {
                    subject: "Bestellung 40112 – Winterjacke",
                    contract_date: "2026-08-14",
                    invoice: "RE-2026-40112",
                    due: "2026-09-13",
                    items: vec![
                        principal("Rechnung RE-2026-40112", "2026-08-14", 14_990),
                        // 149.90 × 6.27 % × 34 / 365 = 0.8755 → 0.88; a test recomputes it with the engine.
                        interest(
                            "Verzugszinsen",
                            88,
                            "§ 288 Abs. 1 BGB",
                            14_990,
                            627,
                            "2026-09-14",
                            "2026-10-18",
                        ),
                        reminder_fee(),
                        collection_fee(4_900),
                    ],
                },
                Claim {
                    subject: "Bestellung 40388 – Wanderschuhe",
                    contract_date: "2026-08-30",
                    invoice: "RE-2026-40388",
                    due: "2026-09-29",
                    items: vec![principal("Rechnung RE-2026-40388", "2026-08-30", 8_995)],
                },
            ],
            payments: vec![("2026-10-30", 2_000)],
        },
        Debtor {
            name: "Ben Muster",
            kind: "consumer",
            street: "Marienplatz 8",
            postcode: "80331",
            city: "München",
            email: "ben.muster@demo.example",
            reference: "AKTE-2026-000102",
            class: "strict",
            claims: vec![Claim {
                subject: "Bestellung 41007 – Espressomaschine",
                contract_date: "2026-07-02",
                invoice: "RE-2026-41007",
                due: "2026-08-01",
                items: vec![
                    principal("Rechnung RE-2026-41007", "2026-07-02", 23_000),
                    reminder_fee(),
                ],
            }],
            payments: vec![],
        },
        Debtor {
            name: "Probe Gastro GmbH",
            kind: "business",
            street: "Speersort 1",
            postcode: "20095",
            city: "Hamburg",
            email: "buchhaltung@probe-gastro.demo.example",
            reference: "AKTE-2026-000103",
            class: "key_account",
            claims: vec![Claim {
                subject: "Lieferung 7781 – Geschirr und Gläser",
                contract_date: "2026-06-20",
                invoice: "RE-2026-7781",
                due: "2026-07-20",
                items: vec![
                    principal("Rechnung RE-2026-7781", "2026-06-20", 125_000),
                    // 1,250.00 × 10.27 % × 93 / 365 = 32.71.
                    interest(
                        "Verzugszinsen",
                        3_271,
                        "§ 288 Abs. 2 BGB",
                        125_000,
                        1_027,
                        "2026-07-21",
                        "2026-10-22",
                    ),
                    cost("Verzugspauschale", "2026-07-21", 4_000, "§ 288 Abs. 5 BGB"),
                ],
            }],
            payments: vec![],
        },
        Debtor {
            name: "Dieter Test",
            kind: "consumer",
            street: "Domkloster 4",
            postcode: "50667",
            city: "Köln",
            email: "dieter.test@demo.example",
            reference: "AKTE-2026-000104",
            class: "standard",
            claims: vec![Claim {
                subject: "Bestellung 42210 – Fahrradhelm",
                contract_date: "2026-09-01",
                invoice: "RE-2026-42210",
                due: "2026-10-01",
                items: vec![principal("Rechnung RE-2026-42210", "2026-09-01", 6_450)],
            }],
            payments: vec![],
        },
        Debtor {
            name: "Eva Demo",
            kind: "consumer",
            street: "Römerberg 1",
            postcode: "60311",
            city: "Frankfurt am Main",
            email: "eva.demo@demo.example",
            reference: "AKTE-2026-000105",
            class: "standard",
            claims: vec![Claim {
                subject: "Bestellung 42555 – Bettwäsche",
                contract_date: "2026-09-10",
                invoice: "RE-2026-42555",
                due: "2026-10-10",
                items: vec![principal("Rechnung RE-2026-42555", "2026-09-10", 7_980)],
            }],
            payments: vec![],
        },
        simple_debtor(
            "Felix Probst",
            "consumer",
            "Altmarkt 5",
            "01067",
            "Dresden",
            "AKTE-2026-000106",
            "standard",
            "Bestellung 43001 – Laufschuhe",
            "2026-09-12",
            "2026-10-12",
            "RE-2026-43001",
            11_990,
        ),
        simple_debtor(
            "Greta Lorenz",
            "consumer",
            "Prinzipalmarkt 9",
            "48143",
            "Münster",
            "AKTE-2026-000107",
            "standard",
            "Bestellung 43118 – Regenjacke",
            "2026-09-15",
            "2026-10-15",
            "RE-2026-43118",
            8_990,
        ),
        simple_debtor(
            "Hannes Vogel",
            "consumer",
            "Königstraße 20",
            "70173",
            "Stuttgart",
            "AKTE-2026-000108",
            "standard",
            "Bestellung 43230 – Kopfhörer",
            "2026-09-18",
            "2026-10-18",
            "RE-2026-43230",
            15_900,
        ),
        simple_debtor(
            "Ilse Brandt",
            "consumer",
            "Schlossplatz 2",
            "24103",
            "Kiel",
            "AKTE-2026-000109",
            "standard",
            "Bestellung 43377 – Kaffeemühle",
            "2026-09-21",
            "2026-10-21",
            "RE-2026-43377",
            6_490,
        ),
        simple_debtor(
            "Jonas Keller GmbH",
            "business",
            "Marktplatz 11",
            "93047",
            "Regensburg",
            "AKTE-2026-000110",
            "key_account",
            "Lieferung 7904 – Büromöbel",
            "2026-08-25",
            "2026-09-24",
            "RE-2026-7904",
            98_000,
        ),
        simple_debtor(
            "Karin Seidel",
            "consumer",
            "Theaterplatz 3",
            "99423",
            "Weimar",
            "AKTE-2026-000111",
            "standard",
            "Bestellung 44012 – Wintermantel",
            "2026-09-01",
            "2026-10-01",
            "RE-2026-44012",
            24_900,
        ),
        simple_debtor(
            "Lukas Hahn",
            "consumer",
            "Domplatz 7",
            "39104",
            "Magdeburg",
            "AKTE-2026-000112",
            "standard",
            "Bestellung 44120 – Staubsauger",
            "2026-09-03",
            "2026-10-03",
            "RE-2026-44120",
            31_900,
        ),
        simple_debtor(
            "Mara Winter",
            "consumer",
            "Am Markt 1",
            "18055",
            "Rostock",
            "AKTE-2026-000113",
            "standard",
            "Bestellung 44237 – Fahrradanhänger",
            "2026-09-05",
            "2026-10-05",
            "RE-2026-44237",
            42_500,
        ),
        simple_debtor(
            "Nils Wagner",
            "consumer",
            "Rathausplatz 4",
            "86150",
            "Augsburg",
            "AKTE-2026-000114",
            "standard",
            "Bestellung 44350 – Gartenmöbel",
            "2026-09-07",
            "2026-10-07",
            "RE-2026-44350",
            38_000,
        ),
        // For the case handler journeys (dispute answered, plan countered), with emails.
        Debtor {
            email: "olga.stein@demo.example",
            ..simple_debtor(
                "Olga Stein",
                "consumer",
                "Bergstraße 9",
                "69115",
                "Heidelberg",
                "AKTE-2026-000115",
                "key_account",
                "Bestellung 44401 – Kaffeemaschine",
                "2026-09-08",
                "2026-10-08",
                "RE-2026-44401",
                29_900,
            )
        },
        Debtor {
            email: "paul.brandt@demo.example",
            ..simple_debtor(
                "Paul Brandt",
                "consumer",
                "Hafenweg 2",
                "24103",
                "Kiel",
                "AKTE-2026-000116",
                "key_account",
                "Bestellung 44402 – Küchenmaschine",
                "2026-09-08",
                "2026-10-08",
                "RE-2026-44402",
                31_900,
            )
        },
        Debtor {
            email: "quirin.roth@demo.example",
            ..simple_debtor(
                "Quirin Roth",
                "consumer",
                "Schlossallee 5",
                "66111",
                "Saarbrücken",
                "AKTE-2026-000117",
                "standard",
                "Bestellung 44403 – Fernseher",
                "2026-09-09",
                "2026-10-09",
                "RE-2026-44403",
                54_900,
            )
        },
        Debtor {
            email: "rita.falk@demo.example",
            ..simple_debtor(
                "Rita Falk",
                "consumer",
                "Uferstraße 11",
                "99084",
                "Erfurt",
                "AKTE-2026-000118",
                "standard",
                "Bestellung 44404 – Waschmaschine",
                "2026-09-09",
                "2026-10-09",
                "RE-2026-44404",
                49_900,
            )
        },
        // For the online payment journeys.
        Debtor {
            email: "sara.koch@demo.example",
            ..simple_debtor(
                "Sara Koch",
                "consumer",
                "Lange Reihe 8",
                "20099",
                "Hamburg",
                "AKTE-2026-000119",
                "standard",
                "Bestellung 44405 – Kopfhörer",
                "2026-09-10",
                "2026-10-10",
                "RE-2026-44405",
                19_900,
            )
        },
        Debtor {
            email: "tim.lorenz@demo.example",
            ..simple_debtor(
                "Tim Lorenz",
                "consumer",
                "Königstraße 20",
                "70173",
                "Stuttgart",
                "AKTE-2026-000120",
                "standard",
                "Bestellung 44406 – Kamera",
                "2026-09-10",
                "2026-10-10",
                "RE-2026-44406",
                64_900,
            )
        },
        // For the consent journeys (escalation requested by a handler, decided by the creditor).
        simple_debtor(
            "Uwe Krause",
            "consumer",
            "Brückenstraße 6",
            "01067",
            "Dresden",
            "AKTE-2026-000121",
            "standard",
            "Bestellung 44407 – Rasenmäher",
            "2026-09-11",
            "2026-10-11",
            "RE-2026-44407",
            27_900,
        ),
        simple_debtor(
            "Vera Busch",
            "consumer",
            "Lindenallee 14",
            "28195",
            "Bremen",
            "AKTE-2026-000122",
            "standard",
            "Bestellung 44408 – Nähmaschine",
            "2026-09-11",
            "2026-10-11",
            "RE-2026-44408",
            33_900,
        ),
        // For the incoming payments journeys (a transfer without a reference, booked by a handler).
        simple_debtor(
            "Wilma Sommer",
            "consumer",
            "Kirchweg 2",
            "24103",
            "Kiel",
            "AKTE-2026-000123",
            "standard",
            "Bestellung 44409 – Wasserkocher",
            "2026-09-12",
            "2026-10-12",
            "RE-2026-44409",
            4_990,
        ),
        simple_debtor(
            "Xaver Huber",
            "consumer",
            "Marienplatz 3",
            "80331",
            "München",
            "AKTE-2026-000124",
            "standard",
            "Bestellung 44410 – Toaster",
            "2026-09-12",
            "2026-10-12",
            "RE-2026-44410",
            3_990,
        ),
        // For the creditor's pause journeys.
        simple_debtor(
            "Yvonne Schulz",
            "consumer",
            "Domplatz 1",
            "99084",
            "Erfurt",
            "AKTE-2026-000125",
            "standard",
            "Bestellung 44411 – Mixer",
            "2026-09-13",
            "2026-10-13",
            "RE-2026-44411",
            5_990,
        ),
        simple_debtor(
            "Zeno Wagner",
            "consumer",
            "Schlossstraße 8",
            "70173",
            "Stuttgart",
            "AKTE-2026-000126",
            "standard",
            "Bestellung 44412 – Bügeleisen",
            "2026-09-13",
            "2026-10-13",
            "RE-2026-44412",
            2_990,
        ),
    ]
}

/// The demo creditor's owner, for the creditor portal.
const CREDITOR_OWNER: (&str, &str, &str, &str) = (
    "owner@nordlicht.demo.example",
    "Nora Nordlicht",
    "demo-owner-2026",
    "owner",
);

const STAFF: [(&str, &str, &str, &str); 3] = [
    (
        "handler@demo.example",
        "Hanna Handler",
        "demo-handler-2026",
        "handler",
    ),
    (
        "supervisor@demo.example",
        "Sven Supervisor",
        "demo-supervisor-2026",
        "supervisor",
    ),
    (
        "admin@demo.example",
        "Ada Admin",
        "demo-admin-2026",
        "admin",
    ),
];

/// How long demo links stay valid.
const DEMO_VALIDITY_MS: i64 = 365 * 24 * 3_600_000;

fn report(base_url: &str, created: bool) -> DemoReport {
    let base = base_url.trim_end_matches('/');
    DemoReport {
        base_url: base.to_string(),
        debtors: debtors()
            .into_iter()
            .map(|d| {
                let (token, code) = demo_secrets(d.reference);
                DemoDebtor {
                    name: d.name.to_string(),
                    reference: d.reference.to_string(),
                    access_code: format_access_code(&code),
                    postcode: d.postcode.to_string(),
                    link: format!("{base}/c/{token}"),
                }
            })
            .collect(),
        staff: STAFF
            .iter()
            .map(|(email, _, password, role)| DemoStaff {
                email: email.to_string(),
                password: password.to_string(),
                role: role.to_string(),
            })
            .collect(),
        creditor_login: DemoStaff {
            email: CREDITOR_OWNER.0.to_string(),
            password: CREDITOR_OWNER.2.to_string(),
            role: CREDITOR_OWNER.3.to_string(),
        },
        created,
    }
}

/// Seeds the demo data unless it is already there, then describes how to use it.
pub async fn ensure_demo(db: &Db, base_url: &str, now_ms: i64) -> anyhow::Result<DemoReport> {
    let marked: Option<i64> = sqlx::query_scalar("SELECT id FROM demo_mark")
        .fetch_optional(db.pool())
        .await?;
    if marked.is_some() {
        return Ok(report(base_url, false));
    }
    // The demo's accounts and secrets are public: a database holding anything of a real agency is
    // never seeded, so that the demo administrator can never exist beside real cases.
    let held: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM creditors)
              + (SELECT COUNT(*) FROM staff_users) + (SELECT COUNT(*) FROM creditor_users)",
    )
    .fetch_one(db.pool())
    .await?;
    if held > 0 {
        anyhow::bail!(
            "this database already holds data and was not created as a demo ({held} cases, \
             creditors and accounts): the demo, whose logins are public, is loaded only into an \
             empty database. Use a new one for the demo (for example DATABASE_URL=sqlite://data/demo.db, \
             or delete the demo's old data/rapport.db)"
        );
    }
    // Hash outside the transaction: Argon2 is slow and the write lock should be short.
    let mut code_hashes = Vec::new();
    for d in debtors() {
        let (_, code) = demo_secrets(d.reference);
        code_hashes.push(argon2_hash(code).await?);
    }
    let mut staff_hashes = Vec::new();
    for (_, _, password, _) in STAFF.iter().chain([&CREDITOR_OWNER]) {
        staff_hashes.push(argon2_hash(password.to_string()).await?);
    }
    let mut tx = db.begin_write().await?;
    // The mark first: two seeds racing on one empty database cannot both seed (primary key).
    sqlx::query("INSERT INTO demo_mark (id, created_at) VALUES (1, $1)")
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    seed(&mut tx, now_ms, &code_hashes, &staff_hashes).await?;
    tx.commit().await?;
    Ok(report(base_url, true))
}

async fn seed(
    tx: &mut Transaction<'_, Any>,
    now: i64,
    code_hashes: &[String],
    staff_hashes: &[String],
) -> Result<(), sqlx::Error> {
    let creditor_id: i64 = sqlx::query_scalar(
        "INSERT INTO creditors (name, street, postcode, city, country, email, website, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind("Nordlicht Versandhandel GmbH")
    .bind("Hafenstraße 12")
    .bind("20457")
    .bind("Hamburg")
    .bind("Deutschland")
    .bind("forderungen@nordlicht.demo.example")
    .bind("https://nordlicht.demo.example")
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;

    let class_ids = crate::intake::insert_default_classes(tx, creditor_id, now).await?;

    for (n, (d, code_hash)) in debtors().into_iter().zip(code_hashes).enumerate() {
        let debtor_id: i64 = sqlx::query_scalar(
            "INSERT INTO debtors (creditor_id, customer_number, kind, name, street, postcode, city, country, email,
                                  language, address_researched, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'Deutschland', $8, 'de', $10, $9, $9) RETURNING id",
        )
        .bind(creditor_id)
        .bind(format!("K-{:05}", 10_001 + n))
        .bind(d.kind)
        .bind(d.name)
        .bind(d.street)
        .bind(d.postcode)
        .bind(d.city)
        .bind((!d.email.is_empty()).then_some(d.email))
        .bind(now)
        .bind(i64::from(ADDRESS_RESEARCHED.contains(&d.reference)))
        .fetch_one(&mut **tx)
        .await?;
        let case_id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (reference, creditor_id, debtor_id, currency, state, treatment_class_id, created_at, updated_at)
             VALUES ($1, $2, $3, 'EUR', 'open', $4, $5, $5) RETURNING id",
        )
        .bind(d.reference)
        .bind(creditor_id)
        .bind(debtor_id)
        .bind(class_ids.get(d.class).copied())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        for c in d.claims {
            let claim_id: i64 = sqlx::query_scalar(
                "INSERT INTO claims (case_id, creditor_id, external_id, subject, contract_date, invoice_number,
                                     due_date, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $3, $6, $7, $7) RETURNING id",
            )
            .bind(case_id)
            .bind(creditor_id)
            .bind(c.invoice)
            .bind(c.subject)
            .bind(c.contract_date)
            .bind(c.due)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            for i in c.items {
                sqlx::query(
                    "INSERT INTO claim_items (claim_id, kind, description, legal_basis, item_date, amount_minor,
                                              currency, interest_base_minor, interest_rate_bp, period_start, period_end,
                                              created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'EUR', $7, $8, $9, $10, $11, $11)",
                )
                .bind(claim_id)
                .bind(i.kind)
                .bind(i.description)
                .bind(i.legal_basis)
                .bind(i.date)
                .bind(i.minor)
                .bind(i.interest.map(|x| x.0))
                .bind(i.interest.map(|x| x.1))
                .bind(i.interest.map(|x| x.2))
                .bind(i.interest.map(|x| x.3))
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
        for (value_date, minor) in d.payments {
            let value_date = chrono::NaiveDate::parse_from_str(value_date, "%Y-%m-%d")
                .map_err(|e| sqlx::Error::Protocol(format!("demo payment date: {e}")))?;
            crate::db::insert_allocated(
                tx,
                case_id,
                Money::new(minor, Currency::EUR),
                value_date,
                "transfer",
                now,
            )
            .await?;
        }
        let (token, _) = demo_secrets(d.reference);
        sqlx::query(
            "INSERT INTO access_credentials (case_id, token_hash, code_hash, factor_kind, issued_at, expires_at,
                                             created_at, updated_at)
             VALUES ($1, $2, $3, 'postcode', $4, $5, $4, $4)",
        )
        .bind(case_id)
        .bind(hash_token(&token))
        .bind(code_hash)
        .bind(now)
        .bind(now + DEMO_VALIDITY_MS)
        .execute(&mut **tx)
        .await?;
    }

    let (email, name, _, role) = CREDITOR_OWNER;
    sqlx::query(
        "INSERT INTO creditor_users (creditor_id, email, display_name, password_hash, role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(creditor_id)
    .bind(email)
    .bind(name)
    .bind(staff_hashes.get(STAFF.len()).cloned().unwrap_or_default())
    .bind(role)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for ((email, name, _, role), hash) in STAFF.iter().zip(staff_hashes) {
        sqlx::query(
            "INSERT INTO staff_users (email, display_name, password_hash, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(*email)
        .bind(*name)
        .bind(hash)
        .bind(*role)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The human-readable form of the report, printed by `server demo`.
pub fn render_text(report: &DemoReport) -> String {
    let mut out = String::new();
    out.push_str(if report.created {
        "Demo data created.\n"
    } else {
        "Demo data already present.\n"
    });
    out.push_str(
        "DEMO ONLY – these access data are public; never load demo data into production.\n\n",
    );
    out.push_str(&format!("Portal: {}\n\nDebtors – open the link and enter the postcode, or type reference, access code and postcode on the start page:\n", report.base_url));
    for d in &report.debtors {
        out.push_str(&format!(
            "  {:<20} {}  code {}  postcode {}\n    {}\n",
            d.name, d.reference, d.access_code, d.postcode, d.link
        ));
    }
    out.push_str(&format!(
        "\nCreditor login (sign in at /creditor/login):\n  {:<26} {:<22} {}\n",
        report.creditor_login.email, report.creditor_login.password, report.creditor_login.role
    ));
    out.push_str("\nStaff logins (sign in at /staff/login):\n");
    for s in &report.staff {
        out.push_str(&format!(
            "  {:<26} {:<22} {}\n",
            s.email, s.password, s.role
        ));
    }
    out
}
