//! Changing the network safely: plan → preview → confirm → apply → verify → audit
//! log, one mechanism for the console and `--batch`.
//!
//! Invariants:
//! - A change command becomes a [`ChangePlan`] before anything is sent: the
//!   [`ChangeOp`]s in the regions they run in (accept and reject in the accepter's),
//!   what AWS would refuse ([`crate::plan::check`]), before/after rows, the equivalent
//!   `aws` commands, and the impact on paths ([`impact`] over [`project`]).
//! - Planning is pure (the estate and the command in); applying is
//!   [`exec::Execution`], a state machine over the one effect runtime, which sends
//!   each op once, stops at the first failure and says what was and was not applied,
//!   then re-reads what changed and verifies it.
//! - `peer connect` works out its next step from what it observes
//!   ([`connect::next_step`]), never from a saved step number, so it resumes anywhere;
//!   the one session ([`session::Connect`]) that carries it is driven by the console's
//!   wizard and by `--batch` alike.
//! - Every change sent is one entry of the audit journal ([`crate::journal`]): an
//!   intent line before it is sent, an answer line after, and what the re-read
//!   settled; [`log`] shows it.

pub mod connect;
pub mod diff;
pub mod drive;
pub mod exec;
pub mod firewall;
pub mod impact;
pub mod log;
pub mod project;
pub mod session;

use ipnet::IpNet;
use serde::Serialize;
use serde_json::json;

use crate::backend::{Change, ChangeOp, TgwRouteTarget, VpcTarget};
use crate::command::{
    AttachAction, Command, FwCommand, OnOff, PeerCommand, RouteAction, VpcRouteAction,
};
use crate::error::CommandError;
use crate::error::ErrorKind;
use crate::model::{Destination, RouteType, TgwRouteTable, VpcRouteTable};
use crate::net::Net;
use crate::output::{Output, Section};
use crate::plan::{Level, Problem};

pub use impact::{Impact, ImpactLine, Tone};

/// What planning needs besides the estate.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// A tag unique to this request, put on anything created so that a create whose
    /// outcome is unknown can be found again.
    pub request_tag: String,
    /// Plan EC2 dry runs (`--dry-run`): AWS says whether it would allow them.
    pub dry_run: bool,
    /// Changes applied since netops started that `undo` can reverse, newest last.
    pub undo: Vec<UndoEntry>,
    /// How many changes `undo` has already reversed in this session.
    pub undone: usize,
    /// The baseline of the estate being planned on, when the caller keeps one per
    /// estate version (the impact is then incremental).
    pub baseline: Option<std::sync::Arc<impact::Baseline>>,
}

/// A change that `undo` can reverse: the ops that restore its before-state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoEntry {
    /// The command that made it.
    pub line: String,
    pub inverse: Vec<ChangeOp>,
}

/// One before/after row of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub region: String,
    /// The object that changes (`tgw-rtb-… 10.9.0.0/16`, `tgw-attach-…`).
    pub object: String,
    pub before: String,
    pub after: String,
}

/// A planned change: everything a preview shows and confirmation needs.
#[derive(Debug, Clone, Serialize)]
pub struct ChangePlan {
    /// The command as typed.
    pub line: String,
    /// What this step does, in words ("accept the peering in eu-west-1").
    pub title: String,
    pub ops: Vec<ChangeOp>,
    pub rows: Vec<Row>,
    /// The equivalent AWS CLI commands.
    pub cli: Vec<String>,
    pub problems: Vec<Problem>,
    pub impact: Impact,
    /// Destructive (delete, reject, replacing a target): the console asks to type
    /// this id.
    pub confirm_id: Option<String>,
    /// The ops that restore the before-state (`undo`), when the change is reversible.
    pub inverse: Vec<ChangeOp>,
    /// Regions to re-read after applying besides the ops' own: the other side of a
    /// peering accepted, rejected, deleted or requested (its copy of the peering
    /// changed too), so the next step is planned on both sides as they are.
    pub reread: Vec<String>,
}

impl ChangePlan {
    /// True when AWS would refuse some op (or it contradicts the estate): nothing
    /// may be sent.
    #[must_use]
    pub fn refused(&self) -> bool {
        self.problems.iter().any(|p| p.level == Level::Refused)
    }

    /// The refusals, one sentence.
    #[must_use]
    pub fn refusal(&self) -> Option<String> {
        let msgs: Vec<&str> = self
            .problems
            .iter()
            .filter(|p| p.level == Level::Refused)
            .map(|p| p.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("; "))
    }

    /// True when the user must accept a warning explicitly (lost egress, broken
    /// isolation).
    #[must_use]
    pub fn needs_acceptance(&self) -> bool {
        self.impact.needs_acceptance()
    }

