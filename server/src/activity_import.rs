//! Customer activity from a CSV file (`server import-activities` and the creditor portal): the
//! same checks as the API, row by row. A file with any problem is stored not at all; the report
//! names every row, column and problem. Activities reported before with the same data are left
//! as they are; with other data they are a problem (the event id is the creditor's promise that
//! it is the same event).

use crate::db::activities::{report_in, Reported};
use crate::db::Db;
use crate::intake::{open_checked_csv, ImportError, RowProblem};
use app::domain::activity::{check_activity, FIELDS};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashSet};

/// What an activity import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityImport {
    /// Rows read (without the header).
    pub rows: usize,
    /// Activities stored now.
    pub created: usize,
    /// Activities reported before with the same data.
    pub unchanged: usize,
    /// Every problem; when not empty, nothing was stored.
    pub problems: Vec<RowProblem>,
    pub written: bool,
}

impl ActivityImport {
    /// The report as `server import-activities` prints it.
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
                "Stored {} of {} activities; {} were reported before and left unchanged.\n",
                self.created, self.rows, self.unchanged
            ));
        } else {
            out.push_str(&format!(
                "Nothing was stored: {} of {} rows have problems.\n",
                self.problems
                    .iter()
                    .map(|p| p.row)
                    .collect::<HashSet<_>>()
                    .len(),
                self.rows
            ));
        }
        out
    }
}

const REQUIRED: [&str; 4] = ["event_id", "customer_number", "kind", "date"];

/// Reads, checks and stores the file for `creditor_id` in one transaction; `today` bounds the
/// dates.
pub async fn import_activities(
    db: &Db,
    creditor_id: i64,
    raw: &[u8],
    today: NaiveDate,
    now: i64,
) -> Result<ActivityImport, ImportError> {
    let (mut reader, header) = open_checked_csv(raw, &REQUIRED, &FIELDS)?;
    let mut report = ActivityImport::default();
    let mut valid = Vec::new();
    let mut seen = HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = record?;
        report.rows += 1;
        let values: BTreeMap<String, String> = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_string))
            .collect();
        match check_activity(&values, today) {
            Ok(a) if !seen.insert(a.event_id.clone()) => report.problems.push(RowProblem {
                row,
                column: "event_id".into(),
                problem: "appears twice in the file".into(),
            }),
            Ok(a) => valid.push((row, a)),
            Err(problems) => report
                .problems
                .extend(problems.into_iter().map(|(column, p)| RowProblem {
                    row,
                    column,
                    problem: p.describe(),
                })),
        }
    }
    if !report.problems.is_empty() {
        return Ok(report);
    }
    let mut tx = db.begin_write().await?;
    for (row, a) in &valid {
        match report_in(&mut tx, creditor_id, a, now).await? {
            Reported::Created(_) => report.created += 1,
            Reported::Same(_) => report.unchanged += 1,
            Reported::Differs(_, fields) => report.problems.push(RowProblem {
                row: *row,
                column: "event_id".into(),
                problem: format!(
                    "was reported before with another {}; an event id stands for one event",
                    fields.join(", ")
                ),
            }),
            Reported::UnknownCustomer => report.problems.push(RowProblem {
                row: *row,
                column: "customer_number".into(),
                problem: "no debtor of this creditor has this customer number".into(),
            }),
        }
    }
    if !report.problems.is_empty() {
        tx.rollback().await?;
        return Ok(report);
    }
    let detail = serde_json::json!({
        "creditor_id": creditor_id,
        "rows": report.rows,
        "created": report.created,
        "unchanged": report.unchanged,
    });
    let audit = crate::db::audit::system_entry(now, "import", "activities.imported", detail);
    crate::db::insert_audit(&mut tx, &audit).await?;
    tx.commit().await?;
    report.written = true;
    Ok(report)
}
