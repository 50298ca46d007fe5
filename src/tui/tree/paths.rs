//! What a tree node is ([`Node`], resolved from its path on the estate), the paths
//! of objects and findings (to jump to them), and what a node copies as its id or ARN.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What a path points at, resolved against the estate.
#[derive(Debug, Clone, Copy)]
pub enum Node<'a> {
    Account,
    Region(&'a str, &'a RegionLoad),
    Gap(&'a RegionEstate, &'a crate::model::Gap),
    Tgw(&'a RegionEstate, &'a TransitGateway),
    Folder(&'a RegionEstate, Option<&'a TransitGateway>, Folder),
    RouteTable(&'a RegionEstate, &'a TgwRouteTable),
    Route(&'a RegionEstate, &'a TgwRouteTable, usize),
    More(&'a RegionEstate, &'a TgwRouteTable),
    Attachment(&'a RegionEstate, &'a TgwAttachment),
    Peering(&'a RegionEstate, &'a Peering),
    Vpc(&'a RegionEstate, &'a Vpc),
    Subnet(&'a RegionEstate, &'a Subnet),
    Instance(&'a RegionEstate, &'a Instance),
    Firewall(&'a RegionEstate, &'a NetworkFirewall),
    FirewallPolicy(&'a RegionEstate, &'a FirewallPolicy),
    /// A rule group (by ARN) as the policy lists it, read or not, referenced or
    /// disabled.
    RuleGroup(&'a RegionEstate, &'a FirewallPolicy, &'a str),
}

/// Resolves a path; `None` when it names something no longer there.
#[must_use]
pub fn resolve<'a>(estate: &'a Estate, path: &[NodeId]) -> Option<Node<'a>> {
    let mut it = path.iter();
    if it.next()? != &NodeId::Account {
        return None;
    }
    let Some(NodeId::Region(name)) = it.next() else {
        return (path.len() == 1).then_some(Node::Account);
    };
    let (name, load) = estate.regions.get_key_value(name)?;
    let Some(step) = it.next() else {
        return Some(Node::Region(name, load));
    };
    let RegionLoad::Loaded { estate: region } = load else {
        return None;
    };
    let region: &RegionEstate = region;
    let mut tgw = None;
    let mut node = match step {
        NodeId::Gap(i) => Node::Gap(region, region.gaps.get(*i)?),
        NodeId::Tgw(id) => {
            let t = region.tgws.iter().find(|t| &t.id == id)?;
            tgw = Some(t);
            Node::Tgw(region, t)
        }
        NodeId::Folder(f) => Node::Folder(region, None, *f),
        _ => return None,
    };
    let mut table = None;
    let mut policy = None;
    for step in it {
        node = match step {
            NodeId::Firewall(id) => {
                Node::Firewall(region, region.firewalls.iter().find(|f| &f.id == id)?)
            }
            NodeId::FirewallPolicy(arn) => {
                let p = region.firewall_policies.iter().find(|p| &p.arn == arn)?;
                policy = Some(p);
                Node::FirewallPolicy(region, p)
            }
            NodeId::RuleGroup(arn) => {
                let p = policy?;
                let known = p
                    .stateless_rule_groups
                    .iter()
                    .chain(&p.stateful_rule_groups)
                    .map(|r| r.arn.as_str())
                    .chain(p.disabled.iter().map(|d| d.reference.arn.as_str()))
                    .find(|a| a == arn)?;
                Node::RuleGroup(region, p, known)
            }
            NodeId::Folder(f) => Node::Folder(region, tgw, *f),
            NodeId::RouteTable(id) => {
                let t = region.tgw_route_tables.iter().find(|t| &t.id == id)?;
                table = Some(t);
                Node::RouteTable(region, t)
            }
            NodeId::Route(i) => {
                let t = table?;
                t.routes.get(*i)?;
                Node::Route(region, t, *i)
            }
            NodeId::More => Node::More(region, table?),
            NodeId::Attachment(id) => {
                Node::Attachment(region, region.attachments.iter().find(|a| &a.id == id)?)
            }
            NodeId::Peering(id) => {
                Node::Peering(region, region.peerings.iter().find(|p| &p.id == id)?)
            }
            NodeId::Vpc(id) => Node::Vpc(region, region.vpcs.iter().find(|v| &v.id == id)?),
            NodeId::Subnet(id) => {
                Node::Subnet(region, region.subnets.iter().find(|s| &s.id == id)?)
            }
            NodeId::Instance(id) => {
                Node::Instance(region, region.instances.iter().find(|i| &i.id == id)?)
            }
            _ => return None,
        };
    }
    Some(node)
}

/// The path of a TGW.
#[must_use]
pub fn tgw_path(region: &str, tgw: &str) -> NodePath {
    vec![
        NodeId::Account,
        NodeId::Region(region.to_string()),
        NodeId::Tgw(tgw.to_string()),
    ]
}

