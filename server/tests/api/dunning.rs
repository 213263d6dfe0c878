//! The dunning engine over simulated months, with the test's clock: several cases in the three
//! seeded classes, a creditor's pause, an instalment plan with one payment from a bank statement, a
//! missed and then a broken plan, a server that was down for a week — every step taken on its day,
//! once, and never twice however often the engine runs.

use crate::camt_fixture::{self, Entry, Tx};
use crate::helpers::{
    case_id, case_state, creditor_accounts, location, scalar, Desk, TestApp, OTHER, OWNER,
};
use crate::on_both_backends;
use app::server::dunning::{run_due, DunningReport};
use chrono::NaiveDate;

pub(super) const DAY: i64 = 86_400_000;

/// Days on which the engine did not run (the server was down).
const DOWNTIME: std::ops::RangeInclusive<i64> = 45..=52;

pub(super) struct Sim<'a> {
    app: &'a TestApp,
    t0: i64,
}

impl Sim<'_> {
    fn at(&self, day: i64) -> i64 {
        self.t0 + day * DAY
    }

    fn date(&self, day: i64) -> NaiveDate {
        chrono::DateTime::from_timestamp_millis(self.at(day))
            .expect("time")
            .date_naive()
    }

    fn day_of(&self, date: NaiveDate) -> i64 {
        (date - self.date(0)).num_days()
    }

    async fn run(&self, day: i64) -> DunningReport {
        self.app.set_now(self.at(day));
        run_due(&self.app.db, self.at(day), &self.app.address)
            .await
            .expect("the dunning run finishes")
    }
}

/// The steps of a case: key, kind, channel, the day it was due and the day it was taken.
pub(super) async fn steps(
    sim: &Sim<'_>,
    reference: &str,
) -> Vec<(String, String, String, i64, i64)> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT s.step_key, s.kind, s.channel, s.due_on, s.done_at FROM dunning_steps s
         JOIN cases c ON c.id = s.case_id WHERE c.reference = $1 ORDER BY s.id",
    )
    .bind(reference)
    .fetch_all(sim.app.db.pool())
    .await
    .expect("steps");
    rows.into_iter()
        .map(|(key, kind, channel, due, done_at)| {
            let due = NaiveDate::parse_from_str(&due, "%Y-%m-%d").expect("due date");
            (
                key,
                kind,
                channel,
                sim.day_of(due),
                (done_at - sim.t0).div_euclid(DAY),
            )
        })
        .collect()
}

pub(super) fn step(
    key: &str,
    kind: &str,
    channel: &str,
    due: i64,
    done: i64,
) -> (String, String, String, i64, i64) {
    (key.into(), kind.into(), channel.into(), due, done)
}

/// The first day on or after `day` on which the engine ran.
fn ran(day: i64) -> i64 {
    if DOWNTIME.contains(&day) {
        DOWNTIME.end() + 1
    } else {
        day
    }
}

async fn hand_over(app: &TestApp, creditor: i64, now: i64) -> Vec<String> {
    let csv = "external_id;customer_number;debtor_name;street;postcode;city;email;treatment_class;subject;contract_date;due_date;principal\n\
        D-1;K-1;Erna Standard;Weg 1;10115;Berlin;erna@example.org;standard;Strom Januar;2026-09-01;2026-10-01;120,00\n\
        D-2;K-2;Fritz Streng;Weg 2;10115;Berlin;fritz@example.org;strict;Strom Februar;2026-09-01;2026-10-01;80,00\n\
        D-3;K-3;Gabi Gross GmbH;Weg 3;10115;Berlin;;key_account;Strom März;2026-09-01;2026-10-01;900,00\n\
        D-4;K-4;Hans Pause;Weg 4;10115;Berlin;hans@example.org;standard;Strom April;2026-09-01;2026-10-01;60,00\n";
    let report =
        server::intake::import_claims(&app.db, creditor, csv.as_bytes(), false, now, |_| {})
            .await
            .expect("hand-over");
    assert!(report.written, "{}", report.render());
    let mut refs = Vec::new();
    for external in ["D-1", "D-2", "D-3", "D-4"] {
        let r: String = sqlx::query_scalar(
            "SELECT c.reference FROM claims cl JOIN cases c ON c.id = cl.case_id WHERE cl.external_id = $1",
        )
        .bind(external)
        .fetch_one(app.db.pool())
        .await
        .expect("case of the claim");
        refs.push(r);
    }
    refs
}

