//! What the detail pane and the help overlay show, built from the data outside the
//! view: [`Content`] is rebuilt by `update` only when its inputs change (the selection,
//! the data version, the keymap), with its wrapped height for the pane's width, so
//! scrolling can reach the last wrapped row and `view` only renders.
//!
//! Spinners inside cached lines are drawn as [`SPINNER_PLACEHOLDER`]; the view swaps
//! in the current frame for the visible cells, so a spinner tick costs a redraw, not a
//! rebuild.

pub(super) use crate::text::named;
use std::collections::BTreeSet;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::keymap::{Action, Keymap, Layer};
use super::tree::{
    self, Finding, Folder, Node, SYM_BAD, SYM_DISABLED, SYM_LOADING, SYM_PEERING, SYM_PENDING,
    attachment_mark, bad, dim, pending,
};
use crate::model::{
    AttachmentKind, Estate, FirewallPolicy, NetworkFirewall, Peering, RegionEstate, RegionLoad,
    RouteState, RuleGroupKind, Subnet, TgwAttachment, TgwRouteTable, TransitGateway, Vpc,
    VpcRouteTable,
};
use crate::net::inspection::{self, SpokePath};

/// The spinner glyph cached lines carry; the view replaces it with the current frame.
pub const SPINNER_PLACEHOLDER: &str = "⠋";

/// What the content is built from (no dependency on the console state type, so update
/// and view both import this module and neither imports the other).
pub struct ContentInput<'a> {
    pub estate: &'a Estate,
    /// The network semantics over the estate's index (built once per data version).
    pub net: crate::net::Net<'a>,
    pub findings: &'a [Finding],
    /// Region order as planned.
    pub order: &'a [String],
    pub backend_label: &'a str,
    pub loading: &'a BTreeSet<String>,
    pub keymap: &'a Keymap,
    /// Change keys are not offered.
    pub read_only: bool,
}

pub use super::tree::make_safe;

mod firewall;
mod instance;
use crate::text::plural;
#[allow(clippy::wildcard_imports)]
use firewall::*;

/// Lines with their height once wrapped to a width.
#[derive(Debug, Clone, Default)]
pub struct Wrapped {
    pub lines: Vec<Line<'static>>,
    /// Rows the lines take when wrapped to `width` (what scrolling clamps against).
    pub height: usize,
    pub width: u16,
    /// The wrapped row each line starts at (ascending), so the view can render only
    /// the lines in its window.
    pub starts: Vec<usize>,
}

impl Wrapped {
    /// Wraps `lines` as the detail pane does (word wrap, no trimming).
    #[must_use]
    pub fn new(mut lines: Vec<Line<'static>>, width: u16) -> Self {
        make_safe(&mut lines);
        if lines.iter().any(|l| l.width() > usize::from(width)) && width > 0 {
            lines = lines
                .into_iter()
                .flat_map(|l| hang(l, usize::from(width)))
                .collect();
        }
        // Wrapping is per line, so the rows of each line add up to the whole.
        let mut starts = Vec::with_capacity(lines.len());
        let mut height = 0;
        for line in &lines {
            starts.push(height);
            height += if width == 0 {
                1
            } else {
                Paragraph::new(line.clone())
                    .wrap(Wrap { trim: false })
                    .line_count(width)
            };
        }
        Self {
            lines,
            height,
            width,
            starts,
        }
    }

    /// The lines to draw for rows `scroll..scroll + rows`, and how many rows of the
    /// first of them are scrolled off: the cost of drawing follows the window.
    #[must_use]
    pub fn window(&self, scroll: usize, rows: usize) -> (&[Line<'static>], usize) {
        let first = self
            .starts
            .partition_point(|&s| s <= scroll)
            .saturating_sub(1);
        let skip = scroll.saturating_sub(self.starts.get(first).copied().unwrap_or(0));
        let end = self.starts.partition_point(|&s| s < scroll + rows);
        let end = end.max(first + 1).min(self.lines.len());
        (&self.lines[first.min(end)..end], skip)
    }
}

/// A line longer than `width` broken into rows that each fit, between words where it
/// can: the rows after the first hang under the value of a `kv` line (column 16) or
/// under the line's own indent, so a long id or list never runs back to column 0.
fn hang(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    if line.width() <= width || width < 8 {
        return vec![line];
    }
    let cell = |c: char| Span::raw(c.to_string()).width();
    let is_kv = line.spans.first().is_some_and(|s| {
        s.style == dim() && s.content.chars().count() == 16 && s.content.ends_with(' ')
    });
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let lead = cells.iter().take_while(|(c, _)| *c == ' ').count();
    let indent = if is_kv { 16 } else { lead + 2 };
    let indent = if indent * 2 > width { 0 } else { indent };
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut pos = 0;
    while pos < cells.len() {
        let pad = if rows.is_empty() { 0 } else { indent };
        if !rows.is_empty() {
            while cells.get(pos).is_some_and(|(c, _)| *c == ' ') {
                pos += 1;
            }
        }
        // How many cells fit in this row.
        let room = width - pad;
        let mut used = 0;
        let mut end = pos;
        while end < cells.len() && used + cell(cells[end].0) <= room {
            used += cell(cells[end].0);
            end += 1;
        }
        if end < cells.len() {
            // Break at the last space in the row (or the one right after it), unless
            // that leaves the row nearly empty.
            let stop = (end + 1).min(cells.len());
            if let Some(b) = (pos..stop).rev().find(|&i| cells[i].0 == ' ')
                && b > pos + room / 3
            {
                end = b;
            }
        }
        let end = end.max(pos + 1);
        let mut row: Vec<(char, Style)> = vec![(' ', Style::default()); pad];
        row.extend_from_slice(&cells[pos..end]);
        while row.len() > pad && row.last().is_some_and(|(c, _)| *c == ' ') {
            row.pop();
        }
        rows.push(row);
        pos = end;
    }
    rows.into_iter()
        .map(|row| {
            let mut spans: Vec<Span<'static>> = Vec::new();
            let mut text = String::new();
            let mut style = row.first().map_or(Style::default(), |(_, s)| *s);
            for (c, s) in row {
                if s != style && !text.is_empty() {
                    spans.push(Span::styled(std::mem::take(&mut text), style));
                }
                style = s;
                text.push(c);
            }
            if !text.is_empty() {
                spans.push(Span::styled(text, style));
            }
            Line::from(spans).style(line.style)
        })
        .collect()
}

/// A line cut to `width` columns, its last one `…` when anything was cut (for rows
/// that cannot wrap: a table's header and footer).
#[must_use]
pub fn cut_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut room = width.saturating_sub(1);
    let mut spans = Vec::new();
    let mut last = Style::default();
    for span in line.spans {
        if room == 0 {
            break;
        }
        let mut text = String::new();
        for c in span.content.chars() {
            let w = Span::raw(c.to_string()).width();
            if w > room {
                room = 0;
                break;
            }
            room -= w;
            text.push(c);
        }
        last = span.style;
        spans.push(Span::styled(text, span.style));
    }
    if width > 0 {
        spans.push(Span::styled("…", last));
    }
    Line::from(spans).style(line.style)
}

