//! `export mermaid|dot`, parsed, not read by eye: every DOT output goes through a
//! DOT parser (graphviz-rust's; Graphviz itself is not installed here), every Mermaid
//! output through the strict checker below, and the assertions are on the parsed
//! nodes, clusters and edges: the demo's TGWs in both regions, the peering, the
//! blackhole, the inspection VPC, associations against propagations, a trace's chain,
//! a hostile Name tag, and the batch binary's output being the diagram alone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use graphviz_rust::dot_structures::{Attribute, EdgeTy, Graph, Id, Stmt, Vertex};
use netops::backend::sim::Simulator;
use netops::command::parse_line;
use netops::discovery::{DiscoveryPlan, discover};
use netops::model::{Estate, RegionLoad};
use netops::net::Net;
use netops::net::trace::{Trace, trace};

use super::support::{netops_command, run_with_stdin};

/// What either syntax drew, as parsed.
#[derive(Debug, Default, PartialEq)]
struct Drawn {
    /// Node id → label (line breaks as `\n`, escapes decoded).
    nodes: BTreeMap<String, String>,
    /// Cluster (subgraph) label → the nodes defined in it.
    clusters: BTreeMap<String, Vec<String>>,
    edges: Vec<DrawnEdge>,
}

#[derive(Debug, Clone, PartialEq)]
struct DrawnEdge {
    from: String,
    to: String,
    label: Option<String>,
    kind: LinkKind,
}

/// How an edge is drawn, in words both syntaxes map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Arrow,
    Dotted,
    Line,
    Thick,
    Dashed,
}

impl Drawn {
    /// The one node whose label satisfies `f`.
    fn node(&self, what: &str, f: impl Fn(&str) -> bool) -> &str {
        let found: Vec<&String> = self
            .nodes
            .iter()
            .filter(|(_, l)| f(l))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(found.len(), 1, "{what}: {found:?} in {self:#?}");
        found[0]
    }

    fn label(&self, id: &str) -> &str {
        &self.nodes[id]
    }

    fn edges_between(&self, from: &str, to: &str) -> Vec<&DrawnEdge> {
        self.edges
            .iter()
            .filter(|e| e.from == from && e.to == to)
            .collect()
    }

    fn cluster_of(&self, id: &str) -> Option<&str> {
        self.clusters
            .iter()
            .find(|(_, nodes)| nodes.iter().any(|n| n == id))
            .map(|(label, _)| label.as_str())
    }

    /// Structure only: node ids, cluster membership and edges without labels.
    fn shape(&self) -> (BTreeSet<String>, usize, Vec<(String, String, LinkKind)>) {
        (
            self.nodes.keys().cloned().collect(),
            self.clusters.len(),
            self.edges
                .iter()
                .map(|e| (e.from.clone(), e.to.clone(), e.kind))
                .collect(),
        )
    }
}

// ---------------------------------------------------------------------------------
// DOT, through graphviz-rust's parser (a pest grammar of the DOT language).

fn parse_dot(text: &str) -> Drawn {
    let graph =
        graphviz_rust::parse(text).unwrap_or_else(|e| panic!("not DOT: {e}\n--- text\n{text}"));
    let Graph::DiGraph { stmts, .. } = graph else {
        panic!("not a digraph:\n{text}");
    };
    // A digraph's edges are `->`: an undirected `--` in one would be refused by dot.
    assert!(
        !text.lines().any(|l| l.contains("\" -- \"")),
        "`--` in a digraph:\n{text}"
    );
    let mut drawn = Drawn::default();
    dot_stmts(&stmts, None, &mut drawn);
    for e in &drawn.edges {
        for end in [&e.from, &e.to] {
            assert!(
                drawn.nodes.contains_key(end),
                "edge to undefined node {end}:\n{text}"
            );
        }
    }
    drawn
}

