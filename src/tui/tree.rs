//! The estate as a tree: node identities, the filter, and building the tree items.
//!
//! Invariants:
//! - A node is identified by its path of [`NodeId`]s from the account root; the path
//!   is what selection, history and the open set hold, so they survive rebuilds.
//! - Items are rebuilt only when the data, the filter, the loading set or the open
//!   state of a route table changes — never per frame.
//! - A region's Firewalls folder holds firewall › policy › rule groups, the groups in
//!   evaluation order with the ones netops disabled at their recorded place.
//! - Routes appear as tree children only while their table is open (or a filter picks
//!   some), and at most [`MAX_ROUTE_CHILDREN`] of them: the detail pane is where a
//!   table of any size is read, one visible window at a time.

use std::collections::{BTreeSet, HashMap, HashSet};

use ipnet::IpNet;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use tui_tree_widget::TreeItem;

use crate::model::{
    AttachmentKind, AttachmentState, Estate, FirewallPolicy, NetworkFirewall, Peering,
    RegionEstate, RegionLoad, ResourceState, RouteState, RuleGroup, RuleGroupKind, Subnet,
    TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway, Vpc,
};
use crate::net::{self, FindingKind, ObjectKind, ObjectRef};

/// Most routes shown as tree children of one table.
pub const MAX_ROUTE_CHILDREN: usize = 200;

/// One step of a node's path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    Account,
    Region(String),
    Gap(usize),
    Tgw(String),
    Folder(Folder),
    RouteTable(String),
    /// Index into the table's routes.
    Route(usize),
    /// "… more routes" under a table.
    More,
    Attachment(String),
    Peering(String),
    Vpc(String),
    Subnet(String),
    /// A Network Firewall, by id.
    Firewall(String),
    /// A firewall's policy, by ARN.
    FirewallPolicy(String),
    /// A rule group of the policy above it (referenced or disabled), by ARN.
    RuleGroup(String),
}

/// Grouping nodes under a TGW or a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Folder {
    RouteTables,
    Attachments,
    Peerings,
    Vpcs,
    Firewalls,
}

/// A node's full path from the root.
pub type NodePath = Vec<NodeId>;

/// Marks for states that need attention: colour and a symbol, never colour alone.
pub const SYM_BAD: &str = "✗";
pub const SYM_PENDING: &str = "◌";
pub const SYM_PEERING: &str = "⇄";
pub const SYM_LOADING: &str = "⟳";
pub const SYM_DISABLED: &str = "⊘";

/// Style for something broken (blackhole, failed).
#[must_use]
pub fn bad() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

/// Style for something waiting (pending, loading).
#[must_use]
pub fn pending() -> Style {
    Style::new().fg(Color::Yellow)
}

/// Style for secondary text (ids, counts).
#[must_use]
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The symbol and style for an attachment state, `None` when all is well.
#[must_use]
pub fn attachment_mark(state: &AttachmentState) -> Option<(&'static str, Style)> {
    match state {
        AttachmentState::Available => None,
        AttachmentState::Failed
        | AttachmentState::Failing
        | AttachmentState::Rejected
        | AttachmentState::Rejecting
        | AttachmentState::Deleted
        | AttachmentState::Deleting => Some((SYM_BAD, bad())),
        _ => Some((SYM_PENDING, pending())),
    }
}

/// The `/` filter: a case-insensitive substring of names and ids, and, when the text
/// is an address or CIDR, anything whose CIDR overlaps it (a route to 0.0.0.0/0
/// contains every address, so it matches too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    lower: String,
    net: Option<IpNet>,
}

