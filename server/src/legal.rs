//! Administering the legal tables from the command line (`server base-rates`).

use crate::db::Db;
use anyhow::{anyhow, bail};
use app::domain::interest::{BaseRate, BaseRateTable, BASE_RATE_LEAD_DAYS};
use app::server::ports::LegalTables;
use chrono::NaiveDate;

/// Reads a rate in percent with at most two decimals (`1.27`, `-0,88`, `3`) as basis points.
pub fn parse_percent_bp(text: &str) -> anyhow::Result<i32> {
    let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let valid = !whole.is_empty()
        && whole.len() <= 3
        && fraction.len() <= 2
        && whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit());
    if !valid {
        bail!("'{text}' is not a rate in percent with at most two decimals, like 1.27 or -0.88");
    }
    let bp = whole.parse::<i32>()? * 100 + format!("{fraction:0<2}").parse::<i32>()?;
    Ok(if negative { -bp } else { bp })
}

/// Adds or corrects a half-year's base rate after checking that the table stays valid.
pub async fn set_base_rate(
    db: &Db,
    from: NaiveDate,
    rate: &str,
    source: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    let rate = BaseRate {
        valid_from: from,
        rate_bp: parse_percent_bp(rate)?,
    };
    let mut rows = db
        .base_rates()
        .await
        .map_err(|_| anyhow!("cannot read the base rates"))?;
    rows.retain(|r| r.valid_from != from);
    rows.push(rate);
    BaseRateTable::new(rows)?;
    db.set_base_rate(rate, source, now_ms)
        .await
        .map_err(|_| anyhow!("cannot store the base rate"))
}

/// The table as text, newest first, with the date from which interest can no longer be computed.
pub async fn list_base_rates(db: &Db) -> anyhow::Result<String> {
    let rows = db
        .base_rates()
        .await
        .map_err(|_| anyhow!("cannot read the base rates"))?;
    let mut out = String::from("valid from   base rate\n");
    for r in rows.iter().rev() {
        out.push_str(&format!(
            "{}   {:>6.2} %\n",
            r.valid_from,
            f64::from(r.rate_bp) / 100.0
        ));
    }
    if let Some(newest) = rows.last() {
        let table = BaseRateTable::new(rows.clone())?;
        let mut day = newest.valid_from;
        while table.rate_on(day).is_ok() {
            day = day.succ_opt().unwrap_or(day);
        }
        out.push_str(&format!(
            "Interest can be computed up to {}; add the rate from {day} when it is published.\n",
            day.pred_opt().unwrap_or(day)
        ));
    }
    Ok(out)
}

/// The first day of a half-year whose base rate is missing, when it begins within
/// [`BASE_RATE_LEAD_DAYS`] of `today` or has begun: running interest stops the day before until
/// the rate is entered (`server base-rates set`).
pub async fn missing_base_rate(db: &Db, today: NaiveDate) -> anyhow::Result<Option<NaiveDate>> {
    let rows = db
        .base_rates()
        .await
        .map_err(|_| anyhow!("cannot read the base rates"))?;
    Ok(BaseRateTable::new(rows)?.missing_soon(today, BASE_RATE_LEAD_DAYS))
}

/// Logs a warning at start-up when a half-year's base rate is missing or about to be.
pub async fn warn_of_missing_base_rate(db: &Db, today: NaiveDate) {
    match missing_base_rate(db, today).await {
        Ok(Some(day)) => tracing::warn!(
            from = %day,
            "no base rate (§ 247 BGB) is known from {day}: running default interest stops on the day before; \
             enter the Bundesbank's rate with `server base-rates set --from {day} --rate <percent>`"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "the base rates could not be checked"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_percent_bp;

    #[test]
    fn rates_are_read_in_percent_with_two_decimals_at_most() {
        assert_eq!(parse_percent_bp("1.27").expect("ok"), 127);
        assert_eq!(parse_percent_bp("-0,88").expect("ok"), -88);
        assert_eq!(parse_percent_bp("3 %").expect("ok"), 300);
        assert_eq!(parse_percent_bp("0.5").expect("ok"), 50);
        for bad in ["", "1.275", "abc", "1.2.3", "--1", "1000"] {
            assert!(parse_percent_bp(bad).is_err(), "{bad}");
        }
    }
}
