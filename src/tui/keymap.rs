//! Keymaps: which key runs which action, per layer.
//!
//! The defaults (`keymaps/default.toml`) are embedded in the binary; a user file is
//! layered over them entry by entry (same `on` replaces, `run = "noop"` unbinds), so a
//! user lists only the keys they change. The format follows yazi: per layer a list of
//! `{ on, run, desc }` entries, where `run` is an action name or `:<command line>` in
//! the vocabulary of the `:` prompt and `--batch`.
//!
//! Invariants:
//! - Within one file a key is bound at most once per layer (an error otherwise), so the
//!   merged keymap binds every key at most once per layer too.
//! - Every error names the file, the line and, when there is one, the key.
//! - `:` commands are parsed when the keymap loads, so a typo fails at startup, not
//!   when the key is pressed.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::error::CommandError;

/// The embedded default keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");
/// The embedded emacs / arrow-key profile (layered over the defaults).
pub const EMACS_KEYMAP: &str = include_str!("../../keymaps/emacs.toml");

/// A key as the keymap names it: a code plus Ctrl/Alt/Shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    /// Only for non-character keys: a character's case already says it.
    pub shift: bool,
}

/// The key itself, without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Space", KeyCode::Char(' ')),
    ("lt", KeyCode::Char('<')),
    ("gt", KeyCode::Char('>')),
];

impl Key {
    /// A plain key without modifiers.
    #[must_use]
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// A character key.
    #[must_use]
    pub const fn char(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    /// Ctrl plus a character.
    #[must_use]
    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }

    /// Parses the keymap notation: `j`, `G`, `<C-f>`, `<Enter>`, `<A-<>`, `<S-Up>`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return (!c.is_control()).then(|| Self::char(c));
        }
        let inner = text.strip_prefix('<')?.strip_suffix('>')?;
        let mut key = Self::plain(KeyCode::Esc);
        let mut rest = inner;
        loop {
            let mut it = rest.chars();
            match (it.next(), it.next(), it.next()) {
                (Some(m @ ('C' | 'A' | 'S')), Some('-'), Some(_)) => {
                    match m {
                        'C' => key.ctrl = true,
                        'A' => key.alt = true,
                        _ => key.shift = true,
                    }
                    rest = &rest[2..];
                }
                _ => break,
            }
        }
        let mut it = rest.chars();
        key.code = match (it.next(), it.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => {
                if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
                    *code
                } else {
                    let n: u8 = rest.strip_prefix(['F', 'f'])?.parse().ok()?;
                    if !(1..=24).contains(&n) {
                        return None;
                    }
                    KeyCode::F(n)
                }
            }
        };
        Some(key.normalized())
    }

    /// Drops what terminals report inconsistently: Shift on characters (the case says
    /// it) and on BackTab (which is Shift-Tab already).
    #[must_use]
    pub fn normalized(mut self) -> Self {
        if let KeyCode::Char(c) = self.code {
            if self.shift && c.is_ascii_lowercase() {
                self.code = KeyCode::Char(c.to_ascii_uppercase());
            }
            self.shift = false;
        }
        if self.code == KeyCode::BackTab {
            self.shift = false;
        }
        self
    }

    /// A key that types text (no Ctrl/Alt).
    #[must_use]
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain_char = match self.code {
            KeyCode::Char(c) if c != ' ' => Some(c),
            _ => None,
        };
        if let (Some(c), false, false, false) = (plain_char, self.ctrl, self.alt, self.shift) {
            return write!(f, "{c}");
        }
        f.write_str("<")?;
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("A-")?;
        }
        if self.shift {
            f.write_str("S-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space")?,
            KeyCode::Char(c) => write!(f, "{c}")?,
            KeyCode::F(n) => write!(f, "F{n}")?,
            code => {
                let name = NAMED
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map_or("?", |(n, _)| *n);
                f.write_str(name)?;
            }
        }
        f.write_str(">")
    }
}