fn dot_stmts(stmts: &[Stmt], cluster: Option<&str>, drawn: &mut Drawn) {
    for stmt in stmts {
        match stmt {
            Stmt::Node(n) => {
                let id = dot_id(&n.id.0);
                let label = attr(&n.attributes, "label").unwrap_or_else(|| id.clone());
                assert!(
                    drawn.nodes.insert(id.clone(), label).is_none(),
                    "node {id} defined twice"
                );
                if let Some(c) = cluster {
                    drawn.clusters.entry(c.to_string()).or_default().push(id);
                }
            }
            Stmt::Subgraph(s) => {
                let name = dot_id(&s.id);
                assert!(name.starts_with("cluster_"), "{name} is not a cluster");
                let label = s
                    .stmts
                    .iter()
                    .find_map(|st| match st {
                        Stmt::Attribute(Attribute(k, v)) if dot_id(k) == "label" => Some(dot_id(v)),
                        _ => None,
                    })
                    .unwrap_or_else(|| panic!("cluster {name} has no label"));
                assert!(
                    drawn.clusters.insert(label.clone(), Vec::new()).is_none(),
                    "two clusters labelled {label}"
                );
                dot_stmts(&s.stmts, Some(&label), drawn);
            }
            Stmt::Edge(e) => {
                let EdgeTy::Pair(Vertex::N(from), Vertex::N(to)) = &e.ty else {
                    panic!("an edge is one pair of nodes: {e:?}");
                };
                let has = |k: &str, v: &str| attr(&e.attributes, k).is_some_and(|x| x == v);
                let kind = if has("dir", "none") {
                    if has("style", "dashed") {
                        LinkKind::Dashed
                    } else if attr(&e.attributes, "penwidth").is_some() {
                        LinkKind::Thick
                    } else {
                        LinkKind::Line
                    }
                } else if has("style", "dotted") {
                    LinkKind::Dotted
                } else {
                    LinkKind::Arrow
                };
                drawn.edges.push(DrawnEdge {
                    from: dot_id(&from.0),
                    to: dot_id(&to.0),
                    label: attr(&e.attributes, "label"),
                    kind,
                });
            }
            Stmt::Attribute(_) | Stmt::GAttribute(_) => {}
        }
    }
}

fn attr(attrs: &[Attribute], key: &str) -> Option<String> {
    attrs
        .iter()
        .find(|Attribute(k, _)| dot_id(k) == key)
        .map(|Attribute(_, v)| dot_id(v))
}