impl Filter {
    /// A filter for `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let trimmed = text.trim();
        let net = trimmed
            .parse::<IpNet>()
            .ok()
            .or_else(|| trimmed.parse::<std::net::IpAddr>().ok().map(IpNet::from));
        Self {
            text: text.to_string(),
            lower: trimmed.to_lowercase(),
            net,
        }
    }

    /// True when the filter is empty (matches everything).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lower.is_empty()
    }

    /// Any of the texts contains the filter.
    #[must_use]
    pub fn text_matches<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> bool {
        texts
            .into_iter()
            .any(|t| t.to_lowercase().contains(&self.lower))
    }

    /// The filter is a CIDR or address overlapping `net`.
    #[must_use]
    pub fn net_matches(&self, net: &IpNet) -> bool {
        self.net
            .is_some_and(|q| q.contains(&net.network()) || net.contains(&q.network()))
    }

    /// Whether a route matches: its destination (by CIDR or text) or its targets.
    #[must_use]
    pub fn route_matches(&self, route: &TgwRoute) -> bool {
        route
            .destination
            .cidr()
            .is_some_and(|n| self.net_matches(&n))
            || self.text_matches(std::iter::once(route.destination.to_string().as_str()))
            || self.text_matches(route.targets.iter().map(|t| t.attachment_id.as_str()))
    }

    fn vpc_matches(&self, vpc: &Vpc) -> bool {
        vpc.cidr_blocks.iter().any(|n| self.net_matches(n))
            || self.text_matches([vpc.id.as_str(), vpc.name.as_deref().unwrap_or("")])
            || vpc
                .cidr_blocks
                .iter()
                .any(|n| self.text_matches(std::iter::once(n.to_string().as_str())))
    }

    fn subnet_matches(&self, subnet: &Subnet) -> bool {
        subnet.cidr.is_some_and(|n| self.net_matches(&n))
            || self.text_matches([
                subnet.id.as_str(),
                subnet.name.as_deref().unwrap_or(""),
                subnet.availability_zone.as_str(),
            ])
            || subnet
                .cidr
                .is_some_and(|n| self.text_matches(std::iter::once(n.to_string().as_str())))
    }

    fn attachment_matches(&self, att: &TgwAttachment, vpc: Option<&Vpc>) -> bool {
        self.text_matches([
            att.id.as_str(),
            att.name.as_deref().unwrap_or(""),
            att.resource_id.as_deref().unwrap_or(""),
            att.kind.as_str(),
        ]) || vpc.is_some_and(|v| self.vpc_matches(v))
    }
}

/// What the tree is built from.
pub struct TreeInput<'a> {
    pub estate: &'a Estate,
    /// Regions with a request in flight (loaded ones keep their data meanwhile).
    pub loading: &'a BTreeSet<String>,
    pub opened: &'a HashSet<NodePath>,
    pub filter: Option<&'a Filter>,
    pub spinner: &'a str,
    /// Regions to list first, in this order (the plan's); the rest follow by name.
    pub order: &'a [String],
}

/// The estate's regions: those in `order` first, in that order, then the rest by name.
#[must_use]
pub fn ordered_regions<'a>(
    estate: &'a Estate,
    order: &[String],
) -> Vec<(&'a String, &'a RegionLoad)> {
    let mut out: Vec<(&String, &RegionLoad)> = order
        .iter()
        .filter_map(|r| estate.regions.get_key_value(r))
        .collect();
    out.extend(estate.regions.iter().filter(|(r, _)| !order.contains(r)));
    out
}

/// The built tree and, under a filter, the paths to open so every match shows.
pub struct BuiltTree {
    pub items: Vec<TreeItem<'static, NodeId>>,
    pub open: Vec<NodePath>,
}

