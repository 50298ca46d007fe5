//! The normal layer's keys: what each action does when no dialog is open.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn act_normal(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    if !matches!(action, Action::Noop) {
        state.message = None;
    }
    if state.nav.focus == Focus::Detail && act_detail(state, &action) {
        return;
    }
    match action {
        Action::Down => move_by(state, 1),
        Action::Up => move_by(state, -1),
        Action::PageDown => {
            let page = page_size(state);
            move_by(state, page);
        }
        Action::PageUp => {
            let page = page_size(state);
            move_by(state, -page);
        }
        Action::Top => move_to(state, 0),
        Action::Bottom => move_to(state, usize::MAX),
        Action::Collapse => {
            let sel = state.selected();
            let tree = state.nav.tree.get_mut();
            if !tree.close(&sel) && sel.len() > 1 {
                tree.select(sel[..sel.len() - 1].to_vec());
            }
            if matches!(sel.last(), Some(NodeId::RouteTable(_))) {
                state.nav.items_stale = true;
            }
        }
        Action::Expand => expand(state),
        Action::Open => open(state, fx),
        Action::JumpPeer => jump_peer(state, fx),
        Action::HistoryBack => {
            let reopen = state
                .nav
                .trace_return
                .take_if(|(_, depth)| *depth == state.nav.back.len());
            if let Some(path) = state.nav.back.pop() {
                let here = state.selected();
                state.nav.forward.push(here);
                state.select(path);
            } else if reopen.is_none() {
                state.info("nothing to go back to");
            }
            if let Some((view, _)) = reopen {
                state.modals.push(Modal::Trace(view));
            }
        }
        Action::HistoryForward => {
            if let Some(path) = state.nav.forward.pop() {
                let here = state.selected();
                state.nav.back.push(here);
                state.select(path);
            } else {
                state.info("nothing to go forward to");
            }
        }
        Action::Focus => {
            state.nav.focus = match state.nav.focus {
                Focus::Tree => Focus::Detail,
                Focus::Detail => Focus::Tree,
            };
        }
        Action::Back => {
            if state.nav.filter.is_some() {
                clear_filter(state);
            } else if state.nav.focus == Focus::Detail {
                state.nav.focus = Focus::Tree;
            }
        }
        Action::Filter => {
            if state.nav.opened_before_filter.is_none() {
                state.nav.opened_before_filter = Some(state.nav.tree.get_mut().opened().clone());
            }
            let text = state
                .nav
                .filter
                .as_ref()
                .map(|f| f.text.clone())
                .unwrap_or_default();
            state.prompt.open(Mode::Filter, text);
        }
        Action::Command => {
            state.prompt.open(Mode::Command, String::new());
        }
        Action::Help => {
            // Built on first use: the keymap does not change while the console runs.
            if state.content.help.is_empty() {
                state.content.help =
                    content::help_lines(&state.keymap, state.read_only, state.probes.available);
            }
            state.modals.push(Modal::Help {
                scroll: Scroll::default(),
            });
        }
        Action::Refresh => {
            let generation = state.next_generation();
            state.data.discover_gen = generation;
            let mut plan = state.data.plan.clone();
            for region in state.data.estate.regions.keys() {
                if !plan.regions.contains(region) {
                    plan.regions.push(region.clone());
                }
            }
            state.info(format!("refreshing {}…", plan.regions.join(", ")));
            fx.push(Effect::Discover { generation, plan });
        }
        Action::ReloadRegion => {
            let sel = state.selected();
            match sel.get(1) {
                Some(NodeId::Region(region)) => {
                    let region = region.clone();
                    reload_region(state, &region, fx);
                }
                _ => state.info("select a region (or anything in it) to reload it"),
            }
        }
        Action::CopyId | Action::CopyArn => {
            let text = state.selected_node().and_then(|node| {
                if action == Action::CopyId {
                    tree::node_id_text(&state.data.estate, &node)
                } else {
                    tree::node_arn(&state.data.estate, &node)
                }
            });
            match text {
                Some(text) => {
                    state.info(format!("copied {text} (OSC 52 clipboard)"));
                    fx.push(Effect::Copy(text));
                }
                None => state.info(if action == Action::CopyId {
                    "nothing to copy here: select an object with an id"
                } else {
                    "no ARN for this node"
                }),
            }
        }
        Action::Trace => match state.selected_node() {
            // `t` on a rule group toggles it (the key is per selection).
            Some(Node::RuleGroup(..)) if state.read_only => state.error(crate::error::read_only(
                "toggle-rule-group",
                crate::error::Refused::Change,
            )),
            Some(Node::RuleGroup(..)) => toggle_rule_group(state, fx),
            Some(Node::Subnet(_, subnet)) => {
                let line = format!("trace {} ", subnet.id);
                state.prompt.open(Mode::Command, line);
            }
            Some(Node::Instance(_, instance)) => {
                let line = format!("trace {} ", instance.id);
                state.prompt.open(Mode::Command, line);
            }
            _ => state.info(format!(
                "select a subnet or an instance to trace from it, or type :trace FROM TO ({} on a subnet or an instance)",
                state.keymap.hint(&Action::Trace)
            )),
        },
        // Who is 10.42.7.19? The answer comes back as a popup, like any `:` query.
        Action::Find => state.prompt.open(Mode::Command, "find ".to_string()),
        Action::Run(line) => run_command(state, &line, fx),
        Action::ProbeEgress => run_command(state, "probe egress", fx),
        Action::Findings => open_findings(state),
        a if a.is_change() && state.read_only => state.error(crate::error::read_only(
            &a.name(),
            crate::error::Refused::Change,
        )),
        a if a.is_change() && state.data.cached.is_some() => {
            if let Some(why) = super::changes::cached_refusal(state, &a.name()) {
                state.error(why);
            }
        }
        Action::Actions => actions_menu(state),
        Action::AcceptChange | Action::RejectChange => accept_reject(state, &action, fx),
        Action::DeleteChange => delete_selected(state, fx),
        Action::AddRoute => add_route(state),
        Action::Connect => connect_selected(state, fx),
        Action::ToggleRuleGroup => toggle_rule_group(state, fx),
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Action::Submit
        | Action::Cancel
        | Action::Complete
        | Action::ClearInput
        | Action::SearchHistory
        | Action::DeleteChar
        | Action::Left
        | Action::Right
        | Action::Confirm
        | Action::NextField
        | Action::PrevField
        | Action::AcceptImpact
        | Action::Noop => {}
    }
}
