//! The `server` binary: parse the command line, load configuration, run the subcommand.

use clap::{Parser, Subcommand};
use server::config::Config;
use server::db::Db;
use server::demo::{ensure_demo, render_text};
use server::legal::{list_base_rates, set_base_rate};
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
        Command::Migrate => {
            open(&config).await?.close().await;
            eprintln!("Database {} is up to date.", config.database_url.redacted());
        }
        Command::Demo { json } => {
            let db = open(&config).await?;
            let report = ensure_demo(
                &db,
                config.base_url.as_str(),
                chrono::Utc::now().timestamp_millis(),
            )
            .await?;
            db.close().await;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", render_text(&report));
            }
        }
        Command::CreateUser {
            email,
            name,
            role,
            creditor,
        } => {
            let mut password = String::new();
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprint!("Password for {email} (at least 12 characters): ");
            }
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let db = open(&config).await?;
            let created = server::accounts::create_user(
                &db,
                &email,
                &name,
                &role,
                password,
                chrono::Utc::now().timestamp_millis(),
                creditor,
            )
            .await;
            db.close().await;
            let id = created?;
            let portal = if creditor.is_some() {
                "creditor"
            } else {
                "staff"
            };
            eprintln!(
                "Created {role} account {id} for {email}. Sign in at {}{portal}/login.",
                config.base_url
            );
        }
        Command::ResetSignIn { email, creditor } => {
            let mut password = String::new();
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprint!("New first password for {email} (at least 12 characters): ");
            }
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let db = open(&config).await?;
            let reset = server::accounts::reset_sign_in(
                &db,
                &email,
                creditor,
                password,
                chrono::Utc::now().timestamp_millis(),
            )
            .await;
            db.close().await;
            reset?;
            let portal = if creditor { "creditor" } else { "staff" };
            eprintln!(
                "Reset the sign-in of {email}: hand over the first password; it must be replaced at {}{portal}/login.",
                config.base_url
            );
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
            let db = open(&config).await?;
            let creditor = server::intake::NewCreditor {
                name,
                street,
                postcode,
                city,
                country,
                email,
                website,
            };
            let created = server::intake::create_creditor(
                &db,
                &creditor,
                chrono::Utc::now().timestamp_millis(),
            )
            .await;
            db.close().await;
            let id = created?;
            println!("{id}");
            eprintln!("Created creditor {id} ({}) with the treatment classes key_account, standard and strict.", creditor.name);
        }
        Command::ImportClaims {
            creditor,
            partial,
            file,
        } => {
            let input = std::fs::File::open(&file)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
            let db = open(&config).await?;
            let report = server::intake::import_claims(
                &db,
                creditor,
                std::io::BufReader::new(input),
                partial,
                chrono::Utc::now().timestamp_millis(),
                |rows| eprintln!("… {rows} rows read"),
            )
            .await;
            db.close().await;
            let report = report?;
            print!("{}", report.render());
            if !report.written {
                anyhow::bail!("the file was rejected");
            }
        }
        Command::ImportActivities { creditor, file } => {
            let raw = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let db = open(&config).await?;
            let now = chrono::Utc::now();
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM creditors WHERE id = $1")
                .bind(creditor)
                .fetch_optional(db.pool())
                .await?;
            if exists.is_none() {
                db.close().await;
                anyhow::bail!("there is no creditor {creditor}");
            }
            let report = server::activity_import::import_activities(
                &db,
                creditor,
                &raw,
                now.date_naive(),
                now.timestamp_millis(),
            )
            .await;
            db.close().await;
            let report = report?;
            print!("{}", report.render());
            if !report.written {
                anyhow::bail!("the file was rejected");
            }
        }
        Command::ImportStatement { file, agency } => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            std::fs::File::open(&file)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
            let db = open(&config).await?;
            let agency = match agency {
                Some(a) => a,
                None => {
                    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM agencies ORDER BY id")
                        .fetch_all(db.pool())
                        .await?;
                    match ids.as_slice() {
                        [one] => *one,
                        [] => anyhow::bail!("there is no agency yet: start the server once or run `server demo`"),
                        _ => anyhow::bail!("there are several agencies: say whose account the statement is with --agency ID"),
                    }
                }
            };
            let path = file.clone();
            let report = server::db::bank::import_statement(
                &db,
                &app::server::ports::StatementAccount {
                    agency_id: agency,
                    iban: config
                        .agency
                        .payee_iban
                        .as_ref()
                        .map(|i| i.as_str().to_string()),
                },
                &name,
                move || std::fs::File::open(&path).map(std::io::BufReader::new),
                "command line",
                chrono::Utc::now().timestamp_millis(),
                config.base_url.as_str(),
            )
            .await;
            db.close().await;
            let r = report
                .map_err(|e| anyhow::anyhow!("{}: {e} (nothing was booked)", file.display()))?;
            println!(
                "{} ({}): {} entries – {} booked, {} for a case handler ({} to review), {} already imported, {} skipped (debits, not yet booked).",
                file.display(),
                r.format,
                r.entries,
                r.booked,
                r.unmatched + r.review,
                r.review,
                r.duplicates,
                r.ignored
            );
        }
        Command::SendMail { now } => {
            let now_ms = match now {
                Some(raw) => parse_instant(&raw)?,
                None => chrono::Utc::now().timestamp_millis(),
            };
            let Some(url) = &config.smtp_url else {
                anyhow::bail!("SMTP_URL is not set: emails stay in the outbox until it is");
            };
            let mailer = server::mail::SmtpMailer::from_url(url.expose(), &config.mail_from)
                .map_err(|e| anyhow::anyhow!(e))?;
            let db = open(&config).await?;
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
        }
        Command::RunDue { now } => {
            let now_ms = match now {
                Some(raw) => parse_instant(&raw)?,
                None => chrono::Utc::now().timestamp_millis(),
            };
            let db = open(&config).await?;
            let report = app::server::dunning::run_due(&db, now_ms, config.base_url.as_str()).await;
            db.close().await;
            let r = report
                .map_err(|_| anyhow::anyhow!("the dunning run could not finish; see the log"))?;
            println!(
                "Dunning run: {} reminders, {} final notices, {} escalations, {} instalment reminders, \
                 {} missed instalments, {} broken plans, {} completed plans ({} to be sent by post).",
                r.reminders, r.final_notices, r.escalations, r.instalment_reminders, r.missed, r.broken,
                r.completed, r.letters
            );
        }
        Command::CreateApiKey { creditor, name } => {
            let db = open(&config).await?;
            let key = server::accounts::create_api_key(
                &db,
                creditor,
                &name,
                chrono::Utc::now().timestamp_millis(),
            )
            .await;
            db.close().await;
            println!("{}", key?);
            eprintln!("Keep this key safe: it is shown only this once.");
        }
        Command::IssueAccess { creditor, out } => {
            use std::io::Write;
            // Created before any code is issued, so a bad path costs nothing.
            // Readable by its owner only: the file holds names and addresses (and access codes).
            let mut file = server::exports::private_file(&out)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
            let db = open(&config).await?;
            let issued = server::intake::issue_access(
                &db,
                creditor,
                config.base_url.as_str(),
                chrono::Utc::now().timestamp_millis(),
                |done, total| eprintln!("… {done} of {total} cases"),
                |letters| {
                    file.write_all(&server::intake::letters_csv(letters)?)?;
                    file.sync_all()?;
                    Ok(())
                },
            )
            .await;
            db.close().await;
            match issued {
                Ok(n) => eprintln!(
                    "Issued access data for {n} cases; the letters are in {}.",
                    out.display()
                ),
                Err(e) => {
                    // Nothing was stored, so the codes in the file would not work: remove it.
                    let _ = std::fs::remove_file(&out);
                    return Err(e);
                }
            }
        }
        Command::Erase { dry_run, years } => {
            if years == 0 {
                anyhow::bail!("--years must be at least 1");
            }
            let now = chrono::Utc::now();
            let first_kept_year = chrono::Datelike::year(&now) - i32::try_from(years)?;
            let cutoff = chrono::NaiveDate::from_ymd_opt(first_kept_year, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis())
                .ok_or_else(|| anyhow::anyhow!("--years {years} is too large"))?;
            let db = open(&config).await?;
            let report = server::privacy::erase(&db, cutoff, now.timestamp_millis(), dry_run).await;
            db.close().await;
            let report = report?;
            eprintln!("Cases that ended before {first_kept_year}-01-01:");
            print!("{}", report.render());
        }
        Command::BenchSeed { cases, creditors } => {
            let db = open(&config).await?;
            let seeded = server::bench::seed(
                &db,
                creditors,
                cases,
                chrono::Utc::now().timestamp_millis(),
                |done| {
                    if done.is_multiple_of(10_000) {
                        eprintln!("… {done} cases");
                    }
                },
            )
            .await;
            db.close().await;
            let seeded = seeded?;
            println!(
                "Seeded {} cases over {} creditors.",
                seeded.cases, seeded.creditors
            );
        }
        Command::BenchRaw { rows, together } => {
            let db = open(&config).await?;
            let rate = server::bench::raw_insert_rate(&db, rows, together).await;
            db.close().await;
            println!("{:.0}", rate?);
        }
        Command::BenchRows { settle } => {
            let db = open(&config).await?;
            let rows = server::bench::total_rows(&db, settle).await;
            db.close().await;
            println!("{}", rows?);
        }
        Command::BenchFiles {
            rows,
            cases,
            iban,
            claims,
            statement,
        } => server::bench::write_files(rows, cases, &iban, &claims, &statement)?,
        Command::Backup { out } => {
            if out.exists() {
                anyhow::bail!("{} exists; a backup never overwrites a file", out.display());
            }
            let db = open(&config).await?;
            let made = server::privacy::backup_sqlite(&db, &out).await;
            db.close().await;
            made?;
            println!("{}", out.display());
        }
        Command::Remittances { month } => {
            let now = chrono::Utc::now();
            let period = match month {
                Some(m) => app::domain::remittance::Period::parse(&m).ok_or_else(|| {
                    anyhow::anyhow!("--month {m:?} is not a month: use e.g. 2026-11")
                })?,
                None => app::domain::remittance::Period::before(now.date_naive()),
            };
            if period.end > now.date_naive() {
                anyhow::bail!("the month {} has not ended yet", period.key);
            }
            let db = open(&config).await?;
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
                    app::domain::Money::new(m.split.passed_on(), app::domain::Currency::EUR)
                        .decimal(),
                    app::domain::Money::new(m.split.costs, app::domain::Currency::EUR).decimal(),
                    m.remittance_id
                );
            }
        }
        Command::ExportLetters { creditor, out } => {
            use std::io::Write;
            // Readable by its owner only: the file holds names and addresses (and access codes).
            let mut file = server::exports::private_file(&out)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
            let db = open(&config).await?;
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
        }
        Command::BaseRates { action } => {
            let db = open(&config).await?;
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
        }
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