/// Escapes control characters and escape sequences in every span (ids, names and tags
/// are anyone's to set): they are shown as `\x1b`, never sent to the terminal nor
/// silently dropped. Applied to everything this module builds.
pub fn make_safe(lines: &mut [Line<'static>]) {
    for line in lines {
        for span in &mut line.spans {
            if span.content.chars().any(crate::text::is_unsafe_char) {
                span.content = crate::text::terminal_safe(&span.content)
                    .into_owned()
                    .into();
            }
        }
    }
}

/// A tree row without children, its text made terminal-safe.
fn leaf(id: NodeId, text: impl Into<Line<'static>>) -> TreeItem<'static, NodeId> {
    let mut line = text.into();
    make_safe(std::slice::from_mut(&mut line));
    TreeItem::new_leaf(id, line)
}

fn item(
    id: NodeId,
    mut text: Line<'static>,
    children: Vec<TreeItem<'static, NodeId>>,
) -> TreeItem<'static, NodeId> {
    make_safe(std::slice::from_mut(&mut text));
    if children.is_empty() {
        return leaf(id, text);
    }
    let mut seen = HashSet::new();
    let children: Vec<_> = children
        .into_iter()
        .filter(|c| seen.insert(c.identifier().clone()))
        .collect();
    TreeItem::new(id.clone(), text.clone(), children)
        .unwrap_or_else(|_| TreeItem::new_leaf(id, text))
}

fn name_or<'a>(name: Option<&'a str>, id: &'a str) -> &'a str {
    name.filter(|n| !n.is_empty()).unwrap_or(id)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

struct Builder<'a> {
    input: &'a TreeInput<'a>,
    open: Vec<NodePath>,
}

impl Builder<'_> {
    fn filtering(&self) -> bool {
        self.input.filter.is_some_and(|f| !f.is_empty())
    }

    fn matches(&self, f: impl FnOnce(&Filter) -> bool) -> bool {
        match self.input.filter {
            Some(filter) if !filter.is_empty() => f(filter),
            _ => true,
        }
    }

    /// Keeps a node when it matches or has kept children; opens it under a filter.
    fn keep(
        &mut self,
        path: &NodePath,
        self_match: bool,
        children: &[TreeItem<'static, NodeId>],
    ) -> bool {
        if !self.filtering() {
            return true;
        }
        if !children.is_empty() {
            self.open.push(path.clone());
        }
        self_match || !children.is_empty()
    }

    fn account(&mut self) -> Vec<TreeItem<'static, NodeId>> {
        let estate = self.input.estate;
        let path = vec![NodeId::Account];
        let mut regions = Vec::new();
        for (name, load) in ordered_regions(estate, self.input.order) {
            if let Some(item) = self.region(&path, name, load) {
                regions.push(item);
            }
        }
        let mut text = vec![Span::styled("account ", dim())];
        match &estate.account {
            Some(a) => {
                text.push(Span::styled(
                    a.id.clone(),
                    Style::new().add_modifier(Modifier::BOLD),
                ));
                if let Some(alias) = &a.alias {
                    text.push(Span::raw(format!(" ({alias})")));
                }
            }
            None => text.push(Span::raw("(unknown yet)")),
        }
        if self.filtering() {
            self.open.push(path.clone());
        }
        vec![item(NodeId::Account, Line::from(text), regions)]
    }

    fn region(
        &mut self,
        parent: &NodePath,
        name: &str,
        load: &RegionLoad,
    ) -> Option<TreeItem<'static, NodeId>> {
        let mut path = parent.clone();
        path.push(NodeId::Region(name.to_string()));
        let refreshing = self.input.loading.contains(name);
        let mut text = vec![Span::styled(
            name.to_string(),
            Style::new().add_modifier(Modifier::BOLD),
        )];
        let mut children = Vec::new();
        match load {
            RegionLoad::Loading => {
                text.push(Span::styled(
                    format!("  {} loading…", self.input.spinner),
                    pending(),
                ));
            }
            RegionLoad::Failed { error } => {
                text.push(Span::styled(format!("  {SYM_BAD} failed: {error}"), bad()));
            }
            RegionLoad::Loaded { estate } => {
                if refreshing {
                    text.push(Span::styled(
                        format!("  {} refreshing", self.input.spinner),
                        pending(),
                    ));
                }
                text.push(Span::styled(
                    format!(
                        "  {} · {}",
                        plural(estate.tgws.len(), "TGW", "TGWs"),
                        plural(estate.vpcs.len(), "VPC", "VPCs")
                    ),
                    dim(),
                ));
                for (i, gap) in estate.gaps.iter().enumerate() {
                    let gap_match = self.matches(|f| f.text_matches([gap.part.as_str()]));
                    if gap_match {
                        children.push(leaf(
                            NodeId::Gap(i),
                            Line::from(Span::styled(
                                format!("{SYM_BAD} {} not read: {}", gap.part, gap.error),
                                pending(),
                            )),
                        ));
                    }
                }
                for tgw in &estate.tgws {
                    if let Some(item) = self.tgw(&path, estate, tgw) {
                        children.push(item);
                    }
                }
                if let Some(item) = self.vpcs(&path, estate) {
                    children.push(item);
                }
                if let Some(item) = self.firewalls(&path, estate) {
                    children.push(item);
                }
            }
        }
        // Loading and failed regions stay visible under a filter: their data may match.
        let always = !matches!(load, RegionLoad::Loaded { .. });
        let self_match = always || self.matches(|f| f.text_matches([name]));
        self.keep(&path, self_match, &children)
            .then(|| item(NodeId::Region(name.to_string()), Line::from(text), children))
    }

    fn tgw(
        &mut self,
        parent: &NodePath,
        region: &RegionEstate,
        tgw: &TransitGateway,
    ) -> Option<TreeItem<'static, NodeId>> {
        let mut path = parent.clone();
        path.push(NodeId::Tgw(tgw.id.clone()));
        let mut children = Vec::new();

        // Route tables.
        let mut fpath = path.clone();
        fpath.push(NodeId::Folder(Folder::RouteTables));
        let mut tables = Vec::new();
        let mut blackholes = 0;
        for table in region
            .tgw_route_tables
            .iter()
            .filter(|t| t.tgw_id == tgw.id)
        {
            blackholes += table
                .routes
                .iter()
                .filter(|r| r.state == RouteState::Blackhole)
                .count();
            if let Some(item) = self.route_table(&fpath, region, table) {
                tables.push(item);
            }
        }
        let mut text = vec![Span::raw(format!("Route tables ({})", tables.len()))];
        if blackholes > 0 {
            text.push(Span::styled(
                format!(
                    "  {SYM_BAD} {}",
                    plural(blackholes, "blackhole", "blackholes")
                ),
                bad(),
            ));
        }
        if self.keep(&fpath, false, &tables) && !tables.is_empty() {
            children.push(item(
                NodeId::Folder(Folder::RouteTables),
                Line::from(text),
                tables,
            ));
        }

        // Attachments.
        let mut fpath = path.clone();
        fpath.push(NodeId::Folder(Folder::Attachments));
        let mut atts = Vec::new();
        let mut unusable = 0;
        // One index per TGW, so attachments × VPCs never goes quadratic.
        let vpcs: HashMap<&str, &Vpc> = region.vpcs.iter().map(|v| (v.id.as_str(), v)).collect();
        for att in region.attachments.iter().filter(|a| a.tgw_id == tgw.id) {
            let vpc = att
                .resource_id
                .as_deref()
                .and_then(|id| vpcs.get(id).copied());
            if self.matches(|f| f.attachment_matches(att, vpc)) {
                if !att.state.is_usable() {
                    unusable += 1;
                }
                atts.push(leaf(
                    NodeId::Attachment(att.id.clone()),
                    attachment_line(att, vpc),
                ));
            }
        }
        let mut text = vec![Span::raw(format!("Attachments ({})", atts.len()))];
        if unusable > 0 {
            text.push(Span::styled(
                format!("  {SYM_PENDING} {unusable} not available"),
                pending(),
            ));
        }
        if self.keep(&fpath, false, &atts) && !atts.is_empty() {
            children.push(item(
                NodeId::Folder(Folder::Attachments),
                Line::from(text),
                atts,
            ));
        }

        // Peerings.
        let mut fpath = path.clone();
        fpath.push(NodeId::Folder(Folder::Peerings));
        let mut peers = Vec::new();
        for peering in region
            .peerings
            .iter()
            .filter(|p| p.requester.tgw_id == tgw.id || p.accepter.tgw_id == tgw.id)
        {
            let other = peering.other_side(&region.region);
            let hit = self.matches(|f| {
                f.text_matches([
                    peering.id.as_str(),
                    peering.name.as_deref().unwrap_or(""),
                    other.region.as_str(),
                    other.tgw_id.as_str(),
                    "peering",
                ])
            });
            if hit {
                peers.push(leaf(
                    NodeId::Peering(peering.id.clone()),
                    peering_line(region, peering),
                ));
            }
        }
        if self.keep(&fpath, false, &peers) && !peers.is_empty() {
            let text = Line::from(format!("Peerings ({})", peers.len()));
            children.push(item(NodeId::Folder(Folder::Peerings), text, peers));
        }

        let self_match = self.matches(|f| {
            f.text_matches([
                tgw.id.as_str(),
                tgw.name.as_deref().unwrap_or(""),
                tgw.asn.to_string().as_str(),
            ])
        });
        let mut text = vec![
            Span::styled("TGW ", dim()),
            Span::styled(
                name_or(tgw.name.as_deref(), &tgw.id).to_string(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("  AS{}", tgw.asn), dim()),
        ];
        if tgw.state != ResourceState::Available {
            text.push(Span::styled(
                format!("  {SYM_PENDING} {}", tgw.state),
                pending(),
            ));
        }
        self.keep(&path, self_match, &children)
            .then(|| item(NodeId::Tgw(tgw.id.clone()), Line::from(text), children))
    }

    fn route_table(
        &mut self,
        parent: &NodePath,
        region: &RegionEstate,
        table: &TgwRouteTable,
    ) -> Option<TreeItem<'static, NodeId>> {
        let mut path = parent.clone();
        path.push(NodeId::RouteTable(table.id.clone()));
        let self_match = self
            .matches(|f| f.text_matches([table.id.as_str(), table.name.as_deref().unwrap_or("")]));
        let mut children = Vec::new();
        let mut more = 0;
        if self.filtering() {
            if let Some(filter) = self.input.filter {
                for (i, route) in table.routes.iter().enumerate() {
                    if filter.route_matches(route) {
                        if children.len() < MAX_ROUTE_CHILDREN {
                            children.push(route_item(region, i, route));
                        } else {
                            more += 1;
                        }
                    }
                }
            }
        } else if self.input.opened.contains(&path) {
            for (i, route) in table.routes.iter().enumerate().take(MAX_ROUTE_CHILDREN) {
                children.push(route_item(region, i, route));
            }
            more = table.routes.len().saturating_sub(MAX_ROUTE_CHILDREN);
        } else if !table.routes.is_empty() {
            // Lets the node show as expandable without building its routes.
            children.push(leaf(NodeId::More, "…"));
        }
        if more > 0 {
            children.push(leaf(
                NodeId::More,
                Line::from(Span::styled(
                    format!("… {more} more routes: see the detail pane"),
                    dim(),
                )),
            ));
        }
        let blackholes = table
            .routes
            .iter()
            .filter(|r| r.state == RouteState::Blackhole)
            .count();
        let mut text = vec![Span::styled(
            name_or(table.name.as_deref(), &table.id).to_string(),
            Style::new().add_modifier(Modifier::BOLD),
        )];
        if blackholes > 0 {
            text.push(Span::styled(
                format!("  {SYM_BAD} {blackholes} blackhole"),
                bad(),
            ));
        }
        text.push(Span::styled(
            format!("  {}", plural(table.routes.len(), "route", "routes")),
            dim(),
        ));
        let keep = if self.filtering() {
            let real_children = children.iter().any(|c| *c.identifier() != NodeId::More);
            if real_children {
                self.open.push(path.clone());
            }
            self_match || real_children
        } else {
            true
        };
        keep.then(|| {
            item(
                NodeId::RouteTable(table.id.clone()),
                Line::from(text),
                children,
            )
        })
    }

    fn vpcs(
        &mut self,
        parent: &NodePath,
        region: &RegionEstate,
    ) -> Option<TreeItem<'static, NodeId>> {
        let mut fpath = parent.clone();
        fpath.push(NodeId::Folder(Folder::Vpcs));
        let mut vpcs = Vec::new();
        let mut subnets_of: HashMap<&str, Vec<&Subnet>> = HashMap::new();
        for subnet in &region.subnets {
            subnets_of
                .entry(subnet.vpc_id.as_str())
                .or_default()
                .push(subnet);
        }
        for vpc in &region.vpcs {
            let mut path = fpath.clone();
            path.push(NodeId::Vpc(vpc.id.clone()));
            let mut subnets = Vec::new();
            for subnet in subnets_of.get(vpc.id.as_str()).into_iter().flatten() {
                if self.matches(|f| f.subnet_matches(subnet)) {
                    subnets.push(leaf(NodeId::Subnet(subnet.id.clone()), subnet_line(subnet)));
                }
            }
            let self_match = self.matches(|f| f.vpc_matches(vpc));
            if self.keep(&path, self_match, &subnets) {
                vpcs.push(item(NodeId::Vpc(vpc.id.clone()), vpc_line(vpc), subnets));
            }
        }
        if vpcs.is_empty() || !self.keep(&fpath, false, &vpcs) {
            return None;
        }
        let text = Line::from(format!("VPCs ({})", vpcs.len()));
        Some(item(NodeId::Folder(Folder::Vpcs), text, vpcs))
    }
}

