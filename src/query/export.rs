//! `export mermaid|dot`: the topology, or one trace's path, as a diagram for design
//! reviews and incident write-ups.
//!
//! Both syntaxes are drawn from one [`Diagram`] (clusters of nodes, and edges), so they
//! show the same thing. What is drawn comes from [`crate::net`]: route tables and
//! attachments of a TGW, associations and propagations ([`Net::associated_route_table`],
//! [`Net::propagating_route_tables`]), inspection points
//! ([`inspection::inspection_hops`]), blackhole routes ([`crate::net::findings`]) and a
//! trace's hops ([`trace::trace`]); nothing here re-derives routing.
//!
//! Invariants:
//! - Node ids are made here, never taken from AWS: `[A-Za-z0-9_]` only, led by a kind
//!   prefix (`tgw_`, `rtb_`, …), unique per diagram. No id is a keyword of either
//!   syntax (Mermaid's `end`, DOT's `node`), nor starts with Mermaid's `o`/`x` edge
//!   letters.
//! - Names and every other label text are anyone's to set (AWS tags): each label is
//!   made terminal-safe, then escaped for its syntax (Mermaid entity codes, DOT
//!   backslash escapes), and always quoted, so no name can end a label, add a node or
//!   an edge, or close a subgraph.
//! - The text is the diagram and nothing else, one statement per line.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::{CommandError, Section};
use crate::command::ExportFormat;
use crate::model::{AttachmentKind, TgwAttachment};
use crate::net::findings::FindingKind;
use crate::net::inspection::{self, InspectionKind};
use crate::net::{Net, trace};
use crate::text::terminal_safe;

/// A label line is wrapped at about this many characters.
const WRAP: usize = 48;

/// What is drawn, in either syntax.
#[derive(Debug, Default)]
pub(super) struct Diagram {
    clusters: Vec<Cluster>,
    /// Nodes outside every cluster (the TGW on the far side of a peering whose region
    /// is not drawn).
    loose: Vec<Node>,
    edges: Vec<Edge>,
    /// Top to bottom (a trace's chain of hops), else left to right (the topology).
    downward: bool,
}

#[derive(Debug)]
struct Cluster {
    id: String,
    label: String,
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    id: String,
    shape: Shape,
    /// Label lines, unescaped.
    lines: Vec<String>,
    class: Class,
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Box,
    Round,
    Hexagon,
    Stadium,
}

/// How a node is coloured (a Mermaid `classDef`, DOT fill and pen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Tgw,
    RouteTable,
    Attachment,
    Inspection,
    Blackhole,
    External,
    Hop,
    Good,
    Bad,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Self::Tgw => "tgw",
            Self::RouteTable => "routetable",
            Self::Attachment => "attachment",
            Self::Inspection => "inspection",
            Self::Blackhole => "blackhole",
            Self::External => "external",
            Self::Hop => "hop",
            Self::Good => "good",
            Self::Bad => "bad",
        }
    }

    /// (fill, pen colour, font colour, pen width, dashed).
    fn colours(self) -> (&'static str, &'static str, Option<&'static str>, u8, bool) {
        match self {
            Self::Tgw => ("#e8f0fe", "#1a73e8", None, 2, false),
            Self::RouteTable => ("#f1f3f4", "#5f6368", None, 1, false),
            Self::Attachment | Self::Hop => ("#ffffff", "#5f6368", None, 1, false),
            Self::Inspection => ("#fef7e0", "#e37400", None, 3, false),
            Self::Blackhole | Self::Bad => ("#fce8e6", "#d93025", Some("#a50e0e"), 2, false),
            Self::External => ("#ffffff", "#9aa0a6", None, 1, true),
            Self::Good => ("#e6f4ea", "#188038", None, 2, false),
        }
    }
}

#[derive(Debug)]
struct Edge {
    from: String,
    to: String,
    /// Label lines (none: no label).
    label: Vec<String>,
    style: Link,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// A directed edge (an association, a trace step).
    Arrow,
    /// A directed dotted edge (a propagation, the reply).
    Dotted,
    /// An undirected line (a TGW and its route table).
    Line,
    /// An undirected thick line (an available peering).
    Thick,
    /// An undirected dashed line (a peering that does not forward).
    Dashed,
}

