//! The bottom line while typing: a `/` filter or a `:` command. It owns its text,
//! its completions and its update, and tells the console what happened as a
//! [`PromptOutcome`]; what a submitted line does (run a command, apply a filter) is the
//! console's business.
//!
//! Invariants:
//! - The text never holds control characters and never exceeds [`MAX_INPUT`]
//!   characters: a paste beyond it is cut, and the caller is told.
//! - Submitting or cancelling always leaves the prompt closed and empty.
//! - `:` lines are remembered when submitted (the newest last, no repeat of the one
//!   before, at most [`super::history::CAP`]); Up/Down walk them. Walking never loses
//!   what was being typed: Down past the newest brings it back.
//! - Ctrl-R is an incremental search (as in a shell): it starts from what was typed,
//!   each letter narrows it to the newest line containing the query, Ctrl-R again
//!   goes further back, Enter runs the line found, Esc goes back to what was typed,
//!   and any other key leaves the search with the line found, to edit.

use super::keymap::Action;

/// Longest `:` or `/` line kept (a paste beyond it is cut, and the user told).
pub const MAX_INPUT: usize = 4096;

/// What the bottom line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a `/` filter (applied as typed).
    Filter,
    /// Typing a `:` command.
    Command,
}

/// The `/` filter or `:` command being typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prompt {
    pub mode: Mode,
    pub input: String,
    /// Candidates from the last Tab, shown under the prompt.
    pub completions: Vec<String>,
    /// Earlier `:` lines, the newest last.
    pub history: Vec<String>,
    /// While walking the history: the line shown, and what was typed before.
    recall: Option<(usize, String)>,
    /// A Ctrl-R search under way.
    pub search: Option<Search>,
}

/// A Ctrl-R search of the history: the query, the line it found, what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    pub query: String,
    /// The history line shown (the input holds it); `None` while nothing matches.
    pub found: Option<usize>,
    /// The query matches no line (at or before the one found).
    pub failing: bool,
    typed: String,
}

/// What a key did to the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptOutcome {
    Nothing,
    /// The text changed (a filter is re-applied).
    Changed,
    /// Enter: the line, and what it was for. The prompt is closed.
    Submitted {
        mode: Mode,
        line: String,
    },
    /// Esc: the prompt is closed.
    Cancelled {
        mode: Mode,
    },
    /// Tab found nothing for this word.
    NoCompletion(String),
    /// Ctrl-R found no earlier line containing this.
    NoMatch(String),
    Quit,
}

/// What typing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typed {
    /// The text was longer than room was left, and was cut.
    pub cut: bool,
}

impl Prompt {
    /// Opens the prompt for `mode` with `text` in it.
    pub fn open(&mut self, mode: Mode, text: String) {
        self.mode = mode;
        self.input = text;
        self.completions.clear();
        self.recall = None;
        self.search = None;
    }

    fn close(&mut self) -> (Mode, String) {
        let mode = std::mem::take(&mut self.mode);
        self.completions.clear();
        self.recall = None;
        self.search = None;
        (mode, std::mem::take(&mut self.input))
    }

    /// Remembers a submitted `:` line (not a repeat of the newest one).
    pub fn remember(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() || self.history.last().is_some_and(|l| l == line) {
            return;
        }
        self.history.push(line.to_string());
        let over = self.history.len().saturating_sub(super::history::CAP);
        self.history.drain(..over);
    }

    /// Shows history line `i`, keeping what was typed for the way back.
    fn show(&mut self, i: usize) {
        let typed = match self.recall.take() {
            Some((_, typed)) => typed,
            None => self.input.clone(),
        };
        self.input = self.history[i].clone();
        self.recall = Some((i, typed));
        self.completions.clear();
    }

    /// Up: the line before the one shown (or the newest).
    fn older(&mut self) -> PromptOutcome {
        let i = match self.recall {
            Some((0, _)) => return PromptOutcome::Nothing,
            Some((i, _)) => i - 1,
            None if self.history.is_empty() => return PromptOutcome::Nothing,
            None => self.history.len() - 1,
        };
        self.show(i);
        PromptOutcome::Changed
    }

    /// Down: the line after the one shown; past the newest, what was typed.
    fn newer(&mut self) -> PromptOutcome {
        match self.recall.take() {
            None => PromptOutcome::Nothing,
            Some((i, typed)) if i + 1 >= self.history.len() => {
                self.input = typed;
                PromptOutcome::Changed
            }
            Some((i, typed)) => {
                self.recall = Some((i, typed));
                self.show(i + 1);
                PromptOutcome::Changed
            }
        }
    }

