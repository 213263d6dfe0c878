//! Downloads for the creditor (`;`-separated, UTF-8 with a byte order mark so that spreadsheets
//! read the umlauts, amounts with a decimal comma): the overview's cases, exactly the rows the
//! page's filter selects, and a remittance report's payments.

use app::domain::Language;
use app::dto::OverviewRow;

/// A cell that a spreadsheet would run as a formula is written as text.
fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
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
