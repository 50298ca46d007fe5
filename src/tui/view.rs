//! Drawing: `draw(&State, &mut Frame)`. Never awaits, never mutates the model.
//!
//! Cost follows what is visible: the tree items are prebuilt by `update`; a route
//! table builds rows only for its visible window; lists in the detail pane are cut
//! to the lines that fit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};
use tui_tree_widget::Tree;

use super::content::{SPINNER_PLACEHOLDER, bold, key_in, kv, ok};
use super::keymap::{Action, Layer};
use super::layout;
use super::modal::{Modal, Scroll};
use super::popup::{clear_behind, popup_block};
use super::state::{Focus, Mode, Severity, State};
use super::tree::{self, Node, SYM_BAD, SYM_LOADING, SYM_PENDING, bad, dim, pending};
use crate::model::{RegionEstate, RegionLoad, RouteState, RouteType, TgwRouteTable};
use crate::text::plural;

fn focused_border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

/// Formats Unix seconds as a UTC time of day.
#[must_use]
pub fn clock(secs: u64) -> String {
    let s = secs % 86_400;
    format!("{:02}:{:02}:{:02} UTC", s / 3600, (s / 60) % 60, s % 60)
}

/// Draws the whole screen.
pub fn draw(state: &State, frame: &mut Frame<'_>) {
    let size = (frame.area().width, frame.area().height);
    let [_, status, message] = layout::screen(size);
    let (tree_area, detail_area) = layout::panes(size);
    draw_tree(state, frame, tree_area);
    draw_detail(state, frame, detail_area);
    let mut status_line = status_line(state);
    super::content::make_safe(std::slice::from_mut(&mut status_line));
    frame.render_widget(Paragraph::new(status_line), status);
    draw_message(state, frame, message);
    draw_completions(state, frame, size);
    // Cached lines carry a placeholder spinner; show the current frame instead.
    let spinner = state.spinner_frame();
    if spinner != SPINNER_PLACEHOLDER {
        let main = layout::screen(size)[0];
        let buffer = frame.buffer_mut();
        for y in main.top()..main.bottom() {
            for x in main.left()..main.right() {
                let cell = &mut buffer[(x, y)];
                if cell.symbol() == SPINNER_PLACEHOLDER {
                    cell.set_symbol(spinner);
                }
            }
        }
    }
    match state.modals.last() {
        Some(Modal::Help { scroll }) => draw_popup(
            frame,
            layout::popup(size),
            " Help: keys of the active keymap ",
            &state.content.help,
            *scroll,
        ),
        Some(Modal::Output {
            title,
            lines,
            scroll,
        }) => {
            let lines: Vec<Line<'static>> = lines.iter().map(|l| Line::from(l.clone())).collect();
            draw_popup(
                frame,
                layout::popup(size),
                &format!(" {title} "),
                &lines,
                *scroll,
            );
        }
        Some(Modal::Trace(view)) => draw_trace(frame, layout::popup(size), view),
        Some(Modal::Change(view)) => draw_change(state, frame, layout::popup(size), view),
        Some(Modal::Wizard(w)) => draw_wizard(state, frame, layout::popup(size), w),
        Some(Modal::Menu(m)) => draw_menu(frame, layout::popup(size), m),
        Some(Modal::Probe(p)) => draw_probe(state, frame, layout::popup(size), p),
        Some(Modal::Findings(f)) => f.draw(frame, layout::popup(size)),
        Some(Modal::Diff(d)) => d.draw(frame, layout::popup(size)),
        None => {}
    }
}

fn tone_style(tone: crate::ops::Tone) -> Style {
    match tone {
        crate::ops::Tone::Good => Style::new().fg(Color::Green),
        crate::ops::Tone::Info => Style::new(),
        crate::ops::Tone::Warning => Style::new().fg(Color::Yellow),
    }
}

/// The buttons line of a confirmation: `[ Cancel ]  [ Apply ]`, the focused one
/// reversed; Apply greyed while something is missing.
fn buttons(view: &super::change::ConfirmView) -> Line<'static> {
    use super::change::Button;
    if view.plan.refused() {
        return Line::from(Span::styled(
            "[ Close ]",
            bold().add_modifier(Modifier::REVERSED),
        ));
    }
    let focus = |b: Button| {
        if view.button == b {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        }
    };
    let apply = if view.blocker().is_some() {
        focus(Button::Apply).fg(Color::DarkGray)
    } else {
        focus(Button::Apply).fg(Color::Green)
    };
    Line::from(vec![
        Span::styled("[ Cancel ]", focus(Button::Cancel)),
        Span::raw("  "),
        Span::styled("[ Apply ]", apply),
    ])
}