impl Builder<'_> {
    fn firewalls(
        &mut self,
        parent: &NodePath,
        region: &RegionEstate,
    ) -> Option<TreeItem<'static, NodeId>> {
        let mut fpath = parent.clone();
        fpath.push(NodeId::Folder(Folder::Firewalls));
        let mut firewalls = Vec::new();
        for fw in &region.firewalls {
            let mut path = fpath.clone();
            path.push(NodeId::Firewall(fw.id.clone()));
            let mut children = Vec::new();
            if let Some(policy) = region
                .firewall_policies
                .iter()
                .find(|p| p.arn == fw.policy_arn)
            {
                let mut ppath = path.clone();
                ppath.push(NodeId::FirewallPolicy(policy.arn.clone()));
                let mut groups = Vec::new();
                for g in policy_groups(region, policy) {
                    if self.matches(|f| f.text_matches([g.name.as_str()])) {
                        groups.push(leaf(
                            NodeId::RuleGroup(g.arn.to_string()),
                            rule_group_line(&g),
                        ));
                    }
                }
                let self_match = self.matches(|f| f.text_matches([policy.name.as_str()]));
                if self.keep(&ppath, self_match, &groups) {
                    children.push(item(
                        NodeId::FirewallPolicy(policy.arn.clone()),
                        policy_line(policy),
                        groups,
                    ));
                }
            }
            let vpc = region.vpcs.iter().find(|v| v.id == fw.vpc_id);
            let self_match = self.matches(|f| {
                f.text_matches([
                    fw.name.as_str(),
                    fw.id.as_str(),
                    fw.vpc_id.as_str(),
                    vpc.and_then(|v| v.name.as_deref()).unwrap_or(""),
                    "firewall",
                ]) || fw
                    .endpoints
                    .iter()
                    .any(|e| f.text_matches([e.endpoint_id.as_deref().unwrap_or("")]))
            });
            if self.keep(&path, self_match, &children) {
                firewalls.push(item(
                    NodeId::Firewall(fw.id.clone()),
                    firewall_line(fw, vpc),
                    children,
                ));
            }
        }
        if firewalls.is_empty() || !self.keep(&fpath, false, &firewalls) {
            return None;
        }
        let text = Line::from(format!("Firewalls ({})", firewalls.len()));
        Some(item(NodeId::Folder(Folder::Firewalls), text, firewalls))
    }
}

