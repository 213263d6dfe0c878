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
    assert_eq!(debtors.len(), 5);
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