/// An id's text as DOT reads it: a quoted string without its quotes, `\"` and `\\`
/// unescaped and `\n` (a label's line break) a newline.
fn dot_id(id: &Id) -> String {
    match id {
        Id::Plain(s) => s.clone(),
        Id::Escaped(s) => {
            let inner = s
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or_else(|| panic!("unquoted escaped id {s}"));
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => out.push('\n'),
                        Some(x) => out.push(x),
                        None => panic!("a lone backslash ends {s}"),
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        other => panic!("unexpected id {other:?}"),
    }
}

// ---------------------------------------------------------------------------------
// Mermaid: a strict checker of the subset `export mermaid` writes.
//
// No crate on crates.io parses Mermaid strictly: `mermaid-text` (maintained, a
// renderer to text) splits statements on `;`, so it would cut Mermaid's own `#quot;`
// entity codes in half, and it skips lines it does not understand rather than refuse
// them; `mermaid-parser` parses class diagrams only. So this checker is written here,
// from Mermaid's flowchart grammar, for exactly the subset the exporter writes, and
// refuses anything else. It is not Mermaid: it proves the output stays inside that
// subset (one statement per line, quoted labels with only entity codes and `<br/>`,
// ids that are plain words and no keyword, balanced subgraphs, edges and classes
// between defined nodes), not that mermaid.js renders it.

/// Mermaid keywords a node id must not be (and ids led by `o`/`x`, which an edge can
/// read as its circle or cross end).
const MERMAID_KEYWORDS: [&str; 10] = [
    "end",
    "subgraph",
    "graph",
    "flowchart",
    "style",
    "class",
    "classDef",
    "click",
    "linkStyle",
    "direction",
];

fn check_mermaid(text: &str) -> Result<Drawn, String> {
    let mut lines = text.lines();
    match lines.next() {
        Some("flowchart LR" | "flowchart TD") => {}
        other => return Err(format!("first line is not a flowchart header: {other:?}")),
    }
    if !text.ends_with('\n') || text.ends_with("\n\n") {
        return Err("the text ends with exactly one newline".into());
    }
    let mut drawn = Drawn::default();
    let mut stack: Vec<String> = Vec::new();
    let mut subgraph_ids = BTreeSet::new();
    let mut class_defs = BTreeSet::new();
    let mut class_uses: Vec<(Vec<String>, String)> = Vec::new();
    for (n, raw) in lines.enumerate() {
        let n = n + 2;
        let line = raw.trim_start_matches(' ');
        let indent = raw.len() - line.len();
        let err = |why: &str| format!("line {n}: {why}: {raw}");
        if line.is_empty() || line != line.trim_end() {
            return Err(err("blank line or trailing space"));
        }
        let depth = stack.len() + usize::from(line != "end");
        if indent != 2 * depth.max(1) {
            return Err(err(&format!("indented {indent}, expected {}", 2 * depth)));
        }
        if line == "end" {
            stack.pop().ok_or_else(|| err("`end` closes no subgraph"))?;
        } else if let Some(rest) = line.strip_prefix("subgraph ") {
            let (id, shape, label) = node_def(rest).map_err(|e| err(&e))?;
            if shape != "[" {
                return Err(err("a subgraph's label is in [\"…\"]"));
            }
            if !subgraph_ids.insert(id.clone()) || drawn.nodes.contains_key(&id) {
                return Err(err("subgraph id used twice"));
            }
            if drawn.clusters.insert(label.clone(), Vec::new()).is_some() {
                return Err(err("two subgraphs with one label"));
            }
            stack.push(label);
        } else if let Some(rest) = line.strip_prefix("classDef ") {
            let (name, style) = rest
                .split_once(' ')
                .ok_or_else(|| err("classDef NAME STYLE"))?;
            plain_id(name).map_err(|e| err(&e))?;
            let ok = style.split(',').all(|kv| {
                kv.split_once(':').is_some_and(|(k, v)| {
                    !k.is_empty()
                        && k.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                        && !v.is_empty()
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "# .".contains(c))
                })
            });
            if !ok {
                return Err(err("a style is key:value pairs"));
            }
            class_defs.insert(name.to_string());
        } else if let Some(rest) = line.strip_prefix("class ") {
            let (ids, name) = rest.split_once(' ').ok_or_else(|| err("class IDS NAME"))?;
            let ids: Vec<String> = ids.split(',').map(str::to_string).collect();
            for id in &ids {
                plain_id(id).map_err(|e| err(&e))?;
            }
            class_uses.push((ids, name.to_string()));
        } else if let Some(edge) = mermaid_edge(line).map_err(|e| err(&e))? {
            drawn.edges.push(edge);
        } else {
            let (id, _, label) = node_def(line).map_err(|e| err(&e))?;
            if subgraph_ids.contains(&id) || drawn.nodes.insert(id.clone(), label).is_some() {
                return Err(err("node defined twice"));
            }
            if let Some(c) = stack.last() {
                drawn.clusters.entry(c.clone()).or_default().push(id);
            }
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed subgraphs: {stack:?}"));
    }
    for e in &drawn.edges {
        for end in [&e.from, &e.to] {
            if !drawn.nodes.contains_key(end) {
                return Err(format!("edge to undefined node {end}"));
            }
        }
    }
    for (ids, name) in class_uses {
        if !class_defs.contains(&name) {
            return Err(format!("class {name} has no classDef"));
        }
        if let Some(id) = ids.iter().find(|id| !drawn.nodes.contains_key(*id)) {
            return Err(format!("class on undefined node {id}"));
        }
    }
    Ok(drawn)
}

fn plain_id(id: &str) -> Result<(), String> {
    let mut chars = id.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() && c != 'o' && c != 'x')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok || MERMAID_KEYWORDS.contains(&id) {
        return Err(format!("`{id}` is not a plain node id"));
    }
    Ok(())
}

/// `ID` + a shape holding a quoted label: `[ ]`, `( )`, `{{ }}`, `([ ])`. Answers
/// (id, opener, decoded label).
fn node_def(s: &str) -> Result<(String, &'static str, String), String> {
    let at = s
        .find(['[', '(', '{'])
        .ok_or_else(|| "not a node".to_string())?;
    let (id, rest) = s.split_at(at);
    plain_id(id)?;
    for (open, close) in [("([", "])"), ("{{", "}}"), ("[", "]"), ("(", ")")] {
        if let Some(inner) = rest.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            let label = quoted_label(inner)?;
            return Ok((id.to_string(), open, label));
        }
    }
    Err("unknown shape".into())
}