/// The confirmation's lines: progress or result, preview, what is still needed.
/// The confirmation's body at `width` columns: a long row (an `aws` command, a
/// before/after row) wraps under its own text, not back to the first column.
fn change_lines(
    state: &State,
    view: &super::change::ConfirmView,
    width: u16,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(p) = view.progress() {
        lines.push(Line::from(Span::styled(
            format!("{} {p}…", state.spinner_frame()),
            bold().fg(Color::Cyan),
        )));
        lines.push(Line::from(""));
    }
    for (text, tone) in view.body() {
        for row in crate::text::wrap_hanging(&text, usize::from(width)) {
            lines.push(Line::from(Span::styled(row, tone_style(tone))));
        }
    }
    lines
}

/// The confirmation's controls, pinned under its preview: what must be done before
/// Apply (the refusal, the impact to accept, the type-the-id field), then the buttons.
fn controls_footer(view: &super::change::ConfirmView, with_buttons: bool) -> Vec<Line<'static>> {
    let mut footer = vec![Line::from("")];
    for (text, tone) in view.controls() {
        footer.push(Line::from(Span::styled(text, tone_style(tone))));
    }
    if with_buttons {
        footer.push(Line::from(""));
        footer.push(buttons(view));
    }
    footer
}

/// Renders `lines` scrolled by `scroll` into `area`, with `footer` pinned at the bottom.
fn scrolled_with_footer(
    frame: &mut Frame<'_>,
    area: Rect,
    mut lines: Vec<Line<'static>>,
    scroll: usize,
    footer: Vec<Line<'static>>,
) {
    super::content::make_safe(&mut lines);
    // Wrapped, not cut: the end of a trace line ("symmetric") matters.
    let para = Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false });
    let total = para.line_count(area.width);
    let mut footer = footer;
    let fits = |fh: usize| total <= usize::from(area.height).saturating_sub(fh);
    // What does not fit says so: the footer's spacer row (or a row of its own)
    // tells how many rows are below and which key shows them.
    let spacer = footer.first().is_some_and(|l| l.width() == 0);
    if !fits(footer.len()) && !spacer {
        footer.insert(0, Line::from(""));
    }
    let fh = u16::try_from(footer.len()).unwrap_or(0).min(area.height);
    let body = Rect {
        height: area.height - fh,
        ..area
    };
    let start = scroll.min(total.saturating_sub(usize::from(body.height)));
    let below = total.saturating_sub(start + usize::from(body.height));
    if let Some(first) = footer
        .first_mut()
        .filter(|_| total > usize::from(body.height))
    {
        *first = Line::from(Span::styled(
            if below > 0 {
                format!(
                    "↓ {} below (↓ scrolls)",
                    crate::text::plural(below, "row", "rows")
                )
            } else {
                format!(
                    "↑ {} above (↑ scrolls back)",
                    crate::text::plural(start, "row", "rows")
                )
            },
            dim(),
        ));
    }
    frame.render_widget(
        para.scroll((u16::try_from(start).unwrap_or(u16::MAX), 0)),
        body,
    );
    if fh > 0 {
        super::content::make_safe(&mut footer);
        let f = Rect {
            y: area.y + area.height - fh,
            height: fh,
            ..area
        };
        frame.render_widget(Paragraph::new(footer), f);
    }
}

fn draw_change(
    state: &State,
    frame: &mut Frame<'_>,
    area: Rect,
    view: &super::change::ConfirmView,
) {
    use super::change::Stage;
    let bottom = match view.stage {
        Stage::Review if view.plan.refused() => " Enter/Esc closes: nothing can be sent ",
        Stage::Review => {
            " Tab moves between Cancel and Apply · Enter does the focused one · Esc cancels "
        }
        Stage::Applying(_) => " applying: AWS's answer is shown here when it comes ",
        Stage::Finished { .. } => " Enter/Esc closes ",
    };
    let inner = popup_block(
        frame,
        area,
        &format!(" :{} — {} ", view.plan.line, view.plan.title),
        bottom,
    );
    let footer = if matches!(view.stage, Stage::Review) {
        controls_footer(view, true)
    } else {
        Vec::new()
    };
    scrolled_with_footer(
        frame,
        inner,
        change_lines(state, view, inner.width),
        view.scroll,
        footer,
    );
}

