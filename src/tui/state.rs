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
    ConfirmView, MenuItem, MenuRun, MenuView, Stage, WizStage, WizardEvent, WizardView,
};
use super::content::{self, ContentInput, Detail, SPINNER_PLACEHOLDER, Wrapped};
use super::keymap::{Action, Key, Keymap, Layer};
use super::layout;
use super::modal::{Modal, Scroll};
use super::probe_view::ProbeView;
pub use super::prompt::{MAX_INPUT, Mode, Prompt};
use super::prompt::{PromptOutcome, Typed};
use super::trace_view::TraceView;
use super::tree::{self, Filter, Finding, Folder, Node, NodeId, NodePath};
use crate::discovery::{DiscoveryEvent, DiscoveryPlan, apply_event};
use crate::model::{Account, AttachmentKind, Estate, RegionLoad};
pub use crate::runtime::{DiscoveryPlanData, Effect};
use crate::runtime::{Report, TaskId};

mod changes;
mod commands;
mod input;
mod keys;
mod nav;
mod probes;

#[allow(clippy::wildcard_imports)]
use changes::*;
#[allow(clippy::wildcard_imports)]
use commands::*;
#[allow(clippy::wildcard_imports)]
use input::*;
#[allow(clippy::wildcard_imports)]
use nav::*;
#[allow(clippy::wildcard_imports)]
use probes::*;

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
        result: Result<(), crate::error::CommandError>,
    },
    /// A front-end job's answer ([`FrontJob`]: the audit log read for `:audit-log`,
    /// a `:` query): a title and its lines, or why there are none.
    Answer {
        title: String,
        result: Result<Vec<String>, crate::error::CommandError>,
    },
    /// The last known estate, read from the cache at start ([`FrontJob::OpenCache`]),
    /// `age` as "14 min ago".
    Cached {
        estate: Box<Estate>,
        age: String,
        path: std::path::PathBuf,
    },
    /// A `:diff` answered ([`FrontJob::Diff`]).
    Diffed {
        title: String,
        result: Result<Box<crate::ops::diff::EstateDiff>, crate::error::CommandError>,
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
    /// The read's progress over many accounts (`accounts 37/212, regions 80/424`).
    Progress(Option<String>),
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
    /// The findings list: the rows shown and the selected one.
    Findings {
        rows: Vec<String>,
        selected: Option<String>,
    },
    /// The diff view (`:diff`): the rows shown and the selected one.
    Diff {
        rows: Vec<String>,
        selected: Option<String>,
    },
}

/// File work the front end does for the console (update stays pure): it answers
/// with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontJob {
    /// Read the last `last` entries for `:audit-log`; answers [`Msg::Answer`].
    ReadLog {
        path: std::path::PathBuf,
        last: Option<usize>,
    },
    /// Append a submitted `:` line to the prompt's history file; answers nothing.
    RememberLine {
        path: std::path::PathBuf,
        line: String,
    },
    /// Answer a `:` query ([`crate::query`], as `--batch` does) on this version of the
    /// estate, off the screen's thread; answers [`Msg::Answer`].
    Query {
        command: crate::command::Command,
        estate: std::sync::Arc<Estate>,
    },
    /// Compare snapshots for `:diff`; answers [`Msg::Diffed`].
    Diff {
        command: crate::command::Command,
        estate: std::sync::Arc<Estate>,
    },
    /// Read the newest cached capture; answers [`Msg::Cached`].
    OpenCache {
        path: std::path::PathBuf,
        taken_at: u64,
    },
    /// Save a full live read as the newest cached capture; answers nothing.
    SaveCache {
        dir: std::path::PathBuf,
        estate: std::sync::Arc<Estate>,
        profile: String,
        now: u64,
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
    /// Where the `:` prompt's history is kept (`None`: not kept).
    pub history_file: Option<std::path::PathBuf>,
    /// Wizards closed while AWS was moving their peering: still re-reading it until
    /// it settles, planning nothing.
    pub watches: Vec<Box<WizardView>>,
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
            history_file: None,
            watches: Vec::new(),
        }
    }
}

