//! Changing the network from the console: change commands planned into the
//! confirmation dialog, the peering wizard driving the one `peer connect` session,
//! the actions menu, and folding a finished change into the console's estate.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The read-only refusal of a change command.
pub(super) fn read_only_refusal(line: &str) -> String {
    crate::error::read_only(&format!("`{line}`"), crate::error::Refused::Change)
}

/// Why a change must wait: the estate on screen is still (partly) the cached one.
pub(super) fn cached_refusal(state: &State, subject: &str) -> Option<String> {
    state.data.cached.as_ref().map(|label| {
        format!(
            "{subject} waits for the live read: the estate on screen is the {label}, and a change is planned only on what AWS says now"
        )
    })
}

/// A change command at `:` (or from a key): planned on the console's estate and shown
/// for confirmation; `peer connect` opens the wizard; `audit-log` reads the log.
pub(super) fn run_change(state: &mut State, cmd: &crate::command::Command, fx: &mut Vec<Effect>) {
    use crate::command::{Command, PeerCommand};
    let line = cmd.to_line();
    if cmd.is_change() && state.read_only {
        state.error(read_only_refusal(&line));
        return;
    }
    if cmd.is_change()
        && let Some(why) = cached_refusal(state, &line)
    {
        state.error(why);
        return;
    }
    match cmd {
        Command::AuditLog { last } => match &state.changes.audit_log {
            Some(path) => state.changes.jobs.push(FrontJob::ReadLog {
                path: path.clone(),
                last: *last,
            }),
            None => state.error("no audit log file (logging is disabled)"),
        },
        Command::Peer(PeerCommand::Wait { id, .. }) => state.info(format!(
            "in the console, :peer connect {id} watches the peering live (and carries it on)"
        )),
        Command::Peer(PeerCommand::Connect {
            id_or_tgw,
            peer_tgw,
            ..
        }) => match crate::ops::connect::Target::parse(id_or_tgw, peer_tgw.as_deref()) {
            Ok(target) => {
                let tag = state.changes.request_tag();
                let wizard = WizardView::new(target, line, tag);
                state.modals.push(Modal::Wizard(Box::new(wizard)));
                let i = state.modals.len() - 1;
                advance_wizard(state, i, fx);
            }
            Err(e) => state.error(format!(":{line} — {e}")),
        },
        _ => {
            let ctx = crate::ops::Context {
                request_tag: state.changes.request_tag(),
                dry_run: false,
                undo: state.changes.undo.clone(),
                undone: state.changes.undone,
                baseline: state.data.baseline.clone(),
            };
            let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
            match crate::ops::plan(&net, cmd, &ctx) {
                Ok(plan) => state
                    .modals
                    .push(Modal::Change(Box::new(ConfirmView::new(plan)))),
                Err(e) => state.error(format!(":{line} — {e}")),
            }
        }
    }
}

/// Works out the wizard's next step on the estate as it is now.
pub(super) fn advance_wizard(state: &mut State, i: usize, fx: &mut Vec<Effect>) {
    let baseline = state.data.baseline.clone();
    let net = state.data.net();
    if let Some(Modal::Wizard(w)) = state.modals.get_mut(i) {
        fx.extend(w.advance(
            &net,
            baseline.as_deref(),
            false,
            &mut state.changes.next_task,
        ));
    }
}

/// Folds a finished change into the console: the estate (so the tree, the index and
/// the findings follow), the audit log (a front-end job) and undo. Answers the
/// summary lines and whether it all applied and verified.
pub(super) fn fold_execution(
    state: &mut State,
    exec: &crate::ops::exec::Execution,
) -> (Vec<String>, bool) {
    // The execution re-read every region the change touched, both sides of a
    // peering included (the plan's `reread`): the console plans on what AWS says.
    exec.merge_into(&mut state.data.estate);
    state.data_changed();
    let ok = exec.succeeded();
    if ok {
        if exec.plan.line == "undo" {
            state.changes.undo.pop();
            state.changes.undone += 1;
        } else if !exec.plan.inverse.is_empty() {
            state.changes.undo.push(crate::ops::UndoEntry {
                line: exec.plan.line.clone(),
                inverse: exec.plan.inverse.clone(),
            });
        }
    }
    (exec.summary(), ok)
}

