//! The `server` binary: parse the command line, load configuration, run the subcommand.

use clap::{Parser, Subcommand};
use server::config::Config;
use server::db::Db;
use server::startup::Application;
use server::telemetry;
use std::process::ExitCode;

/// mimalloc instead of glibc's allocator. Under load a page's memory is allocated on one thread
/// and freed on another (a row read on the SQLite worker thread, dropped on a Tokio worker); glibc
/// then takes the other thread's arena lock, and the profile of the debtor case page at 64
/// connections showed a fifth of the time in malloc and free and a tenth in the futex calls
/// around those locks. Measured in BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rapport – a debtor self-service and dialogue portal for debt collection.
///
/// Configuration comes from the environment (and a `.env` file): DATABASE_URL, RAPPORT_ADDR,
/// RAPPORT_BASE_URL, SMTP_URL, RAPPORT_LOG, LEPTOS_SITE_ROOT. See README.md.
#[derive(Parser)]
#[command(name = "server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

mod commands;

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Seed demo data if absent and print demo links, access codes and staff logins.
    Demo {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a staff account (the first admin comes from here). The password is read from
    /// standard input (one line), so it never appears in the shell history or the process list.
    CreateUser {
        #[arg(long)]
        email: String,
        /// The name colleagues and the audit log show.
        #[arg(long)]
        name: String,
        /// handler, supervisor or admin (staff); owner or viewer (with --creditor).
        #[arg(long, default_value = "admin")]
        role: String,
        /// Create a user of this creditor (creditor portal) instead of a staff account.
        #[arg(long)]
        creditor: Option<i64>,
    },
    /// Give an account a new first password (read from standard input) when its password or its
    /// authenticator app is lost: two-step sign-in is removed, the lock lifted, every session ends,
    /// and the first sign-in asks for an own password (and, where required, a new app).
    ResetSignIn {
        #[arg(long)]
        email: String,
        /// The account is a creditor's user (creditor portal), not staff.
        #[arg(long)]
        creditor: bool,
    },
    /// Create a creditor of the agency, with the default treatment classes; prints its id.
    CreateCreditor {
        #[arg(long)]
        name: String,
        #[arg(long)]
        street: String,
        #[arg(long)]
        postcode: String,
        #[arg(long)]
        city: String,
        #[arg(long, default_value = "Deutschland")]
        country: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        website: Option<String>,
    },
    /// Import claims from a CSV hand-over file (columns: see README). A file with errors is
    /// rejected as a whole with a report, unless --partial imports its valid rows.
    ImportClaims {
        /// The creditor the claims belong to (see create-creditor).
        #[arg(long)]
        creditor: i64,
        /// Import the valid rows even if others have problems (they are listed).
        #[arg(long)]
        partial: bool,
        /// The CSV file (`,` or `;` between columns, UTF-8).
        file: std::path::PathBuf,
    },
    /// Import customer activity (orders, renewals, invoices paid on time, closed accounts) from a
    /// CSV file with the columns event_id, customer_number, kind, date and amount (optional). A
    /// file with any problem is stored not at all; the report names every row and column.
    ImportActivities {
        /// The creditor whose customers the rows are about.
        #[arg(long)]
        creditor: i64,
        /// The CSV file (`,` or `;` between columns, UTF-8).
        file: std::path::PathBuf,
    },
    /// Issue access data (personal link and access code) for the creditor's running cases that
    /// have none, and write them to a mail-merge CSV for the first letters. The codes exist in
    /// clear only in this file: keep it safe and delete it once the letters are printed.
    IssueAccess {
        #[arg(long)]
        creditor: i64,
        /// Where to write the letters (created, never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Create an API key for a creditor's system and print it (it is shown only this once;
    /// owners can also create and revoke keys in the creditor portal).
    CreateApiKey {
        #[arg(long)]
        creditor: i64,
        /// What the key is for, e.g. "ERP".
        #[arg(long)]
        name: String,
    },
    /// Import a bank statement (camt.053) or credit notification (camt.054): booked credits are
    /// matched to cases by RF or case reference and booked; the rest waits for a case handler.
    /// Importing the same file (or an overlapping statement) again books nothing twice.
    ImportStatement {
        /// The XML file.
        file: std::path::PathBuf,
        /// The agency whose account the statement is (needed only when there are several).
        #[arg(long)]
        agency: Option<i64>,
    },
    /// Take every dunning step that is due: reminders, final notices, escalation requests,
    /// instalment reminders, missed instalments and broken plans. Safe to run at any time and as
    /// often as you like (each step is taken once); `serve` does the same every few minutes.
    RunDue {
        /// Act as if it were this time (RFC 3339, `YYYY-MM-DDTHH:MM` UTC or `YYYY-MM-DD`);
        /// default: now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Write the dunning letters for debtors reached by post that were not exported yet to a
    /// mail-merge file (`;`-separated, UTF-8) and mark them exported.
    ExportLetters {
        /// Only this creditor's letters (default: all).
        #[arg(long)]
        creditor: Option<i64>,
        /// Where to write the letters (created, never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Anonymise debtors whose cases all ended more than the retention period ago (default 6
    /// full calendar years, the period for commercial letters; amounts and references stay for
    /// the books). Run with --dry-run first: it lists what would change and changes nothing.
    Erase {
        /// Only report.
        #[arg(long)]
        dry_run: bool,
        /// Full calendar years after the year the last case ended (at least 1).
        #[arg(long, default_value_t = 6)]
        years: u32,
    },
    /// Add a benchmark volume of invented creditors and cases (never in production): see
    /// `./dev bench`.
    BenchSeed {
        /// How many cases.
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        /// Over how many creditors.
        #[arg(long, default_value_t = 20)]
        creditors: usize,
    },
    /// Measure the database's raw insert rate (rows per second into a scratch table, in
    /// transactions of 1,000), the yardstick of the batch benchmarks (never in production).
    BenchRaw {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Many rows per statement, as the batch work writes, instead of one.
        #[arg(long)]
        together: bool,
    },
    /// Print how many rows all tables hold (the batch benchmarks count what each step wrote; on
    /// PostgreSQL it refreshes the planner statistics first).
    BenchRows {
        /// Write back what earlier steps left to write first (a checkpoint), so that the next
        /// step is not measured while the database writes back the one before.
        #[arg(long)]
        settle: bool,
    },
    /// Write the batch benchmarks' input files: a claim hand-over CSV of ROWS new claims and a
    /// camt.053 statement of ROWS credits naming the seeded cases (see `./dev bench`).
    BenchFiles {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// How many cases bench-seed made (the statement names them in turn).
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        /// The agency's account the statement is for.
        #[arg(long)]
        iban: String,
        #[arg(long)]
        claims: std::path::PathBuf,
        #[arg(long)]
        statement: std::path::PathBuf,
    },
    /// Write a consistent copy of the SQLite database to FILE while the portal runs (`VACUUM
    /// INTO`); for PostgreSQL use `pg_dump` (see the README).
    Backup {
        /// The copy to create (never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Make the remittance reports of a month (default: the last one) for every creditor with
    /// payments in no report yet; `serve` does this by itself at the start of each month.
    Remittances {
        /// The month, `YYYY-MM`.
        #[arg(long)]
        month: Option<String>,
    },
    /// Send every email that is due in the outbox and exit (what `serve` does every few seconds),
    /// for cron-style operation. Respects quiet hours and opt-outs like `serve`.
    SendMail {
        /// Act as if it were this time (same forms as for `run-due`); default: now.
        #[arg(long)]
        now: Option<String>,
    },
    /// List the base rates (§ 247 BGB) that interest is computed from, or add a new half-year's rate.
    BaseRates {
        #[command(subcommand)]
        action: Option<BaseRateAction>,
    },
}

#[derive(Subcommand)]
enum BaseRateAction {
    /// Print every half-year's rate (the default).
    List,
    /// Add or correct the rate of a half-year, e.g. `set --from 2026-07-01 --rate 1.27`.
    Set {
        /// The half-year's first day: YYYY-01-01 or YYYY-07-01.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// The rate in percent, e.g. 1.27 or -0.88.
        #[arg(long, allow_hyphen_values = true)]
        rate: String,
        /// Where the rate comes from (shown to staff).
        #[arg(long, default_value = "Deutsche Bundesbank")]
        source: String,
    },
}

/// Threads for blocking work at most: reading files for Leptos' file handler, Argon2, reading a
/// bank statement. Tokio's default (512) lets a burst of such requests start a thread each, and
/// every thread keeps its own stack and allocator heap: 64 connections on a file outside `/pkg`
/// started 76 threads and left the server 30 MB larger. Beyond the limit, work waits its turn.
const MAX_BLOCKING_THREADS: usize = 16;

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()
    {
        Ok(runtime) => runtime.block_on(start()),
        Err(e) => {
            eprintln!("Cannot start the async runtime: {e}.");
            ExitCode::FAILURE
        }
    }
}

async fn start() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Configuration error: {e}.");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(&config).await?;
            tracing::info!(
                address = %config.bind,
                base_url = %config.base_url,
                database = %config.database_url.redacted(),
                "Rapport is serving"
            );
            app.run_until_stopped().await?;
        }
        Command::Migrate => commands::data::migrate(&config).await?,
        Command::Demo { json } => commands::data::demo(&config, json).await?,
        Command::CreateUser {
            email,
            name,
            role,
            creditor,
        } => commands::accounts::create_user(&config, email, name, role, creditor).await?,
        Command::ResetSignIn { email, creditor } => {
            commands::accounts::reset_sign_in(&config, email, creditor).await?
        }
        Command::CreateCreditor {
            name,
            street,
            postcode,
            city,
            country,
            email,
            website,
        } => {
            let creditor = server::intake::NewCreditor {
                name,
                street,
                postcode,
                city,
                country,
                email,
                website,
            };
            commands::intake::create_creditor(&config, creditor).await?
        }
        Command::ImportClaims {
            creditor,
            partial,
            file,
        } => commands::intake::import_claims(&config, creditor, partial, file).await?,
        Command::ImportActivities { creditor, file } => {
            commands::intake::import_activities(&config, creditor, file).await?
        }
        Command::ImportStatement { file, agency } => {
            commands::intake::import_statement(&config, file, agency).await?
        }
        Command::SendMail { now } => commands::jobs::send_mail(&config, now).await?,
        Command::RunDue { now } => commands::jobs::run_due(&config, now).await?,
        Command::CreateApiKey { creditor, name } => {
            commands::accounts::create_api_key(&config, creditor, name).await?
        }
        Command::IssueAccess { creditor, out } => {
            commands::accounts::issue_access(&config, creditor, out).await?
        }
        Command::Erase { dry_run, years } => commands::jobs::erase(&config, dry_run, years).await?,
        Command::BenchSeed { cases, creditors } => {
            commands::bench::bench_seed(&config, cases, creditors).await?
        }
        Command::BenchRaw { rows, together } => {
            commands::bench::bench_raw(&config, rows, together).await?
        }
        Command::BenchRows { settle } => commands::bench::bench_rows(&config, settle).await?,
        Command::BenchFiles {
            rows,
            cases,
            iban,
            claims,
            statement,
        } => server::bench::write_files(rows, cases, &iban, &claims, &statement)?,
        Command::Backup { out } => commands::data::backup(&config, out).await?,
        Command::Remittances { month } => commands::jobs::remittances(&config, month).await?,
        Command::ExportLetters { creditor, out } => {
            commands::jobs::export_letters(&config, creditor, out).await?
        }
        Command::BaseRates { action } => commands::jobs::base_rates(&config, action).await?,
    }
    Ok(())
}

/// Parses `--now`: RFC 3339, `YYYY-MM-DDTHH:MM[:SS]` (UTC) or `YYYY-MM-DD` (midnight UTC).
fn parse_instant(raw: &str) -> anyhow::Result<i64> {
    let raw = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(t.timestamp_millis());
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(raw, format) {
            return Ok(t.and_utc().timestamp_millis());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_millis());
    }
    anyhow::bail!("--now {raw:?} is not a time: use e.g. 2026-12-01, 2026-12-01T09:30 or 2026-12-01T09:30:00+01:00")
}

/// The time a command acts at.
struct FixedClock(i64);

impl app::server::ports::Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}
