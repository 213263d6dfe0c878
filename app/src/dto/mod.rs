//! Data shapes sent from the server to pages (the results of server functions).
//!
//! Plain serde structs built from domain values; no behaviour beyond what a page needs to show them.

mod account;
mod creditor;
mod debtor;
mod dialogue;
mod retention;
mod staff;

pub use account::*;
pub use creditor::*;
pub use debtor::*;
pub use dialogue::*;
pub use retention::*;
pub use staff::*;
