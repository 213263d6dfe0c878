//! HTTP and adapter tests against the real application, started on port 0 with a temporary SQLite
//! file and, when TEST_POSTGRES_URL is set, a throw-away PostgreSQL database.

mod access_matrix;
mod activities;
mod antivirus;
mod helpers;

mod bank;
mod bank_batches;
mod bank_decisions;
mod camt_fixture;
mod classes;
mod cli;
mod consent;
mod crash;
mod creditor_team;
mod debtor_access;
mod deployment;
mod deployment_limits;
mod deployment_tls;
mod dialogue;
mod dunning;
mod dunning_batches;
mod health;
mod imports;
mod intake;
mod language;
mod outbox;
mod overview;
mod payments;
mod plans;
mod privacy;
mod remittances;
mod rest;
mod retention;
mod robustness;
mod running_interest;
mod smtp;
mod staff;
mod staff_actions;
mod staff_queue;
mod static_files;
mod storage;
mod stripe_double;
mod two_step;
mod webhooks;
