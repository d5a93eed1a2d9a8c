//! A report as a list of blocks, built once and written as HTML and as Markdown, so the two
//! never drift apart.

use super::chart::RenderedChart;
use super::table::Table;

/// One block of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading: 1 for a section, 2 for a subsection (the report's title sits above both).
    Heading(u8, String),
    /// A paragraph of plain text.
    Paragraph(String),
    /// A table.
    Table(Table),
    /// A chart (both its files exist).
    Chart(RenderedChart),
    /// Preformatted text (a scenario file) with its language for Markdown highlighting.
    Code {
        /// `toml`, `json`, …
        lang: String,
        /// The text.
        text: String,
    },
    /// Links to the report's data files, relative to the report folder.
    Files(Vec<String>),
}
