//! How running interest is stored and shown: the segments of a charged interest item as JSON,
//! and the item lines a debtor sees for each segment, whether charged or accrued when read.

use super::StoreResult;
use app::domain::accrual::AccruedItem;
use app::domain::claim::ItemKind;
use app::domain::interest::InterestLine;
use app::domain::{Currency, Money};
use app::dto::{InterestDetail, ItemView};
use app::server::ports::StoreError;

/// One stored segment: principal, rate in basis points, first day, the day after the last, days,
/// interest (minor units).
type Segment = (i64, i32, String, String, i64, i64);

/// The segments of an interest item as stored in `claim_items.segments`.
pub(crate) fn encode(lines: &[InterestLine]) -> String {
    let rows: Vec<Segment> = lines
        .iter()
        .map(|l| {
            (
                l.principal.minor,
                l.rate_bp,
                super::iso(l.from),
                super::iso(l.to),
                l.days,
                l.interest.minor,
            )
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// The segments stored for an interest item.
pub(crate) fn decode(raw: &str, currency: Currency) -> StoreResult<Vec<InterestLine>> {
    let rows: Vec<Segment> = serde_json::from_str(raw).map_err(|e| {
        tracing::error!(error = %e, "the segments of an interest item do not decode");
        StoreError
    })?;
    rows.into_iter()
        .map(|(principal, rate_bp, from, to, days, interest)| {
            Ok(InterestLine {
                principal: Money::new(principal, currency),
                rate_bp,
                from: super::date(&from)?,
                to: super::date(&to)?,
                days,
                interest: Money::new(interest, currency),
            })
        })
        .collect()
}

/// The lines a debtor sees for running interest: one per segment, each with its principal, rate,
/// period and days (§ 13a (1) no. 5 RDG).
pub(crate) fn segment_views(lines: &[InterestLine]) -> Vec<ItemView> {
    lines
        .iter()
        .map(|l| ItemView {
            kind: ItemKind::Interest,
            description: "Verzugszinsen (gesetzlich, bis zur Zahlung)".into(),
            legal_basis: Some("§§ 286, 288 BGB".into()),
            date: l.to.pred_opt().unwrap_or(l.to),
            amount: l.interest,
            interest: Some(InterestDetail {
                base: l.principal,
                rate_bp: i64::from(l.rate_bp),
                from: l.from,
                to: l.to,
            }),
            vat_included: false,
        })
        .collect()
}

/// The lines of an item accrued when read.
pub(crate) fn accrued_views(item: &AccruedItem) -> Vec<ItemView> {
    match item.kind {
        ItemKind::Interest => segment_views(&item.lines),
        _ => vec![ItemView {
            kind: ItemKind::Cost,
            description: "Verzugspauschale".into(),
            legal_basis: Some(item.legal_basis().into()),
            date: item.from,
            amount: item.amount,
            interest: None,
            vat_included: false,
        }],
    }
}
