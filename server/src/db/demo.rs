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
mod debtors;
use debtors::debtors;

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

/// Demo debtors whose address was researched, not given by the creditor (§ 13a (1) no. 7 RDG).
const ADDRESS_RESEARCHED: [&str; 1] = ["AKTE-2026-000102"];

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
    // The demo's standard customers are charged statutory default interest until paid: Anna's
    // interest runs on after the interest handed over, as far as base rates are known.
    sqlx::query(
        "UPDATE treatment_classes SET running_interest = 1 WHERE creditor_id = $1 AND key = 'standard'",
    )
    .bind(creditor_id)
    .execute(&mut **tx)
    .await?;

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
