//! Accounts and access: staff and creditor users, a lost sign-in, API keys, and the access data
//! of the first letters.

use crate::open;
use server::config::Config;

/// `create-user`.
pub(crate) async fn create_user(
    config: &Config,
    email: String,
    name: String,
    role: String,
    creditor: Option<i64>,
) -> anyhow::Result<()> {
    let mut password = String::new();
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("Password for {email} (at least 12 characters): ");
    }
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let db = open(config).await?;
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
    Ok(())
}

/// `reset-sign-in`.
pub(crate) async fn reset_sign_in(
    config: &Config,
    email: String,
    creditor: bool,
) -> anyhow::Result<()> {
    let mut password = String::new();
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("New first password for {email} (at least 12 characters): ");
    }
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let db = open(config).await?;
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
    Ok(())
}

/// `create-api-key`.
pub(crate) async fn create_api_key(
    config: &Config,
    creditor: i64,
    name: String,
) -> anyhow::Result<()> {
    let db = open(config).await?;
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
    Ok(())
}

/// `issue-access`.
pub(crate) async fn issue_access(
    config: &Config,
    creditor: i64,
    out: std::path::PathBuf,
) -> anyhow::Result<()> {
    use std::io::Write;
    // Created before any code is issued, so a bad path costs nothing.
    // Readable by its owner only: the file holds names and addresses (and access codes).
    let mut file = server::exports::private_file(&out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let db = open(config).await?;
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
    Ok(())
}