async fn a_dunning_life_cycle_over_months_takes_every_step_once_on_its_day(app: &TestApp) {
    let creditors = creditor_accounts(app).await;
    let sim = Sim {
        app,
        t0: app.clock_now(),
    };
    let refs = hand_over(app, creditors.other, sim.t0).await;
    let (erna, fritz, gabi, hans) = (&refs[0], &refs[1], &refs[2], &refs[3]);
    let anna = app.debtor(0).reference.clone(); // demo, standard class, with email

    // Day 0: the classes that remind at once do so, by email; the key account waits a week.
    let first = sim.run(0).await;
    assert!(first.reminders >= 4, "{first:?}");
    assert_eq!(
        sim.run(0).await,
        DunningReport::default(),
        "a second run takes nothing"
    );
    assert_eq!(steps(&sim, gabi).await, vec![]);

    // Day 1: Anna proposes a plan inside the rules: agreed at once, reminders stop.
    app.set_now(sim.at(1));
    app.verify_by_link(0).await;
    let first_due = sim.date(10).format("%Y-%m-%d").to_string();
    let key = app.form_key("/case/plan").await;
    let response = app
        .post_form(
            "/api/propose_plan",
            &[
                ("form_key", key.as_str()),
                ("kind", "plan"),
                ("first_due", first_due.as_str()),
                ("count", "3"),
                ("frequency", "monthly"),
                ("cost_notice_seen", "yes"),
            ],
            "/case/plan",
        )
        .await;
    assert_eq!(location(response.headers()), "/case/plan#result");
    assert_eq!(case_state(app, &anna).await, "plan_agreed");

    sim.run(1).await;
    sim.run(2).await;

    // Day 3: the creditor pauses Hans for 20 days ("we will call him ourselves").
    app.set_now(sim.at(3));
    let owner = Desk::creditor(app, OTHER).await;
    let hans_id = case_id(app, hans).await;
    let bad = owner
        .post(
            "/api/pause_case",
            &[("case_id", &hans_id.to_string()), ("days", "91")],
        )
        .await;
    assert!(
        location(bad.headers()).contains("__err"),
        "91 days are refused"
    );
    assert_eq!(case_state(app, hans).await, "open");
    // Another creditor's owner does not find the case.
    let stranger = Desk::creditor(app, OWNER).await;
    let foreign = stranger
        .post(
            "/api/pause_case",
            &[("case_id", &hans_id.to_string()), ("days", "5")],
        )
        .await;
    assert!(location(foreign.headers()).contains("__err"));
    assert_eq!(case_state(app, hans).await, "open");
    let paused = owner
        .post(
            "/api/pause_case",
            &[("case_id", &hans_id.to_string()), ("days", "20")],
        )
        .await;
    let until = sim.date(23).format("%Y-%m-%d").to_string();
    assert_eq!(
        location(paused.headers()),
        format!("/creditor/overview?done=paused&until={until}")
    );
    assert_eq!(case_state(app, hans).await, "on_hold");

    // Anna's plan: three instalments; the first is paid on time by bank transfer.
    let plan_id = scalar(
        app,
        &format!(
            "SELECT p.id FROM plans p JOIN cases c ON c.id = p.case_id WHERE c.reference = '{anna}'"
        ),
    )
    .await;
    let dues: Vec<(String, i64)> = sqlx::query_as(
        "SELECT due_date, amount_minor FROM plan_instalments WHERE plan_id = $1 ORDER BY number",
    )
    .bind(plan_id)
    .fetch_all(app.db.pool())
    .await
    .expect("instalments");
    let due: Vec<i64> = dues
        .iter()
        .map(|(d, _)| sim.day_of(NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date")))
        .collect();
    assert_eq!(due.len(), 3);

    for day in 3..=110 {
        if DOWNTIME.contains(&day) {
            continue;
        }
        if day == due[0] {
            let date: &'static str = Box::leak(sim.date(day).to_string().into_boxed_str());
            let statement = camt_fixture::file(
                camt_fixture::CAMT054_V08,
                "LIFE-1",
                "DE89370400440532013000",
                &[Entry::credit(
                    dues[0].1,
                    date,
                    "LIFE-1-1",
                    Tx {
                        rf: Some(camt_fixture::rf_for(&anna)),
                        payer: Some("Anna Beispiel".into()),
                        ..Tx::default()
                    },
                )],
            );
            let bytes = statement.into_bytes();
            let report = server::db::bank::import_statement(
                &app.db,
                &app::server::ports::StatementAccount {
                    agency_id: 1,
                    iban: Some("DE89370400440532013000".into()),
                },
                "life.xml",
                move || Ok(std::io::Cursor::new(bytes.clone())),
                "test",
                sim.at(day),
                &app.address,
            )
            .await
            .expect("import");
            assert_eq!(report.booked, 1, "{report:?}");
        }
        sim.run(day).await;
        if day % 7 == 0 {
            assert_eq!(
                sim.run(day).await.total(),
                0,
                "day {day}: a repeated run takes nothing"
            );
        }
    }

    // Standard: reminder, reminder after 14 days, final notice after 14, then the request for the
    // creditor's consent to court dunning.
    assert_eq!(
        steps(&sim, erna).await,
        vec![
            step("step:0", "reminder_sent", "email", 0, 0),
            step("step:1", "reminder_sent", "email", 14, 14),
            step("step:2", "final_notice_sent", "email", 28, 28),
            step("step:3", "escalation_requested", "none", 42, 42),
        ]
    );
    assert_eq!(case_state(app, erna).await, "escalation_requested");
    let erna_id = case_id(app, erna).await;
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM work_items WHERE case_id = {erna_id} AND kind = 'escalation_decision' AND done_at IS NULL")).await,
        1,
        "the escalation request waits in the handlers' queue"
    );
    // Strict: a reminder, the final notice ten days later, escalation a week after that.
    assert_eq!(
        steps(&sim, fritz).await,
        vec![
            step("step:0", "reminder_sent", "email", 0, 0),
            step("step:1", "final_notice_sent", "email", 10, 10),
            step("step:2", "escalation_requested", "none", 17, 17),
        ]
    );
    // Key account without an email address: letters, gentler rhythm; the final notice fell into
    // the downtime and was taken once when the server came back, and the next step counts from
    // the day it was actually taken.
    assert_eq!(
        steps(&sim, gabi).await,
        vec![
            step("step:0", "reminder_sent", "letter", 7, 7),
            step("step:1", "reminder_sent", "letter", 28, 28),
            step("step:2", "final_notice_sent", "letter", 49, ran(49)),
            step(
                "step:3",
                "escalation_requested",
                "none",
                ran(49) + 14,
                ran(49) + 14
            ),
        ]
    );
    let gabi_id = case_id(app, gabi).await;
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM outbox WHERE case_id = {gabi_id}")
        )
        .await,
        0,
        "no email to a debtor without an address"
    );
    let letter: String = sqlx::query_scalar(
        "SELECT letter_body FROM dunning_steps WHERE case_id = $1 AND step_key = 'step:0'",
    )
    .bind(gabi_id)
    .fetch_one(app.db.pool())
    .await
    .expect("the letter's text is kept");
    assert!(
        letter.contains(gabi.as_str()) && letter.contains("Gabi Gross GmbH"),
        "{letter}"
    );

    // Hans: the 20 paused days do not count. The pause ended on day 23 and the creditor's owner
    // was told; the second reminder came 14 dunning days after the first.
    let hans_steps = steps(&sim, hans).await;
    let hold_key = hans_steps[1].0.clone();
    assert!(
        hold_key.starts_with("hold:") && hold_key.ends_with(":ended"),
        "{hans_steps:?}"
    );
    assert_eq!(
        hans_steps,
        vec![
            step("step:0", "reminder_sent", "email", 0, 0),
            step(&hold_key, "creditor_pause_ended", "none", 23, 23),
            step("step:1", "reminder_sent", "email", 34, 34),
            step("step:2", "final_notice_sent", "email", 48, ran(48)),
            step(
                "step:3",
                "escalation_requested",
                "none",
                ran(48) + 14,
                ran(48) + 14
            ),
        ]
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'owner@sonnenschein.example' AND payload LIKE '%Reminders resume%'"
        )
        .await,
        1,
        "the creditor's owner is told once that reminders run again"
    );

    // Anna: reminded three days before each instalment; the first was paid; the second was
    // missed (found after the seven grace days — in the downtime, so when the server was back);
    // the third missed too: the plan is broken, dunning resumes and a handler looks at the case.
    let anna_steps = steps(&sim, &anna).await;
    let missed_2 = ran(due[1] + 8);
    let broken = ran(due[2] + 8);
    let expected = vec![
        step("step:0", "reminder_sent", "email", 0, 0),
        step(
            &format!("plan:{plan_id}:instalment:1:reminder"),
            "instalment_reminder_sent",
            "email",
            due[0] - 3,
            due[0] - 3,
        ),
        step(
            &format!("plan:{plan_id}:instalment:2:reminder"),
            "instalment_reminder_sent",
            "email",
            due[1] - 3,
            due[1] - 3,
        ),
        step(
            &format!("plan:{plan_id}:missed:1"),
            "instalment_missed",
            "email",
            missed_2,
            missed_2,
        ),
        step(
            &format!("plan:{plan_id}:instalment:3:reminder"),
            "instalment_reminder_sent",
            "email",
            due[2] - 3,
            due[2] - 3,
        ),
        step(
            &format!("plan:{plan_id}:broken"),
            "plan_broken",
            "email",
            broken,
            broken,
        ),
        // The plan's days did not count: 13 more dunning days after the day it broke.
        step("step:1", "reminder_sent", "email", broken + 13, broken + 13),
        step(
            "step:2",
            "final_notice_sent",
            "email",
            broken + 27,
            broken + 27,
        ),
    ];
    assert_eq!(anna_steps, expected);
    assert_eq!(case_state(app, &anna).await, "open");
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM plans WHERE id = {plan_id} AND state = 'broken'")
        )
        .await,
        1
    );
    let anna_id = case_id(app, &anna).await;
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM work_items WHERE case_id = {anna_id} AND kind = 'broken_plan' AND done_at IS NULL")).await,
        1
    );

    // Every email step wrote exactly one email, and nothing else was written twice.
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'case:%:dunning:%' AND debtor_id IS NOT NULL").await,
        scalar(app, "SELECT COUNT(*) FROM dunning_steps WHERE channel = 'email'").await,
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM (SELECT case_id, kind, occurred_at FROM case_events WHERE actor_kind = 'system'
          GROUP BY case_id, kind, occurred_at HAVING COUNT(*) > 1) twice").await,
        0,
        "no timeline entry twice"
    );

    // The debtor's timeline shows what was sent and how.
    app.set_now(sim.at(110));
    app.verify_by_link(0).await;
    let page = app.page("/case").await;
    assert!(page.contains("Zahlungserinnerung"), "timeline entry");
    assert!(
        page.contains(&format!("„1. Zahlungserinnerung – {anna}“ · per E-Mail")),
        "what was sent"
    );
    assert!(page.contains("Ratenzahlung beendet"));
    // And what happens next unless she acts: the request to the creditor, 14 days after the
    // final notice.
    let request_on = sim.date(broken + 27 + 14).format("%d.%m.%Y").to_string();
    assert!(
        page.contains(&format!(
            "fragen wir am {request_on} den Gläubiger, ob er das gerichtliche Mahnverfahren beantragt"
        )),
        "what happens next"
    );
}

on_both_backends!(
    a_dunning_life_cycle,
    a_dunning_life_cycle_over_months_takes_every_step_once_on_its_day
);
