//! Read commands over a loaded [`Estate`]: pure functions from (estate, command) to an
//! [`Output`] that renders both as an aligned text table and as one JSON document.
//! `--batch` and the TUI's `:` prompt both call [`run`] (or [`run_with`], with an index
//! they keep per data version). Network facts (which table a subnet uses, where a
//! target leads, lookups by id) come from [`crate::net`]; this module only lays them out.

mod export;
pub mod find;
mod firewall;

use serde::Serialize;
use serde_json::{Value, json};

use crate::command::Command;
use crate::model::{
    Estate, Peering, RegionEstate, RegionLoad, RouteTarget, TgwAttachment, TgwRoute,
};
use crate::net::Net;
use crate::net::audit;
use crate::net::targets::{self, Scan};
use crate::net::trace;

pub use crate::output::{Output, Section};

pub use crate::error::CommandError;

/// `CommandError`s that name what the estate holds.
impl CommandError {
    pub(crate) fn not_found(what: &str, id: &str, estate: &Estate) -> Self {
        // Only regions that loaded were searched; the others are named apart.
        let regions: Vec<&str> = estate.loaded().map(|r| r.region.as_str()).collect();
        let failed: Vec<&str> = estate.failed().map(|(r, _)| r).collect();
        let mut message = format!(
            "{what} {} not found in the loaded regions ({})",
            crate::text::quote(id),
            if regions.is_empty() {
                "none".to_string()
            } else {
                regions.join(", ")
            }
        );
        if failed.is_empty() {
            message.push_str("; check the id, or add its region with --regions");
        } else {
            message.push_str(&format!(
                "; {} could not be read, it may be there",
                failed.join(", ")
            ));
        }
        Self {
            kind: crate::error::ErrorKind::NotFound,
            message,
        }
    }
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn opt(s: Option<&str>) -> String {
    s.unwrap_or("-").to_string()
}

/// Runs a read command against an estate.
///
/// # Errors
/// [`CommandError`] when an id names nothing in the loaded regions.
pub fn run(estate: &Estate, cmd: &Command) -> Result<Output, CommandError> {
    run_with(&Net::new(estate), cmd)
}

/// Runs a read command with an index built for this version of the estate (the
/// console keeps one; building it per command costs a pass over the estate).
///
/// # Errors
/// [`CommandError`] when an id names nothing in the loaded regions.
pub fn run_with(net: &Net<'_>, cmd: &Command) -> Result<Output, CommandError> {
    let estate = net.estate();
    let command = cmd.to_line();
    let (sections, json) = match cmd {
        Command::Tgws => tgws(net),
        Command::RouteTables { tgw } => route_tables(net, tgw.as_deref())?,
        Command::Routes { route_table } => routes(net, route_table)?,
        Command::Attachments { tgw } => attachments(net, tgw.as_deref())?,
        Command::Peerings => peerings(net),
        Command::Vpcs => vpcs(net),
        Command::NatGateways => nat_gateways(estate),
        Command::Show { id } => show(net, id)?,
        Command::Find { what } => find::find(net, what)?,
        Command::Regions => regions(estate),
        Command::Trace { .. } => {
            let query = crate::command::trace_query(cmd).ok_or_else(|| {
                CommandError::new(crate::error::ErrorKind::InvalidInput, "not a trace")
            })?;
            let t = trace::trace(net, &query).map_err(|e| CommandError {
                kind: crate::error::ErrorKind::InvalidInput,
                message: e.0,
            })?;
            trace_output(&t)
        }
        Command::Audit { fail_on } => {
            let found = audit::audit(net);
            let failed_check = found.iter().any(|f| f.severity >= fail_on.severity());
            let (sections, json) = audit_output(net, &found, fail_on.severity());
            return Ok(Output {
                command,
                sections,
                json,
                failed_check,
            });
        }
        Command::Snapshot(crate::command::SnapshotCommand::Save { dir }) => {
            snapshot_save(estate, dir)?
        }
        Command::Export {
            format,
            region,
            trace: ends,
            ..
        } => {
            let diagram = match ends {
                Some(_) => {
                    let query = crate::command::trace_query(cmd).ok_or_else(|| {
                        CommandError::new(
                            crate::error::ErrorKind::InvalidInput,
                            "--trace takes two values: FROM TO",
                        )
                    })?;
                    let t = trace::trace(net, &query).map_err(|e| CommandError {
                        kind: crate::error::ErrorKind::InvalidInput,
                        message: e.0,
                    })?;
                    export::trace_diagram(&t)
                }
                None => export::topology(net, region.as_deref())?,
            };
            export::output(&diagram, *format)
        }
        Command::Diff { a, b, .. } => {
            let (before, after) = diff_snapshots(a, b.as_deref())?;
            return crate::ops::diff::run(&before, after.as_ref().unwrap_or(estate), cmd);
        }
        Command::Fw(crate::command::FwCommand::List) => firewall::list(net),
        Command::Fw(crate::command::FwCommand::Show { name }) => firewall::show(net, name)?,
        Command::Peer(_)
        | Command::Fw(
            crate::command::FwCommand::Disable { .. } | crate::command::FwCommand::Enable { .. },
        )
        | Command::Probe(_)
        | Command::Route { .. }
        | Command::Assoc { .. }
        | Command::Disassoc { .. }
        | Command::Prop { .. }
        | Command::VpcRoute { .. }
        | Command::Attach { .. }
        | Command::AuditLog { .. }
        | Command::Undo => {
            return Err(CommandError {
                kind: crate::error::ErrorKind::InvalidInput,
                message: format!(
                    "`{command}` is not a read command: it runs through the change pipeline (crate::ops) or the probe runner (crate::probe)"
                ),
            });
        }
    };
    Ok(Output {
        command,
        sections,
        json,
        failed_check: false,
    })
}

/// `snapshot save DIR`: the one read command that writes (files, never the
/// network); it runs where queries run, off the console's screen thread.
fn snapshot_save(estate: &Estate, dir: &str) -> Result<(Vec<Section>, Value), CommandError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let saved = crate::snapshot::save(
        estate,
        std::path::Path::new(dir),
        &crate::snapshot::SaveInfo {
            taken_at: crate::journal::rfc3339(now),
            profile: String::new(),
        },
    )?;
    let mut s = Section::new(&["SAVED", "FILES", "REGIONS", "ACCOUNTS"]);
    s.row(vec![
        saved.dir.clone(),
        saved.files.to_string(),
        saved.regions.join(", "),
        saved.accounts.join(", "),
    ]);
    Ok((vec![s], to_value(&saved)))
}