/// A rule group as its policy lists it: referenced, or disabled by netops (its
/// reference recorded in a `netops:disabled:` tag).
#[derive(Debug, Clone)]
pub struct GroupEntry<'a> {
    pub arn: &'a str,
    /// The rule group's name; the record's, or the ARN's last part, when not read.
    pub name: String,
    pub kind: RuleGroupKind,
    pub priority: Option<i32>,
    pub override_action: Option<&'a str>,
    pub disabled: bool,
    /// The rule group itself, when it was read.
    pub group: Option<&'a RuleGroup>,
}

/// A policy's rule groups in the order the engine evaluates them (stateless by
/// priority, then stateful: by priority under STRICT_ORDER, else as listed), each
/// disabled group at the place its recorded priority puts it (at the end of its
/// kind when priorities do not order it).
#[must_use]
pub fn policy_groups<'a>(region: &'a RegionEstate, p: &'a FirewallPolicy) -> Vec<GroupEntry<'a>> {
    let strict = p.stateful_rule_order.as_deref() == Some("STRICT_ORDER");
    let group_of = |arn: &str| region.rule_groups.iter().find(|g| g.arn == arn);
    let short = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
    let mut out = Vec::new();
    for (kind, refs, by_priority) in [
        (RuleGroupKind::Stateless, &p.stateless_rule_groups, true),
        (RuleGroupKind::Stateful, &p.stateful_rule_groups, strict),
    ] {
        let mut entries: Vec<GroupEntry<'a>> = refs
            .iter()
            .map(|r| {
                let group = group_of(&r.arn);
                GroupEntry {
                    arn: &r.arn,
                    name: group.map_or_else(|| short(&r.arn), |g| g.name.clone()),
                    kind: kind.clone(),
                    priority: r.priority,
                    override_action: r.override_action.as_deref(),
                    disabled: false,
                    group,
                }
            })
            .collect();
        entries.extend(
            p.disabled
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| GroupEntry {
                    arn: &d.reference.arn,
                    name: d.name.clone(),
                    kind: kind.clone(),
                    priority: d.reference.priority,
                    override_action: d.reference.override_action.as_deref(),
                    disabled: true,
                    group: group_of(&d.reference.arn),
                }),
        );
        if by_priority {
            entries.sort_by_key(|e| e.priority.unwrap_or(i32::MAX));
        }
        out.extend(entries);
    }
    out
}

