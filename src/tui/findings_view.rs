//! The findings list (`F`, `:audit`, Enter on the overview): the audit's findings as
//! a pick list over the `[menu]` layer. Typing filters; the selected finding is shown
//! in full under the list (its objects and its fix); Enter shows its object in the
//! tree (`[` comes back).
//!
//! Invariants: it holds a copy of the findings it was opened with (the list does not
//! move under the cursor while the runtime audits a newer version); it never touches
//! the rest of the console ([`Dialog`]).

use ratatui::Frame;
use ratatui::layout::Rect;

use super::dialog::{Ctx, Dialog, Outcome, Then};
use super::keymap::Action;
use super::popup::{PickRow, draw_pick_list, popup_block};
use super::tree::Finding;
use super::tree::{bad, pending};

/// The findings dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingsView {
    pub items: Vec<Finding>,
    /// The selected row among [`FindingsView::shown`].
    pub cursor: usize,
    /// Typed text: filters the rows (region, message, object ids).
    pub typed: String,
    /// True when the findings are of an older version than the tree's (the audit of
    /// the latest change is still running).
    pub stale: bool,
}

impl FindingsView {
    #[must_use]
    pub fn new(items: Vec<Finding>, stale: bool) -> Self {
        Self {
            items,
            cursor: 0,
            typed: String::new(),
            stale,
        }
    }

    /// The findings matching what was typed, in the audit's order.
    #[must_use]
    pub fn shown(&self) -> Vec<&Finding> {
        let t = self.typed.to_lowercase();
        self.items
            .iter()
            .filter(|f| {
                t.is_empty()
                    || f.text.to_lowercase().contains(&t)
                    || f.region.to_lowercase().contains(&t)
                    || f.finding
                        .objects
                        .iter()
                        .any(|o| o.id.to_lowercase().contains(&t))
            })
            .collect()
    }

    /// The selected finding.
    #[must_use]
    pub fn selected(&self) -> Option<&Finding> {
        self.shown().get(self.cursor).copied()
    }

    pub fn type_char(&mut self, c: char) {
        if self.typed.chars().count() < 200 {
            self.typed.push(c);
            self.cursor = 0;
        }
    }

    /// The selected finding in full: what, where, the objects involved, the fix.
    #[must_use]
    pub fn detail(&self) -> Vec<String> {
        let Some(f) = self.selected() else {
            return Vec::new();
        };
        let mut out = vec![
            f.text.clone(),
            format!(
                "{} · {} · {}",
                f.region,
                f.finding.severity.as_str(),
                f.finding.kind.code()
            ),
        ];
        let objects: Vec<String> = f.finding.objects.iter().map(|o| o.id.clone()).collect();
        if !objects.is_empty() {
            out.push(format!("objects: {}", objects.join(", ")));
        }
        match f.finding.fix() {
            Some(fix) => out.push(format!("fix: {fix}")),
            None => out.push("fix: no usual next step; look at the object".into()),
        }
        out
    }
}

impl FindingsView {
    /// The findings list: the rows (the selected one kept in view), then the selected
    /// finding in full, its fix included, pinned under the list.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect) {
        let f = self;
        let title = if f.stale {
            format!(
                " Findings ({}) — of the previous version: auditing the latest ",
                f.items.len()
            )
        } else {
            format!(" Findings ({}) ", f.items.len())
        };
        let inner = popup_block(
            frame,
            area,
            &title,
            " ↑/↓ select · Enter shows it in the tree · typing filters · Esc closes ",
        );
        let rows: Vec<PickRow> = f
            .shown()
            .iter()
            .map(|x| PickRow {
                left: x.region.clone(),
                text: x.text.clone(),
                style: if x.finding.severity >= crate::net::Severity::Error {
                    bad()
                } else {
                    pending()
                },
            })
            .collect();
        draw_pick_list(
            frame,
            inner,
            &f.typed,
            "no match",
            &rows,
            f.cursor,
            f.detail(),
        );
    }
}

impl Dialog for FindingsView {
    fn update(&mut self, action: &Action, _: &mut Ctx<'_>) -> Outcome {
        let n = self.shown().len();
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(n.saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::PageDown => self.cursor = (self.cursor + 10).min(n.saturating_sub(1)),
            Action::PageUp => self.cursor = self.cursor.saturating_sub(10),
            Action::DeleteChar => {
                self.typed.pop();
                self.cursor = 0;
            }
            Action::Cancel | Action::Back | Action::Quit => return Outcome::close(),
            Action::Submit | Action::Open => {
                return match self.selected() {
                    Some(f) => Outcome::close().then(Then::Show {
                        path: f.path.clone(),
                        what: f.text.clone(),
                    }),
                    None => Outcome::say("no finding matches what was typed"),
                };
            }
            _ => {}
        }
        Outcome::keep()
    }
}
