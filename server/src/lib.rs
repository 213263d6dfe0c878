//! The Rapport server: configuration, telemetry, the database adapters, demo data and the axum
//! application. `main.rs` only parses the command line and calls into here.

pub mod accounts;
pub mod activity_import;
pub mod assets;

pub mod body_limits;
pub mod camt;
pub mod clamd;
pub mod client;
pub mod config;
pub mod db;

mod downloads;
pub mod exports;
pub mod intake;
mod jobs;
pub mod legal;

pub mod mail;
pub mod payments;
pub mod pdf;

pub mod rest;
pub mod router;
pub mod startup;
pub mod statement;
pub mod telemetry;
pub mod webhooks;

/// The benchmarks' seeding and measuring tools (`db/bench.rs`).
pub use db::bench;
/// The demo data (`db/demo.rs`).
pub use db::demo;
/// The export of dunning letters for print (`db/letters.rs`).
pub use db::letters;
/// Erasure, personal-data export and backups (storage work: `db/privacy.rs`).
pub use db::privacy;