/// `"…"` with no quote inside, `<` only in `<br/>`, `#` only in an entity code, no
/// control character; decoded.
fn quoted_label(s: &str) -> Result<String, String> {
    let inner = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .ok_or_else(|| format!("label not quoted: {s}"))?;
    if inner.contains('"') {
        return Err(format!("quote inside a label: {s}"));
    }
    if inner.chars().any(char::is_control) {
        return Err(format!("control character in a label: {s:?}"));
    }
    let mut out = String::new();
    let mut rest = inner;
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("<br/>") {
            out.push('\n');
            rest = r;
        } else if c == '#' {
            let end = rest
                .find(';')
                .ok_or_else(|| format!("`#` without entity: {s}"))?;
            out.push(match &rest[1..end] {
                "quot" => '"',
                "35" => '#',
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "124" => '|',
                "96" => '`',
                "92" => '\\',
                other => return Err(format!("unknown entity #{other}; in {s}")),
            });
            rest = &rest[end + 1..];
        } else if "<>|`\\".contains(c) {
            return Err(format!("bare {c:?} in a label: {s}"));
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// `ID LINK ID` or `ID LINK|"label"| ID`; `None` when the line is not an edge.
fn mermaid_edge(line: &str) -> Result<Option<DrawnEdge>, String> {
    let Some((from, rest)) = line.split_once(' ') else {
        return Ok(None);
    };
    let links = [
        ("-.->", LinkKind::Dotted),
        ("-->", LinkKind::Arrow),
        ("---", LinkKind::Line),
        ("===", LinkKind::Thick),
        ("-.-", LinkKind::Dashed),
    ];
    let Some((link, kind)) = links.iter().find(|(l, _)| rest.starts_with(l)) else {
        return Ok(None);
    };
    plain_id(from)?;
    let rest = &rest[link.len()..];
    let (label, to) = if let Some(r) = rest.strip_prefix('|') {
        let end = r
            .rfind("| ")
            .ok_or_else(|| "edge label not closed".to_string())?;
        (Some(quoted_label(&r[..end])?), &r[end + 2..])
    } else {
        (
            None,
            rest.strip_prefix(' ')
                .ok_or_else(|| "space after the link".to_string())?,
        )
    };
    plain_id(to)?;
    Ok(Some(DrawnEdge {
        from: from.to_string(),
        to: to.to_string(),
        label,
        kind: *kind,
    }))
}

// ---------------------------------------------------------------------------------
// The estate and the command.

async fn demo() -> Estate {
    let sim = Arc::new(Simulator::demo().expect("demo"));
    discover(
        sim,
        DiscoveryPlan {
            regions: vec!["us-east-1".into()],
            follow_peers: true,
            concurrency: 4,
        },
    )
    .await
}

/// The diagram text `line` exports, checked to be the JSON document's text too.
fn export(estate: &Estate, line: &str) -> String {
    let cmd = parse_line(line).expect("parses").expect("a command");
    let out = netops::query::run(estate, &cmd).unwrap_or_else(|e| panic!("{line}: {e}"));
    let text = out.to_text();
    let doc = out.to_json();
    assert_eq!(doc["command"], line);
    assert_eq!(
        doc["text"],
        text.as_str(),
        "the JSON text is the printed text"
    );
    assert_eq!(
        doc["format"],
        if line.starts_with("export dot") {
            "dot"
        } else {
            "mermaid"
        }
    );
    text
}

/// Both syntaxes of one export, parsed.
fn both(estate: &Estate, args: &str) -> [(&'static str, Drawn); 2] {
    let dot = export(estate, &format!("export dot{args}"));
    let mermaid = export(estate, &format!("export mermaid{args}"));
    [
        ("dot", parse_dot(&dot)),
        (
            "mermaid",
            check_mermaid(&mermaid).unwrap_or_else(|e| panic!("{e}\n--- text\n{mermaid}")),
        ),
    ]
}

fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

// ---------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn export_draws_the_demo_topology_in_both_syntaxes() {
    let estate = demo().await;
    let [(_, dot), (_, mermaid)] = both(&estate, "");
    // The two syntaxes draw the same diagram.
    assert_eq!(dot, mermaid);
    let g = &dot;
    assert_eq!(
        g.clusters.keys().collect::<Vec<_>>(),
        ["eu-west-1", "us-east-1"]
    );
    // Both TGWs, each in its region.
    let use1 = g.node("hub-use1", |l| l.starts_with("TGW hub-use1\n"));
    let euw1 = g.node("hub-euw1", |l| l.starts_with("TGW hub-euw1\n"));
    assert!(g.label(use1).contains("tgw-0e1a2b3c4d5e6f701 · ASN 64512"));
    assert!(g.label(euw1).contains("tgw-0f9e8d7c6b5a4f301 · ASN 64513"));
    assert_eq!(g.cluster_of(use1), Some("us-east-1"));
    assert_eq!(g.cluster_of(euw1), Some("eu-west-1"));
    // The peering, between the two TGWs, dashed: it waits for acceptance.
    let peering = g.edges_between(use1, euw1);
    assert_eq!(peering.len(), 1, "{g:#?}");
    assert_eq!(peering[0].kind, LinkKind::Dashed);
    assert_eq!(
        peering[0].label.as_deref().map(one_line).as_deref(),
        Some("peering use1-to-euw1: pendingAcceptance tgw-attach-0e1a2b3c4d5e6f7a1")
    );
    // Route tables with their route counts; the blackhole hangs off post-inspection.
    let post = g.node("post-inspection", |l| {
        l.starts_with("route table post-inspection\n")
    });
    assert!(
        g.label(post).ends_with("\n3 routes, 1 blackhole"),
        "{}",
        g.label(post)
    );
    let spoke_rt = g.node("spoke table", |l| l.starts_with("route table spoke\n"));
    assert!(g.label(spoke_rt).ends_with("\n1 route"));
    let hole = g.node("blackhole", |l| l == "✗ blackhole 10.2.0.0/16");
    assert_eq!(g.edges_between(post, hole).len(), 1);
    assert_eq!(g.cluster_of(hole), Some("us-east-1"));
    assert_eq!(g.edges_between(use1, post)[0].kind, LinkKind::Line);
    // VPC attachments: name, id, CIDRs; the inspection VPC marked, spokes not.
    let inspection = g.node("inspection VPC", |l| l.starts_with("VPC inspection\n"));
    assert!(
        g.label(inspection)
            .contains("vpc-0e1a2b3c4d5e6f731 · 10.100.0.0/22")
            && g.label(inspection)
                .contains("inspection: network firewall inspection-firewall"),
        "{}",
        g.label(inspection)
    );
    let spoke_a = g.node("spoke-a", |l| l.starts_with("VPC spoke-a\n"));
    assert!(g.label(spoke_a).contains("10.0.0.0/16"));
    assert!(!g.label(spoke_a).contains("inspection"));
    let workload = g.node("workload-euw1", |l| l.starts_with("VPC workload-euw1\n"));
    assert_eq!(g.cluster_of(workload), Some("eu-west-1"));
    // Associations and propagations are told apart.
    let assoc = g.edges_between(spoke_rt, spoke_a);
    assert_eq!(assoc.len(), 1);
    assert_eq!(
        (assoc[0].kind, assoc[0].label.as_deref()),
        (LinkKind::Arrow, Some("associated"))
    );
    let prop = g.edges_between(post, spoke_a);
    assert_eq!(prop.len(), 1);
    assert_eq!(
        (prop[0].kind, prop[0].label.as_deref()),
        (LinkKind::Dotted, Some("propagates"))
    );
    assert_eq!(
        g.edges_between(post, inspection)[0].label.as_deref(),
        Some("associated")
    );
    // Counts: 2 TGWs, 3 route tables, 4 VPC attachments (the peering is an edge).
    let count = |p: &str| g.nodes.values().filter(|l| l.starts_with(p)).count();
    assert_eq!(
        (count("TGW "), count("route table "), count("VPC ")),
        (2, 3, 4)
    );
}

#[tokio::test]
async fn export_of_one_region_draws_the_far_tgw_as_a_stub() {
    let estate = demo().await;
    for (syntax, g) in both(&estate, " --region eu-west-1") {
        assert_eq!(
            g.clusters.keys().collect::<Vec<_>>(),
            ["eu-west-1"],
            "{syntax}"
        );
        let use1 = g.node("stub", |l| l.starts_with("TGW hub-use1\n"));
        assert_eq!(g.cluster_of(use1), None, "{syntax}");
        assert!(
            g.label(use1).ends_with("in us-east-1 (not drawn)"),
            "{syntax}"
        );
        let euw1 = g.node("hub-euw1", |l| l.starts_with("TGW hub-euw1\n"));
        assert_eq!(g.edges_between(use1, euw1).len(), 1, "{syntax}");
        assert!(!g.nodes.values().any(|l| l.contains("spoke-a")), "{syntax}");
    }
    let cmd = parse_line("export mermaid --region ap-south-1")
        .expect("ok")
        .expect("some");
    let e = netops::query::run(&estate, &cmd).expect_err("not loaded");
    assert!(
        e.message.contains("ap-south-1") && e.message.contains("eu-west-1, us-east-1"),
        "{e}"
    );
}

/// Follows one direction's chain from its first hop: each edge carries the hop's
/// decision, each node names the hop's object, and the verdict ends it. Answers the
/// verdict's node.
fn assert_chain(
    g: &Drawn,
    syntax: &str,
    cluster: &str,
    hops: &[netops::net::trace::Hop],
    verdict: &str,
) -> String {
    let members = &g.clusters[cluster];
    let mut at = g
        .node("first hop", |l| {
            l.starts_with(&format!("1. {}\n", hops[0].kind.as_str())) && {
                members.iter().any(|m| g.nodes[m] == l)
            }
        })
        .to_string();
    for (i, hop) in hops.iter().enumerate() {
        assert!(
            g.label(&at)
                .starts_with(&format!("{}. {}\n{}", i + 1, hop.kind.as_str(), hop.id)),
            "{syntax} hop {}: {}",
            i + 1,
            g.label(&at)
        );
        assert!(members.contains(&at), "{syntax}: {at} outside {cluster}");
        let out: Vec<&DrawnEdge> = g.edges.iter().filter(|e| e.from == at).collect();
        assert_eq!(out.len(), 1, "{syntax}: one way on from {at}");
        assert_eq!(out[0].kind, LinkKind::Arrow);
        assert_eq!(
            out[0].label.as_deref().map(one_line).as_deref(),
            Some(hop.decision.as_str()),
            "{syntax} hop {}",
            i + 1
        );
        at = out[0].to.clone();
    }
    assert_eq!(one_line(g.label(&at)), verdict, "{syntax}");
    at
}

#[tokio::test]
async fn export_trace_draws_the_hops_in_order_then_the_return_path() {
    let estate = demo().await;
    let args = " --trace i-0e1a2b3c4d5e6f7d1 internet --sni www.amazon.com";
    let cmd = parse_line(&format!("trace{}", &args[" --trace".len()..]))
        .expect("ok")
        .expect("some");
    let query = netops::command::trace_query(&cmd).expect("query");
    let t: Trace = trace(&Net::new(&estate), &query).expect("traces");
    let back = t.return_verdict.as_ref().expect("something comes back");
    assert!(t.hops.len() > 5 && !t.return_hops.is_empty());
    for (syntax, g) in both(&estate, args) {
        let forward = g
            .clusters
            .keys()
            .find(|k| k.starts_with("forward: tcp 10.0.0.10 → internet"))
            .unwrap_or_else(|| panic!("{syntax}: no forward cluster: {g:#?}"))
            .clone();
        assert!(
            forward.ends_with("port 443 sni www.amazon.com"),
            "{forward}"
        );
        let end = assert_chain(
            &g,
            syntax,
            &forward,
            &t.hops,
            &format!("✓ {}", t.verdict.summary()),
        );
        // The reply leads from the forward verdict into the return path.
        let reply: Vec<&DrawnEdge> = g.edges.iter().filter(|e| e.from == end).collect();
        assert_eq!(reply.len(), 1, "{syntax}");
        assert_eq!(
            (reply[0].kind, reply[0].label.as_deref()),
            (LinkKind::Dotted, Some("reply"))
        );
        let ret_end = assert_chain(
            &g,
            syntax,
            "return path",
            &t.return_hops,
            &format!("✓ {}", back.summary()),
        );
        assert!(g.edges.iter().all(|e| e.from != ret_end), "{syntax}");
        assert_eq!(
            g.nodes.len(),
            t.hops.len() + t.return_hops.len() + 2,
            "{syntax}"
        );
    }
    // A trace that is dropped ends at a ✗ verdict, with no return path.
    let dropped = trace(
        &Net::new(&estate),
        &netops::command::trace_query(
            &parse_line("trace i-0e1a2b3c4d5e6f7d1 internet")
                .expect("ok")
                .expect("some"),
        )
        .expect("query"),
    )
    .expect("traces");
    for (syntax, g) in both(&estate, " --trace i-0e1a2b3c4d5e6f7d1 internet") {
        assert_eq!(g.clusters.len(), 1, "{syntax}");
        let forward = g.clusters.keys().next().expect("forward").clone();
        assert_chain(
            &g,
            syntax,
            &forward,
            &dropped.hops,
            &format!("✗ {}", dropped.verdict.summary()),
        );
    }
    // A trace that cannot start is the command's error.
    let cmd = parse_line("export dot --trace i-0nope internet")
        .expect("ok")
        .expect("some");
    let e = netops::query::run(&estate, &cmd).expect_err("no such instance");
    assert!(e.message.contains("i-0nope"), "{e}");
}

/// Every scenario's topology parses in both syntaxes, the two drawing the same
/// thing, with every TGW and route table of the estate in it.
#[tokio::test]
async fn every_scenario_exports_in_both_syntaxes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "{paths:?}");
    for path in paths {
        let scenario = netops::backend::sim::scenario::Scenario::load(&path).expect("scenario");
        let sim = Arc::new(Simulator::from_scenario(scenario).expect("loads"));
        let estate = discover(
            sim,
            DiscoveryPlan {
                regions: vec!["us-east-1".into()],
                follow_peers: true,
                concurrency: 4,
            },
        )
        .await;
        let [(_, dot), (_, mermaid)] = both(&estate, "");
        assert_eq!(dot, mermaid, "{}", path.display());
        let tgws = estate.loaded().map(|r| r.tgws.len()).sum::<usize>();
        let tables = estate
            .loaded()
            .map(|r| r.tgw_route_tables.len())
            .sum::<usize>();
        let count = |p: &str| dot.nodes.values().filter(|l| l.starts_with(p)).count();
        assert_eq!(
            (count("TGW "), count("route table ")),
            (tgws, tables),
            "{}",
            path.display()
        );
    }
}

