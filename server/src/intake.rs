//! Claim intake from the command line: creditors (with the default treatment classes) and
//! hand-over files in CSV. A file with errors is rejected as a whole with a report naming row,
//! column and problem — or, when asked, its valid rows are imported and the report lists the
//! rest. Never a silent partial import. Importing the same claim again changes nothing.

use crate::db::Db;
use app::domain::intake::{check_row, ClaimRow, IntakeProblem, COLUMNS, REQUIRED};
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use crate::db::intake::LOOK_UP_AT_ONCE;
pub use crate::db::intake::{Known, References, StoredClaim};

/// Writes the three default treatment classes of a new creditor; returns their ids by key.
pub async fn insert_default_classes(
    tx: &mut Transaction<'_, Any>,
    creditor_id: i64,
    now: i64,
) -> Result<HashMap<&'static str, i64>, sqlx::Error> {
    let mut ids = HashMap::new();
    for class in app::server::defaults::default_classes() {
        let policy =
            serde_json::to_string(&class.bands).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let cadence = serde_json::to_string(&app::domain::dunning::Cadence::default_for(class.key))
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO treatment_classes (creditor_id, key, name_de, name_en, policy, reply_days, cadence, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(creditor_id)
        .bind(class.key)
        .bind(class.name_de)
        .bind(class.name_en)
        .bind(policy)
        .bind(i64::from(class.reply_days))
        .bind(cadence)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        ids.insert(class.key, id);
    }
    Ok(ids)
}

/// A new creditor of the first agency.
#[derive(Debug, Clone)]
pub struct NewCreditor {
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub email: Option<String>,
    pub website: Option<String>,
}

/// Creates a creditor with the default treatment classes (key account, standard, strict).
pub async fn create_creditor(db: &Db, c: &NewCreditor, now: i64) -> anyhow::Result<i64> {
    for (field, value) in [
        ("--name", &c.name),
        ("--street", &c.street),
        ("--postcode", &c.postcode),
        ("--city", &c.city),
    ] {
        if value.trim().is_empty() {
            anyhow::bail!("{field} must not be empty");
        }
    }
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO creditors (name, street, postcode, city, country, email, website, agency_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
    )
    .bind(c.name.trim())
    .bind(c.street.trim())
    .bind(c.postcode.trim())
    .bind(c.city.trim())
    .bind(c.country.trim())
    .bind(c.email.as_deref())
    .bind(c.website.as_deref())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_default_classes(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// One problem of a hand-over file: the row (1 is the header), the column, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub problem: String,
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows read (without the header).
    pub rows: usize,
    /// Claims created now.
    pub imported: usize,
    /// Claims imported before (same external id): unchanged.
    pub already_there: usize,
    pub new_debtors: usize,
    pub new_cases: usize,
    /// Every problem found; when not empty and the import was not partial, nothing was written.
    pub problems: Vec<RowProblem>,
    /// Whether anything was written.
    pub written: bool,
}

impl ImportReport {
    /// The report as printed by `server import-claims`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for p in &self.problems {
            out.push_str(&format!(
                "row {}, column {}: {}\n",
                p.row, p.column, p.problem
            ));
        }
        if self.written {
            out.push_str(&format!(
                "Imported {} of {} claims ({} new debtors, {} new cases); {} were imported before and left unchanged{}.\n",
                self.imported,
                self.rows,
                self.new_debtors,
                self.new_cases,
                self.already_there,
                if self.problems.is_empty() {
                    String::new()
                } else {
                    format!("; {} rows with problems were not imported", self.rows_with_problems())
                }
            ));
        } else {
            out.push_str(&format!(
                "Nothing was imported: {} of {} rows have problems. Correct them, or import the valid rows with --partial.\n",
                self.rows_with_problems(),
                self.rows
            ));
        }
        out
    }

    fn rows_with_problems(&self) -> usize {
        self.problems
            .iter()
            .map(|p| p.row)
            .collect::<HashSet<_>>()
            .len()
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("there is no creditor {0}")]
    UnknownCreditor(i64),
    #[error("the file cannot be read as CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("the header lacks the required column(s) {0}")]
    MissingColumns(String),
    #[error("the header has unknown column(s) {0}; known columns: {1}")]
    UnknownColumns(String, String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

/// A CSV file as spreadsheets write it: `;` or `,` between columns (the header line says which),
/// with or without a byte-order mark, whose header has every `required` column and no column
/// outside `known`. Returns the reader and the header's column names, trimmed and in lower case.
pub fn open_checked_csv<'a>(
    raw: &'a [u8],
    required: &[&str],
    known: &[&str],
) -> Result<(csv::Reader<&'a [u8]>, Vec<String>), ImportError> {
    let (reader, header) = open_csv(raw)?;
    let missing: Vec<&str> = required
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing.join(", ")));
    }
    let unknown: Vec<&str> = header
        .iter()
        .filter(|h| !known.contains(&h.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(ImportError::UnknownColumns(
            unknown.join(", "),
            known.join(", "),
        ));
    }
    Ok((reader, header))
}