/// The detail pane's content for the selected node.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub title: String,
    /// `None` for a route table, which the view draws as a windowed table.
    pub body: Option<Wrapped>,
}

/// Most entries listed in one section of a detail view.
const LIST_CAP: usize = 200;

pub(super) fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub(super) fn ok() -> Style {
    Style::new().fg(Color::Green)
}

pub fn detail_title(state: &ContentInput<'_>, node: Option<&Node<'_>>) -> String {
    let name = |n: Option<&str>, id: &str| n.filter(|s| !s.is_empty()).unwrap_or(id).to_string();
    match node {
        None | Some(Node::Account) => format!(" {} ", state.backend_label),
        Some(Node::Region(r, _)) => format!(" Region {r} "),
        Some(Node::Gap(r, g)) => format!(" {} in {} ", g.part, r.region),
        Some(Node::Tgw(_, t)) => format!(" TGW {} ", name(t.name.as_deref(), &t.id)),
        Some(Node::Folder(r, _, f)) => format!(
            " {} · {} ",
            match f {
                Folder::RouteTables => "Route tables",
                Folder::Attachments => "Attachments",
                Folder::Peerings => "Peerings",
                Folder::Vpcs => "VPCs",
                Folder::Firewalls => "Firewalls",
            },
            r.region
        ),
        Some(Node::RouteTable(_, t) | Node::More(_, t)) => {
            format!(
                " Route table {} · {} ",
                name(t.name.as_deref(), &t.id),
                t.id
            )
        }
        Some(Node::Route(_, t, i)) => format!(
            " Route {} in {} ",
            t.routes
                .get(*i)
                .map(|r| r.destination.to_string())
                .unwrap_or_default(),
            name(t.name.as_deref(), &t.id)
        ),
        Some(Node::Attachment(_, a)) => {
            format!(" {} attachment {} ", a.kind, name(a.name.as_deref(), &a.id))
        }
        Some(Node::Peering(_, p)) => format!(" Peering {} ", name(p.name.as_deref(), &p.id)),
        Some(Node::Vpc(_, v)) => format!(" VPC {} ", name(v.name.as_deref(), &v.id)),
        Some(Node::Subnet(_, s)) => format!(" Subnet {} ", name(s.name.as_deref(), &s.id)),
        Some(Node::Instance(_, i)) => format!(" Instance {} ", name(i.name.as_deref(), &i.id)),
        Some(Node::Firewall(_, f)) => format!(" Firewall {} ", f.name),
        Some(Node::FirewallPolicy(_, p)) => format!(" Firewall policy {} ", p.name),
        Some(Node::RuleGroup(r, p, arn)) => format!(
            " Rule group {} · {} ",
            tree::policy_groups(r, p)
                .into_iter()
                .find(|g| g.arn == *arn)
                .map_or_else(|| (*arn).to_string(), |g| g.name),
            p.name
        ),
    }
}

/// The lines of a non-table detail view (`None` for a route table, which draws its
/// own windowed table).
#[must_use]
pub fn detail_lines(
    state: &ContentInput<'_>,
    node: Option<Node<'_>>,
) -> Option<Vec<Line<'static>>> {
    let estate = state.estate;
    Some(match node {
        Some(Node::RouteTable(..) | Node::More(..)) => return None,
        None | Some(Node::Account) => account_lines(state),
        Some(Node::Region(name, load)) => region_lines(state, name, load),
        Some(Node::Gap(_, gap)) => vec![
            Line::from(Span::styled(
                format!("{SYM_BAD} {} could not be read", gap.part),
                bad(),
            )),
            Line::from(gap.error.clone()),
            Line::from(""),
            Line::from("The rest of the region loaded; grant the permission and refresh."),
        ],
        Some(Node::Tgw(region, tgw)) => tgw_lines(state, region, tgw),
        Some(Node::Folder(region, tgw, folder)) => folder_lines(estate, region, tgw, folder),
        Some(Node::Route(region, table, i)) => route_lines(estate, region, table, i),
        Some(Node::Attachment(region, att)) => attachment_lines(state, region, att),
        Some(Node::Peering(region, peering)) => peering_lines(state, region, peering),
        Some(Node::Vpc(region, vpc)) => vpc_lines(&state.net, region, vpc),
        Some(Node::Subnet(_, subnet)) => subnet_lines(&state.net, subnet),
        Some(Node::Instance(region, i)) => instance::instance_lines(state, region, i),
        Some(Node::Firewall(region, fw)) => firewall_lines(state, region, fw),
        Some(Node::FirewallPolicy(region, p)) => policy_lines(state, region, p),
        Some(Node::RuleGroup(region, p, arn)) => rule_group_lines(state, region, p, arn),
    })
}