fn draw_wizard(state: &State, frame: &mut Frame<'_>, area: Rect, w: &super::change::WizardView) {
    use super::change::{Stage, WizStage};
    let bottom = match &w.stage {
        WizStage::Step(v) if matches!(v.stage, Stage::Review) => {
            " Enter applies this step · Esc cancels (nothing is sent) "
        }
        WizStage::Step(_) => " applying · Esc stops after AWS answers ",
        WizStage::Waiting { .. } => " watching the peering · Esc cancels ",
        WizStage::Done { .. } | WizStage::Stopped(_) => " Enter/Esc closes ",
    };
    let inner = popup_block(
        frame,
        area,
        &format!(" Peering wizard: :{} ", w.line),
        bottom,
    );
    let mut lines = Vec::new();
    let mut steps = Vec::new();
    for (mark, label) in w.steps() {
        let style = match mark {
            "✓" => Style::new().fg(Color::Green),
            "▶" => bold().fg(Color::Cyan),
            _ => dim(),
        };
        steps.push(Span::styled(format!("{mark} {label}"), style));
        steps.push(Span::raw("   "));
    }
    lines.push(Line::from(steps));
    lines.push(Line::from(""));
    for h in &w.history {
        lines.push(Line::from(Span::styled(h.clone(), dim())));
    }
    if !w.history.is_empty() {
        lines.push(Line::from(""));
    }
    let mut footer = Vec::new();
    match &w.stage {
        WizStage::Step(view) => {
            if matches!(view.stage, Stage::Review) {
                lines.push(Line::from(Span::styled(
                    format!("next: {} — Enter applies it", view.plan.title),
                    bold(),
                )));
                lines.push(Line::from(""));
            }
            lines.extend(change_lines(state, view, inner.width));
            if w.cancelling {
                lines.push(Line::from(Span::styled(
                    "cancelling: waiting for AWS's answer to the change in flight".to_string(),
                    Style::new().fg(Color::Yellow),
                )));
            }
            if matches!(view.stage, Stage::Review) {
                footer = controls_footer(view, view.blocker().is_some());
            }
        }
        WizStage::Waiting {
            peering, state: s, ..
        } => {
            lines.push(Line::from(Span::styled(
                format!(
                    "{} {peering} is {s}: AWS is moving it (waited {} s)",
                    state.spinner_frame(),
                    w.waited_ms / 1000
                ),
                bold().fg(Color::Cyan),
            )));
        }
        WizStage::Done {
            message,
            checks,
            ok,
            policy_drop,
        } => {
            let (mark, style) = match (*ok, *policy_drop) {
                (true, false) => ("✓", bold().fg(Color::Green)),
                (true, true) => ("⚠", bold().fg(Color::Yellow)),
                (false, _) => ("!", bold().fg(Color::Yellow)),
            };
            lines.push(Line::from(Span::styled(format!("{mark} {message}"), style)));
            if *ok && *policy_drop {
                lines.push(Line::from(Span::styled(
                    "  connected: routing works both ways; a firewall policy drops the check's packets (below)",
                    Style::new().fg(Color::Yellow),
                )));
            }
            for c in checks {
                lines.push(Line::from(format!("  {c}")));
            }
        }
        WizStage::Stopped(why) => {
            lines.push(Line::from(Span::styled(
                format!("stopped: {why}"),
                Style::new().fg(Color::Yellow),
            )));
        }
    }
    scrolled_with_footer(frame, inner, lines, w.scroll, footer);
}

fn draw_menu(frame: &mut Frame<'_>, area: Rect, m: &super::change::MenuView) {
    let inner = popup_block(
        frame,
        area,
        &format!(" {} ", m.title),
        " ↑/↓ select · Enter runs · typing filters · Esc closes ",
    );
    let mut lines = Vec::new();
    if !m.typed.is_empty() || m.typed_line.is_some() {
        lines.push(Line::from(format!("› {}▏", m.typed)));
        lines.push(Line::from(""));
    }
    let shown = m.shown();
    if shown.is_empty() {
        lines.push(Line::from(Span::styled(
            if m.typed_line.is_some() {
                "no match: Enter uses the typed id".to_string()
            } else {
                "no match".to_string()
            },
            dim(),
        )));
    }
    for (i, item) in shown.iter().enumerate() {
        let style = if i == m.cursor {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(format!(" {} ", item.label), style)));
    }
    scrolled_with_footer(frame, inner, lines, 0, Vec::new());
}

fn probe_tone_style(tone: super::probe_view::Tone) -> Style {
    use super::probe_view::Tone;
    match tone {
        Tone::Good => bold().fg(Color::Green),
        Tone::Bad => bad(),
        Tone::Unknown => pending(),
        Tone::Running => Style::new().fg(Color::Cyan),
        Tone::Note => dim(),
    }
}

