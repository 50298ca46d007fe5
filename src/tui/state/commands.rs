//! The `/` filter and the `:` prompt: what is typed, checked as it is typed, and
//! run (the same command vocabulary as `--batch`).

#[allow(clippy::wildcard_imports)]
use super::*;

/// What the prompt's text drives: the `/` filter is applied as it is typed.
pub(super) fn prompt_changed(state: &mut State) {
    if state.prompt.mode == Mode::Filter {
        state.nav.filter = Some(Filter::new(&state.prompt.input));
        state.nav.items_stale = true;
    }
    state.prompt_check = if state.prompt.mode == Mode::Command {
        check_typed(state)
    } else {
        None
    };
}

/// Validates a change command as typed: the same checks as its plan, without the
/// impact. Silent until the line parses as a change command.
pub(super) fn check_typed(state: &mut State) -> Option<PromptCheck> {
    let cmd = match crate::command::parse_line(&state.prompt.input) {
        Ok(Some(cmd)) => cmd,
        Err(e) if e.bad_argument => return Some(PromptCheck::Refused(e.message)),
        Ok(None) | Err(_) => return None,
    };
    if !cmd.is_change() {
        return None;
    }
    if state.read_only {
        return Some(PromptCheck::Refused(crate::error::read_only(
            "this line",
            crate::error::Refused::Change,
        )));
    }
    let net = state.data.net();
    let ctx = crate::ops::Context {
        request_tag: "typing".into(),
        undo: state.changes.undo.clone(),
        undone: state.changes.undone,
        ..crate::ops::Context::default()
    };
    Some(match crate::ops::quick_check(&net, &cmd, &ctx) {
        Err(e) => PromptCheck::Refused(e.message),
        Ok(problems) => match problems.first() {
            None => PromptCheck::Ready,
            Some(p) if p.level == crate::plan::Level::Refused => {
                PromptCheck::Refused(p.message.clone())
            }
            Some(p) => PromptCheck::Warning(p.message.clone()),
        },
    })
}

/// Input while the prompt is open: its keys, and text typed or pasted into it.
pub(super) fn prompt_input(state: &mut State, input: Input, fx: &mut Vec<Effect>) {
    match input {
        Input::Act(action) => act_input(state, &action, fx),
        Input::Text(text) => type_text(state, &text),
        Input::DialogChar(_) | Input::Nothing => {}
    }
}

fn act_input(state: &mut State, action: &Action, fx: &mut Vec<Effect>) {
    let estate = &state.data.estate;
    match state.prompt.update(action, |words| ids_for(estate, words)) {
        PromptOutcome::Nothing => {}
        PromptOutcome::Changed => prompt_changed(state),
        PromptOutcome::NoCompletion(word) => {
            state.info(format!("no completion for \"{word}\""));
        }
        PromptOutcome::Submitted {
            mode: Mode::Command,
            line,
        } => {
            state.prompt.remember(&line);
            if let Some(path) = &state.changes.history_file
                && !line.trim().is_empty()
            {
                state.changes.jobs.push(FrontJob::RememberLine {
                    path: path.clone(),
                    line: line.trim().to_string(),
                });
            }
            run_command(state, &line, fx);
        }
        PromptOutcome::NoMatch(text) => {
            state.info(format!("no earlier command contains \"{}\"", text.trim()));
        }
        PromptOutcome::Submitted {
            mode: Mode::Filter,
            line,
        } => {
            if line.trim().is_empty() {
                clear_filter(state);
            } else {
                select_first_match(state);
                let shown = state.visible().len();
                state.info(format!(
                    "filter \"{}\": {shown} rows shown; Esc clears it",
                    line.trim()
                ));
            }
        }
        PromptOutcome::Submitted {
            mode: Mode::Normal, ..
        } => {}
        PromptOutcome::Cancelled { mode } => {
            if mode == Mode::Filter {
                clear_filter(state);
            }
        }
        PromptOutcome::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
    }
}