/// The name first, then its mark, then kind and priority: in a deep, narrow tree the
/// name and "⊘ disabled" stay visible when the rest is cut.
fn rule_group_line(g: &GroupEntry<'_>) -> Line<'static> {
    let kind = match g.kind {
        RuleGroupKind::Stateless => "stateless",
        _ => "stateful",
    };
    let place = match g.priority {
        Some(p) => format!("  {kind} {p}"),
        None => format!("  {kind}"),
    };
    if g.disabled {
        return Line::from(vec![
            Span::styled(g.name.clone(), dim().add_modifier(Modifier::CROSSED_OUT)),
            Span::styled(format!(" {SYM_DISABLED} disabled"), pending()),
            Span::styled(place, dim()),
        ]);
    }
    let mut spans = vec![Span::raw(g.name.clone()), Span::styled(place, dim())];
    if let Some(o) = g.override_action {
        spans.push(Span::styled(format!(" ({o})"), dim()));
    }
    Line::from(spans)
}

fn policy_line(p: &FirewallPolicy) -> Line<'static> {
    let mut spans = vec![Span::styled("policy ", dim()), Span::raw(p.name.clone())];
    if !p.disabled.is_empty() {
        spans.push(Span::styled(
            format!("  {SYM_DISABLED} {} disabled", p.disabled.len()),
            pending(),
        ));
    }
    Line::from(spans)
}

fn firewall_line(fw: &NetworkFirewall, vpc: Option<&Vpc>) -> Line<'static> {
    let mut spans = vec![
        Span::raw(fw.name.clone()),
        Span::styled(
            format!(
                "  {} · {}",
                vpc.and_then(|v| v.name.as_deref()).unwrap_or(&fw.vpc_id),
                plural(fw.endpoints.len(), "endpoint", "endpoints")
            ),
            dim(),
        ),
    ];
    let not_ready = fw
        .endpoints
        .iter()
        .filter(|e| {
            !e.status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("READY"))
        })
        .count();
    if not_ready > 0 {
        spans.push(Span::styled(
            format!("  {SYM_PENDING} {not_ready} not ready"),
            pending(),
        ));
    }
    Line::from(spans)
}

