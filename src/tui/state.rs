//! The console's state and its pure update function.
//!
//! The state composes: [`Data`] (the estate and the generations of the requests that
//! fill it), [`Nav`] (tree, selection, filter, detail cursor, history), [`Prompt`] (the
//! `/` and `:` line), a stack of [`Modal`]s (the top one takes the keys) and
//! [`CachedContent`] (what the detail pane and help show, built here once per change so
//! `view` only renders).
//!
//! Invariants:
//! - [`update`] does no I/O, never awaits and reads no clock: time arrives in messages,
//!   and everything with an outside effect is returned as an [`Effect`] for the
//!   runtime ([`crate::runtime`]).
//! - Every request carries a generation (its task id). A region result is applied only
//!   when its generation is the latest asked for that region, and discovery events
//!   older than the latest full refresh are dropped: a slow old answer never overwrites
//!   a newer one.
//! - A loaded region keeps its data while it is being refreshed (marked as refreshing),
//!   so the screen stays usable; it is replaced only when the new answer arrives.
//! - The keymap layer is the top modal's, else the prompt's, else the normal one; Ctrl-C
//!   quits from anywhere whatever the keymap says, so no keymap can trap the user.
//! - `dirty` is set whenever something visible changed; the runtime draws only then. A
//!   spinner tick only sets `dirty`: nothing is rebuilt.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use ratatui::text::Line;
use tui_tree_widget::{TreeItem, TreeState};

use super::change::{
    ConfirmOutcome, ConfirmView, MenuItem, MenuRun, MenuView, Stage, WizStage, WizardEvent,
    WizardView,
};
use super::content::{self, ContentInput, Detail, SPINNER_PLACEHOLDER, Wrapped};
use super::keymap::{Action, Key, KeyCode, Keymap, Layer};
use super::layout;
use super::modal::{Modal, ModalContext, ModalOutcome, Scroll};
use super::probe_view::{ProbeOutcome, ProbeView};
pub use super::prompt::{MAX_INPUT, Mode, Prompt};
use super::prompt::{PromptOutcome, Typed};
use super::trace_view::TraceView;
use super::tree::{self, Filter, Finding, Folder, Node, NodeId, NodePath};
use crate::discovery::{DiscoveryEvent, DiscoveryPlan, apply_event};
use crate::model::{Account, AttachmentKind, Estate, RegionLoad};
pub use crate::runtime::{DiscoveryPlanData, Effect};
use crate::runtime::{Report, TaskId};

/// Braille spinner frames; the frame shown depends only on the tick count.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Input to [`update`].
#[derive(Debug, Clone)]
pub enum Msg {
    /// The console opened: start discovery.
    Start,
    /// A key press.
    Key(Key),
    /// Text pasted into the terminal (bracketed paste), taken as typed text at once.
    Paste(String),
    /// An action, as a key would run it (tests, mouse).
    Action(Action),
    /// Mouse wheel at a screen position.
    Scroll { down: bool, column: u16, row: u16 },
    /// A discovery or reload event for request `generation`, received at `at` (Unix seconds).
    Discovery {
        generation: u64,
        event: DiscoveryEvent,
        at: u64,
    },
    /// A full discovery finished.
    DiscoveryDone { generation: u64 },
    /// The backend told who the account is.
    Account(Option<Account>),
    /// A timer asked for with [`Effect::Timer`] fired.
    Timer { task: TaskId },
    /// A change asked for with [`Effect::Apply`] was applied or refused.
    Applied {
        task: TaskId,
        result: Result<crate::backend::ChangeOutcome, crate::backend::BackendError>,
    },
    /// What an [`Effect::Observe`] read (a change's verification, a wait).
    Observed {
        task: TaskId,
        region: String,
        result: Result<crate::runtime::Observation, crate::backend::BackendError>,
    },
    /// A probe's progress ([`Effect::Probe`]).
    Probe {
        task: TaskId,
        event: crate::runtime::ProbeEvent,
    },
    /// An audit log write asked for with [`FrontJob::AppendLog`] failed.
    LogWriteFailed(String),
    /// Audit lines asked for with [`Effect::Record`] were written (or not).
    Recorded {
        task: TaskId,
        result: Result<(), String>,
    },
    /// The audit log read for `:audit-log` ([`FrontJob::ReadLog`]): a title and its
    /// lines, or why it could not be read.
    LogRead {
        title: String,
        result: Result<Vec<String>, String>,
    },
    /// The audit of a data version finished.
    Audited {
        task: TaskId,
        findings: Vec<crate::net::Finding>,
        baseline: std::sync::Arc<crate::net::baseline::Baseline>,
    },
    /// Something went wrong outside the console that the user should know (e.g. the log
    /// file cannot be written); shown once in the message line.
    Warn(String),
    /// Spinner tick (only sent while something loads or a probe runs).
    Tick,
    /// The front end's clock, in milliseconds from its start: sent before each burst
    /// of messages, so probes are timed without `update` reading a clock (the test
    /// harness never sends it: its probes all take 0.0 s).
    Now(u64),
    /// The terminal size.
    Resize(u16, u16),
}

impl From<Report> for Msg {
    fn from(report: Report) -> Self {
        match report {
            Report::Discovery { task, event, at } => Self::Discovery {
                generation: task,
                event,
                at,
            },
            Report::DiscoveryDone { task } => Self::DiscoveryDone { generation: task },
            Report::Account(a) => Self::Account(a),
            Report::Timer { task } => Self::Timer { task },
            Report::Applied { task, result } => Self::Applied { task, result },
            Report::Audited {
                task,
                findings,
                baseline,
            } => Self::Audited {
                task,
                findings,
                baseline,
            },
            Report::Observed {
                task,
                region,
                result,
            } => Self::Observed {
                task,
                region,
                result,
            },
            Report::Probe { task, event } => Self::Probe { task, event },
            Report::Recorded { task, result } => Self::Recorded { task, result },
        }
    }
}

/// Which pane moves with j/k.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Detail,
}