pub(super) fn kv(key: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{key:<16}"), dim()),
        Span::raw(value.into()),
    ])
}

pub(super) fn kv_spans(key: &str, mut spans: Vec<Span<'static>>) -> Line<'static> {
    spans.insert(0, Span::styled(format!("{key:<16}"), dim()));
    Line::from(spans)
}

pub(super) fn heading(text: impl Into<String>) -> Line<'static> {
    Line::from(Span::styled(text.into(), bold().fg(Color::Cyan)))
}

pub(super) fn key(state: &ContentInput<'_>, action: &Action) -> String {
    key_in(state.keymap, action)
}

/// The key bound to `action` in the normal layer, else its name.
pub(super) fn key_in(keymap: &Keymap, action: &Action) -> String {
    keymap
        .key_for(Layer::Normal, action)
        .map_or_else(|| action.name(), |k| k.to_string())
}

pub(super) fn state_spans(state: &crate::model::AttachmentState) -> Vec<Span<'static>> {
    match attachment_mark(state) {
        Some((sym, style)) => vec![Span::styled(format!("{sym} {state}"), style)],
        None => vec![Span::styled(state.to_string(), ok())],
    }
}

fn account_lines(state: &ContentInput<'_>) -> Vec<Line<'static>> {
    let estate = &state.estate;
    let (seen, unread) = estate.accounts();
    let many = seen.len() + unread.len() > 1;
    let mut lines = vec![
        kv("backend", state.backend_label),
        kv(
            if many { "read as" } else { "account" },
            estate
                .account
                .as_ref()
                .map_or_else(|| "(not known yet)".to_string(), |a| a.id.clone()),
        ),
        Line::from(""),
    ];
    // Several accounts (an organization read, or a multi-account snapshot): each, with
    // what it holds, or why it was not read.
    if many {
        lines.push(heading(format!("Accounts ({})", seen.len() + unread.len())));
        // Those not read first (they need attention), then the rest, capped: an
        // organization of hundreds must not push the regions and findings away.
        const ACCOUNTS_CAP: usize = 8;
        let mut shown = 0;
        for (id, why) in &unread {
            if shown == ACCOUNTS_CAP {
                break;
            }
            shown += 1;
            lines.push(Line::from(vec![
                Span::raw(format!("  {id:<14}")),
                Span::styled(format!("{SYM_BAD} not read: {why}"), bad()),
            ]));
        }
        for (id, [tgws, vpcs, instances]) in &seen {
            if shown == ACCOUNTS_CAP {
                break;
            }
            shown += 1;
            lines.push(Line::from(vec![
                Span::raw(format!("  {id:<14}")),
                Span::styled(
                    format!("{tgws} TGW · {vpcs} VPC · {instances} instance"),
                    dim(),
                ),
            ]));
        }
        let rest = seen.len() + unread.len() - shown;
        if rest > 0 {
            lines.push(Line::from(Span::styled(
                format!("  … {rest} more accounts"),
                dim(),
            )));
        }
        lines.push(Line::from(""));
    }
    lines.push(heading("Regions"));
    for (name, load) in tree::ordered_regions(estate, state.order) {
        lines.push(region_status_line(state, name, load));
    }
    lines.push(Line::from(""));
    if estate.loaded().next().is_none() {
        // Nothing was read: no verdict on what is not known.
        lines.push(heading("Findings"));
        lines.push(Line::from(Span::styled(
            "none yet: no region has been read",
            dim(),
        )));
    } else {
        if state.findings.is_empty() {
            lines.push(heading("Findings (0)".to_string()));
        } else {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("Findings ({})", state.findings.len()),
                    bold().fg(Color::Cyan),
                ),
                Span::styled(
                    format!("  {} or Enter picks one", key(state, &Action::Findings)),
                    dim(),
                ),
            ]));
        }
        if state.findings.is_empty() {
            lines.push(Line::from(Span::styled("nothing to report", dim())));
        }
    }
    for f in state.findings.iter().take(LIST_CAP) {
        let style = if f.finding.severity >= crate::net::Severity::Error {
            bad()
        } else {
            pending()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", f.region), dim()),
            Span::styled(f.text.clone(), style),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!(
            "{} help · {} filter · {} command · {} jump across a peering",
            key(state, &Action::Help),
            key(state, &Action::Filter),
            key(state, &Action::Command),
            key(state, &Action::JumpPeer)
        ),
        dim(),
    )));
    lines
}

