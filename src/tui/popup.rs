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