/// `diff A [B]` on the loaded `estate`, as the structured diff (the console's view).
///
/// # Errors
/// Not a diff, or a snapshot that cannot be opened.
pub fn diff_of(
    estate: &Estate,
    cmd: &Command,
) -> Result<crate::ops::diff::EstateDiff, CommandError> {
    let Command::Diff { a, b, .. } = cmd else {
        return Err(CommandError::new(
            crate::error::ErrorKind::InvalidInput,
            format!("`{}` is not a diff", cmd.to_line()),
        ));
    };
    let (before, after) = diff_snapshots(a, b.as_deref())?;
    Ok(crate::ops::diff::diff(
        &before,
        after.as_ref().unwrap_or(estate),
    ))
}

/// The estates `diff A [B]` compares: snapshot A, and snapshot B (`None`: the
/// estate loaded now is the after side).
///
/// # Errors
/// A snapshot that cannot be opened (no capture there, region not told).
fn diff_snapshots(a: &str, b: Option<&str>) -> Result<(Estate, Option<Estate>), CommandError> {
    let open = |dir: &str| {
        crate::snapshot::open(
            std::path::Path::new(dir),
            &crate::snapshot::Hints::default(),
        )
        .map(crate::snapshot::Snapshot::into_estate)
    };
    Ok((open(a)?, b.map(open).transpose()?))
}

fn hop_rows(title: &str, hops: &[trace::Hop]) -> Section {
    let mut s =
        Section::new(&["#", "HOP", "OBJECT", "REGION", "AZ", "DECISION", "RULE"]).titled(title);
    for (i, h) in hops.iter().enumerate() {
        s.row(vec![
            (i + 1).to_string(),
            h.kind.as_str().to_string(),
            match &h.name {
                Some(n) => format!("{} ({n})", h.id),
                None => h.id.clone(),
            },
            h.region.clone(),
            opt(h.az.as_deref()),
            h.decision.clone(),
            h.rule.clone(),
        ]);
    }
    s
}

/// The flow in words: `tcp 10.0.0.10 → internet (203.0.113.80) port 443 sni …`.
fn flow_words(f: &trace::FlowView) -> String {
    format!(
        "{} {} → {}{}{}",
        f.protocol.as_str(),
        f.src,
        if f.to == f.dst.to_string() {
            f.to.clone()
        } else {
            format!("{} ({})", f.to, f.dst)
        },
        f.dst_port
            .map_or_else(String::new, |p| format!(" port {p}")),
        f.sni
            .as_deref()
            .map(|s| format!(" sni {s}"))
            .or_else(|| f.http_host.as_deref().map(|h| format!(" host {h}")))
            .unwrap_or_default()
    )
}

