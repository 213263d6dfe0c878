//! The `server` binary as a user runs it: configuration errors and `demo --json`.

use std::process::Command;

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_LOG", "error");
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
    assert_eq!(debtors.len(), 14);
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
