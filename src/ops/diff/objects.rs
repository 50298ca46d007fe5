//! The object half of the estate diff: every object of every kind a
//! [`RegionEstate`] holds, compared by id within its region, each difference a
//! record with the fields that differ in words.
//!
//! Invariants:
//! - Objects are matched by id (a gap by its part, a NACL entry by direction and rule
//!   number, a route by destination within its table), never by position; lists
//!   whose ids line up are compared pairwise first, which is what keeps a diff of two
//!   versions of one large estate linear.
//! - A changed object always names at least one field: when no field this module
//!   knows differs, the record says "other fields changed" rather than vanish.
//! - A peering is one object seen from both of its regions: the same change in both
//!   is one record ([`ObjectChange::also_in`]).
//! - Pure: two estates in, records out, sorted by region, kind, id.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Display;
use std::hash::Hash;

use serde::Serialize;

use crate::model::{
    Destination, Estate, FirewallPolicy, Gap, Instance, InternetGateway, NaclEntry, NatGateway,
    NetworkAcl, NetworkFirewall, NetworkInterface, Peering, PeeringSide, PrefixList, RegionEstate,
    RegionLoad, RuleGroup, RuleGroupRef, SecurityGroup, SgRule, Subnet, TgwAttachment, TgwRoute,
    TgwRouteTable, TransitGateway, Vpc, VpcEndpoint, VpcPeeringConnection, VpcPeeringSide,
    VpcRoute, VpcRouteTable,
};
use crate::net::firewall::PolicyHomeNet;
use crate::net::{ObjectKind, ObjectRef};

/// The kind of an object the diff compares (every kind a region holds, the region
/// itself and its unread parts). Ordered as the output lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Region,
    TransitGateway,
    TgwRouteTable,
    TgwAttachment,
    Peering,
    Vpc,
    Subnet,
    VpcRouteTable,
    InternetGateway,
    NatGateway,
    VpcEndpoint,
    NetworkFirewall,
    FirewallPolicy,
    RuleGroup,
    SecurityGroup,
    NetworkAcl,
    Instance,
    NetworkInterface,
    VpcPeering,
    PrefixList,
    Gap,
}

impl Kind {
    /// The kind in the words the output uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::TransitGateway => "transit gateway",
            Self::TgwRouteTable => "TGW route table",
            Self::TgwAttachment => "TGW attachment",
            Self::Peering => "peering",
            Self::Vpc => "VPC",
            Self::Subnet => "subnet",
            Self::VpcRouteTable => "VPC route table",
            Self::InternetGateway => "internet gateway",
            Self::NatGateway => "NAT gateway",
            Self::VpcEndpoint => "VPC endpoint",
            Self::NetworkFirewall => "firewall",
            Self::FirewallPolicy => "firewall policy",
            Self::RuleGroup => "rule group",
            Self::SecurityGroup => "security group",
            Self::NetworkAcl => "network ACL",
            Self::Instance => "instance",
            Self::NetworkInterface => "network interface",
            Self::VpcPeering => "VPC peering",
            Self::PrefixList => "prefix list",
            Self::Gap => "part not read",
        }
    }
}

/// What happened to an object between the two estates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    Added,
    Removed,
    Changed,
}

impl What {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// What part of an object a field is, as far as the path engine cares (the impact's
/// "affected" test reads it; see [`crate::ops::impact`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// The routes for one destination of a route table.
    Route(Destination),
    /// A TGW route table's propagations: the trace reads the routes they made, which
    /// are compared on their own.
    Propagation,
    /// A security group's or network ACL's rules: only the filter's own hop reads them.
    Rules,
    /// Anything else.
    Other,
}

/// One field that differs, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// What differs: `state`, `route 10.2.0.0/16`, `association tgw-attach-…`, `HOME_NET`.
    pub field: String,
    /// The value before, in words; `None` when the field (or item) was not there.
    pub before: Option<String>,
    /// The value after, in words; `None` when it is gone.
    pub after: Option<String>,
    /// The whole difference in one line: `state: pendingAcceptance → available`.
    pub text: String,
    #[serde(skip)]
    pub(crate) part: Part,
}

impl FieldChange {
    /// `field: before → after`, `field added: after`, `field removed (was before)`.
    fn new(field: String, before: Option<String>, after: Option<String>, part: Part) -> Self {
        let text = match (&before, &after) {
            (Some(b), Some(a)) => format!("{field}: {b} → {a}"),
            (None, Some(a)) => format!("{field} added: {a}"),
            (Some(b), None) => format!("{field} removed (was {b})"),
            (None, None) => field.clone(),
        };
        Self {
            field,
            before,
            after,
            text,
            part,
        }
    }

    /// A value that is a phrase with arrows of its own: `field: was …; now …`.
    fn phrase(field: String, before: String, after: String, part: Part) -> Self {
        let text = format!("{field}: was {before}; now {after}");
        Self {
            field,
            before: Some(before),
            after: Some(after),
            text,
            part,
        }
    }
}

/// One object added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectChange {
    /// The region it was read in.
    pub region: String,
    pub kind: Kind,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub what: What,
    /// Added or removed: what the object is, in a few words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Changed: every field that differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// Other regions that show the same change (a peering is seen from both sides).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<String>,
    /// What the console shows for it (Enter): the object, or the nearest object the
    /// tree has (a security group's VPC, an interface's subnet).
    #[serde(skip)]
    pub object: ObjectRef,
}

impl ObjectChange {
    /// `TGW route table tgw-rtb-… (post-inspection) changed`.
    #[must_use]
    pub fn headline(&self) -> String {
        let name = match &self.name {
            Some(n) if !n.is_empty() && *n != self.id => format!(" ({n})"),
            _ => String::new(),
        };
        format!(
            "{} {}{name} {}",
            self.kind.as_str(),
            self.id,
            self.what.as_str()
        )
    }
}