fn trace_output(t: &trace::Trace) -> (Vec<Section>, Value) {
    let what = flow_words(&t.flow);
    let mut sections = vec![hop_rows(&format!("trace {what}"), &t.hops)];
    let mut summary = Section::new(&[]);
    summary.row(vec!["verdict".into(), t.verdict.summary()]);
    summary.row(vec![
        "return".into(),
        t.return_verdict.as_ref().map_or_else(
            || "none (the forward path does not arrive)".into(),
            trace::Verdict::summary,
        ),
    ]);
    summary.row(vec![
        "symmetric".into(),
        if t.return_verdict.is_none() {
            "n/a (nothing comes back)".into()
        } else if t.symmetric {
            if t.firewalls.is_empty() {
                "yes (no firewall on either path)".into()
            } else {
                format!("yes (both directions cross {})", t.firewalls.join(", "))
            }
        } else {
            "NO (asymmetric)".into()
        },
    ]);
    for a in &t.alternatives {
        summary.row(vec![
            format!("if the flow hash picks {}", a.choices.join(", ")),
            a.verdict.summary(),
        ]);
    }
    for n in &t.notes {
        summary.row(vec!["note".into(), n.clone()]);
    }
    if !t.return_hops.is_empty() {
        sections.push(hop_rows("return path", &t.return_hops));
    }
    sections.push(summary);
    let mut json = to_value(t);
    if let Some(o) = json.as_object_mut() {
        o.insert("verdict_text".into(), json!(t.verdict.summary()));
    }
    (sections, json)
}

/// The audit's findings; each names the account that owns what it is about when the
/// estate spans several accounts (the ACCOUNT column; `account` in JSON always, when
/// known).
fn audit_output(
    net: &Net<'_>,
    found: &[crate::net::Finding],
    fail_on: crate::net::Severity,
) -> (Vec<Section>, Value) {
    let owner = |f: &crate::net::Finding| {
        f.objects
            .first()
            .and_then(|o| crate::net::arn::owner(net.estate(), o))
            .or_else(|| {
                // A gap of an account names it.
                f.objects
                    .iter()
                    .find_map(|o| o.id.strip_prefix("account ").map(str::to_string))
            })
    };
    let accounts: Vec<Option<String>> = found.iter().map(owner).collect();
    let many = accounts
        .iter()
        .flatten()
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1;
    let mut columns = vec!["SEVERITY", "KIND", "REGION"];
    if many {
        columns.push("ACCOUNT");
    }
    columns.extend(["FINDING", "FIX"]);
    let mut s = Section::new(&columns).titled(format!(
        "audit: {} finding(s); fails on {} and above",
        found.len(),
        fail_on.as_str()
    ));
    for (f, account) in found.iter().zip(&accounts) {
        let mut row = vec![
            f.severity.as_str().to_string(),
            f.kind.code().to_string(),
            f.region.clone(),
        ];
        if many {
            row.push(opt(account.as_deref()));
        }
        row.extend([f.message(), f.fix().unwrap_or_default()]);
        s.row(row);
    }
    let findings: Vec<Value> = found
        .iter()
        .zip(&accounts)
        .map(|(f, account)| {
            let mut v = to_value(f);
            if let (Some(o), Some(a)) = (v.as_object_mut(), account) {
                o.insert("account".into(), json!(a));
            }
            v
        })
        .collect();
    (
        vec![s],
        json!({ "findings": findings, "fail_on": fail_on.as_str() }),
    )
}

fn tgws(net: &Net<'_>) -> (Vec<Section>, Value) {
    let mut t = Section::new(&[
        "REGION",
        "ID",
        "NAME",
        "ASN",
        "STATE",
        "ASSOC-DEFAULT",
        "PROP-DEFAULT",
        "ROUTE-TABLES",
        "ATTACHMENTS",
    ]);
    let mut items = Vec::new();
    for region in net.regions() {
        for tgw in &region.tgws {
            let tables = net.tgw_route_tables_of(tgw).len();
            let atts = net.tgw_attachments_of(tgw).len();
            t.row(vec![
                tgw.region.clone(),
                tgw.id.clone(),
                opt(tgw.name.as_deref()),
                tgw.asn.to_string(),
                tgw.state.to_string(),
                tgw.default_route_table_association.to_string(),
                tgw.default_route_table_propagation.to_string(),
                tables.to_string(),
                atts.to_string(),
            ]);
            items.push(to_value(tgw));
        }
    }
    (vec![t], json!({ "items": items }))
}

