//! Screens that come and go over the panes, kept as a stack: the top one takes the
//! keys (its keymap layer is the active one) until it closes.
//!
//! Each modal owns its small state and its update, and answers with a
//! [`ModalOutcome`]; it never touches the rest of the console. Help and command output
//! are here, the trace view (its own `[trace]` layer: a selection over the hops), a
//! planned change's confirmation (`[confirm]`), the peering wizard (`[wizard]`) and
//! pick lists (`[menu]`); the last three are driven by `state` (they fold what they
//! re-read into the estate), their logic lives in [`super::change`]. The probe matrix
//! (`[probe]`) is driven by `state` too (it plans on the estate and takes the runtime's
//! reports); its logic lives in [`super::probe_view`].

use super::change::{ConfirmView, MenuView, WizStage, WizardView};
use super::keymap::{Action, Layer};
use super::probe_view::ProbeView;
use super::trace_view::{TraceOutcome, TraceView};
use crate::net::ObjectRef;
use crate::runtime::Effect;

/// Scroll position of a text popup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub row: usize,
    pub column: usize,
}

/// One modal screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    /// Generated from the active keymap.
    Help { scroll: Scroll },
    /// A command's output.
    Output {
        title: String,
        lines: Vec<String>,
        scroll: Scroll,
    },
    /// A `:trace`, hop by hop, with a selection over the hops.
    Trace(Box<TraceView>),
    /// A planned change: preview, confirm, progress, result.
    Change(Box<ConfirmView>),
    /// The guided peering wizard.
    Wizard(Box<WizardView>),
    /// A pick list (the actions menu, the wizard's peer TGW).
    Menu(Box<MenuView>),
    /// The live probe matrix (`E`, `:probe egress`, `:probe ping`).
    Probe(Box<ProbeView>),
}

/// What the modal wants after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum ModalOutcome {
    /// Stay open.
    Keep,
    /// Close this modal.
    Close,
    /// Stay open and run these effects.
    Effects(Vec<Effect>),
    /// Close this modal and show this object in the tree (the trace view's Enter).
    Jump(ObjectRef),
    /// Stay open and tell the user this (in the message line).
    Say(String),
}

/// What a modal may know of the screen when it handles a key.
#[derive(Debug, Clone, Copy)]
pub struct ModalContext {
    /// Rows of text the popup shows.
    pub height: usize,
    /// Lines the help has (it is built outside the modal, once per keymap).
    pub help_len: usize,
}

impl Modal {
    /// The keymap layer while this modal is on top.
    #[must_use]
    pub fn layer(&self) -> Layer {
        match self {
            Self::Help { .. } | Self::Output { .. } => Layer::Popup,
            Self::Trace(_) => Layer::Trace,
            Self::Change(_) => Layer::Confirm,
            Self::Wizard(w) => match &w.stage {
                WizStage::Step(c) if c.takes_text() => Layer::Confirm,
                _ => Layer::Wizard,
            },
            Self::Menu(_) => Layer::Menu,
            Self::Probe(_) => Layer::Probe,
        }
    }

    /// The scroll position, for the text popups (the trace view's first row shown).
    #[must_use]
    pub fn scroll(&self) -> Scroll {
        match self {
            Self::Help { scroll } | Self::Output { scroll, .. } => *scroll,
            Self::Trace(view) => Scroll {
                row: view.offset,
                column: 0,
            },
            Self::Change(c) => Scroll {
                row: c.scroll,
                column: 0,
            },
            Self::Wizard(w) => Scroll {
                row: w.scroll,
                column: 0,
            },
            Self::Menu(m) => Scroll {
                row: m.cursor,
                column: 0,
            },
            Self::Probe(p) => Scroll {
                row: p.selected,
                column: 0,
            },
        }
    }

    /// Handles an action of this modal's layer.
    pub fn update(&mut self, action: &Action, ctx: ModalContext) -> ModalOutcome {
        let len = match self {
            Self::Help { .. } => ctx.help_len,
            Self::Output { lines, .. } => lines.len(),
            Self::Trace(view) => {
                return match view.update(action, ctx.height) {
                    TraceOutcome::Keep => ModalOutcome::Keep,
                    TraceOutcome::Close => ModalOutcome::Close,
                    TraceOutcome::Jump(o) => ModalOutcome::Jump(o),
                    TraceOutcome::NoObject(id) => {
                        ModalOutcome::Say(format!("{id} is not an object of the estate"))
                    }
                };
            }
            // Driven by `state`, which has the estate they need.
            Self::Change(_) | Self::Wizard(_) | Self::Menu(_) | Self::Probe(_) => {
                return ModalOutcome::Keep;
            }
        };
        let (Self::Help { scroll } | Self::Output { scroll, .. }) = self else {
            return ModalOutcome::Keep;
        };
        scroll_text(scroll, action, len, ctx.height)
    }
}

/// Scrolls a text popup of `len` lines shown `height` rows at a time.
fn scroll_text(scroll: &mut Scroll, action: &Action, len: usize, height: usize) -> ModalOutcome {
    let page = height.max(1);
    let max = len.saturating_sub(height);
    let s = &mut scroll.row;
    match action {
        Action::Down => *s = s.saturating_add(1),
        Action::Up => *s = s.saturating_sub(1),
        Action::PageDown => *s = s.saturating_add(page),
        Action::PageUp => *s = s.saturating_sub(page),
        Action::Top => *s = 0,
        Action::Bottom => *s = usize::MAX,
        Action::Left => scroll.column = scroll.column.saturating_sub(8),
        Action::Right => scroll.column = scroll.column.saturating_add(8),
        Action::Back | Action::Cancel | Action::Quit | Action::Help => return ModalOutcome::Close,
        _ => {}
    }
    scroll.row = scroll.row.min(max);
    ModalOutcome::Keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_popup_scrolls_within_its_lines_and_closes() {
        let mut m = Modal::Output {
            title: "t".into(),
            lines: (0..10).map(|i| i.to_string()).collect(),
            scroll: Scroll::default(),
        };
        let ctx = ModalContext {
            height: 4,
            help_len: 0,
        };
        assert_eq!(m.update(&Action::Bottom, ctx), ModalOutcome::Keep);
        assert_eq!(m.scroll().row, 6);
        m.update(&Action::Down, ctx);
        assert_eq!(m.scroll().row, 6, "never past the last page");
        assert_eq!(m.update(&Action::Back, ctx), ModalOutcome::Close);
        assert_eq!(m.layer(), Layer::Popup);
    }
}
