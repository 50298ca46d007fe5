//! The trace view: a `:trace` shown hop by hop, forward then return, with a selection
//! over the hops so Enter jumps to the hop's object in the tree (and `[` comes back).
//!
//! The rows are built once from the [`Trace`] when the view opens; only the fitting to
//! the popup's width happens when it is drawn.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::dialog::{Ctx, Dialog, Outcome, Then};
use super::keymap::Action;
use crate::net::ObjectRef;
use crate::net::trace::{Hop, HopKind, Trace, Verdict};

/// One row of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceRow {
    /// A section title (`forward: tcp 10.1.1.10 → internet port 443`, `return`).
    Heading(String),
    /// A numbered hop; the selection moves over these.
    Hop {
        number: usize,
        hop: Hop,
    },
    /// A verdict line.
    Verdict {
        label: String,
        text: String,
        ok: bool,
    },
    /// A plain line (symmetric, alternatives, notes).
    Text(String),
    Blank,
}

/// The view's state: its rows, which hop is selected and the scroll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceView {
    /// `:trace i-… internet`.
    pub title: String,
    pub rows: Vec<TraceRow>,
    /// Row indices of the hop rows, in order.
    pub hops: Vec<usize>,
    /// Index into `hops`.
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
}

/// What the trace view wants after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceOutcome {
    Keep,
    Close,
    /// Close and show this object in the tree.
    Jump(ObjectRef),
    /// Enter on a hop whose object is not in the estate.
    NoObject(String),
}

fn kind_label(kind: HopKind) -> &'static str {
    kind.as_str()
}

fn object_label(hop: &Hop) -> String {
    match &hop.name {
        Some(name) if !name.is_empty() && *name != hop.id => format!("{} ({name})", hop.id),
        _ => hop.id.clone(),
    }
}

/// The region, or the zone when it names the region already (`us-east-1b`).
fn place_label(hop: &Hop) -> String {
    match &hop.az {
        Some(az) if az.starts_with(&hop.region) => az.clone(),
        Some(az) => format!("{}/{az}", hop.region),
        None => hop.region.clone(),
    }
}

fn flow_label(t: &Trace) -> String {
    let f = &t.flow;
    let to = if f.to == f.dst.to_string() {
        f.to.clone()
    } else {
        format!("{} ({})", f.to, f.dst)
    };
    let port = f
        .dst_port
        .map_or_else(String::new, |p| format!(" port {p}"));
    let sni = f
        .sni
        .as_deref()
        .map(|s| format!(" sni {s}"))
        .or_else(|| f.http_host.as_deref().map(|h| format!(" host {h}")))
        .unwrap_or_default();
    format!("{} {} → {to}{port}{sni}", f.protocol.as_str(), f.src)
}

