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
    AttachmentKind, AttachmentState, Estate, FirewallPolicy, Instance, NetworkFirewall, Peering,
    RegionEstate, RegionLoad, ResourceState, RouteState, RuleGroup, RuleGroupKind, Subnet,
    TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway, Vpc,
};
use crate::net::{self, FindingKind, ObjectKind, ObjectRef};
use crate::text::plural;

mod paths;
#[allow(clippy::wildcard_imports)]
pub use paths::*;

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
    /// An EC2 instance, under its subnet: where a trace or a probe starts from.
    Instance(String),
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

    fn instance_matches(&self, instance: &Instance) -> bool {
        instance
            .private_ip
            .is_some_and(|ip| self.net_matches(&IpNet::from(ip)))
            || self.text_matches([
                instance.id.as_str(),
                instance.name.as_deref().unwrap_or(""),
                instance.state.as_str(),
            ])
            || [instance.private_ip, instance.public_ip]
                .into_iter()
                .flatten()
                .any(|ip| self.text_matches(std::iter::once(ip.to_string().as_str())))
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
    /// Columns inside the tree pane: rows longer than that keep their marks and
    /// counts and cut the name with … (0: rows are not fitted).
    pub width: u16,
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

struct Builder<'a> {
    input: &'a TreeInput<'a>,
    open: Vec<NodePath>,
}