/// Names come from AWS tags and can hold anything: quotes, brackets, arrows, `end`
/// on its own line, entity codes, HTML, DOT's `\N`, a terminal escape. The diagram
/// keeps its shape (no node, edge or subgraph added or lost) and every label shows
/// the name as written (control characters made visible, as everywhere in netops).
#[tokio::test]
async fn a_hostile_name_tag_cannot_change_the_diagram() {
    const HOSTILE: &str = "x\"] --> end[\"pwned\"]\nend\n} subgraph \"cluster_x\" { \
                           node [label=\"\\N\"]; #quot; #35; <b>bold</b> |a| `tick` \\ %% \
                           \u{1b}[31mred\u{202e}";
    let clean = demo().await;
    let mut hostile = clean.clone();
    for load in hostile.regions.values_mut() {
        let RegionLoad::Loaded { estate: r } = load else {
            continue;
        };
        for t in &mut r.tgws {
            t.name = Some(HOSTILE.into());
        }
        for t in &mut r.tgw_route_tables {
            t.name = Some(HOSTILE.into());
        }
        for v in &mut r.vpcs {
            v.name = Some(HOSTILE.into());
        }
        for p in &mut r.peerings {
            p.name = Some(HOSTILE.into());
        }
        for f in &mut r.firewalls {
            f.name = HOSTILE.into();
        }
    }
    let shown = one_line(&netops::text::terminal_safe(HOSTILE));
    for args in ["", " --region us-east-1"] {
        let [(_, clean_dot), (_, clean_mermaid)] = both(&clean, args);
        let [(_, dot), (_, mermaid)] = both(&hostile, args);
        for (syntax, before, after) in [
            ("dot", &clean_dot, &dot),
            ("mermaid", &clean_mermaid, &mermaid),
        ] {
            assert_eq!(before.shape(), after.shape(), "{syntax}{args}");
            let tgw = after.node("a TGW", |l| l.contains("ASN 64512"));
            assert!(
                one_line(after.label(tgw)).starts_with(&format!("TGW {shown} ")),
                "{syntax}: {}",
                after.label(tgw)
            );
            let named = after
                .nodes
                .values()
                .filter(|l| one_line(l).contains(&shown))
                .count();
            // 2 TGWs, 3 route tables, 4 VPCs (the inspection one twice: its own
            // name and its firewall's), or us-east-1's share and the stub.
            assert!(named >= 5, "{syntax}{args}: {named}");
            assert!(
                after.edges.iter().any(|e| e
                    .label
                    .as_deref()
                    .is_some_and(|l| one_line(l).contains(&shown))),
                "{syntax}{args}: the peering's label"
            );
        }
        assert_eq!(dot, mermaid, "{args}");
    }
}

