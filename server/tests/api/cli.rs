//! The `server` binary as a user runs it: configuration errors and `demo --json`.

use std::process::Command;

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_LOG", "error")
        // The agency's account, which imported statements must be of (as `./dev` sets it).
        .env("RAPPORT_PAYEE_IBAN", "DE89370400440532013000");
    cmd
}

#[test]
fn an_unknown_database_scheme_stops_start_up_with_one_sentence_naming_the_variable() {
    let out = server()
        .env("DATABASE_URL", "mysql://localhost/rapport")
        .arg("migrate")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DATABASE_URL uses the unsupported scheme 'mysql'"),
        "{stderr}"
    );
}

#[test]
fn demo_json_prints_links_access_data_and_staff_logins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let run = || {
        server()
            .env("DATABASE_URL", &url)
            .env("RAPPORT_BASE_URL", "http://portal.example:8080")
            .current_dir(dir.path())
            .args(["demo", "--json"])
            .output()
            .expect("runs")
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["base_url"], "http://portal.example:8080");
    let debtors = json["debtors"].as_array().expect("debtors");
    assert_eq!(debtors.len(), 26);
    for d in debtors {
        for key in ["reference", "access_code", "postcode", "link"] {
            assert!(
                d[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} in {d}"
            );
        }
        assert!(d["link"]
            .as_str()
            .expect("link")
            .starts_with("http://portal.example:8080/c/"));
    }
    let staff = json["staff"].as_array().expect("staff");
    assert!(staff
        .iter()
        .any(|s| s["role"] == "admin" && s["email"].is_string() && s["password"].is_string()));
    let second = run();
    assert_eq!(
        second.stdout, out.stdout,
        "a second run prints the same data and seeds nothing new"
    );
}

