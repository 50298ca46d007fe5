//! The one integration test crate (one binary keeps link time down): each module
//! covers one front end or backend.

mod support;
mod moto;
mod moto_seed;
mod aws_moto;
mod aws_mocks;
mod conformance;
mod cli;