/// The probe matrix: one row per spoke (or ping), a spinner and SSM's status while it
/// runs, the verdict with its symbol after; the selected row explained below.
fn draw_probe(
    state: &State,
    frame: &mut Frame<'_>,
    area: Rect,
    view: &super::probe_view::ProbeView,
) {
    use super::probe_view::{elapsed, join_ips, verdict_mark};
    let bottom = if view.busy() {
        " j/k select · Enter details · r runs again · Esc closes (cancels what still runs) "
    } else {
        " j/k select · Enter details · r runs again · Esc closes "
    };
    let inner = popup_block(frame, area, &format!(" {} ", view.title()), bottom);
    let egress = view.run.kind == crate::probe::Kind::Egress;
    let safe = |s: &str| crate::text::terminal_safe(s).into_owned();
    let verdict_cell = |r: &crate::probe::Row| {
        let (symbol, tone) = verdict_mark(r);
        let symbol = if r.verdict.is_none() {
            state.spinner_frame()
        } else {
            symbol
        };
        Cell::from(Span::styled(
            format!("{symbol} {}", r.status()),
            probe_tone_style(tone),
        ))
    };
    // Rows shown: the table takes what it needs (up to two thirds), the explanation
    // the rest.
    let max_rows = usize::from(inner.height.saturating_mul(2) / 3)
        .saturating_sub(1)
        .max(1);
    let n = view.run.rows.len();
    let offset = (view.selected + 1).saturating_sub(max_rows);
    let mut rows = Vec::new();
    for (i, r) in view.run.rows.iter().enumerate().skip(offset).take(max_rows) {
        let mark = if i == view.selected { "›" } else { " " };
        let mut cells = vec![Cell::from(mark), Cell::from(safe(&r.label))];
        if egress {
            cells.push(Cell::from(r.instance.clone().unwrap_or_else(|| "-".into())));
            cells.push(Cell::from(
                r.observed_ip
                    .map_or_else(|| "-".into(), |ip| ip.to_string()),
            ));
            cells.push(Cell::from(join_ips(&r.expected())));
        } else {
            cells.push(Cell::from(r.region.clone()));
        }
        cells.push(verdict_cell(r));
        cells.push(Cell::from(elapsed(r.elapsed_ms)));
        let mut row = Row::new(cells);
        if i == view.selected {
            row = row.style(Style::new().add_modifier(Modifier::REVERSED));
        }
        rows.push(row);
    }
    let label_width = view
        .run
        .rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        // A ping's label is two ids; a spoke's name leaves room for the IPs.
        .clamp(6, if egress { 28 } else { 44 });
    let label_width = u16::try_from(label_width).unwrap_or(28);
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if egress {
        (
            vec![
                "",
                "SPOKE",
                "INSTANCE",
                "OBSERVED IP",
                "EXPECTED",
                "VERDICT",
                "ELAPSED",
            ],
            vec![
                Constraint::Length(1),
                Constraint::Length(label_width),
                Constraint::Length(19),
                Constraint::Length(15),
                Constraint::Min(13),
                Constraint::Length(15),
                Constraint::Length(7),
            ],
        )
    } else {
        (
            vec!["", "FROM → TO", "REGION", "VERDICT", "ELAPSED"],
            vec![
                Constraint::Length(1),
                Constraint::Length(label_width),
                Constraint::Length(14),
                Constraint::Length(15),
                Constraint::Length(7),
            ],
        )
    };
    let table_height = u16::try_from(rows.len().min(max_rows) + 1)
        .unwrap_or(inner.height)
        .min(inner.height);
    let table_area = Rect {
        height: table_height,
        ..inner
    };
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(dim())),
        table_area,
    );
    // The selected row, explained: why, what the engine expected, disagreement.
    let below = inner.height.saturating_sub(table_height + 1);
    if below == 0 {
        return;
    }
    let mut lines = Vec::new();
    if n > max_rows {
        lines.push(Line::from(Span::styled(
            format!("row {}/{n}", view.selected + 1),
            dim(),
        )));
    }
    for (text, tone) in view.explanation() {
        lines.push(Line::from(Span::styled(text, probe_tone_style(tone))));
    }
    super::content::make_safe(&mut lines);
    let rest = Rect {
        y: inner.y + table_height + 1,
        height: below,
        ..inner
    };
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        rest,
    );
}

fn draw_trace(frame: &mut Frame<'_>, area: Rect, view: &super::trace_view::TraceView) {
    clear_behind(frame, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Span::styled(
            crate::text::fit(
                &format!(" {} ", view.title),
                usize::from(area.width.saturating_sub(2)),
            ),
            bold(),
        ))
        .title_bottom(Line::from(Span::styled(
            " j/k select a hop · Enter shows it in the tree ([ comes back) · Esc closes ",
            dim(),
        )));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = super::trace_view::list_height(usize::from(inner.height));
    let mut shown: Vec<Line<'static>> = view
        .lines(usize::from(inner.width), true)
        .into_iter()
        .skip(view.offset)
        .take(h)
        .collect();
    super::content::make_safe(&mut shown);
    let list = Rect {
        height: u16::try_from(h).unwrap_or(inner.height).min(inner.height),
        ..inner
    };
    frame.render_widget(Paragraph::new(shown), list);
    // The selected hop's rule in full, wrapped, under the list.
    if list.height < inner.height
        && let Some(detail) = view.detail()
    {
        let rest = Rect {
            y: inner.y + list.height,
            height: inner.height - list.height,
            ..inner
        };
        // Broken under its own text, never back to column 0.
        let mut lines: Vec<Line<'static>> =
            crate::text::wrap_hanging(&detail, usize::from(rest.width))
                .into_iter()
                .map(|row| Line::from(Span::styled(row, dim())))
                .collect();
        super::content::make_safe(&mut lines);
        frame.render_widget(Paragraph::new(lines), rest);
    }
}

