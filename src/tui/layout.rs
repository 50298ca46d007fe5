//! Screen geometry, shared by drawing and by `update` (page sizes, mouse hits), so
//! both agree on where things are without `update` ever touching a terminal.

use ratatui::layout::{Constraint, Layout, Rect};

/// Lines above a route table in the detail pane (TGW, counts, associations,
/// propagations).
pub const ROUTE_TABLE_HEADER: u16 = 4;

/// The main area, the status bar and the message/prompt line.
#[must_use]
pub fn screen(size: (u16, u16)) -> [Rect; 3] {
    let area = Rect::new(0, 0, size.0, size.1);
    Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The tree pane and the detail pane.
#[must_use]
pub fn panes(size: (u16, u16)) -> (Rect, Rect) {
    let [main, _, _] = screen(size);
    let [tree, detail] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(main);
    (tree, detail)
}

/// Rows of the tree inside its border.
#[must_use]
pub fn tree_rows(size: (u16, u16)) -> usize {
    usize::from(panes(size).0.height.saturating_sub(2))
}

/// Rows of a route table shown in the detail pane (inside the border, below the
/// header lines and the column titles, above the target line).
#[must_use]
pub fn detail_table_rows(size: (u16, u16)) -> usize {
    usize::from(
        panes(size)
            .1
            .height
            .saturating_sub(2 + ROUTE_TABLE_HEADER + 2),
    )
}

/// Where the panes and the popup are on a screen of one size: computed when the size
/// changes, read by `update` for every key and scroll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Screen {
    pub tree: Rect,
    pub detail: Rect,
    pub popup: Rect,
}

impl Screen {
    #[must_use]
    pub fn of(size: (u16, u16)) -> Self {
        let (tree, detail) = panes(size);
        Self {
            tree,
            detail,
            popup: popup(size),
        }
    }
}

/// The popup (help, command output) area.
#[must_use]
pub fn popup(size: (u16, u16)) -> Rect {
    let [main, _, _] = screen(size);
    let w = (main.width * 9 / 10).max(20).min(main.width);
    let h = (main.height * 9 / 10).max(5).min(main.height);
    Rect::new(
        main.x + (main.width - w) / 2,
        main.y + (main.height - h) / 2,
        w,
        h,
    )
}

/// The popup's height.
#[must_use]
pub fn popup_height(size: (u16, u16)) -> u16 {
    popup(size).height
}