// ---------------------------------------------------------------------------------
// The binary, as a user runs it.

fn batch(home: &std::path::Path, args: &[&str], script: &str) -> super::support::Run {
    let mut cmd = netops_command(home);
    cmd.arg("--demo")
        .arg("--log-file")
        .arg(home.join("netops.log"))
        .arg("--audit-log")
        .arg(home.join("audit.jsonl"))
        .args(["--batch", "-"])
        .args(args);
    run_with_stdin(cmd, script)
}

#[test]
fn cli_export_prints_the_diagram_alone() {
    let home = tempfile::tempdir().expect("tempdir");
    for format in ["mermaid", "dot"] {
        let line = format!("export {format}\n");
        let text = batch(home.path(), &[], &line);
        assert_eq!(text.code, 0, "{text:?}");
        assert!(text.stderr.is_empty(), "{text:?}");
        let json = batch(home.path(), &["--output", "json"], &line);
        assert_eq!(json.code, 0, "{json:?}");
        let docs = json.docs();
        assert_eq!(docs.len(), 1, "{json:?}");
        assert_eq!(docs[0]["command"], format!("export {format}"));
        assert_eq!(docs[0]["format"], format);
        // What `> estate.mmd` would hold is exactly the diagram the JSON carries.
        assert_eq!(docs[0]["text"], text.stdout.as_str());
        let g = if format == "dot" {
            parse_dot(&text.stdout)
        } else {
            check_mermaid(&text.stdout).unwrap_or_else(|e| panic!("{e}\n{}", text.stdout))
        };
        assert_eq!(g.clusters.len(), 2, "{format}");
        g.node("blackhole", |l| l == "✗ blackhole 10.2.0.0/16");
    }
    // A trace, and a region that is not loaded.
    let r = batch(
        home.path(),
        &[],
        "export mermaid --trace i-0e1a2b3c4d5e6f7d1 internet --sni www.amazon.com\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    let g = check_mermaid(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.stdout));
    assert_eq!(g.clusters.len(), 2, "{r:?}");
    let r = batch(home.path(), &[], "export dot --region ap-south-1\n");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr.contains("region `ap-south-1` is not loaded"),
        "{r:?}"
    );
}

