//! The one contract every dialog keeps: `update(&mut self, action, &mut Ctx) ->
//! Outcome`, beside its own state. A dialog reads what it needs of the console from
//! [`Ctx`] (the estate as it is now, task ids, the clock, its popup's height) and
//! answers with an [`Outcome`]; it never touches the rest of the console. The
//! dispatcher (`state`) carries the outcome out: closes, runs the effects, says the
//! message, then does what comes next ([`Then`]).
//!
//! This module is a leaf of `tui`: the dialogs import it, it imports none of them.

use super::keymap::Action;
use super::tree::NodePath;
use crate::net::{Net, ObjectRef};
use crate::runtime::{Effect, TaskId};

/// A dialog: the top one of the console's stack takes the actions of its keymap
/// layer until it closes.
pub trait Dialog {
    /// Handles one action of the dialog's layer.
    fn update(&mut self, action: &Action, ctx: &mut Ctx<'_>) -> Outcome;
}

/// How the message line shows a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Error,
}

/// What a pick list item (or a dialog) asks the console to run next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuRun {
    /// Runs a command line (as typed at `:`).
    Line(String),
    /// Opens the `:` prompt with this text, for the user to finish.
    Prompt(String),
    /// The wizard's pick list of peer TGWs for this local TGW.
    PickPeer(String),
}

/// What the console does after the dialog's own outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Show this object in the tree (the trace view's Enter).
    Jump(ObjectRef),
    /// Show this node of the tree (a finding's Enter); `what` says what it is.
    Show { path: NodePath, what: String },
    /// Open a text popup above the dialog (a probe row's detail).
    Output { title: String, lines: Vec<String> },
    /// Run this (the actions menu's pick).
    Run(MenuRun),
}

/// A dialog's answer to one action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Close the dialog (before the effects run and `then` happens).
    pub close: bool,
    /// Work for the runtime (a change sent, waits cancelled, probes started).
    pub effects: Vec<Effect>,
    /// A message for the message line.
    pub say: Option<(String, Severity)>,
    pub then: Option<Then>,
}

impl Outcome {
    /// Stay open, nothing else.
    #[must_use]
    pub fn keep() -> Self {
        Self::default()
    }

    /// Close the dialog.
    #[must_use]
    pub fn close() -> Self {
        Self {
            close: true,
            ..Self::default()
        }
    }

    /// Stay open and run these effects.
    #[must_use]
    pub fn effects(effects: Vec<Effect>) -> Self {
        Self {
            effects,
            ..Self::default()
        }
    }

    /// Stay open and say this.
    #[must_use]
    pub fn say(text: impl Into<String>) -> Self {
        Self::keep().info(text)
    }

    /// Also say this (nothing when it is empty).
    #[must_use]
    pub fn info(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        if !text.is_empty() {
            self.say = Some((text, Severity::Info));
        }
        self
    }

    /// Also say this, as an error.
    #[must_use]
    pub fn error(mut self, text: impl Into<String>) -> Self {
        self.say = Some((text.into(), Severity::Error));
        self
    }

    /// Also run these effects.
    #[must_use]
    pub fn with(mut self, effects: Vec<Effect>) -> Self {
        self.effects.extend(effects);
        self
    }

    /// Then do this.
    #[must_use]
    pub fn then(mut self, then: Then) -> Self {
        self.then = Some(then);
        self
    }
}

/// What a dialog may know of the console when it handles an action.
pub struct Ctx<'a> {
    /// Rows of text the popup shows.
    pub height: usize,
    /// Columns of text the popup shows.
    pub width: usize,
    /// Lines the help has (it is built outside the dialog, once per keymap).
    pub help_len: usize,
    /// The estate as it is now (a probe run re-planned on it).
    pub net: &'a Net<'a>,
    /// The next free id of change work; a dialog that sends a change takes its span.
    pub change_tasks: &'a mut TaskId,
    /// The next free id of probes.
    pub probe_tasks: &'a mut TaskId,
    /// The front end's clock, in milliseconds.
    pub now_ms: u64,
}

impl Ctx<'_> {
    /// Reserves `n` change task ids; answers the first.
    pub fn change_span(&mut self, n: u64) -> TaskId {
        let first = *self.change_tasks;
        *self.change_tasks = first.saturating_add(n);
        first
    }

    /// Reserves `n` probe task ids; answers the first.
    pub fn probe_span(&mut self, n: u64) -> TaskId {
        let first = *self.probe_tasks;
        *self.probe_tasks = first.saturating_add(n);
        first
    }
}