/// Routes a runtime report to the change it belongs to; false when none owns it.
pub(super) fn change_report(state: &mut State, report: &Report, fx: &mut Vec<Effect>) -> bool {
    for i in (0..state.modals.len()).rev() {
        match &mut state.modals[i] {
            Modal::Change(view) => {
                if let Report::Observed { task, result, .. } = report
                    && view.reread.as_ref().is_some_and(|r| r.task == *task)
                {
                    reread_done(state, i, result);
                    return true;
                }
                let Some(more) = view.on_report(report) else {
                    continue;
                };
                fx.extend(more);
                if let Some(exec) = view.done_execution().cloned() {
                    let (lines, ok) = fold_execution(state, &exec);
                    if ok {
                        state.info(format!("{}: applied and verified", exec.plan.line));
                    } else {
                        state.error(format!("{}: {}", exec.plan.line, lines.join("; ")));
                    }
                    let conflict = conflict_toggle(&exec);
                    let task = state.changes.next_task;
                    let before = conflict.as_ref().and_then(|(region, arn)| {
                        state
                            .data
                            .estate
                            .region(region)
                            .and_then(|r| r.firewall_policies.iter().find(|p| &p.arn == arn))
                            .cloned()
                    });
                    if let Some(Modal::Change(view)) = state.modals.get_mut(i) {
                        view.stage = Stage::Finished { lines, ok };
                        view.scroll = 0;
                        // Someone changed the firewall policy meanwhile: re-read it,
                        // show what they changed and plan again for a new confirmation.
                        if let Some((region, policy_arn)) = conflict {
                            state.changes.next_task += 1;
                            view.reread = Some(crate::tui::change::Reread {
                                task,
                                region: region.clone(),
                                before,
                                policy_arn,
                            });
                            fx.push(Effect::Observe {
                                task,
                                region,
                                query: crate::runtime::ObserveQuery::Firewall,
                            });
                        }
                    }
                }
                return true;
            }
            Modal::Wizard(w) => {
                let event =
                    w.on_report(report, &mut state.data.estate, &mut state.changes.next_task);
                match event {
                    WizardEvent::NotMine => continue,
                    WizardEvent::Effects(more) => fx.extend(more),
                    WizardEvent::ExecDone => {
                        if let Some(exec) = w.done_execution().cloned() {
                            let (lines, ok) = fold_execution(state, &exec);
                            let baseline = state.data.baseline.clone();
                            let net = state.data.net();
                            if let Some(Modal::Wizard(w)) = state.modals.get_mut(i) {
                                fx.extend(w.step_done(
                                    lines,
                                    ok,
                                    &net,
                                    baseline.as_deref(),
                                    &mut state.changes.next_task,
                                ));
                            }
                        }
                    }
                    WizardEvent::Observed => {
                        let stopped = matches!(w.stage, WizStage::Stopped(_));
                        state.data_changed();
                        if !stopped {
                            advance_wizard(state, i, fx);
                        }
                    }
                }
                return true;
            }
            _ => {}
        }
    }
    watch_report(state, report, fx)
}

/// A report for a peering still re-read after its wizard closed: folded into the
/// estate; the watch asks again until the peering settles, then says so and ends.
fn watch_report(state: &mut State, report: &Report, fx: &mut Vec<Effect>) -> bool {
    for i in 0..state.changes.watches.len() {
        let w = &mut state.changes.watches[i];
        match w.on_report(report, &mut state.data.estate, &mut state.changes.next_task) {
            WizardEvent::NotMine => continue,
            WizardEvent::Effects(more) => fx.extend(more),
            WizardEvent::ExecDone => {}
            WizardEvent::Observed => {
                state.data_changed();
                // A re-read that failed stopped the watch already: said as it is.
                if !matches!(state.changes.watches[i].stage, WizStage::Stopped(_)) {
                    let net = state.data.net();
                    let w = &mut state.changes.watches[i];
                    fx.extend(w.advance(&net, None, false, &mut state.changes.next_task));
                }
                if let WizStage::Stopped(why) = &state.changes.watches[i].stage {
                    let why = why.clone();
                    state.changes.watches.remove(i);
                    state.info(why);
                }
            }
        }
        return true;
    }
    false
}

