//! Downloads for the creditor: the overview's cases as CSV (`;`-separated, UTF-8 with a byte
//! order mark so that spreadsheets read the umlauts), exactly the rows the page's filter selects.

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

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{Currency, Money};

    #[test]
    fn rows_are_written_with_german_amounts_and_no_formulas() {
        let row = OverviewRow {
            case_id: 1,
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