/// The keymap layers: which one is active depends on what the screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The tree and the detail pane.
    Normal,
    /// Typing in the `/` filter or the `:` prompt.
    Input,
    /// The help overlay and command output popups.
    Popup,
    /// A confirmation dialog (a change about to be applied).
    Confirm,
    /// A form (fields to fill before a change is planned).
    Form,
    /// The trace view: a selection over a trace's hops.
    Trace,
    /// The guided peering wizard (`:peer connect`, `W`).
    Wizard,
    /// A pick list (the actions menu, the wizard's peer TGW).
    Menu,
    /// The live probe matrix (`probe egress`, `probe ping`, `E`).
    Probe,
}

impl Layer {
    pub const ALL: [Self; 9] = [
        Self::Normal,
        Self::Input,
        Self::Popup,
        Self::Confirm,
        Self::Form,
        Self::Trace,
        Self::Wizard,
        Self::Menu,
        Self::Probe,
    ];

    /// The name used in keymap files.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Input => "input",
            Self::Popup => "popup",
            Self::Confirm => "confirm",
            Self::Form => "form",
            Self::Trace => "trace",
            Self::Wizard => "wizard",
            Self::Menu => "menu",
            Self::Probe => "probe",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }
}

/// What a key does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Down,
    Up,
    Collapse,
    Expand,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Open,
    JumpPeer,
    HistoryBack,
    HistoryForward,
    Focus,
    Back,
    Filter,
    Command,
    Help,
    /// The findings list.
    Findings,
    /// The prompt: the next earlier line containing what is typed.
    SearchHistory,
    Refresh,
    ReloadRegion,
    CopyId,
    CopyArn,
    /// Starts a trace from the selected subnet or instance (prefills the `:` prompt).
    Trace,
    /// `find …`: the `:` prompt with `find ` typed (an IP, a CIDR, an id or a name).
    Find,
    Quit,
    Submit,
    Cancel,
    Complete,
    ClearInput,
    DeleteChar,
    /// Scrolls a popup sideways.
    Left,
    Right,
    /// Accepts a confirmation dialog.
    Confirm,
    /// Moves to the next / previous field of a form.
    NextField,
    PrevField,
    /// Acknowledges a change's impact warnings (lost egress, broken isolation).
    AcceptImpact,
    /// The change actions that apply to the selection, as a pick list.
    Actions,
    /// Accepts the selected peering or pending VPC attachment (confirm first).
    AcceptChange,
    /// Rejects the selected peering or pending VPC attachment (confirm first).
    RejectChange,
    /// Deletes the selected peering, or the route under the detail cursor.
    DeleteChange,
    /// Adds a static route to the selected TGW route table (prefills the prompt).
    AddRoute,
    /// The guided peering wizard on the selected peering (continue) or TGW (new).
    Connect,
    /// `probe egress`: curl from a spoke instance through SSM in every spoke (hidden
    /// and refused in a session that cannot probe).
    ProbeEgress,
    /// Disables the selected rule group of a firewall policy, or enables it again
    /// (`fw disable|enable POLICY GROUP`, confirmed first).
    ToggleRuleGroup,
    /// Unbinds a default key.
    Noop,
    /// A command line, as typed at the `:` prompt (without the colon).
    Run(String),
}

const ACTIONS: &[(&str, Action)] = &[
    ("down", Action::Down),
    ("up", Action::Up),
    ("collapse", Action::Collapse),
    ("expand", Action::Expand),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("page-down", Action::PageDown),
    ("page-up", Action::PageUp),
    ("open", Action::Open),
    ("jump-peer", Action::JumpPeer),
    ("history-back", Action::HistoryBack),
    ("history-forward", Action::HistoryForward),
    ("focus", Action::Focus),
    ("back", Action::Back),
    ("filter", Action::Filter),
    ("command", Action::Command),
    ("help", Action::Help),
    ("findings", Action::Findings),
    ("search-history", Action::SearchHistory),
    ("refresh", Action::Refresh),
    ("reload-region", Action::ReloadRegion),
    ("copy-id", Action::CopyId),
    ("copy-arn", Action::CopyArn),
    ("trace", Action::Trace),
    ("find", Action::Find),
    ("quit", Action::Quit),
    ("submit", Action::Submit),
    ("cancel", Action::Cancel),
    ("complete", Action::Complete),
    ("clear-input", Action::ClearInput),
    ("delete-char", Action::DeleteChar),
    ("left", Action::Left),
    ("right", Action::Right),
    ("confirm", Action::Confirm),
    ("next-field", Action::NextField),
    ("prev-field", Action::PrevField),
    ("accept-impact", Action::AcceptImpact),
    ("actions", Action::Actions),
    ("accept", Action::AcceptChange),
    ("reject", Action::RejectChange),
    ("delete", Action::DeleteChange),
    ("add-route", Action::AddRoute),
    ("connect", Action::Connect),
    ("probe-egress", Action::ProbeEgress),
    ("toggle-rule-group", Action::ToggleRuleGroup),
    ("noop", Action::Noop),
];

