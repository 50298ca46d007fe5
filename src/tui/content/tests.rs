use super::*;

/// Issue 18 #10: "…the selectionactions" — a description never runs into the
/// action's name; a long one wraps under its own column.
#[test]
fn help_descriptions_never_run_into_the_action_names() {
    let keymap = crate::tui::keymap::Keymap::builtin().expect("the built-in keymap");
    let mut wrapped = 0;
    for line in help_lines(&keymap, false, true) {
        if line.spans.len() == 3 {
            let desc = &line.spans[1].content;
            assert_eq!(desc.chars().count(), DESC_WIDTH, "{desc:?}");
            assert!(desc.ends_with(' '), "runs into the name: {line:?}");
        }
        if line.spans.len() == 1 && line.spans[0].content.starts_with(&" ".repeat(24)) {
            wrapped += 1;
        }
    }
    assert_eq!(wrap_words("a bb ccc", 4), ["a bb", "ccc"]);
    assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert_eq!(wrap_words("", 4), [""]);
    assert!(
        wrapped > 0,
        "the default keymap has long descriptions, wrapped"
    );
}

#[test]
fn the_window_holds_only_the_lines_that_show() {
    let lines: Vec<Line<'static>> = (0..1000)
        .map(|i| {
            Line::from(if i % 2 == 0 {
                "abcde fgh".to_string()
            } else {
                format!("{i}")
            })
        })
        .collect();
    // Even lines wrap to 2 rows at width 6, odd ones take 1: line i starts at
    // row 3*(i/2) + 2*(i%2). (Below 8 columns lines are not broken into hanging
    // rows: the paragraph wraps them, and the window skips the rows above.)
    let w = Wrapped::new(lines, 6);
    assert_eq!(w.height, 1500);
    let (shown, skip) = w.window(0, 10);
    assert_eq!((shown.len(), skip), (7, 0));
    // Row 301 is the second row of line 200.
    let (shown, skip) = w.window(301, 5);
    assert_eq!(skip, 1);
    assert_eq!(shown.first().map(Line::width), Some(9));
    assert!(shown.len() <= 5, "{}", shown.len());
    let (shown, _) = w.window(1499, 10);
    assert_eq!(shown.len(), 1);
    assert!(Wrapped::default().window(0, 10).0.is_empty());
}

/// A detail line longer than the pane is broken into rows that each fit, between
/// words, the rows after the first under the value's column (a `kv` line) or under
/// the line's own indent: nothing runs back to column 0, nothing is lost, styles stay.
#[test]
fn long_detail_lines_hang_under_their_column() {
    let text = |rows: &[Line<'static>]| rows.iter().map(ToString::to_string).collect::<Vec<_>>();
    let line = kv(
        "subnet",
        "spoke-b-isolated-b (subnet-0e1a2b3c4d5e6f762)  us-east-1b",
    );
    let rows = hang(line.clone(), 44);
    assert_eq!(
        text(&rows),
        [
            "subnet          spoke-b-isolated-b",
            "                (subnet-0e1a2b3c4d5e6f762)",
            "                us-east-1b",
        ]
    );
    assert_eq!(rows[0].spans[0].style, dim(), "the key keeps its style");
    let listed = Line::from(vec![
        Span::raw("  eni-0a1  interface  10.0.0.5"),
        Span::styled("  a very long description of the interface", dim()),
    ]);
    let rows = hang(listed, 30);
    for r in &rows {
        assert!(r.width() <= 30, "{r}");
    }
    assert!(
        text(&rows)[1..].iter().all(|r| r.starts_with("    ")),
        "{rows:?}"
    );
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        words(&text(&rows).join(" ")),
        words("eni-0a1 interface 10.0.0.5 a very long description of the interface")
    );
    // A word longer than a row is cut, and a short line is left alone.
    let rows = hang(Line::from("x".repeat(25)), 10);
    assert!(rows.iter().all(|r| r.width() <= 10), "{rows:?}");
    assert_eq!(hang(line.clone(), 200), vec![line]);
}