/// Every object that differs between `before` and `after`, sorted by region, kind
/// and id.
#[must_use]
pub fn compare(before: &Estate, after: &Estate) -> Vec<ObjectChange> {
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> =
        before.regions.keys().chain(after.regions.keys()).collect();
    for name in names {
        match (before.region(name), after.region(name)) {
            (Some(b), Some(a)) => region(name, b, a, &mut out),
            (None, None) if before.regions.get(name) == after.regions.get(name) => {}
            _ => {
                let words = |l: Option<&RegionLoad>| match l {
                    None => "not read".to_string(),
                    Some(RegionLoad::Loading) => "loading".to_string(),
                    Some(RegionLoad::Loaded { estate }) => {
                        format!("loaded ({} objects)", estate.object_ids().count())
                    }
                    Some(RegionLoad::Failed { error }) => format!("failed: {}", error.message),
                };
                let (b, a) = (before.regions.get(name), after.regions.get(name));
                let what = match (b, a) {
                    (None, _) => What::Added,
                    (_, None) => What::Removed,
                    _ => What::Changed,
                };
                let mut rec = ObjectChange {
                    region: name.clone(),
                    kind: Kind::Region,
                    id: name.clone(),
                    name: None,
                    what,
                    summary: None,
                    fields: Vec::new(),
                    also_in: Vec::new(),
                    object: ObjectRef::new(ObjectKind::Region, name.as_str(), name.as_str()),
                };
                match what {
                    What::Changed => rec.fields.push(FieldChange::new(
                        "load (objects not compared: loaded on one side only)".into(),
                        Some(words(b)),
                        Some(words(a)),
                        Part::Other,
                    )),
                    What::Added => rec.summary = Some(words(a)),
                    What::Removed => rec.summary = Some(words(b)),
                }
                out.push(rec);
            }
        }
    }
    one_record_per_peering(&mut out);
    out.sort_by(|x, y| (&x.region, x.kind, &x.id).cmp(&(&y.region, y.kind, &y.id)));
    out
}

/// The same peering change seen from its two regions is one record, in the first
/// region by name, naming the other.
fn one_record_per_peering(out: &mut Vec<ObjectChange>) {
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut drop = vec![false; out.len()];
    for i in 0..out.len() {
        if out[i].kind != Kind::Peering {
            continue;
        }
        match first.get(&out[i].id) {
            Some(&j) if out[j].what == out[i].what && out[j].fields == out[i].fields => {
                let region = out[i].region.clone();
                out[j].also_in.push(region);
                drop[i] = true;
            }
            Some(_) => {}
            None => {
                first.insert(out[i].id.clone(), i);
            }
        }
    }
    let mut i = 0;
    out.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

// ------------------------------------------------------------------ machinery

/// The pairs of records that differ: (before, after), one side `None` when the object
/// is on one side only.
fn pairs<'x, T: PartialEq, K: Hash + Eq>(
    before: &'x [T],
    after: &'x [T],
    id: impl Fn(&'x T) -> K,
) -> Vec<(Option<&'x T>, Option<&'x T>)> {
    if before.len() == after.len() && before.iter().zip(after).all(|(b, a)| id(b) == id(a)) {
        return before
            .iter()
            .zip(after)
            .filter(|(b, a)| b != a)
            .map(|(b, a)| (Some(b), Some(a)))
            .collect();
    }
    let old: HashMap<K, &T> = before.iter().map(|x| (id(x), x)).collect();
    let mut seen: HashMap<K, ()> = HashMap::with_capacity(after.len());
    let mut out = Vec::new();
    for a in after {
        match old.get(&id(a)) {
            Some(b) if *b == a => {}
            Some(b) => out.push((Some(*b), Some(a))),
            None => out.push((None, Some(a))),
        }
        seen.insert(id(a), ());
    }
    for b in before {
        if !seen.contains_key(&id(b)) {
            out.push((Some(b), None));
        }
    }
    out
}

/// How one kind of object is told apart and described.
struct Spec<'x, T> {
    kind: Kind,
    id: fn(&T) -> &str,
    name: fn(&T) -> Option<String>,
    /// Added or removed: what it is.
    summary: &'x dyn Fn(&T) -> String,
    /// Changed: what differs.
    fields: &'x dyn Fn(&T, &T, &mut Fields),
    /// Where the console shows it.
    object: &'x dyn Fn(&T) -> ObjectRef,
}

fn kind<T: PartialEq>(
    region: &str,
    before: &[T],
    after: &[T],
    spec: &Spec<'_, T>,
    out: &mut Vec<ObjectChange>,
) {
    for (b, a) in pairs(before, after, spec.id) {
        if let Some(rec) = record(region, b, a, spec) {
            out.push(rec);
        }
    }
}

fn record<T: PartialEq>(
    region: &str,
    b: Option<&T>,
    a: Option<&T>,
    spec: &Spec<'_, T>,
) -> Option<ObjectChange> {
    let shown = a.or(b)?;
    let (what, summary, fields) = match (b, a) {
        (Some(b), Some(a)) => {
            let mut f = Fields::default();
            (spec.fields)(b, a, &mut f);
            if f.0.is_empty() {
                if b == a {
                    return None;
                }
                f.0.push(FieldChange::new(
                    "other fields changed".into(),
                    None,
                    None,
                    Part::Other,
                ));
            }
            (What::Changed, None, f.0)
        }
        (None, Some(a)) => (What::Added, Some((spec.summary)(a)), Vec::new()),
        (Some(b), None) => (What::Removed, Some((spec.summary)(b)), Vec::new()),
        (None, None) => return None,
    };
    Some(ObjectChange {
        region: region.to_string(),
        kind: spec.kind,
        id: (spec.id)(shown).to_string(),
        name: (spec.name)(shown).filter(|n| !n.is_empty()),
        what,
        summary: summary.filter(|s| !s.is_empty()),
        fields,
        also_in: Vec::new(),
        object: (spec.object)(shown),
    })
}

