//! Claims and their breakdown into principal, interest, costs, payments and balance.
//!
//! The statutory allocation of payments (§§ 366, 367 BGB) is not decided here yet; the breakdown
//! shows what is owed and what has been paid, which is what a debtor must see in any case.

use crate::domain::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};

/// What a claim item is, in the order § 367 BGB ranks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    /// The original receivable (the invoice amount).
    Principal,
    /// Default interest accrued on the principal.
    Interest,
    /// Costs of collection (reminder fees, agency fees, the € 40 B2B lump sum).
    Cost,
}

impl ItemKind {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            ItemKind::Principal => "principal",
            ItemKind::Interest => "interest",
            ItemKind::Cost => "cost",
        }
    }

    /// Parses a stored value; anything unknown is `None`.
    pub fn from_code(code: &str) -> Option<ItemKind> {
        match code {
            "principal" => Some(ItemKind::Principal),
            "interest" => Some(ItemKind::Interest),
            "cost" => Some(ItemKind::Cost),
            _ => None,
        }
    }
}

/// The totals a debtor sees for a case or a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The sum of the principal items.
    pub principal: Money,
    /// The sum of the interest items.
    pub interest: Money,
    /// The sum of the cost items.
    pub costs: Money,
    /// Everything paid so far.
    pub payments: Money,
    /// What is still owed; negative when the debtor has paid more than was owed (a credit).
    pub balance: Money,
}

/// Adds up items by kind and subtracts the payments. Every amount must be in `currency`.
pub fn breakdown(
    currency: Currency,
    items: impl IntoIterator<Item = (ItemKind, Money)>,
    payments: impl IntoIterator<Item = Money>,
) -> Result<Breakdown, MoneyError> {
    let zero = Money::zero(currency);
    let (mut principal, mut interest, mut costs) = (zero, zero, zero);
    for (kind, amount) in items {
        let slot = match kind {
            ItemKind::Principal => &mut principal,
            ItemKind::Interest => &mut interest,
            ItemKind::Cost => &mut costs,
        };
        *slot = slot.checked_add(amount)?;
    }
    let payments = Money::sum(currency, payments)?;
    let balance = principal
        .checked_add(interest)?
        .checked_add(costs)?
        .checked_sub(payments)?;
    Ok(Breakdown {
        principal,
        interest,
        costs,
        payments,
        balance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn breakdown_sums_each_kind_and_subtracts_payments() {
        let b = breakdown(
            Currency::EUR,
            [
                (ItemKind::Principal, eur(10_000)),
                (ItemKind::Principal, eur(2_550)),
                (ItemKind::Interest, eur(312)),
                (ItemKind::Cost, eur(4_000)),
            ],
            [eur(5_000), eur(1)],
        )
        .expect("same currency");
        assert_eq!(b.principal, eur(12_550));
        assert_eq!(b.interest, eur(312));
        assert_eq!(b.costs, eur(4_000));
        assert_eq!(b.payments, eur(5_001));
        assert_eq!(b.balance, eur(11_861));
    }

    #[test]
    fn overpayment_shows_as_negative_balance_and_foreign_currency_is_refused() {
        let b =
            breakdown(Currency::EUR, [(ItemKind::Principal, eur(100))], [eur(150)]).expect("ok");
        assert_eq!(b.balance, eur(-50));
        let chf = Money::new(1, Currency::parse("CHF").expect("valid"));
        assert!(breakdown(Currency::EUR, [(ItemKind::Cost, chf)], []).is_err());
    }

    #[test]
    fn item_kinds_round_trip_through_their_codes() {
        for kind in [ItemKind::Principal, ItemKind::Interest, ItemKind::Cost] {
            assert_eq!(ItemKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ItemKind::from_code("fee"), None);
    }
}