    /// The preview as tables (text) and one JSON document.
    #[must_use]
    pub fn preview(&self) -> Output {
        let mut sections = Vec::new();
        let mut rows = Section::new(&["REGION", "OBJECT", "BEFORE", "AFTER"])
            .titled(format!("plan: {}", self.title));
        for r in &self.rows {
            rows.row(vec![
                r.region.clone(),
                r.object.clone(),
                r.before.clone(),
                r.after.clone(),
            ]);
        }
        sections.push(rows);
        let mut cli = Section::new(&[]).titled("aws cli:");
        for c in &self.cli {
            cli.row(vec![format!("  {c}")]);
        }
        sections.push(cli);
        if !self.problems.is_empty() {
            let mut p = Section::new(&[]).titled("checks:");
            for problem in &self.problems {
                let level = match problem.level {
                    Level::Refused => "refused",
                    Level::Warning => "warning",
                };
                p.row(vec![format!("  {level}: {}", problem.message)]);
            }
            sections.push(p);
        }
        let mut imp =
            Section::new(&[]).titled(format!("impact ({} paths compared):", self.impact.probes));
        if self.impact.lines.is_empty() {
            imp.row(vec!["  no path changes".into()]);
        }
        for l in &self.impact.lines {
            let mark = match l.tone {
                Tone::Good => "+",
                Tone::Info => "~",
                Tone::Warning => "!",
            };
            let accept = if l.needs_acceptance {
                " (must be accepted)"
            } else {
                ""
            };
            imp.row(vec![format!("  {mark} {}{accept}", l.text)]);
        }
        for n in &self.impact.not_evaluated {
            imp.row(vec![format!("  ? not evaluated: {n}")]);
        }
        sections.push(imp);
        Output {
            command: self.line.clone(),
            sections,
            json: json!({
                "plan": {
                    "title": self.title,
                    "ops": self.ops,
                    "rows": self.rows,
                    "aws_cli": self.cli,
                    "problems": self.problems,
                    "impact": self.impact,
                    "refused": self.refused(),
                    "needs_acceptance": self.needs_acceptance(),
                    "confirm_id": self.confirm_id,
                }
            }),
            failed_check: false,
        }
    }
}

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(ErrorKind::InvalidInput, message)
}

fn not_found(net: &Net<'_>, what: &str, id: &str) -> CommandError {
    CommandError::not_found(what, id, net.estate())
}

fn cidr_arg(text: &str) -> Result<IpNet, CommandError> {
    crate::plan::canonical_cidr(text)
}

fn tgw_table<'a>(net: &Net<'a>, id: &str) -> Result<&'a TgwRouteTable, CommandError> {
    if !id.starts_with("tgw-rtb-") {
        return Err(invalid(format!(
            "{} is not a TGW route table id (tgw-rtb-…)",
            crate::text::quote(id)
        )));
    }
    net.tgw_route_table(id)
        .ok_or_else(|| not_found(net, "TGW route table", id))
}

fn vpc_table<'a>(net: &Net<'a>, id: &str) -> Result<&'a VpcRouteTable, CommandError> {
    if !id.starts_with("rtb-") {
        return Err(invalid(format!(
            "{} is not a VPC route table id (rtb-…)",
            crate::text::quote(id)
        )));
    }
    net.vpc_route_table(id)
        .ok_or_else(|| not_found(net, "VPC route table", id))
}

/// Refuses what cannot be an AWS resource id (letters, digits and dashes, at most 64
/// characters) before it is planned, so a huge or garbled argument is never echoed in
/// full by the preview's rows and commands.
fn aws_id(id: &str) -> Result<(), CommandError> {
    const MAX: usize = 64;
    if id.len() <= MAX && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(())
    } else {
        Err(invalid(format!(
            "{} is not an AWS resource id: ids are letters, digits and dashes, at most {MAX} characters",
            crate::text::quote(id)
        )))
    }
}

/// A VPC route target from its id's prefix.
///
/// # Errors
/// A sentence naming the accepted prefixes.
pub fn vpc_target(id: &str) -> Result<VpcTarget, CommandError> {
    aws_id(id)?;
    let t = if id.starts_with("tgw-") && !id.starts_with("tgw-attach-") {
        VpcTarget::TransitGateway(id.into())
    } else if id.starts_with("nat-") {
        VpcTarget::NatGateway(id.into())
    } else if id.starts_with("igw-") {
        VpcTarget::InternetGateway(id.into())
    } else if id.starts_with("vpce-") {
        VpcTarget::VpcEndpoint(id.into())
    } else if id.starts_with("pcx-") {
        VpcTarget::PeeringConnection(id.into())
    } else if id.starts_with("eni-") {
        VpcTarget::NetworkInterface(id.into())
    } else {
        return Err(invalid(format!(
            "{} is not a VPC route target: use a tgw-, nat-, igw-, vpce-, pcx- or eni- id",
            crate::text::quote(id)
        )));
    };
    Ok(t)
}

