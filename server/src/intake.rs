//! Claim intake from the command line: creditors (with the default treatment classes) and
//! hand-over files in CSV. A file with errors is rejected as a whole with a report naming row,
//! column and problem — or, when asked, its valid rows are imported and the report lists the
//! rest. Never a silent partial import. Importing the same claim again changes nothing.

pub use crate::db::access_letters::{issue_access, letters_csv, LetterAccess};
pub use crate::db::creditor_setup::{create_creditor, insert_default_classes, NewCreditor};
use crate::db::intake::LOOK_UP_AT_ONCE;
pub use crate::db::intake::{Known, References, StoredClaim};
use crate::db::Db;
use app::domain::intake::{check_row, ClaimRow, IntakeProblem, COLUMNS, REQUIRED};
use std::collections::{BTreeMap, HashSet};
use std::io::Read;

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
    if !db.creditor_exists(creditor_id).await? {
        return Err(ImportError::UnknownCreditor(creditor_id));
    }
    let classes = db.class_ids(creditor_id).await?;

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
    let detail = serde_json::json!({
        "creditor_id": creditor_id,
        "rows": report.rows,
        "imported": report.imported,
        "already_there": report.already_there,
        "rejected_rows": report.rows_with_problems(),
    });
    let audit = crate::db::audit::system_entry(now, "cli", "claims.imported", detail);
    crate::db::insert_audit(&mut tx, &audit).await?;
    tx.commit().await?;
    report.written = true;
    Ok(report)
}
