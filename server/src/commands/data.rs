//! The database itself: migrations, demo data and backups.

use crate::open;
use server::config::Config;
use server::demo::{ensure_demo, render_text};

/// `migrate`.
pub(crate) async fn migrate(config: &Config) -> anyhow::Result<()> {
    open(config).await?.close().await;
    eprintln!("Database {} is up to date.", config.database_url.redacted());
    Ok(())
}

/// `demo`.
pub(crate) async fn demo(config: &Config, json: bool) -> anyhow::Result<()> {
    let db = open(config).await?;
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
    Ok(())
}

/// `backup`.
pub(crate) async fn backup(config: &Config, out: std::path::PathBuf) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!("{} exists; a backup never overwrites a file", out.display());
    }
    let db = open(config).await?;
    let made = server::privacy::backup_sqlite(&db, &out).await;
    db.close().await;
    made?;
    println!("{}", out.display());
    Ok(())
}