/// How a TGW route reads in a preview row.
fn tgw_route_text(table: &TgwRouteTable, cidr: IpNet) -> String {
    let found: Vec<String> = table
        .routes
        .iter()
        .filter(|r| r.destination == Destination::Cidr(cidr))
        .map(|r| {
            let targets: Vec<&str> = r.targets.iter().map(|t| t.attachment_id.as_str()).collect();
            let to = if targets.is_empty() {
                "blackhole".to_string()
            } else {
                targets.join(", ")
            };
            format!("{} → {to} ({})", r.route_type, r.state)
        })
        .collect();
    if found.is_empty() {
        "(none)".into()
    } else {
        found.join("; ")
    }
}

fn static_target(table: &TgwRouteTable, cidr: IpNet) -> Option<TgwRouteTarget> {
    table
        .routes
        .iter()
        .find(|r| r.destination == Destination::Cidr(cidr) && r.route_type == RouteType::Static)
        .map(|r| match r.targets.first() {
            Some(t)
                if r.state != crate::model::RouteState::Blackhole
                    || !t.attachment_id.is_empty() =>
            {
                TgwRouteTarget::Attachment(t.attachment_id.clone())
            }
            _ => TgwRouteTarget::Blackhole,
        })
}

fn vpc_route_target(table: &VpcRouteTable, cidr: IpNet) -> Option<&crate::model::VpcRouteTarget> {
    table
        .routes
        .iter()
        .find(|r| r.destination == Destination::Cidr(cidr))
        .map(|r| &r.target)
}

fn target_text(t: &TgwRouteTarget) -> String {
    match t {
        TgwRouteTarget::Attachment(id) => format!("static → {id}"),
        TgwRouteTarget::Blackhole => "static blackhole".into(),
    }
}

fn vpc_to_change_target(t: &crate::model::VpcRouteTarget) -> Option<VpcTarget> {
    use crate::model::VpcRouteTarget as M;
    Some(match t {
        M::TransitGateway(id) => VpcTarget::TransitGateway(id.clone()),
        M::NatGateway(id) => VpcTarget::NatGateway(id.clone()),
        M::InternetGateway(id) => VpcTarget::InternetGateway(id.clone()),
        M::VpcEndpoint(id) => VpcTarget::VpcEndpoint(id.clone()),
        M::PeeringConnection(id) => VpcTarget::PeeringConnection(id.clone()),
        M::NetworkInterface(id) => VpcTarget::NetworkInterface(id.clone()),
        _ => return None,
    })
}

/// A plan under construction (before checks and impact).
#[derive(Debug, Clone)]
pub struct Draft {
    pub title: String,
    pub ops: Vec<ChangeOp>,
    pub rows: Vec<Row>,
    pub confirm_id: Option<String>,
    pub inverse: Vec<ChangeOp>,
}

impl Draft {
    fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ops: Vec::new(),
            rows: Vec::new(),
            confirm_id: None,
            inverse: Vec::new(),
        }
    }

    fn row(&mut self, region: &str, object: String, before: String, after: String) {
        self.rows.push(Row {
            region: region.into(),
            object,
            before,
            after,
        });
    }
}

/// Plans a change command on this estate (for `peer connect`, its next step).
///
/// # Errors
/// [`CommandError`]: a malformed argument, an id that names nothing loaded, a
/// command that is not a change, or (`peer connect`) nothing left to do.
pub fn plan(net: &Net<'_>, cmd: &Command, ctx: &Context) -> Result<ChangePlan, CommandError> {
    let draft = draft(net, cmd, ctx)?;
    Ok(finish_with(
        net,
        cmd.to_line(),
        draft,
        ctx.dry_run,
        ctx.baseline.as_deref(),
    ))
}