fn region_status_line(state: &ContentInput<'_>, name: &str, load: &RegionLoad) -> Line<'static> {
    let mut spans = vec![Span::raw(format!("  {name:<16}"))];
    match load {
        RegionLoad::Loading => spans.push(Span::styled(
            format!("{} loading…", SPINNER_PLACEHOLDER),
            pending(),
        )),
        RegionLoad::Failed { error } => {
            spans.push(Span::styled(format!("{SYM_BAD} failed: {error}"), bad()));
        }
        RegionLoad::Loaded { estate } => {
            spans.push(Span::styled("✓ loaded", ok()));
            spans.push(Span::styled(
                format!(
                    "  {} · {} · {} · {}",
                    plural(estate.tgws.len(), "TGW", "TGWs"),
                    plural(estate.attachments.len(), "attachment", "attachments"),
                    plural(estate.vpcs.len(), "VPC", "VPCs"),
                    plural(estate.route_count(), "route", "routes")
                ),
                dim(),
            ));
            if state.loading.contains(name) {
                spans.push(Span::styled(
                    format!("  {} refreshing", SPINNER_PLACEHOLDER),
                    pending(),
                ));
            }
        }
    }
    Line::from(spans)
}

fn region_lines(state: &ContentInput<'_>, name: &str, load: &RegionLoad) -> Vec<Line<'static>> {
    let mut lines = vec![region_status_line(state, name, load), Line::from("")];
    match load {
        RegionLoad::Failed { error } => {
            lines.push(Line::from(Span::styled(
                format!("{SYM_BAD} {error}"),
                bad(),
            )));
            lines.push(Line::from(""));
            lines.push(Line::from(format!(
                "Press {} (or Enter) to retry this region; the other regions keep working.",
                key(state, &Action::ReloadRegion)
            )));
        }
        RegionLoad::Loading => {
            lines.push(Line::from(
                "Reading the region; the rest of the console is usable meanwhile.",
            ));
        }
        RegionLoad::Loaded { estate } => {
            lines.push(kv("TGWs", estate.tgws.len().to_string()));
            lines.push(kv(
                "route tables",
                estate.tgw_route_tables.len().to_string(),
            ));
            lines.push(kv("attachments", estate.attachments.len().to_string()));
            lines.push(kv("peerings", estate.peerings.len().to_string()));
            lines.push(kv("VPCs", estate.vpcs.len().to_string()));
            lines.push(kv("subnets", estate.subnets.len().to_string()));
            lines.push(kv("NAT gateways", estate.nat_gateways.len().to_string()));
            lines.push(kv("firewalls", estate.firewalls.len().to_string()));
            lines.push(kv("instances", estate.instances.len().to_string()));
            for gap in &estate.gaps {
                lines.push(Line::from(Span::styled(
                    format!("{SYM_BAD} {} not read: {}", gap.part, gap.error),
                    pending(),
                )));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!("{} reloads this region", key(state, &Action::ReloadRegion)),
                dim(),
            )));
        }
    }
    lines
}

fn tgw_lines(
    state: &ContentInput<'_>,
    region: &RegionEstate,
    tgw: &TransitGateway,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        kv("id", tgw.id.clone()),
        kv("name", tgw.name.clone().unwrap_or_else(|| "-".into())),
        kv("region", region.region.clone()),
        kv("ASN", tgw.asn.to_string()),
        kv("state", tgw.state.to_string()),
        kv("owner", tgw.owner_id.clone()),
        kv(
            "default assoc.",
            format!(
                "{} · default propagation {}",
                tgw.default_route_table_association, tgw.default_route_table_propagation
            ),
        ),
        kv(
            "DNS / VPN ECMP",
            format!("{} / {}", tgw.dns_support, tgw.vpn_ecmp_support),
        ),
        Line::from(""),
        heading("Route tables"),
    ];
    for t in region
        .tgw_route_tables
        .iter()
        .filter(|t| t.tgw_id == tgw.id)
        .take(LIST_CAP)
    {
        let bh = t
            .routes
            .iter()
            .filter(|r| r.state == RouteState::Blackhole)
            .count();
        let mut spans = vec![Span::raw(format!(
            "  {:<20} {:>5} routes  {:>3} assoc.  {:>3} prop.",
            t.name.as_deref().unwrap_or(&t.id),
            t.routes.len(),
            t.associations.len(),
            t.propagations.len()
        ))];
        if bh > 0 {
            spans.push(Span::styled(format!("  {SYM_BAD} {bh} blackhole"), bad()));
        }
        lines.push(Line::from(spans));
    }
    let atts: Vec<&TgwAttachment> = region
        .attachments
        .iter()
        .filter(|a| a.tgw_id == tgw.id)
        .collect();
    lines.push(Line::from(""));
    lines.push(heading(format!("Attachments ({})", atts.len())));
    let mut kinds: std::collections::BTreeMap<String, (usize, usize)> =
        std::collections::BTreeMap::new();
    for a in &atts {
        let e = kinds.entry(a.kind.to_string()).or_default();
        e.0 += 1;
        if !a.state.is_usable() {
            e.1 += 1;
        }
    }
    for (kind, (n, bad_n)) in kinds {
        let mut spans = vec![Span::raw(format!("  {kind:<20} {n:>5}"))];
        if bad_n > 0 {
            spans.push(Span::styled(
                format!("  {SYM_PENDING} {bad_n} not available"),
                pending(),
            ));
        }
        lines.push(Line::from(spans));
    }
    let peerings: Vec<&Peering> = region
        .peerings
        .iter()
        .filter(|p| p.requester.tgw_id == tgw.id || p.accepter.tgw_id == tgw.id)
        .collect();
    lines.push(Line::from(""));
    lines.push(heading(format!("Peerings ({})", peerings.len())));
    for p in peerings.iter().take(LIST_CAP) {
        let other = p.other_side(&region.region);
        let mut spans = vec![Span::raw(format!(
            "  {SYM_PEERING} {} → {} in {}  ",
            p.name.as_deref().unwrap_or(&p.id),
            other.tgw_id,
            other.region
        ))];
        spans.extend(state_spans(&p.state));
        lines.push(Line::from(spans));
    }
    if !peerings.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "  {} jumps across the peering to the peer TGW; {} comes back",
                key(state, &Action::JumpPeer),
                key(state, &Action::HistoryBack)
            ),
            dim(),
        )));
    }
    lines
}