/// The label of an attachment: kind, name, state mark.
#[must_use]
pub fn attachment_line(att: &TgwAttachment, vpc: Option<&Vpc>) -> Line<'static> {
    let kind = match att.kind {
        AttachmentKind::Vpc => "vpc",
        AttachmentKind::Peering | AttachmentKind::TgwPeering => "peering",
        AttachmentKind::Vpn => "vpn",
        AttachmentKind::DirectConnectGateway => "dx",
        AttachmentKind::Connect => "connect",
        AttachmentKind::NetworkFunction => "nf",
        AttachmentKind::Other(_) => "other",
    };
    let mut spans = vec![
        Span::styled(format!("{kind:<8}"), dim()),
        Span::raw(name_or(att.name.as_deref(), &att.id).to_string()),
    ];
    if let Some(cidr) = vpc.and_then(|v| v.cidr_blocks.first()) {
        spans.push(Span::styled(format!("  {cidr}"), dim()));
    }
    if let Some((sym, style)) = attachment_mark(&att.state) {
        spans.push(Span::styled(format!("  {sym} {}", att.state), style));
    }
    Line::from(spans)
}

/// The label of a peering: name, where it leads, state mark.
#[must_use]
pub fn peering_line(region: &RegionEstate, peering: &Peering) -> Line<'static> {
    let other = peering.other_side(&region.region);
    let mut spans = vec![
        Span::raw(format!("{SYM_PEERING} ")),
        Span::raw(name_or(peering.name.as_deref(), &peering.id).to_string()),
        Span::styled(format!(" → {}", other.region), Style::new().fg(Color::Cyan)),
    ];
    if let Some((sym, style)) = attachment_mark(&peering.state) {
        spans.push(Span::styled(format!("  {sym} {}", peering.state), style));
    }
    Line::from(spans)
}

fn route_item(region: &RegionEstate, index: usize, route: &TgwRoute) -> TreeItem<'static, NodeId> {
    let mut spans = vec![Span::raw(format!("{:<18}", route.destination.to_string()))];
    if route.state == RouteState::Blackhole {
        spans.push(Span::styled(format!("{SYM_BAD} blackhole"), bad()));
    } else {
        let target = route
            .targets
            .first()
            .map(|t| {
                region
                    .attachments
                    .iter()
                    .find(|a| a.id == t.attachment_id)
                    .and_then(|a| a.name.clone())
                    .unwrap_or_else(|| t.attachment_id.clone())
            })
            .unwrap_or_default();
        spans.push(Span::styled(format!("→ {target}"), dim()));
    }
    leaf(NodeId::Route(index), Line::from(spans))
}

fn vpc_line(vpc: &Vpc) -> Line<'static> {
    let cidrs: Vec<String> = vpc.cidr_blocks.iter().map(ToString::to_string).collect();
    Line::from(vec![
        Span::raw(name_or(vpc.name.as_deref(), &vpc.id).to_string()),
        Span::styled(format!("  {}", cidrs.join(", ")), dim()),
    ])
}

fn subnet_line(subnet: &Subnet) -> Line<'static> {
    Line::from(vec![
        Span::raw(name_or(subnet.name.as_deref(), &subnet.id).to_string()),
        Span::styled(
            format!(
                "  {}",
                subnet.cidr.map(|c| c.to_string()).unwrap_or_default()
            ),
            dim(),
        ),
    ])
}

/// Builds the tree items (and, under a filter, the paths to open).
#[must_use]
pub fn build(input: &TreeInput<'_>) -> BuiltTree {
    let mut builder = Builder {
        input,
        open: Vec::new(),
    };
    let items = builder.account();
    BuiltTree {
        items,
        open: builder.open,
    }
}

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

