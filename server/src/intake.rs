//! Claim intake from the command line: creditors (with the default treatment classes) and
//! hand-over files in CSV. A file with errors is rejected as a whole with a report naming row,
//! column and problem — or, when asked, its valid rows are imported and the report lists the
//! rest. Never a silent partial import. Importing the same claim again changes nothing.

use crate::db::Db;
use app::domain::access::case_reference;
use app::domain::intake::{check_row, ClaimRow, IntakeProblem, COLUMNS, REQUIRED};
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

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

/// Case references of the year, handed out in order within one transaction.
pub struct References {
    year: i32,
    last: u32,
}

impl References {
    /// The references after the highest one of the year of `now`.
    pub async fn next_free(tx: &mut Transaction<'_, Any>, now: i64) -> Result<Self, sqlx::Error> {
        let year = chrono::DateTime::from_timestamp_millis(now)
            .map(|t| chrono::Datelike::year(&t))
            .unwrap_or(2026);
        let last: Option<String> = sqlx::query_scalar(
            "SELECT reference FROM cases WHERE reference LIKE $1 ORDER BY reference DESC LIMIT 1",
        )
        .bind(format!(
            "{}%",
            case_reference(year, 0).trim_end_matches('0')
        ))
        .fetch_optional(&mut **tx)
        .await?;
        let last = last
            .and_then(|r| r.rsplit('-').next().and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        Ok(References { year, last })
    }

    fn take(&mut self) -> String {
        self.last += 1;
        case_reference(self.year, self.last)
    }
}

/// Rows of a hand-over whose claims and debtors are looked up with one statement each.
const LOOK_UP_AT_ONCE: usize = 500;

/// What a treatment class waives of the interest and costs handed over with a claim.
#[derive(Debug, Clone, Copy, Default)]
struct Waivers {
    interest: bool,
    costs: bool,
}

/// A debtor's running case and what its class waives.
#[derive(Debug, Clone, Copy)]
struct Running {
    case_id: i64,
    waives: Waivers,
}

/// Ids reserved for the new rows of a chunk (see `crate::db::reserve_ids`).
#[derive(Debug, Default)]
struct Reserved {
    debtors: std::vec::IntoIter<i64>,
    cases: std::vec::IntoIter<i64>,
    claims: std::vec::IntoIter<i64>,
}

/// A case to write.
#[derive(Debug)]
struct NewCase {
    id: i64,
    reference: String,
    debtor_id: i64,
    class_id: Option<i64>,
}

/// What a hand-over knows of the creditor's claims, debtors and their running cases, and what it
/// stored but has not written yet. A chunk of rows is looked up at once (`look_up`: a handful of
/// statements for 500 rows), stored in memory row by row (`store`, each row seeing the ones
/// before it: a debtor's second claim joins the case the first one opened) and written at once
/// (`write`: one statement per table and hundred rows) — instead of four or five statements
/// per claim.
#[derive(Debug)]
pub struct Known<'r> {
    creditor_id: i64,
    /// External id → claim.
    claims: HashMap<String, i64>,
    /// Customer number → debtor.
    debtors: HashMap<String, i64>,
    /// Debtor → its running case, once looked up or opened (`None`: it has none).
    running: HashMap<i64, Option<Running>>,
    /// Treatment class → what it waives (the creditor's classes, read once).
    classes: Option<HashMap<i64, Waivers>>,
    ids: Reserved,
    now: i64,
    new_debtors: Vec<(i64, &'r ClaimRow)>,
    new_cases: Vec<NewCase>,
    new_claims: Vec<(i64, i64, &'r ClaimRow)>,
    items: Vec<NewItem>,
    /// Case and detail of the charges a class waived (a timeline entry each).
    waived: Vec<(i64, String)>,
}

/// A claim item to write: principal, interest or cost.
#[derive(Debug)]
struct NewItem {
    claim_id: i64,
    kind: &'static str,
    description: String,
    legal_basis: Option<&'static str>,
    item_date: String,
    amount_minor: i64,
    interest_base_minor: Option<i64>,
    interest_rate_bp: Option<i64>,
    period_start: Option<String>,
    period_end: Option<String>,
}

/// The next of the reserved ids; running out is a fault in counting what a chunk needs.
fn next_id(ids: &mut std::vec::IntoIter<i64>, what: &str) -> Result<i64, sqlx::Error> {
    ids.next().ok_or_else(|| {
        sqlx::Error::Protocol(format!(
            "a hand-over stored more {what} than it reserved ids for"
        ))
    })
}

impl<'r> Known<'r> {
    /// Nothing known yet of `creditor_id`'s claims; what is stored is stored at `now`.
    pub fn new(creditor_id: i64, now: i64) -> Self {
        Known {
            creditor_id,
            claims: HashMap::new(),
            debtors: HashMap::new(),
            running: HashMap::new(),
            classes: None,
            ids: Reserved::default(),
            now,
            new_debtors: Vec::new(),
            new_cases: Vec::new(),
            new_claims: Vec::new(),
            items: Vec::new(),
            waived: Vec::new(),
        }
    }

    /// Looks up the claims, debtors and running cases `rows` name that are not known yet, and
    /// reserves the ids of the debtors, cases and claims that storing them will create.
    pub async fn look_up(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        rows: &[ClaimRow],
    ) -> Result<(), sqlx::Error> {
        let creditor_id = self.creditor_id;
        if self.classes.is_none() {
            let classes: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT id, waive_interest, waive_costs FROM treatment_classes WHERE creditor_id = $1",
            )
            .bind(creditor_id)
            .fetch_all(&mut **tx)
            .await?;
            self.classes = Some(
                classes
                    .into_iter()
                    .map(|(id, i, c)| {
                        (
                            id,
                            Waivers {
                                interest: i != 0,
                                costs: c != 0,
                            },
                        )
                    })
                    .collect(),
            );
        }
        let ids: HashSet<&str> = rows
            .iter()
            .map(|r| r.external_id.as_str())
            .filter(|id| !self.claims.contains_key(*id))
            .collect();
        let select = "SELECT external_id, id FROM claims";
        for (id, claim_id) in in_list(tx, select, creditor_id, "external_id", ids).await? {
            self.claims.insert(id, claim_id);
        }
        let numbers: HashSet<&str> = rows
            .iter()
            .map(|r| r.customer_number.as_str())
            .filter(|n| !self.debtors.contains_key(*n))
            .collect();
        let select = "SELECT customer_number, id FROM debtors";
        for (number, debtor_id) in
            in_list(tx, select, creditor_id, "customer_number", numbers).await?
        {
            self.debtors.insert(number, debtor_id);
        }
        // A debtor's claims at one creditor are one case while it is running.
        let unasked: Vec<i64> = rows
            .iter()
            .filter_map(|r| self.debtors.get(&r.customer_number).copied())
            .filter(|d| !self.running.contains_key(d))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in unasked.chunks(crate::db::MAX_BINDS) {
            let sql = format!(
                "SELECT c.debtor_id, c.id, COALESCE(tc.waive_interest, 0), COALESCE(tc.waive_costs, 0)
                 FROM cases c LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
                 WHERE c.id IN (SELECT MIN(id) FROM cases WHERE debtor_id IN ({})
                                AND state NOT IN ('paid', 'closed') GROUP BY debtor_id)",
                crate::db::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, i64, i64, i64)>(&sql);
            for debtor in chunk {
                query = query.bind(*debtor);
            }
            for (debtor, case_id, i, c) in query.fetch_all(&mut **tx).await? {
                let waives = Waivers {
                    interest: i != 0,
                    costs: c != 0,
                };
                self.running
                    .insert(debtor, Some(Running { case_id, waives }));
            }
            for debtor in chunk {
                self.running.entry(*debtor).or_insert(None);
            }
        }
        // What storing the rows creates: a debtor for each customer number not known, a case for
        // each debtor without a running one, a claim for each claim not known.
        let mut claims = HashSet::new();
        let mut new_debtors = HashSet::new();
        let mut new_cases = HashSet::new();
        for r in rows
            .iter()
            .filter(|r| !self.claims.contains_key(&r.external_id))
        {
            if !claims.insert(r.external_id.as_str()) {
                continue;
            }
            match self.debtors.get(&r.customer_number) {
                None => {
                    new_debtors.insert(r.customer_number.as_str());
                }
                Some(d) if !matches!(self.running.get(d), Some(Some(_))) => {
                    new_cases.insert(*d);
                }
                Some(_) => {}
            }
        }
        self.ids = Reserved {
            debtors: crate::db::reserve_ids(tx, "debtors", new_debtors.len())
                .await?
                .into_iter(),
            cases: crate::db::reserve_ids(tx, "cases", new_debtors.len() + new_cases.len())
                .await?
                .into_iter(),
            claims: crate::db::reserve_ids(tx, "claims", claims.len())
                .await?
                .into_iter(),
        };
        Ok(())
    }

    /// Stores one checked claim in memory: its debtor (found by customer number or new), its case
    /// (the debtor's running case or a new one with a reference from `references`) and its
    /// principal, interest and costs. A claim whose external id is known is left as it is.
    /// `look_up` must have seen `row`; `write` writes what was stored.
    pub fn store(
        &mut self,
        class_id: Option<i64>,
        row: &'r ClaimRow,
        references: &mut References,
    ) -> Result<StoredClaim, sqlx::Error> {
        if let Some(&claim_id) = self.claims.get(&row.external_id) {
            return Ok(StoredClaim::Existing { claim_id });
        }
        let (debtor_id, new_debtor) = match self.debtors.get(&row.customer_number) {
            Some(&id) => (id, false),
            None => {
                let id = next_id(&mut self.ids.debtors, "debtors")?;
                self.debtors.insert(row.customer_number.clone(), id);
                self.new_debtors.push((id, row));
                (id, true)
            }
        };
        let (running, new_case) = match self.running.get(&debtor_id).copied().flatten() {
            Some(running) => (running, false),
            None => {
                let id = next_id(&mut self.ids.cases, "cases")?;
                let waives = class_id
                    .and_then(|c| self.classes.as_ref()?.get(&c).copied())
                    .unwrap_or_default();
                self.new_cases.push(NewCase {
                    id,
                    reference: references.take(),
                    debtor_id,
                    class_id,
                });
                let running = Running {
                    case_id: id,
                    waives,
                };
                self.running.insert(debtor_id, Some(running));
                (running, true)
            }
        };
        let claim_id = next_id(&mut self.ids.claims, "claims")?;
        self.new_claims.push((claim_id, running.case_id, row));
        self.claims.insert(row.external_id.clone(), claim_id);
        self.items.push(NewItem {
            claim_id,
            kind: "principal",
            description: format!("Hauptforderung {}", row.external_id),
            legal_basis: None,
            item_date: crate::db::iso(row.contract_date),
            amount_minor: row.principal.minor,
            interest_base_minor: None,
            interest_rate_bp: None,
            period_start: None,
            period_end: None,
        });
        self.store_charges(running, claim_id, row);
        Ok(StoredClaim::Created {
            claim_id,
            new_debtor,
            new_case,
        })
    }

    /// The interest and costs handed over with a claim, unless the case's treatment class waives
    /// them: then they are not charged, and an internal timeline entry records what was waived.
    fn store_charges(&mut self, case: Running, claim_id: i64, row: &ClaimRow) {
        let mut waived = serde_json::Map::new();
        if let Some(i) = &row.interest {
            if case.waives.interest {
                waived.insert("interest_minor".into(), i.amount.minor.into());
            } else {
                let day = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
                self.items.push(NewItem {
                    claim_id,
                    kind: "interest",
                    description: format!(
                        "Verzugszinsen {},{:02} % p. a. vom {} bis {}",
                        i.rate_bp / 100,
                        i.rate_bp % 100,
                        day(i.from),
                        day(i.to)
                    ),
                    legal_basis: Some("§§ 286, 288 BGB"),
                    item_date: crate::db::iso(i.to),
                    amount_minor: i.amount.minor,
                    interest_base_minor: Some(row.principal.minor),
                    interest_rate_bp: Some(i.rate_bp),
                    period_start: Some(crate::db::iso(i.from)),
                    period_end: Some(crate::db::iso(i.to)),
                });
            }
        }
        if let Some(c) = &row.costs {
            if case.waives.costs {
                waived.insert("costs_minor".into(), c.amount.minor.into());
            } else {
                self.items.push(NewItem {
                    claim_id,
                    kind: "cost",
                    description: c.description.clone(),
                    legal_basis: None,
                    item_date: crate::db::iso(row.due_date),
                    amount_minor: c.amount.minor,
                    interest_base_minor: None,
                    interest_rate_bp: None,
                    period_start: None,
                    period_end: None,
                });
            }
        }
        if !waived.is_empty() {
            waived.insert("external_id".into(), row.external_id.clone().into());
            self.waived
                .push((case.case_id, serde_json::Value::Object(waived).to_string()));
        }
    }

    /// Writes what was stored since the last `write`, in the order it was stored: debtors, cases,
    /// claims, their items and the timeline entries of waived charges. Must run before anything
    /// reads them, and before the transaction commits.
    pub async fn write(&mut self, tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
        let (creditor_id, now) = (self.creditor_id, self.now);
        crate::db::insert_rows(
            tx,
            "INSERT INTO debtors (id, creditor_id, customer_number, kind, name, street, postcode, city, country,
                                  email, phone, language, iban, address_researched, created_at, updated_at)",
            16,
            "",
            &self.new_debtors,
            |q, (id, row)| {
                q.bind(*id)
                    .bind(creditor_id)
                    .bind(row.customer_number.as_str())
                    .bind(row.debtor_kind.as_str())
                    .bind(row.debtor_name.as_str())
                    .bind(row.street.as_str())
                    .bind(row.postcode.as_str())
                    .bind(row.city.as_str())
                    .bind(row.country.as_str())
                    .bind(row.email.as_deref())
                    .bind(row.phone.as_deref())
                    .bind(row.language.code())
                    .bind(row.iban.as_ref().map(|i| i.as_str().to_string()))
                    .bind(i64::from(row.address_researched))
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        crate::db::insert_rows(
            tx,
            "INSERT INTO cases (id, reference, creditor_id, debtor_id, currency, state, treatment_class_id, created_at, updated_at)",
            9,
            "",
            &self.new_cases,
            |q, c| {
                q.bind(c.id)
                    .bind(c.reference.as_str())
                    .bind(creditor_id)
                    .bind(c.debtor_id)
                    .bind("EUR")
                    .bind("open")
                    .bind(c.class_id)
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        crate::db::insert_rows(
            tx,
            "INSERT INTO claims (id, case_id, creditor_id, external_id, subject, contract_date, invoice_number, due_date,
                                 created_at, updated_at)",
            10,
            "",
            &self.new_claims,
            |q, (id, case_id, row)| {
                q.bind(*id)
                    .bind(*case_id)
                    .bind(creditor_id)
                    .bind(row.external_id.as_str())
                    .bind(row.subject.as_str())
                    .bind(crate::db::iso(row.contract_date))
                    .bind(row.external_id.as_str())
                    .bind(crate::db::iso(row.due_date))
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        crate::db::insert_rows(
            tx,
            "INSERT INTO claim_items (claim_id, kind, description, legal_basis, item_date, amount_minor, currency,
                                      interest_base_minor, interest_rate_bp, period_start, period_end, created_at, updated_at)",
            13,
            "",
            &self.items,
            |q, i| {
                q.bind(i.claim_id)
                    .bind(i.kind)
                    .bind(i.description.as_str())
                    .bind(i.legal_basis)
                    .bind(i.item_date.as_str())
                    .bind(i.amount_minor)
                    .bind("EUR")
                    .bind(i.interest_base_minor)
                    .bind(i.interest_rate_bp)
                    .bind(i.period_start.as_deref())
                    .bind(i.period_end.as_deref())
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        let events: Vec<crate::db::NewEvent> = self
            .waived
            .iter()
            .map(|(case_id, detail)| crate::db::NewEvent {
                case_id: *case_id,
                at: now,
                actor: "system",
                kind: "charges_waived",
                detail,
            })
            .collect();
        crate::db::insert_events(tx, &events).await?;
        self.new_debtors.clear();
        self.new_cases.clear();
        self.new_claims.clear();
        self.items.clear();
        self.waived.clear();
        self.ids = Reserved::default();
        Ok(())
    }

    /// Forgets the claims looked up or stored so far (a file names each claim once: the claims
    /// of a chunk written are not asked for again).
    pub fn forget_claims(&mut self) {
        self.claims.clear();
    }
}

/// `select` (two columns: a text key, an id) of the creditor's rows whose `column` is in `keys`.
async fn in_list(
    tx: &mut Transaction<'_, Any>,
    select: &str,
    creditor_id: i64,
    column: &str,
    keys: HashSet<&str>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{select} WHERE creditor_id = $1 AND {column} IN ({})",
        crate::db::placeholders(2, keys.len())
    );
    let mut query = sqlx::query_as::<_, (String, i64)>(&sql).bind(creditor_id);
    for key in keys {
        query = query.bind(key);
    }
    query.fetch_all(&mut **tx).await
}

/// What storing one claim did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredClaim {
    /// A claim with this external id was there already and is left unchanged.
    Existing { claim_id: i64 },
    /// The claim is new; its debtor and case are new or were there.
    Created {
        claim_id: i64,
        new_debtor: bool,
        new_case: bool,
    },
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