/// The path of an attachment (under its TGW).
#[must_use]
pub fn attachment_path(region: &str, tgw: &str, attachment: &str) -> NodePath {
    let mut p = tgw_path(region, tgw);
    p.push(NodeId::Folder(Folder::Attachments));
    p.push(NodeId::Attachment(attachment.to_string()));
    p
}

/// The path of a route table (under its TGW).
#[must_use]
pub fn route_table_path(region: &str, tgw: &str, table: &str) -> NodePath {
    let mut p = tgw_path(region, tgw);
    p.push(NodeId::Folder(Folder::RouteTables));
    p.push(NodeId::RouteTable(table.to_string()));
    p
}

/// A finding as the console shows it: the structured finding from [`crate::net`], its
/// line of text and where to jump to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub region: String,
    /// [`finding_text`] of `finding`.
    pub text: String,
    /// Where to jump to see it.
    pub path: NodePath,
    pub finding: net::Finding,
}

/// The console's line for a finding: a symbol (never colour alone) and the message.
#[must_use]
pub fn finding_text(f: &net::Finding) -> String {
    let sym = match f.kind {
        FindingKind::PeeringNotAvailable { .. } | FindingKind::AttachmentNotAvailable { .. } => {
            SYM_PENDING
        }
        _ if f.severity == net::Severity::Info => SYM_PENDING,
        _ => SYM_BAD,
    };
    format!("{sym} {}", f.message())
}

/// The path of a Network Firewall (under its region's Firewalls folder).
#[must_use]
pub fn firewall_path(region: &str, firewall_id: &str) -> NodePath {
    vec![
        NodeId::Account,
        NodeId::Region(region.to_string()),
        NodeId::Folder(Folder::Firewalls),
        NodeId::Firewall(firewall_id.to_string()),
    ]
}

/// The path of a VPC (under its region).
#[must_use]
pub fn vpc_path(region: &str, vpc: &str) -> NodePath {
    vec![
        NodeId::Account,
        NodeId::Region(region.to_string()),
        NodeId::Folder(Folder::Vpcs),
        NodeId::Vpc(vpc.to_string()),
    ]
}

/// The tree node that shows an object, or the nearest one that does (a NAT
/// gateway's subnet, an endpoint's VPC); `None` when the estate does not hold it.
#[must_use]
pub fn object_path(net: &net::Net<'_>, o: &net::ObjectRef) -> Option<NodePath> {
    use net::ObjectKind as K;
    let r = o.region.as_str();
    let subnet_path = |id: &str| {
        let s = net.subnet_in(r, id)?;
        let mut p = vpc_path(r, &s.vpc_id);
        p.push(NodeId::Subnet(s.id.clone()));
        Some(p)
    };
    match o.kind {
        K::Region => Some(vec![NodeId::Account, NodeId::Region(r.to_string())]),
        K::Gap => None,
        K::TransitGateway => net.tgw_in(r, &o.id).map(|t| tgw_path(r, &t.id)),
        K::TgwRouteTable => net
            .tgw_route_table_in(r, &o.id)
            .map(|t| route_table_path(r, &t.tgw_id, &t.id)),
        K::TgwAttachment => net
            .attachment_in(r, &o.id)
            .map(|a| attachment_path(r, &a.tgw_id, &a.id)),
        K::Peering => net.attachment_in(r, &o.id).map(|a| {
            let mut p = tgw_path(r, &a.tgw_id);
            p.push(NodeId::Folder(Folder::Peerings));
            p.push(NodeId::Peering(a.id.clone()));
            p
        }),
        K::Vpc => net.vpc_in(r, &o.id).map(|v| vpc_path(r, &v.id)),
        K::Subnet => subnet_path(&o.id),
        K::Instance => {
            let instance = net.instance_in(r, &o.id)?;
            let mut p = subnet_path(instance.subnet_id.as_deref()?)?;
            p.push(NodeId::Instance(instance.id.clone()));
            Some(p)
        }
        K::VpcRouteTable => net
            .vpc_route_table_in(r, &o.id)
            .map(|t| vpc_path(r, &t.vpc_id)),
        K::InternetGateway => net
            .internet_gateway_in(r, &o.id)
            .and_then(|g| g.vpc_ids.first())
            .map(|v| vpc_path(r, v)),
        K::NatGateway => net
            .nat_gateway_in(r, &o.id)
            .and_then(|n| subnet_path(&n.subnet_id)),
        K::VpcEndpoint => net
            .vpc_endpoint_in(r, &o.id)
            .map(|e| vpc_path(r, &e.vpc_id)),
        K::NetworkFirewall => net.firewall_in(r, &o.id).map(|f| firewall_path(r, &f.id)),
        // A policy shows under the first firewall that uses it.
        K::FirewallPolicy => {
            let p = net.firewall_policy_in(r, &o.id)?;
            let f = net
                .region(r)?
                .firewalls
                .iter()
                .find(|f| f.policy_arn == p.arn)?;
            let mut path = firewall_path(r, &f.id);
            path.push(NodeId::FirewallPolicy(p.arn.clone()));
            Some(path)
        }
        K::RuleGroup => None,
    }
}