/// A CSV file as spreadsheets write it: `;` or `,` between columns (the header line says which),
/// with or without a byte-order mark. Returns the reader and the header's column names, trimmed
/// and in lower case.
pub fn open_csv(raw: &[u8]) -> Result<(csv::Reader<&[u8]>, Vec<String>), csv::Error> {
    let first_line = raw.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw));
    let header: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    Ok((reader, header))
}

/// Reads and checks a hand-over file for `creditor_id`, then imports it: all rows, or with
/// `partial` the valid ones. `progress` is called every 1,000 rows read.
pub async fn import_claims(
    db: &Db,
    creditor_id: i64,
    mut input: impl Read,
    partial: bool,
    now: i64,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport, ImportError> {
    let classes: Vec<(String, i64)> =
        sqlx::query_as("SELECT key, id FROM treatment_classes WHERE creditor_id = $1")
            .bind(creditor_id)
            .fetch_all(db.pool())
            .await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM creditors WHERE id = $1")
        .bind(creditor_id)
        .fetch_optional(db.pool())
        .await?;
    if exists.is_none() {
        return Err(ImportError::UnknownCreditor(creditor_id));
    }
    let classes: HashMap<String, i64> = classes.into_iter().collect();

    let mut raw = Vec::new();
    input.read_to_end(&mut raw)?;
    let (mut reader, header) = open_checked_csv(&raw, &REQUIRED, &COLUMNS)?;

    let mut report = ImportReport::default();
    let mut valid: Vec<ClaimRow> = Vec::new();
    let mut seen_ids = HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let row_number = index + 2;
        let record = record?;
        report.rows += 1;
        if report.rows % 1_000 == 0 {
            progress(report.rows);
        }
        let values: BTreeMap<String, String> = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_string))
            .collect();
        let mut problems = Vec::new();
        let class = values
            .get("treatment_class")
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .unwrap_or("standard");
        if !classes.contains_key(class) {
            problems.push(("treatment_class".to_string(), IntakeProblem::UnknownClass));
        }
        let external_id = values
            .get("external_id")
            .map(|v| v.trim())
            .unwrap_or_default();
        if !external_id.is_empty() && !seen_ids.insert(external_id.to_string()) {
            problems.push(("external_id".to_string(), IntakeProblem::Duplicate));
        }
        match check_row(&values) {
            Ok(row) if problems.is_empty() => valid.push(row),
            Ok(_) => {}
            Err(p) => problems.extend(p),
        }
        problems.sort_by_key(|(c, _)| COLUMNS.iter().position(|k| k == c));
        report
            .problems
            .extend(problems.into_iter().map(|(column, problem)| RowProblem {
                row: row_number,
                column,
                problem: problem.describe(),
            }));
    }
    if !report.problems.is_empty() && !partial {
        return Ok(report);
    }

    let mut tx = db.begin_write().await?;
    let mut references = References::next_free(&mut tx, now).await?;
    let mut known = Known::new(creditor_id, now);
    for chunk in valid.chunks(LOOK_UP_AT_ONCE) {
        known.look_up(&mut tx, chunk).await?;
        for row in chunk {
            let class_id = classes.get(&row.treatment_class).copied();
            match known.store(class_id, row, &mut references)? {
                StoredClaim::Existing { .. } => report.already_there += 1,
                StoredClaim::Created {
                    new_debtor,
                    new_case,
                    ..
                } => {
                    report.imported += 1;
                    report.new_debtors += usize::from(new_debtor);
                    report.new_cases += usize::from(new_case);
                }
            }
        }
        known.write(&mut tx).await?;
        known.forget_claims();
    }
    sqlx::query(
        "INSERT INTO audit_log (occurred_at, actor_kind, actor_id, action, detail, created_at, updated_at)
         VALUES ($1, 'system', 'cli', 'claims.imported', $2, $1, $1)",
    )
    .bind(now)
    .bind(
        serde_json::json!({
            "creditor_id": creditor_id,
            "rows": report.rows,
            "imported": report.imported,
            "already_there": report.already_there,
            "rejected_rows": report.rows_with_problems(),
        })
        .to_string(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    report.written = true;
    Ok(report)
}

/// How long the access data of a first letter opens the case.
const LETTER_VALIDITY_MS: i64 = 180 * 24 * 3_600_000;

/// One line of the mail-merge file for first letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterAccess {
    pub reference: String,
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub access_code: String,
    pub link: String,
}

