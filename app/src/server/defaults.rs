//! The three treatment classes every creditor starts with, until the creditor edits them.
//! Key accounts are treated with tact (every plan seen by a person, fast answers); standard
//! customers get plans within sensible bounds at once; strict cases get short plans only.

use crate::domain::plan::{AgreementCost, MissedInstalmentRule, PlanPolicy, PolicyBand};
use crate::domain::{Currency, Money};

/// A treatment class as seeded: key, German and English names, promised reply time (business
/// days) and the plan policy bands.
pub struct DefaultClass {
    pub key: &'static str,
    pub name_de: &'static str,
    pub name_en: &'static str,
    pub reply_days: u32,
    pub bands: Vec<PolicyBand>,
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

/// Key account, standard, strict.
pub fn default_classes() -> Vec<DefaultClass> {
    let missed = MissedInstalmentRule {
        grace_days: 7,
        misses_to_break: 2,
    };
    let standard = PlanPolicy {
        min_instalment: eur(2_500),
        max_months: 12,
        max_count: 12,
        min_down_payment_bp: 0,
        max_deferral_days: 30,
        auto_accept: true,
        review_outside_bounds: true,
        agreement_cost: AgreementCost::Free,
        missed,
    };
    vec![
        DefaultClass {
            key: "key_account",
            name_de: "Schlüsselkunde",
            name_en: "Key account",
            reply_days: 2,
            bands: vec![PolicyBand {
                up_to: None,
                policy: PlanPolicy {
                    max_months: 24,
                    max_count: 24,
                    max_deferral_days: 60,
                    auto_accept: false,
                    missed: MissedInstalmentRule {
                        grace_days: 14,
                        misses_to_break: 3,
                    },
                    ..standard
                },
            }],
        },
        DefaultClass {
            key: "standard",
            name_de: "Standard",
            name_en: "Standard",
            reply_days: 5,
            bands: vec![
                PolicyBand {
                    up_to: Some(eur(20_000)),
                    policy: PlanPolicy {
                        max_months: 6,
                        max_count: 6,
                        ..standard
                    },
                },
                PolicyBand {
                    up_to: None,
                    policy: standard,
                },
            ],
        },
        DefaultClass {
            key: "strict",
            name_de: "Streng",
            name_en: "Strict",
            reply_days: 5,
            bands: vec![PolicyBand {
                up_to: None,
                policy: PlanPolicy {
                    min_instalment: eur(5_000),
                    max_months: 6,
                    max_count: 6,
                    min_down_payment_bp: 2_000,
                    max_deferral_days: 14,
                    review_outside_bounds: false,
                    missed: MissedInstalmentRule {
                        grace_days: 3,
                        misses_to_break: 1,
                    },
                    ..standard
                },
            }],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::policy_for_balance;

    #[test]
    fn every_class_covers_every_balance() {
        for class in default_classes() {
            for minor in [1, 20_000, 20_001, 10_000_000] {
                assert!(
                    policy_for_balance(&class.bands, eur(minor)).is_some(),
                    "{} at {minor}",
                    class.key
                );
            }
        }
    }
}
