//! The benchmarks' tools (never in production): seed volume, measure the raw insert rate, count
//! rows.

use crate::open;
use server::config::Config;

/// `bench-seed`.
pub(crate) async fn bench_seed(
    config: &Config,
    cases: usize,
    creditors: usize,
) -> anyhow::Result<()> {
    let db = open(config).await?;
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
    Ok(())
}

/// `bench-raw`.
pub(crate) async fn bench_raw(config: &Config, rows: usize, together: bool) -> anyhow::Result<()> {
    let db = open(config).await?;
    let rate = server::bench::raw_insert_rate(&db, rows, together).await;
    db.close().await;
    println!("{:.0}", rate?);
    Ok(())
}

/// `bench-rows`.
pub(crate) async fn bench_rows(config: &Config, settle: bool) -> anyhow::Result<()> {
    let db = open(config).await?;
    let rows = server::bench::total_rows(&db, settle).await;
    db.close().await;
    println!("{}", rows?);
    Ok(())
}
