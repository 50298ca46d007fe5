//! The diff view (`:diff A [B]`): what changed between two estates as a pick list
//! over the `[menu]` layer — each object added, removed or changed, then what that
//! did to paths and findings. Typing filters; the selected row is shown in full under
//! the list; Enter on an object shows it in the tree (`[` comes back).
//!
//! Invariants: built once from the diff and the tree's paths of the estate on screen
//! when the answer came; it never touches the rest of the console ([`Dialog`]).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::content::ok;
use super::dialog::{Ctx, Dialog, Outcome, Then};
use super::keymap::Action;
use super::popup::{PickRow, draw_pick_list, popup_block};
use super::tree::{NodePath, bad};
use crate::ops::diff::EstateDiff;

/// How a row reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowTone {
    Object,
    Good,
    Warning,
    Info,
}

/// One row: its line, its detail, and where Enter goes (objects only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub region: String,
    pub text: String,
    pub detail: Vec<String>,
    pub path: Option<NodePath>,
    pub tone: RowTone,
}

/// The diff dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffView {
    pub title: String,
    pub rows: Vec<DiffRow>,
    pub cursor: usize,
    pub typed: String,
}

impl DiffView {
    /// The rows of `diff`; `path_of` finds each object's node in the tree on screen.
    #[must_use]
    pub fn new(
        title: String,
        diff: &EstateDiff,
        path_of: impl Fn(&crate::net::ObjectRef) -> Option<NodePath>,
    ) -> Self {
        let mut rows: Vec<DiffRow> = diff
            .changes
            .iter()
            .map(|c| {
                let mut detail = vec![c.headline()];
                detail.extend(c.summary.clone());
                detail.extend(c.fields.iter().map(|f| format!("  {}", f.text)));
                if !c.also_in.is_empty() {
                    detail.push(format!("the same in {}", c.also_in.join(", ")));
                }
                DiffRow {
                    region: c.region.clone(),
                    text: c.headline(),
                    detail,
                    path: path_of(&c.object),
                    tone: RowTone::Object,
                }
            })
            .collect();
        for p in &diff.paths {
            let tone = match p.tone {
                crate::ops::impact::Tone::Good => RowTone::Good,
                crate::ops::impact::Tone::Warning => RowTone::Warning,
                crate::ops::impact::Tone::Info => RowTone::Info,
            };
            rows.push(DiffRow {
                region: String::new(),
                text: format!("path: {}", p.text),
                detail: vec![p.text.clone()],
                path: None,
                tone,
            });
        }
        for (list, word, tone) in [
            (&diff.findings_new, "new", RowTone::Warning),
            (&diff.findings_fixed, "fixes", RowTone::Good),
        ] {
            for f in list {
                let text = format!("{word}: {}", f.message());
                let mut detail = vec![text.clone()];
                detail.extend(f.fix().map(|fix| format!("fix: {fix}")));
                rows.push(DiffRow {
                    region: f.region.clone(),
                    text,
                    detail,
                    path: f.objects.iter().find_map(&path_of),
                    tone,
                });
            }
        }
        Self {
            title,
            rows,
            cursor: 0,
            typed: String::new(),
        }
    }

    /// The rows matching what was typed.
    #[must_use]
    pub fn shown(&self) -> Vec<&DiffRow> {
        let t = self.typed.to_lowercase();
        self.rows
            .iter()
            .filter(|r| {
                t.is_empty()
                    || r.text.to_lowercase().contains(&t)
                    || r.region.to_lowercase().contains(&t)
                    || r.detail.iter().any(|d| d.to_lowercase().contains(&t))
            })
            .collect()
    }

    #[must_use]
    pub fn selected(&self) -> Option<&DiffRow> {
        self.shown().get(self.cursor).copied()
    }

    pub fn type_char(&mut self, c: char) {
        if self.typed.chars().count() < 200 {
            self.typed.push(c);
            self.cursor = 0;
        }
    }

    /// The list (the selected row kept in view), its detail pinned under it.
    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect) {
        let inner = popup_block(
            frame,
            area,
            &format!(" {} ", self.title),
            " ↑/↓ select · Enter shows the object in the tree · typing filters · Esc closes ",
        );
        let rows: Vec<PickRow> = self
            .shown()
            .iter()
            .map(|r| PickRow {
                left: r.region.clone(),
                text: r.text.clone(),
                style: match r.tone {
                    RowTone::Object | RowTone::Info => Style::new(),
                    RowTone::Good => ok(),
                    RowTone::Warning => bad(),
                },
            })
            .collect();
        let empty = if self.rows.is_empty() {
            "no differences: both estates hold the same objects"
        } else {
            "no match"
        };
        let detail = self
            .selected()
            .map(|r| r.detail.clone())
            .unwrap_or_default();
        draw_pick_list(frame, inner, &self.typed, empty, &rows, self.cursor, detail);
    }
}

impl Dialog for DiffView {
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
                    Some(DiffRow {
                        path: Some(path),
                        text,
                        ..
                    }) => Outcome::close().then(Then::Show {
                        path: path.clone(),
                        what: text.clone(),
                    }),
                    Some(_) => Outcome::say("that row is not an object the tree shows"),
                    None => Outcome::say("no row matches what was typed"),
                };
            }
            _ => {}
        }
        Outcome::keep()
    }
}