fn route_tables(net: &Net<'_>, tgw: Option<&str>) -> Result<(Vec<Section>, Value), CommandError> {
    if let Some(tgw) = tgw
        && net.tgw(tgw).is_none()
    {
        return Err(CommandError::not_found(
            "Transit Gateway",
            tgw,
            net.estate(),
        ));
    }
    let mut t = Section::new(&[
        "REGION",
        "ID",
        "NAME",
        "TGW",
        "ASSOCIATIONS",
        "PROPAGATIONS",
        "ROUTES",
        "BLACKHOLES",
    ]);
    let mut items = Vec::new();
    for region in net.regions() {
        for table in region
            .tgw_route_tables
            .iter()
            .filter(|r| tgw.is_none_or(|t| r.tgw_id == t))
        {
            let blackholes = table
                .routes
                .iter()
                .filter(|r| r.state == crate::model::RouteState::Blackhole)
                .count();
            t.row(vec![
                table.region.clone(),
                table.id.clone(),
                opt(table.name.as_deref()),
                table.tgw_id.clone(),
                table.associations.len().to_string(),
                table.propagations.len().to_string(),
                table.routes.len().to_string(),
                blackholes.to_string(),
            ]);
            items.push(to_value(table));
        }
    }
    Ok((vec![t], json!({ "items": items })))
}

/// What a route target leads to, in words: the VPC's name, the peer's region, a VPN.
/// Resolves without an index (the console's detail pane calls it per visible row);
/// with an index, use [`Net::tgw_target_leads_to`] and [`targets::LeadsTo::describe`].
#[must_use]
pub fn leads_to(estate: &Estate, region: &RegionEstate, target: &RouteTarget) -> String {
    targets::tgw_target_leads_to(&Scan(estate), &region.region, target).describe()
}

#[cfg(test)]
fn leads_to_before_net(estate: &Estate, region: &RegionEstate, target: &RouteTarget) -> String {
    use crate::model::AttachmentKind;
    let att = region
        .attachments
        .iter()
        .find(|a| a.id == target.attachment_id);
    let Some(att) = att else {
        return "attachment gone".to_string();
    };
    let mut text = match att.kind {
        AttachmentKind::Vpc => {
            let vpc_id = att.resource_id.as_deref().unwrap_or("-");
            let name = region
                .vpcs
                .iter()
                .find(|v| v.id == vpc_id)
                .and_then(|v| v.name.clone());
            match name {
                Some(n) => format!("VPC {n} ({vpc_id})"),
                None => format!("VPC {vpc_id}"),
            }
        }
        AttachmentKind::Peering => {
            let peer = region
                .peerings
                .iter()
                .find(|p| p.id == att.id)
                .map(|p| p.other_side(&region.region).clone());
            match peer {
                Some(side) => {
                    let name = estate
                        .region(&side.region)
                        .and_then(|r| r.tgws.iter().find(|t| t.id == side.tgw_id))
                        .and_then(|t| t.name.clone());
                    match name {
                        Some(n) => format!("peer {n} ({}) in {}", side.tgw_id, side.region),
                        None => format!("peer {} in {}", side.tgw_id, side.region),
                    }
                }
                None => format!("peer {}", att.resource_id.as_deref().unwrap_or("-")),
            }
        }
        AttachmentKind::Vpn => format!("VPN {}", att.resource_id.as_deref().unwrap_or("-")),
        AttachmentKind::DirectConnectGateway => {
            format!(
                "Direct Connect gateway {}",
                att.resource_id.as_deref().unwrap_or("-")
            )
        }
        _ => format!("{} {}", att.kind, att.resource_id.as_deref().unwrap_or("-")),
    };
    if !att.state.is_usable() {
        text.push_str(&format!(" [attachment {}]", att.state));
    }
    text
}

fn route_rows(net: &Net<'_>, region: &RegionEstate, routes: &[TgwRoute]) -> Section {
    let mut t = Section::new(&["DESTINATION", "TYPE", "STATE", "TARGET", "LEADS-TO"]);
    for route in routes {
        let (targets, leads): (Vec<String>, Vec<String>) = if route.targets.is_empty() {
            (vec!["-".into()], vec!["(dropped)".into()])
        } else {
            route
                .targets
                .iter()
                .map(|t| {
                    (
                        t.attachment_id.clone(),
                        net.tgw_target_leads_to(&region.region, t).describe(),
                    )
                })
                .unzip()
        };
        t.row(vec![
            route.destination.to_string(),
            if route.derived {
                format!("{} (derived)", route.route_type)
            } else {
                route.route_type.to_string()
            },
            route.state.to_string(),
            targets.join(","),
            leads.join(" | "),
        ]);
    }
    t
}

fn routes(net: &Net<'_>, id: &str) -> Result<(Vec<Section>, Value), CommandError> {
    let (region, table) = net
        .tgw_route_table(id)
        .and_then(|t| Some((net.region(&t.region)?, t)))
        .ok_or_else(|| CommandError::not_found("TGW route table", id, net.estate()))?;
    let section = route_rows(net, region, &table.routes);
    Ok((vec![section], json!({ "items": to_value(&table.routes) })))
}