impl Action {
    /// Parses a `run` string: an action name or `:<command line>`.
    ///
    /// # Errors
    /// A sentence saying what is wrong with it.
    pub fn parse(run: &str) -> Result<Self, CommandError> {
        if let Some(line) = run.strip_prefix(':') {
            return match crate::command::parse_line(line) {
                Ok(Some(_)) => Ok(Self::Run(line.trim().to_string())),
                Ok(None) => Err(CommandError::invalid("empty command after \":\"")),
                Err(e) => Err(CommandError::invalid(format!(
                    "command \"{run}\" does not parse: {}",
                    e.message
                ))),
            };
        }
        ACTIONS
            .iter()
            .find(|(name, _)| *name == run)
            .map(|(_, a)| a.clone())
            .ok_or_else(|| CommandError::invalid(format!("unknown action \"{run}\"")))
    }

    /// The name as written in keymap files.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Run(line) => format!(":{line}"),
            other => ACTIONS
                .iter()
                .find(|(_, a)| a == other)
                .map_or_else(String::new, |(n, _)| (*n).to_string()),
        }
    }

    /// True for the actions that change the network: hidden from help and refused
    /// in read-only mode.
    #[must_use]
    pub fn is_change(&self) -> bool {
        match self {
            Self::Actions
            | Self::AcceptChange
            | Self::RejectChange
            | Self::DeleteChange
            | Self::AddRoute
            | Self::Connect
            | Self::ToggleRuleGroup => true,
            Self::Run(line) => {
                matches!(crate::command::parse_line(line), Ok(Some(c)) if c.is_change())
            }
            _ => false,
        }
    }

    /// True for the actions that run commands on instances through SSM (`probe …`):
    /// hidden from help and refused in a session without a prober.
    #[must_use]
    pub fn is_probe(&self) -> bool {
        match self {
            Self::ProbeEgress => true,
            Self::Run(line) => {
                matches!(crate::command::parse_line(line), Ok(Some(c)) if c.is_probe())
            }
            _ => false,
        }
    }

    /// Every action name, for documentation and error hints.
    #[must_use]
    pub fn names() -> Vec<&'static str> {
        ACTIONS.iter().map(|(n, _)| *n).collect()
    }
}

/// One key binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub desc: String,
}

/// A keymap that could not be loaded. `Display` is the sentence a user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    pub file: String,
    /// 1-based; `None` when the file could not be read at all.
    pub line: Option<usize>,
    /// The `on` value of the entry at fault, when there is one.
    pub key: Option<String>,
    /// The layer of that entry.
    pub layer: Option<&'static str>,
    pub message: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "keymap {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", key \"{key}\"")?;
        }
        if let Some(layer) = self.layer {
            write!(f, " in [{layer}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for KeymapError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerFile {
    #[serde(default)]
    keymap: Vec<EntryFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    on: Spanned<String>,
    run: Spanned<String>,
    #[serde(default)]
    desc: Option<String>,
}

/// The bindings of one file, in file order, per layer.
pub type Bindings = BTreeMap<Layer, Vec<Binding>>;

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// The `on = "…"` value written on a line, to name the key in a syntax error.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let mut rest = l;
    while let Some(i) = rest.find("on") {
        let before = rest[..i].chars().next_back();
        let after = rest[i + 2..].trim_start();
        if before.is_none_or(|c| c == ' ' || c == '{' || c == ',')
            && let Some(value) = after.strip_prefix('=')
        {
            let value = value.trim_start().strip_prefix('"')?;
            return value.find('"').map(|end| value[..end].to_string());
        }
        rest = &rest[i + 2..];
    }
    None
}

