//! Navigation: discovery results into the tree, moving and opening, following an
//! attachment or a peering to its other side, the detail pane's cursor.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn discovery(state: &mut State, generation: u64, event: DiscoveryEvent, at: u64) {
    if generation < state.data.discover_gen {
        return;
    }
    match &event {
        DiscoveryEvent::Started(region) => {
            if state
                .data
                .region_gen
                .get(region)
                .is_some_and(|g| *g > generation)
            {
                return;
            }
            state.data.region_gen.insert(region.clone(), generation);
            state.data.loading.insert(region.clone());
            // A loaded region keeps its data while it refreshes.
            if matches!(
                state.data.estate.regions.get(region),
                Some(RegionLoad::Loaded { .. })
            ) {
                state.nav.items_stale = true;
                state.dirty = true;
                return;
            }
        }
        DiscoveryEvent::Part(region, ..) => {
            if state.data.region_gen.get(region) != Some(&generation) {
                return;
            }
        }
        DiscoveryEvent::Finished(region, result) => {
            if state.data.region_gen.get(region) != Some(&generation) {
                return;
            }
            state.data.loading.remove(region);
            state.data.last_refresh = Some(at);
            if result.is_ok() && state.data.seen_regions.insert(region.clone()) {
                open_region_first_time(state, region, result);
            }
        }
    }
    apply_event(&mut state.data.estate, event);
    state.data_changed();
    state.dirty = true;
}

/// The last known estate arrived from the cache: its regions the live read has not
/// brought yet are shown now, marked as the snapshot they are.
pub(super) fn cached(state: &mut State, estate: Estate, age: String, path: std::path::PathBuf) {
    if state.data.live_done {
        return;
    }
    let mut shown = 0;
    for (name, load) in &estate.regions {
        let RegionLoad::Loaded { estate: region } = load else {
            continue;
        };
        if matches!(
            state.data.estate.regions.get(name),
            Some(RegionLoad::Loaded { .. } | RegionLoad::Failed { .. })
        ) {
            continue;
        }
        state.data.estate.regions.insert(
            name.clone(),
            RegionLoad::Loaded {
                estate: region.clone(),
            },
        );
        if state.data.seen_regions.insert(name.clone()) {
            open_region_first_time(state, name, &Ok(region.clone()));
        }
        shown += 1;
    }
    if shown == 0 {
        return;
    }
    if state.data.estate.account.is_none() {
        state.data.estate.account.clone_from(&estate.account);
    }
    state.data.cached = Some(format!("snapshot from {age}"));
    state.data.cached_estate = Some((std::sync::Arc::new(estate), path));
    state.data_changed();
    state.dirty = true;
}

/// The first full live read is in: the cached estate (if any) gives way, with a word
/// on what changed since; a clean read is saved for the next start.
pub(super) fn live_read_done(state: &mut State) {
    state.data.live_done = true;
    if let (Some(label), Some((old, path))) =
        (state.data.cached.take(), state.data.cached_estate.take())
    {
        // Objects only (milliseconds at 2,000 spokes); `:diff` adds what it did to paths.
        let changed = crate::ops::diff::objects::compare(&old, &state.data.estate);
        state.info(if changed.is_empty() {
            format!("live estate read; since the {label}: no change")
        } else {
            format!(
                "live estate read; since the {label}: {} — :diff {} shows them and what they did to paths",
                crate::text::plural(changed.len(), "object changed", "objects changed"),
                path.display()
            )
        });
        state.dirty = true;
    }
    if let Some(dir) = state.data.cache_dir.clone()
        && state.data.estate.failed().count() == 0
        && state.data.estate.loaded().next().is_some()
    {
        state.changes.jobs.push(FrontJob::SaveCache {
            dir,
            estate: std::sync::Arc::new(state.data.estate.clone()),
            profile: state.changes.profile.clone(),
            now: state.data.last_refresh.unwrap_or_default(),
        });
    }
}

