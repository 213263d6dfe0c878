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
/// Reversals are postings with negative amounts. A write-down (a part waived or written off, no
/// money received) lowers an item the same way and is told apart by its negative `payment_id`
/// (the write-down's id, negated; see [`Posting::write_down`]).
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

impl Posting {
    /// A write-down of `amount` on `item_id` from `value_date`: write-down `id` as a posting.
    pub fn write_down(id: i64, item_id: i64, amount: Money, value_date: NaiveDate) -> Posting {
        Posting {
            payment_id: -id,
            item_id: Some(item_id),
            amount,
            value_date,
        }
    }

    /// Whether this is a write-down, not (part of) a payment.
    pub fn is_write_down(&self) -> bool {
        self.payment_id < 0
    }
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
        // A write-down lowers what is owed of its item's kind; it is no payment.
        let kind_of =
            |id: Option<i64>| self.items.iter().find(|i| Some(i.id) == id).map(|i| i.kind);
        let written_down = self
            .postings
            .iter()
            .filter(|p| p.is_write_down() && p.value_date <= at)
            .filter_map(|p| {
                kind_of(p.item_id).map(|k| (k, Money::new(-p.amount.minor, p.amount.currency)))
            });
        crate::domain::claim::breakdown(
            self.currency,
            self.items
                .iter()
                .filter(|i| i.date <= at)
                .map(|i| (i.kind, i.amount))
                .chain(written_down),
            self.postings
                .iter()
                .filter(|p| !p.is_write_down() && p.value_date <= at)
                .map(|p| p.amount),
        )
    }

    /// The write-downs that leave nothing open at the end of `at` on any item, numbered from
    /// `next_id` (one per item with something open).
    pub fn write_off_all(
        &self,
        at: NaiveDate,
        mut next_id: impl FnMut() -> Option<i64>,
    ) -> Result<Option<Vec<Posting>>, MoneyError> {
        let mut out = Vec::new();
        for item in &self.items {
            let open = self.open_on_item(item.id, at)?;
            if open.minor > 0 {
                let Some(id) = next_id() else {
                    return Ok(None);
                };
                out.push(Posting::write_down(id, item.id, open, at));
            }
        }
        Ok(Some(out))
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
    fn a_write_off_leaves_nothing_open_and_is_no_payment() {
        let mut l = ledger();
        l.post([Posting {
            payment_id: 7,
            item_id: Some(3),
            amount: eur(500),
            value_date: d("2026-03-05"),
        }]);
        let mut next = 40;
        let downs = l
            .write_off_all(d("2026-03-10"), || {
                next += 1;
                Some(next)
            })
            .expect("adds up")
            .expect("ids");
        let amounts: Vec<(Option<i64>, i64, i64)> = downs
            .iter()
            .map(|p| (p.item_id, p.amount.minor, p.payment_id))
            .collect();
        assert_eq!(amounts, vec![(Some(1), 10_000, -41), (Some(2), 300, -42)]);
        assert!(downs.iter().all(Posting::is_write_down));
        l.post(downs);
        let b = l.breakdown_at(d("2026-03-10")).expect("adds up");
        assert_eq!(
            (b.principal, b.interest, b.costs),
            (eur(0), eur(0), eur(500))
        );
        assert_eq!((b.payments, b.balance), (eur(500), eur(0)));
        assert_eq!(
            l.breakdown_at(d("2026-03-09")).expect("adds up").balance,
            eur(10_300),
            "from its value date on"
        );
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
