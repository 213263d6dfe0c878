//! The claim ledger: items (costs, interest, principal) and the immutable postings that payments
//! and reversals make against them. Nothing is ever edited: a returned transfer or a chargeback is
//! booked as compensating postings, and every balance is derived from the postings up to a date.

use crate::domain::claim::{Breakdown, ItemKind};
use crate::domain::{Currency, Money, MoneyError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One amount owed on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerItem {
    /// The item's id, referenced by postings.
    pub id: i64,
    /// The claim the item belongs to.
    pub claim_id: i64,
    /// Cost, interest or principal.
    pub kind: ItemKind,
    /// What is owed (always positive).
    pub amount: Money,
    /// From when the item is owed (invoice date, interest calculation date, cost date).
    pub date: NaiveDate,
    /// The legal basis shown to the debtor, e.g. `§ 288 Abs. 1 BGB`.
    pub legal_basis: String,
}

/// Part of a payment booked against one item, or (with no item) kept as the debtor's credit.
/// Reversals are postings with negative amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    /// The payment (or reversal) this posting belongs to.
    pub payment_id: i64,
    /// The item paid; `None` for an overpayment kept as credit.
    pub item_id: Option<i64>,
    /// The amount booked: positive for a payment, negative for a reversal.
    pub amount: Money,
    /// From when the posting counts.
    pub value_date: NaiveDate,
}

/// The items and postings of one case, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// The currency of every item and posting.
    pub currency: Currency,
    /// What is owed.
    pub items: Vec<LedgerItem>,
    /// What was paid and reversed, append-only.
    pub postings: Vec<Posting>,
}

/// Why a ledger operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LedgerError {
    #[error(transparent)]
    /// An amount could not be computed.
    Money(#[from] MoneyError),
    #[error("payment {0} has no postings to reverse, or was reversed already")]
    /// The payment has nothing (left) to reverse.
    NothingToReverse(i64),
}

impl Ledger {
    /// An empty ledger.
    pub fn new(currency: Currency) -> Ledger {
        Ledger {
            currency,
            items: Vec::new(),
            postings: Vec::new(),
        }
    }

    /// What is still open on `item_id` at the end of `at`: its amount (if already owed) less the
    /// postings against it with a value date up to `at`.
    pub fn open_on_item(&self, item_id: i64, at: NaiveDate) -> Result<Money, MoneyError> {
        let owed = self
            .items
            .iter()
            .filter(|i| i.id == item_id && i.date <= at)
            .map(|i| i.amount);
        let paid = self
            .postings
            .iter()
            .filter(|p| p.item_id == Some(item_id) && p.value_date <= at)
            .map(|p| p.amount);
        Money::sum(self.currency, owed)?.checked_sub(Money::sum(self.currency, paid)?)
    }

    /// The debtor's credit (overpayments not yet used or refunded) at the end of `at`.
    pub fn credit_at(&self, at: NaiveDate) -> Result<Money, MoneyError> {
        Money::sum(
            self.currency,
            self.postings
                .iter()
                .filter(|p| p.item_id.is_none() && p.value_date <= at)
                .map(|p| p.amount),
        )
    }

    /// Totals at the end of `at`: what was owed by kind, what was paid, and the balance (negative
    /// when there is a credit).
    pub fn breakdown_at(&self, at: NaiveDate) -> Result<Breakdown, MoneyError> {
        crate::domain::claim::breakdown(
            self.currency,
            self.items
                .iter()
                .filter(|i| i.date <= at)
                .map(|i| (i.kind, i.amount)),
            self.postings
                .iter()
                .filter(|p| p.value_date <= at)
                .map(|p| p.amount),
        )
    }

    /// Appends postings; the ledger never changes or removes one.
    pub fn post(&mut self, postings: impl IntoIterator<Item = Posting>) {
        self.postings.extend(postings);
    }

