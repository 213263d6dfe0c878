//! What comes in: creditors, claim hand-overs, customer activity and bank statements.

use crate::open;
use app::server::ports::Creditors;
use server::config::Config;

/// `create-creditor`.
pub(crate) async fn create_creditor(
    config: &Config,
    creditor: server::intake::NewCreditor,
) -> anyhow::Result<()> {
    let db = open(config).await?;
    let created =
        server::intake::create_creditor(&db, &creditor, chrono::Utc::now().timestamp_millis())
            .await;
    db.close().await;
    let id = created?;
    println!("{id}");
    eprintln!(
        "Created creditor {id} ({}) with the treatment classes key_account, standard and strict.",
        creditor.name
    );
    Ok(())
}

/// `import-claims`.
pub(crate) async fn import_claims(
    config: &Config,
    creditor: i64,
    partial: bool,
    file: std::path::PathBuf,
) -> anyhow::Result<()> {
    let input = std::fs::File::open(&file)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    let db = open(config).await?;
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
    Ok(())
}

/// `import-activities`.
pub(crate) async fn import_activities(
    config: &Config,
    creditor: i64,
    file: std::path::PathBuf,
) -> anyhow::Result<()> {
    let raw =
        std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let db = open(config).await?;
    let now = chrono::Utc::now();
    if db.creditor_name(creditor).await?.is_none() {
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
    Ok(())
}

/// `import-statement`.
pub(crate) async fn import_statement(
    config: &Config,
    file: std::path::PathBuf,
    agency: Option<i64>,
) -> anyhow::Result<()> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::File::open(&file)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    let db = open(config).await?;
    let agency = match agency {
        Some(a) => a,
        None => {
            let ids = db.agency_ids().await?;
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
    let r = report.map_err(|e| anyhow::anyhow!("{}: {e} (nothing was booked)", file.display()))?;
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
    Ok(())
}