    /// Ctrl-R: starts a search from what was typed, or goes on to an earlier match.
    fn search(&mut self) -> PromptOutcome {
        let Some(search) = &self.search else {
            let typed = match self.recall.take() {
                Some((_, typed)) => typed,
                None => self.input.clone(),
            };
            self.search = Some(Search {
                query: typed.trim().to_string(),
                found: None,
                failing: false,
                typed,
            });
            self.completions.clear();
            return self.find(self.history.len());
        };
        let before = search.found.unwrap_or(self.history.len());
        let query = search.query.clone();
        match self.find(before) {
            PromptOutcome::Changed => PromptOutcome::Changed,
            _ => PromptOutcome::NoMatch(query),
        }
    }

    /// Shows the newest line before `before` containing the search's query.
    fn find(&mut self, before: usize) -> PromptOutcome {
        let Some(search) = self.search.as_mut() else {
            return PromptOutcome::Nothing;
        };
        match self.history[..before.min(self.history.len())]
            .iter()
            .rposition(|l| l.contains(search.query.as_str()))
        {
            Some(i) => {
                search.found = Some(i);
                search.failing = false;
                self.input = self.history[i].clone();
                PromptOutcome::Changed
            }
            None => {
                search.failing = true;
                if search.found.is_none() {
                    self.input.clone_from(&search.typed);
                }
                PromptOutcome::NoMatch(search.query.clone())
            }
        }
    }

    /// Ends the search: with the line found as the line being typed (Up/Down walk
    /// on from it), or back to what was typed.
    fn end_search(&mut self, keep: bool) {
        let Some(search) = self.search.take() else {
            return;
        };
        match (keep, search.found) {
            (true, Some(i)) => self.recall = Some((i, search.typed)),
            _ => self.input = search.typed,
        }
    }

    /// Types text (a key or a whole paste): control characters are dropped and the
    /// line is capped at [`MAX_INPUT`] characters.
    pub fn type_text(&mut self, text: &str) -> Typed {
        if let Some(search) = self.search.as_mut() {
            search
                .query
                .extend(text.chars().filter(|c| !c.is_control()).take(MAX_INPUT));
            self.find(self.history.len());
            return Typed { cut: false };
        }
        let room = MAX_INPUT.saturating_sub(self.input.chars().count());
        let mut cut = false;
        for (kept, c) in text.chars().filter(|c| !c.is_control()).enumerate() {
            if kept == room {
                cut = true;
                break;
            }
            self.input.push(c);
        }
        self.completions.clear();
        self.recall = None;
        Typed { cut }
    }

    /// Handles an action of the input layer. `ids_for(words before)` lists the ids the
    /// command's argument can take, for Tab.
    pub fn update(
        &mut self,
        action: &Action,
        ids_for: impl Fn(&[&str]) -> Vec<String>,
    ) -> PromptOutcome {
        if self.search.is_some() {
            match action {
                Action::SearchHistory => return self.search(),
                Action::DeleteChar => {
                    if let Some(search) = self.search.as_mut() {
                        search.query.pop();
                        search.found = None;
                    }
                    self.find(self.history.len());
                    return PromptOutcome::Changed;
                }
                Action::Cancel | Action::Back => {
                    self.end_search(false);
                    return PromptOutcome::Changed;
                }
                // Anything else leaves the search with the line found, then acts.
                _ => self.end_search(true),
            }
        }
        if !matches!(action, Action::Up | Action::Down | Action::SearchHistory) {
            // Editing a recalled line makes it the line being typed.
            self.recall = None;
        }
        match action {
            Action::Submit => {
                let (mode, line) = self.close();
                PromptOutcome::Submitted { mode, line }
            }
            Action::Cancel | Action::Back => {
                let (mode, _) = self.close();
                PromptOutcome::Cancelled { mode }
            }
            Action::ClearInput => {
                self.input.clear();
                self.completions.clear();
                PromptOutcome::Changed
            }
            Action::DeleteChar => {
                if self.input.pop().is_none() && self.mode == Mode::Command {
                    self.mode = Mode::Normal;
                }
                self.completions.clear();
                PromptOutcome::Changed
            }
            Action::Complete if self.mode == Mode::Command => self.complete(ids_for),
            Action::Up if self.mode == Mode::Command => self.older(),
            Action::Down if self.mode == Mode::Command => self.newer(),
            Action::SearchHistory if self.mode == Mode::Command => self.search(),
            Action::Quit => PromptOutcome::Quit,
            _ => PromptOutcome::Nothing,
        }
    }