/// Node ids: one per object, made of `[A-Za-z0-9_]`.
#[derive(Default)]
struct Ids {
    by_key: HashMap<(&'static str, String, String), String>,
    used: HashSet<String>,
}

impl Ids {
    /// The node id of the object `id` of `kind` in `region` (the same every time):
    /// `kind_` and the id without its AWS prefix (`tgw-attach-0abc` → `att_0abc`).
    fn of(&mut self, kind: &'static str, region: &str, id: &str) -> String {
        let key = (kind, region.to_string(), id.to_string());
        if let Some(x) = self.by_key.get(&key) {
            return x.clone();
        }
        let aws_prefix = match kind {
            "tgw" => "tgw-",
            "rtb" => "tgw-rtb-",
            "att" => "tgw-attach-",
            "bh" => "tgw-rtb-",
            _ => "",
        };
        let short = id
            .strip_prefix(aws_prefix)
            .filter(|s| !s.is_empty())
            .unwrap_or(id);
        let base = format!("{kind}_{}", ident(short));
        let mut candidate = base.clone();
        if self.used.contains(&candidate) {
            candidate = format!("{base}_{}", ident(region));
        }
        let mut n = 2;
        while self.used.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        self.by_key.insert(key, candidate.clone());
        candidate
    }
}

/// `s` as an id part: ASCII letters and digits kept, everything else `_`, at most 64
/// characters (a longer or clashing one is told apart by [`Ids::of`]).
fn ident(s: &str) -> String {
    s.chars()
        .take(64)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `line` broken between words into lines of about [`WRAP`] characters.
fn wrap(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > WRAP {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push(current);
    out
}

/// The text of the diagram and the JSON document.
pub(super) fn output(d: &Diagram, format: ExportFormat) -> (Vec<Section>, Value) {
    let lines = match format {
        ExportFormat::Mermaid => mermaid(d),
        ExportFormat::Dot => dot(d),
    };
    let mut text = lines.join("\n");
    text.push('\n');
    (
        vec![Section::raw(lines)],
        json!({ "format": format.as_str(), "text": text }),
    )
}

/// The topology of the loaded regions (or of `region` alone).
///
/// # Errors
/// [`CommandError`] (not found) when `region` is not a loaded region.
pub(super) fn topology(net: &Net<'_>, region: Option<&str>) -> Result<Diagram, CommandError> {
    if let Some(r) = region
        && net.region(r).is_none()
    {
        let loaded: Vec<&str> = net.regions().map(|x| x.region.as_str()).collect();
        return Err(CommandError::new(
            crate::error::ErrorKind::NotFound,
            format!(
                "region `{}` is not loaded (loaded: {}); add it with --regions",
                crate::text::quote(r),
                if loaded.is_empty() {
                    "none".to_string()
                } else {
                    loaded.join(", ")
                }
            ),
        ));
    }
    let mut b = Builder {
        net,
        ids: Ids::default(),
        d: Diagram::default(),
        drawn_tgws: HashSet::new(),
    };
    let regions: Vec<_> = net
        .regions()
        .filter(|r| region.is_none_or(|x| r.region == x))
        .collect();
    // What inspects traffic in each VPC, and which attachments are inspection points
    // themselves (network-function attachments).
    let mut inspects: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut inspecting_attachments: HashSet<(String, String)> = HashSet::new();
    for h in inspection::inspection_hops(net) {
        if h.kind == InspectionKind::NetworkFunction {
            inspecting_attachments.insert((h.region.clone(), h.id.clone()));
        }
        if let Some(vpc) = &h.vpc_id {
            let what = match &h.name {
                Some(n) if h.kind == InspectionKind::NetworkFirewall => {
                    format!("{} {n}", h.kind.as_str())
                }
                _ => h.kind.as_str().to_string(),
            };
            let list = inspects.entry((h.region.clone(), vpc.clone())).or_default();
            if !list.contains(&what) {
                list.push(what);
            }
        }
    }
    // Blackhole routes, per route table (the findings' own list).
    let mut blackholes: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for f in crate::net::findings(net.estate()) {
        if let FindingKind::BlackholeRoute {
            route_table_id,
            destination,
            ..
        } = &f.kind
        {
            blackholes
                .entry((f.region.clone(), route_table_id.clone()))
                .or_default()
                .push(destination.to_string());
        }
    }
    let mut links = Vec::new();
    for r in &regions {
        let mut nodes = Vec::new();
        for tgw in &r.tgws {
            let tgw_node = b.ids.of("tgw", &r.region, &tgw.id);
            b.drawn_tgws.insert((r.region.clone(), tgw.id.clone()));
            nodes.push(Node {
                id: tgw_node.clone(),
                shape: Shape::Hexagon,
                lines: vec![
                    format!("TGW {}", name_or(tgw.name.as_deref(), &tgw.id)),
                    format!("{} · ASN {}", tgw.id, tgw.asn),
                ],
                class: Class::Tgw,
            });
            for table in net.tgw_route_tables_of(tgw) {
                let rt_node = b.ids.of("rtb", &r.region, &table.id);
                let holes = blackholes
                    .get(&(r.region.clone(), table.id.clone()))
                    .map_or(&[][..], Vec::as_slice);
                let mut count = crate::text::plural(table.routes.len(), "route", "routes");
                if !holes.is_empty() {
                    count.push_str(&format!(", {} blackhole", holes.len()));
                }
                nodes.push(Node {
                    id: rt_node.clone(),
                    shape: Shape::Box,
                    lines: vec![
                        format!("route table {}", name_or(table.name.as_deref(), &table.id)),
                        table.id.clone(),
                        count,
                    ],
                    class: Class::RouteTable,
                });
                b.d.edges.push(Edge {
                    from: tgw_node.clone(),
                    to: rt_node.clone(),
                    label: Vec::new(),
                    style: Link::Line,
                });
                for destination in holes {
                    let hole = b
                        .ids
                        .of("bh", &r.region, &format!("{} {destination}", table.id));
                    nodes.push(Node {
                        id: hole.clone(),
                        shape: Shape::Box,
                        lines: vec![format!("✗ blackhole {destination}")],
                        class: Class::Blackhole,
                    });
                    b.d.edges.push(Edge {
                        from: rt_node.clone(),
                        to: hole,
                        label: Vec::new(),
                        style: Link::Arrow,
                    });
                }
            }
            for att in net.tgw_attachments_of(tgw) {
                if is_peering(att) {
                    // Drawn as the edge between the two TGWs.
                    links.push(att);
                    continue;
                }
                let inspected = inspects.get(&(
                    r.region.clone(),
                    att.resource_id.clone().unwrap_or_default(),
                ));
                let node = attachment_node(
                    &mut b,
                    att,
                    if att.kind == AttachmentKind::Vpc {
                        inspected
                    } else {
                        None
                    },
                    inspecting_attachments.contains(&(r.region.clone(), att.id.clone())),
                );
                nodes.push(node);
                links.push(att);
            }
        }
        b.d.clusters.push(Cluster {
            id: b.ids.of("region", "", &r.region),
            label: r.region.clone(),
            nodes,
        });
    }
    // Associations and propagations, as the index answers them. A peering
    // attachment's link ends at the TGW on its far side.
    for att in links {
        let target = if is_peering(att) {
            let Some(peering) = net.peering_in(&att.region, &att.id) else {
                continue;
            };
            let far = peering.other_side(&att.region);
            b.tgw_node(&far.region, &far.tgw_id)
        } else {
            b.ids.of("att", &att.region, &att.id)
        };
        let via = if is_peering(att) { " (peering)" } else { "" };
        if let Some(t) = net.associated_route_table(att) {
            b.d.edges.push(Edge {
                from: b.ids.of("rtb", &t.region, &t.id),
                to: target.clone(),
                label: vec![format!("associated{via}")],
                style: Link::Arrow,
            });
        }
        for t in net.propagating_route_tables(att) {
            b.d.edges.push(Edge {
                from: b.ids.of("rtb", &t.region, &t.id),
                to: target.clone(),
                label: vec![format!("propagates{via}")],
                style: Link::Dotted,
            });
        }
    }
    // Peerings: each once, requester to accepter, with its state.
    let mut seen = HashSet::new();
    for r in &regions {
        for p in &r.peerings {
            if !seen.insert(p.id.clone()) {
                continue;
            }
            let from = b.tgw_node(&p.requester.region, &p.requester.tgw_id);
            let to = b.tgw_node(&p.accepter.region, &p.accepter.tgw_id);
            let usable = p.state.is_usable();
            b.d.edges.push(Edge {
                from,
                to,
                label: match p.name.as_deref().filter(|n| !n.is_empty()) {
                    Some(n) => vec![format!("peering {n}: {}", p.state), p.id.clone()],
                    None => vec![format!("peering {}: {}", p.id, p.state)],
                },
                style: if usable { Link::Thick } else { Link::Dashed },
            });
        }
    }
    Ok(b.d)
}

/// An object's name, or its id when it has none (an empty `Name` tag is none).
fn name_or<'a>(name: Option<&'a str>, id: &'a str) -> &'a str {
    name.filter(|n| !n.is_empty()).unwrap_or(id)
}

fn is_peering(att: &TgwAttachment) -> bool {
    matches!(
        att.kind,
        AttachmentKind::Peering | AttachmentKind::TgwPeering
    )
}

struct Builder<'n, 'a> {
    net: &'n Net<'a>,
    ids: Ids,
    d: Diagram,
    drawn_tgws: HashSet<(String, String)>,
}

impl Builder<'_, '_> {
    /// The node of a TGW: the drawn one, else a stub outside the clusters (its
    /// region is not drawn, or not loaded).
    fn tgw_node(&mut self, region: &str, tgw_id: &str) -> String {
        let id = self.ids.of("tgw", region, tgw_id);
        if self
            .drawn_tgws
            .insert((region.to_string(), tgw_id.to_string()))
        {
            let tgw = self.net.tgw_in(region, tgw_id);
            let name = name_or(tgw.and_then(|t| t.name.as_deref()), tgw_id);
            self.d.loose.push(Node {
                id: id.clone(),
                shape: Shape::Hexagon,
                lines: vec![
                    format!("TGW {name}"),
                    tgw_id.to_string(),
                    if self.net.region(region).is_some() {
                        format!("in {region} (not drawn)")
                    } else {
                        format!("in {region} (region not loaded)")
                    },
                ],
                class: Class::External,
            });
        }
        id
    }
}

/// A VPC attachment shows its VPC (name, id, CIDRs); other kinds their resource.
fn attachment_node(
    b: &mut Builder<'_, '_>,
    att: &TgwAttachment,
    inspected_by: Option<&Vec<String>>,
    inspects: bool,
) -> Node {
    let mut lines = Vec::new();
    match att.kind {
        AttachmentKind::Vpc => {
            let vpc_id = att.resource_id.as_deref().unwrap_or("-");
            let vpc = b.net.vpc_in(&att.region, vpc_id);
            match vpc {
                Some(v) => {
                    lines.push(format!("VPC {}", name_or(v.name.as_deref(), &v.id)));
                    let cidrs: Vec<String> =
                        v.cidr_blocks.iter().map(ToString::to_string).collect();
                    lines.push(format!("{} · {}", v.id, cidrs.join(", ")));
                }
                None => {
                    lines.push(format!("VPC {vpc_id}"));
                    lines.push("(VPC not read)".to_string());
                }
            }
        }
        _ => {
            let kind = match &att.kind {
                AttachmentKind::Vpn => "VPN".to_string(),
                AttachmentKind::DirectConnectGateway => "Direct Connect gateway".to_string(),
                AttachmentKind::Connect => "Connect".to_string(),
                AttachmentKind::NetworkFunction => "network function".to_string(),
                other => other.to_string(),
            };
            lines.push(match att.name.as_deref().filter(|n| !n.is_empty()) {
                Some(n) => format!("{kind} {n}"),
                None => kind,
            });
            if let Some(r) = &att.resource_id {
                lines.push(r.clone());
            }
        }
    }
    let mut tail = att.id.clone();
    if att.appliance_mode == Some(true) {
        tail.push_str(" · appliance mode");
    }
    lines.push(tail);
    if !att.state.is_usable() {
        lines.push(format!("state {}", att.state));
    }
    let mut class = Class::Attachment;
    if let Some(list) = inspected_by {
        lines.push(format!("inspection: {}", list.join(", ")));
        class = Class::Inspection;
    }
    if inspects {
        lines.push(format!(
            "inspection: {}",
            InspectionKind::NetworkFunction.as_str()
        ));
        class = Class::Inspection;
    }
    Node {
        id: b.ids.of("att", &att.region, &att.id),
        shape: Shape::Round,
        lines,
        class,
    }
}

/// One trace: the forward hops in order, each hop's decision on the edge that leaves
/// it, the verdict; then the return path and its verdict, if anything comes back.
pub(super) fn trace_diagram(t: &trace::Trace) -> Diagram {
    let mut ids = Ids::default();
    let mut d = Diagram {
        downward: true,
        ..Diagram::default()
    };
    let forward = chain(
        &mut d,
        &mut ids,
        "fwd",
        format!("forward: {}", super::flow_words(&t.flow)),
        &t.hops,
        &t.verdict,
    );
    if let Some(verdict) = &t.return_verdict {
        let back = chain(
            &mut d,
            &mut ids,
            "ret",
            "return path".to_string(),
            &t.return_hops,
            verdict,
        );
        d.edges.push(Edge {
            from: forward.verdict,
            to: back.first,
            label: vec!["reply".into()],
            style: Link::Dotted,
        });
    }
    d
}

/// The first node of a drawn direction, and its verdict's node.
struct Ends {
    first: String,
    verdict: String,
}

/// Adds one direction as a cluster: a node per hop (kind, object, where), an edge
/// from each hop to the next labelled with the hop's decision, and the verdict.
fn chain(
    d: &mut Diagram,
    ids: &mut Ids,
    prefix: &'static str,
    label: String,
    hops: &[trace::Hop],
    verdict: &trace::Verdict,
) -> Ends {
    let mut nodes = Vec::new();
    let mut hop_ids = Vec::new();
    for (i, h) in hops.iter().enumerate() {
        let id = ids.of(prefix, "", &(i + 1).to_string());
        let place = match &h.az {
            Some(az) => format!("{} · {az}", h.region),
            None => h.region.clone(),
        };
        nodes.push(Node {
            id: id.clone(),
            shape: Shape::Box,
            lines: vec![
                format!("{}. {}", i + 1, h.kind.as_str()),
                crate::text::id_named(h.name.as_deref(), &h.id),
                place,
            ],
            class: if h.kind == trace::HopKind::Drop {
                Class::Bad
            } else {
                Class::Hop
            },
        });
        hop_ids.push(id);
    }
    let verdict_id = ids.of(prefix, "", "verdict");
    nodes.push(Node {
        id: verdict_id.clone(),
        shape: Shape::Stadium,
        lines: vec![format!(
            "{} {}",
            if verdict.arrives() { "✓" } else { "✗" },
            verdict.summary()
        )],
        class: if verdict.arrives() {
            Class::Good
        } else {
            Class::Bad
        },
    });
    hop_ids.push(verdict_id.clone());
    for (i, h) in hops.iter().enumerate() {
        d.edges.push(Edge {
            from: hop_ids[i].clone(),
            to: hop_ids[i + 1].clone(),
            label: vec![h.decision.clone()],
            style: Link::Arrow,
        });
    }
    d.clusters.push(Cluster {
        id: ids.of("path", "", prefix),
        label,
        nodes,
    });
    Ends {
        first: hop_ids[0].clone(),
        verdict: verdict_id,
    }
}

// ---------------------------------------------------------------------------------
// Mermaid

/// Mermaid `flowchart` lines.
fn mermaid(d: &Diagram) -> Vec<String> {
    let mut out = vec![
        if d.downward {
            "flowchart TD"
        } else {
            "flowchart LR"
        }
        .to_string(),
    ];
    for c in &d.clusters {
        out.push(format!(
            "  subgraph {}[\"{}\"]",
            c.id,
            mermaid_escape(&c.label)
        ));
        for n in &c.nodes {
            out.push(format!("    {}", mermaid_node(n)));
        }
        out.push("  end".to_string());
    }
    for n in &d.loose {
        out.push(format!("  {}", mermaid_node(n)));
    }
    for e in &d.edges {
        let arrow = match e.style {
            Link::Arrow => "-->",
            Link::Dotted => "-.->",
            Link::Line => "---",
            Link::Thick => "===",
            Link::Dashed => "-.-",
        };
        if e.label.is_empty() {
            out.push(format!("  {} {arrow} {}", e.from, e.to));
        } else {
            out.push(format!(
                "  {} {arrow}|\"{}\"| {}",
                e.from,
                mermaid_text(&wrap_all(&e.label)),
                e.to
            ));
        }
    }
    let mut by_class: BTreeMap<Class, Vec<&str>> = BTreeMap::new();
    for n in d.clusters.iter().flat_map(|c| &c.nodes).chain(&d.loose) {
        by_class.entry(n.class).or_default().push(&n.id);
    }
    for (class, nodes) in by_class {
        let (fill, pen, font, width, dashed) = class.colours();
        let mut style = format!("fill:{fill},stroke:{pen},stroke-width:{width}px");
        if let Some(f) = font {
            style.push_str(&format!(",color:{f}"));
        }
        if dashed {
            style.push_str(",stroke-dasharray:4 3");
        }
        out.push(format!("  classDef {} {style}", class.name()));
        out.push(format!("  class {} {}", nodes.join(","), class.name()));
    }
    out
}

fn mermaid_node(n: &Node) -> String {
    let (open, close) = match n.shape {
        Shape::Box => ("[", "]"),
        Shape::Round => ("(", ")"),
        Shape::Hexagon => ("{{", "}}"),
        Shape::Stadium => ("([", "])"),
    };
    format!(
        "{}{open}\"{}\"{close}",
        n.id,
        mermaid_text(&wrap_all(&n.lines))
    )
}

fn wrap_all(lines: &[String]) -> Vec<String> {
    lines.iter().flat_map(|l| wrap(l)).collect()
}

/// Label lines for inside Mermaid's double quotes: terminal-safe, every character
/// Mermaid (or the HTML it renders to) gives a meaning written as an entity code
/// (`#quot;`, `#35;` …), lines joined by `<br/>`.
fn mermaid_text(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| mermaid_escape(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

pub(super) fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal_safe(s).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            // A backslash is no escape in Mermaid; as an entity it stays text in an edge
            // label. (mermaid.js still breaks a node label's line at a decoded `\n`,
            // which is how terminal_safe wrote a newline of the name: shown, not run.)
            '\\' => out.push_str("#92;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// DOT

/// Graphviz DOT lines.
fn dot(d: &Diagram) -> Vec<String> {
    let mut out = vec![
        "digraph netops {".to_string(),
        format!(
            "  graph [rankdir={}, fontname=\"Helvetica\"];",
            if d.downward { "TB" } else { "LR" }
        ),
        "  node [fontname=\"Helvetica\", fontsize=10];".to_string(),
        "  edge [fontname=\"Helvetica\", fontsize=9];".to_string(),
    ];
    for c in &d.clusters {
        out.push(format!("  subgraph \"cluster_{}\" {{", c.id));
        out.push(format!("    label=\"{}\";", dot_escape(&c.label)));
        for n in &c.nodes {
            out.push(format!("    {}", dot_node(n)));
        }
        out.push("  }".to_string());
    }
    for n in &d.loose {
        out.push(format!("  {}", dot_node(n)));
    }
    for e in &d.edges {
        let mut attrs = Vec::new();
        if !e.label.is_empty() {
            attrs.push(format!("label=\"{}\"", dot_text(&wrap_all(&e.label))));
        }
        match e.style {
            Link::Arrow => {}
            Link::Dotted => attrs.push("style=dotted".into()),
            Link::Line => attrs.push("dir=none".into()),
            Link::Thick => attrs.push("dir=none, penwidth=3".into()),
            Link::Dashed => attrs.push("dir=none, style=dashed".into()),
        }
        if attrs.is_empty() {
            out.push(format!("  \"{}\" -> \"{}\";", e.from, e.to));
        } else {
            out.push(format!(
                "  \"{}\" -> \"{}\" [{}];",
                e.from,
                e.to,
                attrs.join(", ")
            ));
        }
    }
    out.push("}".to_string());
    out
}

fn dot_node(n: &Node) -> String {
    let (fill, pen, font, width, dashed) = n.class.colours();
    let (shape, mut style) = match n.shape {
        Shape::Box => ("box", vec!["filled"]),
        Shape::Round => ("box", vec!["rounded", "filled"]),
        Shape::Hexagon => ("hexagon", vec!["filled"]),
        Shape::Stadium => ("box", vec!["rounded", "filled", "bold"]),
    };
    if dashed {
        style.push("dashed");
    }
    let mut attrs = format!(
        "label=\"{}\", shape={shape}, style=\"{}\", fillcolor=\"{fill}\", color=\"{pen}\", penwidth={width}",
        dot_text(&wrap_all(&n.lines)),
        style.join(",")
    );
    if let Some(f) = font {
        attrs.push_str(&format!(", fontcolor=\"{f}\""));
    }
    format!("\"{}\" [{attrs}];", n.id)
}

/// Label lines for inside DOT's double quotes: terminal-safe, `\` and `"` escaped (so
/// no `\N`, `\G` or `\l` of a name is read as Graphviz's), lines joined by `\n`.
fn dot_text(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| dot_escape(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

pub(super) fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal_safe(s).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Name tag can hold anything; these are what each syntax gives a meaning to.
    const HOSTILE: &str =
        "evil\"] --> x[\"pwn\nend\n}; node [shape=x] \\N \\l #quot; <b>|`%%\u{1b}[31m\u{202e}";

    #[test]
    fn mermaid_escape_leaves_nothing_mermaid_reads() {
        let e = mermaid_escape(HOSTILE);
        for bad in ['"', '<', '>', '|', '`', '\\', '\n', '\u{1b}', '\u{202e}'] {
            assert!(!e.contains(bad), "{bad:?} in {e}");
        }
        // Every `#` starts an entity code, so none in the name is read as one.
        let mut rest = e.as_str();
        while let Some(i) = rest.find('#') {
            let tail = &rest[i + 1..];
            let code: String = tail
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            assert!(
                !code.is_empty() && tail[code.len()..].starts_with(';'),
                "{e}"
            );
            rest = &tail[code.len()..];
        }
        assert!(e.contains("#quot;") && e.contains("#35;quot;"), "{e}");
    }

    #[test]
    fn dot_escape_leaves_no_bare_quote_or_backslash() {
        let e = dot_escape(HOSTILE);
        // Read back as DOT reads a quoted string: `\` takes the next character.
        let mut chars = e.chars();
        let mut back = String::new();
        while let Some(c) = chars.next() {
            assert_ne!(c, '"', "bare quote in {e}");
            if c == '\\' {
                back.push(chars.next().expect("an escaped character"));
            } else {
                back.push(c);
            }
        }
        assert_eq!(back, terminal_safe(HOSTILE));
        assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn node_ids_are_plain_unique_and_not_keywords() {
        let mut ids = Ids::default();
        let huge = "a".repeat(100_000);
        let made: Vec<String> = [
            ("tgw", "us-east-1", "tgw-0abc"),
            ("tgw", "eu-west-1", "tgw-0abc"),
            ("att", "us-east-1", "end"),
            ("att", "us-east-1", "o-x"),
            ("att", "us-east-1", "o_x"),
            ("rtb", "us-east-1", ""),
            ("rtb", "us-east-1", "tgw-rtb-"),
            ("att", "us-east-1", HOSTILE),
            ("att", "us-east-1", &huge),
            ("att", "us-east-1", &format!("{huge}b")),
        ]
        .iter()
        .map(|(k, r, id)| ids.of(k, r, id))
        .collect();
        let unique: HashSet<&String> = made.iter().collect();
        assert_eq!(unique.len(), made.len(), "{made:?}");
        for id in &made {
            assert!(
                id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{id}"
            );
            assert!(id.len() < 80, "{id}");
            assert!(id.contains('_'), "{id} has its kind prefix");
        }
        assert_eq!(ids.of("tgw", "us-east-1", "tgw-0abc"), "tgw_0abc");
        assert_eq!(made[1], "tgw_0abc_eu_west_1");
    }

    #[test]
    fn wrap_breaks_between_words() {
        assert_eq!(wrap("short"), vec!["short"]);
        let long = "word ".repeat(30);
        let lines = wrap(long.trim());
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WRAP), "{lines:?}");
        assert_eq!(lines.join(" "), long.trim());
    }
}