/// The top modal, as tests and the view ask about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Generated from the active keymap.
    Help,
    /// A command's output.
    Output { title: String, lines: Vec<String> },
    /// The trace view: its title (`:trace FROM TO`) and the selected hop's id.
    Trace {
        title: String,
        selected: Option<String>,
    },
    /// A planned change: its command line and stage (`review`, `applying`,
    /// `finished`).
    Change { line: String, stage: String },
    /// The peering wizard: its command line and step (1 create … 4 verified).
    Wizard { line: String, step: usize },
    /// A pick list: its title and items.
    Menu { title: String, items: Vec<String> },
    /// The probe matrix: its command line, tally and selected row's label.
    Probe {
        line: String,
        tally: String,
        selected: Option<String>,
    },
}

/// File work the front end does for the console (update stays pure): it answers
/// with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontJob {
    /// Read the last `last` entries for `:audit-log`; answers [`Msg::LogRead`].
    ReadLog {
        path: std::path::PathBuf,
        last: Option<usize>,
    },
}

/// The first task id of change work (applies, re-reads, waits): apart from reads
/// and audits.
pub const CHANGE_TASKS: TaskId = crate::runtime::tasks::CHANGES;

/// What changing the network needs across commands.
#[derive(Debug, Clone)]
pub struct Changes {
    pub next_task: TaskId,
    /// Applied changes `:undo` can reverse, newest last.
    pub undo: Vec<crate::ops::UndoEntry>,
    /// How many changes `:undo` reversed.
    pub undone: usize,
    /// Where applied changes are logged; `None`: not logged.
    pub audit_log: Option<std::path::PathBuf>,
    /// The profile name the audit log records.
    pub profile: String,
    /// Unique to this console (the front end sets it): request tags derive from it.
    pub session_tag: String,
    requests: u64,
    /// File work for the front end, taken with [`State::take_jobs`].
    pub jobs: Vec<FrontJob>,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            next_task: CHANGE_TASKS,
            undo: Vec::new(),
            undone: 0,
            audit_log: None,
            profile: String::new(),
            session_tag: "netops-console".into(),
            requests: 0,
            jobs: Vec::new(),
        }
    }
}

impl Changes {
    fn request_tag(&mut self) -> String {
        self.requests += 1;
        format!("{}-{}", self.session_tag, self.requests)
    }

    fn tasks(&mut self, n: u64) -> TaskId {
        let t = self.next_task;
        self.next_task += n;
        t
    }
}

/// The first task id of probes: apart from reads, audits and changes.
pub const PROBE_TASKS: TaskId = crate::runtime::tasks::PROBES;

/// What running probes needs across commands.
#[derive(Debug, Clone)]
pub struct Probes {
    /// True when the session has a prober (never in read-only).
    pub available: bool,
    pub next_task: TaskId,
    /// The front end's latest clock ([`Msg::Now`]), in milliseconds.
    pub now_ms: u64,
}

impl Default for Probes {
    fn default() -> Self {
        Self {
            available: false,
            next_task: PROBE_TASKS,
            now_ms: 0,
        }
    }
}

/// How the message line shows a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Error,
}

/// The detail pane's cursor over a route table's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailCursor {
    /// What the rows were computed for: (selected path, filter text, data version).
    key: Option<(NodePath, String, u64)>,
    /// Route indices shown (all, or those matching the filter).
    pub rows: Vec<usize>,
    pub cursor: usize,
    pub offset: usize,
    /// (static, propagated, blackhole) routes of the table, counted once per change.
    pub counts: (usize, usize, usize),
    /// Scroll of non-table detail views, in wrapped rows.
    pub scroll: usize,
}

/// The estate and the bookkeeping of the requests that fill it.
#[derive(Debug, Default)]
pub struct Data {
    pub estate: Estate,
    pub plan: DiscoveryPlanData,
    /// Regions with a request in flight.
    pub loading: BTreeSet<String>,
    next_gen: u64,
    discover_gen: u64,
    region_gen: BTreeMap<String, u64>,
    /// When the last region answer arrived (Unix seconds).
    pub last_refresh: Option<u64>,
    pub findings: Vec<Finding>,
    /// The estate indexed by id, rebuilt with every data version: the network
    /// questions the panes ask go through [`crate::net::Net`] over it.
    pub index: crate::net::EstateIndex,
    /// Bumped on every change of what the panes show from the data.
    pub version: u64,
    /// The index and findings are behind the estate (rebuilt by `sync`).
    stale: bool,
    /// An audit of the current version is to be asked for (`update_all` asks).
    audit_wanted: bool,
    /// The audit whose findings the console waits for.
    audit_gen: u64,
    /// The impact baseline of this version (from its audit), for change previews.
    pub baseline: Option<std::sync::Arc<crate::net::baseline::Baseline>>,
    /// Regions already shown once (opened automatically the first time).
    seen_regions: BTreeSet<String>,
}

/// Where the user is: tree, selection, filter, detail cursor, history.
pub struct Nav {
    pub focus: Focus,
    pub filter: Option<Filter>,
    opened_before_filter: Option<HashSet<NodePath>>,
    /// The tree items, rebuilt only when their inputs change.
    pub items: Vec<TreeItem<'static, NodeId>>,
    items_stale: bool,
    /// Selection, open nodes and the scroll offset. In a `RefCell` because the tree
    /// widget keeps its scroll offset in it while rendering from `&State`.
    pub tree: RefCell<TreeState<NodeId>>,
    pub detail: DetailCursor,
    back: Vec<NodePath>,
    forward: Vec<NodePath>,
    /// The trace view Enter on a hop left, and the depth of `back` right after that
    /// jump: `[` at that depth reopens the view instead of only going back.
    trace_return: Option<(Box<TraceView>, usize)>,
}

/// What the detail pane and help show, built by `update`, read by `view`.
#[derive(Debug, Clone, Default)]
pub struct CachedContent {
    /// (selection, data version, pane width) the detail was built for.
    key: Option<(NodePath, u64, u16)>,
    pub detail: Detail,
    /// The help overlay's lines, built the first time help is opened.
    pub help: Vec<Line<'static>>,
}

/// The verdict on a change command as it is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptCheck {
    /// Nothing stands in its way (Enter previews it with its impact).
    Ready,
    /// Legal, with a warning.
    Warning(String),
    /// It would be refused (or does not name what it should): why.
    Refused(String),
}