fn draw_tree(state: &State, frame: &mut Frame<'_>, area: Rect) {
    let mut title = vec![Span::styled(" Estate ", bold())];
    if let Some(f) = state.nav.filter.as_ref().filter(|f| !f.is_empty()) {
        let room = usize::from(area.width).saturating_sub(2 + " Estate ".len());
        title.push(Span::styled(
            crate::text::fit(&format!("filter: {} ", f.text), room),
            pending(),
        ));
    }
    let focused = state.nav.focus == Focus::Tree && state.modals.is_empty();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(focused_border(focused))
        .title(Line::from(title));
    let highlight = if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().bg(Color::DarkGray)
    };
    match Tree::new(&state.nav.items) {
        Ok(widget) => {
            let widget = widget
                .block(block)
                .highlight_style(highlight)
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ")
                .node_no_children_symbol("  ");
            let mut tree_state = state.nav.tree.borrow_mut();
            frame.render_stateful_widget(widget, area, &mut tree_state);
        }
        Err(e) => frame.render_widget(Paragraph::new(e.to_string()).block(block), area),
    }
}

fn draw_detail(state: &State, frame: &mut Frame<'_>, area: Rect) {
    let focused = state.nav.focus == Focus::Detail && state.modals.is_empty();
    let detail = &state.content.detail;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(focused_border(focused))
        .title(Span::styled(
            crate::text::fit(&detail.title, usize::from(area.width.saturating_sub(2))),
            bold(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(body) = &detail.body else {
        if let Some(Node::RouteTable(region, table) | Node::More(region, table)) =
            state.selected_node()
        {
            route_table_view(state, frame, inner, region, table);
        }
        return;
    };
    // Scrolling counts wrapped rows, so the last wrapped row can be reached.
    let max_scroll = body.height.saturating_sub(usize::from(inner.height));
    let scroll = state.nav.detail.scroll.min(max_scroll);
    // Only the lines in the window are cloned and wrapped (a rule group's rules, a
    // long list): drawing costs what is visible.
    let (lines, skip) = body.window(scroll, usize::from(inner.height));
    frame.render_widget(
        Paragraph::new(lines.to_vec())
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((u16::try_from(skip).unwrap_or(u16::MAX), 0)),
        inner,
    );
}

/// The route table view: header, the visible window of rows, the target of the row
/// under the cursor. Builds at most one `Row` per visible line.
fn route_table_view(
    state: &State,
    frame: &mut Frame<'_>,
    area: Rect,
    region: &RegionEstate,
    table: &TgwRouteTable,
) {
    let estate = &state.data.estate;
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(layout::ROUTE_TABLE_HEADER),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let tgw = region.tgws.iter().find(|t| t.id == table.tgw_id);
    let d = &state.nav.detail;
    let (statics, props, blackholes) = d.counts;
    let mut counts = vec![Span::raw(format!(
        "{}: {statics} static, {props} propagated",
        plural(table.routes.len(), "route", "routes")
    ))];
    if blackholes > 0 {
        counts.push(Span::styled(
            format!("  {SYM_BAD} {blackholes} blackhole"),
            bad(),
        ));
    }
    if let Some(f) = state.nav.filter.as_ref().filter(|f| !f.is_empty())
        && d.rows.len() != table.routes.len()
    {
        counts.push(Span::styled(
            format!("  showing {} matching \"{}\"", d.rows.len(), f.text.trim()),
            pending(),
        ));
    }
    let link_names = |links: &[crate::model::RouteTableLink]| {
        let mut names: Vec<String> = links
            .iter()
            .take(4)
            .map(|l| {
                region
                    .attachments
                    .iter()
                    .find(|a| a.id == l.attachment_id)
                    .and_then(|a| a.name.clone())
                    .unwrap_or_else(|| l.attachment_id.clone())
            })
            .collect();
        if links.len() > 4 {
            names.push(format!("+{} more", links.len() - 4));
        }
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    // Name, region and state before the id: a narrow pane cuts the id.
    let tgw_text = match tgw
        .and_then(|t| t.name.as_deref())
        .filter(|n| !n.is_empty())
    {
        Some(name) => format!("{name} · {} ({})", region.region, table.tgw_id),
        None => format!("{} · {}", table.tgw_id, region.region),
    };
    let mut header_lines = vec![
        kv(
            "TGW",
            if table.state == crate::model::ResourceState::Available {
                tgw_text
            } else {
                format!("{SYM_PENDING} {} · {tgw_text}", table.state)
            },
        ),
        Line::from(counts),
        kv("associated", link_names(&table.associations)),
        kv("propagating", link_names(&table.propagations)),
    ];
    super::content::make_safe(&mut header_lines);
    let header_lines: Vec<Line<'static>> = header_lines
        .into_iter()
        .map(|l| super::content::cut_line(l, usize::from(header.width)))
        .collect();
    frame.render_widget(Paragraph::new(header_lines), header);

    let narrow = body.width < 60;
    let focused = state.nav.focus == Focus::Detail;
    let visible = usize::from(body.height.saturating_sub(1));
    let start = d.offset.min(d.rows.len());
    let end = (start + visible).min(d.rows.len());
    // The destination column is as wide as the widest destination shown (a /16 needs
    // 11, not 18): at 80 columns what a route leads to keeps the room.
    let dest_width = d.rows[start..end]
        .iter()
        .filter_map(|&i| table.routes.get(i))
        .map(|r| r.destination.to_string().chars().count())
        .max()
        .unwrap_or(11)
        .clamp(11, 18);
    let kind_width = if narrow { 6 } else { 10 };
    let leads_width = usize::from(body.width)
        .saturating_sub(1 + dest_width + kind_width + 9 + 4)
        .max(8);
    let mut rows = Vec::with_capacity(end - start);
    for (pos, &i) in d.rows[start..end].iter().enumerate() {
        let Some(route) = table.routes.get(i) else {
            continue;
        };
        // Only the visible rows are asked, so a scan of the region is cheap here.
        let targets_usable = crate::net::targets::tgw_route_usable(&route.targets, |id| {
            region.attachments.iter().find(|a| a.id == id)
        });
        let (mark, mark_style) = if route.state == RouteState::Blackhole {
            (SYM_BAD, bad())
        } else if !targets_usable {
            (SYM_PENDING, pending())
        } else {
            (" ", Style::new())
        };
        // A snapshot's derived route (only static ones were captured) says so: `prop*`.
        let kind = match (&route.route_type, narrow) {
            (RouteType::Propagated, true) => "prop".to_string(),
            (t, _) => t.to_string(),
        } + if route.derived { "*" } else { "" };
        let leads: Vec<String> = route
            .targets
            .iter()
            .map(|t| {
                crate::net::targets::tgw_target_leads_to(
                    &crate::net::targets::Scan(estate),
                    &region.region,
                    t,
                )
                .describe()
            })
            .collect();
        let state_style = if route.state == RouteState::Blackhole {
            bad()
        } else {
            Style::new()
        };
        let mut row = Row::new(vec![
            Cell::from(Span::styled(mark, mark_style)),
            Cell::from(route.destination.to_string()),
            Cell::from(kind),
            Cell::from(Span::styled(route.state.to_string(), state_style)),
            Cell::from(Span::styled(
                if leads.is_empty() {
                    "(no target)".to_string()
                } else {
                    crate::text::fit(&crate::text::terminal_safe(&leads.join(", ")), leads_width)
                },
                if mark == " " {
                    Style::new()
                } else {
                    mark_style
                },
            )),
        ]);
        if focused && start + pos == d.cursor {
            row = row.style(Style::new().add_modifier(Modifier::REVERSED));
        }
        rows.push(row);
    }
    let widths = [
        Constraint::Length(1),
        Constraint::Length(u16::try_from(dest_width).unwrap_or(18)),
        Constraint::Length(u16::try_from(kind_width).unwrap_or(10)),
        Constraint::Length(9),
        Constraint::Min(8),
    ];
    let table_widget = Table::new(rows, widths)
        .header(Row::new(vec!["", "DESTINATION", "TYPE", "STATE", "LEADS TO"]).style(dim()));
    frame.render_widget(table_widget, body);

    let cursor_route = d.rows.get(d.cursor).and_then(|i| table.routes.get(*i));
    let mut footer_line = match cursor_route {
        Some(route) => {
            let target = route
                .targets
                .iter()
                .map(|t| t.attachment_id.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let hint = if focused {
                format!(
                    "Enter goes to the target · {} back to the tree",
                    key_in(&state.keymap, &Action::Back)
                )
            } else {
                format!(
                    "{} moves into the routes",
                    key_in(&state.keymap, &Action::Focus)
                )
            };
            Line::from(vec![
                Span::styled(format!("row {}/{} ", d.cursor + 1, d.rows.len()), dim()),
                Span::styled(format!("{} → ", route.destination), dim()),
                Span::raw(if target.is_empty() {
                    "-".to_string()
                } else {
                    target
                }),
                Span::styled(format!(" · {hint}"), dim()),
            ])
        }
        None => Line::from(Span::styled("no routes", dim())),
    };
    super::content::make_safe(std::slice::from_mut(&mut footer_line));
    // The keys hint is the first to go; the route and its target are cut last.
    if footer_line.width() > usize::from(footer.width) && footer_line.spans.len() == 4 {
        footer_line.spans.pop();
    }
    let footer_line = super::content::cut_line(footer_line, usize::from(footer.width));
    frame.render_widget(Paragraph::new(footer_line), footer);
}

/// Most important first, so a narrow terminal cuts the least useful part: backend,
/// read-only badge, findings and errors, regions, last refresh, account.
fn status_line(state: &State) -> Line<'static> {
    let sep = || Span::styled(" │ ", dim());
    let mut spans = vec![Span::styled(
        format!(" {} ", state.backend_label),
        Style::new()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    )];
    if let Some(label) = &state.data.cached {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" {label} — refreshing "),
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
    }
    if state.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            " READ-ONLY ",
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
    }
    spans.push(sep());
    let findings = state.data.findings.len();
    let errors = state.error_count();
    spans.push(Span::styled(
        plural(findings, "finding", "findings"),
        if findings > 0 { pending() } else { ok() },
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        plural(errors, "error", "errors"),
        if errors > 0 { bad() } else { ok() },
    ));
    spans.push(sep());
    if state.data.estate.regions.is_empty() {
        spans.push(Span::styled(
            format!("{} starting…", state.spinner_frame()),
            pending(),
        ));
    }
    for (i, (name, load)) in tree::ordered_regions(&state.data.estate, &state.data.plan.regions)
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        let (mark, style) = match load {
            _ if state.data.loading.contains(name) => {
                (state.spinner_frame().to_string(), pending())
            }
            RegionLoad::Loading => (state.spinner_frame().to_string(), pending()),
            RegionLoad::Loaded { .. } => ("✓".to_string(), ok()),
            RegionLoad::Failed { .. } => (SYM_BAD.to_string(), bad()),
        };
        spans.push(Span::raw(format!("{name} ")));
        spans.push(Span::styled(mark, style));
    }
    // Many accounts: how far the read is, while it runs.
    if state.is_loading()
        && let Some(p) = &state.data.progress
    {
        spans.push(Span::styled(format!("  {p}"), pending()));
    }
    spans.push(sep());
    match state.data.last_refresh {
        Some(t) => spans.push(Span::raw(format!("{SYM_LOADING} {}", clock(t)))),
        None => spans.push(Span::styled("not loaded yet", dim())),
    }
    if let Some(a) = &state.data.estate.account {
        spans.push(sep());
        spans.push(Span::styled(format!("account {}", a.id), dim()));
    }
    Line::from(spans)
}

/// The prompt's Tab candidates, listed above the status bar with what each id is
/// (`id  name  (vpc, az)`): bare ids on one line told the user nothing.
fn draw_completions(state: &State, frame: &mut Frame<'_>, size: (u16, u16)) {
    const MAX_ROWS: usize = 10;
    let all = &state.prompt.completions;
    if all.is_empty() || state.prompt.mode == Mode::Normal {
        return;
    }
    let [main, _, _] = layout::screen(size);
    let mut rows: Vec<String> = all
        .iter()
        .take(MAX_ROWS)
        .map(|c| super::content::id_label(&state.data.estate, c))
        .collect();
    if all.len() > MAX_ROWS {
        rows.push(format!(
            "… {} more: type more to narrow",
            all.len() - MAX_ROWS
        ));
    }
    let room = usize::from(main.width.saturating_sub(2));
    let width = rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(0)
        .min(room);
    let height = u16::try_from(rows.len() + 2)
        .unwrap_or(u16::MAX)
        .min(main.height);
    let area = Rect::new(
        main.x,
        main.bottom().saturating_sub(height),
        u16::try_from(width + 2).unwrap_or(u16::MAX).min(main.width),
        height,
    );
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::DarkGray));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line<'static>> = rows
        .into_iter()
        .map(|r| Line::from(crate::text::fit(&r, width)))
        .collect();
    super::content::make_safe(&mut lines);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The bottom line during a Ctrl-R search: the query (marked when nothing matches),