    /// Tab: completes the command name, or the id after it; several candidates are
    /// listed and their common prefix typed.
    fn complete(&mut self, ids_for: impl Fn(&[&str]) -> Vec<String>) -> PromptOutcome {
        let input = self.input.clone();
        let words: Vec<&str> = input.split_whitespace().collect();
        let trailing_space = input.ends_with(' ');
        let (head, word, candidates) = match (words.as_slice(), trailing_space) {
            ([] | [_], false) => (
                String::new(),
                words.first().copied().unwrap_or(""),
                crate::command::command_names(),
            ),
            ([cmd], true) | ([cmd, _], false) => (
                format!("{cmd} "),
                if trailing_space { "" } else { words[1] },
                ids_for(&[*cmd]),
            ),
            // Later words of a change command (`route add RTB CIDR ATTACHMENT`).
            ([_, ..], _) => {
                let (before, word) = if trailing_space {
                    (&words[..], "")
                } else {
                    (
                        &words[..words.len() - 1],
                        words.last().copied().unwrap_or(""),
                    )
                };
                let head = input[..input.len() - word.len()].to_string();
                (head, word, ids_for(before))
            }
            ([], true) => return PromptOutcome::Nothing,
        };
        let matching: Vec<String> = candidates
            .into_iter()
            .filter(|c| c.starts_with(word) && c != "help")
            .collect();
        match matching.as_slice() {
            [] => {
                self.completions.clear();
                PromptOutcome::NoCompletion(word.to_string())
            }
            [one] => {
                self.input = format!("{head}{one} ");
                self.completions.clear();
                PromptOutcome::Nothing
            }
            many => {
                self.input = format!("{head}{}", common_prefix(many));
                self.completions = many.to_vec();
                PromptOutcome::Nothing
            }
        }
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for w in &words[1..] {
        len = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(len);
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_of_words() {
        let w = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix(&w(&["route-tables", "routes"])), "route");
        assert_eq!(common_prefix(&w(&["tgws"])), "tgws");
        assert_eq!(common_prefix(&w(&["a", "b"])), "");
    }

    /// Up/Down walk the submitted lines and come back to what was typed; Ctrl-R finds
    /// earlier lines containing the typed text; a repeat is kept once; the filter has
    /// no history.
    #[test]
    fn history_walks_back_and_forth_and_searches() {
        let none = |_: &[&str]| Vec::new();
        let mut p = Prompt::default();
        for line in [
            "peerings",
            "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-1",
            "tgws",
            "tgws",
        ] {
            p.open(Mode::Command, String::new());
            p.type_text(line);
            match p.update(&Action::Submit, none) {
                PromptOutcome::Submitted { line, .. } => p.remember(&line),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            p.history,
            [
                "peerings",
                "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-1",
                "tgws"
            ]
        );

        p.open(Mode::Command, String::new());
        p.type_text("ro");
        assert_eq!(p.update(&Action::Up, none), PromptOutcome::Changed);
        assert_eq!(p.input, "tgws");
        p.update(&Action::Up, none);
        p.update(&Action::Up, none);
        assert_eq!(p.input, "peerings");
        assert_eq!(
            p.update(&Action::Up, none),
            PromptOutcome::Nothing,
            "the oldest"
        );
        p.update(&Action::Down, none);
        assert_eq!(p.input, "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-1");
        p.update(&Action::Down, none);
        p.update(&Action::Down, none);
        assert_eq!(p.input, "ro", "past the newest: what was typed");
        assert_eq!(p.update(&Action::Down, none), PromptOutcome::Nothing);

        // Ctrl-R starts a search from what was typed: the newest line containing it.
        assert_eq!(
            p.update(&Action::SearchHistory, none),
            PromptOutcome::Changed
        );
        assert_eq!(p.input, "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-1");
        assert_eq!(p.search.as_ref().map(|s| s.query.as_str()), Some("ro"));
        assert_eq!(
            p.update(&Action::SearchHistory, none),
            PromptOutcome::NoMatch("ro".into()),
            "nothing earlier contains it"
        );
        // Typing narrows the search as it goes: each letter finds the newest match.
        p.update(&Action::Cancel, none);
        assert_eq!(
            p.input, "ro",
            "Esc: back to what was typed, the prompt open"
        );
        assert_eq!(p.mode, Mode::Command);
        p.update(&Action::ClearInput, none);
        p.update(&Action::SearchHistory, none);
        assert_eq!(p.input, "tgws", "an empty query finds the newest line");
        p.type_text("p");
        assert_eq!(p.input, "peerings", "\"p\": the newest line with a p");
        p.type_text("x");
        assert!(
            p.search.as_ref().is_some_and(|s| s.failing),
            "\"px\" matches none"
        );
        assert_eq!(p.input, "peerings", "the last match stays shown");
        p.update(&Action::DeleteChar, none);
        assert_eq!(p.search.as_ref().map(|s| s.query.as_str()), Some("p"));
        assert!(p.search.as_ref().is_some_and(|s| !s.failing));
        // Any other key leaves the search with the line found, to edit; Up walks
        // on from it.
        p.update(&Action::Up, none);
        assert_eq!(p.search, None);
        assert_eq!(p.input, "peerings", "nothing older than the line found");
        p.update(&Action::Down, none);
        assert_eq!(p.input, "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-1");
        // Enter during a search runs the line found.
        p.update(&Action::SearchHistory, none);
        p.type_text("tgws");
        assert_eq!(
            p.update(&Action::Submit, none),
            PromptOutcome::Submitted {
                mode: Mode::Command,
                line: "tgws".into()
            }
        );
        // Editing a recalled line makes it the typed line; Enter submits it.
        p.open(Mode::Command, "ro".into());
        p.update(&Action::SearchHistory, none);
        p.update(&Action::DeleteChar, none);
        p.update(&Action::Right, none);
        p.update(&Action::DeleteChar, none);
        assert_eq!(
            p.input, "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-",
            "\"r\" found the route line; then edited"
        );
        p.update(&Action::Down, none);
        assert_eq!(
            p.input, "route add tgw-rtb-1 10.9.0.0/16 tgw-attach-",
            "no walk after an edit"
        );

        let mut f = Prompt {
            history: vec!["peerings".into()],
            ..Prompt::default()
        };
        f.open(Mode::Filter, String::new());
        assert_eq!(f.update(&Action::Up, none), PromptOutcome::Nothing);
        assert_eq!(f.input, "");

        // Capped.
        let mut c = Prompt::default();
        for i in 0..(crate::tui::history::CAP + 3) {
            c.remember(&format!("line {i}"));
        }
        assert_eq!(c.history.len(), crate::tui::history::CAP);
        assert_eq!(c.history[0], "line 3");
    }

    #[test]
    fn submit_and_cancel_close_the_prompt() {
        let mut p = Prompt::default();
        p.open(Mode::Command, String::new());
        assert_eq!(p.type_text("tg\u{1b}ws"), Typed { cut: false });
        assert_eq!(p.input, "tgws", "control characters dropped");
        assert_eq!(
            p.update(&Action::Submit, |_| Vec::new()),
            PromptOutcome::Submitted {
                mode: Mode::Command,
                line: "tgws".into()
            }
        );
        assert_eq!(p, Prompt::default());
        p.open(Mode::Filter, "10.1".into());
        assert_eq!(
            p.update(&Action::Cancel, |_| Vec::new()),
            PromptOutcome::Cancelled { mode: Mode::Filter }
        );
        assert_eq!(p, Prompt::default());
    }

    #[test]
    fn typing_is_capped() {
        let mut p = Prompt::default();
        p.open(Mode::Command, String::new());
        assert_eq!(
            p.type_text(&"x".repeat(MAX_INPUT + 10)),
            Typed { cut: true }
        );
        assert_eq!(p.input.chars().count(), MAX_INPUT);
    }

    #[test]
    fn tab_completes_ids_from_the_caller() {
        let mut p = Prompt::default();
        p.open(Mode::Command, "show vpc-".into());
        let ids = |words: &[&str]| {
            assert_eq!(words, ["show"]);
            vec!["vpc-1".to_string(), "vpc-2".to_string(), "subnet-1".into()]
        };
        assert_eq!(p.update(&Action::Complete, ids), PromptOutcome::Nothing);
        assert_eq!(p.completions, ["vpc-1", "vpc-2"]);
        assert_eq!(p.input, "show vpc-");
    }
}
