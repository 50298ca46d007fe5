//! netops — a terminal operations console for AWS Transit Gateway networks.
//!
//! Module map:
//! - [`model`]: plain domain types (TGW, route table, route, attachment, peering, VPC…).
//!   No aws-sdk type leaves the AWS backend.
//! - [`backend`]: the [`backend::Backend`] trait and its two implementations, real AWS
//!   ([`backend::aws`]) and the simulator ([`backend::sim`]) behind `--demo`.
//! - [`net`]: network semantics in one place: the estate indexed by id, longest-prefix
//!   match, subnet → route table, route target usability and what it leads to, ARNs,
//!   findings as data.
//! - [`discovery`]: reads regions in parallel, follows peerings to their other region.
//! - [`command`]: the command vocabulary shared by `--batch`, the TUI's `:` prompt and
//!   keymap `run` strings.
//! - [`query`]: runs read commands against a loaded estate, producing tables and JSON.
//! - [`batch`]: the headless front end.
//! - [`cli`]: command-line options and backend construction.
//! - [`logging`]: tracing to a file (the TUI owns the terminal).
//! - [`text`]: terminal-safe rendering of untrusted text, short messages.

pub mod backend;
pub mod batch;
pub mod cli;
pub mod command;
pub mod discovery;
pub mod error;
pub mod logging;
pub mod model;
pub mod net;
pub mod query;
pub mod runtime;
pub mod text;
pub mod tui;