fn folder_lines(
    estate: &Estate,
    region: &RegionEstate,
    tgw: Option<&TransitGateway>,
    folder: Folder,
) -> Vec<Line<'static>> {
    let on_tgw = |id: &str| tgw.is_none_or(|t| t.id == id);
    let mut lines = Vec::new();
    match folder {
        Folder::RouteTables => {
            for t in region
                .tgw_route_tables
                .iter()
                .filter(|t| on_tgw(&t.tgw_id))
                .take(LIST_CAP)
            {
                lines.push(Line::from(format!(
                    "{:<20} {}  {}",
                    t.name.as_deref().unwrap_or("-"),
                    t.id,
                    plural(t.routes.len(), "route", "routes")
                )));
            }
        }
        Folder::Attachments => {
            for a in region
                .attachments
                .iter()
                .filter(|a| on_tgw(&a.tgw_id))
                .take(LIST_CAP)
            {
                let mut spans = vec![Span::raw(format!("{:<28} ", a.id))];
                let vpc = a
                    .resource_id
                    .as_deref()
                    .and_then(|id| region.vpcs.iter().find(|v| v.id == id));
                spans.extend(tree::attachment_line(a, vpc).spans);
                lines.push(Line::from(spans));
            }
        }
        Folder::Peerings => {
            for p in region
                .peerings
                .iter()
                .filter(|p| {
                    tgw.is_none_or(|t| p.requester.tgw_id == t.id || p.accepter.tgw_id == t.id)
                })
                .take(LIST_CAP)
            {
                let mut spans = vec![Span::raw(format!("{:<28} ", p.id))];
                spans.extend(tree::peering_line(region, p).spans);
                lines.push(Line::from(spans));
            }
        }
        Folder::Firewalls => {
            for f in region.firewalls.iter().take(LIST_CAP) {
                lines.push(Line::from(format!(
                    "{:<24} {}  {} endpoints",
                    f.name,
                    f.vpc_id,
                    f.endpoints.len()
                )));
            }
        }
        Folder::Vpcs => {
            for v in region.vpcs.iter().take(LIST_CAP) {
                let cidrs: Vec<String> = v.cidr_blocks.iter().map(ToString::to_string).collect();
                lines.push(Line::from(format!(
                    "{:<16} {}  {}",
                    v.name.as_deref().unwrap_or("-"),
                    v.id,
                    cidrs.join(", ")
                )));
            }
        }
    }
    let _ = estate;
    lines
}

fn route_lines(
    estate: &Estate,
    region: &RegionEstate,
    table: &TgwRouteTable,
    index: usize,
) -> Vec<Line<'static>> {
    let Some(route) = table.routes.get(index) else {
        return Vec::new();
    };
    let mut lines = vec![
        kv("destination", route.destination.to_string()),
        kv(
            "type",
            if route.derived {
                format!(
                    "{} (derived: the snapshot holds only static routes; worked out from the table's propagations)",
                    route.route_type
                )
            } else {
                route.route_type.to_string()
            },
        ),
        if route.state == RouteState::Blackhole {
            kv_spans(
                "state",
                vec![Span::styled(format!("{SYM_BAD} blackhole"), bad())],
            )
        } else {
            kv("state", route.state.to_string())
        },
        kv("route table", named(table.name.as_deref(), &table.id)),
        Line::from(""),
        heading("Targets"),
    ];
    if route.targets.is_empty() {
        lines.push(Line::from("  (none: traffic is dropped)"));
    }
    for t in &route.targets {
        lines.push(Line::from(format!(
            "  {} → {}",
            t.attachment_id,
            crate::net::targets::tgw_target_leads_to(
                &crate::net::targets::Scan(estate),
                &region.region,
                t
            )
            .describe()
        )));
    }
    if route.targets.len() > 1 {
        lines.push(Line::from(Span::styled(
            "  several targets: ECMP; stateful appliances need symmetric paths",
            pending(),
        )));
    }
    lines
}

pub(super) fn table_names(tables: &[&TgwRouteTable]) -> String {
    if tables.is_empty() {
        return "none".into();
    }
    tables
        .iter()
        .map(|t| named(t.name.as_deref(), &t.id))
        .collect::<Vec<_>>()
        .join(", ")
}

