//! The report as Markdown that renders on a code-hosting site: relative PNG links and pipe
//! tables.

use std::fmt::Write as _;
use std::path::Path;

use super::document::Block;
use super::table::Table;

/// Escapes a table cell: pipes would end the cell, line breaks the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Writes `blocks` as Markdown; chart images are linked relative to `report_dir`.
pub fn document(title: &str, blocks: &[Block], report_dir: &Path) -> String {
    let mut out = format!("# {title}\n\n");
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "{} {text}\n", "#".repeat(usize::from(*level) + 1));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "{text}\n");
            }
            Block::Table(table) => table_md(&mut out, table),
            Block::Chart(chart) => {
                let rel = chart
                    .png
                    .strip_prefix(report_dir)
                    .unwrap_or(&chart.png)
                    .to_string_lossy()
                    .replace('\\', "/");
                let alt = chart.title.replace(['[', ']'], "");
                let _ = writeln!(out, "![{alt}]({rel})\n");
            }
            Block::Code { lang, text } => {
                let _ = writeln!(out, "```{lang}\n{}\n```\n", text.trim_end());
            }
            Block::Files(files) => {
                for f in files {
                    let _ = writeln!(out, "- [{f}]({f})");
                }
                out.push('\n');
            }
        }
    }
    out
}

fn table_md(out: &mut String, table: &Table) {
    let header: Vec<String> = table
        .header
        .iter()
        .map(|h| if h.is_empty() { " ".into() } else { cell(h) })
        .collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}
