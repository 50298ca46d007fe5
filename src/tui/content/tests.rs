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
                "abcdefghij klmnopqrst uvw".to_string()
            } else {
                format!("{i}")
            })
        })
        .collect();
    // Even lines wrap to 2 rows at width 20, odd ones take 1: line i starts at
    // row 3*(i/2) + 2*(i%2).
    let w = Wrapped::new(lines, 20);
    assert_eq!(w.height, 1500);
    let (shown, skip) = w.window(0, 10);
    assert_eq!((shown.len(), skip), (7, 0));
    // Row 301 is the second row of line 200.
    let (shown, skip) = w.window(301, 5);
    assert_eq!(skip, 1);
    assert_eq!(shown.first().map(Line::width), Some(25));
    assert!(shown.len() <= 5, "{}", shown.len());
    let (shown, _) = w.window(1499, 10);
    assert_eq!(shown.len(), 1);
    assert!(Wrapped::default().window(0, 10).0.is_empty());
}
