//! Retention: did the debtors stay customers after their case ended? Computed only from what is
//! recorded — ended cases and the activity the creditor reported — never estimated.
//!
//! A case counts as **retained within N days** when the creditor reported an order or a renewal
//! of its debtor on a day after the case ended and at most N days after it. A window is counted
//! only for cases that ended at least N days before the day of the report: a case that ended last
//! week is neither retained nor lost at 90 days yet, so it is left out of that window (and the
//! number of cases each figure rests on says so). Groups of fewer than [`MIN_SIGNIFICANT`] cases are
//! marked as not significant.

use crate::domain::activity::ActivityKind;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The windows after the end of a case, in days.
pub const WINDOWS: [u32; 3] = [90, 180, 365];

/// Groups with fewer cases are marked as not significant.
pub const MIN_SIGNIFICANT: usize = 10;

/// How a case that ended paid was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Path {
    /// Paid without a plan or a dispute.
    AtOnce,
    /// Paid by an instalment plan.
    Plan,
    /// Paid after a dispute was resolved.
    Dispute,
}

impl Path {
    /// The code in CSV files and filters.
    pub fn code(self) -> &'static str {
        match self {
            Path::AtOnce => "at_once",
            Path::Plan => "plan",
            Path::Dispute => "dispute",
        }
    }
}

/// One case that ended, with what is known about how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedCase {
    /// The case's id.
    pub case_id: i64,
    /// The debtor's id.
    pub debtor_id: i64,
    /// The day the case ended.
    pub ended_on: NaiveDate,
    /// Paid in full (at once, by a plan or after a dispute); otherwise written off or cancelled.
    pub paid: bool,
    /// How it was paid (for a case that ended otherwise: how far it got).
    pub path: Path,
    /// The treatment class's key.
    pub class_key: String,
    /// The debtor's reason for not paying, if they gave one.
    pub reason: Option<String>,
    /// Reminders and final notices sent.
    pub reminders: u32,
    /// Whether a handler talked with the debtor (a reply or a recorded call).
    pub conversation: bool,
}

/// One reported activity of a debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// The debtor.
    pub debtor_id: i64,
    /// Order, renewal, paid on time or account closed.
    pub kind: ActivityKind,
    /// The day it happened.
    pub on: NaiveDate,
    /// In cents, when the creditor reported an amount.
    pub amount_minor: Option<i64>,
}

/// One window of a group: of the cases whose window has passed, how many were retained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowFigure {
    /// The window's length in days.
    pub days: u32,
    /// Cases that ended at least `days` before the report.
    pub cases: usize,
    /// Of those, cases retained within the window.
    pub retained: usize,
}

impl WindowFigure {
    /// The share retained in per mille, if any case counts.
    pub fn per_mille(&self) -> Option<u32> {
        (self.cases > 0).then(|| {
            let share = (self.retained as u64 * 1000 + self.cases as u64 / 2) / self.cases as u64;
            u32::try_from(share).unwrap_or(1000)
        })
    }

    /// Whether the figure rests on enough cases to be read.
    pub fn significant(&self) -> bool {
        self.cases >= MIN_SIGNIFICANT
    }
}

/// The figures of one group of cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's code (a class key, a reason code, `2026-03`, …).
    pub key: String,
    /// All cases of the group.
    pub cases: usize,
    /// Each window's figures, in the order of [`WINDOWS`].
    pub windows: Vec<WindowFigure>,
    /// Amounts of orders and renewals within 365 days after the end, in cents.
    pub revenue_minor: i64,
}

impl Group {
    /// Whether the group as a whole has enough cases.
    pub fn significant(&self) -> bool {
        self.cases >= MIN_SIGNIFICANT
    }
}

/// The retention report of one creditor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The day the report is computed for.
    pub as_of: NaiveDate,
    /// Cases that ended paid (in full, by a plan or after a dispute).
    pub paid: Group,
    /// Cases that ended otherwise (written off, cancelled).
    pub other: Group,
    /// The cases that ended paid, by treatment class (the other breakdowns are of them too).
    pub by_class: Vec<Group>,
    /// By the reason the debtor gave (`none` when they gave none).
    pub by_reason: Vec<Group>,
    /// By path: `at_once`, `plan`, `dispute`.
    pub by_path: Vec<Group>,
    /// `0`, `1`, `2`, `3+` reminders.
    pub by_reminders: Vec<Group>,
    /// `yes` / `no`: a handler conversation took place.
    pub by_conversation: Vec<Group>,
    /// Cases that ended paid, by month of their end (`2026-03`), oldest first.
    pub cohorts: Vec<Group>,
}

/// The returns (orders, renewals) per debtor, in date order.
fn returns_by_debtor(activities: &[Activity], as_of: NaiveDate) -> BTreeMap<i64, Vec<&Activity>> {
    let mut by: BTreeMap<i64, Vec<&Activity>> = BTreeMap::new();
    // What happened after the report's day does not exist for it (a report for last week reads
    // as it would have read then).
    for a in activities
        .iter()
        .filter(|a| a.kind.is_return() && a.on <= as_of)
    {
        by.entry(a.debtor_id).or_default().push(a);
    }
    for list in by.values_mut() {
        list.sort_by_key(|a| a.on);
    }
    by
}