#[test]
fn the_demo_is_never_loaded_into_a_database_that_holds_real_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("real.db").display());
    let run = |args: &[&str]| {
        server()
            .env("DATABASE_URL", &url)
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("runs")
    };
    let made = run(&[
        "create-creditor",
        "--name",
        "Echte Kunde GmbH",
        "--street",
        "Weg 1",
        "--postcode",
        "50667",
        "--city",
        "Köln",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let demo = run(&["demo"]);
    assert!(!demo.status.success(), "refused");
    let stderr = String::from_utf8_lossy(&demo.stderr);
    assert!(
        stderr.contains("already holds data and was not created as a demo"),
        "{stderr}"
    );
    let db = rusqlite::Connection::open(dir.path().join("real.db")).expect("opens");
    let accounts: i64 = db
        .query_row("SELECT COUNT(*) FROM staff_users", [], |r| r.get(0))
        .expect("counted");
    assert_eq!(accounts, 0, "no demo account was created");
}

#[test]
fn base_rates_are_listed_and_extended_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("rates.db").display());
    let run = |args: &[&str]| {
        server()
            .env("DATABASE_URL", &url)
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("runs")
    };
    let list = run(&["base-rates"]);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("2026-01-01") && text.contains("1.27 %"),
        "{text}"
    );
    assert!(text.contains("add the rate from 2026-07-01"), "{text}");

    let set = run(&[
        "base-rates",
        "set",
        "--from",
        "2026-07-01",
        "--rate",
        "-0.5",
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let listed = String::from_utf8_lossy(&set.stdout).to_string();
    let row = listed
        .lines()
        .find(|l| l.starts_with("2026-07-01"))
        .unwrap_or_default();
    assert!(row.ends_with("-0.50 %"), "{listed}");

    let bad = run(&["base-rates", "set", "--from", "2026-08-01", "--rate", "1"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("1 January and 1 July"));
}

#[test]
fn create_user_reads_the_password_from_stdin_and_names_every_problem() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("users.db").display());
    let run = |args: &[&str], password: &str| {
        let mut child = server()
            .env("DATABASE_URL", &url)
            .current_dir(dir.path())
            .arg("create-user")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("written");
        let out = child.wait_with_output().expect("finishes");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let admin = [
        "--email",
        "Chefin@Agentur.example",
        "--name",
        "Clara Chefin",
    ];
    let (ok, err) = run(&admin, "kurz");
    assert!(!ok && err.contains("at least 12 characters"), "{err}");
    let (ok, err) = run(&admin, "password1234");
    assert!(!ok && err.contains("too easy to guess"), "{err}");
    let (ok, err) = run(&["--email", "x", "--name", "X"], "ein langes passwort");
    assert!(!ok && err.contains("is not an email address"), "{err}");
    let (ok, err) = run(
        &[&admin[..], &["--role", "root"]].concat(),
        "ein langes passwort",
    );
    assert!(!ok && err.contains("unknown role"), "{err}");
    let (ok, err) = run(&admin, "ein langes passwort");
    assert!(ok, "{err}");
    assert!(err.contains("Created admin account"), "{err}");
    let (ok, err) = run(&admin, "ein langes passwort");
    assert!(
        !ok && err.contains("already an account for chefin@agentur.example"),
        "{err}"
    );
}

#[test]
fn create_creditor_and_import_claims_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("intake.db").display());
    let run = |args: &[&str]| {
        server()
            .env("DATABASE_URL", &url)
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("runs")
    };
    let out = run(&[
        "create-creditor",
        "--name",
        "Sonnenschein Energie AG",
        "--street",
        "Kraftwerkstraße 1",
        "--postcode",
        "50667",
        "--city",
        "Köln",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let file = dir.path().join("claims.csv");
    std::fs::write(
        &file,
        "external_id,customer_number,debtor_name,street,postcode,city,subject,contract_date,due_date,principal\n\
         S-1,K-1,Anna Beispiel,Lindenweg 3,10115,Berlin,Strom Januar,2026-01-31,2026-02-28,89.90\n\
         S-2,K-2,Ben Muster,Am Markt 1,1811,Rostock,Strom Januar,2026-01-31,2026-02-28,45.00\n",
    )
    .expect("file");
    let path = file.display().to_string();
    let rejected = run(&["import-claims", "--creditor", &id, &path]);
    assert_eq!(rejected.status.code(), Some(1));
    let report = String::from_utf8_lossy(&rejected.stdout);
    assert!(report.contains("row 3, column postcode"), "{report}");
    let partial = run(&["import-claims", "--creditor", &id, "--partial", &path]);
    assert!(
        partial.status.success(),
        "{}",
        String::from_utf8_lossy(&partial.stderr)
    );
    let report = String::from_utf8_lossy(&partial.stdout);
    assert!(
        report.contains("Imported 1 of 2 claims (1 new debtors, 1 new cases)"),
        "{report}"
    );
    let letters = dir.path().join("letters.csv");
    let letters_path = letters.display().to_string();
    let issued = run(&["issue-access", "--creditor", &id, "--out", &letters_path]);
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    let csv = std::fs::read_to_string(&letters).expect("letters");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&letters)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "access codes are for the operator's eyes only"
        );
    }
    assert!(csv.starts_with('\u{feff}'), "a byte order mark for Excel");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "reference;name;street;postcode;city;access_code;link"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains("Anna Beispiel") && lines[1].contains("/c/"),
        "{csv}"
    );
    let twice = run(&["issue-access", "--creditor", &id, "--out", &letters_path]);
    assert!(
        !twice.status.success(),
        "an existing letters file is never overwritten"
    );
    assert!(String::from_utf8_lossy(&twice.stderr).contains("cannot create"));

    // Customer activity for the imported customer K-1: a file with an unknown customer is
    // refused as a whole; a good one is stored once.
    let activity = dir.path().join("activity.csv");
    std::fs::write(
        &activity,
        "event_id;customer_number;kind;date;amount\n\
         A-1;K-1;order;2026-03-15;120,00\n\
         A-2;K-9;renewal;2026-03-16;\n",
    )
    .expect("file");
    let activity_path = activity.display().to_string();
    let refused = run(&["import-activities", "--creditor", &id, &activity_path]);
    assert_eq!(refused.status.code(), Some(1));
    let report = String::from_utf8_lossy(&refused.stdout);
    assert!(
        report.contains(
            "row 3, column customer_number: no debtor of this creditor has this customer number"
        ) && report.contains("Nothing was stored"),
        "{report}"
    );
    std::fs::write(
        &activity,
        "event_id;customer_number;kind;date;amount\nA-1;K-1;order;2026-03-15;120,00\n",
    )
    .expect("file");
    let stored = run(&["import-activities", "--creditor", &id, &activity_path]);
    assert!(
        stored.status.success(),
        "{}",
        String::from_utf8_lossy(&stored.stderr)
    );
    assert!(String::from_utf8_lossy(&stored.stdout).contains("Stored 1 of 1 activities"));
    let again = run(&["import-activities", "--creditor", &id, &activity_path]);
    assert!(String::from_utf8_lossy(&again.stdout)
        .contains("Stored 0 of 1 activities; 1 were reported before and left unchanged."));
    let unknown = run(&["import-activities", "--creditor", "999", &activity_path]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no creditor 999"));
}