/// The fields of one changed object, as they are found.
#[derive(Default)]
struct Fields(Vec<FieldChange>);

impl Fields {
    /// A plain value: `field: before → after`.
    fn val<T: PartialEq + ?Sized>(
        &mut self,
        field: &str,
        b: &T,
        a: &T,
        words: impl Fn(&T) -> String,
    ) {
        if b != a {
            self.0.push(FieldChange::new(
                field.into(),
                Some(words(b)),
                Some(words(a)),
                Part::Other,
            ));
        }
    }

    /// A displayable value.
    fn show<T: PartialEq + Display + ?Sized>(&mut self, field: &str, b: &T, a: &T) {
        self.val(field, b, a, ToString::to_string);
    }

    /// An optional string (`-` for none).
    fn opt(&mut self, field: &str, b: &Option<String>, a: &Option<String>) {
        self.val(field, b, a, |v| opt(v.as_deref()));
    }

    /// Items keyed by `key`: each added, removed or changed item is a field
    /// `label key`.
    fn keyed<T: PartialEq, K: Ord + Display>(
        &mut self,
        label: &str,
        b: &[T],
        a: &[T],
        key: impl Fn(&T) -> K,
        words: impl Fn(&T) -> String,
        part: Part,
    ) {
        // A table's 2,000 propagations are not worded when they did not change.
        if b == a {
            return;
        }
        let old: BTreeMap<K, String> = b.iter().map(|x| (key(x), words(x))).collect();
        let new: BTreeMap<K, String> = a.iter().map(|x| (key(x), words(x))).collect();
        let mut all: Vec<&K> = old.keys().chain(new.keys()).collect();
        all.sort();
        all.dedup();
        for k in all {
            let field = if label.is_empty() {
                k.to_string()
            } else {
                format!("{label} {k}")
            };
            match (old.get(k), new.get(k)) {
                (Some(x), Some(y)) if x == y => {}
                (x, y) => self.0.push(FieldChange::new(
                    field,
                    x.cloned(),
                    y.cloned(),
                    part.clone(),
                )),
            }
        }
    }

    /// A set of items with no key but their words: each one added (`label item
    /// added`) or removed.
    fn set(&mut self, label: &str, b: &[String], a: &[String], part: Part) {
        let item = |x: &String, added: bool| FieldChange {
            field: label.to_string(),
            before: (!added).then(|| x.clone()),
            after: added.then(|| x.clone()),
            text: format!("{label} {x} {}", if added { "added" } else { "removed" }),
            part: part.clone(),
        };
        if b == a {
            return;
        }
        // Hashed: a rule group's rules string can hold thousands of lines.
        let (in_b, in_a): (HashSet<&String>, HashSet<&String>) =
            (b.iter().collect(), a.iter().collect());
        for x in b {
            if !in_a.contains(x) {
                self.0.push(item(x, false));
            }
        }
        for x in a {
            if !in_b.contains(x) {
                self.0.push(item(x, true));
            }
        }
    }
}

fn opt(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_string()
}