/// The first return after the end of the case, in days after the end, and the revenue of the
/// returns within the longest window.
fn after(case: &EndedCase, returns: &BTreeMap<i64, Vec<&Activity>>) -> (Option<i64>, i64) {
    let longest = i64::from(WINDOWS[WINDOWS.len() - 1]);
    let mut first = None;
    let mut revenue = 0i64;
    for a in returns.get(&case.debtor_id).into_iter().flatten() {
        let days = (a.on - case.ended_on).num_days();
        if days < 1 || days > longest {
            continue;
        }
        first = Some(first.map_or(days, |f: i64| f.min(days)));
        revenue = revenue.saturating_add(a.amount_minor.unwrap_or(0));
    }
    (first, revenue)
}

fn group<'a>(
    key: String,
    cases: impl Iterator<Item = &'a (EndedCase, Option<i64>, i64)>,
    as_of: NaiveDate,
) -> Group {
    let mut g = Group {
        key,
        cases: 0,
        windows: WINDOWS
            .iter()
            .map(|d| WindowFigure {
                days: *d,
                cases: 0,
                retained: 0,
            })
            .collect(),
        revenue_minor: 0,
    };
    for (case, first, revenue) in cases {
        g.cases += 1;
        g.revenue_minor = g.revenue_minor.saturating_add(*revenue);
        let age = (as_of - case.ended_on).num_days();
        for w in &mut g.windows {
            if age >= i64::from(w.days) {
                w.cases += 1;
                if first.is_some_and(|f| f <= i64::from(w.days)) {
                    w.retained += 1;
                }
            }
        }
    }
    g
}

fn grouped(
    rows: &[(EndedCase, Option<i64>, i64)],
    as_of: NaiveDate,
    key: impl Fn(&EndedCase) -> String,
) -> Vec<Group> {
    let mut keys: Vec<String> = rows.iter().map(|r| key(&r.0)).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let members: Vec<&(EndedCase, Option<i64>, i64)> =
                rows.iter().filter(|r| key(&r.0) == k).collect();
            group(k, members.into_iter(), as_of)
        })
        .collect()
}

