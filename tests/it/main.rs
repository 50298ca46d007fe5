//! The one integration test crate (one binary keeps link time down): each module
//! covers one front end or backend.

mod support;