pub(super) fn open_region_first_time(
    state: &mut State,
    region: &str,
    result: &Result<Box<crate::model::RegionEstate>, crate::backend::BackendError>,
) {
    let Ok(estate) = result else { return };
    let tree = state.nav.tree.get_mut();
    let rpath = vec![NodeId::Account, NodeId::Region(region.to_string())];
    tree.open(rpath.clone());
    for tgw in &estate.tgws {
        let mut p = rpath.clone();
        p.push(NodeId::Tgw(tgw.id.clone()));
        tree.open(p.clone());
        p.push(NodeId::Folder(Folder::RouteTables));
        tree.open(p);
    }
}

pub(super) fn reload_region(state: &mut State, region: &str, fx: &mut Vec<Effect>) {
    let generation = state.next_generation();
    state.data.region_gen.insert(region.to_string(), generation);
    state.data.loading.insert(region.to_string());
    if !state.data.estate.regions.contains_key(region) {
        state
            .data
            .estate
            .regions
            .insert(region.to_string(), RegionLoad::Loading);
    }
    state.data_changed();
    state.info(format!("reloading {region}…"));
    fx.push(Effect::LoadRegion {
        generation,
        region: region.to_string(),
    });
}

pub(super) fn page_size(state: &State) -> isize {
    isize::try_from(layout::tree_rows(state.size).max(1)).unwrap_or(1)
}

pub(super) fn move_by(state: &mut State, delta: isize) {
    let visible = state.visible();
    let sel = state.selected();
    let current = visible.iter().position(|p| *p == sel).unwrap_or(0);
    let target = current
        .saturating_add_signed(delta)
        .min(visible.len().saturating_sub(1));
    if let Some(path) = visible.get(target) {
        state.nav.tree.get_mut().select(path.clone());
    }
}

pub(super) fn move_to(state: &mut State, index: usize) {
    let visible = state.visible();
    let target = index.min(visible.len().saturating_sub(1));
    if let Some(path) = visible.get(target) {
        state.nav.tree.get_mut().select(path.clone());
    }
}