fn attachment_lines(
    state: &ContentInput<'_>,
    region: &RegionEstate,
    att: &TgwAttachment,
) -> Vec<Line<'static>> {
    let mut state_line = state_spans(&att.state);
    if att.state == crate::model::AttachmentState::PendingAcceptance {
        state_line.push(Span::styled(
            "  (waiting to be accepted by the other side)",
            dim(),
        ));
    }
    let tgw = region.tgws.iter().find(|t| t.id == att.tgw_id);
    let mut lines = vec![
        kv("id", att.id.clone()),
        kv("kind", att.kind.to_string()),
        kv_spans("state", state_line),
        kv(
            "TGW",
            named(tgw.and_then(|t| t.name.as_deref()), &att.tgw_id),
        ),
    ];
    let assoc: Vec<&TgwRouteTable> = state.net.associated_route_table(att).into_iter().collect();
    let prop = state.net.propagating_route_tables(att);
    match att.kind {
        AttachmentKind::Vpc => {
            let vpc = att
                .resource_id
                .as_deref()
                .and_then(|id| region.vpcs.iter().find(|v| v.id == id));
            lines.push(kv(
                "VPC",
                match vpc {
                    Some(v) => vpc_with_cidrs(v),
                    None => att.resource_id.clone().unwrap_or_else(|| "-".into()),
                },
            ));
            lines.push(match att.appliance_mode {
                Some(true) => kv(
                    "appliance mode",
                    "enabled (both directions of a flow use one AZ)",
                ),
                Some(false) => kv("appliance mode", "disabled"),
                None => kv("appliance mode", "unknown"),
            });
        }
        AttachmentKind::Peering | AttachmentKind::TgwPeering => {
            if let Some(p) = region.peerings.iter().find(|p| p.id == att.id) {
                let other = p.other_side(&region.region);
                lines.push(kv(
                    "peer",
                    format!(
                        "{} in {} (account {})",
                        other.tgw_id, other.region, other.account_id
                    ),
                ));
                lines.push(Line::from(Span::styled(
                    format!("{} jumps to the peer TGW", key(state, &Action::JumpPeer)),
                    dim(),
                )));
            }
        }
        _ => lines.push(kv(
            "resource",
            att.resource_id.clone().unwrap_or_else(|| "-".into()),
        )),
    }
    lines.push(kv("associated with", table_names(&assoc)));
    lines.push(kv("propagates to", table_names(&prop)));
    if !att.subnet_ids.is_empty() {
        lines.push(Line::from(""));
        lines.push(heading("Subnets (one per AZ)"));
        let mut subnets: Vec<(&str, String)> = att
            .subnet_ids
            .iter()
            .map(|id| match region.subnets.iter().find(|s| &s.id == id) {
                Some(s) => (
                    s.availability_zone.as_str(),
                    format!(
                        "{:<20} {}  {}",
                        s.name.as_deref().unwrap_or("-"),
                        s.id,
                        s.cidr.map(|c| c.to_string()).unwrap_or_default()
                    ),
                ),
                None => ("?", id.clone()),
            })
            .collect();
        subnets.sort();
        for (az, text) in subnets.into_iter().take(LIST_CAP) {
            lines.push(Line::from(format!("  {az:<12} {text}")));
        }
    }
    lines
}

fn peering_lines(
    state: &ContentInput<'_>,
    region: &RegionEstate,
    p: &Peering,
) -> Vec<Line<'static>> {
    let other = p.other_side(&region.region);
    let mut state_line = state_spans(&p.state);
    if p.state == crate::model::AttachmentState::PendingAcceptance {
        state_line.push(Span::styled(
            format!(
                "  (to be accepted in {}, account {})",
                p.accepter.region, p.accepter.account_id
            ),
            dim(),
        ));
    }
    let mut lines = vec![
        kv("id", p.id.clone()),
        kv("name", p.name.clone().unwrap_or_else(|| "-".into())),
        kv_spans("state", state_line),
        kv(
            "requester",
            format!(
                "{} in {} (account {})",
                p.requester.tgw_id, p.requester.region, p.requester.account_id
            ),
        ),
        kv(
            "accepter",
            format!(
                "{} in {} (account {})",
                p.accepter.tgw_id, p.accepter.region, p.accepter.account_id
            ),
        ),
    ];
    if let Some(m) = &p.status_message {
        lines.push(kv("status", m.clone()));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(format!("{} / Enter", key(state, &Action::JumpPeer)), bold()),
        Span::raw(format!(" jumps to {} in {}", other.tgw_id, other.region)),
    ]));
    lines.push(Line::from(vec![
        Span::styled(key(state, &Action::HistoryBack), bold()),
        Span::raw(" comes back, "),
        Span::styled(key(state, &Action::HistoryForward), bold()),
        Span::raw(" goes forward again"),
    ]));
    lines
}

