//! Text meant for a human's terminal: escaping what a terminal would interpret, and
//! keeping messages about hostile or huge input short.
//!
//! Ids, names and tags come from AWS accounts anyone may write to (a `Name` tag is
//! free text), from scenario files and from scripts. Printed raw, an ESC sequence in
//! a name could recolour, move the cursor or retitle the user's terminal. Everything a
//! human reads goes through [`terminal_safe`]; JSON output does not need it (serde
//! escapes control characters).

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters a terminal may act on instead of showing: C0 controls, DEL,
/// C1 controls, and the Unicode line separators and bidirectional overrides that can
/// make text read differently from what it is.
#[must_use]
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `s` with every character a terminal would interpret written as an escape: `\t`,
/// `\n`, `\r`, `\x1b` for the other C0 controls and DEL, `\u{9b}` for C1 controls and
/// Unicode separators/overrides. Printable text (any script, emoji) is kept as is.
/// Borrows when there is nothing to escape.
#[must_use]
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe_char(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` cut to at most `max` bytes (on a character boundary) with an ellipsis and the
/// full length, e.g. `aaaa…(1048576 bytes)`, so a message never repeats a huge input.
#[must_use]
pub fn truncate_for_message(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}…({} bytes)", &s[..cut], s.len()))
}

/// How much of an input a message quotes, in characters.
pub const MESSAGE_QUOTE_MAX: usize = 80;

/// A word longer than this in a message can only be echoed input: no id, name or
/// ARN AWS makes comes near it (a Network Firewall rule group ARN, the longest netops
/// shows, is under 200). [`cut_long_words`] cuts such words.
pub const LONG_WORD_MAX: usize = 256;

/// `s` cut to `max` characters with an ellipsis and its full length in characters,
/// e.g. `aaaa… (1000000 characters)`.
fn cut_chars(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((at, _)) => Cow::Owned(format!("{}… ({} characters)", &s[..at], s.chars().count())),
    }
}

/// Input quoted in a message: cut to [`MESSAGE_QUOTE_MAX`] characters (with `… (N
/// characters)`) and terminal-safe. Every echo of user input in an error goes
/// through it, so a 1 MB argument never makes a 1 MB error.
#[must_use]
pub fn quote(s: &str) -> String {
    terminal_safe(&cut_chars(s, MESSAGE_QUOTE_MAX)).into_owned()
}

/// `message` with every word (a run without whitespace) longer than
/// [`LONG_WORD_MAX`] characters cut as [`quote`] cuts it; spacing kept. The last line
/// of defence for a message that echoes input without [`quote`]: command errors pass
/// through it before anyone reads them.
#[must_use]
pub fn cut_long_words(message: &str) -> Cow<'_, str> {
    let long = |w: &str| w.chars().nth(LONG_WORD_MAX).is_some();
    if !message.split_whitespace().any(long) {
        return Cow::Borrowed(message);
    }
    let mut out = String::new();
    let mut rest = message;
    while !rest.is_empty() {
        let space = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..space]);
        rest = &rest[space..];
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        if long(word) {
            out.push_str(&cut_chars(word, MESSAGE_QUOTE_MAX));
        } else {
            out.push_str(word);
        }
        rest = &rest[word_end..];
    }
    Cow::Owned(out)
}

/// How messages and panes name an object: `name (id)`, or the id alone when it has
/// no name (an empty `Name` tag is no name).
#[must_use]
pub fn named(name: Option<&str>, id: &str) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(n) => format!("{n} ({id})"),
        None => id.to_string(),
    }
}

/// How a trace hop names an object: the id first (hops line up by id), then the
/// name when it has one.
#[must_use]
pub fn id_named(name: Option<&str>, id: &str) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

/// `line` broken between words into rows of at most `width` characters; the rows
/// after the first are indented under the first's text (its leading spaces plus
/// two), so a long "why:" or an `aws` command stays under its column. A word longer
/// than a row is cut into pieces.
#[must_use]
pub fn wrap_hanging(line: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    if line.chars().count() <= width {
        return vec![line.to_string()];
    }
    let lead = line.chars().take_while(|c| *c == ' ').count();
    let indent = " ".repeat((lead + 2).min(width / 2));
    let mut rows: Vec<String> = Vec::new();
    let mut row = " ".repeat(lead);
    let fresh = |rows: &Vec<String>| if rows.is_empty() { lead } else { indent.len() };
    // Runs of spaces are kept (an empty word is one more space): a row that fits
    // keeps its columns.
    for word in line[lead..].split(' ') {
        let at_start = row.chars().count() == fresh(&rows);
        if word.is_empty() {
            if !at_start && row.chars().count() < width {
                row.push(' ');
            }
            continue;
        }
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = row.chars().count();
            let start = fresh(&rows);
            let gap = usize::from(used > start);
            if used + gap + word.len() <= width {
                if gap == 1 {
                    row.push(' ');
                }
                row.extend(word.iter());
                break;
            }
            if used > start {
                let full = std::mem::replace(&mut row, indent.clone());
                rows.push(full.trim_end().to_string());
                continue;
            }
            // A word longer than a whole row: cut it.
            let take = width.saturating_sub(used).max(1);
            row.extend(word.drain(..take.min(word.len())));
            rows.push(std::mem::replace(&mut row, indent.clone()));
            if word.is_empty() {
                break;
            }
        }
    }
    if !row.trim().is_empty() {
        rows.push(row.trim_end().to_string());
    }
    rows
}