/// After a filter is applied, puts the selection on the first match itself (the
/// first row with no visible children), not on the account node above it: the user
/// filtered to reach that row.
pub(super) fn select_first_match(state: &mut State) {
    state.sync();
    let rows = state.visible();
    let leaf = rows.iter().enumerate().find_map(|(i, path)| {
        let has_child = rows
            .get(i + 1)
            .is_some_and(|next| next.len() > path.len() && next.starts_with(path));
        (!has_child).then(|| path.clone())
    });
    if let Some(path) = leaf {
        state.select(path);
    }
}

pub(super) fn clear_filter(state: &mut State) {
    if state.nav.filter.take().is_some() {
        if let Some(opened) = state.nav.opened_before_filter.take() {
            let selected = state.selected();
            let mut fresh = TreeState::default();
            for p in opened {
                fresh.open(p);
            }
            *state.nav.tree.get_mut() = fresh;
            state.select(selected);
        }
        state.nav.items_stale = true;
        state.info("filter cleared");
    }
}

/// `:trace FROM TO …`: the trace view, or the query's error in the message line.
pub(super) fn run_trace(state: &mut State, cmd: &crate::command::Command) {
    let Some(query) = crate::command::trace_query(cmd) else {
        return;
    };
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
    match crate::net::trace::trace(&net, &query) {
        Ok(t) => {
            // The flow a bare `:trace` stands for is said in the title: the next
            // trace typed (or a check's ICMP) must not seem to disagree with it.
            let defaulted = query.protocol.is_none()
                && query.port.is_none()
                && query.sni.is_none()
                && query.http_host.is_none();
            let title = if defaulted {
                format!(
                    ":{} — {}{} by default (--proto, --port, --sni change it)",
                    cmd.to_line(),
                    t.flow.protocol.as_str(),
                    t.flow.dst_port.map(|p| format!("/{p}")).unwrap_or_default()
                )
            } else {
                format!(":{}", cmd.to_line())
            };
            let mut view = TraceView::new(title, &t);
            view.keep_in_view(usize::from(
                layout::popup_height(state.size).saturating_sub(2),
            ));
            state.modals.push(Modal::Trace(Box::new(view)));
        }
        Err(e) => state.error(format!(":{} — {e}", cmd.to_line())),
    }
}

pub(super) fn run_command(state: &mut State, line: &str, fx: &mut Vec<Effect>) {
    match crate::command::parse_line(line) {
        Ok(None) => {}
        Ok(Some(cmd @ crate::command::Command::Trace { .. })) => run_trace(state, &cmd),
        // The console's findings are the runtime's audit of the estate on screen.
        Ok(Some(crate::command::Command::Audit { .. })) => open_findings(state),
        Ok(Some(cmd)) if cmd.is_probe() => run_probe(state, &cmd, fx),
        Ok(Some(cmd))
            if cmd.is_change()
                || matches!(
                    cmd,
                    crate::command::Command::AuditLog { .. }
                        | crate::command::Command::Peer(crate::command::PeerCommand::Wait { .. })
                ) =>
        {
            run_change(state, &cmd, fx);
        }
        // The diff view: snapshots read and compared off the screen's thread.
        Ok(Some(command @ crate::command::Command::Diff { .. })) => {
            state.info(format!(":{} — reading and comparing…", command.to_line()));
            state.changes.jobs.push(FrontJob::Diff {
                command,
                estate: std::sync::Arc::new(state.data.estate.clone()),
            });
        }
        // Answered off the screen's thread (an audit of a large estate takes a while).
        Ok(Some(command)) => state.changes.jobs.push(FrontJob::Query {
            command,
            estate: std::sync::Arc::new(state.data.estate.clone()),
        }),
        Err(e) if e.is_help => {
            state.modals.push(Modal::Output {
                title: format!(":{}", line.trim()),
                lines: e.message.lines().map(str::to_string).collect(),
                scroll: Scroll::default(),
            });
        }
        Err(e) => state.error(format!(
            ":{} — {} (Tab completes, :help lists commands)",
            line.trim(),
            e.message
        )),
    }
}