/// then the line found, cut to fit, then the keys.
fn search_line(search: &super::prompt::Search, found: &str, width: u16) -> Line<'static> {
    let head = if search.failing {
        format!("history (no match) \"{}\": ", search.query)
    } else {
        format!("history \"{}\": ", search.query)
    };
    // The line found matters more than the keys: they shrink on a narrow screen.
    let keys = if width >= 100 {
        "   C-r older · Enter runs · Esc back"
    } else {
        "  C-r older"
    };
    let room = usize::from(width)
        .saturating_sub(head.chars().count() + keys.chars().count())
        .max(8);
    Line::from(vec![
        Span::styled(
            head,
            if search.failing {
                bad()
            } else {
                bold().fg(Color::Cyan)
            },
        ),
        Span::raw(crate::text::fit(found, room)),
        Span::styled(keys, dim()),
    ])
}

fn draw_message(state: &State, frame: &mut Frame<'_>, area: Rect) {
    let line = match state.prompt.mode {
        Mode::Filter | Mode::Command => {
            let prefix = if state.prompt.mode == Mode::Filter {
                "/"
            } else {
                ":"
            };
            // Only the tail that fits is drawn: a long paste costs its width, not its length.
            let room = usize::from(area.width.saturating_sub(2));
            let input = &state.prompt.input;
            let tail_start = input
                .char_indices()
                .rev()
                .nth(room.saturating_sub(1))
                .map_or(0, |(i, _)| i);
            let tail = input[tail_start..].to_string();
            let x = area.x + 1 + u16::try_from(tail.chars().count()).unwrap_or(0);
            let mut spans = vec![
                Span::styled(prefix, bold().fg(Color::Cyan)),
                Span::raw(tail),
            ];
            if let Some(search) = &state.prompt.search {
                return frame
                    .render_widget(Paragraph::new(search_line(search, input, area.width)), area);
            }
            frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
            if !state.prompt.completions.is_empty() {
                spans.push(Span::styled(
                    format!(
                        "   {} candidates above · type more, Tab again",
                        state.prompt.completions.len()
                    ),
                    dim(),
                ));
            } else if let Some(check) = state
                .prompt_check
                .as_ref()
                .filter(|_| state.prompt.mode == Mode::Command && !state.prompt.input.is_empty())
            {
                use super::state::PromptCheck;
                spans.push(match check {
                    PromptCheck::Ready => Span::styled(
                        "   ✓ Enter previews it (with its impact) · Esc cancels",
                        dim(),
                    ),
                    PromptCheck::Warning(w) => {
                        Span::styled(format!("   ! {w}"), Style::default().fg(Color::Yellow))
                    }
                    PromptCheck::Refused(r) => Span::styled(format!("   ✗ {r}"), bad()),
                });
            } else if state.prompt.mode == Mode::Filter {
                spans.push(Span::styled(
                    "   name, id or CIDR · Enter keeps it · Esc clears it",
                    dim(),
                ));
            } else {
                spans.push(Span::styled(
                    "   Tab completes · Enter runs · Esc cancels",
                    dim(),
                ));
            }
            Line::from(spans)
        }
        Mode::Normal => match &state.message {
            Some((text, Severity::Error)) => Line::from(Span::styled(text.clone(), bad())),
            Some((text, Severity::Info)) => Line::from(text.clone()),
            // A broken keymap stays in view until it is fixed (the defaults are in use).
            None => match &state.keymap_error {
                Some(e) => Line::from(Span::styled(
                    format!("{e} (using the default keymap)"),
                    bad(),
                )),
                None => hints(state, usize::from(area.width)),
            },
        },
    };
    let mut line = line;
    super::content::make_safe(std::slice::from_mut(&mut line));
    frame.render_widget(Paragraph::new(line), area);
}

