//! Screens that come and go over the panes, kept as a stack: the top one takes the
//! keys (its keymap layer is the active one) until it closes.
//!
//! Every modal keeps the one dialog contract ([`Dialog`]: `update(action, ctx) ->
//! Outcome`, beside its own state) and never touches the rest of the console: help
//! and command output here, the trace view (`[trace]`) in [`super::trace_view`], a
//! planned change's confirmation (`[confirm]`), the peering wizard (`[wizard]`) and
//! pick lists (`[menu]`) in [`super::change`], the probe matrix (`[probe]`) in
//! [`super::probe_view`]. `state` only carries the [`Outcome`] out, and feeds the
//! change dialogs and the probe matrix the runtime's reports.

use super::change::{ConfirmView, MenuView, WizStage, WizardView};
use super::dialog::{Ctx, Dialog, Outcome};
use super::findings_view::FindingsView;
use super::keymap::{Action, Layer};
use super::probe_view::ProbeView;
use super::trace_view::TraceView;

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
    /// The audit's findings (`F`, `:audit`, Enter on the overview).
    Findings(Box<FindingsView>),
    /// What changed between two estates (`:diff A [B]`).
    Diff(Box<super::diff_view::DiffView>),
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
            Self::Menu(_) | Self::Findings(_) | Self::Diff(_) => Layer::Menu,
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
            Self::Findings(f) => Scroll {
                row: f.cursor,
                column: 0,
            },
            Self::Diff(d) => Scroll {
                row: d.cursor,
                column: 0,
            },
        }
    }
}

impl Dialog for Modal {
    /// Hands the action to the modal's own update.
    fn update(&mut self, action: &Action, ctx: &mut Ctx<'_>) -> Outcome {
        match self {
            Self::Help { scroll } => scroll_text(scroll, action, ctx.help_len, ctx.height),
            Self::Output { lines, scroll, .. } => {
                scroll_text(scroll, action, lines.len(), ctx.height)
            }
            Self::Trace(view) => view.update(action, ctx),
            Self::Change(view) => view.update(action, ctx),
            Self::Wizard(view) => view.update(action, ctx),
            Self::Menu(view) => view.update(action, ctx),
            Self::Probe(view) => view.update(action, ctx),
            Self::Findings(view) => view.update(action, ctx),
            Self::Diff(view) => view.update(action, ctx),
        }
    }
}

/// Scrolls a text popup of `len` lines shown `height` rows at a time.
fn scroll_text(scroll: &mut Scroll, action: &Action, len: usize, height: usize) -> Outcome {
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
        Action::Back | Action::Cancel | Action::Quit | Action::Help => return Outcome::close(),
        _ => {}
    }
    scroll.row = scroll.row.min(max);
    Outcome::keep()
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
        let estate = crate::model::Estate::default();
        let net = crate::net::Net::new(&estate);
        let (mut changes, mut probes) = (0, 0);
        let mut ctx = Ctx {
            height: 4,
            width: 40,
            help_len: 0,
            net: &net,
            change_tasks: &mut changes,
            probe_tasks: &mut probes,
            now_ms: 0,
        };
        assert_eq!(m.update(&Action::Bottom, &mut ctx), Outcome::keep());
        assert_eq!(m.scroll().row, 6);
        m.update(&Action::Down, &mut ctx);
        assert_eq!(m.scroll().row, 6, "never past the last page");
        assert_eq!(m.update(&Action::Back, &mut ctx), Outcome::close());
        assert_eq!(m.layer(), Layer::Popup);
    }
}