/// The report as of `as_of` for `cases` (already filtered by period and class) and every
/// activity of their debtors.
pub fn report(cases: &[EndedCase], activities: &[Activity], as_of: NaiveDate) -> Report {
    let returns = returns_by_debtor(activities, as_of);
    let rows: Vec<(EndedCase, Option<i64>, i64)> = cases
        .iter()
        .filter(|c| c.ended_on <= as_of)
        .map(|c| {
            let (first, revenue) = after(c, &returns);
            (c.clone(), first, revenue)
        })
        .collect();
    let paid: Vec<(EndedCase, Option<i64>, i64)> =
        rows.iter().filter(|r| r.0.paid).cloned().collect();
    Report {
        as_of,
        paid: group("paid".into(), paid.iter(), as_of),
        other: group("other".into(), rows.iter().filter(|r| !r.0.paid), as_of),
        by_class: grouped(&paid, as_of, |c| c.class_key.clone()),
        by_reason: grouped(&paid, as_of, |c| {
            c.reason.clone().unwrap_or_else(|| "none".into())
        }),
        by_path: grouped(&paid, as_of, |c| c.path.code().into()),
        by_reminders: grouped(&paid, as_of, |c| {
            if c.reminders >= 3 {
                "3+".into()
            } else {
                c.reminders.to_string()
            }
        }),
        by_conversation: grouped(&paid, as_of, |c| {
            if c.conversation { "yes" } else { "no" }.into()
        }),
        cohorts: grouped(&paid, as_of, |c| {
            format!("{:04}-{:02}", c.ended_on.year(), c.ended_on.month())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn case(id: i64, ended: &str, paid: bool, path: Path, class: &str) -> EndedCase {
        EndedCase {
            case_id: id,
            debtor_id: id,
            ended_on: d(ended),
            paid,
            path,
            class_key: class.into(),
            reason: None,
            reminders: 0,
            conversation: false,
        }
    }

    fn act(debtor: i64, kind: ActivityKind, on: &str, amount: Option<i64>) -> Activity {
        Activity {
            debtor_id: debtor,
            kind,
            on: d(on),
            amount_minor: amount,
        }
    }

    /// A fixture whose answers are worked out by hand below.
    #[test]
    fn figures_match_the_hand_computed_fixture() {
        use ActivityKind::*;
        let as_of = d("2026-12-01");
        let mut c3 = case(3, "2026-06-30", true, Path::Plan, "standard");
        c3.reminders = 4;
        c3.reason = Some("hardship".into());
        let mut c1 = case(1, "2025-10-01", true, Path::AtOnce, "key_account");
        c1.conversation = true;
        let cases = vec![
            // Ended 426 days before: every window counts.
            c1,
            case(2, "2025-11-15", true, Path::AtOnce, "standard"),
            // Ended 154 days before: only the 90-day window counts.
            c3,
            // Ended 20 days before: no window counts yet.
            case(4, "2026-11-11", true, Path::Dispute, "standard"),
            // Ended otherwise (written off), 426 days before.
            case(5, "2025-10-01", false, Path::AtOnce, "strict"),
            // Ends after the report day: left out.
            case(6, "2026-12-02", true, Path::AtOnce, "standard"),
        ];
        let activities = vec![
            // Debtor 1: an order 30 days after (counts in every window) and a renewal 200 days
            // after (revenue only; the first return decides the windows).
            act(1, Order, "2025-10-31", Some(10_000)),
            act(1, Renewal, "2026-04-19", Some(5_000)),
            // Debtor 2: an order on the day the case ended does not count (not after), one 100
            // days after counts from the 180-day window on; paid on time is no return.
            act(2, Order, "2025-11-15", Some(99_999)),
            act(2, PaidOnTime, "2025-12-01", None),
            act(2, Order, "2026-02-23", None),
            // Debtor 3: a renewal 60 days after.
            act(3, Renewal, "2026-08-29", Some(2_500)),
            // Debtor 4: an order 10 days after, but its windows have not passed.
            act(4, Order, "2026-11-21", Some(700)),
            // Debtor 5: an order 400 days after (outside every window), an account closed.
            act(5, Order, "2026-11-05", Some(1_000)),
            act(5, AccountClosed, "2025-12-01", None),
        ];
        let r = report(&cases, &activities, as_of);
        assert_eq!(r.paid.cases, 4, "case 6 ends after the report day");
        let w = |g: &Group| {
            g.windows
                .iter()
                .map(|w| (w.days, w.cases, w.retained))
                .collect::<Vec<_>>()
        };
        // 90 days: cases 1, 2, 3 count (4 is 20 days old); retained 1 (day 30) and 3 (day 60),
        // not 2 (day 100). 180 days: cases 1, 2; both retained. 365 days: 1, 2; both retained.
        assert_eq!(w(&r.paid), vec![(90, 3, 2), (180, 2, 2), (365, 2, 2)]);
        assert_eq!(r.paid.windows[0].per_mille(), Some(667));
        assert!(!r.paid.significant() && !r.paid.windows[0].significant());
        // Revenue within 365 days: 100 + 50 (debtor 1) + 0 (debtor 2's order had no amount; the
        // same-day one does not count) + 25 (debtor 3) + 7 (debtor 4) = 182.00.
        assert_eq!(r.paid.revenue_minor, 18_200);
        assert_eq!(w(&r.other), vec![(90, 1, 0), (180, 1, 0), (365, 1, 0)]);
        assert_eq!(r.other.revenue_minor, 0);

        let keys = |gs: &[Group]| {
            gs.iter()
                .map(|g| (g.key.clone(), g.cases))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(&r.by_class),
            vec![("key_account".into(), 1), ("standard".into(), 3)]
        );
        assert_eq!(
            w(&r.by_class[1]),
            vec![(90, 2, 1), (180, 1, 1), (365, 1, 1)]
        );
        assert_eq!(
            keys(&r.by_path),
            vec![
                ("at_once".into(), 2),
                ("dispute".into(), 1),
                ("plan".into(), 1)
            ]
        );
        assert_eq!(
            keys(&r.by_reason),
            vec![("hardship".into(), 1), ("none".into(), 3)]
        );
        assert_eq!(
            keys(&r.by_reminders),
            vec![("0".into(), 3), ("3+".into(), 1)]
        );
        assert_eq!(
            keys(&r.by_conversation),
            vec![("no".into(), 3), ("yes".into(), 1)]
        );
        assert_eq!(
            keys(&r.cohorts),
            vec![
                ("2025-10".into(), 1),
                ("2025-11".into(), 1),
                ("2026-06".into(), 1),
                ("2026-11".into(), 1)
            ]
        );
        assert_eq!(w(&r.cohorts[3]), vec![(90, 0, 0), (180, 0, 0), (365, 0, 0)]);
        assert_eq!(
            r.cohorts[3].windows[0].per_mille(),
            None,
            "nothing to read yet"
        );

        // A week earlier, debtor 4's order (10 days after its case) had not happened yet.
        let earlier = report(&cases, &activities, d("2026-11-20"));
        assert_eq!(earlier.paid.revenue_minor, 17_500);
    }

    #[test]
    fn ten_cases_are_significant() {
        let cases: Vec<EndedCase> = (0..10)
            .map(|i| case(i, "2025-01-01", true, Path::AtOnce, "standard"))
            .collect();
        let r = report(&cases, &[], d("2026-12-01"));
        assert!(r.paid.significant());
        assert!(r
            .paid
            .windows
            .iter()
            .all(|w| w.significant() && w.retained == 0));
        let r = report(&cases[..9], &[], d("2026-12-01"));
        assert!(!r.paid.significant());
    }
}
