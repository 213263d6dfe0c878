//! The commands of the `server` binary, one module a group; `main.rs` parses the command line
//! and hands each command to its function here.

pub(crate) mod accounts;
pub(crate) mod bench;
pub(crate) mod data;
pub(crate) mod intake;
pub(crate) mod jobs;