/// The tree node that shows an object, or the nearest one that does (an instance's
/// subnet, a NAT gateway's VPC); `None` when the estate does not hold it.
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
        K::Instance => net
            .instance_in(r, &o.id)
            .and_then(|i| i.subnet_id.as_deref())
            .and_then(subnet_path),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().expect("cidr")
    }

    #[test]
    fn findings_keep_their_console_text_and_jump_targets() {
        use crate::model::{Account, Destination, Gap, PeeringSide, RouteTarget, TgwRouteTable};
        let mut r = RegionEstate::new("us-east-1");
        r.tgw_route_tables.push(TgwRouteTable {
            id: "tgw-rtb-1".into(),
            region: "us-east-1".into(),
            tgw_id: "tgw-1".into(),
            name: Some("post-inspection".into()),
            routes: vec![TgwRoute {
                route_table_id: "tgw-rtb-1".into(),
                region: "us-east-1".into(),
                destination: Destination::Cidr(net("10.2.0.0/16")),
                route_type: crate::model::RouteType::Static,
                state: RouteState::Blackhole,
                targets: vec![RouteTarget {
                    attachment_id: "tgw-attach-gone".into(),
                    ..RouteTarget::default()
                }],
            }],
            ..TgwRouteTable::default()
        });
        let side = |region: &str, tgw: &str| PeeringSide {
            tgw_id: tgw.into(),
            region: region.into(),
            account_id: "1".into(),
        };
        r.peerings.push(Peering {
            id: "tgw-attach-p".into(),
            region: "us-east-1".into(),
            name: None,
            state: AttachmentState::PendingAcceptance,
            requester: side("us-east-1", "tgw-1"),
            accepter: side("eu-west-1", "tgw-2"),
            ..Peering::default()
        });
        r.attachments.push(TgwAttachment {
            id: "tgw-attach-v".into(),
            region: "us-east-1".into(),
            tgw_id: "tgw-1".into(),
            name: Some("spoke-c".into()),
            state: AttachmentState::Failed,
            ..TgwAttachment::default()
        });
        r.gaps.push(Gap {
            part: "network-firewall".into(),
            error: "access denied".into(),
        });
        let mut estate = Estate {
            account: Some(Account {
                id: "111122223333".into(),
                alias: None,
            }),
            ..Estate::default()
        };
        estate.regions.insert(
            "us-east-1".into(),
            RegionLoad::Loaded {
                estate: Box::new(r),
            },
        );
        let found = findings(&net::Net::new(&estate));
        let texts: Vec<&str> = found.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "✗ blackhole route 10.2.0.0/16 in post-inspection",
                "◌ peering tgw-attach-p us-east-1 → eu-west-1 is pendingAcceptance",
                "◌ attachment spoke-c is failed",
                "✗ network-firewall not read in us-east-1: access denied",
            ]
        );
        assert_eq!(
            found[0].path,
            route_table_path("us-east-1", "tgw-1", "tgw-rtb-1")
        );
        assert_eq!(
            found[1].path.last(),
            Some(&NodeId::Peering("tgw-attach-p".into()))
        );
        assert_eq!(
            found[2].path,
            attachment_path("us-east-1", "tgw-1", "tgw-attach-v")
        );
        assert_eq!(found[3].path.last(), Some(&NodeId::Gap(0)));
        let json = serde_json::to_value(&found[0].finding).expect("json");
        assert_eq!(json["kind"], "blackhole_route");
        assert_eq!(json["severity"], "error");
        assert_eq!(
            json["message"],
            "blackhole route 10.2.0.0/16 in post-inspection"
        );
        assert_eq!(json["objects"][0]["kind"], "tgw_route_table");
        assert!(json["fix"].is_string());
        let node = resolve(
            &estate,
            &route_table_path("us-east-1", "tgw-1", "tgw-rtb-1")[..2],
        );
        assert!(
            node.is_some_and(|n| node_arn(&estate, &n).is_none()),
            "a region has no ARN"
        );
    }

    #[test]
    fn cidr_filter_matches_overlapping_ranges() {
        let f = Filter::new("10.1.0.0/16");
        assert!(
            f.net_matches(&net("0.0.0.0/0")),
            "a default route contains it"
        );
        assert!(f.net_matches(&net("10.1.0.0/16")));
        assert!(f.net_matches(&net("10.1.1.0/24")), "a subnet inside it");
        assert!(f.net_matches(&net("10.0.0.0/8")), "the supernet");
        assert!(!f.net_matches(&net("10.0.0.0/16")));
        assert!(!f.net_matches(&net("10.100.0.0/22")));
    }

    #[test]
    fn address_filter_matches_routes_that_contain_it() {
        let f = Filter::new(" 10.1.2.3 ");
        assert!(f.net_matches(&net("10.1.0.0/16")));
        assert!(f.net_matches(&net("0.0.0.0/0")));
        assert!(!f.net_matches(&net("10.0.0.0/16")));
    }

    #[test]
    fn text_filter_is_case_insensitive_and_not_a_cidr() {
        let f = Filter::new("Spoke-B");
        assert!(f.text_matches(["vpc spoke-b"]));
        assert!(!f.text_matches(["spoke-a"]));
        assert!(!f.net_matches(&net("0.0.0.0/0")));
        assert!(Filter::new("  ").is_empty());
    }
}