/// Parses one keymap file. `file` is the name errors use.
///
/// # Errors
/// The first problem found, naming the file, line and key.
pub fn parse(text: &str, file: &str) -> Result<Bindings, KeymapError> {
    let err = |line: Option<usize>, key: Option<&str>, message: String| KeymapError {
        file: file.to_string(),
        line,
        key: key.map(str::to_string),
        layer: None,
        message,
    };
    let layers: BTreeMap<Spanned<String>, LayerFile> = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let key = line.and_then(|l| key_on_line(text, l));
        err(line, key.as_deref(), e.message().trim().to_string())
    })?;
    let mut out = Bindings::new();
    for (name, layer_file) in layers {
        let name_line = line_of(text, name.span().start);
        let Some(layer) = Layer::parse(name.get_ref()) else {
            return Err(err(
                Some(name_line),
                None,
                format!(
                    "unknown layer [{}]; layers are [normal], [input] and [popup]",
                    name.get_ref()
                ),
            ));
        };
        let entries = out.entry(layer).or_default();
        let mut seen: BTreeMap<Key, usize> = BTreeMap::new();
        for entry in layer_file.keymap {
            let line = line_of(text, entry.on.span().start);
            let on = entry.on.get_ref();
            let in_layer = |m: String| m;
            let err = |line: Option<usize>, key: Option<&str>, message: String| KeymapError {
                layer: Some(layer.name()),
                ..err(line, key, message)
            };
            let Some(key) = Key::parse(on) else {
                return Err(err(
                    Some(line),
                    Some(on),
                    in_layer(
                        "not a key; write a character (\"j\") or a name (\"<C-f>\", \"<Enter>\", \"<Up>\")"
                            .to_string(),
                    ),
                ));
            };
            if let Some(first) = seen.get(&key) {
                return Err(err(
                    Some(line),
                    Some(on),
                    in_layer(format!("bound twice (first on line {first})")),
                ));
            }
            seen.insert(key, line);
            let action = Action::parse(entry.run.get_ref())
                .map_err(|e| err(Some(line), Some(on), in_layer(e.message)))?;
            entries.push(Binding {
                key,
                desc: entry.desc.unwrap_or_else(|| action.name()),
                action,
            });
        }
    }
    Ok(out)
}

/// The active keymap.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keymap {
    layers: BTreeMap<Layer, Vec<Binding>>,
}

impl Keymap {
    /// The embedded defaults.
    ///
    /// # Errors
    /// Only if the embedded file is broken (a test guards against that).
    pub fn builtin() -> Result<Self, KeymapError> {
        Ok(Self {
            layers: parse(DEFAULT_KEYMAP, "keymaps/default.toml")?,
        })
    }

    /// What is left when even the embedded defaults fail: enough to leave.
    #[must_use]
    pub fn minimal() -> Self {
        let mut layers = BTreeMap::new();
        for layer in Layer::ALL {
            layers.insert(
                layer,
                vec![Binding {
                    key: Key::char('q'),
                    action: if layer == Layer::Normal {
                        Action::Quit
                    } else {
                        Action::Back
                    },
                    desc: "Quit".into(),
                }],
            );
        }
        Self { layers }
    }

    /// Layers `user` over this keymap: a key bound in `user` replaces the same key
    /// here; `noop` removes it.
    pub fn layer(&mut self, user: Bindings) {
        for (layer, bindings) in user {
            let entries = self.layers.entry(layer).or_default();
            for binding in bindings {
                let existing = entries.iter().position(|b| b.key == binding.key);
                match (existing, binding.action == Action::Noop) {
                    (Some(i), true) => {
                        entries.remove(i);
                    }
                    (Some(i), false) => entries[i] = binding,
                    (None, true) => {}
                    (None, false) => entries.push(binding),
                }
            }
        }
    }

    /// The defaults with a user file's text layered over them.
    ///
    /// # Errors
    /// When the user file is malformed; the caller then keeps the defaults.
    pub fn with_user(text: &str, file: &str) -> Result<Self, KeymapError> {
        let mut map = Self::builtin()?;
        map.layer(parse(text, file)?);
        Ok(map)
    }

    /// The action bound to `key` in `layer`.
    #[must_use]
    pub fn action(&self, layer: Layer, key: Key) -> Option<&Action> {
        self.layers
            .get(&layer)?
            .iter()
            .find(|b| b.key == key)
            .map(|b| &b.action)
    }