/// Issues access data (a personal link and an access code, stored only as hashes) for every
/// running case of the creditor that has none yet. The codes exist in clear only once: `deliver`
/// gets them (to write the letters file) before the hashes are committed, all in one transaction.
/// If `deliver` fails nothing is stored; if the commit fails the caller learns it and must
/// discard what was delivered. A second run issues only what is missing.
pub async fn issue_access(
    db: &Db,
    creditor_id: i64,
    base_url: &str,
    now: i64,
    mut progress: impl FnMut(usize, usize),
    deliver: impl FnOnce(&[LetterAccess]) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    use app::server::credentials::{hash_token, new_access_code, new_link_token};
    let cases: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT c.id, c.reference, d.name, d.street, d.postcode, d.city FROM cases c
         JOIN debtors d ON d.id = c.debtor_id
         WHERE c.creditor_id = $1 AND c.state NOT IN ('paid', 'closed')
           AND NOT EXISTS (SELECT 1 FROM access_credentials a WHERE a.case_id = c.id AND a.revoked_at IS NULL AND a.expires_at > $2
                             AND a.code_hash <> '-')
         ORDER BY c.reference",
    )
    .bind(creditor_id)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let total = cases.len();
    // The codes are hashed before the transaction opens: Argon2 takes tens of milliseconds per
    // code by design, and on SQLite the transaction holds the write lock every other write of
    // the portal waits for.
    let mut hashes = Vec::with_capacity(total);
    let mut letters = Vec::with_capacity(total);
    for (n, (case_id, reference, name, street, postcode, city)) in cases.into_iter().enumerate() {
        let (token, code) = (new_link_token(), new_access_code());
        let code_hash = crate::accounts::argon2_hash(code.clone()).await?;
        hashes.push((case_id, hash_token(&token), code_hash));
        letters.push(LetterAccess {
            reference,
            name,
            street,
            postcode,
            city,
            access_code: app::domain::access::format_access_code(&code),
            link: format!("{}/c/{token}", base_url.trim_end_matches('/')),
        });
        if (n + 1) % 100 == 0 {
            progress(n + 1, total);
        }
    }
    let mut tx = db.begin_write().await?;
    for (case_id, token_hash, code_hash) in hashes {
        sqlx::query(
            "INSERT INTO access_credentials (case_id, token_hash, code_hash, factor_kind, issued_at, expires_at,
                                             created_at, updated_at)
             VALUES ($1, $2, $3, 'postcode', $4, $5, $4, $4)",
        )
        .bind(case_id)
        .bind(token_hash)
        .bind(code_hash)
        .bind(now)
        .bind(now + LETTER_VALIDITY_MS)
        .execute(&mut *tx)
        .await?;
    }
    deliver(&letters)?;
    tx.commit().await?;
    Ok(letters.len())
}

/// The letters as a mail-merge CSV ([`crate::exports::mail_merge_csv`]: UTF-8 with a byte order
/// mark, `;` between columns, no cell a spreadsheet would run).
pub fn letters_csv(letters: &[LetterAccess]) -> Result<Vec<u8>, csv::Error> {
    crate::exports::mail_merge_csv(
        &[
            "reference",
            "name",
            "street",
            "postcode",
            "city",
            "access_code",
            "link",
        ],
        letters.iter().map(|l| {
            vec![
                l.reference.as_str(),
                &l.name,
                &l.street,
                &l.postcode,
                &l.city,
                &l.access_code,
                &l.link,
            ]
        }),
    )
}