pub(super) fn has_children(state: &mut State, path: &NodePath) -> bool {
    let mut items: &[TreeItem<'static, NodeId>] = &state.nav.items;
    let mut found = None;
    for id in path {
        let Some(item) = items.iter().find(|i| i.identifier() == id) else {
            return false;
        };
        items = item.children();
        found = Some(item);
    }
    found.is_some_and(|i| !i.children().is_empty())
}

pub(super) fn expand(state: &mut State) {
    let sel = state.selected();
    if !has_children(state, &sel) {
        return;
    }
    if state.nav.tree.get_mut().open(sel.clone()) {
        if matches!(sel.last(), Some(NodeId::RouteTable(_))) {
            state.nav.items_stale = true;
        }
    } else {
        move_by(state, 1);
    }
}

pub(super) fn open(state: &mut State, fx: &mut Vec<Effect>) {
    let sel = state.selected();
    match state.selected_node() {
        Some(Node::Peering(..)) => jump_peer(state, fx),
        Some(Node::Attachment(_, a)) if a.kind == AttachmentKind::Peering => jump_peer(state, fx),
        Some(Node::Region(name, RegionLoad::Failed { .. })) => {
            let name = name.to_string();
            reload_region(state, &name, fx);
        }
        Some(Node::Route(region, table, i)) => {
            let target = table
                .routes
                .get(i)
                .and_then(|r| r.targets.first())
                .map(|t| t.attachment_id.clone());
            let region = region.region.clone();
            if let Some(att) = target {
                follow_attachment(state, &region, &att);
            }
        }
        Some(Node::Account) if !state.data.findings.is_empty() => open_findings(state),
        Some(
            Node::Folder(..)
            | Node::Account
            | Node::Region(..)
            | Node::Tgw(..)
            | Node::RouteTable(..)
            | Node::Vpc(..),
        ) => {
            state.nav.tree.get_mut().toggle(sel.clone());
            if matches!(sel.last(), Some(NodeId::RouteTable(_))) {
                state.nav.items_stale = true;
            }
        }
        _ => {}
    }
}

pub(super) fn follow_attachment(state: &mut State, region: &str, attachment: &str) {
    let found = state
        .data
        .estate
        .region(region)
        .and_then(|r| r.attachments.iter().find(|a| a.id == attachment))
        .map(|a| tree::attachment_path(region, &a.tgw_id, &a.id));
    match found {
        Some(path) => {
            if state.nav.filter.is_some() {
                clear_filter(state);
            }
            state.jump(path);
        }
        None => state.error(format!(
            "attachment {attachment} no longer exists in {region}: routes to it are blackholes"
        )),
    }
}

pub(super) fn jump_peer(state: &mut State, fx: &mut Vec<Effect>) {
    let sel = state.selected();
    let Some(NodeId::Region(here)) = sel.get(1).cloned() else {
        state.info("select a peering (or a TGW with one) to jump across it");
        return;
    };
    let Some(region) = state.data.estate.region(&here) else {
        state.info("select a peering (or a TGW with one) to jump across it");
        return;
    };
    let candidates: Vec<_> = match state.selected_node() {
        Some(Node::Peering(_, p)) => vec![p.clone()],
        Some(Node::Attachment(_, a)) => region
            .peerings
            .iter()
            .filter(|p| p.id == a.id)
            .cloned()
            .collect(),
        _ => {
            // A TGW, or anything under it: its peerings.
            let tgw = sel.iter().find_map(|n| match n {
                NodeId::Tgw(t) => Some(t.clone()),
                _ => None,
            });
            region
                .peerings
                .iter()
                .filter(|p| {
                    tgw.as_ref()
                        .is_none_or(|t| p.requester.tgw_id == *t || p.accepter.tgw_id == *t)
                })
                .cloned()
                .collect()
        }
    };
    let peering = match candidates.as_slice() {
        [] => {
            state.info("no peering here to jump across");
            return;
        }
        [one] => one.clone(),
        many => {
            state.info(format!(
                "{} peerings here: select one under Peerings and press {}",
                many.len(),
                state.keymap.hint(&Action::JumpPeer)
            ));
            return;
        }
    };
    let other = peering.other_side(&here).clone();
    match state.data.estate.regions.get(&other.region) {
        Some(RegionLoad::Loaded { estate }) => {
            if estate.tgws.iter().any(|t| t.id == other.tgw_id) {
                if state.nav.filter.is_some() {
                    clear_filter(state);
                }
                state.jump(tree::tgw_path(&other.region, &other.tgw_id));
                state.info(format!(
                    "jumped across {} to {} in {} ({} to go back)",
                    peering.name.as_deref().unwrap_or(&peering.id),
                    other.tgw_id,
                    other.region,
                    state.keymap.hint(&Action::HistoryBack)
                ));
            } else {
                state.error(format!(
                    "peer TGW {} is not in {} (it may belong to another account)",
                    other.tgw_id, other.region
                ));
            }
        }
        Some(RegionLoad::Failed { error }) => {
            let error = error.clone();
            state.jump(vec![NodeId::Account, NodeId::Region(other.region.clone())]);
            state.error(format!("{} could not be read: {error}", other.region));
        }
        Some(RegionLoad::Loading) => {
            state.info(format!(
                "{} is still loading; try again in a moment",
                other.region
            ));
        }
        None => {
            reload_region(state, &other.region, fx);
            state.info(format!(
                "loading {} to follow the peering; press {} again when it has loaded",
                other.region,
                state.keymap.hint(&Action::JumpPeer)
            ));
        }
    }
}

/// Handles movement in the detail pane; false when the action is not about it.
pub(super) fn act_detail(state: &mut State, action: &Action) -> bool {
    let rows = state.nav.detail.rows.len();
    let page = layout::detail_table_rows(state.size).max(1);
    if rows == 0 {
        let height = usize::from(layout::panes(state.size).1.height.saturating_sub(2));
        let len = state.content.detail.body.as_ref().map_or(0, |w| w.height);
        let max = len.saturating_sub(height);
        let page = height.max(1);
        let d = &mut state.nav.detail;
        match action {
            Action::Down => d.scroll = d.scroll.saturating_add(1),
            Action::Up => d.scroll = d.scroll.saturating_sub(1),
            Action::PageDown => d.scroll = d.scroll.saturating_add(page),
            Action::PageUp => d.scroll = d.scroll.saturating_sub(page),
            Action::Top => d.scroll = 0,
            Action::Bottom => d.scroll = max,
            _ => return false,
        }
        d.scroll = d.scroll.min(max);
        return true;
    }
    let d = &mut state.nav.detail;
    let last = rows - 1;
    match action {
        Action::Down => d.cursor = (d.cursor + 1).min(last),
        Action::Up => d.cursor = d.cursor.saturating_sub(1),
        Action::PageDown => d.cursor = (d.cursor + page).min(last),
        Action::PageUp => d.cursor = d.cursor.saturating_sub(page),
        Action::Top => d.cursor = 0,
        Action::Bottom => d.cursor = last,
        Action::Open => {
            if let Some(Node::RouteTable(region, table)) = state.selected_node() {
                let target = state
                    .nav
                    .detail
                    .rows
                    .get(state.nav.detail.cursor)
                    .and_then(|i| table.routes.get(*i))
                    .and_then(|r| r.targets.first())
                    .map(|t| t.attachment_id.clone());
                let region = region.region.clone();
                if let Some(att) = target {
                    follow_attachment(state, &region, &att);
                }
            }
            return true;
        }
        _ => return false,
    }
    keep_detail_cursor_in_view(state);
    true
}

pub(super) fn keep_detail_cursor_in_view(state: &mut State) {
    let h = layout::detail_table_rows(state.size).max(1);
    let d = &mut state.nav.detail;
    if d.cursor < d.offset {
        d.offset = d.cursor;
    } else if d.cursor >= d.offset + h {
        d.offset = d.cursor + 1 - h;
    }
}

/// Shows `path` in the tree (a finding's Enter): the filter is cleared if it hides
/// it, and `[` comes back to where the user was.
pub(super) fn show_path(state: &mut State, path: NodePath, what: &str) {
    if state.nav.filter.is_some() {
        clear_filter(state);
    }
    state.jump(path);
    state.info(format!(
        "{what} ({} returns)",
        state.keymap.hint(&Action::HistoryBack)
    ));
}

/// The findings list over the console's latest audit: refused, with the reason, when
/// there is nothing to list.
pub(super) fn open_findings(state: &mut State) {
    if state.data.estate.loaded().next().is_none() {
        state.info("no findings yet: no region has been read");
        return;
    }
    // The baseline arrives with the audit of the current version.
    let stale = state.data.baseline.is_none();
    if state.data.findings.is_empty() {
        state.info(if stale {
            "no findings so far; the audit of the latest version is still running"
        } else {
            "no findings: the audit found nothing to report"
        });
        return;
    }
    let view = crate::tui::findings_view::FindingsView::new(state.data.findings.clone(), stale);
    state.modals.push(Modal::Findings(Box::new(view)));
}

/// Enter on a trace hop: the trace view closes (kept for `[`) and the tree shows the
/// hop's object, or the nearest node that does.
pub(super) fn jump_from_trace(state: &mut State, object: &crate::net::ObjectRef) {
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
    let Some(path) = tree::object_path(&net, object) else {
        state.error(format!(
            "{} is not in the tree (its region may not be loaded)",
            object.id
        ));
        return;
    };
    let Some(Modal::Trace(view)) = state.modals.pop() else {
        return;
    };
    if state.nav.filter.is_some() {
        clear_filter(state);
    }
    // Always a history entry, even onto the node already selected, so `[` finds it.
    let here = state.selected();
    state.nav.back.push(here);
    state.nav.forward.clear();
    state.select(path);
    state.nav.trace_return = Some((view, state.nav.back.len()));
    state.info(format!(
        "{} ({} returns to the trace)",
        object.id,
        state.keymap.hint(&Action::HistoryBack)
    ));
}
