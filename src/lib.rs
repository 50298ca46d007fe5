//! netops — a terminal operations console for AWS Transit Gateway networks.
//!
//! Module map:
//! - [`model`]: plain domain types (TGW, route table, route, attachment, peering, VPC…).
//!   No aws-sdk type leaves the AWS backend.
//! - [`error`]: the error every layer shares, with a kind decided by exact AWS code.
//! - [`backend`]: the [`backend::Backend`] (read) and [`backend::Changer`] (change)
//!   traits and their two implementations, real AWS ([`backend::aws`]) and the simulator
//!   ([`backend::sim`]) behind `--demo`.
//! - [`net`]: network semantics in one place: the estate indexed by id, longest-prefix
//!   match, subnet → route table, route target usability and what it leads to, ARNs,
//!   findings as data, the path engine (`trace`), firewall evaluation and the audit.
//! - [`plan`]: a change checked against the estate before any call (what AWS would
//!   refuse, what shadows what): the first step of the change commands.
//! - [`discovery`]: reads regions in parallel, topology first and optional parts after,
//!   follows peerings to their other region.
//! - [`runtime`]: the one effect runtime the console, `--batch` and the test harness
//!   drive (tasks by id, cancel, timers, latest request wins, changes applied once).
//! - [`command`]: the command vocabulary shared by `--batch`, the TUI's `:` prompt and
//!   keymap `run` strings.
//! - [`probe`]: live probes (`probe egress`, `probe ping`) run through SSM Run
//!   Command as one state machine for `--batch` and the console; the engine
//!   ([`net::egress`]) says what each should see and judges what it saw.
//! - [`query`]: runs read commands against a loaded estate, producing tables and JSON.
//! - [`batch`]: the headless front end; [`exit`]: its exit codes.
//! - [`tui`]: the interactive console.
//! - [`cli`]: command-line options and backend construction.
//! - [`journal`]: the audit journal: an intent line before every change is sent, an
//!   answer after, what a re-read settled; its own safe file.
//! - [`logging`]: tracing to a file (the TUI owns the terminal).
//! - [`text`]: terminal-safe rendering of untrusted text, short messages.

pub mod backend;
pub mod batch;
pub mod cli;
pub mod command;
pub mod config;
pub mod discovery;
pub mod error;
pub mod exit;
pub mod journal;
pub mod logging;
pub mod model;
pub mod net;
pub mod ops;
pub mod output;
pub mod plan;
pub mod probe;
pub mod query;
pub mod runtime;
pub mod snapshot;
pub mod text;
pub mod tui;