/// The tree node that shows a finding.
#[must_use]
pub fn finding_path(f: &net::Finding) -> NodePath {
    let r = f.region.as_str();
    match &f.kind {
        FindingKind::BlackholeRoute {
            tgw_id,
            route_table_id,
            ..
        } => route_table_path(r, tgw_id, route_table_id),
        FindingKind::PeeringNotAvailable {
            peering_id, tgw_id, ..
        } => {
            let mut path = tgw_path(r, tgw_id);
            path.push(NodeId::Folder(Folder::Peerings));
            path.push(NodeId::Peering(peering_id.clone()));
            path
        }
        FindingKind::AttachmentNotAvailable {
            attachment_id,
            tgw_id,
            ..
        } => attachment_path(r, tgw_id, attachment_id),
        FindingKind::PartNotRead { gap, .. } => vec![
            NodeId::Account,
            NodeId::Region(r.to_string()),
            NodeId::Gap(*gap),
        ],
        _ => vec![NodeId::Account, NodeId::Region(r.to_string())],
    }
}

/// The audit's findings ([`net::audit`]), as the console shows them: each jumps to
/// the tree node of its first object (or the nearest node that shows it).
#[must_use]
pub fn findings(net: &net::Net<'_>) -> Vec<Finding> {
    findings_of(net, net::audit::audit(net))
}

/// Findings the audit produced (in the runtime), as the console shows them.
#[must_use]
pub fn findings_of(net: &net::Net<'_>, found: Vec<net::Finding>) -> Vec<Finding> {
    found
        .into_iter()
        .map(|finding| {
            let path = match &finding.kind {
                FindingKind::BlackholeRoute { .. }
                | FindingKind::PeeringNotAvailable { .. }
                | FindingKind::AttachmentNotAvailable { .. }
                | FindingKind::PartNotRead { .. } => finding_path(&finding),
                _ => finding
                    .objects
                    .iter()
                    .find_map(|o| object_path(net, o))
                    .unwrap_or_else(|| finding_path(&finding)),
            };
            Finding {
                region: finding.region.clone(),
                text: finding_text(&finding),
                path,
                finding,
            }
        })
        .collect()
}

/// The id `y` copies for a node, when it has one.
#[must_use]
pub fn node_id_text(estate: &Estate, node: &Node<'_>) -> Option<String> {
    Some(match node {
        Node::Account => estate.account.as_ref()?.id.clone(),
        Node::Region(name, _) => (*name).to_string(),
        Node::Tgw(_, t) => t.id.clone(),
        Node::RouteTable(_, t) | Node::More(_, t) => t.id.clone(),
        Node::Route(_, t, i) => t.routes.get(*i)?.destination.to_string(),
        Node::Attachment(_, a) => a.id.clone(),
        Node::Peering(_, p) => p.id.clone(),
        Node::Vpc(_, v) => v.id.clone(),
        Node::Subnet(_, s) => s.id.clone(),
        Node::Instance(_, i) => i.id.clone(),
        Node::Firewall(_, f) => f.id.clone(),
        Node::FirewallPolicy(_, p) => p.name.clone(),
        Node::RuleGroup(r, _, arn) => r
            .rule_groups
            .iter()
            .find(|g| g.arn == *arn)
            .map_or_else(|| (*arn).to_string(), |g| g.name.clone()),
        Node::Gap(..) | Node::Folder(..) => return None,
    })
}

/// The object a node shows, when it is one (routes and "more" rows stand for their
/// table).
#[must_use]
pub fn node_object(node: &Node<'_>) -> Option<ObjectRef> {
    let (region, kind, id) = match node {
        Node::Tgw(r, t) => (*r, ObjectKind::TransitGateway, t.id.as_str()),
        Node::RouteTable(r, t) | Node::More(r, t) | Node::Route(r, t, _) => {
            (*r, ObjectKind::TgwRouteTable, t.id.as_str())
        }
        Node::Attachment(r, a) => (*r, ObjectKind::TgwAttachment, a.id.as_str()),
        Node::Peering(r, p) => (*r, ObjectKind::Peering, p.id.as_str()),
        Node::Vpc(r, v) => (*r, ObjectKind::Vpc, v.id.as_str()),
        Node::Subnet(r, s) => (*r, ObjectKind::Subnet, s.id.as_str()),
        Node::Instance(r, i) => (*r, ObjectKind::Instance, i.id.as_str()),
        Node::Firewall(r, f) => (*r, ObjectKind::NetworkFirewall, f.id.as_str()),
        Node::FirewallPolicy(r, p) => (*r, ObjectKind::FirewallPolicy, p.arn.as_str()),
        Node::RuleGroup(r, _, arn) => (*r, ObjectKind::RuleGroup, *arn),
        _ => return None,
    };
    Some(ObjectRef::new(kind, id, region.region.as_str()))
}

/// The ARN `Y` copies for a node, when it has one.
#[must_use]
pub fn node_arn(estate: &Estate, node: &Node<'_>) -> Option<String> {
    net::arn::object_arn(estate, &node_object(node)?)
}
