//! Robustness: the parsers that read what strangers send — amounts typed into forms, the plan
//! form, EPC payloads, RF references, IBANs, hand-over and activity rows — get arbitrary input
//! and must answer with a value or an error, never a panic. Property-based (proptest) with a
//! bounded number of cases, so it runs in every test run; the seed is fixed by proptest's
//! persistence so a failure is reproduced.

use app::domain::activity::check_activity;
use app::domain::epc::EpcPayment;
use app::domain::intake::check_row;
use app::domain::references::{Iban, RfReference};
use app::domain::{Currency, Language, Money};
use app::forms::{parse, PlanInput};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text as people and attackers type it: any character, with more weight on digits, separators
/// and signs.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[0-9.,\\- €+eE]{0,30}",
        "[0-9]{0,25}",
        "(RF|rf|DE|de)?[0-9A-Za-z ]{0,40}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn amounts_parse_or_are_refused(s in typed()) {
        for lang in [Language::De, Language::En] {
            if let Ok(m) = Money::parse(&s, lang, Currency::EUR) {
                prop_assert_eq!(m.currency, Currency::EUR);
            }
        }
        let _ = app::domain::intake::amount(&s);
        let _ = app::domain::intake::date(&s);
    }

    #[test]
    fn references_and_ibans_parse_or_are_refused(s in typed()) {
        let _ = RfReference::parse(&s);
        let _ = RfReference::find_in_text(&s);
        let _ = Iban::parse(&s);
    }

    #[test]
    fn epc_payloads_parse_or_are_refused(lines in proptest::collection::vec(".{0,80}", 0..14)) {
        let payload = lines.join("\n");
        let _ = EpcPayment::parse(&payload);
        let _ = app::domain::epc::transliterate(&payload);
        // A BCD header with arbitrary lines after it reaches the field checks.
        let _ = EpcPayment::parse(&format!("BCD\n002\n1\nSCT\n{payload}"));
    }

    #[test]
    fn the_plan_form_parses_or_names_its_fields(
        kind in "(plan|deferral|.{0,8})",
        down in typed(),
        first in "(2027-01-15|.{0,12})",
        count in typed(),
        frequency in "(monthly|weekly|.{0,8})",
        seen in any::<bool>(),
        balance in 1i64..10_000_000,
    ) {
        let input = PlanInput {
            form_key: "k".into(),
            kind,
            down_payment: down,
            first_due: first,
            count,
            frequency,
            cost_notice_seen: seen,
        };
        for lang in [Language::De, Language::En] {
            let _ = parse(&input, Money::new(balance, Currency::EUR), lang);
        }
    }

    #[test]
    fn hand_over_and_activity_rows_are_checked_without_panics(
        values in proptest::collection::vec(typed(), 20),
    ) {
        let columns = [
            "external_id", "customer_number", "debtor_name", "street", "postcode", "city",
            "subject", "contract_date", "due_date", "principal", "email", "iban", "country",
            "debtor_kind", "language", "treatment_class", "phone", "address_researched",
            "kind", "date",
        ];
        let row: BTreeMap<String, String> = columns
            .iter()
            .map(|c| c.to_string())
            .zip(values.iter().cloned())
            .collect();
        let _ = check_row(&row);
        let mut activity = row.clone();
        activity.insert("event_id".into(), values[0].clone());
        activity.insert("amount".into(), values[9].clone());
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        let _ = check_activity(&activity, today);
    }
}
