//! The frame every popup is drawn in: its box, and the panes behind it cleared.
//! A leaf of the drawing code: the dialogs that draw themselves and `view` use it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use super::content::bold;
use super::layout;
use super::tree::dim;

/// Clears a popup's area and the strips beside it (the panes' outer borders kept):
/// cut-off words of the pane behind ("lished;", "rev:1;)") read as part of it.
pub fn clear_behind(frame: &mut Frame<'_>, area: Rect) {
    frame.render_widget(Clear, area);
    let full = frame.area();
    let [main, _, _] = layout::screen((full.width, full.height));
    let left = area.x.saturating_sub(main.x + 1);
    let right_start = area.x + area.width;
    let right = (main.x + main.width)
        .saturating_sub(1)
        .saturating_sub(right_start);
    for strip in [
        Rect::new(main.x + 1, area.y, left, area.height),
        Rect::new(right_start, area.y, right, area.height),
    ] {
        if strip.width > 0 {
            frame.render_widget(Clear, strip.intersection(full));
        }
    }
}

/// A titled box over the panes; answers its inside.
pub fn popup_block(frame: &mut Frame<'_>, area: Rect, title: &str, bottom: &str) -> Rect {
    clear_behind(frame, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Span::styled(
            crate::text::fit(title, usize::from(area.width.saturating_sub(2))),
            bold(),
        ))
        .title_bottom(Line::from(Span::styled(bottom.to_string(), dim())));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// One row of a pick list: a dim left column (a region) and its text, styled.
pub struct PickRow {
    pub left: String,
    pub text: String,
    pub style: Style,
}

/// A pick list inside a popup (the findings, the diff): what was typed, the rows
/// (the selected one reversed and kept in view, each cut with …), and the selected
/// row's `detail` in full, pinned under the list (its first line bold).
pub fn draw_pick_list(
    frame: &mut Frame<'_>,
    inner: Rect,
    typed: &str,
    empty: &str,
    rows: &[PickRow],
    cursor: usize,
    detail: Vec<String>,
) {
    use ratatui::style::Modifier;
    use ratatui::widgets::{Paragraph, Wrap};
    let mut footer = vec![Line::from("")];
    for (i, text) in detail.into_iter().enumerate() {
        let style = if i == 0 { bold() } else { Style::new() };
        footer.push(Line::from(Span::styled(text, style)));
    }
    // The detail is wrapped below the list: its height is what it takes at this width.
    let width = usize::from(inner.width.max(1));
    let detail_rows: usize = footer
        .iter()
        .map(|l| l.width().div_ceil(width).max(1))
        .sum();
    let detail_rows = detail_rows.min(usize::from(inner.height) / 2);
    let list_area = Rect {
        height: inner.height - u16::try_from(detail_rows).unwrap_or(0),
        ..inner
    };
    let mut lines = Vec::new();
    if !typed.is_empty() {
        lines.push(Line::from(format!("› {typed}▏")));
    }
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(empty.to_string(), dim())));
    }
    let room = usize::from(list_area.height)
        .saturating_sub(lines.len())
        .max(1);
    let first = cursor.saturating_sub(room - 1);
    let text_room = usize::from(list_area.width).saturating_sub(11);
    for (i, r) in rows.iter().enumerate().skip(first).take(room) {
        let style = if i == cursor {
            r.style.add_modifier(Modifier::REVERSED)
        } else {
            r.style
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", r.left), dim()),
            Span::styled(crate::text::fit(&r.text, text_room), style),
        ]));
    }
    super::content::make_safe(&mut lines);
    frame.render_widget(Paragraph::new(lines), list_area);
    let detail_area = Rect {
        y: list_area.y + list_area.height,
        height: inner.height - list_area.height,
        ..inner
    };
    super::content::make_safe(&mut footer);
    frame.render_widget(
        Paragraph::new(footer).wrap(Wrap { trim: false }),
        detail_area,
    );
}