fn list<T: Display>(v: &[T]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn strings<T: Display>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

fn on_off(v: Option<bool>) -> String {
    match v {
        Some(true) => "on".into(),
        Some(false) => "off".into(),
        None => "-".into(),
    }
}

/// The routes of one table, by destination. Routes both lists share at their start
/// and end are the same on both sides, so only the middles are grouped: a change of
/// one route in a 10,000-route table hashes a few routes.
fn routes<R: PartialEq>(
    f: &mut Fields,
    before: &[R],
    after: &[R],
    dest: impl Fn(&R) -> &Destination,
    // (what the route is without its state, its state)
    words: impl Fn(&R) -> (String, String),
) {
    let head = before.iter().zip(after).take_while(|(b, a)| b == a).count();
    let (before, after) = (&before[head..], &after[head..]);
    let tail = before
        .iter()
        .rev()
        .zip(after.iter().rev())
        .take_while(|(b, a)| b == a)
        .count();
    let (before, after) = (&before[..before.len() - tail], &after[..after.len() - tail]);
    if before.is_empty() && after.is_empty() {
        return;
    }
    let mut old: BTreeMap<&Destination, Vec<&R>> = BTreeMap::new();
    for r in before {
        old.entry(dest(r)).or_default().push(r);
    }
    let mut new: BTreeMap<&Destination, Vec<&R>> = BTreeMap::new();
    for r in after {
        new.entry(dest(r)).or_default().push(r);
    }
    let mut all: Vec<&Destination> = old.keys().chain(new.keys()).copied().collect();
    all.sort();
    all.dedup();
    let phrase = |rs: &[&R]| {
        rs.iter()
            .map(|r| {
                let (what, state) = words(r);
                format!("{what} {state}")
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for d in all {
        let field = format!("route {d}");
        let part = Part::Route(d.clone());
        match (old.get(d), new.get(d)) {
            (Some(b), Some(a)) if b == a => {}
            (Some(b), Some(a)) => {
                if let ([b], [a]) = (b.as_slice(), a.as_slice())
                    && let ((bw, bs), (aw, as_)) = (words(b), words(a))
                    && bw == aw
                {
                    // The state alone: `route 10.2.0.0/16: static → tgw-attach-… active → blackhole`.
                    f.0.push(FieldChange {
                        text: format!("{field}: {bw} {bs} → {as_}"),
                        field: format!("{field}: {bw}"),
                        before: Some(bs),
                        after: Some(as_),
                        part,
                    });
                } else {
                    f.0.push(FieldChange::phrase(field, phrase(b), phrase(a), part));
                }
            }
            (b, a) => f.0.push(FieldChange::new(
                field,
                b.map(|b| phrase(b)),
                a.map(|a| phrase(a)),
                part,
            )),
        }
    }
}

// ------------------------------------------------------------------ the kinds

fn region(name: &str, b: &RegionEstate, a: &RegionEstate, out: &mut Vec<ObjectChange>) {
    let r = name;
    let at = |kind: ObjectKind, id: &str| ObjectRef::new(kind, id, r);

    kind(
        r,
        &b.tgws,
        &a.tgws,
        &Spec {
            kind: Kind::TransitGateway,
            id: |x: &TransitGateway| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| format!("ASN {}, {}", x.asn, x.state),
            fields: &tgw_fields,
            object: &|x| at(ObjectKind::TransitGateway, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.tgw_route_tables,
        &a.tgw_route_tables,
        &Spec {
            kind: Kind::TgwRouteTable,
            id: |x: &TgwRouteTable| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "of {}: {} routes, {} associations, {} propagations",
                    x.tgw_id,
                    x.routes.len(),
                    x.associations.len(),
                    x.propagations.len()
                )
            },
            fields: &tgw_table_fields,
            object: &|x| at(ObjectKind::TgwRouteTable, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.attachments,
        &a.attachments,
        &Spec {
            kind: Kind::TgwAttachment,
            id: |x: &TgwAttachment| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "{} {} on {}, {}",
                    x.kind,
                    opt(x.resource_id.as_deref()),
                    x.tgw_id,
                    x.state
                )
            },
            fields: &attachment_fields,
            object: &|x| at(ObjectKind::TgwAttachment, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.peerings,
        &a.peerings,
        &Spec {
            kind: Kind::Peering,
            id: |x: &Peering| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "{} ↔ {}, {}",
                    side(&x.requester),
                    side(&x.accepter),
                    x.state
                )
            },
            fields: &peering_fields,
            object: &|x| at(ObjectKind::Peering, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.vpcs,
        &a.vpcs,
        &Spec {
            kind: Kind::Vpc,
            id: |x: &Vpc| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| list(&x.cidr_blocks),
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.show("owner", &b.owner_id, &a.owner_id);
                f.show("state", &b.state, &a.state);
                f.set(
                    "CIDR",
                    &strings(&b.cidr_blocks),
                    &strings(&a.cidr_blocks),
                    Part::Other,
                );
                f.show("default VPC", &b.is_default, &a.is_default);
            },
            object: &|x| at(ObjectKind::Vpc, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.subnets,
        &a.subnets,
        &Spec {
            kind: Kind::Subnet,
            id: |x: &Subnet| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "{} in {}, {}",
                    x.cidr.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
                    x.vpc_id,
                    x.availability_zone
                )
            },
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.show("VPC", &b.vpc_id, &a.vpc_id);
                f.val("CIDR", &b.cidr, &a.cidr, |c| {
                    c.map(|c| c.to_string()).unwrap_or_else(|| "-".into())
                });
                f.show("AZ", &b.availability_zone, &a.availability_zone);
                f.opt("AZ id", &b.availability_zone_id, &a.availability_zone_id);
            },
            object: &|x| at(ObjectKind::Subnet, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.vpc_route_tables,
        &a.vpc_route_tables,
        &Spec {
            kind: Kind::VpcRouteTable,
            id: |x: &VpcRouteTable| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "of {}: {} routes, {} associations",
                    x.vpc_id,
                    x.routes.len(),
                    x.associations.len()
                )
            },
            fields: &vpc_table_fields,
            object: &|x| at(ObjectKind::VpcRouteTable, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.internet_gateways,
        &a.internet_gateways,
        &Spec {
            kind: Kind::InternetGateway,
            id: |x: &InternetGateway| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| format!("attached to {}", list(&x.vpc_ids)),
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.set("attachment to", &b.vpc_ids, &a.vpc_ids, Part::Other);
            },
            object: &|x| at(ObjectKind::InternetGateway, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.nat_gateways,
        &a.nat_gateways,
        &Spec {
            kind: Kind::NatGateway,
            id: |x: &NatGateway| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "{} in {}, {}, public IPs {}",
                    x.connectivity,
                    x.subnet_id,
                    x.state,
                    list(&x.public_ips)
                )
            },
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.show("VPC", &b.vpc_id, &a.vpc_id);
                f.show("subnet", &b.subnet_id, &a.subnet_id);
                f.show("state", &b.state, &a.state);
                f.show("connectivity", &b.connectivity, &a.connectivity);
                f.val("public IPs", &b.public_ips, &a.public_ips, |v| list(v));
                f.val("private IPs", &b.private_ips, &a.private_ips, |v| list(v));
            },
            object: &|x| at(ObjectKind::NatGateway, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.vpc_endpoints,
        &a.vpc_endpoints,
        &Spec {
            kind: Kind::VpcEndpoint,
            id: |x: &VpcEndpoint| &x.id,
            name: |_| None,
            summary: &|x| {
                format!(
                    "{} {} in {}, {}",
                    x.endpoint_type, x.service_name, x.vpc_id, x.state
                )
            },
            fields: &|b, a, f| {
                f.show("VPC", &b.vpc_id, &a.vpc_id);
                f.show("service", &b.service_name, &a.service_name);
                f.show("type", &b.endpoint_type, &a.endpoint_type);
                f.show("state", &b.state, &a.state);
                f.set("subnet", &b.subnet_ids, &a.subnet_ids, Part::Other);
            },
            object: &|x| at(ObjectKind::VpcEndpoint, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.firewalls,
        &a.firewalls,
        &Spec {
            kind: Kind::NetworkFirewall,
            id: |x: &NetworkFirewall| &x.id,
            name: |x| Some(x.name.clone()),
            summary: &|x| {
                format!(
                    "in {}, policy {}, {} endpoints",
                    x.vpc_id,
                    arn_name(&x.policy_arn),
                    x.endpoints.len()
                )
            },
            fields: &|b, a, f| {
                f.show("name", &b.name, &a.name);
                f.show("ARN", &b.arn, &a.arn);
                f.show("VPC", &b.vpc_id, &a.vpc_id);
                f.val("policy", &b.policy_arn, &a.policy_arn, |p| arn_name(p));
                f.keyed(
                    "endpoint in",
                    &b.endpoints,
                    &a.endpoints,
                    |e| e.availability_zone.clone(),
                    |e| {
                        format!(
                            "{} in {} ({})",
                            opt(e.endpoint_id.as_deref()),
                            e.subnet_id,
                            opt(e.status.as_deref())
                        )
                    },
                    Part::Other,
                );
            },
            object: &|x| at(ObjectKind::NetworkFirewall, &x.id),
        },
        out,
    );
    policies(r, b, a, out);
    kind(
        r,
        &b.rule_groups,
        &a.rule_groups,
        &Spec {
            kind: Kind::RuleGroup,
            id: |x: &RuleGroup| &x.id,
            name: |x| Some(x.name.clone()),
            summary: &|x| {
                let rules = x
                    .rules_string
                    .as_deref()
                    .map_or(x.stateless_rules.len(), |s| rule_lines(s).len());
                format!("{}, {rules} rules", x.kind)
            },
            fields: &rule_group_fields,
            object: &|x| at(ObjectKind::RuleGroup, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.security_groups,
        &a.security_groups,
        &Spec {
            kind: Kind::SecurityGroup,
            id: |x: &SecurityGroup| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "in {}: {} ingress, {} egress rules",
                    x.vpc_id,
                    x.ingress.len(),
                    x.egress.len()
                )
            },
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.show("VPC", &b.vpc_id, &a.vpc_id);
                let words = |rules: &[SgRule], way: &str| -> Vec<String> {
                    rules
                        .iter()
                        .map(|r| format!("{} {way} {}", r.traffic(), r.peers()))
                        .collect()
                };
                f.set(
                    "ingress rule",
                    &words(&b.ingress, "from"),
                    &words(&a.ingress, "from"),
                    Part::Rules,
                );
                f.set(
                    "egress rule",
                    &words(&b.egress, "to"),
                    &words(&a.egress, "to"),
                    Part::Rules,
                );
            },
            // The tree shows security groups under nothing of their own: their VPC.
            object: &|x| at(ObjectKind::Vpc, &x.vpc_id),
        },
        out,
    );
    kind(
        r,
        &b.network_acls,
        &a.network_acls,
        &Spec {
            kind: Kind::NetworkAcl,
            id: |x: &NetworkAcl| &x.id,
            name: |_| None,
            summary: &|x| {
                format!(
                    "in {}{}: {} entries, subnets {}",
                    x.vpc_id,
                    if x.is_default { " (default)" } else { "" },
                    x.entries.len(),
                    list(&x.subnet_ids)
                )
            },
            fields: &|b, a, f| {
                f.show("VPC", &b.vpc_id, &a.vpc_id);
                f.show("default", &b.is_default, &a.is_default);
                f.set(
                    "association with",
                    &b.subnet_ids,
                    &a.subnet_ids,
                    Part::Other,
                );
                f.keyed(
                    "",
                    &b.entries,
                    &a.entries,
                    |e| NaclKey(e.egress, e.rule_number),
                    nacl_entry,
                    Part::Rules,
                );
            },
            object: &|x| at(ObjectKind::Vpc, &x.vpc_id),
        },
        out,
    );
    kind(
        r,
        &b.prefix_lists,
        &a.prefix_lists,
        &Spec {
            kind: Kind::PrefixList,
            id: |x: &PrefixList| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| match &x.entries {
                Some(e) => format!("{} entries", e.len()),
                None => "entries not read".into(),
            },
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.opt("owner", &b.owner_id, &a.owner_id);
                f.show(
                    "max entries",
                    &b.max_entries.map_or(String::from("-"), |m| m.to_string()),
                    &a.max_entries.map_or(String::from("-"), |m| m.to_string()),
                );
                let entries = |l: &PrefixList| -> Vec<String> {
                    l.entries
                        .iter()
                        .flatten()
                        .map(ToString::to_string)
                        .collect()
                };
                f.show("entries read", &b.entries.is_some(), &a.entries.is_some());
                // Every route to the list follows its entries: a change here is a
                // change of those routes (Part::Other re-traces the region).
                f.set("entry", &entries(b), &entries(a), Part::Other);
            },
            // Not a tree node: the region.
            object: &|_| at(ObjectKind::Region, r),
        },
        out,
    );
    kind(
        r,
        &b.instances,
        &a.instances,
        &Spec {
            kind: Kind::Instance,
            id: |x: &Instance| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "{} in {}, {}",
                    x.private_ip
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "-".into()),
                    opt(x.subnet_id.as_deref()),
                    x.state
                )
            },
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.opt("VPC", &b.vpc_id, &a.vpc_id);
                f.opt("subnet", &b.subnet_id, &a.subnet_id);
                let ip = |v: &Option<std::net::IpAddr>| {
                    v.map(|i| i.to_string()).unwrap_or_else(|| "-".into())
                };
                f.val("private IP", &b.private_ip, &a.private_ip, ip);
                f.val("public IP", &b.public_ip, &a.public_ip, ip);
                f.set(
                    "security group",
                    &b.security_group_ids,
                    &a.security_group_ids,
                    Part::Other,
                );
                f.show("state", &b.state, &a.state);
                f.val("SSM", &b.ssm, &a.ssm, |s| match s {
                    Some(s) => s.ping_status.to_string(),
                    None => "not managed".into(),
                });
            },
            object: &|x| at(ObjectKind::Instance, &x.id),
        },
        out,
    );
    kind(
        r,
        &b.network_interfaces,
        &a.network_interfaces,
        &Spec {
            kind: Kind::NetworkInterface,
            id: |x: &NetworkInterface| &x.id,
            name: |x| x.description.clone(),
            summary: &|x| {
                format!(
                    "{} in {}, {}",
                    x.interface_type,
                    x.subnet_id,
                    list(&x.private_ips)
                )
            },
            fields: &|b, a, f| {
                f.show("VPC", &b.vpc_id, &a.vpc_id);
                f.show("subnet", &b.subnet_id, &a.subnet_id);
                f.show("AZ", &b.availability_zone, &a.availability_zone);
                f.show("type", &b.interface_type, &a.interface_type);
                f.val("private IPs", &b.private_ips, &a.private_ips, |v| list(v));
                f.val("public IP", &b.public_ip, &a.public_ip, |v| {
                    v.map(|i| i.to_string()).unwrap_or_else(|| "-".into())
                });
                f.opt("instance", &b.instance_id, &a.instance_id);
                f.set(
                    "security group",
                    &b.security_group_ids,
                    &a.security_group_ids,
                    Part::Other,
                );
                f.opt("description", &b.description, &a.description);
            },
            object: &|x| at(ObjectKind::Subnet, &x.subnet_id),
        },
        out,
    );
    kind(
        r,
        &b.vpc_peerings,
        &a.vpc_peerings,
        &Spec {
            kind: Kind::VpcPeering,
            id: |x: &VpcPeeringConnection| &x.id,
            name: |x| x.name.clone(),
            summary: &|x| {
                format!(
                    "{} ↔ {}, {}",
                    vpc_side(&x.requester),
                    vpc_side(&x.accepter),
                    x.status
                )
            },
            fields: &|b, a, f| {
                f.opt("name", &b.name, &a.name);
                f.show("status", &b.status, &a.status);
                f.val("requester", &b.requester, &a.requester, vpc_side);
                f.val("accepter", &b.accepter, &a.accepter, vpc_side);
            },
            object: &|x| at(ObjectKind::Vpc, &x.requester.vpc_id),
        },
        out,
    );
    kind(
        r,
        &b.gaps,
        &a.gaps,
        &Spec {
            kind: Kind::Gap,
            id: |x: &Gap| &x.part,
            name: |_| None,
            summary: &|x| x.error.clone(),
            fields: &|b, a, f| f.show("error", &b.error, &a.error),
            object: &|x| at(ObjectKind::Gap, &x.part),
        },
        out,
    );
}

fn tgw_fields(b: &TransitGateway, a: &TransitGateway, f: &mut Fields) {
    f.opt("name", &b.name, &a.name);
    f.show("owner", &b.owner_id, &a.owner_id);
    f.show("state", &b.state, &a.state);
    f.show("ASN", &b.asn, &a.asn);
    f.show(
        "default association",
        &b.default_route_table_association,
        &a.default_route_table_association,
    );
    f.show(
        "default propagation",
        &b.default_route_table_propagation,
        &a.default_route_table_propagation,
    );
    f.opt(
        "association default route table",
        &b.association_default_route_table_id,
        &a.association_default_route_table_id,
    );
    f.opt(
        "propagation default route table",
        &b.propagation_default_route_table_id,
        &a.propagation_default_route_table_id,
    );
    f.show("DNS support", &b.dns_support, &a.dns_support);
    f.show("VPN ECMP support", &b.vpn_ecmp_support, &a.vpn_ecmp_support);
    f.set("CIDR", &b.cidr_blocks, &a.cidr_blocks, Part::Other);
}

fn link(l: &crate::model::RouteTableLink) -> String {
    let resource = match (&l.resource_type, &l.resource_id) {
        (Some(k), Some(id)) => format!("{k} {id}, "),
        (None, Some(id)) => format!("{id}, "),
        _ => String::new(),
    };
    format!("{resource}{}", opt(Some(&l.state)))
}

/// A TGW route without its state: `static → tgw-attach-…` (several targets: ECMP).
fn tgw_route(r: &TgwRoute) -> (String, String) {
    let targets = if r.targets.is_empty() {
        "no target".to_string()
    } else {
        r.targets
            .iter()
            .map(|t| t.attachment_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    (format!("{} → {targets}", r.route_type), r.state.to_string())
}

fn vpc_route(r: &VpcRoute) -> (String, String) {
    (format!("→ {}", r.target), r.state.to_string())
}

fn tgw_table_fields(b: &TgwRouteTable, a: &TgwRouteTable, f: &mut Fields) {
    f.opt("name", &b.name, &a.name);
    f.show("TGW", &b.tgw_id, &a.tgw_id);
    f.show("state", &b.state, &a.state);
    f.show(
        "default association table",
        &b.default_association,
        &a.default_association,
    );
    f.show(
        "default propagation table",
        &b.default_propagation,
        &a.default_propagation,
    );
    f.keyed(
        "association",
        &b.associations,
        &a.associations,
        |l| l.attachment_id.clone(),
        link,
        Part::Other,
    );
    f.keyed(
        "propagation",
        &b.propagations,
        &a.propagations,
        |l| l.attachment_id.clone(),
        link,
        Part::Propagation,
    );
    routes(f, &b.routes, &a.routes, |r| &r.destination, tgw_route);
}

fn vpc_table_fields(b: &VpcRouteTable, a: &VpcRouteTable, f: &mut Fields) {
    f.opt("name", &b.name, &a.name);
    f.show("VPC", &b.vpc_id, &a.vpc_id);
    let assoc = |x: &crate::model::VpcRouteTableAssociation| -> String {
        match (&x.subnet_id, &x.gateway_id) {
            (Some(s), _) => s.clone(),
            (None, Some(g)) => format!("gateway {g}"),
            (None, None) if x.main => "main".into(),
            (None, None) => "-".into(),
        }
    };
    let words = |v: &[crate::model::VpcRouteTableAssociation]| -> Vec<String> {
        v.iter()
            .map(|x| {
                if x.main && (x.subnet_id.is_some() || x.gateway_id.is_some()) {
                    format!("{} (main)", assoc(x))
                } else {
                    assoc(x)
                }
            })
            .collect()
    };
    f.set(
        "association with",
        &words(&b.associations),
        &words(&a.associations),
        Part::Other,
    );
    routes(f, &b.routes, &a.routes, |r| &r.destination, vpc_route);
}

fn attachment_fields(b: &TgwAttachment, a: &TgwAttachment, f: &mut Fields) {
    f.opt("name", &b.name, &a.name);
    f.show("TGW", &b.tgw_id, &a.tgw_id);
    f.opt("TGW owner", &b.tgw_owner_id, &a.tgw_owner_id);
    f.show("kind", &b.kind, &a.kind);
    f.show("state", &b.state, &a.state);
    f.opt("resource", &b.resource_id, &a.resource_id);
    f.opt("resource owner", &b.resource_owner_id, &a.resource_owner_id);
    f.val("association", &b.association, &a.association, |x| match x {
        Some(x) => format!("{} ({})", x.route_table_id, opt(Some(&x.state))),
        None => "none".into(),
    });
    f.set("subnet", &b.subnet_ids, &a.subnet_ids, Part::Other);
    f.val(
        "appliance mode",
        &b.appliance_mode,
        &a.appliance_mode,
        |v| on_off(*v),
    );
}

fn side(s: &PeeringSide) -> String {
    format!("{} ({}, {})", s.tgw_id, s.region, s.account_id)
}

fn vpc_side(s: &VpcPeeringSide) -> String {
    format!(
        "{} ({}, {}) {}",
        s.vpc_id,
        s.region,
        s.owner_id,
        list(&s.cidr_blocks)
    )
}

fn peering_fields(b: &Peering, a: &Peering, f: &mut Fields) {
    f.opt("name", &b.name, &a.name);
    f.show("state", &b.state, &a.state);
    f.opt("status message", &b.status_message, &a.status_message);
    f.val("requester", &b.requester, &a.requester, side);
    f.val("accepter", &b.accepter, &a.accepter, side);
    let tags = |t: &std::collections::BTreeMap<String, String>| -> Vec<(String, String)> {
        t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    f.keyed(
        "tag",
        &tags(&b.tags),
        &tags(&a.tags),
        |(k, _)| k.clone(),
        |(_, v)| v.clone(),
        Part::Other,
    );
}

/// The last part of an ARN (`…/egress-policy` → `egress-policy`).
fn arn_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// A rule group's name as the policy's region knows it, else the ARN's last part.
fn group_name(r: &RegionEstate, arn: &str) -> String {
    r.rule_groups
        .iter()
        .find(|g| g.arn == arn)
        .map_or_else(|| arn_name(arn), |g| g.name.clone())
}

/// Policies are compared whole, every one on both sides: `HOME_NET` follows from the
/// firewall VPC's CIDRs when no variable sets it, so it can change while the policy's
/// record does not.
fn policies(r: &str, b: &RegionEstate, a: &RegionEstate, out: &mut Vec<ObjectChange>) {
    let fields = |x: &FirewallPolicy, y: &FirewallPolicy, f: &mut Fields| {
        policy_fields(b, a, x, y, f);
    };
    let mut ids: Vec<&str> = b
        .firewall_policies
        .iter()
        .chain(&a.firewall_policies)
        .map(|p| p.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let s = Spec {
        kind: Kind::FirewallPolicy,
        id: |x: &FirewallPolicy| &x.id,
        name: |x: &FirewallPolicy| Some(x.name.clone()),
        summary: &|x: &FirewallPolicy| {
            format!(
                "{} stateless and {} stateful rule groups",
                x.stateless_rule_groups.len(),
                x.stateful_rule_groups.len()
            )
        },
        fields: &fields,
        object: &|x: &FirewallPolicy| ObjectRef::new(ObjectKind::FirewallPolicy, &x.id, r),
    };
    for id in ids {
        let before = b.firewall_policies.iter().find(|p| p.id == id);
        let after = a.firewall_policies.iter().find(|p| p.id == id);
        if let (Some(x), Some(y)) = (before, after)
            && x == y
            && PolicyHomeNet::of(b, x) == PolicyHomeNet::of(a, y)
        {
            continue;
        }
        // A record equal on both sides but for its derived HOME_NET is still a change:
        // `record` skips only when no field differs.
        if let Some(rec) = record(r, before, after, &s) {
            out.push(rec);
        }
    }
}

fn policy_fields(
    rb: &RegionEstate,
    ra: &RegionEstate,
    b: &FirewallPolicy,
    a: &FirewallPolicy,
    f: &mut Fields,
) {
    f.show("name", &b.name, &a.name);
    f.val(
        "stateless default actions",
        &b.stateless_default_actions,
        &a.stateless_default_actions,
        |v| list(v),
    );
    f.val(
        "stateless fragment default actions",
        &b.stateless_fragment_default_actions,
        &a.stateless_fragment_default_actions,
        |v| list(v),
    );
    f.opt(
        "stateful rule order",
        &b.stateful_rule_order,
        &a.stateful_rule_order,
    );
    f.val(
        "stateful default actions",
        &b.stateful_default_actions,
        &a.stateful_default_actions,
        |v| list(v),
    );
    for (label, before, after) in [
        (
            "stateless",
            &b.stateless_rule_groups,
            &a.stateless_rule_groups,
        ),
        ("stateful", &b.stateful_rule_groups, &a.stateful_rule_groups),
    ] {
        group_refs(rb, ra, label, before, after, b, a, f);
    }
    let (hb, ha) = (PolicyHomeNet::of(rb, b), PolicyHomeNet::of(ra, a));
    if hb != ha {
        f.0.push(FieldChange::new(
            "HOME_NET".into(),
            Some(hb.describe()),
            Some(ha.describe()),
            Part::Other,
        ));
    }
    let vars = |p: &FirewallPolicy| -> Vec<(String, Vec<String>)> {
        p.policy_variables
            .iter()
            .filter(|(k, _)| *k != "HOME_NET")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    f.keyed(
        "variable",
        &vars(b),
        &vars(a),
        |(k, _)| k.clone(),
        |(_, v)| list(v),
        Part::Other,
    );
    if f.0.is_empty() && b.update_token != a.update_token {
        // Every update changes the token; said only when nothing else differs (the
        // policy was written back unchanged).
        f.opt("update token", &b.update_token, &a.update_token);
    }
}

/// A policy's references of one kind: each group added, removed, disabled,
/// enabled or moved, then the evaluation order when it changed.
#[allow(clippy::too_many_arguments)]
fn group_refs(
    rb: &RegionEstate,
    ra: &RegionEstate,
    label: &str,
    before: &[RuleGroupRef],
    after: &[RuleGroupRef],
    pb: &FirewallPolicy,
    pa: &FirewallPolicy,
    f: &mut Fields,
) {
    let words = |x: &RuleGroupRef| {
        let mut w = match x.priority {
            Some(p) => format!("priority {p}"),
            None => "no priority".into(),
        };
        if let Some(o) = &x.override_action {
            w.push_str(&format!(", override {o}"));
        }
        if let Some(d) = x.deep_threat_inspection {
            w.push_str(&format!(", deep threat inspection {}", on_off(Some(d))));
        }
        w
    };
    let name = |arn: &str| {
        let n = group_name(ra, arn);
        if n == arn_name(arn) {
            group_name(rb, arn)
        } else {
            n
        }
    };
    for x in before {
        let field = format!("{label} rule group {}", name(&x.arn));
        match after.iter().find(|y| y.arn == x.arn) {
            Some(y) if y == x => {}
            Some(y) => f.0.push(FieldChange::new(
                field,
                Some(words(x)),
                Some(words(y)),
                Part::Other,
            )),
            None => {
                let disabled = pa.disabled.iter().any(|d| d.reference.arn == x.arn);
                f.0.push(FieldChange {
                    text: format!(
                        "{field} {} (was {})",
                        if disabled { "disabled" } else { "removed" },
                        words(x)
                    ),
                    field,
                    before: Some(words(x)),
                    after: None,
                    part: Part::Other,
                });
            }
        }
    }
    for y in after {
        if before.iter().any(|x| x.arn == y.arn) {
            continue;
        }
        let field = format!("{label} rule group {}", name(&y.arn));
        let enabled = pb.disabled.iter().any(|d| d.reference.arn == y.arn);
        f.0.push(FieldChange {
            text: format!(
                "{field} {} at {}",
                if enabled { "enabled again" } else { "added" },
                words(y)
            ),
            field,
            before: None,
            after: Some(words(y)),
            part: Part::Other,
        });
    }
    let order = |refs: &[RuleGroupRef]| -> Vec<String> {
        let mut v: Vec<&RuleGroupRef> = refs.iter().collect();
        v.sort_by_key(|r| r.priority.unwrap_or(i32::MAX));
        v.iter().map(|r| name(&r.arn)).collect()
    };
    let (ob, oa) = (order(before), order(after));
    if ob != oa {
        f.0.push(FieldChange::new(
            format!("{label} evaluation order"),
            Some(list(&ob)),
            Some(list(&oa)),
            Part::Other,
        ));
    }
}

/// The rules of a Suricata rules string, one per line, comments and blanks aside.
fn rule_lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn rule_group_fields(b: &RuleGroup, a: &RuleGroup, f: &mut Fields) {
    f.show("name", &b.name, &a.name);
    f.show("ARN", &b.arn, &a.arn);
    f.show("type", &b.kind, &a.kind);
    f.val("capacity", &b.capacity, &a.capacity, |c| {
        c.map(|c| c.to_string()).unwrap_or_else(|| "-".into())
    });
    f.opt("description", &b.description, &a.description);
    f.opt("rule order", &b.rule_order, &a.rule_order);
    let lines = |r: &RuleGroup| {
        r.rules_string
            .as_deref()
            .map(rule_lines)
            .unwrap_or_default()
    };
    f.set("rule", &lines(b), &lines(a), Part::Other);
    let sets = |m: &BTreeMap<String, Vec<String>>| -> Vec<(String, Vec<String>)> {
        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    f.keyed(
        "IP set",
        &sets(&b.ip_sets),
        &sets(&a.ip_sets),
        |(k, _)| k.clone(),
        |(_, v)| list(v),
        Part::Other,
    );
    f.keyed(
        "port set",
        &sets(&b.port_sets),
        &sets(&a.port_sets),
        |(k, _)| k.clone(),
        |(_, v)| list(v),
        Part::Other,
    );
    f.keyed(
        "stateless rule priority",
        &b.stateless_rules,
        &a.stateless_rules,
        |r| r.priority,
        |r| {
            let d = r.describe();
            // `describe` starts with the priority the field already names.
            d.split_once(": ")
                .map_or(d.clone(), |(_, rest)| rest.to_string())
        },
        Part::Other,
    );
    f.opt("rules source", &b.other_source, &a.other_source);
}

/// A NACL entry's key: direction, then rule number (`inbound rule 100`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NaclKey(bool, i32);

impl Display for NaclKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rule {}",
            if self.0 { "outbound" } else { "inbound" },
            self.1
        )
    }
}

/// `allow tcp 443 10.0.0.0/8`, `deny all 0.0.0.0/0`.
fn nacl_entry(e: &NaclEntry) -> String {
    let proto = match e.protocol.as_str() {
        "-1" => "all",
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        other => other,
    };
    let ports = match (e.from_port, e.to_port) {
        (Some(f), Some(t)) if f == t => format!(" {f}"),
        (Some(f), Some(t)) => format!(" {f}-{t}"),
        _ => String::new(),
    };
    format!(
        "{} {proto}{ports} {}",
        if e.allow { "allow" } else { "deny" },
        e.cidr.map(|c| c.to_string()).unwrap_or_else(|| "-".into())
    )
}
