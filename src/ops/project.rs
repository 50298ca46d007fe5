//! The estate as it would be after a change: what AWS would show once the change has
//! been applied and has settled (a peering accepted is `available`, a static route to
//! a gone attachment is `blackhole`), so the path engine can be asked about it before
//! anything is sent.
//!
//! Invariants:
//! - Pure: an estate and ops in, a new estate out; the input is never changed.
//! - Read-level semantics, as [`crate::backend::sim::derive`] derives them: a static
//!   route hides a propagated route for the same prefix and deleting it brings the
//!   propagated one back; propagating a VPC attachment adds its VPC's CIDRs; a
//!   peering is one id visible in both regions, its attachment records included.
//! - What cannot be projected exactly (routes a VPN learns over BGP, the id of a
//!   peering not yet created) is named in [`Projected::not_modelled`], never guessed.

use crate::backend::ChangeOp;
use crate::model::Estate;

/// The id a peering that does not exist yet is shown with.
pub const NEW_PEERING_ID: &str = "tgw-attach-(new)";

/// An estate after some changes.
#[derive(Debug, Clone)]
pub struct Projected {
    pub estate: Estate,
    /// What the projection could not model, in words.
    pub not_modelled: Vec<String>,
}

/// `estate` with `ops` applied in order (dry runs change nothing).
#[must_use]
pub fn project(estate: &Estate, ops: &[ChangeOp]) -> Projected {
    let _ = ops;
    Projected {
        estate: estate.clone(),
        not_modelled: vec!["projection not written yet".into()],
    }
}