/// `text` cut to `width` characters, ending in `…` when cut.
#[must_use]
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `1 route`, `2 routes`: a count with the word that fits it.
#[must_use]
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_escapes_controls_and_keeps_unicode() {
        assert_eq!(terminal_safe("hub-use1"), "hub-use1");
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("evil\u{1b}[31mred\u{7}"),
            "evil\\x1b[31mred\\x07"
        );
        assert_eq!(terminal_safe("a\tb\nc\rd\u{0}"), "a\\tb\\nc\\rd\\x00");
        assert_eq!(terminal_safe("del\u{7f}"), "del\\x7f");
        assert_eq!(terminal_safe("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(terminal_safe("rtl\u{202e}txt"), "rtl\\u{202e}txt");
        assert_eq!(terminal_safe("Zürich 東京 🚀"), "Zürich 東京 🚀");
        let out = terminal_safe("\u{1b}]0;pwned\u{7}");
        assert!(!out.chars().any(is_unsafe_char), "{out}");
    }

    #[test]
    fn truncate_for_message_cuts_with_ellipsis_and_length() {
        assert_eq!(truncate_for_message("short", 10), "short");
        let big = "x".repeat(1_048_576);
        let cut = truncate_for_message(&big, 20);
        assert_eq!(cut, format!("{}…(1048576 bytes)", "x".repeat(20)));
        // Never splits a character.
        assert_eq!(truncate_for_message("ééé", 3), "é…(6 bytes)");
    }

    /// Echoed input is cut to 80 characters with its length (issue 16): a 1 MB
    /// argument never makes a 1 MB error.
    #[test]
    fn quote_cuts_echoed_input_to_80_characters_with_its_length() {
        assert_eq!(quote("vpc-0e1a2b3c4d5e6f732"), "vpc-0e1a2b3c4d5e6f732");
        assert_eq!(quote(&"b".repeat(80)), "b".repeat(80));
        let q = quote(&"a".repeat(1_000_000));
        assert_eq!(q, format!("{}… (1000000 characters)", "a".repeat(80)));
        // Characters, not bytes: never splits one.
        let q = quote(&"é".repeat(100));
        assert_eq!(q, format!("{}… (100 characters)", "é".repeat(80)));
        // Still terminal-safe.
        assert_eq!(quote("x\u{1b}[31m"), "x\\x1b[31m");
    }

    #[test]
    fn cut_long_words_cuts_only_what_no_aws_id_reaches() {
        let arn = "arn:aws:network-firewall:us-east-1:111122223333:stateful-rulegroup/allow-amazon-and-everything-else-a-team-could-name";
        let msg = format!("no rule group {arn} in us-east-1");
        assert_eq!(cut_long_words(&msg), msg);
        let huge = format!("i-{}", "a".repeat(1_000_000));
        let msg = format!("no instance {huge} in the loaded regions; check the id");
        let cut = cut_long_words(&msg);
        assert!(cut.len() < 200, "{} bytes", cut.len());
        assert_eq!(
            cut,
            format!(
                "no instance i-{}… (1000002 characters) in the loaded regions; check the id",
                "a".repeat(78)
            )
        );
        // Spacing is kept as it was.
        assert_eq!(cut_long_words("a  b\nc"), "a  b\nc");
    }
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap_hanging;

    #[test]
    fn long_lines_wrap_under_their_own_text() {
        assert_eq!(wrap_hanging("short", 20), ["short"]);
        let rows = wrap_hanging(
            "  why: the spoke routes 0.0.0.0/0 to its own internet gateway",
            24,
        );
        assert_eq!(
            rows,
            [
                "  why: the spoke routes",
                "    0.0.0.0/0 to its own",
                "    internet gateway",
            ]
        );
        assert!(rows.iter().all(|r| r.chars().count() <= 24));
        let cut = wrap_hanging("aws ec2 tgw-rtb-0123456789abcdef0123456789", 16);
        assert!(cut.iter().all(|r| r.chars().count() <= 16), "{cut:?}");
        assert_eq!(
            cut.concat().replace(' ', ""),
            "awsec2tgw-rtb-0123456789abcdef0123456789"
        );
    }
}

#[cfg(test)]
mod wrap_spacing_tests {
    #[test]
    fn runs_of_spaces_are_kept() {
        assert_eq!(
            super::wrap_hanging(
                "eu-west-1  tgw-attach-1  pendingAcceptance  pending → available",
                40
            ),
            [
                "eu-west-1  tgw-attach-1",
                "  pendingAcceptance  pending → available"
            ]
        );
    }
}