fn attachments(net: &Net<'_>, tgw: Option<&str>) -> Result<(Vec<Section>, Value), CommandError> {
    if let Some(tgw) = tgw
        && net.tgw(tgw).is_none()
    {
        return Err(CommandError::not_found(
            "Transit Gateway",
            tgw,
            net.estate(),
        ));
    }
    let mut t = Section::new(&[
        "REGION",
        "ID",
        "NAME",
        "KIND",
        "STATE",
        "TGW",
        "RESOURCE",
        "ROUTE-TABLE",
        "APPLIANCE-MODE",
    ]);
    let mut items = Vec::new();
    for region in net.regions() {
        for att in region
            .attachments
            .iter()
            .filter(|a| tgw.is_none_or(|t| a.tgw_id == t))
        {
            t.row(attachment_row(att));
            items.push(to_value(att));
        }
    }
    Ok((vec![t], json!({ "items": items })))
}

fn attachment_row(att: &TgwAttachment) -> Vec<String> {
    vec![
        att.region.clone(),
        att.id.clone(),
        opt(att.name.as_deref()),
        att.kind.to_string(),
        att.state.to_string(),
        att.tgw_id.clone(),
        opt(att.resource_id.as_deref()),
        opt(att.association.as_ref().map(|a| a.route_table_id.as_str())),
        match att.appliance_mode {
            Some(true) => "enable".into(),
            Some(false) => "disable".into(),
            None => "-".into(),
        },
    ]
}

/// Every peering once (by id), preferring the requester's view.
#[must_use]
pub fn unique_peerings<'a>(net: &Net<'a>) -> Vec<&'a Peering> {
    let mut by_id: std::collections::BTreeMap<&str, &Peering> = std::collections::BTreeMap::new();
    for region in net.regions() {
        for p in &region.peerings {
            let entry = by_id.entry(p.id.as_str()).or_insert(p);
            if p.region == p.requester.region {
                *entry = p;
            }
        }
    }
    by_id.into_values().collect()
}

fn peerings(net: &Net<'_>) -> (Vec<Section>, Value) {
    let mut t = Section::new(&["ID", "NAME", "STATE", "REQUESTER", "ACCEPTER", "SEEN-IN"]);
    let mut items = Vec::new();
    for p in unique_peerings(net) {
        let seen: Vec<&str> = net
            .regions()
            .filter(|r| net.peering_in(&r.region, &p.id).is_some())
            .map(|r| r.region.as_str())
            .collect();
        t.row(vec![
            p.id.clone(),
            opt(p.name.as_deref()),
            p.state.to_string(),
            format!(
                "{} {} ({})",
                p.requester.region, p.requester.tgw_id, p.requester.account_id
            ),
            format!(
                "{} {} ({})",
                p.accepter.region, p.accepter.tgw_id, p.accepter.account_id
            ),
            seen.join(","),
        ]);
        let mut v = to_value(p);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("seen_in".into(), json!(seen));
        }
        items.push(v);
    }
    (vec![t], json!({ "items": items }))
}

fn vpcs(net: &Net<'_>) -> (Vec<Section>, Value) {
    let mut t = Section::new(&["REGION", "ID", "NAME", "CIDRS", "SUBNETS", "TGW-ATTACHMENT"]);
    let mut items = Vec::new();
    for region in net.regions() {
        for vpc in &region.vpcs {
            let subnets = net.vpc_subnets(vpc).len();
            let atts = net.vpc_attachments(&region.region, &vpc.id);
            let att = atts.first();
            t.row(vec![
                vpc.region.clone(),
                vpc.id.clone(),
                opt(vpc.name.as_deref()),
                vpc.cidr_blocks
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                subnets.to_string(),
                opt(att.map(|a| a.id.as_str())),
            ]);
            items.push(to_value(vpc));
        }
    }
    (vec![t], json!({ "items": items }))
}

fn nat_gateways(estate: &Estate) -> (Vec<Section>, Value) {
    let mut t = Section::new(&[
        "REGION",
        "ID",
        "NAME",
        "STATE",
        "VPC",
        "SUBNET",
        "PUBLIC-IPS",
    ]);
    let mut items = Vec::new();
    for region in estate.loaded() {
        for nat in &region.nat_gateways {
            t.row(vec![
                nat.region.clone(),
                nat.id.clone(),
                opt(nat.name.as_deref()),
                nat.state.clone(),
                nat.vpc_id.clone(),
                nat.subnet_id.clone(),
                nat.public_ips
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ]);
            items.push(to_value(nat));
        }
    }
    (vec![t], json!({ "items": items }))
}