/// Everything the console shows. Owned by the UI task.
pub struct State {
    pub data: Data,
    pub nav: Nav,
    pub prompt: Prompt,
    /// What the checks say of the change command being typed at `:` (validated as
    /// you type, without the impact: that comes with the preview).
    pub prompt_check: Option<PromptCheck>,
    /// Screens over the panes; the last one is on top and takes the keys.
    pub modals: Vec<Modal>,
    pub content: CachedContent,
    pub backend_label: String,
    pub read_only: bool,
    pub keymap: Keymap,
    /// A user keymap that failed to load; the defaults are in use.
    pub keymap_error: Option<String>,
    pub spinner: usize,
    pub size: (u16, u16),
    pub message: Option<(String, Severity)>,
    pub dirty: bool,
    pub quit: bool,
    /// Changes: task ids, undo, the audit log.
    pub changes: Changes,
    /// Probes: whether they can run, their task ids, the clock they are timed by.
    pub probes: Probes,
}

/// How a console starts.
pub struct StateInit {
    pub plan: DiscoveryPlan,
    pub backend_label: String,
    pub read_only: bool,
    pub keymap: Keymap,
    pub keymap_error: Option<String>,
    pub size: (u16, u16),
}

impl Default for DiscoveryPlanData {
    fn default() -> Self {
        Self {
            regions: Vec::new(),
            follow_peers: true,
            concurrency: 4,
        }
    }
}

impl State {
    /// A console with nothing loaded yet.
    #[must_use]
    pub fn new(init: StateInit) -> Self {
        let mut tree = TreeState::default();
        tree.open(vec![NodeId::Account]);
        tree.select(vec![NodeId::Account]);
        let mut state = Self {
            data: Data {
                plan: DiscoveryPlanData::from(&init.plan),
                ..Data::default()
            },
            nav: Nav {
                focus: Focus::Tree,
                filter: None,
                opened_before_filter: None,
                items: Vec::new(),
                items_stale: true,
                tree: RefCell::new(tree),
                detail: DetailCursor::default(),
                back: Vec::new(),
                forward: Vec::new(),
                trace_return: None,
            },
            prompt: Prompt::default(),
            prompt_check: None,
            modals: Vec::new(),
            content: CachedContent::default(),
            backend_label: init.backend_label,
            read_only: init.read_only,
            keymap: init.keymap,
            message: init
                .keymap_error
                .as_ref()
                .map(|e| (format!("{e} (using the default keymap)"), Severity::Error)),
            keymap_error: init.keymap_error,
            spinner: 0,
            size: init.size,
            dirty: true,
            quit: false,
            changes: Changes::default(),
            probes: Probes::default(),
        };
        state.sync();
        state
    }

    /// The keymap layer in effect: the prompt's while typing, else the top modal's.
    #[must_use]
    pub fn layer(&self) -> Layer {
        if self.prompt.mode != Mode::Normal {
            return Layer::Input;
        }
        self.modals.last().map_or(Layer::Normal, Modal::layer)
    }

    /// The top modal as a plain value (help, or a command's output).
    #[must_use]
    pub fn overlay(&self) -> Option<Overlay> {
        self.modals.last().map(|m| match m {
            Modal::Help { .. } => Overlay::Help,
            Modal::Output { title, lines, .. } => Overlay::Output {
                title: title.clone(),
                lines: lines.clone(),
            },
            Modal::Trace(view) => Overlay::Trace {
                title: view.title.clone(),
                selected: view.selected_hop().map(|h| h.id.clone()),
            },
            Modal::Change(c) => Overlay::Change {
                line: c.plan.line.clone(),
                stage: c.stage_name().to_string(),
            },
            Modal::Wizard(w) => Overlay::Wizard {
                line: w.line.clone(),
                step: w.step,
            },
            Modal::Menu(m) => Overlay::Menu {
                title: m.title.clone(),
                items: m.items.iter().map(|i| i.label.clone()).collect(),
            },
            Modal::Probe(p) => Overlay::Probe {
                line: p.run.line.clone(),
                tally: p.run.tally(),
                selected: p.selected_row().map(|r| r.label.clone()),
            },
        })
    }

    /// True while a probe waits for an answer (the spinner turns, elapsed ticks).
    #[must_use]
    pub fn probe_busy(&self) -> bool {
        self.modals
            .iter()
            .any(|m| matches!(m, Modal::Probe(p) if p.busy()))
    }

    /// The probe run shown (the topmost probe matrix), for tests and the view.
    #[must_use]
    pub fn probe_run(&self) -> Option<&crate::probe::ProbeRun> {
        self.modals.iter().rev().find_map(|m| match m {
            Modal::Probe(p) => Some(&p.run),
            _ => None,
        })
    }

    /// True while a change is in flight or the wizard waits (the spinner turns).
    #[must_use]
    pub fn change_busy(&self) -> bool {
        self.modals.iter().any(|m| match m {
            Modal::Change(c) => matches!(c.stage, Stage::Applying(_)),
            Modal::Wizard(w) => w.busy(),
            _ => false,
        })
    }

    /// The file work the front end is to do now.
    pub fn take_jobs(&mut self) -> Vec<FrontJob> {
        std::mem::take(&mut self.changes.jobs)
    }

    /// True while any region is being read (the spinner turns only then).
    #[must_use]
    pub fn is_loading(&self) -> bool {
        !self.data.loading.is_empty()
    }