    /// The compensating postings that undo payment `payment_id` as of `value_date` (a returned
    /// transfer or a chargeback). Each original posting is mirrored with the opposite amount, so
    /// the items are open again exactly as before; credit is removed the same way.
    pub fn reversal(
        &self,
        payment_id: i64,
        value_date: NaiveDate,
    ) -> Result<Vec<Posting>, LedgerError> {
        let net: Money = Money::sum(
            self.currency,
            self.postings
                .iter()
                .filter(|p| p.payment_id == payment_id)
                .map(|p| p.amount),
        )?;
        if net.minor <= 0 {
            return Err(LedgerError::NothingToReverse(payment_id));
        }
        Ok(self
            .postings
            .iter()
            .filter(|p| p.payment_id == payment_id && p.amount.minor > 0)
            .map(|p| Posting {
                payment_id,
                item_id: p.item_id,
                amount: Money::new(-p.amount.minor, p.amount.currency),
                value_date,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn eur(m: i64) -> Money {
        Money::new(m, Currency::EUR)
    }

    fn ledger() -> Ledger {
        let item = |id, kind, amount, date| LedgerItem {
            id,
            claim_id: 1,
            kind,
            amount: eur(amount),
            date: d(date),
            legal_basis: String::new(),
        };
        Ledger {
            currency: Currency::EUR,
            items: vec![
                item(1, ItemKind::Principal, 10_000, "2026-01-10"),
                item(2, ItemKind::Interest, 300, "2026-03-01"),
                item(3, ItemKind::Cost, 500, "2026-02-01"),
            ],
            postings: Vec::new(),
        }
    }

    #[test]
    fn balances_are_derived_from_items_and_postings_up_to_a_date() {
        let mut l = ledger();
        l.post([
            Posting {
                payment_id: 7,
                item_id: Some(3),
                amount: eur(500),
                value_date: d("2026-03-05"),
            },
            Posting {
                payment_id: 7,
                item_id: Some(2),
                amount: eur(300),
                value_date: d("2026-03-05"),
            },
            Posting {
                payment_id: 7,
                item_id: Some(1),
                amount: eur(200),
                value_date: d("2026-03-05"),
            },
        ]);
        assert_eq!(
            l.breakdown_at(d("2026-01-31")).expect("ok").balance,
            eur(10_000),
            "only the principal was owed"
        );
        assert_eq!(
            l.breakdown_at(d("2026-03-04")).expect("ok").balance,
            eur(10_800)
        );
        assert_eq!(
            l.breakdown_at(d("2026-03-05")).expect("ok").balance,
            eur(9_800)
        );
        assert_eq!(l.open_on_item(1, d("2026-03-05")), Ok(eur(9_800)));
        assert_eq!(l.open_on_item(2, d("2026-03-05")), Ok(eur(0)));
    }

    #[test]
    fn a_reversal_reopens_exactly_what_the_payment_closed_and_only_once() {
        let mut l = ledger();
        l.post([
            Posting {
                payment_id: 7,
                item_id: Some(3),
                amount: eur(500),
                value_date: d("2026-03-05"),
            },
            Posting {
                payment_id: 7,
                item_id: None,
                amount: eur(50),
                value_date: d("2026-03-05"),
            },
        ]);
        let before = l.breakdown_at(d("2026-03-04")).expect("ok");
        let reversal = l.reversal(7, d("2026-03-10")).expect("reversible");
        assert_eq!(reversal.len(), 2);
        l.post(reversal);
        assert_eq!(
            l.breakdown_at(d("2026-03-10")).expect("ok").balance,
            before.balance
        );
        assert_eq!(l.credit_at(d("2026-03-10")), Ok(eur(0)));
        assert_eq!(
            l.postings.len(),
            4,
            "the original postings stay; nothing is edited"
        );
        assert_eq!(
            l.reversal(7, d("2026-03-11")),
            Err(LedgerError::NothingToReverse(7))
        );
        assert_eq!(
            l.reversal(99, d("2026-03-11")),
            Err(LedgerError::NothingToReverse(99))
        );
    }
}
