//! Changing the network safely: plan → preview → confirm → apply → verify → audit
//! log, one mechanism for the console and `--batch`.

pub mod impact;
pub mod project;
