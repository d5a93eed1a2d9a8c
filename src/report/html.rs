//! The report as one self-contained HTML page: charts inlined as SVG data URIs, no external
//! file or network access needed to view it.

use std::fmt::Write as _;

use super::document::Block;
use super::palette::Palette;
use super::table::Table;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding), for data URIs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}\
th{background:#f2f2f2}figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:14px;color:#555}pre{background:#f6f6f6;padding:1em;overflow:auto}\
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle}";

/// Writes `blocks` as a page titled `title`. `svg_of` returns a chart's SVG text (read from its
/// file by the caller).
pub fn page(
    title: &str,
    blocks: &[Block],
    palette: &Palette,
    svg_of: &dyn Fn(&Block) -> Option<String>,
) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                // The page title is the only h1; section levels start below it.
                let h = level + 1;
                let _ = writeln!(out, "<h{h}>{}</h{h}>", escape(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", escape(text));
            }
            Block::Table(table) => table_html(&mut out, table, palette),
            Block::Chart(chart) => {
                let svg = svg_of(block).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<figure class=\"chart\"><img class=\"chart\" alt=\"{}\" src=\"data:image/svg+xml;base64,{}\"><figcaption>{}</figcaption></figure>",
                    escape(&chart.title),
                    base64(svg.as_bytes()),
                    escape(&chart.title)
                );
            }
            Block::Code { text, .. } => {
                let _ = writeln!(out, "<pre><code>{}</code></pre>", escape(text));
            }
            Block::Files(files) => {
                out.push_str("<ul>\n");
                for f in files {
                    let _ = writeln!(out, "<li><a href=\"{0}\">{0}</a></li>", escape(f));
                }
                out.push_str("</ul>\n");
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn table_html(out: &mut String, table: &Table, palette: &Palette) {
    out.push_str("<table>\n<thead><tr>");
    for h in &table.header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (row, series) in table.rows.iter().zip(&table.series) {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            match (i, series) {
                (0, Some(name)) => {
                    let _ = write!(
                        out,
                        "<td><span class=\"swatch\" style=\"background:{}\"></span>{}</td>",
                        palette.css(name),
                        escape(cell)
                    );
                }
                _ => {
                    let _ = write!(out, "<td>{}</td>", escape(cell));
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