impl Builder<'_> {
    /// A row fitted to the pane at its depth ([`fit_row`]).
    fn fitted(&self, id: &NodeId, text: Line<'static>) -> Line<'static> {
        if self.input.width == 0 {
            return text;
        }
        // tui-tree-widget indents 2 columns a level, then 2 for the ▸/▾ symbol.
        let room = usize::from(self.input.width).saturating_sub(depth_of(id) * 2 + 2);
        if matches!(id, NodeId::Route(_)) {
            fit_route_row(text, room)
        } else {
            fit_row(text, room)
        }
    }

    fn leaf(&self, id: NodeId, text: impl Into<Line<'static>>) -> TreeItem<'static, NodeId> {
        let text = self.fitted(&id, text.into());
        leaf(id, text)
    }

    fn item(
        &self,
        id: NodeId,
        text: Line<'static>,
        children: Vec<TreeItem<'static, NodeId>>,
    ) -> TreeItem<'static, NodeId> {
        let text = self.fitted(&id, text);
        item(id, text, children)
    }

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
        let (seen, unread) = estate.accounts();
        let mut text = Vec::new();
        if seen.len() + unread.len() > 1 {
            // Many accounts: how many were read, and how many not.
            text.push(Span::styled("accounts ", dim()));
            text.push(Span::styled(
                format!("{} read", seen.len()),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            if !unread.is_empty() {
                text.push(Span::styled(
                    format!("  {SYM_BAD} {} not read", unread.len()),
                    bad(),
                ));
            }
        } else {
            text.push(Span::styled("account ", dim()));
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
        }
        if self.filtering() {
            self.open.push(path.clone());
        }
        vec![self.item(NodeId::Account, Line::from(text), regions)]
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
                        children.push(self.leaf(
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
            .then(|| self.item(NodeId::Region(name.to_string()), Line::from(text), children))
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
            children.push(self.item(
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
                atts.push(self.leaf(
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
            children.push(self.item(NodeId::Folder(Folder::Attachments), Line::from(text), atts));
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
                peers.push(self.leaf(
                    NodeId::Peering(peering.id.clone()),
                    peering_line(region, peering),
                ));
            }
        }
        if self.keep(&fpath, false, &peers) && !peers.is_empty() {
            let text = Line::from(format!("Peerings ({})", peers.len()));
            children.push(self.item(NodeId::Folder(Folder::Peerings), text, peers));
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
            .then(|| self.item(NodeId::Tgw(tgw.id.clone()), Line::from(text), children))
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
                            children.push(self.leaf(NodeId::Route(i), route_line(region, route)));
                        } else {
                            more += 1;
                        }
                    }
                }
            }
        } else if self.input.opened.contains(&path) {
            for (i, route) in table.routes.iter().enumerate().take(MAX_ROUTE_CHILDREN) {
                children.push(self.leaf(NodeId::Route(i), route_line(region, route)));
            }
            more = table.routes.len().saturating_sub(MAX_ROUTE_CHILDREN);
        } else if !table.routes.is_empty() {
            // Lets the node show as expandable without building its routes.
            children.push(self.leaf(NodeId::More, "…"));
        }
        if more > 0 {
            children.push(self.leaf(
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
            self.item(
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
        let mut instances_of: HashMap<&str, Vec<&Instance>> = HashMap::new();
        for instance in &region.instances {
            if let Some(subnet) = instance.subnet_id.as_deref() {
                instances_of.entry(subnet).or_default().push(instance);
            }
        }
        for vpc in &region.vpcs {
            let mut path = fpath.clone();
            path.push(NodeId::Vpc(vpc.id.clone()));
            let mut subnets = Vec::new();
            for subnet in subnets_of.get(vpc.id.as_str()).into_iter().flatten() {
                let mut spath = path.clone();
                spath.push(NodeId::Subnet(subnet.id.clone()));
                let mut instances = Vec::new();
                for instance in instances_of.get(subnet.id.as_str()).into_iter().flatten() {
                    if self.matches(|f| f.instance_matches(instance)) {
                        instances.push(self.leaf(
                            NodeId::Instance(instance.id.clone()),
                            instance_line(instance),
                        ));
                    }
                }
                let self_match = self.matches(|f| f.subnet_matches(subnet));
                if self.keep(&spath, self_match, &instances) {
                    subnets.push(self.item(
                        NodeId::Subnet(subnet.id.clone()),
                        subnet_line(subnet),
                        instances,
                    ));
                }
            }
            let self_match = self.matches(|f| f.vpc_matches(vpc));
            if self.keep(&path, self_match, &subnets) {
                vpcs.push(self.item(NodeId::Vpc(vpc.id.clone()), vpc_line(vpc), subnets));
            }
        }
        if vpcs.is_empty() || !self.keep(&fpath, false, &vpcs) {
            return None;
        }
        let text = Line::from(format!("VPCs ({})", vpcs.len()));
        Some(self.item(NodeId::Folder(Folder::Vpcs), text, vpcs))
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
                        groups.push(
                            self.leaf(NodeId::RuleGroup(g.arn.to_string()), rule_group_line(&g)),
                        );
                    }
                }
                let self_match = self.matches(|f| f.text_matches([policy.name.as_str()]));
                if self.keep(&ppath, self_match, &groups) {
                    children.push(self.item(
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
                firewalls.push(self.item(
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
        Some(self.item(NodeId::Folder(Folder::Firewalls), text, firewalls))
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

fn route_line(region: &RegionEstate, route: &TgwRoute) -> Line<'static> {
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
    Line::from(spans)
}

/// How deep a node sits in the tree (the account is 0): the tree's shape, checked
/// against every built tree by a test.
fn depth_of(id: &NodeId) -> usize {
    match id {
        NodeId::Account => 0,
        NodeId::Region(_) => 1,
        NodeId::Gap(_) | NodeId::Tgw(_) | NodeId::Folder(Folder::Vpcs | Folder::Firewalls) => 2,
        NodeId::Folder(Folder::RouteTables | Folder::Attachments | Folder::Peerings)
        | NodeId::Vpc(_)
        | NodeId::Firewall(_) => 3,
        NodeId::RouteTable(_)
        | NodeId::Attachment(_)
        | NodeId::Peering(_)
        | NodeId::Subnet(_)
        | NodeId::FirewallPolicy(_) => 4,
        NodeId::Route(_) | NodeId::More | NodeId::RuleGroup(_) | NodeId::Instance(_) => 5,
    }
}

/// A row cut to `room` columns, what matters kept first: the name (its longest
/// unstyled span) is cut with … while the marks and counts around it stay whole;
/// when even they do not fit, the name keeps at least half the room and the spans
/// after it are cut in turn, each keeping its start (its mark: "✗ 1 bla…").
fn fit_row(line: Line<'static>, room: usize) -> Line<'static> {
    let fit = crate::text::fit;
    let mut spans = line.spans;
    let total: usize = spans.iter().map(Span::width).sum();
    if total <= room || spans.is_empty() {
        return Line::from(spans);
    }
    let name = spans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.style == Style::default())
        .max_by_key(|(i, s)| (s.width(), std::cmp::Reverse(*i)))
        .map_or(0, |(i, _)| i);
    // Marks shrink to their symbol and count first ("  ✗ 1 blackhole" → "  ✗ 1"):
    // the words after them are what the detail pane says in full.
    for span in spans.iter_mut().skip(name + 1) {
        let text = span.content.to_string();
        let lead = &text[..text.len() - text.trim_start().len()];
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.len() > 2 && words[0].chars().count() == 1 {
            span.content = format!("{lead}{} {}", words[0], words[1]).into();
        }
    }
    let total: usize = spans.iter().map(Span::width).sum();
    if total <= room {
        return Line::from(spans);
    }
    let others = total - spans[name].width();
    let text = spans[name].content.to_string();
    let trimmed = text.trim_end().to_string();
    let padded = trimmed.len() < text.len();
    // The name keeps at least half the room (or all of itself): a folder cut to
    // "At…" says nothing, whatever mark follows it.
    let name_room = room
        .saturating_sub(others)
        .max(trimmed.chars().count().min((room / 2).max(4)));
    // A name padded to line up its column keeps one space after it.
    spans[name].content = if padded {
        format!("{} ", fit(&trimmed, name_room.saturating_sub(1).max(1)))
    } else {
        fit(&trimmed, name_room)
    }
    .into();
    let mut left = room.saturating_sub(spans.iter().take(name + 1).map(Span::width).sum());
    let mut kept = name + 1;
    for span in spans.iter_mut().skip(name + 1) {
        if left == 0 {
            break;
        }
        if span.width() > left {
            span.content = fit(&span.content, left).into();
        }
        left -= span.width().min(left);
        kept += 1;
    }
    spans.truncate(kept);
    Line::from(spans)
}

/// A route row cut to `room` columns: its destination is what the row is, so it
/// stays whole (its padding shrinks to one space); the mark or target after it is
/// cut with … (a mark's symbol comes first, so it stays).
fn fit_route_row(line: Line<'static>, room: usize) -> Line<'static> {
    let mut spans = line.spans;
    if spans.iter().map(Span::width).sum::<usize>() <= room || spans.len() < 2 {
        return Line::from(spans);
    }
    let dest = format!("{} ", spans[0].content.trim_end());
    let left = room.saturating_sub(dest.chars().count()).max(2);
    spans[0].content = dest.into();
    let rest: String = spans[1..].iter().map(|s| s.content.to_string()).collect();
    let style = spans[1].style;
    spans.truncate(1);
    spans.push(Span::styled(crate::text::fit(&rest, left), style));
    Line::from(spans)
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

/// An instance's row: its name, its private address and, unless running, its state.
fn instance_line(instance: &Instance) -> Line<'static> {
    let mut spans = vec![Span::raw(
        name_or(instance.name.as_deref(), &instance.id).to_string(),
    )];
    if let Some(ip) = instance.private_ip {
        spans.push(Span::styled(format!("  {ip}"), dim()));
    }
    if instance.state != "running" {
        spans.push(Span::styled(
            format!("  {SYM_PENDING} {}", instance.state),
            pending(),
        ));
    }
    Line::from(spans)
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

#[cfg(test)]
mod tests;