/// Ids the estate knows, for completing the word after `words` (the command and
/// the words typed before it). After a TGW route table, a route's target is one of
/// that TGW's attachments.
pub(super) fn ids_for(estate: &Estate, words: &[&str]) -> Vec<String> {
    let command = words.first().copied().unwrap_or("");
    if command == "route"
        && let Some(table) = words.iter().find(|w| w.starts_with("tgw-rtb-"))
    {
        let tgw = estate
            .loaded()
            .flat_map(|r| r.tgw_route_tables.iter())
            .find(|t| t.id == *table)
            .map(|t| t.tgw_id.clone());
        let mut out: Vec<String> = estate
            .loaded()
            .flat_map(|r| r.attachments.iter())
            .filter(|a| tgw.as_ref().is_none_or(|t| &a.tgw_id == t))
            .map(|a| a.id.clone())
            .collect();
        out.sort();
        out.dedup();
        return out;
    }
    let mut out = Vec::new();
    for r in estate.loaded() {
        match command {
            "route-tables" | "attachments" => out.extend(r.tgws.iter().map(|t| t.id.clone())),
            "routes" => out.extend(r.tgw_route_tables.iter().map(|t| t.id.clone())),
            // Change commands: their sub-commands, then what they act on.
            "route" | "assoc" | "disassoc" | "prop" => {
                out.extend(r.tgw_route_tables.iter().map(|t| t.id.clone()));
                out.extend(r.attachments.iter().map(|t| t.id.clone()));
            }
            "vpc-route" => {
                out.extend(r.vpc_route_tables.iter().map(|t| t.id.clone()));
                out.extend(r.tgws.iter().map(|t| t.id.clone()));
                out.extend(r.nat_gateways.iter().map(|t| t.id.clone()));
                out.extend(r.internet_gateways.iter().map(|t| t.id.clone()));
                out.extend(r.vpc_endpoints.iter().map(|t| t.id.clone()));
            }
            "peer" => {
                out.extend(r.peerings.iter().map(|t| t.id.clone()));
                out.extend(r.tgws.iter().map(|t| t.id.clone()));
            }
            "attach" => out.extend(
                r.attachments
                    .iter()
                    .filter(|a| {
                        a.kind == AttachmentKind::Vpc
                            && a.state == crate::model::AttachmentState::PendingAcceptance
                    })
                    .map(|t| t.id.clone()),
            ),
            "trace" => {
                out.extend(r.instances.iter().map(|t| t.id.clone()));
                out.extend(r.subnets.iter().map(|t| t.id.clone()));
            }
            "export" if words.contains(&"--trace") => {
                out.extend(r.instances.iter().map(|t| t.id.clone()));
                out.extend(r.subnets.iter().map(|t| t.id.clone()));
            }
            "show" | "find" => {
                out.extend(r.tgws.iter().map(|t| t.id.clone()));
                out.extend(r.tgw_route_tables.iter().map(|t| t.id.clone()));
                out.extend(r.attachments.iter().map(|t| t.id.clone()));
                out.extend(r.vpcs.iter().map(|t| t.id.clone()));
                out.extend(r.subnets.iter().map(|t| t.id.clone()));
                out.extend(r.vpc_route_tables.iter().map(|t| t.id.clone()));
                out.extend(r.nat_gateways.iter().map(|t| t.id.clone()));
                out.extend(r.internet_gateways.iter().map(|t| t.id.clone()));
                out.extend(r.vpc_endpoints.iter().map(|t| t.id.clone()));
                out.extend(r.instances.iter().map(|t| t.id.clone()));
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    let subcommands: &[&str] = match (command, words.len()) {
        (_, 2..) => &[],
        ("route", _) => &["add", "blackhole", "replace", "del"],
        ("vpc-route", _) => &["add", "replace", "del"],
        ("peer", _) => &["create", "accept", "reject", "delete", "wait", "connect"],
        ("attach", _) => &["accept", "reject"],
        ("prop", _) => &["on", "off"],
        ("export", _) => &["mermaid", "dot"],
        _ => &[],
    };
    let mut all: Vec<String> = subcommands.iter().map(|s| (*s).to_string()).collect();
    all.extend(out);
    all
}

/// Types text into the prompt (a key or a whole paste: one update either way).
fn type_text(state: &mut State, text: &str) {
    let Typed { cut } = state.prompt.type_text(text);
    prompt_changed(state);
    if cut {
        state.error(format!("input cut at {MAX_INPUT} characters"));
    }
}