fn regions(estate: &Estate) -> (Vec<Section>, Value) {
    let mut t = Section::new(&["REGION", "STATUS", "TGWS", "ROUTES", "DETAIL"]);
    let mut items = Vec::new();
    for (name, load) in &estate.regions {
        let (status, tgws, routes, detail) = match load {
            RegionLoad::Loading => ("loading", String::new(), String::new(), String::new()),
            RegionLoad::Loaded { estate } => (
                "loaded",
                estate.tgws.len().to_string(),
                estate.route_count().to_string(),
                estate
                    .gaps
                    .iter()
                    .map(|g| format!("{} unavailable: {}", g.part, g.error))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            RegionLoad::Failed { error } => (
                "failed",
                String::new(),
                String::new(),
                error.message.clone(),
            ),
        };
        t.row(vec![
            name.clone(),
            status.into(),
            tgws,
            routes,
            detail.clone(),
        ]);
        items.push(json!({ "region": name, "status": status, "detail": detail }));
    }
    (vec![t], json!({ "items": items }))
}

/// Key/value rows of any serializable object (for `show`).
fn fields(v: &Value) -> Section {
    let mut t = Section::new(&[]);
    if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            let text = match val {
                Value::Null => "-".to_string(),
                Value::String(s) => s.clone(),
                Value::Array(a) if a.iter().all(|x| !x.is_object()) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map_or_else(|| x.to_string(), ToString::to_string)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::Array(a) => format!("{} entries", a.len()),
                Value::Object(o) => o
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str()
                                .map_or_else(|| v.to_string(), ToString::to_string)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            };
            t.row(vec![k.clone(), text]);
        }
    }
    t
}

fn shown<T: Serialize>(kind: &str, item: &T, extra: Vec<Section>) -> (Vec<Section>, Value) {
    let v = to_value(item);
    let mut sections = vec![fields(&v).titled(kind.replace('_', " "))];
    sections.extend(extra);
    (sections, json!({ "kind": kind, "item": v }))
}