/// `:export mermaid` in the console shows the diagram in the output popup, as any
/// read command's output.
#[tokio::test]
async fn console_export_shows_the_diagram_in_the_output_popup() {
    let mut h = super::tui_screens::demo(120, 40).await;
    h.keys(":export mermaid<Enter>").await;
    let screen = h.render();
    assert!(screen.contains(":export mermaid"), "{screen}");
    assert!(screen.contains("flowchart LR"), "{screen}");
    assert!(
        screen.contains("subgraph region_eu_west_1[\"eu-west-1\"]"),
        "{screen}"
    );
}

/// The checkers refuse what a renderer would misread: a checker that passed
/// everything would prove nothing above.
#[test]
fn the_checkers_refuse_broken_diagrams() {
    let ok = "flowchart LR\n  subgraph g[\"G\"]\n    a_1[\"A #quot;x#quot;<br/>two\"]\n  end\n  b_1(\"B\")\n  a_1 -->|\"to\"| b_1\n";
    let g = check_mermaid(ok).expect("valid");
    assert_eq!(g.nodes["a_1"], "A \"x\"\ntwo");
    assert_eq!(g.clusters["G"], ["a_1"]);
    for (bad, why) in [
        (ok.replace("#quot;x#quot;", "\"x\""), "quote inside"),
        (ok.replace("<br/>", "<b>"), "bare"),
        (ok.replace("two", "t\\nwo"), "bare"),
        (ok.replace("#quot;x", "#x"), "unknown entity"),
        (format!("{ok}  subgraph h[\"H\"]\n"), "unclosed"),
        (ok.replace("  end\n", ""), "indented"),
        (ok.replace("-->|\"to\"| b_1", "--> c_1"), "undefined node"),
        (ok.replace("a_1", "end"), "plain node id"),
        (ok.replace("a_1", "o_1"), "plain node id"),
        (ok.replace("a_1", "a-1"), "plain node id"),
        (ok.replace("(\"B\")", "(B)"), "not quoted"),
        (ok.replace("flowchart LR", "graph LR"), "header"),
        (format!("{ok}  end\n"), "closes no subgraph"),
        (format!("{ok}  b_1(\"again\")\n"), "twice"),
        (format!("{ok}  class a_1 nope\n"), "no classDef"),
        (format!("{ok}\n"), "one newline"),
    ] {
        let e = check_mermaid(&bad).expect_err(why);
        assert!(e.contains(why), "{why}: {e}\n{bad}");
    }
    assert!(graphviz_rust::parse("digraph g { \"a\" [label=\"x\"]; }").is_ok());
    for bad in [
        "digraph g { \"a\" [label=\"x\"y\"]; }",
        "digraph g { \"a\" [label=\"x]; }",
        "digraph g { subgraph \"cluster_x\" { \"a\"; }",
        "digraph g { \"a\" -> ; }",
    ] {
        assert!(graphviz_rust::parse(bad).is_err(), "{bad}");
    }
}