/// The toggle a stale update token refused, as (region, policy ARN).
pub(super) fn conflict_toggle(exec: &crate::ops::exec::Execution) -> Option<(String, String)> {
    let op = crate::ops::firewall::conflicted_toggle(exec)?;
    op.change
        .toggle()
        .map(|(t, _)| (op.region.clone(), t.policy_arn.clone()))
}

/// The firewall re-read after a stale token answered: fold it in, say what the
/// colleague changed, and put the same command's plan on their version up for a
/// new confirmation (nothing is re-applied without it).
pub(super) fn reread_done(
    state: &mut State,
    i: usize,
    result: &Result<crate::runtime::Observation, crate::backend::BackendError>,
) {
    let Some(Modal::Change(view)) = state.modals.get_mut(i) else {
        return;
    };
    let Some(reread) = view.reread.take() else {
        return;
    };
    let line = view.plan.line.clone();
    let data = match result {
        Ok(crate::runtime::Observation::Firewall(d)) => (**d).clone(),
        Ok(_) => return,
        Err(e) => {
            state.error(format!(
                "{line}: someone changed the policy, and it could not be re-read: {}",
                e.message
            ));
            return;
        }
    };
    crate::ops::exec::merge_firewall(&mut state.data.estate, &reread.region, data);
    state.data_changed();
    let after = state
        .data
        .estate
        .region(&reread.region)
        .and_then(|r| {
            r.firewall_policies
                .iter()
                .find(|p| p.arn == reread.policy_arn)
        })
        .cloned();
    let mut notice = vec![
        "✗ someone else changed the policy since it was read; nothing of theirs was overwritten. They changed:".to_string(),
    ];
    let name = after
        .as_ref()
        .or(reread.before.as_ref())
        .map_or_else(|| "the policy".to_string(), |p| p.name.clone());
    notice.extend(
        crate::ops::firewall::their_changes(reread.before.as_ref(), after.as_ref(), &name)
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    notice.push("Below: the plan on the policy as it is now. Apply to confirm it again.".into());
    let Ok(Some(cmd)) = crate::command::parse_line(&line) else {
        return;
    };
    let ctx = crate::ops::Context {
        request_tag: state.changes.request_tag(),
        dry_run: false,
        undo: state.changes.undo.clone(),
        undone: state.changes.undone,
        baseline: None,
    };
    let net = state.data.net();
    match crate::ops::plan(&net, &cmd, &ctx) {
        Ok(plan) => {
            let mut fresh = ConfirmView::new(plan);
            fresh.notice = notice;
            state.modals[i] = Modal::Change(Box::new(fresh));
            state.error(format!(
                "{line}: the policy changed meanwhile (InvalidTokenException): review the new plan"
            ));
        }
        Err(e) => state.error(format!("{line}: {} — {e}", notice.join(" "))),
    }
}

/// A key on the top modal when it is a change, the wizard or a pick list.
/// The id and state of the selected peering (a peering node, or a peering
/// attachment).
pub(super) fn selected_peering(state: &State) -> Option<(String, crate::model::AttachmentState)> {
    match state.selected_node()? {
        Node::Peering(_, p) => Some((p.id.clone(), p.state.clone())),
        Node::Attachment(_, a) if a.kind == AttachmentKind::Peering => {
            Some((a.id.clone(), a.state.clone()))
        }
        _ => None,
    }
}

/// The route table and the CIDR of the route under the cursor (a route node, or the
/// detail pane's row of a route table).
pub(super) fn selected_route(state: &State) -> Option<(String, String)> {
    let cidr = |r: &crate::model::TgwRoute| match &r.destination {
        crate::model::Destination::Cidr(c) => Some(c.to_string()),
        crate::model::Destination::PrefixList(_) => None,
    };
    match state.selected_node()? {
        Node::Route(_, table, i) => Some((table.id.clone(), cidr(table.routes.get(i)?)?)),
        Node::RouteTable(_, table) | Node::More(_, table) if state.nav.focus == Focus::Detail => {
            let i = state.nav.detail.rows.get(state.nav.detail.cursor)?;
            Some((table.id.clone(), cidr(table.routes.get(*i)?)?))
        }
        _ => None,
    }
}

pub(super) fn selected_route_table(state: &State) -> Option<String> {
    match state.selected_node()? {
        Node::RouteTable(_, t) | Node::More(_, t) | Node::Route(_, t, _) => Some(t.id.clone()),
        _ => None,
    }
}

/// The changes that apply to the selection, as pick list items.
pub(super) fn actions_for(state: &State) -> Vec<MenuItem> {
    use crate::model::AttachmentState as S;
    let line = |label: String, l: String| MenuItem {
        label,
        run: MenuRun::Line(l),
    };
    let mut out = Vec::new();
    if let Some((id, st)) = selected_peering(state) {
        if st == S::PendingAcceptance {
            out.push(line(
                format!("accept peering {id}"),
                format!("peer accept {id}"),
            ));
            out.push(line(
                format!("reject peering {id}"),
                format!("peer reject {id}"),
            ));
        }
        if !matches!(st, S::Deleted | S::Deleting | S::Rejected | S::Failed) {
            out.push(line(
                format!("peering wizard: carry {id} on to connected"),
                format!("peer connect {id}"),
            ));
            out.push(line(
                format!("delete peering {id}"),
                format!("peer delete {id}"),
            ));
        }
    }
    if let Some(Node::Attachment(_, a)) = state.selected_node()
        && a.kind == AttachmentKind::Vpc
        && a.state == S::PendingAcceptance
    {
        out.push(line(
            format!("accept VPC attachment {}", a.id),
            format!("attach accept {}", a.id),
        ));
        out.push(line(
            format!("reject VPC attachment {}", a.id),
            format!("attach reject {}", a.id),
        ));
    }
    if let Some(Node::Attachment(_, a)) = state.selected_node()
        && a.kind == AttachmentKind::Vpc
        && let Some(on) = a.appliance_mode
    {
        let (label, word) = if on {
            ("turn appliance mode off", "off")
        } else {
            (
                "turn appliance mode on (what an inspection VPC needs)",
                "on",
            )
        };
        out.push(line(
            format!("{label} for {}", a.id),
            format!("attach options {} --appliance-mode {word}", a.id),
        ));
    }
    if let Some(l) = rule_group_toggle_line(state) {
        let label = if l.starts_with("fw enable") {
            "enable this rule group again (at its recorded priority)"
        } else {
            "disable this rule group (recorded in a policy tag)"
        };
        out.push(line(label.to_string(), l));
    }
    if let Some(table) = selected_route_table(state) {
        out.push(MenuItem {
            label: format!("add a route to {table}…"),
            run: MenuRun::Prompt(format!("route add {table} ")),
        });
    }
    if let Some((table, cidr)) = selected_route(state) {
        out.push(line(
            format!("delete route {cidr} from {table}"),
            format!("route del {table} {cidr}"),
        ));
        out.push(MenuItem {
            label: format!("replace the target of {cidr}…"),
            run: MenuRun::Prompt(format!("route replace {table} {cidr} ")),
        });
        out.push(line(
            format!("blackhole {cidr} in {table}"),
            format!("route blackhole {table} {cidr}"),
        ));
    }
    if let Some(Node::Tgw(_, tgw)) = state.selected_node() {
        out.push(MenuItem {
            label: format!("peering wizard: peer {} with another TGW…", tgw.id),
            run: MenuRun::PickPeer(tgw.id.clone()),
        });
    }
    if !state.changes.undo.is_empty() {
        out.push(line(
            format!(
                "undo {}",
                state
                    .changes
                    .undo
                    .last()
                    .map(|u| u.line.as_str())
                    .unwrap_or_default()
            ),
            "undo".into(),
        ));
    }
    out
}

pub(super) fn actions_menu(state: &mut State) {
    let items = actions_for(state);
    if items.is_empty() {
        state.info("no change applies here: select a peering, a TGW, a route table or a route");
        return;
    }
    state.modals.push(Modal::Menu(Box::new(MenuView {
        title: "Actions".into(),
        items,
        cursor: 0,
        typed: String::new(),
        typed_line: None,
    })));
}

pub(super) fn accept_reject(state: &mut State, action: &Action, fx: &mut Vec<Effect>) {
    let verb = if *action == Action::AcceptChange {
        "accept"
    } else {
        "reject"
    };
    if let Some((id, _)) = selected_peering(state) {
        return run_command(state, &format!("peer {verb} {id}"), fx);
    }
    if let Some(Node::Attachment(_, a)) = state.selected_node() {
        let id = a.id.clone();
        return run_command(state, &format!("attach {verb} {id}"), fx);
    }
    state.info(format!(
        "select a peering or a VPC attachment pending acceptance to {verb} it"
    ));
}

pub(super) fn delete_selected(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some((table, cidr)) = selected_route(state) {
        return run_command(state, &format!("route del {table} {cidr}"), fx);
    }
    if let Some((id, _)) = selected_peering(state) {
        return run_command(state, &format!("peer delete {id}"), fx);
    }
    state.info(
        "select a peering, a route, or a route in a route table's detail pane (Tab) to delete it",
    );
}

pub(super) fn add_route(state: &mut State) {
    match selected_route_table(state) {
        Some(table) => state
            .prompt
            .open(Mode::Command, format!("route add {table} ")),
        None => state.info("select a TGW route table to add a route to it"),
    }
}

/// `fw disable|enable POLICY GROUP` for the selected rule group, through the same
/// plan and confirmation as the `:` prompt.
pub(super) fn toggle_rule_group(state: &mut State, fx: &mut Vec<Effect>) {
    match rule_group_toggle_line(state) {
        Some(line) => run_command(state, &line, fx),
        None => {
            state.info("select a firewall rule group (Firewalls › firewall › policy) to toggle it");
        }
    }
}

/// The command that toggles the selected rule group: `fw disable` when the policy
/// references it, `fw enable` when netops disabled it. The policy is named by name
/// when that is unique in the loaded regions, else by ARN.
pub(super) fn rule_group_toggle_line(state: &State) -> Option<String> {
    use crate::command::{Command, FwCommand};
    let Some(Node::RuleGroup(region, policy, arn)) = state.selected_node() else {
        return None;
    };
    let group = tree::policy_groups(region, policy)
        .into_iter()
        .find(|g| g.arn == arn)?;
    let same_name = state
        .data
        .estate
        .loaded()
        .flat_map(|r| r.firewall_policies.iter())
        .filter(|p| p.name == policy.name)
        .count();
    let policy = if same_name == 1 {
        policy.name.clone()
    } else {
        policy.arn.clone()
    };
    let disabled = group.disabled;
    let group = group.name;
    Some(
        Command::Fw(if disabled {
            FwCommand::Enable { policy, group }
        } else {
            FwCommand::Disable { policy, group }
        })
        .to_line(),
    )
}

pub(super) fn connect_selected(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some((id, _)) = selected_peering(state) {
        return run_command(state, &format!("peer connect {id}"), fx);
    }
    if let Some(Node::Tgw(_, tgw)) = state.selected_node() {
        let menu = MenuView::peers(&state.data.estate, &tgw.id);
        state.modals.push(Modal::Menu(Box::new(menu)));
        return;
    }
    state.info("select a peering (to carry it on) or a TGW (to peer it) for the wizard");
}