    /// The bindings of a layer, in file order.
    #[must_use]
    pub fn bindings(&self, layer: Layer) -> &[Binding] {
        self.layers.get(&layer).map_or(&[], Vec::as_slice)
    }

    /// The first key bound to `action` in `layer`, for hints like "press p".
    #[must_use]
    pub fn key_for(&self, layer: Layer, action: &Action) -> Option<Key> {
        self.bindings(layer)
            .iter()
            .find(|b| &b.action == action)
            .map(|b| b.key)
    }

    /// How to ask for `action` from the tree: its key, or `:name` when no key is bound.
    #[must_use]
    pub fn hint(&self, action: &Action) -> String {
        self.key_for(Layer::Normal, action)
            .map_or_else(|| format!(":{}", action.name()), |k| k.to_string())
    }

    /// Keys bound more than once in a layer (always empty for a keymap built by
    /// [`parse`] and [`Keymap::layer`]; tests assert it).
    #[must_use]
    pub fn duplicates(&self) -> Vec<(Layer, Key)> {
        let mut out = Vec::new();
        for (layer, bindings) in &self.layers {
            let mut seen = std::collections::BTreeSet::new();
            for b in bindings {
                if !seen.insert(b.key) {
                    out.push((*layer, b.key));
                }
            }
        }
        out
    }
}

/// Where the user keymap lives when none is given: `<config dir>/keymap.toml`.
#[must_use]
pub fn user_keymap_path() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "netops").map(|d| d.config_dir().join("keymap.toml"))
}

/// Loads the keymap for the console: the defaults, with the user's file layered over
/// them when there is one. A broken user file never stops netops: the defaults are
/// used and the error is returned for the status bar.
#[must_use]
pub fn load(explicit: Option<&std::path::Path>) -> (Keymap, Option<KeymapError>) {
    let base = match Keymap::builtin() {
        Ok(k) => k,
        Err(e) => return (Keymap::minimal(), Some(e)),
    };
    let (path, must_exist) = match explicit {
        Some(p) => (Some(p.to_path_buf()), true),
        None => (user_keymap_path(), false),
    };
    let Some(path) = path else {
        return (base, None);
    };
    let file = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) => match parse(&text, &file) {
            Ok(user) => {
                let mut map = base;
                map.layer(user);
                (map, None)
            }
            Err(e) => (base, Some(e)),
        },
        Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => (base, None),
        Err(e) => (
            base,
            Some(KeymapError {
                file,
                line: None,
                key: None,
                layer: None,
                message: format!("cannot read it: {e}"),
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print_back() {
        for text in [
            "j", "G", "?", "<C-f>", "<Enter>", "<Esc>", "<A-<>", "<S-Up>", "<F1>", "<Space>",
        ] {
            let key = Key::parse(text).expect(text);
            assert_eq!(key.to_string(), text);
        }
        assert_eq!(Key::parse("<c-F>"), None);
        assert_eq!(Key::parse("<Nope>"), None);
        assert_eq!(Key::parse("jj"), None);
        assert_eq!(Key::parse("<S-g>"), Some(Key::char('G')));
    }

    #[test]
    fn builtin_parses() {
        let map = Keymap::builtin().expect("default keymap");
        assert_eq!(
            map.action(Layer::Normal, Key::char('j')),
            Some(&Action::Down)
        );
        assert_eq!(
            map.action(Layer::Normal, Key::char('P')),
            Some(&Action::Run("peerings".into()))
        );
    }

    #[test]
    fn user_layer_replaces_and_unbinds() {
        let map = Keymap::with_user(
            "[normal]\nkeymap = [\n { on = \"j\", run = \"up\" },\n { on = \"q\", run = \"noop\" },\n { on = \"T\", run = \":tgws\", desc = \"TGWs\" },\n]\n",
            "user.toml",
        )
        .expect("valid");
        assert_eq!(map.action(Layer::Normal, Key::char('j')), Some(&Action::Up));
        assert_eq!(map.action(Layer::Normal, Key::char('q')), None);
        assert_eq!(map.action(Layer::Normal, Key::char('k')), Some(&Action::Up));
        assert!(map.duplicates().is_empty());
    }
}
