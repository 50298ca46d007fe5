//! What a command prints: [`Output`], sections of aligned text tables (or raw lines)
//! and one JSON document. The read commands ([`crate::query`]), the change pipeline
//! ([`crate::ops`]) and the diff all answer in it; `--batch` and the console render it.

use comfy_table::{ContentArrangement, Table as TextTable, presets};
use serde_json::{Value, json};

use crate::text::terminal_safe;

/// A table section of an output, or (when `raw`) lines of text printed as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub title: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Each row is one line printed verbatim: no title, header, alignment or
    /// `(none)` (a diagram from `export`, which must be exactly its syntax). Only what
    /// a terminal would act on is still escaped.
    pub raw: bool,
}

impl Section {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            title: None,
            headers: headers.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
            raw: false,
        }
    }

    /// Lines of text printed as they are (see [`Section::raw`]).
    pub fn raw(lines: impl IntoIterator<Item = String>) -> Self {
        Self {
            rows: lines.into_iter().map(|l| vec![l]).collect(),
            raw: true,
            ..Self::default()
        }
    }

    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// What a command produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The command line as typed (normalised).
    pub command: String,
    pub sections: Vec<Section>,
    /// The JSON document's payload: `items` (lists) or `kind` + `item` (show).
    pub json: Value,
    /// An audit found something at or above its `--fail-on` severity, or a diff a
    /// new finding at or above its own (exit code 3).
    pub failed_check: bool,
}

impl Output {
    /// Aligned human tables.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, section) in self.sections.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if section.raw {
                for line in section.rows.iter().flatten() {
                    out.push_str(&terminal_safe(line));
                    out.push('\n');
                }
                continue;
            }
            // Ids, names and tags are anyone's to set: escape what a terminal would act on.
            if let Some(title) = &section.title {
                out.push_str(&terminal_safe(title));
                out.push('\n');
            }
            if section.rows.is_empty() && !section.headers.is_empty() {
                out.push_str("(none)\n");
                continue;
            }
            let mut table = TextTable::new();
            table
                .load_preset(presets::NOTHING)
                .set_content_arrangement(ContentArrangement::Disabled);
            if !section.headers.is_empty() {
                table.set_header(section.headers.iter().map(|h| terminal_safe(h)));
            }
            for row in &section.rows {
                table.add_row(row.iter().map(|c| terminal_safe(c)));
            }
            for line in table.to_string().lines() {
                // comfy-table pads with one leading space; keep columns, drop the margin.
                out.push_str(line.strip_prefix(' ').unwrap_or(line).trim_end());
                out.push('\n');
            }
        }
        out
    }

    /// The JSON document: `{"command": …, …payload}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut doc = json!({ "command": self.command });
        if let (Some(doc), Some(payload)) = (doc.as_object_mut(), self.json.as_object()) {
            for (k, v) in payload {
                doc.insert(k.clone(), v.clone());
            }
        }
        doc
    }
}
