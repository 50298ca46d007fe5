//! Network semantics in one place: what AWS would do with a packet, asked of an
//! estate that was read once.
//!
//! The console, `--batch`, the simulator and the path trace and audit all ask this
//! module, so each rule has exactly one implementation:
//! - [`index`]: [`EstateIndex`], every object by id and the relations between them
//!   (subnet → VPC → route tables, attachment → associated TGW route table, …), built
//!   once per data version; [`Net`] binds it to the estate it was built from.
//! - [`lpm`]: longest-prefix match for VPC route tables (`local` first) and TGW route
//!   tables (static over propagated, ECMP kept, blackhole as a result), over prefix tries.
//! - [`targets`]: whether a route's target is usable, and what it leads to.
//! - [`arn`]: ARNs for every object.
//! - [`findings`]: what an operator should look at, as data (kind, severity, objects),
//!   rendered to words by [`findings::Finding::message`].
//! - [`trace`]: the path engine: a packet hop by hop, both directions, across VPCs,
//!   TGWs, peerings, firewall, NAT and internet gateways.
//! - [`firewall`]: Network Firewall policy evaluation for one flow (the trace's
//!   firewall hop).
//! - [`audit`]: every finding in the estate, reachability asked of [`trace`].
//! - [`egress`]: what a live egress probe or ping should see, and the verdict of
//!   what it saw.
//! - [`inspection`]: every inspection point, and each spoke's path (per AZ) to the
//!   first one.
//!
//! Invariants:
//! - Pure: no I/O, no clock, no async. Everything is a function of the estate.
//! - The index holds positions, never references, so it can be stored next to the
//!   estate it indexes. Every lookup checks the id of what it finds, so an index used
//!   with another version of the estate answers `None`, never a wrong object.
//! - Ids are unique per kind within a region. A peering attachment's id is the same
//!   in both of its regions; lookups that take a region are exact, those that do not
//!   answer the first region by name.

pub mod arn;
pub mod audit;
pub mod baseline;
pub mod change;
pub mod egress;
pub mod findings;
pub mod firewall;
pub mod index;
pub mod inspection;
pub mod lpm;
pub mod targets;
pub mod trace;

pub use findings::{Finding, FindingKind, ObjectKind, ObjectRef, Severity, findings};
pub use index::{EstateIndex, Net};
pub use lpm::{RouteTrie, TgwDecision, VpcDecision};
pub use targets::{LeadsTo, Usability};