impl TraceView {
    /// The view of a trace, the first hop selected.
    #[must_use]
    pub fn new(title: String, t: &Trace) -> Self {
        let mut rows = vec![TraceRow::Heading(format!("forward: {}", flow_label(t)))];
        for (i, hop) in t.hops.iter().enumerate() {
            rows.push(TraceRow::Hop {
                number: i + 1,
                hop: hop.clone(),
            });
        }
        rows.push(TraceRow::Verdict {
            label: "verdict".into(),
            text: t.verdict.summary(),
            ok: t.verdict.arrives() && !matches!(t.verdict, Verdict::Unverified { .. }),
        });
        rows.push(TraceRow::Blank);
        if t.return_hops.is_empty() {
            rows.push(TraceRow::Heading("return".into()));
        } else {
            rows.push(TraceRow::Heading(format!(
                "return: {} hop{}",
                t.return_hops.len(),
                if t.return_hops.len() == 1 { "" } else { "s" }
            )));
            for (i, hop) in t.return_hops.iter().enumerate() {
                rows.push(TraceRow::Hop {
                    number: i + 1,
                    hop: hop.clone(),
                });
            }
        }
        rows.push(match &t.return_verdict {
            Some(v) => TraceRow::Verdict {
                label: "return".into(),
                text: v.summary(),
                ok: v.arrives() && !matches!(v, Verdict::Unverified { .. }),
            },
            None => TraceRow::Verdict {
                label: "return".into(),
                text: "none (the forward path does not arrive)".into(),
                ok: false,
            },
        });
        rows.push(TraceRow::Blank);
        rows.push(TraceRow::Text(if t.return_verdict.is_none() {
            "symmetry: n/a (nothing comes back)".into()
        } else if t.symmetric {
            if t.firewalls.is_empty() {
                "symmetric (no firewall on either path)".into()
            } else {
                format!(
                    "symmetric (both directions cross {})",
                    t.firewalls.join(", ")
                )
            }
        } else {
            format!(
                "asymmetric: forward crosses {}, return crosses {}",
                list_or_none(&t.firewalls),
                list_or_none(&t.return_firewalls)
            )
        }));
        for a in &t.alternatives {
            rows.push(TraceRow::Text(format!(
                "if the flow hash picks {}: {}",
                a.choices.join(", "),
                a.verdict.summary()
            )));
        }
        for n in &t.notes {
            rows.push(TraceRow::Text(format!("note: {n}")));
        }
        let hops = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, TraceRow::Hop { .. }))
            .map(|(i, _)| i)
            .collect();
        Self {
            title,
            rows,
            hops,
            selected: 0,
            offset: 0,
        }
    }

    /// The selected hop.
    #[must_use]
    pub fn selected_hop(&self) -> Option<&Hop> {
        let row = *self.hops.get(self.selected)?;
        match self.rows.get(row) {
            Some(TraceRow::Hop { hop, .. }) => Some(hop),
            _ => None,
        }
    }

    /// The row index of the selected hop.
    #[must_use]
    pub fn selected_row(&self) -> Option<usize> {
        self.hops.get(self.selected).copied()
    }

    /// Handles an action of the `[trace]` layer; `height` is the rows of the popup
    /// (the list gets what the selected hop's detail leaves).
    pub fn key(&mut self, action: &Action, height: usize) -> TraceOutcome {
        let height = list_height(height);
        let last = self.hops.len().saturating_sub(1);
        let page = height.max(1);
        match action {
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Open | Action::Submit => {
                return match self.selected_hop() {
                    Some(Hop {
                        object: Some(o), ..
                    }) => TraceOutcome::Jump(o.clone()),
                    Some(hop) => TraceOutcome::NoObject(hop.id.clone()),
                    None => TraceOutcome::Keep,
                };
            }
            Action::Back | Action::Cancel | Action::Quit => return TraceOutcome::Close,
            _ => return TraceOutcome::Keep,
        }
        self.keep_in_view(height);
        TraceOutcome::Keep
    }

    /// Scrolls so the selected hop is shown (the first page shows the heading too);
    /// `height` is the rows of the popup.
    pub fn keep_in_view(&mut self, height: usize) {
        let h = list_height(height);
        let max = self.rows.len().saturating_sub(h);
        if let Some(row) = self.selected_row() {
            if row < self.offset + 1 {
                self.offset = row.saturating_sub(1);
            } else if row >= self.offset + h {
                self.offset = row + 1 - h;
            }
        }
        // After the last hop, show the verdicts and notes below it as far as they go.
        if self.selected + 1 == self.hops.len() {
            self.offset = self.offset.max(
                self.selected_row()
                    .map_or(0, |r| (r + 1).saturating_sub(h))
                    .min(max),
            );
        }
        self.offset = self.offset.min(max);
    }

    /// The rows fitted to `width` columns, the selected hop highlighted when
    /// `highlight`.
    #[must_use]
    pub fn lines(&self, width: usize, highlight: bool) -> Vec<Line<'static>> {
        let hops = self.rows.iter().filter_map(|r| match r {
            TraceRow::Hop { hop, .. } => Some(hop),
            _ => None,
        });
        let (mut kind_w, mut obj_w, mut place_w) = (0, 0, 0);
        for hop in hops {
            kind_w = kind_w.max(kind_label(hop.kind).chars().count());
            obj_w = obj_w.max(object_label(hop).chars().count());
            place_w = place_w.max(place_label(hop).chars().count());
        }
        // Long names take at most a third of the line; longer ones are cut.
        let obj_w = obj_w.min((width / 3).max(12));
        let selected = self.selected_row();
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let line = match row {
                    TraceRow::Heading(t) => Line::from(Span::styled(
                        fit(t, width),
                        Style::new().add_modifier(Modifier::BOLD),
                    )),
                    TraceRow::Hop { number, hop } => {
                        let mut text = format!(
                            "{number:>3} {:<kind_w$}  {:<obj_w$}  {:<place_w$}  {}",
                            kind_label(hop.kind),
                            fit(&object_label(hop), obj_w),
                            place_label(hop),
                            hop.decision,
                        );
                        if !hop.rule.is_empty() {
                            text.push_str("  · ");
                            text.push_str(&hop.rule);
                        }
                        let style = if hop.kind == HopKind::Drop {
                            Style::new().fg(Color::Red)
                        } else {
                            Style::new()
                        };
                        Line::from(Span::styled(fit(&text, width), style))
                    }
                    TraceRow::Verdict { label, text, ok } => Line::from(vec![
                        Span::styled(
                            format!("    {label}: "),
                            Style::new().add_modifier(Modifier::BOLD),
                        ),
                        Span::styled(
                            fit(text, width.saturating_sub(label.chars().count() + 6)),
                            Style::new().fg(if *ok { Color::Green } else { Color::Red }),
                        ),
                    ]),
                    TraceRow::Text(t) => Line::from(fit(t, width)),
                    TraceRow::Blank => Line::from(""),
                };
                if highlight && Some(i) == selected {
                    line.style(Style::new().add_modifier(Modifier::REVERSED))
                } else {
                    line
                }
            })
            .collect()
    }
}

/// Rows under the list that show the selected hop's rule in full (the list line
/// cuts it to the width).
pub const DETAIL_ROWS: usize = 3;

/// The rows the hop list gets in a popup of `height` rows.
#[must_use]
pub fn list_height(height: usize) -> usize {
    if height > DETAIL_ROWS + 4 {
        height - DETAIL_ROWS
    } else {
        height.max(1)
    }
}

impl TraceView {
    /// The selected hop's decision and rule in full, for the rows under the list.
    #[must_use]
    pub fn detail(&self) -> Option<String> {
        let hop = self.selected_hop()?;
        Some(format!(
            "{} {}: {} · {}",
            kind_label(hop.kind),
            hop.id,
            hop.decision,
            if hop.rule.is_empty() { "-" } else { &hop.rule }
        ))
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "no firewall".into()
    } else {
        v.join(", ")
    }
}

pub use crate::text::fit;

impl Dialog for TraceView {
    fn update(&mut self, action: &Action, ctx: &mut Ctx<'_>) -> Outcome {
        match self.key(action, ctx.height) {
            TraceOutcome::Keep => Outcome::keep(),
            TraceOutcome::Close => Outcome::close(),
            TraceOutcome::Jump(o) => Outcome::keep().then(Then::Jump(o)),
            TraceOutcome::NoObject(id) => {
                Outcome::say(format!("{id} is not an object of the estate"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 6), "abcdef");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abcdef", 0), "");
    }
}
