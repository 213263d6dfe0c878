use super::*;

fn row(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut r: BTreeMap<String, String> = [
        ("external_id", "INV-1"),
        ("customer_number", "K-1"),
        ("debtor_name", "Anna Beispiel"),
        ("street", "Lindenweg 3"),
        ("postcode", "10115"),
        ("city", "Berlin"),
        ("subject", "Bestellung 1 – Jacke"),
        ("contract_date", "2026-08-14"),
        ("due_date", "14.09.2026"),
        ("principal", "149,90"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in pairs {
        r.insert(k.to_string(), v.to_string());
    }
    r
}

#[test]
fn interest_needs_rate_and_period_after_the_due_date_and_costs_need_a_description() {
    // Due 14.09.2026 (see `row`).
    let r = check_row(&row(&[
        ("interest", "4,37"),
        ("interest_rate", "9,12 %"),
        ("interest_from", "2026-09-15"),
        ("interest_to", "30.11.2026"),
        ("costs", "5,00"),
        ("costs_description", "Mahngebühren 2 × 2,50 €"),
    ]))
    .expect("valid");
    let interest = r.interest.expect("interest");
    assert_eq!((interest.amount.minor, interest.rate_bp), (437, 912));
    assert_eq!(
        interest.to,
        NaiveDate::from_ymd_opt(2026, 11, 30).expect("day")
    );
    assert_eq!(r.costs.expect("costs").amount.minor, 500);
    let problems = |pairs: &[(&str, &str)]| {
        let mut p: Vec<(String, IntakeProblem)> = check_row(&row(pairs)).expect_err("problems");
        p.sort_by(|a, b| a.0.cmp(&b.0));
        p
    };
    assert_eq!(
        problems(&[("interest", "4,37")]),
        vec![
            ("interest_from".into(), IntakeProblem::Required),
            ("interest_rate".into(), IntakeProblem::Required),
            ("interest_to".into(), IntakeProblem::Required),
        ]
    );
    assert_eq!(
        problems(&[
            ("interest", "4,37"),
            ("interest_rate", "45"),
            ("interest_from", "2026-09-10"),
            ("interest_to", "2026-09-01"),
        ]),
        vec![
            ("interest_from".into(), IntakeProblem::BeforeDue),
            ("interest_rate".into(), IntakeProblem::InvalidRate),
            ("interest_to".into(), IntakeProblem::PeriodReversed),
        ]
    );
    assert_eq!(
        problems(&[("costs", "5,00")]),
        vec![("costs_description".into(), IntakeProblem::Required)]
    );
    assert_eq!(
        problems(&[("costs_description", "Mahngebühren")]),
        vec![("costs".into(), IntakeProblem::Required)]
    );
    for (typed, bp) in [
        ("9.12", Some(912)),
        ("5", Some(500)),
        ("0,5", Some(50)),
        ("0", None),
        ("31", None),
        ("x", None),
        ("1.234", None),
    ] {
        assert_eq!(rate_bp(typed), bp, "{typed}");
    }
}

#[test]
fn a_complete_row_is_read_with_defaults_and_both_number_styles() {
    let r = check_row(&row(&[])).expect("valid");
    assert_eq!(r.principal, Money::new(14_990, Currency::EUR));
    assert_eq!(
        r.due_date,
        NaiveDate::from_ymd_opt(2026, 9, 14).expect("date")
    );
    assert_eq!(
        (r.debtor_kind.as_str(), r.country.as_str()),
        ("consumer", "DE")
    );
    assert_eq!(r.treatment_class, "standard");
    assert!(!r.address_researched, "the creditor's address unless said");
    for yes in ["ja", "Yes", "TRUE", "1"] {
        let r = check_row(&row(&[("address_researched", yes)])).expect(yes);
        assert!(r.address_researched, "{yes}");
    }
    for no in ["nein", "no", "false", "0", " "] {
        let r = check_row(&row(&[("address_researched", no)])).expect(no);
        assert!(!r.address_researched, "{no}");
    }
    let r = check_row(&row(&[
        ("principal", "1,149.90"),
        ("iban", "de89 3704 0044 0532 0130 00"),
    ]))
    .expect("valid");
    assert_eq!(r.principal.minor, 114_990);
    assert_eq!(
        r.iban.map(|i| i.as_str().to_string()).as_deref(),
        Some("DE89370400440532013000")
    );
}

#[test]
fn every_problem_of_a_row_is_named_by_its_column() {
    let problems = check_row(&row(&[
        ("debtor_name", ""),
        ("postcode", "1011"),
        ("email", "anna@"),
        ("iban", "DE00 0000 0000 0000 0000 00"),
        ("contract_date", "2026-13-01"),
        ("principal", "-5"),
        ("debtor_kind", "alien"),
    ]))
    .expect_err("invalid");
    let columns: Vec<&str> = problems.iter().map(|(c, _)| c.as_str()).collect();
    for c in [
        "debtor_name",
        "postcode",
        "email",
        "iban",
        "contract_date",
        "principal",
        "debtor_kind",
    ] {
        assert!(columns.contains(&c), "{c} in {columns:?}");
    }
    assert_eq!(
        check_row(&row(&[("address_researched", "vielleicht")])),
        Err(vec![(
            "address_researched".to_string(),
            IntakeProblem::InvalidFlag
        )])
    );
    let due = check_row(&row(&[("due_date", "2026-08-01")])).expect_err("invalid");
    assert_eq!(
        due,
        vec![("due_date".to_string(), IntakeProblem::DueBeforeContract)]
    );
}
