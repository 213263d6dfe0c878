//! Pure business rules: money, claims, access codes and references.
//!
//! Nothing in here performs I/O, reads the clock or knows about Leptos; time is always a parameter.
//! The module is compiled into the browser bundle as well, so the browser runs exactly the rules the
//! server runs. Must not import anything else from this crate.

pub mod access;
pub mod accrual;
pub mod activity;
pub mod allocation;
pub mod case_state;
pub mod claim;
pub mod dunning;
pub mod epc;
pub mod intake;
pub mod interest;
pub mod language;
pub mod ledger;
pub mod matching;
pub mod money;
pub mod plan;
pub mod reason;
pub mod references;
pub mod remittance;
pub mod retention;
pub mod template;
pub mod text;
pub mod webhook;
pub mod work;

pub use language::Language;
pub use money::{Currency, Money, MoneyError, Remainder};