/// A VPC as its detail rows name it: name (or id) and CIDRs.
fn vpc_with_cidrs(v: &Vpc) -> String {
    format!(
        "{} {}",
        named(v.name.as_deref(), &v.id),
        v.cidr_blocks
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn vpc_routes(table: &VpcRouteTable, lines: &mut Vec<Line<'static>>) {
    for r in table.routes.iter().take(LIST_CAP) {
        let mut spans = vec![Span::raw(format!(
            "    {:<18} → {}",
            r.destination.to_string(),
            r.target
        ))];
        if r.state == RouteState::Blackhole {
            spans.push(Span::styled(format!("  {SYM_BAD} blackhole"), bad()));
        }
        lines.push(Line::from(spans));
    }
}

fn vpc_lines(net: &crate::net::Net<'_>, region: &RegionEstate, vpc: &Vpc) -> Vec<Line<'static>> {
    let mut lines = vec![
        kv("id", vpc.id.clone()),
        kv(
            "CIDRs",
            vpc.cidr_blocks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        kv("state", vpc.state.to_string()),
        kv("owner", vpc.owner_id.clone()),
    ];
    let atts: Vec<String> = region
        .attachments
        .iter()
        .filter(|a| a.resource_id.as_deref() == Some(&vpc.id))
        .map(|a| named(a.name.as_deref(), &a.id))
        .collect();
    lines.push(kv(
        "TGW attachment",
        if atts.is_empty() {
            "none".to_string()
        } else {
            atts.join(", ")
        },
    ));
    lines.push(Line::from(""));
    lines.push(heading("Subnets"));
    for s in region
        .subnets
        .iter()
        .filter(|s| s.vpc_id == vpc.id)
        .take(LIST_CAP)
    {
        let rt = net.subnet_route_table(s).map(|(t, _)| t).map_or_else(
            || "-".to_string(),
            |t| t.name.clone().unwrap_or_else(|| t.id.clone()),
        );
        lines.push(Line::from(format!(
            "  {:<12} {:<22} {:<16} rt {}",
            s.availability_zone,
            s.name.as_deref().unwrap_or(&s.id),
            s.cidr.map(|c| c.to_string()).unwrap_or_default(),
            rt
        )));
    }
    lines.push(Line::from(""));
    lines.push(heading("Route tables"));
    for t in region
        .vpc_route_tables
        .iter()
        .filter(|t| t.vpc_id == vpc.id)
        .take(LIST_CAP)
    {
        lines.push(Line::from(format!(
            "  {}{}",
            named(t.name.as_deref(), &t.id),
            if t.is_main() { " (main)" } else { "" }
        )));
        vpc_routes(t, &mut lines);
    }
    lines
}

/// How a completion (or any list of ids) names an id: `id  name  (vpc, az)` for an
/// instance or a subnet, `id  name` for other objects, the id alone when the estate
/// does not know it.
#[must_use]
pub fn id_label(estate: &crate::model::Estate, id: &str) -> String {
    for r in estate.loaded() {
        let vpc_name = |vpc: &str| {
            r.vpcs
                .iter()
                .find(|v| v.id == vpc)
                .and_then(|v| v.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| vpc.to_string())
        };
        if let Some(i) = r.instances.iter().find(|i| i.id == id) {
            let subnet = i
                .subnet_id
                .as_deref()
                .and_then(|s| r.subnets.iter().find(|x| x.id == s));
            let place = [
                i.vpc_id.as_deref().map(vpc_name),
                subnet.map(|s| s.availability_zone.clone()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            return format!("{id}  {}  ({place})", i.name.as_deref().unwrap_or("-"));
        }
        if let Some(s) = r.subnets.iter().find(|s| s.id == id) {
            return format!(
                "{id}  {}  ({}, {})",
                s.name.as_deref().unwrap_or("-"),
                vpc_name(&s.vpc_id),
                s.availability_zone
            );
        }
        let name = r
            .vpcs
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.name.clone())
            .or_else(|| r.tgws.iter().find(|x| x.id == id).map(|x| x.name.clone()))
            .or_else(|| {
                r.tgw_route_tables
                    .iter()
                    .find(|x| x.id == id)
                    .map(|x| x.name.clone())
            })
            .or_else(|| {
                r.attachments
                    .iter()
                    .find(|x| x.id == id)
                    .map(|x| x.name.clone())
            })
            .or_else(|| {
                r.vpc_route_tables
                    .iter()
                    .find(|x| x.id == id)
                    .map(|x| x.name.clone())
            });
        if let Some(name) = name {
            return match name.filter(|n| !n.is_empty()) {
                Some(n) => format!("{id}  {n}"),
                None => id.to_string(),
            };
        }
    }
    id.to_string()
}

fn subnet_lines(net: &crate::net::Net<'_>, subnet: &Subnet) -> Vec<Line<'static>> {
    let mut lines = vec![
        kv("id", subnet.id.clone()),
        kv(
            "CIDR",
            subnet.cidr.map(|c| c.to_string()).unwrap_or_default(),
        ),
        kv("AZ", subnet.availability_zone.clone()),
        kv("VPC", subnet.vpc_id.clone()),
        Line::from(""),
    ];
    // What lives in the subnet: where a trace can start from.
    if let Some(r) = net.region(&subnet.region) {
        let instances: Vec<&crate::model::Instance> = r
            .instances
            .iter()
            .filter(|i| i.subnet_id.as_deref() == Some(subnet.id.as_str()))
            .collect();
        let nats: Vec<&crate::model::NatGateway> = r
            .nat_gateways
            .iter()
            .filter(|n| n.subnet_id == subnet.id)
            .collect();
        let endpoints: Vec<String> = r
            .firewalls
            .iter()
            .flat_map(|f| f.endpoints.iter().map(move |e| (f, e)))
            .filter(|(_, e)| e.subnet_id == subnet.id)
            .map(|(f, e)| {
                format!(
                    "  {}  firewall endpoint of {}",
                    e.endpoint_id.as_deref().unwrap_or("(no endpoint id)"),
                    f.name
                )
            })
            .collect();
        // Interfaces of no instance (Lambda, load balancers, endpoints, the TGW's own):
        // an instance's interfaces are the instance's row.
        let interfaces: Vec<&crate::model::NetworkInterface> = r
            .network_interfaces
            .iter()
            .filter(|e| e.subnet_id == subnet.id && e.instance_id.is_none())
            .collect();
        lines.push(heading(format!(
            "In this subnet ({})",
            instances.len() + nats.len() + endpoints.len() + interfaces.len()
        )));
        if instances.is_empty() && nats.is_empty() && endpoints.is_empty() && interfaces.is_empty()
        {
            lines.push(Line::from(Span::styled(
                "no instance, NAT gateway, firewall endpoint or network interface",
                dim(),
            )));
        }
        for i in &instances {
            lines.push(Line::from(format!(
                "  {}  {}  {}  {}",
                i.id,
                i.name.as_deref().unwrap_or("-"),
                i.private_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                i.state
            )));
        }
        for n in &nats {
            lines.push(Line::from(format!(
                "  {}  NAT gateway  {}",
                n.id,
                n.public_ips
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        lines.extend(endpoints.into_iter().map(Line::from));
        for e in interfaces.iter().take(LIST_CAP) {
            let ips: Vec<String> = e.private_ips.iter().map(ToString::to_string).collect();
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "  {}  {}  {}",
                    e.id,
                    e.interface_type,
                    ips.join(", ")
                )),
                Span::styled(
                    e.description
                        .as_deref()
                        .map(|d| format!("  {d}"))
                        .unwrap_or_default(),
                    dim(),
                ),
            ]));
        }
        if interfaces.len() > LIST_CAP {
            lines.push(Line::from(Span::styled(
                format!("  … {} more interfaces", interfaces.len() - LIST_CAP),
                dim(),
            )));
        }
        if let Some(i) = instances.first() {
            lines.push(Line::from(Span::styled(
                format!(
                    "  trace from one: t on it in the tree, or :trace {} … (Tab completes)",
                    i.id
                ),
                dim(),
            )));
        }
        lines.push(Line::from(""));
    }
    match net.subnet_route_table(subnet) {
        Some((t, choice)) => {
            lines.push(heading(format!(
                "Route table {}{}",
                named(t.name.as_deref(), &t.id),
                match choice {
                    crate::net::index::TableChoice::Explicit => "",
                    crate::net::index::TableChoice::Main => " (main, implicit)",
                }
            )));
            vpc_routes(t, &mut lines);
        }
        None => lines.push(Line::from("no route table found")),
    }
    lines
}

/// The help's description column, in characters.
const DESC_WIDTH: usize = 52;

/// `text` in lines of at most `width` characters, broken between words (a word
/// longer than a line is cut into pieces).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            out.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        if line.is_empty() {
            line = word;
        } else if line.chars().count() + 1 + word.chars().count() <= width {
            line.push(' ');
            line.push_str(&word);
        } else {
            out.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// The help text: every binding of the active keymap, grouped by layer, keys with
/// the same action and description on one line.
#[must_use]
pub fn help_lines(keymap: &Keymap, read_only: bool, can_probe: bool) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut layers = vec![
        (Layer::Normal, "Tree and detail pane"),
        (Layer::Input, "Typing a / filter or a : command"),
        (Layer::Popup, "Help and command output"),
        (
            Layer::Trace,
            "Trace view (:trace FROM TO, or t on a subnet or an instance)",
        ),
    ];
    // Read-only: the change keys and the screens of changes are not shown at all.
    if !read_only {
        layers.extend([
            (
                Layer::Confirm,
                "Confirming a change (Cancel is the default; type the id of destructive ones)",
            ),
            (Layer::Wizard, "Peering wizard (:peer connect, W)"),
        ]);
    }
    layers.push((
        Layer::Menu,
        if read_only {
            "Pick lists (the findings, F)"
        } else {
            "Pick lists (the findings F, the actions menu x, the wizard's peer TGW)"
        },
    ));
    // Without a prober (read-only), the probe keys and the matrix are not shown either.
    if can_probe {
        layers.push((Layer::Probe, "Probe matrix (E, :probe egress, :probe ping)"));
    }
    for (layer, title) in layers {
        lines.push(heading(title));
        let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
        for b in keymap.bindings(layer) {
            if (read_only && b.action.is_change()) || (!can_probe && b.action.is_probe()) {
                continue;
            }
            let name = b.action.name();
            match groups
                .iter_mut()
                .find(|(n, d, _)| *n == name && *d == b.desc)
            {
                Some(g) => g.2.push(b.key.to_string()),
                None => groups.push((name, b.desc.clone(), vec![b.key.to_string()])),
            }
        }
        for (name, desc, keys) in groups {
            // A long description wraps under its own column: it never runs into the
            // action's name.
            let mut chunks = wrap_words(&desc, DESC_WIDTH - 1).into_iter();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<22}", keys.join(" ")), bold().fg(Color::Cyan)),
                Span::raw(format!(
                    "{:<DESC_WIDTH$}",
                    chunks.next().unwrap_or_default()
                )),
                Span::styled(name, dim()),
            ]));
            for more in chunks {
                lines.push(Line::from(format!("{:<24}{more}", "")));
            }
        }
        lines.push(Line::from(""));
    }
    lines.push(heading("Commands (: prompt, keymap run = \":…\", --batch)"));
    lines.push(Line::from(format!(
        "  {}",
        crate::command::command_names().join("  ")
    )));
    lines.push(Line::from(""));
    lines.push(heading("Marks"));
    lines.push(Line::from(vec![
        Span::styled(format!("  {SYM_BAD} "), bad()),
        Span::raw("blackhole route, failed region or attachment   "),
        Span::styled(format!("{SYM_PENDING} "), pending()),
        Span::raw("pending / not available"),
    ]));
    lines.push(Line::from(format!(
        "  {SYM_PEERING} peering   {SYM_LOADING} last refresh   ⠋ loading   ✓ region loaded   {SYM_DISABLED} disabled rule group"
    )));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Remap keys in keymap.toml in the config dir (only the keys you change).",
        dim(),
    )));
    lines
}

#[cfg(test)]
mod tests;