/// What the checks say of a change command as typed, without the impact (cheap
/// enough for every keystroke: the console's prompt validates as you type).
///
/// # Errors
/// The same as [`plan`]: the argument or id that is wrong, in words.
pub fn quick_check(
    net: &Net<'_>,
    cmd: &Command,
    ctx: &Context,
) -> Result<Vec<Problem>, CommandError> {
    let draft = draft(net, cmd, ctx)?;
    let mut problems: Vec<Problem> = Vec::new();
    for op in &draft.ops {
        for p in crate::plan::check(net, op) {
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
    }
    problems.sort_by_key(|p| std::cmp::Reverse(p.level));
    Ok(problems)
}

/// The ops, rows and inverse a change command makes on this estate.
fn draft(net: &Net<'_>, cmd: &Command, ctx: &Context) -> Result<Draft, CommandError> {
    let draft = match cmd {
        Command::Route {
            action,
            route_table,
            cidr,
            attachment,
        } => route(net, *action, route_table, cidr, attachment.as_deref())?,
        Command::Assoc {
            route_table,
            attachment,
        } => link(net, route_table, attachment, true, Link::Association)?,
        Command::Disassoc {
            route_table,
            attachment,
        } => link(net, route_table, attachment, false, Link::Association)?,
        Command::Prop {
            state,
            route_table,
            attachment,
        } => link(
            net,
            route_table,
            attachment,
            *state == OnOff::On,
            Link::Propagation,
        )?,
        Command::VpcRoute {
            action,
            route_table,
            cidr,
            target,
        } => vpc_route(net, *action, route_table, cidr, target.as_deref())?,
        Command::Attach {
            action: AttachAction::Options,
            attachment,
            appliance_mode,
        } => appliance_mode_draft(net, attachment, *appliance_mode)?,
        Command::Attach {
            action, attachment, ..
        } => attach(net, *action == AttachAction::Accept, attachment)?,
        Command::Peer(PeerCommand::Create {
            local_tgw,
            peer_tgw,
            peer_region,
            peer_account,
        }) => peer_create(
            net,
            local_tgw,
            peer_tgw,
            peer_region.as_deref(),
            peer_account.as_deref(),
            &ctx.request_tag,
        )?,
        Command::Peer(PeerCommand::Accept { id }) => peer_answer(net, id, true)?,
        Command::Peer(PeerCommand::Reject { id }) => peer_answer(net, id, false)?,
        Command::Peer(PeerCommand::Delete { id }) => peer_delete(net, id)?,
        Command::Peer(PeerCommand::Connect {
            id_or_tgw,
            peer_tgw,
            ..
        }) => {
            let target = connect::Target::parse(id_or_tgw, peer_tgw.as_deref())?;
            match connect::next_step(net, &target, &ctx.request_tag)? {
                connect::Next::Apply(draft) => draft,
                other => return Err(CommandError::new(ErrorKind::InvalidInput, other.describe())),
            }
        }
        Command::Fw(FwCommand::Disable { policy, group }) => {
            firewall::toggle(net, policy, group, false)?
        }
        Command::Fw(FwCommand::Enable { policy, group }) => {
            firewall::toggle(net, policy, group, true)?
        }
        Command::Undo => undo(net, ctx)?,
        other => {
            return Err(invalid(format!(
                "`{}` is not a change command",
                other.to_line()
            )));
        }
    };
    Ok(draft)
}

/// Completes a draft: checks, AWS CLI, impact (cold: the before-estate's baseline is
/// computed here; see [`finish_with`]).
#[must_use]
pub fn finish(net: &Net<'_>, line: String, draft: Draft, dry_run: bool) -> ChangePlan {
    finish_with(net, line, draft, dry_run, None)
}

/// [`finish`] with the before-estate's [`impact::Baseline`] when the caller keeps
/// one per estate version (many previews of one version, as a batch script makes).
#[must_use]
pub fn finish_with(
    net: &Net<'_>,
    line: String,
    draft: Draft,
    dry_run: bool,
    baseline: Option<&impact::Baseline>,
) -> ChangePlan {
    let ops: Vec<ChangeOp> = draft
        .ops
        .into_iter()
        .map(|op| if dry_run { op.as_dry_run() } else { op })
        .collect();
    // Each op is checked on the estate as the ops before it leave it; the last of
    // those estates is the projection the impact is asked about.
    let mut problems = Vec::new();
    let mut staged: Option<crate::model::Estate> = None;
    let mut not_modelled: Vec<String> = Vec::new();
    for op in &ops {
        {
            let check_net = match &staged {
                None => net.clone(),
                Some(e) => Net::new(e),
            };
            for p in crate::plan::check(&check_net, op) {
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
        let base = staged.as_ref().unwrap_or_else(|| net.estate());
        let step = project::project(base, std::slice::from_ref(op));
        for n in step.not_modelled {
            if !not_modelled.contains(&n) {
                not_modelled.push(n);
            }
        }
        staged = Some(step.estate);
    }
    let projected = project::Projected {
        estate: staged.unwrap_or_else(|| net.estate().clone()),
        not_modelled,
    };
    let impact = if ops.iter().any(ChangeOp::mutates) {
        match baseline {
            Some(b) => impact::impact_projected(b, net.estate(), &projected, &ops),
            None => impact::impact_projected(
                &impact::Baseline::new(net.estate()),
                net.estate(),
                &projected,
                &ops,
            ),
        }
    } else {
        impact::impact(net.estate(), &projected.estate, &ops)
    };
    let reread = other_sides(net, &ops);
    ChangePlan {
        line,
        title: draft.title,
        cli: ops.iter().map(ChangeOp::aws_cli).collect(),
        ops,
        rows: draft.rows,
        problems,
        impact,
        confirm_id: draft.confirm_id,
        inverse: draft.inverse,
        reread,
    }
}

/// The loaded regions holding the other side of the peerings these ops change.
fn other_sides(net: &Net<'_>, ops: &[ChangeOp]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for op in ops {
        let regions: Vec<String> = match &op.change {
            Change::AcceptPeering { attachment_id }
            | Change::RejectPeering { attachment_id }
            | Change::DeletePeering { attachment_id } => net
                .peering(attachment_id)
                .map(|p| vec![p.requester.region.clone(), p.accepter.region.clone()])
                .unwrap_or_default(),
            Change::CreatePeering { peer_region, .. } => vec![peer_region.clone()],
            _ => Vec::new(),
        };
        for r in regions {
            if r != op.region && net.region(&r).is_some() && !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

fn route(
    net: &Net<'_>,
    action: RouteAction,
    table_id: &str,
    cidr: &str,
    attachment: Option<&str>,
) -> Result<Draft, CommandError> {
    let table = tgw_table(net, table_id)?;
    let cidr = cidr_arg(cidr)?;
    let region = table.region.as_str();
    let target = match (action, attachment) {
        (RouteAction::Add | RouteAction::Replace, Some(a)) => {
            if !a.starts_with("tgw-attach-") {
                return Err(invalid(crate::plan::tgw_target_not_an_attachment(
                    net, table, a,
                )));
            }
            aws_id(a)?;
            Some(TgwRouteTarget::Attachment(a.to_string()))
        }
        (RouteAction::Add | RouteAction::Replace, None) => {
            return Err(invalid(format!(
                "route add and route replace need the target attachment (a tgw-attach-… of {}); to drop the traffic instead, use `route blackhole`",
                table.tgw_id
            )));
        }
        (RouteAction::Blackhole, None) => Some(TgwRouteTarget::Blackhole),
        (RouteAction::Del, None) => None,
        (RouteAction::Blackhole | RouteAction::Del, Some(a)) => {
            return Err(invalid(format!(
                "route blackhole and route del take no target (got {})",
                crate::text::quote(a)
            )));
        }
    };
    let before = static_target(table, cidr);
    let object = format!("{table_id} {cidr}");
    let mut d;
    let change = match target {
        None => {
            d = Draft::new(format!("delete the route to {cidr} from {table_id}"));
            d.confirm_id = Some(table_id.to_string());
            if let Some(t) = &before {
                d.inverse.push(ChangeOp::new(
                    region,
                    Change::CreateTgwRoute {
                        route_table_id: table_id.into(),
                        cidr,
                        target: t.clone(),
                    },
                ));
            }
            d.row(region, object, tgw_route_text(table, cidr), "(none)".into());
            Change::DeleteTgwRoute {
                route_table_id: table_id.into(),
                cidr,
            }
        }
        Some(target) => {
            let replace = action == RouteAction::Replace
                || (action == RouteAction::Blackhole && before.is_some());
            d = Draft::new(if replace {
                format!("replace the route to {cidr} in {table_id}")
            } else {
                format!("add a route to {cidr} in {table_id}")
            });
            if replace {
                d.confirm_id = Some(table_id.to_string());
            }
            d.inverse.push(match &before {
                Some(t) => ChangeOp::new(
                    region,
                    Change::ReplaceTgwRoute {
                        route_table_id: table_id.into(),
                        cidr,
                        target: t.clone(),
                    },
                ),
                None => ChangeOp::new(
                    region,
                    Change::DeleteTgwRoute {
                        route_table_id: table_id.into(),
                        cidr,
                    },
                ),
            });
            d.row(
                region,
                object,
                tgw_route_text(table, cidr),
                target_text(&target),
            );
            if replace {
                Change::ReplaceTgwRoute {
                    route_table_id: table_id.into(),
                    cidr,
                    target,
                }
            } else {
                Change::CreateTgwRoute {
                    route_table_id: table_id.into(),
                    cidr,
                    target,
                }
            }
        }
    };
    d.ops.push(ChangeOp::new(region, change));
    Ok(d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Association,
    Propagation,
}

fn link(
    net: &Net<'_>,
    table_id: &str,
    attachment_id: &str,
    on: bool,
    kind: Link,
) -> Result<Draft, CommandError> {
    let table = tgw_table(net, table_id)?;
    let region = table.region.as_str();
    let att = net
        .attachment_in(region, attachment_id)
        .or_else(|| net.attachment(attachment_id))
        .ok_or_else(|| not_found(net, "TGW attachment", attachment_id))?;
    let (route_table_id, attachment_id) = (table_id.to_string(), att.id.clone());
    let (change, inverse, title, before, after) = match (kind, on) {
        (Link::Association, true) => {
            let current = net.associated_route_table(att).map(|t| t.id.clone());
            (
                Change::AssociateTgwRouteTable {
                    route_table_id: route_table_id.clone(),
                    attachment_id: attachment_id.clone(),
                },
                Change::DisassociateTgwRouteTable {
                    route_table_id: route_table_id.clone(),
                    attachment_id: attachment_id.clone(),
                },
                format!("associate {attachment_id} with {table_id}"),
                current.map_or("not associated".into(), |t| format!("associated with {t}")),
                format!("associated with {table_id}"),
            )
        }
        (Link::Association, false) => (
            Change::DisassociateTgwRouteTable {
                route_table_id: route_table_id.clone(),
                attachment_id: attachment_id.clone(),
            },
            Change::AssociateTgwRouteTable {
                route_table_id: route_table_id.clone(),
                attachment_id: attachment_id.clone(),
            },
            format!("disassociate {attachment_id} from {table_id}"),
            net.associated_route_table(att)
                .map_or("not associated".into(), |t| {
                    format!("associated with {}", t.id)
                }),
            "not associated (its traffic is dropped at the TGW)".into(),
        ),
        (Link::Propagation, true) => (
            Change::EnablePropagation {
                route_table_id: route_table_id.clone(),
                attachment_id: attachment_id.clone(),
            },
            Change::DisablePropagation {
                route_table_id: route_table_id.clone(),
                attachment_id: attachment_id.clone(),
            },
            format!("propagate {attachment_id} into {table_id}"),
            propagation_text(table, &attachment_id),
            "propagating".into(),
        ),
        (Link::Propagation, false) => (
            Change::DisablePropagation {
                route_table_id: route_table_id.clone(),
                attachment_id: attachment_id.clone(),
            },
            Change::EnablePropagation {
                route_table_id: route_table_id.clone(),
                attachment_id: attachment_id.clone(),
            },
            format!("stop propagating {attachment_id} into {table_id}"),
            propagation_text(table, &attachment_id),
            "not propagating (its propagated routes go)".into(),
        ),
    };
    let mut d = Draft::new(title);
    if !on {
        d.confirm_id = Some(attachment_id.clone());
    }
    let what = match kind {
        Link::Association => "association",
        Link::Propagation => "propagation",
    };
    d.row(
        region,
        format!("{attachment_id} {what} in {table_id}"),
        before,
        after,
    );
    d.ops.push(ChangeOp::new(region, change));
    d.inverse.push(ChangeOp::new(region, inverse));
    Ok(d)
}

fn propagation_text(table: &TgwRouteTable, attachment_id: &str) -> String {
    if table
        .propagations
        .iter()
        .any(|l| l.attachment_id == attachment_id)
    {
        "propagating".into()
    } else {
        "not propagating".into()
    }
}

fn vpc_route(
    net: &Net<'_>,
    action: VpcRouteAction,
    table_id: &str,
    cidr: &str,
    target: Option<&str>,
) -> Result<Draft, CommandError> {
    let table = vpc_table(net, table_id)?;
    let cidr = cidr_arg(cidr)?;
    let region = table.region.as_str();
    let before = vpc_route_target(table, cidr);
    let before_text = before.map_or("(none)".into(), |t| format!("→ {}", t.id()));
    let object = format!("{table_id} {cidr}");
    let mut d;
    let change = match (action, target) {
        (VpcRouteAction::Add | VpcRouteAction::Replace, None) => {
            return Err(invalid(
                "vpc-route add and vpc-route replace need a target (tgw-, nat-, igw-, vpce-, pcx- or eni-…)",
            ));
        }
        (VpcRouteAction::Del, Some(t)) => {
            return Err(invalid(format!(
                "vpc-route del takes no target (got {})",
                crate::text::quote(t)
            )));
        }
        (VpcRouteAction::Del, None) => {
            d = Draft::new(format!("delete the route to {cidr} from {table_id}"));
            d.confirm_id = Some(table_id.to_string());
            if let Some(t) = before.and_then(vpc_to_change_target) {
                d.inverse.push(ChangeOp::new(
                    region,
                    Change::CreateVpcRoute {
                        route_table_id: table_id.into(),
                        cidr,
                        target: t,
                    },
                ));
            }
            d.row(region, object, before_text, "(none)".into());
            Change::DeleteVpcRoute {
                route_table_id: table_id.into(),
                cidr,
            }
        }
        (action, Some(t)) => {
            let target = vpc_target(t)?;
            let replace = action == VpcRouteAction::Replace;
            d = Draft::new(if replace {
                format!("replace the route to {cidr} in {table_id}")
            } else {
                format!("add a route to {cidr} in {table_id}")
            });
            if replace {
                d.confirm_id = Some(table_id.to_string());
            }
            match before.and_then(vpc_to_change_target) {
                Some(b) if replace => d.inverse.push(ChangeOp::new(
                    region,
                    Change::ReplaceVpcRoute {
                        route_table_id: table_id.into(),
                        cidr,
                        target: b,
                    },
                )),
                _ if !replace => d.inverse.push(ChangeOp::new(
                    region,
                    Change::DeleteVpcRoute {
                        route_table_id: table_id.into(),
                        cidr,
                    },
                )),
                _ => {}
            }
            d.row(region, object, before_text, format!("→ {}", target.id()));
            if replace {
                Change::ReplaceVpcRoute {
                    route_table_id: table_id.into(),
                    cidr,
                    target,
                }
            } else {
                Change::CreateVpcRoute {
                    route_table_id: table_id.into(),
                    cidr,
                    target,
                }
            }
        }
    };
    d.ops.push(ChangeOp::new(region, change));
    Ok(d)
}

/// `attach options ATTACH --appliance-mode on|off`: one `ModifyTransitGatewayVpcAttachment`,
/// its inverse the mode the attachment has now.
fn appliance_mode_draft(
    net: &Net<'_>,
    id: &str,
    mode: Option<OnOff>,
) -> Result<Draft, CommandError> {
    let att = net
        .attachment(id)
        .ok_or_else(|| not_found(net, "TGW attachment", id))?;
    let on = mode == Some(OnOff::On);
    let word = |m: Option<bool>| match m {
        Some(true) => "appliance mode on",
        Some(false) => "appliance mode off",
        None => "appliance mode (not read)",
    };
    if att.appliance_mode == Some(on) {
        return Err(invalid(format!(
            "{id} already has {}: nothing to change",
            word(Some(on))
        )));
    }
    let region = att.region.as_str();
    let mut d = Draft::new(format!(
        "turn {} appliance mode on the VPC attachment {id}",
        if on { "on" } else { "off" }
    ));
    d.row(
        region,
        id.to_string(),
        word(att.appliance_mode).into(),
        word(Some(on)).into(),
    );
    d.ops.push(ChangeOp::new(
        region,
        Change::SetApplianceMode {
            attachment_id: id.into(),
            on,
        },
    ));
    if let Some(before) = att.appliance_mode {
        d.inverse.push(ChangeOp::new(
            region,
            Change::SetApplianceMode {
                attachment_id: id.into(),
                on: before,
            },
        ));
    }
    Ok(d)
}

/// `attach accept|reject ATTACH`.
fn attach(net: &Net<'_>, accept: bool, id: &str) -> Result<Draft, CommandError> {
    let att = net
        .attachment(id)
        .ok_or_else(|| not_found(net, "TGW attachment", id))?;
    if att.kind != crate::model::AttachmentKind::Vpc {
        return Err(invalid(format!(
            "{id} is a {} attachment: `attach accept|reject` answers VPC attachments (use `peer accept|reject` for peerings)",
            att.kind
        )));
    }
    let region = att.region.as_str();
    let (change, title, after) = match accept {
        true => (
            Change::AcceptVpcAttachment {
                attachment_id: id.into(),
            },
            format!("accept the VPC attachment {id}"),
            "pending → available",
        ),
        false => (
            Change::RejectVpcAttachment {
                attachment_id: id.into(),
            },
            format!("reject the VPC attachment {id}"),
            "rejected",
        ),
    };
    let mut d = Draft::new(title);
    if !accept {
        d.confirm_id = Some(id.to_string());
    }
    d.row(region, id.to_string(), att.state.to_string(), after.into());
    d.ops.push(ChangeOp::new(region, change));
    Ok(d)
}

fn peer_create(
    net: &Net<'_>,
    local: &str,
    peer: &str,
    peer_region: Option<&str>,
    peer_account: Option<&str>,
    request_tag: &str,
) -> Result<Draft, CommandError> {
    let tgw = net
        .tgw(local)
        .ok_or_else(|| not_found(net, "transit gateway", local))?;
    if !peer.starts_with("tgw-") || peer.starts_with("tgw-attach-") || peer.starts_with("tgw-rtb-")
    {
        return Err(invalid(format!(
            "{} is not a transit gateway id (tgw-…)",
            crate::text::quote(peer)
        )));
    }
    let known = net.tgw(peer);
    let peer_region = match (peer_region, known) {
        (Some(r), Some(k)) if r != k.region => {
            return Err(invalid(format!(
                "{peer} was read in {}, not {r}: drop --peer-region or fix it",
                k.region
            )));
        }
        (Some(r), _) => r.to_string(),
        (None, Some(k)) => k.region.clone(),
        (None, None) => {
            return Err(invalid(format!(
                "{peer} is not in the loaded regions: pass --peer-region (and --peer-account for another account)"
            )));
        }
    };
    let account = peer_account
        .map(str::to_string)
        .or_else(|| known.map(|k| k.owner_id.clone()))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| net.account_id(&tgw.region));
    let mut d = Draft::new(format!(
        "request a peering from {local} ({}) to {peer} ({peer_region})",
        tgw.region
    ));
    d.row(
        &tgw.region,
        format!("{local} ↔ {peer}"),
        "(no peering)".into(),
        "initiatingRequest → pendingAcceptance (the accepter must accept)".into(),
    );
    d.ops.push(ChangeOp::new(
        &tgw.region,
        Change::CreatePeering {
            tgw_id: local.into(),
            peer_tgw_id: peer.into(),
            peer_region,
            peer_account_id: account,
            request_tag: request_tag.into(),
        },
    ));
    Ok(d)
}

fn peer_answer(net: &Net<'_>, id: &str, accept: bool) -> Result<Draft, CommandError> {
    let p = net
        .peering(id)
        .ok_or_else(|| not_found(net, "TGW peering", id))?;
    let region = p.accepter.region.clone();
    if net.region(&region).is_none() {
        return Err(invalid(format!(
            "{id} is answered in the accepter's region {region}, which is not loaded: add it with --regions"
        )));
    }
    let (change, title, after) = if accept {
        (
            Change::AcceptPeering {
                attachment_id: id.into(),
            },
            format!("accept the peering {id} in {region}"),
            "pending → available",
        )
    } else {
        (
            Change::RejectPeering {
                attachment_id: id.into(),
            },
            format!("reject the peering {id} in {region}"),
            "rejected",
        )
    };
    let mut d = Draft::new(title);
    if !accept {
        d.confirm_id = Some(id.to_string());
    }
    d.row(&region, id.to_string(), p.state.to_string(), after.into());
    let mut op = ChangeOp::new(&region, change);
    // Answered by the accepter's account: another one's credentials when it is not
    // the account netops reads as.
    let reader = net.account_id(&region);
    if !p.accepter.account_id.is_empty() && !reader.is_empty() && p.accepter.account_id != reader {
        op = op.in_account(&p.accepter.account_id);
    }
    d.ops.push(op);
    Ok(d)
}

fn peer_delete(net: &Net<'_>, id: &str) -> Result<Draft, CommandError> {
    let p = net
        .peering(id)
        .ok_or_else(|| not_found(net, "TGW peering", id))?;
    // Either side may delete; the requester's when it is loaded.
    let region = if net.region(&p.requester.region).is_some() {
        p.requester.region.clone()
    } else {
        p.accepter.region.clone()
    };
    let mut d = Draft::new(format!("delete the peering {id}"));
    d.confirm_id = Some(id.to_string());
    d.row(
        &region,
        id.to_string(),
        p.state.to_string(),
        "deleting → deleted (routes to it become blackholes)".into(),
    );
    d.ops.push(ChangeOp::new(
        &region,
        Change::DeletePeering {
            attachment_id: id.into(),
        },
    ));
    Ok(d)
}

fn undo(net: &Net<'_>, ctx: &Context) -> Result<Draft, CommandError> {
    let Some(last) = ctx.undo.last() else {
        return Err(invalid(if ctx.undone == 0 {
            "nothing to undo: no change that undo reverses was applied since netops started"
                .to_string()
        } else {
            format!(
                "nothing left to undo: the {} change(s) made since netops started are undone already (undo goes back one change at a time, never past the start)",
                ctx.undone
            )
        }));
    };
    if last.inverse.is_empty() {
        return Err(invalid(format!(
            "`{}` cannot be undone: its before-state was not recorded",
            last.line
        )));
    }
    let mut d = Draft::new(format!("undo `{}`", last.line));
    for op in &last.inverse {
        let object = op.change.object();
        let before = match (&op.change, op.change.route()) {
            (
                Change::CreateTgwRoute { .. }
                | Change::ReplaceTgwRoute { .. }
                | Change::DeleteTgwRoute { .. },
                Some((table, cidr)),
            ) => net
                .tgw_route_table(table)
                .map_or("(table not loaded)".into(), |t| tgw_route_text(t, cidr)),
            _ => "(as now)".into(),
        };
        let after = match &op.change {
            Change::CreateTgwRoute { target, .. } | Change::ReplaceTgwRoute { target, .. } => {
                target_text(target)
            }
            Change::CreateVpcRoute { target, .. } | Change::ReplaceVpcRoute { target, .. } => {
                format!("→ {}", target.id())
            }
            Change::DeleteTgwRoute { .. } | Change::DeleteVpcRoute { .. } => "(none)".into(),
            Change::AssociateTgwRouteTable { .. } => "associated".into(),
            Change::DisassociateTgwRouteTable { .. } => "not associated".into(),
            Change::EnablePropagation { .. } => "propagating".into(),
            Change::DisablePropagation { .. } => "not propagating".into(),
            _ => op.action().to_string(),
        };
        d.row(&op.region, object, before, after);
        d.ops.push(op.clone());
    }
    d.confirm_id = None;
    Ok(d)
}

#[cfg(test)]
mod tests;
