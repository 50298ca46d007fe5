//! Input routing: a key, a paste, a mouse scroll or a named action goes to the one
//! part of the console that owns it — the prompt, the top dialog or the tree — and to
//! nothing else. What each of those does with it lives with it.

use super::commands::{prompt_input, run_command};
use super::keys::act_normal;
use super::nav::{jump_from_trace, show_path};
use super::{Effect, Focus, Mode, Msg, Scroll, State, WizStage};
use crate::tui::change::MenuView;
use crate::tui::dialog::{Ctx, Dialog, MenuRun, Outcome, Then};
use crate::tui::keymap::{Action, Key, KeyCode, Layer};
use crate::tui::modal::Modal;

/// What an input message comes to once the keymap has read it.
pub(super) enum Input {
    /// A keymap action (or a scroll, which is one).
    Act(Action),
    /// Text for the prompt: an unbound key in the input layer, or a paste.
    Text(String),
    /// A character for the top dialog's own text field (an id to type, a filter).
    DialogChar(char),
    /// Nothing to do.
    Nothing,
}

/// Routes one input message ([`Msg::Key`], [`Msg::Paste`], [`Msg::Action`],
/// [`Msg::Scroll`]) to its owner.
pub(super) fn route_input(state: &mut State, msg: Msg, fx: &mut Vec<Effect>) {
    state.dirty = true;
    let (tree_area, detail_area, popup) =
        (state.screen.tree, state.screen.detail, state.screen.popup);
    let popup_text = (
        usize::from(popup.height.saturating_sub(2)),
        usize::from(popup.width.saturating_sub(2)),
    );
    let read = match msg {
        Msg::Key(key) if key.ctrl && key.code == KeyCode::Char('c') => {
            // The way out that no keymap can take away.
            state.quit = true;
            fx.push(Effect::Quit);
            Input::Nothing
        }
        Msg::Key(key) if key.ctrl && key.code == KeyCode::Char('z') => {
            fx.push(Effect::Suspend);
            Input::Nothing
        }
        Msg::Key(key) if takes_char(state, key) => {
            key.typed_char().map_or(Input::Nothing, Input::DialogChar)
        }
        Msg::Key(key) => {
            let layer = state.layer();
            match (state.keymap.action(layer, key).cloned(), key.typed_char()) {
                (Some(action), _) => Input::Act(action),
                (None, Some(c)) if layer == Layer::Input => Input::Text(c.to_string()),
                (None, _) => Input::Nothing,
            }
        }
        Msg::Paste(text) => Input::Text(text),
        Msg::Action(action) => Input::Act(action),
        Msg::Scroll { down, column, row } => {
            let action = if down { Action::Down } else { Action::Up };
            if !state.modals.is_empty() {
                Input::Act(action)
            } else if detail_area.contains((column, row).into()) {
                state.nav.focus = Focus::Detail;
                Input::Act(action)
            } else if tree_area.contains((column, row).into()) {
                state.nav.focus = Focus::Tree;
                Input::Act(action)
            } else {
                Input::Nothing
            }
        }
        _ => Input::Nothing,
    };
    if state.prompt.mode != Mode::Normal {
        return prompt_input(state, read, fx);
    }
    match read {
        Input::Act(action) => act(state, action, popup_text, fx),
        Input::DialogChar(c) => match state.modals.last_mut() {
            Some(Modal::Change(view)) => view.type_char(c),
            Some(Modal::Wizard(w)) => {
                if let WizStage::Step(view) = &mut w.stage {
                    view.type_char(c);
                }
            }
            Some(Modal::Menu(m)) => m.type_char(c),
            Some(Modal::Findings(f)) => f.type_char(c),
            Some(Modal::Diff(d)) => d.type_char(c),
            _ => {}
        },
        Input::Text(_) => {
            state.info("paste into the : prompt or the / filter (press : or / first)");
        }
        Input::Nothing => {}
    }
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
        Some(Modal::Menu(_) | Modal::Findings(_) | Modal::Diff(_)) => {
            state.keymap.action(Layer::Menu, key).is_none()
        }
        _ => false,
    }
}

/// An action with no prompt open: to the top dialog (through the dialog contract),
/// or to the tree.
fn act(state: &mut State, action: Action, popup_text: (usize, usize), fx: &mut Vec<Effect>) {
    if state.modals.is_empty() {
        return act_normal(state, action, fx);
    }
    let help_len = state.content.help.len();
    let now_ms = state.probes.now_ms;
    let net = state.data.net();
    let Some(top) = state.modals.last_mut() else {
        return;
    };
    let mut ctx = Ctx {
        height: popup_text.0,
        width: popup_text.1,
        help_len,
        net: &net,
        change_tasks: &mut state.changes.next_task,
        probe_tasks: &mut state.probes.next_task,
        now_ms,
    };
    let outcome = top.update(&action, &mut ctx);
    carry_out(state, outcome, fx);
}

/// Carries a dialog's outcome out: close it, run its effects, say its message, then
/// what comes next.
fn carry_out(state: &mut State, outcome: Outcome, fx: &mut Vec<Effect>) {
    if outcome.close
        && let Some(Modal::Wizard(w)) = state.modals.pop()
        && w.watch_only
    {
        state.changes.watches.push(w);
    }
    fx.extend(outcome.effects);
    if let Some(said) = outcome.say {
        state.message = Some(said);
    }
    match outcome.then {
        None => {}
        Some(Then::Jump(object)) => jump_from_trace(state, &object),
        Some(Then::Show { path, what }) => show_path(state, path, &what),
        Some(Then::Output { title, lines }) => state.modals.push(Modal::Output {
            title,
            lines,
            scroll: Scroll::default(),
        }),
        Some(Then::Run(MenuRun::Line(line))) => run_command(state, &line, fx),
        Some(Then::Run(MenuRun::Prompt(text))) => state.prompt.open(Mode::Command, text),
        Some(Then::Run(MenuRun::PickPeer(local))) => {
            let menu = MenuView::peers(&state.data.estate, &local);
            state.modals.push(Modal::Menu(Box::new(menu)));
        }
    }
}