impl Changes {
    fn request_tag(&mut self) -> String {
        self.requests += 1;
        format!("{}-{}", self.session_tag, self.requests)
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

pub use super::dialog::Severity;

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
    /// A read over many accounts: how far it is.
    pub progress: Option<String>,
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
    /// Where the last known estate is kept between runs ([`super::cache`]); `None`
    /// with `--no-cache`.
    pub cache_dir: Option<std::path::PathBuf>,
    /// On screen is (partly) the last known estate, not yet the live one: "snapshot
    /// from 14 min ago". Changes wait until the live read is done.
    pub cached: Option<String>,
    /// That estate, to say what changed once the live one is in, and its folder
    /// (for `:diff`).
    cached_estate: Option<(std::sync::Arc<Estate>, std::path::PathBuf)>,
    /// The first full live read is done.
    live_done: bool,
}

impl Data {
    /// The network questions over the estate as it is now: the index is rebuilt
    /// first when the estate changed since it was built (once per version).
    pub fn net(&mut self) -> crate::net::Net<'_> {
        if self.stale {
            self.stale = false;
            self.index = crate::net::EstateIndex::build(&self.estate);
            // The findings follow from the runtime's audit of this version; until it
            // answers, the previous ones stay on screen.
            self.audit_wanted = true;
        }
        crate::net::Net::with_index(&self.estate, &self.index)
    }
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
    /// Where the panes and the popup are at `size` (set with it).
    pub screen: layout::Screen,
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
            screen: layout::Screen::of(init.size),
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
            Modal::Diff(d) => Overlay::Diff {
                rows: d.shown().iter().map(|x| x.text.clone()).collect(),
                selected: d.selected().map(|x| x.text.clone()),
            },
            Modal::Findings(f) => Overlay::Findings {
                rows: f.shown().iter().map(|x| x.text.clone()).collect(),
                selected: f.selected().map(|x| x.text.clone()),
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
        tree::resolve(&self.data.estate, self.nav.tree.borrow().selected())
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
        self.data.net();
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
                    width: self.screen.tree.width.saturating_sub(2),
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
        let width = self.screen.detail.width.saturating_sub(2);
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
        let height = usize::from(self.screen.detail.height.saturating_sub(2));
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
        Msg::Key(_) | Msg::Paste(_) | Msg::Action(_) | Msg::Scroll { .. } => {
            route_input(state, msg, fx);
        }
        Msg::Discovery {
            generation,
            event,
            at,
        } => discovery(state, generation, event, at),
        Msg::DiscoveryDone { generation } => {
            if generation == state.data.discover_gen {
                nav::live_read_done(state);
            }
            if generation == state.data.discover_gen && state.message.is_none() {
                let failed = state.data.estate.failed().count();
                if failed > 0 {
                    let key = state.keymap.hint(&Action::ReloadRegion);
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
                state.error(e.message);
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
        Msg::Cached { estate, age, path } => nav::cached(state, *estate, age, path),
        Msg::Diffed { title, result } => match result {
            Ok(diff) => {
                let net = state.data.net();
                let view = super::diff_view::DiffView::new(title, &diff, |o| {
                    super::tree::object_path(&net, o)
                });
                state.modals.push(Modal::Diff(Box::new(view)));
                // "reading and comparing…" is answered by the view itself.
                state.message = None;
                state.dirty = true;
            }
            Err(e) => {
                state.error(e.message);
                state.dirty = true;
            }
        },
        Msg::Answer { title, result } => {
            match result {
                Ok(lines) => state.modals.push(Modal::Output {
                    title,
                    lines,
                    scroll: Scroll::default(),
                }),
                Err(e) => state.error(e.message),
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
        Msg::Progress(p) => {
            if state.data.progress != p {
                state.data.progress = p;
                state.dirty = true;
            }
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
            state.screen = layout::Screen::of(state.size);
            // Rows are fitted to the tree pane's width.
            state.nav.items_stale = true;
            keep_detail_cursor_in_view(state);
            state.dirty = true;
        }
    }
}

fn plural_regions(n: usize) -> String {
    if n == 1 {
        "1 region".into()
    } else {
        format!("{n} regions")
    }
}