    /// The current spinner frame.
    #[must_use]
    pub fn spinner_frame(&self) -> &'static str {
        SPINNER[self.spinner % SPINNER.len()]
    }

    /// The selected path.
    #[must_use]
    pub fn selected(&self) -> NodePath {
        self.nav.tree.borrow().selected().to_vec()
    }

    /// The selected node, resolved.
    #[must_use]
    pub fn selected_node(&self) -> Option<Node<'_>> {
        let path = self.selected();
        tree::resolve(&self.data.estate, &path)
    }

    /// Errors to count in the status bar: failed regions, unread parts, a bad keymap.
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.data.estate.failed().count()
            + self
                .data
                .estate
                .loaded()
                .map(|r| r.gaps.len())
                .sum::<usize>()
            + usize::from(self.keymap_error.is_some())
    }

    fn next_generation(&mut self) -> u64 {
        self.data.next_gen += 1;
        self.data.next_gen
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), Severity::Info));
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), Severity::Error));
    }

    fn visible(&mut self) -> Vec<NodePath> {
        self.nav
            .tree
            .get_mut()
            .flatten(&self.nav.items)
            .into_iter()
            .map(|f| f.identifier)
            .collect()
    }

    fn select(&mut self, path: NodePath) {
        let tree = self.nav.tree.get_mut();
        for i in 1..path.len() {
            tree.open(path[..i].to_vec());
        }
        tree.select(path);
        self.nav.focus = Focus::Tree;
        self.nav.items_stale = true;
    }

    /// Moves to `path`, remembering where we were for `[`.
    fn jump(&mut self, path: NodePath) {
        let here = self.selected();
        if here != path {
            self.nav.back.push(here);
            self.nav.forward.clear();
        }
        self.select(path);
    }

    /// Recomputes what depends on the data, the filter or the selection.
    fn sync(&mut self) {
        if self.data.stale {
            self.data.stale = false;
            self.data.index = crate::net::EstateIndex::build(&self.data.estate);
            // The findings follow from the runtime's audit of this version; until it
            // answers, the previous ones stay on screen.
            self.data.audit_wanted = true;
        }
        if self.nav.items_stale {
            self.nav.items_stale = false;
            let built = {
                let tree = self.nav.tree.get_mut();
                let input = tree::TreeInput {
                    estate: &self.data.estate,
                    loading: &self.data.loading,
                    opened: tree.opened(),
                    filter: self.nav.filter.as_ref(),
                    spinner: SPINNER_PLACEHOLDER,
                    order: &self.data.plan.regions,
                };
                tree::build(&input)
            };
            self.nav.items = built.items;
            let tree = self.nav.tree.get_mut();
            for path in built.open {
                tree.open(path);
            }
            // Keep the selection on something visible: the nearest visible ancestor.
            let visible: HashSet<NodePath> = self.visible().into_iter().collect();
            let tree = self.nav.tree.get_mut();
            let mut sel = tree.selected().to_vec();
            while !sel.is_empty() && !visible.contains(&sel) {
                sel.pop();
            }
            if sel.is_empty() {
                sel = vec![NodeId::Account];
            }
            if tree.selected() != sel.as_slice() {
                tree.select(sel);
            }
        }
        self.sync_detail_cursor();
        self.sync_content();
    }

    fn sync_detail_cursor(&mut self) {
        let key = (
            self.selected(),
            self.nav
                .filter
                .as_ref()
                .map(|f| f.text.clone())
                .unwrap_or_default(),
            self.data.version,
        );
        if self.nav.detail.key.as_ref() == Some(&key) {
            return;
        }
        let mut counts = (0, 0, 0);
        let rows = match tree::resolve(&self.data.estate, &key.0) {
            Some(Node::RouteTable(_, table) | Node::More(_, table)) => {
                for r in &table.routes {
                    match r.route_type {
                        crate::model::RouteType::Propagated => counts.1 += 1,
                        _ => counts.0 += 1,
                    }
                    if r.state == crate::model::RouteState::Blackhole {
                        counts.2 += 1;
                    }
                }
                let all = || (0..table.routes.len()).collect::<Vec<_>>();
                match self.nav.filter.as_ref().filter(|f| !f.is_empty()) {
                    Some(f) => {
                        let hits: Vec<usize> = table
                            .routes
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| f.route_matches(r))
                            .map(|(i, _)| i)
                            .collect();
                        if hits.is_empty() { all() } else { hits }
                    }
                    None => all(),
                }
            }
            _ => Vec::new(),
        };
        let same_node = self.nav.detail.key.as_ref().is_some_and(|k| k.0 == key.0);
        let (cursor, offset, scroll) = if same_node {
            (
                self.nav.detail.cursor,
                self.nav.detail.offset,
                self.nav.detail.scroll,
            )
        } else {
            (0, 0, 0)
        };
        let max = rows.len().saturating_sub(1);
        self.nav.detail = DetailCursor {
            key: Some(key),
            rows,
            cursor: cursor.min(max),
            offset: offset.min(max),
            counts,
            scroll,
        };
    }

    /// Rebuilds the detail pane's content when the selection, the data or the pane's
    /// width changed, and keeps its scroll within the wrapped height.
    fn sync_content(&mut self) {
        let width = layout::panes(self.size).1.width.saturating_sub(2);
        let key = (self.selected(), self.data.version, width);
        if self.content.key.as_ref() != Some(&key) {
            let node = tree::resolve(&self.data.estate, &key.0);
            let input = ContentInput {
                estate: &self.data.estate,
                net: crate::net::Net::with_index(&self.data.estate, &self.data.index),
                findings: &self.data.findings,
                order: &self.data.plan.regions,
                backend_label: &self.backend_label,
                loading: &self.data.loading,
                keymap: &self.keymap,
                read_only: self.read_only,
            };
            let title = crate::text::terminal_safe(&content::detail_title(&input, node.as_ref()))
                .into_owned();
            let body = content::detail_lines(&input, node).map(|l| Wrapped::new(l, width));
            self.content.detail = Detail { title, body };
            self.content.key = Some(key);
        }
        let height = usize::from(layout::panes(self.size).1.height.saturating_sub(2));
        if let Some(body) = &self.content.detail.body {
            let max = body.height.saturating_sub(height);
            self.nav.detail.scroll = self.nav.detail.scroll.min(max);
        }
    }

    /// Marks everything derived from the data as stale; [`State::sync`] rebuilds it
    /// once, however many changes a burst of messages made.
    fn data_changed(&mut self) {
        self.data.version += 1;
        // Previews compute their impact cold until this version's audit answers.
        self.data.baseline = None;
        self.data.stale = true;
        self.nav.items_stale = true;
    }
}

/// The first task id of audits: far above any generation a session reaches.
const AUDIT_TASKS: TaskId = crate::runtime::tasks::AUDIT;

/// Applies one message. Pure: no I/O, no clock, no awaiting.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    update_all(state, [msg])
}

/// Applies a burst of messages (what arrived since the last frame) and rebuilds what
/// depends on the data once at the end, not once per message. A key sees the state
/// as the messages before it left it. Pure, as [`update`].
pub fn update_all(state: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    let mut fx = Vec::new();
    for msg in msgs {
        if matches!(
            msg,
            Msg::Key(_) | Msg::Paste(_) | Msg::Action(_) | Msg::Scroll { .. } | Msg::Resize(..)
        ) {
            state.sync();
        }
        apply(state, msg, &mut fx);
    }
    state.sync();
    if state.data.audit_wanted {
        state.data.audit_wanted = false;
        // Audits are numbered in their own range, so the generations of reads (which
        // scripts and tests follow) do not move.
        let task = AUDIT_TASKS + state.data.audit_gen.saturating_sub(AUDIT_TASKS) + 1;
        state.data.audit_gen = task;
        fx.push(Effect::Audit {
            task,
            estate: crate::runtime::Snapshot(std::sync::Arc::new(state.data.estate.clone())),
        });
    }
    fx
}

