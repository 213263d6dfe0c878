//! The agency's recurring work by hand: sending mail, dunning steps, erasure, remittance
//! reports, letters for print and the base-rate table.

use crate::{open, parse_instant, BaseRateAction, FixedClock};
use server::config::Config;
use server::legal::{list_base_rates, set_base_rate};

/// `send-mail`.
pub(crate) async fn send_mail(config: &Config, now: Option<String>) -> anyhow::Result<()> {
    let now_ms = match now {
        Some(raw) => parse_instant(&raw)?,
        None => chrono::Utc::now().timestamp_millis(),
    };
    let Some(url) = &config.smtp_url else {
        anyhow::bail!("SMTP_URL is not set: emails stay in the outbox until it is");
    };
    let mailer = server::mail::SmtpMailer::from_url(url.expose(), &config.mail_from)
        .map_err(|e| anyhow::anyhow!(e))?;
    let db = open(config).await?;
    let clock = FixedClock(now_ms);
    let policy = app::server::outbox::RelayPolicy {
        quiet_hours: config.quiet_hours,
        ..app::server::outbox::RelayPolicy::default()
    };
    let owner = format!("send-mail-{}", uuid::Uuid::new_v4().simple());
    let mut total = app::server::outbox::RelayReport::default();
    loop {
        let r = app::server::outbox::relay_once(&db, &mailer, &clock, &policy, &owner)
            .await
            .map_err(|_| anyhow::anyhow!("the outbox could not be read; see the log"))?;
        if r == app::server::outbox::RelayReport::default() {
            break;
        }
        total.sent += r.sent;
        total.retried += r.retried;
        total.dead += r.dead;
        total.suppressed += r.suppressed;
        total.postponed += r.postponed;
        // Postponed (quiet hours) and retried messages are not due again in this run.
        if r.sent + r.suppressed + r.dead == 0 {
            break;
        }
    }
    db.close().await;
    println!(
            "Outbox: {} sent, {} to retry later, {} given up, {} suppressed (opt-out), {} waiting for the end of quiet hours.",
            total.sent, total.retried, total.dead, total.suppressed, total.postponed
        );
    Ok(())
}

/// `run-due`.
pub(crate) async fn run_due(config: &Config, now: Option<String>) -> anyhow::Result<()> {
    let now_ms = match now {
        Some(raw) => parse_instant(&raw)?,
        None => chrono::Utc::now().timestamp_millis(),
    };
    let db = open(config).await?;
    let report = app::server::dunning::run_due(&db, now_ms, config.base_url.as_str()).await;
    db.close().await;
    let r = report.map_err(|_| anyhow::anyhow!("the dunning run could not finish; see the log"))?;
    println!(
        "Dunning run: {} reminders, {} final notices, {} escalations, {} instalment reminders, \
             {} missed instalments, {} broken plans, {} completed plans ({} to be sent by post).",
        r.reminders,
        r.final_notices,
        r.escalations,
        r.instalment_reminders,
        r.missed,
        r.broken,
        r.completed,
        r.letters
    );
    Ok(())
}

/// `erase`.
pub(crate) async fn erase(config: &Config, dry_run: bool, years: u32) -> anyhow::Result<()> {
    if years == 0 {
        anyhow::bail!("--years must be at least 1");
    }
    let now = chrono::Utc::now();
    let first_kept_year = chrono::Datelike::year(&now) - i32::try_from(years)?;
    let cutoff = chrono::NaiveDate::from_ymd_opt(first_kept_year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| anyhow::anyhow!("--years {years} is too large"))?;
    let db = open(config).await?;
    let report = server::privacy::erase(&db, cutoff, now.timestamp_millis(), dry_run).await;
    db.close().await;
    let report = report?;
    eprintln!("Cases that ended before {first_kept_year}-01-01:");
    print!("{}", report.render());
    Ok(())
}

/// `remittances`.
pub(crate) async fn remittances(config: &Config, month: Option<String>) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let period = match month {
        Some(m) => app::domain::remittance::Period::parse(&m)
            .ok_or_else(|| anyhow::anyhow!("--month {m:?} is not a month: use e.g. 2026-11"))?,
        None => app::domain::remittance::Period::before(now.date_naive()),
    };
    if period.end > now.date_naive() {
        anyhow::bail!("the month {} has not ended yet", period.key);
    }
    let db = open(config).await?;
    let made = server::db::remittances::make_remittances(
        &db,
        &period,
        now.timestamp_millis(),
        config.base_url.as_str(),
    )
    .await;
    db.close().await;
    let made = made?;
    if made.is_empty() {
        println!("{}: no new reports (none due, or made before).", period.key);
    }
    for m in made {
        println!(
            "{}: creditor {} – {} payments, {} passed on, {} costs (report {}).",
            period.key,
            m.creditor_id,
            m.payments,
            app::domain::Money::new(m.split.passed_on(), app::domain::Currency::EUR).decimal(),
            app::domain::Money::new(m.split.costs, app::domain::Currency::EUR).decimal(),
            m.remittance_id
        );
    }
    Ok(())
}

/// `export-letters`.
pub(crate) async fn export_letters(
    config: &Config,
    creditor: Option<i64>,
    out: std::path::PathBuf,
) -> anyhow::Result<()> {
    use std::io::Write;
    // Readable by its owner only: the file holds names and addresses (and access codes).
    let mut file = server::exports::private_file(&out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let db = open(config).await?;
    let exported = server::letters::export_letters(
        &db,
        creditor,
        chrono::Utc::now().timestamp_millis(),
        |letters| {
            file.write_all(&server::letters::letters_csv(letters)?)?;
            file.sync_all()?;
            Ok(())
        },
    )
    .await;
    db.close().await;
    match exported {
        Ok(0) => {
            let _ = std::fs::remove_file(&out);
            eprintln!("No letters to send.");
        }
        Ok(n) => eprintln!("{n} letters are in {}.", out.display()),
        Err(e) => {
            let _ = std::fs::remove_file(&out);
            return Err(e);
        }
    }
    Ok(())
}

/// `base-rates`.
pub(crate) async fn base_rates(
    config: &Config,
    action: Option<BaseRateAction>,
) -> anyhow::Result<()> {
    let db = open(config).await?;
    if let Some(BaseRateAction::Set { from, rate, source }) = action {
        set_base_rate(
            &db,
            from,
            &rate,
            &source,
            chrono::Utc::now().timestamp_millis(),
        )
        .await?;
    }
    print!("{}", list_base_rates(&db).await?);
    db.close().await;
    Ok(())
}