/// The key hints that fit in `width`, in their usual order; when they do not all fit,
/// the least needed go first (copy id, refresh, peer…), never help, quit or the
/// egress probe.
fn hints(state: &State, width: usize) -> Line<'static> {
    // (action, label, priority: lower is kept longer)
    let items: &[(Action, &str, u8)] = &[
        (Action::Help, "help", 0),
        (Action::Open, "open", 3),
        (Action::JumpPeer, "peer", 8),
        (Action::HistoryBack, "back", 6),
        (Action::Filter, "filter", 5),
        (Action::Command, "command", 4),
        (Action::Findings, "findings", 7),
        (Action::Focus, "pane", 9),
        (Action::CopyId, "copy id", 11),
        (Action::Refresh, "refresh", 10),
        (Action::ProbeEgress, "probe egress", 2),
        (Action::Quit, "quit", 1),
    ];
    let mut shown: Vec<(String, &str, u8)> = Vec::new();
    for (action, label, priority) in items {
        // Probes need a prober: no hint for a key that is refused.
        if *action == Action::ProbeEgress && !state.probes.available {
            continue;
        }
        if let Some(k) = state.keymap.key_for(Layer::Normal, action) {
            let k = k.to_string();
            let k = if k.len() > 1 {
                k.trim_start_matches('<').trim_end_matches('>').to_string()
            } else {
                k
            };
            shown.push((k, label, *priority));
        }
    }
    let cost = |h: &[(String, &str, u8)]| {
        h.iter()
            .map(|(k, l, _)| k.chars().count() + l.chars().count() + 3)
            .sum::<usize>()
    };
    while cost(&shown) > width && shown.len() > 1 {
        let Some(worst) = shown
            .iter()
            .enumerate()
            .max_by_key(|(_, (_, _, p))| *p)
            .map(|(i, _)| i)
        else {
            break;
        };
        shown.remove(worst);
    }
    let mut spans = Vec::new();
    for (k, label, _) in shown {
        spans.push(Span::styled(k, bold().fg(Color::Cyan)));
        spans.push(Span::styled(format!(" {label}  "), dim()));
    }
    Line::from(spans)
}

fn draw_popup(
    frame: &mut Frame<'_>,
    area: Rect,
    title: &str,
    lines: &[Line<'static>],
    scroll: Scroll,
) {
    let (scroll, hscroll) = (scroll.row, scroll.column);
    clear_behind(frame, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Span::styled(
            crate::text::fit(title, usize::from(area.width.saturating_sub(2))),
            bold(),
        ))
        .title_bottom(Line::from(Span::styled(
            " Esc closes · j/k scroll · h/l scroll sideways ",
            dim(),
        )));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = usize::from(inner.height);
    let start = scroll.min(lines.len().saturating_sub(h));
    let mut shown: Vec<Line<'static>> = lines.iter().skip(start).take(h).cloned().collect();
    super::content::make_safe(&mut shown);
    let hscroll = u16::try_from(hscroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(shown).scroll((0, hscroll)), inner);
}
