//! Keymaps: the shipped ones parse and bind no key twice per layer; invalid user files
//! give the exact error a user sees (file, line, key) and the console keeps the defaults.

use std::path::PathBuf;

use netops::tui::keymap::{self, Action, EMACS_KEYMAP, Key, Keymap, Layer};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keymaps")
        .join(name)
}

fn error_of(name: &str) -> String {
    let path = fixture(name);
    let (map, err) = keymap::load(Some(&path));
    assert_eq!(
        map,
        Keymap::builtin().expect("defaults"),
        "{name}: defaults kept"
    );
    err.unwrap_or_else(|| panic!("{name} should not load"))
        .to_string()
}

#[test]
fn shipped_keymaps_parse_without_duplicates() {
    let default = Keymap::builtin().expect("keymaps/default.toml parses");
    assert!(
        default.duplicates().is_empty(),
        "{:?}",
        default.duplicates()
    );
    for layer in Layer::ALL {
        assert!(
            !default.bindings(layer).is_empty(),
            "{layer:?} has bindings"
        );
    }
    let emacs = Keymap::with_user(EMACS_KEYMAP, "keymaps/emacs.toml").expect("emacs parses");
    assert!(emacs.duplicates().is_empty(), "{:?}", emacs.duplicates());
    assert_eq!(
        emacs.action(Layer::Normal, Key::ctrl('n')),
        Some(&Action::Down)
    );
    assert_eq!(
        emacs.action(Layer::Normal, Key::ctrl('f')),
        Some(&Action::Expand)
    );
    assert_eq!(
        emacs.action(Layer::Normal, Key::parse("<A-s>").expect("key")),
        Some(&Action::Find)
    );
    // Arrow keys still work under the emacs profile.
    assert_eq!(
        emacs.action(Layer::Normal, Key::parse("<Down>").expect("key")),
        Some(&Action::Down)
    );
    // Every file on disk is the one embedded in the binary.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        std::fs::read_to_string(root.join("keymaps/default.toml")).expect("read"),
        keymap::DEFAULT_KEYMAP
    );
}

#[test]
fn default_keymap_has_the_documented_keys() {
    let map = Keymap::builtin().expect("defaults");
    let n = |k: &str| map.action(Layer::Normal, Key::parse(k).expect(k)).cloned();
    assert_eq!(n("j"), Some(Action::Down));
    assert_eq!(n("k"), Some(Action::Up));
    assert_eq!(n("h"), Some(Action::Collapse));
    assert_eq!(n("l"), Some(Action::Expand));
    assert_eq!(n("g"), Some(Action::Top));
    assert_eq!(n("G"), Some(Action::Bottom));
    assert_eq!(n("<C-f>"), Some(Action::PageDown));
    assert_eq!(n("<C-b>"), Some(Action::PageUp));
    assert_eq!(n("<Enter>"), Some(Action::Open));
    assert_eq!(n("<Esc>"), Some(Action::Back));
    assert_eq!(n("["), Some(Action::HistoryBack));
    assert_eq!(n("]"), Some(Action::HistoryForward));
    assert_eq!(n("/"), Some(Action::Filter));
    assert_eq!(n(":"), Some(Action::Command));
    assert_eq!(n("?"), Some(Action::Help));
    assert_eq!(n("<C-r>"), Some(Action::Refresh));
    assert_eq!(n("y"), Some(Action::CopyId));
    assert_eq!(n("f"), Some(Action::Find));
    assert_eq!(n("q"), Some(Action::Quit));
}

#[test]
fn a_valid_user_file_changes_only_its_keys() {
    let (map, err) = keymap::load(Some(&fixture("valid.toml")));
    assert_eq!(err, None);
    assert_eq!(map.action(Layer::Normal, Key::char('j')), Some(&Action::Up));
    assert_eq!(
        map.action(Layer::Normal, Key::char('T')),
        Some(&Action::Run("tgws".into()))
    );
    assert_eq!(map.action(Layer::Normal, Key::char('q')), None);
    assert_eq!(
        map.action(Layer::Normal, Key::char('x')),
        Some(&Action::Quit)
    );
    assert_eq!(
        map.action(Layer::Normal, Key::char('/')),
        Some(&Action::Filter)
    );
    assert!(map.duplicates().is_empty());
}

#[test]
fn invalid_keymaps_name_file_line_and_key() {
    let dir = fixture("");
    let f = |name: &str| dir.join(name).display().to_string();
    let cases = [
        (
            "unknown_action.toml",
            format!(
                "keymap {} line 5, key \"K\" in [normal]: unknown action \"upp\"",
                f("unknown_action.toml")
            ),
        ),
        (
            "bad_key.toml",
            format!(
                "keymap {} line 3, key \"<Ctrl-f>\" in [normal]: not a key; write a character (\"j\") or a name (\"<C-f>\", \"<Enter>\", \"<Up>\")",
                f("bad_key.toml")
            ),
        ),
        (
            "duplicate_key.toml",
            format!(
                "keymap {} line 5, key \"x\" in [normal]: bound twice (first on line 3)",
                f("duplicate_key.toml")
            ),
        ),
        (
            "unknown_layer.toml",
            format!(
                "keymap {} line 4: unknown layer [manager]; layers are [normal], [input] and [popup]",
                f("unknown_layer.toml")
            ),
        ),
        (
            "bad_command.toml",
            format!(
                "keymap {} line 3, key \"T\" in [normal]: command \":tgw\" does not parse: unrecognized subcommand 'tgw' tip: a similar subcommand exists: 'tgws'",
                f("bad_command.toml")
            ),
        ),
        (
            "not_toml.toml",
            format!(
                "keymap {} line 3, key \"x\": missing comma between key-value pairs, expected `,`",
                f("not_toml.toml")
            ),
        ),
        (
            "missing_run.toml",
            format!(
                "keymap {} line 3, key \"x\": missing field `run`",
                f("missing_run.toml")
            ),
        ),
    ];
    for (name, expected) in cases {
        let got = error_of(name);
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn a_missing_explicit_keymap_is_an_error_but_defaults_stay() {
    let path = fixture("does-not-exist.toml");
    let (map, err) = keymap::load(Some(&path));
    assert_eq!(map, Keymap::builtin().expect("defaults"));
    let err = err.expect("error").to_string();
    assert!(
        err.starts_with(&format!("keymap {}: cannot read it:", path.display())),
        "{err}"
    );
}