fn apply(state: &mut State, msg: Msg, fx: &mut Vec<Effect>) {
    match msg {
        Msg::Start => {
            let generation = state.next_generation();
            state.data.discover_gen = generation;
            fx.push(Effect::Discover {
                generation,
                plan: state.data.plan.clone(),
            });
        }
        Msg::Key(key) if key.ctrl && key.code == KeyCode::Char('c') => {
            // The way out that no keymap can take away.
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Msg::Key(key) if key.ctrl && key.code == KeyCode::Char('z') => {
            fx.push(Effect::Suspend);
            state.dirty = true;
        }
        Msg::Key(key) if takes_char(state, key) => {
            if let Some(c) = key.typed_char() {
                match state.modals.last_mut() {
                    Some(Modal::Change(view)) => view.type_char(c),
                    Some(Modal::Wizard(w)) => {
                        if let WizStage::Step(view) = &mut w.stage {
                            view.type_char(c);
                        }
                    }
                    Some(Modal::Menu(m)) => m.type_char(c),
                    _ => {}
                }
            }
            state.dirty = true;
        }
        Msg::Key(key) => {
            let layer = state.layer();
            if let Some(action) = state.keymap.action(layer, key).cloned() {
                act(state, action, fx);
            } else if layer == Layer::Input
                && let Some(c) = key.typed_char()
            {
                type_text(state, &c.to_string());
            }
            state.dirty = true;
        }
        Msg::Paste(text) => {
            if state.prompt.mode == Mode::Normal {
                state.info("paste into the : prompt or the / filter (press : or / first)");
            } else {
                type_text(state, &text);
            }
            state.dirty = true;
        }
        Msg::Action(action) => {
            act(state, action, fx);
            state.dirty = true;
        }
        Msg::Scroll { down, column, row } => {
            let (tree_area, detail_area) = layout::panes(state.size);
            let action = if down { Action::Down } else { Action::Up };
            if !state.modals.is_empty() {
                act(state, action, fx);
            } else if detail_area.contains((column, row).into()) {
                state.nav.focus = Focus::Detail;
                act(state, action, fx);
            } else if tree_area.contains((column, row).into()) {
                state.nav.focus = Focus::Tree;
                act(state, action, fx);
            }
            state.dirty = true;
        }
        Msg::Discovery {
            generation,
            event,
            at,
        } => discovery(state, generation, event, at),
        Msg::DiscoveryDone { generation } => {
            if generation == state.data.discover_gen && state.message.is_none() {
                let failed = state.data.estate.failed().count();
                if failed > 0 {
                    let key = key_hint(state, &Action::ReloadRegion);
                    state.error(format!(
                        "{} could not be read; select it and press {key} to retry",
                        plural_regions(failed)
                    ));
                    state.dirty = true;
                }
            }
        }
        Msg::Account(account) => {
            if account.is_some() {
                state.data.estate.account = account;
                state.data_changed();
                state.dirty = true;
            }
        }
        Msg::Timer { task } => {
            change_report(state, &Report::Timer { task }, fx);
            state.dirty = true;
        }
        Msg::Observed {
            task,
            region,
            result,
        } => {
            change_report(
                state,
                &Report::Observed {
                    task,
                    region,
                    result,
                },
                fx,
            );
            state.dirty = true;
        }
        Msg::Recorded { task, result } => {
            let report = Report::Recorded { task, result };
            if !change_report(state, &report, fx)
                && let Report::Recorded { result: Err(e), .. } = report
            {
                state.error(e);
            }
            state.dirty = true;
        }
        Msg::Applied { task, result } => {
            let report = Report::Applied { task, result };
            if !change_report(state, &report, fx)
                && let Report::Applied { result, .. } = report
            {
                // Nothing waits for it any more (it cannot happen: a dialog with a
                // change in flight does not close); said anyway, never dropped.
                match result {
                    Ok(_) => state.info("change applied"),
                    Err(e) => state.error(e.message),
                }
            }
            state.dirty = true;
        }
        Msg::Probe { task, event } => {
            let report = Report::Probe { task, event };
            let now = state.probes.now_ms;
            // A report no open matrix owns was cancelled with its matrix: dropped.
            if let Some(Modal::Probe(view)) = state
                .modals
                .iter_mut()
                .find(|m| matches!(m, Modal::Probe(p) if p.run.owns(&report)))
            {
                view.run.on_report(&report, now);
                state.dirty = true;
            }
        }
        Msg::Now(ms) => state.probes.now_ms = ms,
        Msg::LogWriteFailed(problem) => {
            state.error(format!(
                "the change WAS applied, but the audit log could not be written: {problem}"
            ));
            state.dirty = true;
        }
        Msg::LogRead { title, result } => {
            match result {
                Ok(lines) => state.modals.push(Modal::Output {
                    title,
                    lines,
                    scroll: Scroll::default(),
                }),
                Err(e) => state.error(e),
            }
            state.dirty = true;
        }
        Msg::Audited {
            task,
            findings,
            baseline,
        } => {
            // An audit of an older version is superseded by the one in flight.
            if task == state.data.audit_gen {
                let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
                state.data.findings = tree::findings_of(&net, findings);
                state.data.baseline = Some(baseline);
                state.content.key = None;
                state.dirty = true;
            }
        }
        Msg::Warn(text) => {
            state.error(text);
            state.dirty = true;
        }
        Msg::Tick => {
            let now = state.probes.now_ms;
            for m in &mut state.modals {
                if let Modal::Probe(p) = m {
                    p.run.tick(now);
                }
            }
            if state.is_loading() || state.change_busy() || state.probe_busy() {
                state.spinner = state.spinner.wrapping_add(1);
                state.dirty = true;
            }
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            keep_detail_cursor_in_view(state);
            state.dirty = true;
        }
    }
}

/// Types text into the prompt (a key or a whole paste: one update either way).
fn type_text(state: &mut State, text: &str) {
    let Typed { cut } = state.prompt.type_text(text);
    prompt_changed(state);
    if cut {
        state.error(format!("input cut at {MAX_INPUT} characters"));
    }
}

fn plural_regions(n: usize) -> String {
    if n == 1 {
        "1 region".into()
    } else {
        format!("{n} regions")
    }
}

fn key_hint(state: &State, action: &Action) -> String {
    state
        .keymap
        .key_for(Layer::Normal, action)
        .map_or_else(|| format!(":{}", action.name()), |k| k.to_string())
}

fn discovery(state: &mut State, generation: u64, event: DiscoveryEvent, at: u64) {
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

fn open_region_first_time(
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

/// What the prompt's text drives: the `/` filter is applied as it is typed.
fn prompt_changed(state: &mut State) {
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
fn check_typed(state: &mut State) -> Option<PromptCheck> {
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
    state.sync();
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
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

fn act(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    if state.prompt.mode != Mode::Normal {
        return act_input(state, &action, fx);
    }
    if matches!(
        state.modals.last(),
        Some(Modal::Change(_) | Modal::Wizard(_) | Modal::Menu(_))
    ) {
        return act_change_modal(state, &action, fx);
    }
    if matches!(state.modals.last(), Some(Modal::Probe(_))) {
        return act_probe(state, &action, fx);
    }
    if let Some(top) = state.modals.last_mut() {
        let ctx = ModalContext {
            height: usize::from(layout::popup_height(state.size).saturating_sub(2)),
            help_len: state.content.help.len(),
        };
        match top.update(&action, ctx) {
            ModalOutcome::Keep => {}
            ModalOutcome::Close => {
                state.modals.pop();
            }
            ModalOutcome::Effects(more) => fx.extend(more),
            ModalOutcome::Say(text) => state.info(text),
            ModalOutcome::Jump(object) => jump_from_trace(state, &object),
        }
        return;
    }
    act_normal(state, action, fx);
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
        } => run_command(state, &line, fx),
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
fn select_first_match(state: &mut State) {
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

fn clear_filter(state: &mut State) {
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

fn act_normal(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
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
            _ => state.info(format!(
                "select a subnet to trace from it, or type :trace FROM TO ({} on a subnet)",
                key_hint(state, &Action::Trace)
            )),
        },
        Action::Run(line) => run_command(state, &line, fx),
        Action::ProbeEgress => run_command(state, "probe egress", fx),
        a if a.is_change() && state.read_only => state.error(crate::error::read_only(
            &a.name(),
            crate::error::Refused::Change,
        )),
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

fn reload_region(state: &mut State, region: &str, fx: &mut Vec<Effect>) {
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

fn page_size(state: &State) -> isize {
    isize::try_from(layout::tree_rows(state.size).max(1)).unwrap_or(1)
}

fn move_by(state: &mut State, delta: isize) {
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

fn move_to(state: &mut State, index: usize) {
    let visible = state.visible();
    let target = index.min(visible.len().saturating_sub(1));
    if let Some(path) = visible.get(target) {
        state.nav.tree.get_mut().select(path.clone());
    }
}

fn has_children(state: &mut State, path: &NodePath) -> bool {
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

fn expand(state: &mut State) {
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

fn open(state: &mut State, fx: &mut Vec<Effect>) {
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

fn follow_attachment(state: &mut State, region: &str, attachment: &str) {
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

fn jump_peer(state: &mut State, fx: &mut Vec<Effect>) {
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
                key_hint(state, &Action::JumpPeer)
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
                    key_hint(state, &Action::HistoryBack)
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
                key_hint(state, &Action::JumpPeer)
            ));
        }
    }
}

/// Handles movement in the detail pane; false when the action is not about it.
fn act_detail(state: &mut State, action: &Action) -> bool {
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

fn keep_detail_cursor_in_view(state: &mut State) {
    let h = layout::detail_table_rows(state.size).max(1);
    let d = &mut state.nav.detail;
    if d.cursor < d.offset {
        d.offset = d.cursor;
    } else if d.cursor >= d.offset + h {
        d.offset = d.cursor + 1 - h;
    }
}

/// Enter on a trace hop: the trace view closes (kept for `[`) and the tree shows the
/// hop's object, or the nearest node that does.
fn jump_from_trace(state: &mut State, object: &crate::net::ObjectRef) {
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
        key_hint(state, &Action::HistoryBack)
    ));
}

/// `:trace FROM TO …`: the trace view, or the query's error in the message line.
fn run_trace(state: &mut State, cmd: &crate::command::Command) {
    let Some(query) = crate::command::trace_query(cmd) else {
        return;
    };
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
    match crate::net::trace::trace(&net, &query) {
        Ok(t) => {
            let mut view = TraceView::new(format!(":{}", cmd.to_line()), &t);
            view.keep_in_view(usize::from(
                layout::popup_height(state.size).saturating_sub(2),
            ));
            state.modals.push(Modal::Trace(Box::new(view)));
        }
        Err(e) => state.error(format!(":{} — {e}", cmd.to_line())),
    }
}

fn run_command(state: &mut State, line: &str, fx: &mut Vec<Effect>) {
    match crate::command::parse_line(line) {
        Ok(None) => {}
        Ok(Some(cmd @ crate::command::Command::Trace { .. })) => run_trace(state, &cmd),
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
        Ok(Some(cmd)) => match crate::query::run_with(
            &crate::net::Net::with_index(&state.data.estate, &state.data.index),
            &cmd,
        ) {
            Ok(output) => {
                state.modals.push(Modal::Output {
                    title: format!(":{}", cmd.to_line()),
                    lines: output.to_text().lines().map(str::to_string).collect(),
                    scroll: Scroll::default(),
                });
            }
            Err(e) => state.error(format!(":{} — {e}", cmd.to_line())),
        },
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
fn ids_for(estate: &Estate, words: &[&str]) -> Vec<String> {
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
            "show" => {
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
        _ => &[],
    };
    let mut all: Vec<String> = subcommands.iter().map(|s| (*s).to_string()).collect();
    all.extend(out);
    all
}

/// True when a typed key goes to the top modal's text (the id of a destructive
/// change, a pick list's filter) rather than through the keymap.
fn takes_char(state: &State, key: Key) -> bool {
    if state.prompt.mode != Mode::Normal {
        return false;
    }
    let Some(c) = key.typed_char() else {
        return false;
    };
    match state.modals.last() {
        // Ids are letters, digits, dashes, dots and slashes (CIDRs); `!`, `?` and
        // the like stay keys.
        Some(Modal::Change(view)) => {
            view.takes_text() && (c.is_ascii_alphanumeric() || "-./:".contains(c))
        }
        Some(Modal::Wizard(w)) => {
            matches!(&w.stage, WizStage::Step(v) if v.takes_text())
                && (c.is_ascii_alphanumeric() || "-./:".contains(c))
        }
        Some(Modal::Menu(_)) => state.keymap.action(Layer::Menu, key).is_none(),
        _ => false,
    }
}

/// The read-only refusal of a change command.
fn read_only_refusal(line: &str) -> String {
    crate::error::read_only(&format!("`{line}`"), crate::error::Refused::Change)
}

/// A change command at `:` (or from a key): planned on the console's estate and shown
/// for confirmation; `peer connect` opens the wizard; `audit-log` reads the log.
fn run_change(state: &mut State, cmd: &crate::command::Command, fx: &mut Vec<Effect>) {
    use crate::command::{Command, PeerCommand};
    let line = cmd.to_line();
    if cmd.is_change() && state.read_only {
        state.error(read_only_refusal(&line));
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

/// A probe command at `:` (or `E`): planned on the console's estate as it is now,
/// every row sent at once, the matrix opened over the panes. Refused, with nothing
/// sent, in a session without a prober.
fn run_probe(state: &mut State, cmd: &crate::command::Command, fx: &mut Vec<Effect>) {
    let line = cmd.to_line();
    if !state.probes.available {
        state.error(if state.read_only {
            crate::error::read_only(&format!("`{line}`"), crate::error::Refused::Probe)
        } else {
            format!(
                "`{line}` needs SSM Run Command, which this session cannot use; nothing was sent"
            )
        });
        return;
    }
    match plan_probe(state, cmd) {
        Ok(view) => {
            let view = start_probe(state, view, fx);
            state.modals.push(Modal::Probe(Box::new(view)));
        }
        Err(e) => state.error(format!(":{line} — {e}")),
    }
}

fn plan_probe(
    state: &mut State,
    cmd: &crate::command::Command,
) -> Result<ProbeView, crate::error::CommandError> {
    state.sync();
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
    let run = crate::probe::ProbeRun::plan(&net, cmd, state.probes.next_task)?;
    Ok(ProbeView::new(run))
}

/// Sends every probeable row; the run's task ids are reserved.
fn start_probe(state: &mut State, mut view: ProbeView, fx: &mut Vec<Effect>) -> ProbeView {
    let rows = u64::try_from(view.run.rows.len()).unwrap_or(u64::MAX);
    state.probes.next_task = state.probes.next_task.saturating_add(rows);
    fx.extend(view.run.start(state.probes.now_ms));
    view
}

/// A key on the probe matrix.
fn act_probe(state: &mut State, action: &Action, fx: &mut Vec<Effect>) {
    let Some(Modal::Probe(view)) = state.modals.last_mut() else {
        return;
    };
    match view.update(action) {
        ProbeOutcome::Keep => {}
        ProbeOutcome::Close => {
            let cancel = view.cancel();
            if !cancel.is_empty() {
                state.info(format!(
                    "probe matrix closed: {} probe(s) still waiting were cancelled",
                    cancel.len()
                ));
            }
            fx.extend(cancel);
            state.modals.pop();
        }
        ProbeOutcome::Detail => {
            let title = view
                .selected_row()
                .map(|r| format!(":{} — {}", view.run.line, r.label))
                .unwrap_or_default();
            let lines = view.detail_lines();
            if !lines.is_empty() {
                state.modals.push(Modal::Output {
                    title,
                    lines,
                    scroll: Scroll::default(),
                });
            }
        }
        ProbeOutcome::Rerun => {
            fx.extend(view.cancel());
            let line = view.run.line.clone();
            let selected = view.selected;
            let planned = crate::command::parse_line(&line)
                .map_err(|e| e.message)
                .and_then(|cmd| cmd.ok_or_else(|| "empty command".to_string()))
                .and_then(|cmd| plan_probe(state, &cmd).map_err(|e| e.to_string()));
            match planned {
                Ok(mut fresh) => {
                    fresh.selected = selected.min(fresh.run.rows.len().saturating_sub(1));
                    let fresh = start_probe(state, fresh, fx);
                    if let Some(Modal::Probe(view)) = state.modals.last_mut() {
                        **view = fresh;
                    }
                    state.info(format!(":{line} — probing again"));
                }
                Err(e) => {
                    state.modals.pop();
                    state.error(format!(":{line} — {e}"));
                }
            }
        }
    }
}

/// Works out the wizard's next step on the estate as it is now.
fn advance_wizard(state: &mut State, i: usize, fx: &mut Vec<Effect>) {
    state.sync();
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
    let baseline = state.data.baseline.clone();
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
fn fold_execution(state: &mut State, exec: &crate::ops::exec::Execution) -> (Vec<String>, bool) {
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
fn change_report(state: &mut State, report: &Report, fx: &mut Vec<Effect>) -> bool {
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
                            state.sync();
                            let net =
                                crate::net::Net::with_index(&state.data.estate, &state.data.index);
                            let baseline = state.data.baseline.clone();
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
    false
}

/// The toggle a stale update token refused, as (region, policy ARN).
fn conflict_toggle(exec: &crate::ops::exec::Execution) -> Option<(String, String)> {
    exec.results.iter().find_map(|r| match &r.outcome {
        Some(Err(e)) if e.kind == crate::backend::ErrorKind::Conflict => {
            r.op.change
                .toggle()
                .map(|(t, _)| (r.op.region.clone(), t.policy_arn.clone()))
        }
        _ => None,
    })
}

/// The firewall re-read after a stale token answered: fold it in, say what the
/// colleague changed, and put the same command's plan on their version up for a
/// new confirmation (nothing is re-applied without it).
fn reread_done(
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
    state.sync();
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
    match (&reread.before, &after) {
        (Some(b), Some(a)) => notice.extend(
            crate::ops::firewall::what_changed(b, a)
                .into_iter()
                .map(|l| format!("  {l}")),
        ),
        _ => notice.push("  the policy is gone".into()),
    }
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
    let net = crate::net::Net::with_index(&state.data.estate, &state.data.index);
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
fn act_change_modal(state: &mut State, action: &Action, fx: &mut Vec<Effect>) {
    let Some(top) = state.modals.last_mut() else {
        return;
    };
    match top {
        Modal::Change(view) => match view.update(action) {
            ConfirmOutcome::Keep => {}
            ConfirmOutcome::Close(text) => {
                state.modals.pop();
                if !text.is_empty() {
                    state.info(text);
                }
            }
            ConfirmOutcome::Start => {
                let span = ConfirmView::task_span(&view.plan);
                let first = state.changes.tasks(span);
                if let Some(Modal::Change(view)) = state.modals.last_mut() {
                    fx.extend(view.start(first));
                }
            }
            ConfirmOutcome::Say(text) => state.info(text),
        },
        Modal::Menu(menu) => match menu.update(action) {
            None => {}
            Some(None) => {
                state.modals.pop();
            }
            Some(Some(run)) => {
                state.modals.pop();
                match run {
                    MenuRun::Line(line) => run_command(state, &line, fx),
                    MenuRun::Prompt(text) => state.prompt.open(Mode::Command, text),
                    MenuRun::PickPeer(local) => pick_peer(state, &local),
                }
            }
        },
        Modal::Wizard(_) => act_wizard(state, action, fx),
        _ => {}
    }
}

fn act_wizard(state: &mut State, action: &Action, fx: &mut Vec<Effect>) {
    let Some(Modal::Wizard(w)) = state.modals.last_mut() else {
        return;
    };
    let cancel = matches!(action, Action::Cancel | Action::Back | Action::Quit);
    match &mut w.stage {
        WizStage::Step(view) if matches!(view.stage, Stage::Review) => match action {
            _ if cancel => {
                let line = w.line.clone();
                state.modals.pop();
                state.info(format!(
                    "peering wizard closed: nothing was sent; :{line} resumes from where the network is"
                ));
            }
            Action::Confirm | Action::Submit => match view.blocker() {
                Some(why) => state.info(why),
                None => {
                    let span = ConfirmView::task_span(&view.plan);
                    let first = state.changes.tasks(span);
                    if let Some(Modal::Wizard(w)) = state.modals.last_mut()
                        && let WizStage::Step(view) = &mut w.stage
                    {
                        fx.extend(view.start(first));
                    }
                }
            },
            Action::Down => w.scroll = w.scroll.saturating_add(1),
            Action::Up => w.scroll = w.scroll.saturating_sub(1),
            other => {
                if let ConfirmOutcome::Say(text) = view.update(other) {
                    state.info(text);
                }
            }
        },
        WizStage::Step(_) | WizStage::Waiting { .. } if cancel => {
            let (more, close) = w.cancel();
            fx.extend(more);
            let line = w.line.clone();
            if close {
                state.modals.pop();
                state.info(format!(
                    "peering wizard cancelled while waiting (nothing was in flight); :{line} resumes"
                ));
            } else {
                state.info(
                    "cancelling: a change is in flight; its answer is shown before the wizard stops",
                );
            }
        }
        WizStage::Done { .. } | WizStage::Stopped(_)
            if cancel || matches!(action, Action::Confirm | Action::Submit) =>
        {
            state.modals.pop();
        }
        _ => match action {
            Action::Down => w.scroll = w.scroll.saturating_add(1),
            Action::Up => w.scroll = w.scroll.saturating_sub(1),
            _ => {}
        },
    }
}

/// The id and state of the selected peering (a peering node, or a peering
/// attachment).
fn selected_peering(state: &State) -> Option<(String, crate::model::AttachmentState)> {
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
fn selected_route(state: &State) -> Option<(String, String)> {
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

fn selected_route_table(state: &State) -> Option<String> {
    match state.selected_node()? {
        Node::RouteTable(_, t) | Node::More(_, t) | Node::Route(_, t, _) => Some(t.id.clone()),
        _ => None,
    }
}

/// The changes that apply to the selection, as pick list items.
fn actions_for(state: &State) -> Vec<MenuItem> {
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

fn actions_menu(state: &mut State) {
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

fn accept_reject(state: &mut State, action: &Action, fx: &mut Vec<Effect>) {
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

fn delete_selected(state: &mut State, fx: &mut Vec<Effect>) {
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

fn add_route(state: &mut State) {
    match selected_route_table(state) {
        Some(table) => state
            .prompt
            .open(Mode::Command, format!("route add {table} ")),
        None => state.info("select a TGW route table to add a route to it"),
    }
}

/// `fw disable|enable POLICY GROUP` for the selected rule group, through the same
/// plan and confirmation as the `:` prompt.
fn toggle_rule_group(state: &mut State, fx: &mut Vec<Effect>) {
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
fn rule_group_toggle_line(state: &State) -> Option<String> {
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

fn connect_selected(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some((id, _)) = selected_peering(state) {
        return run_command(state, &format!("peer connect {id}"), fx);
    }
    if let Some(Node::Tgw(_, tgw)) = state.selected_node() {
        let id = tgw.id.clone();
        return pick_peer(state, &id);
    }
    state.info("select a peering (to carry it on) or a TGW (to peer it) for the wizard");
}

/// The wizard's first step for a new peering: pick the peer TGW among the other TGWs
/// of the estate (any region), or type its id.
fn pick_peer(state: &mut State, local: &str) {
    let items: Vec<MenuItem> = state
        .data
        .estate
        .loaded()
        .flat_map(|r| r.tgws.iter())
        .filter(|t| t.id != local)
        .map(|t| MenuItem {
            label: format!(
                "{} {} ({})",
                t.id,
                t.name.as_deref().unwrap_or(""),
                t.region
            ),
            run: MenuRun::Line(format!("peer connect {local} {}", t.id)),
        })
        .collect();
    state.modals.push(Modal::Menu(Box::new(MenuView {
        title: format!("Peering wizard: 1. pick the peer TGW for {local} (or type its id)"),
        items,
        cursor: 0,
        typed: String::new(),
        typed_line: Some(format!("peer connect {local} {{}}")),
    })));
}