#[test]
fn run_due_takes_the_steps_once_and_export_letters_writes_the_letters_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let run = |args: &[&str]| {
        let out = server()
            .env("DATABASE_URL", &url)
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["demo"]).0);
    let in_a_month = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (ok, first, err) = run(&["run-due", "--now", &in_a_month]);
    assert!(ok, "{err}");
    assert!(first.starts_with("Dunning run: "), "{first}");
    assert!(
        !first.contains("Dunning run: 0 reminders"),
        "the demo cases get reminders: {first}"
    );
    let (ok, again, _) = run(&["run-due", "--now", &in_a_month]);
    assert!(ok);
    assert!(
        again.contains("0 reminders, 0 final notices, 0 escalations"),
        "{again}"
    );
    let (ok, _, err) = run(&["run-due", "--now", "morgen"]);
    assert!(
        !ok && err.contains("--now \"morgen\" is not a time"),
        "{err}"
    );

    let out = dir.path().join("letters.csv");
    let (ok, _, err) = run(&["export-letters", "--out", out.to_str().expect("path")]);
    assert!(ok, "{err}");
    assert!(err.contains("letters are in"), "{err}");
    let csv = std::fs::read_to_string(&out).expect("the file");
    assert!(csv
        .trim_start_matches('\u{feff}')
        .starts_with("reference;name;street;postcode;city;country;language;date;subject;text"));
    assert!(
        csv.contains("Zahlungserinnerung") && csv.contains("Ihr Aktenzeichen: AKTE-"),
        "{csv}"
    );
    let (ok, _, err) = run(&["export-letters", "--out", out.to_str().expect("path")]);
    assert!(
        !ok && err.contains("cannot create"),
        "never overwritten: {err}"
    );
    let second = dir.path().join("letters-2.csv");
    let (ok, _, err) = run(&["export-letters", "--out", second.to_str().expect("path")]);
    assert!(
        ok && err.contains("No letters to send."),
        "each letter once: {err}"
    );
    assert!(!second.exists());

    let (ok, _, err) = run(&["send-mail"]);
    assert!(!ok && err.contains("SMTP_URL is not set"), "{err}");
    let (ok, _, err) = run(&["import-statement", "missing.xml"]);
    assert!(!ok && err.contains("cannot open missing.xml"), "{err}");
    std::fs::write(dir.path().join("evil.xml"), "<!DOCTYPE x><x/>").expect("write");
    let (ok, _, err) = run(&["import-statement", "evil.xml"]);
    assert!(
        !ok && err.contains("DOCTYPE") && err.contains("nothing was booked"),
        "{err}"
    );

    // The demo's payments were booked this month: last month has nothing to report.
    let (ok, out, err) = run(&["remittances"]);
    assert!(ok && out.contains("no new reports"), "{out}{err}");
    let (ok, _, err) = run(&["remittances", "--month", "elf"]);
    assert!(
        !ok && err.contains("--month \"elf\" is not a month"),
        "{err}"
    );
    let (ok, _, err) = run(&["remittances", "--month", "2999-01"]);
    assert!(!ok && err.contains("2999-01 has not ended yet"), "{err}");
}

#[test]
fn bench_seed_adds_the_benchmark_volume() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let out = server()
        .env("DATABASE_URL", &url)
        .args(["bench-seed", "--cases", "30", "--creditors", "3"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Seeded 30 cases over 3 creditors."));
    let counts = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
            let mut counts = Vec::new();
            for table in [
                "creditors",
                "cases",
                "debtors",
                "claim_items",
                "messages",
                "work_items",
                "payments",
            ] {
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&pool)
                    .await
                    .expect("count");
                counts.push(n);
            }
            counts
        });
    assert_eq!(counts, vec![3, 30, 30, 30, 3, 3, 6]);
}

#[test]
fn the_benchmark_statement_names_exactly_the_seeded_cases_beside_the_demo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let run = |args: &[&str]| {
        let out = server()
            .env("DATABASE_URL", &url)
            .args(args)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    run(&["demo"]);
    run(&["bench-seed", "--cases", "40", "--creditors", "2"]);
    let claims = dir.path().join("claims.csv");
    let statement = dir.path().join("statement.xml");
    run(&[
        "bench-files",
        "--rows",
        "40",
        "--cases",
        "40",
        "--iban",
        "DE89370400440532013000",
        "--claims",
        claims.to_str().expect("path"),
        "--statement",
        statement.to_str().expect("path"),
    ]);
    let report = run(&["import-statement", statement.to_str().expect("path")]);
    assert!(
        report.contains("40 entries – 40 booked, 0 for a case handler"),
        "{report}"
    );
}
