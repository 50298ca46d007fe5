//! The one integration test crate (one binary keeps link time down): each module
//! covers one front end or backend.

mod audit_trail;
mod aws_firewall;
mod aws_mocks;
mod aws_moto;
mod aws_ssm;
mod batch_io;
mod changes;
mod cli;
mod conformance;
mod equivalence;
mod export;
mod moto;
mod moto_changes;
mod moto_seed;
mod probe;
mod support;
mod throttle;
mod trace_audit;
mod tui_change;
mod tui_firewall;
mod tui_keymap;
mod tui_probe;
mod tui_screens;
mod tui_tmux;
mod tui_update;
