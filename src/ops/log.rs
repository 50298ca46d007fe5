//! The audit log as the front ends show it (`audit-log`); the journal itself — its
//! lines, its file and its rules — is [`crate::journal`], below the runtime that
//! writes it.

pub use crate::journal::*;

/// The log as `audit-log` shows it, in batch and in the console: one row per
/// change, then how many lines could not be read.
#[must_use]
pub fn output(command: &str, entries: &[Entry], unreadable: usize) -> crate::output::Output {
    use crate::output::Section;
    let mut table = Section::new(&["TIME", "PROFILE", "REGION", "ACTION", "COMMAND", "RESULT"]);
    for e in entries {
        table.row(vec![
            e.time.clone(),
            e.profile.clone(),
            e.region.clone(),
            e.action.clone(),
            e.command.clone(),
            e.result.clone(),
        ]);
    }
    let mut sections = vec![table];
    if unreadable > 0 {
        let mut w = Section::new(&[]);
        w.row(vec![format!(
            "{unreadable} line(s) could not be read and were skipped"
        )]);
        sections.push(w);
    }
    crate::output::Output {
        command: command.to_string(),
        sections,
        json: serde_json::json!({ "items": entries, "unreadable_lines": unreadable }),
        failed_check: false,
    }
}