fn show(net: &Net<'_>, id: &str) -> Result<(Vec<Section>, Value), CommandError> {
    // Region by region (name order), kinds in this order: the first match wins, so a
    // peering's attachment id shows the peering.
    for region in net.regions() {
        let r = region.region.as_str();
        if let Some(x) = net.tgw_route_table_in(r, id) {
            let mut links =
                Section::new(&["LINK", "ATTACHMENT", "RESOURCE-TYPE", "RESOURCE", "STATE"])
                    .titled("associations and propagations");
            for (kind, list) in [
                ("association", &x.associations),
                ("propagation", &x.propagations),
            ] {
                for l in list {
                    links.row(vec![
                        kind.into(),
                        l.attachment_id.clone(),
                        l.resource_type
                            .as_ref()
                            .map_or("-".into(), ToString::to_string),
                        opt(l.resource_id.as_deref()),
                        l.state.clone(),
                    ]);
                }
            }
            let routes =
                route_rows(net, region, &x.routes).titled(format!("routes ({})", x.routes.len()));
            return Ok(shown("tgw_route_table", x, vec![links, routes]));
        }
        if let Some(x) = net.tgw_in(r, id) {
            return Ok(shown("transit_gateway", x, vec![]));
        }
        if let Some(x) = net.peering_in(r, id) {
            return Ok(shown("peering", x, vec![]));
        }
        if let Some(x) = net.attachment_in(r, id) {
            let mut subnets = Section::new(&["SUBNET", "AZ", "CIDR", "NAME"]).titled("subnets");
            let wanted: std::collections::HashSet<&str> =
                x.subnet_ids.iter().map(String::as_str).collect();
            for s in region
                .subnets
                .iter()
                .filter(|s| wanted.contains(s.id.as_str()))
            {
                subnets.row(vec![
                    s.id.clone(),
                    s.availability_zone.clone(),
                    s.cidr.map_or("-".into(), |c| c.to_string()),
                    opt(s.name.as_deref()),
                ]);
            }
            let mut tables = Section::new(&["ROUTE-TABLE", "NAME", "LINK"]).titled("route tables");
            let associated = net.associated_route_table(x);
            let propagating = net.propagating_route_tables(x);
            // In the region's table order, association before propagation.
            for t in &region.tgw_route_tables {
                if associated.is_some_and(|a| std::ptr::eq(a, t)) {
                    tables.row(vec![
                        t.id.clone(),
                        opt(t.name.as_deref()),
                        "associated".into(),
                    ]);
                }
                if propagating.iter().any(|p| std::ptr::eq(*p, t)) {
                    tables.row(vec![
                        t.id.clone(),
                        opt(t.name.as_deref()),
                        "propagates".into(),
                    ]);
                }
            }
            return Ok(shown("tgw_attachment", x, vec![subnets, tables]));
        }
        if let Some(x) = net.vpc_in(r, id) {
            let mut subnets =
                Section::new(&["SUBNET", "AZ", "CIDR", "NAME", "ROUTE-TABLE"]).titled("subnets");
            for s in net.vpc_subnets(x) {
                let rt = net.subnet_route_table(s).map(|(t, _)| t);
                subnets.row(vec![
                    s.id.clone(),
                    s.availability_zone.clone(),
                    s.cidr.map_or("-".into(), |c| c.to_string()),
                    opt(s.name.as_deref()),
                    rt.map_or("-".into(), |t| t.id.clone()),
                ]);
            }
            return Ok(shown("vpc", x, vec![subnets]));
        }
        if let Some(x) = net.subnet_in(r, id) {
            return Ok(shown("subnet", x, vec![]));
        }
        if let Some(x) = net.vpc_route_table_in(r, id) {
            let mut routes = Section::new(&["DESTINATION", "TARGET", "STATE"]).titled("routes");
            for r in &x.routes {
                routes.row(vec![
                    r.destination.to_string(),
                    r.target.to_string(),
                    r.state.to_string(),
                ]);
            }
            return Ok(shown("vpc_route_table", x, vec![routes]));
        }
        if let Some(x) = net.nat_gateway_in(r, id) {
            return Ok(shown("nat_gateway", x, vec![]));
        }
        if let Some(x) = net.internet_gateway_in(r, id) {
            return Ok(shown("internet_gateway", x, vec![]));
        }
        if let Some(x) = net.vpc_endpoint_in(r, id) {
            return Ok(shown("vpc_endpoint", x, vec![]));
        }
        if let Some(x) = net.instance_in(r, id) {
            return Ok(shown("instance", x, vec![]));
        }
        if let Some(x) = net.firewall_in(r, id) {
            return Ok(shown("network_firewall", x, vec![]));
        }
        if let Some(x) = net.firewall_policy_in(r, id) {
            return Ok(shown("firewall_policy", x, vec![]));
        }
        if let Some(x) = net.rule_group_in(r, id) {
            return Ok(shown("rule_group", x, vec![]));
        }
        if let Some(x) = net.prefix_list(r, id) {
            let mut entries = Section::new(&["ENTRY"]).titled(match &x.entries {
                Some(e) => format!("entries ({})", e.len()),
                None => "entries: not read (routes to this list are not evaluated)".into(),
            });
            for e in x.entries.iter().flatten() {
                entries.row(vec![e.to_string()]);
            }
            let mut used = Section::new(&["ROUTE-TABLE", "TARGET", "STATE"]).titled("routes to it");
            let to_it = |d: &crate::model::Destination| matches!(d, crate::model::Destination::PrefixList(p) if p == id);
            for t in &region.vpc_route_tables {
                for route in t.routes.iter().filter(|x| to_it(&x.destination)) {
                    used.row(vec![
                        t.id.clone(),
                        route.target.to_string(),
                        route.state.to_string(),
                    ]);
                }
            }
            for t in &region.tgw_route_tables {
                for route in t.routes.iter().filter(|x| to_it(&x.destination)) {
                    let targets: Vec<&str> = route
                        .targets
                        .iter()
                        .map(|t| t.attachment_id.as_str())
                        .collect();
                    used.row(vec![
                        t.id.clone(),
                        opt(Some(&targets.join(","))),
                        route.state.to_string(),
                    ]);
                }
            }
            return Ok(shown("prefix_list", x, vec![entries, used]));
        }
    }
    Err(CommandError::not_found("object", id, net.estate()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::sim::Simulator;
    use crate::command::parse_line;
    use crate::discovery::{DiscoveryPlan, discover};
    use std::sync::Arc;

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

    fn exec(estate: &Estate, line: &str) -> Result<Output, CommandError> {
        run(estate, &parse_line(line).expect("parse").expect("command"))
    }

    #[tokio::test]
    async fn tgws_lists_both_regions_through_the_peering() {
        let estate = demo().await;
        let out = exec(&estate, "tgws").expect("tgws");
        let text = out.to_text();
        assert!(
            text.contains("hub-use1") && text.contains("64512"),
            "{text}"
        );
        assert!(
            text.contains("hub-euw1") && text.contains("64513"),
            "{text}"
        );
        assert_eq!(out.to_json()["items"].as_array().map(Vec::len), Some(2));
    }

    #[tokio::test]
    async fn routes_show_blackhole_and_what_targets_lead_to() {
        let estate = demo().await;
        let out = exec(&estate, "routes tgw-rtb-0e1a2b3c4d5e6f712").expect("routes");
        let text = out.to_text();
        assert!(
            text.contains("10.2.0.0/16") && text.contains("blackhole"),
            "{text}"
        );
        assert!(
            text.contains("VPC spoke-a (vpc-0e1a2b3c4d5e6f732)"),
            "{text}"
        );
        assert!(text.contains("attachment gone"), "{text}");
    }

    #[tokio::test]
    async fn peering_listed_once_seen_in_both_regions() {
        let estate = demo().await;
        let out = exec(&estate, "peerings").expect("peerings");
        let items = out.to_json()["items"].clone();
        assert_eq!(items.as_array().map(Vec::len), Some(1));
        assert_eq!(items[0]["state"], "pendingAcceptance");
        assert_eq!(items[0]["seen_in"], json!(["eu-west-1", "us-east-1"]));
    }

    #[tokio::test]
    async fn unknown_id_names_id_and_regions() {
        let estate = demo().await;
        let err = exec(&estate, "show vpc-nope").expect_err("unknown");
        assert!(err.message.contains("vpc-nope"));
        assert!(
            err.message.contains("us-east-1, eu-west-1")
                || err.message.contains("eu-west-1, us-east-1")
        );
    }

    #[tokio::test]
    async fn leads_to_says_what_it_said_before_the_net_module() {
        let estate = demo().await;
        let net = Net::new(&estate);
        let mut checked = 0;
        for region in estate.loaded() {
            for table in &region.tgw_route_tables {
                for target in table.routes.iter().flat_map(|r| &r.targets) {
                    let before = leads_to_before_net(&estate, region, target);
                    assert_eq!(leads_to(&estate, region, target), before);
                    assert_eq!(
                        net.tgw_target_leads_to(&region.region, target).describe(),
                        before
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 3, "{checked}");
    }

    #[tokio::test]
    async fn show_resolves_every_id_kind() {
        let estate = demo().await;
        for (id, kind) in [
            ("tgw-0e1a2b3c4d5e6f701", "transit_gateway"),
            ("tgw-rtb-0e1a2b3c4d5e6f711", "tgw_route_table"),
            ("tgw-attach-0e1a2b3c4d5e6f721", "tgw_attachment"),
            ("tgw-attach-0e1a2b3c4d5e6f7a1", "peering"),
            ("vpc-0e1a2b3c4d5e6f731", "vpc"),
            ("subnet-0e1a2b3c4d5e6f741", "subnet"),
            ("nat-0e1a2b3c4d5e6f7b1", "nat_gateway"),
            ("rtb-0e1a2b3c4d5e6f789", "vpc_route_table"),
            ("igw-0e1a2b3c4d5e6f7c2", "internet_gateway"),
            ("vpce-0e1a2b3c4d5e6f791", "vpc_endpoint"),
            ("i-0e1a2b3c4d5e6f7d1", "instance"),
            ("egress-policy", "firewall_policy"),
        ] {
            let out = exec(&estate, &format!("show {id}")).expect(id);
            assert_eq!(out.to_json()["kind"], kind, "{id}");
            assert!(
                out.to_json()["item"]["region"].is_string(),
                "{id} carries region"
            );
        }
    }

    #[tokio::test]
    async fn show_a_prefix_list_gives_its_entries_and_the_routes_to_it() {
        let mut estate = demo().await;
        let Some(crate::model::RegionLoad::Loaded { estate: r }) =
            estate.regions.get_mut("us-east-1")
        else {
            panic!("demo");
        };
        r.prefix_lists.push(crate::model::PrefixList {
            id: "pl-0onprem".into(),
            name: Some("onprem".into()),
            entries: Some(vec!["192.168.0.0/16".parse().expect("cidr")]),
            ..crate::model::PrefixList::default()
        });
        r.vpc_route_tables[0].routes.push(crate::model::VpcRoute {
            destination: crate::model::Destination::PrefixList("pl-0onprem".into()),
            target: crate::model::VpcRouteTarget::TransitGateway("tgw-0e1a2b3c4d5e6f701".into()),
            state: crate::model::RouteState::Active,
        });
        let table = r.vpc_route_tables[0].id.clone();
        let out = exec(&estate, "show pl-0onprem").expect("shows");
        assert_eq!(out.to_json()["kind"], "prefix_list");
        let text = out.to_text();
        assert!(text.contains("192.168.0.0/16"), "{text}");
        assert!(
            text.contains(&table) && text.contains("tgw-0e1a2b3c4d5e6f701"),
            "{text}"
        );
    }

    /// A command error never repeats a huge input in full, in text or JSON (issue 16).
    #[tokio::test]
    async fn a_huge_id_is_cut_in_the_command_error() {
        let estate = demo().await;
        let huge = "a".repeat(1_000_000);
        for line in [
            format!("trace i-{huge} internet"),
            format!("trace i-0e1a2b3c4d5e6f7d1 {huge}"),
            format!("show vpc-{huge}"),
            format!("fw show {huge}"),
        ] {
            let e = exec(&estate, &line).expect_err("no such object");
            let text = e.to_string();
            assert!(text.len() < 400, "{} bytes: {}", text.len(), &text[..300]);
            assert!(text.contains("characters)"), "{}", &text[..300]);
            let json = serde_json::to_string(&e).expect("json");
            assert!(json.len() < 500, "{} bytes of JSON", json.len());
        }
    }
}
