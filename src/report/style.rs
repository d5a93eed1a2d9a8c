//! What every chart shares: text sizes, the legend strip, "no data" notices and number
//! formatting with units.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{ChartError, fail};
use super::font::FAMILY;

/// Title size (px).
pub const TITLE_SIZE: u32 = 22;
/// Axis description size (px).
pub const DESC_SIZE: u32 = 16;
/// Tick label size (px).
pub const LABEL_SIZE: u32 = 14;
/// Legend text size (px).
pub const LEGEND_SIZE: u32 = 15;

/// A text style of `size` pixels in the chart font.
pub fn text(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// One entry of a legend: a colour and what it stands for.
#[derive(Clone, Debug)]
pub struct LegendEntry {
    /// The series colour.
    pub color: RGBColor,
    /// The series label.
    pub label: String,
    /// Drawn as a line sample rather than a filled square.
    pub line: bool,
}

const SWATCH: i32 = 14;
const ROW_HEIGHT: i32 = 22;
const ENTRY_GAP: i32 = 24;

/// Height the legend strip needs to lay `entries` out in rows across `width` pixels.
pub fn legend_height<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    width: u32,
) -> u32 {
    let rows = layout(area, entries, width as i32).len().max(1);
    (rows as i32 * ROW_HEIGHT + 10) as u32
}

/// The entries of each row, as (entry index, x offset).
fn layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    width: i32,
) -> Vec<Vec<(usize, i32)>> {
    let style = text(LEGEND_SIZE);
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut x = 10;
    for (i, entry) in entries.iter().enumerate() {
        let text_w = area
            .estimate_text_size(&entry.label, &style)
            .map_or(entry.label.len() as i32 * 8, |(w, _)| w as i32);
        let entry_w = SWATCH + 6 + text_w;
        if x > 10 && x + entry_w > width - 10 {
            rows.push(Vec::new());
            x = 10;
        }
        rows.last_mut().expect("rows is never empty").push((i, x));
        x += entry_w + ENTRY_GAP;
    }
    rows
}

/// Splits a legend strip off the bottom of `area` and draws `entries` in it, wrapping into
/// rows so labels never overlap each other or the plot. Returns the area left for the plot.
pub fn with_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let (w, h) = area.dim_in_pixel();
    let strip = legend_height(area, entries, w).min(h / 3);
    let (plot, legend) = area.split_vertically(h - strip);
    let style = text(LEGEND_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
    for (row, items) in layout(&legend, entries, w as i32).iter().enumerate() {
        let y = 5 + row as i32 * ROW_HEIGHT + ROW_HEIGHT / 2;
        for &(i, x) in items {
            let entry = &entries[i];
            if entry.line {
                legend
                    .draw(&PathElement::new(
                        vec![(x, y), (x + SWATCH, y)],
                        entry.color.stroke_width(3),
                    ))
                    .map_err(fail)?;
            } else {
                legend
                    .draw(&Rectangle::new(
                        [(x, y - SWATCH / 2), (x + SWATCH, y + SWATCH / 2)],
                        entry.color.filled(),
                    ))
                    .map_err(fail)?;
            }
            legend
                .draw(&Text::new(entry.label.clone(), (x + SWATCH + 6, y), &style))
                .map_err(fail)?;
        }
    }
    Ok(plot)
}

/// Draws a centred notice (for a chart with nothing to show) under the title.
pub fn notice<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    message: &str,
) -> Result<(), ChartError> {
    let area = area.titled(title, text(TITLE_SIZE)).map_err(fail)?;
    let (w, h) = area.dim_in_pixel();
    let style = text(DESC_SIZE).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        message.to_owned(),
        (w as i32 / 2, h as i32 / 2),
        &style,
    ))
    .map_err(fail)
}

/// Shortens `label` to at most `max` characters, ending in "…" when cut.
pub fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

pub use crate::metrics::format::{TimeUnit, fmt_ns, fmt_pct, fmt_si, fmt_sig};

/// A pool's label in legends: its name, with its policy's label when that differs.
pub fn pool_label(name: &str, policy: &str) -> String {
    if policy.is_empty() || policy == name {
        name.to_owned()
    } else {
        format!("{name} ({policy})")
    }
}

/// A title suffix that says what was run: `scenario "x", threads engine, seed 42`.
pub fn run_subject(r: &crate::metrics::results::Results) -> String {
    let partial = if r.partial {
        ", PARTIAL (interrupted)"
    } else {
        ""
    };
    format!(
        "{} — {} engine, {} store, seed {}{partial}",
        r.scenario_name, r.engine, r.store, r.seed
    )
}

/// Draws a chart's title, split at its first " — " into a headline and a smaller line that says
/// what was run (each shortened to fit), and returns the area below.
pub fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let (w, _) = area.dim_in_pixel();
    let (head, sub) = title.split_once(" — ").unwrap_or((title, ""));
    // About 0.55 em per character of DejaVu Sans.
    let fit = |size: u32| ((w as f64 - 20.0) / (size as f64 * 0.55)) as usize;
    let area = area
        .titled(&shorten(head, fit(TITLE_SIZE)), text(TITLE_SIZE))
        .map_err(fail)?;
    if sub.is_empty() {
        return Ok(area);
    }
    area.titled(
        &shorten(sub, fit(DESC_SIZE)),
        text(DESC_SIZE).color(&RGBColor(0x44, 0x44, 0x44)),
    )
    .map_err(fail)
}

/// Draws hand-placed x ticks (a grid line and a label under the axis for each), for axes whose
/// ticks must sit exactly on chosen values: plotters places its own ticks at round numbers.
/// `area` is the area the chart was built on; `y_range` spans the plot's y axis.
pub fn x_ticks<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &ChartContext<'_, DB, CT>,
    area: &DrawingArea<DB, Shift>,
    ticks: &[(f64, String)],
    y_range: (f64, f64),
) -> Result<(), ChartError> {
    let grid = RGBColor(0xCC, 0xCC, 0xCC);
    let base = area.get_base_pixel();
    let style = text(LABEL_SIZE).pos(Pos::new(HPos::Center, VPos::Top));
    for (x, label) in ticks {
        chart
            .plotting_area()
            .draw(&PathElement::new(
                vec![(*x, y_range.0), (*x, y_range.1)],
                grid,
            ))
            .map_err(fail)?;
        let (px, py) = chart.plotting_area().map_coordinate(&(*x, y_range.0));
        area.draw(&Text::new(
            label.clone(),
            (px - base.0, py - base.1 + 6),
            &style,
        ))
        .map_err(fail)?;
    }
    Ok(())
}

/// Draws hand-placed y tick labels left of the axis (no grid lines), like [`x_ticks`].
pub fn y_ticks<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &ChartContext<'_, DB, CT>,
    area: &DrawingArea<DB, Shift>,
    ticks: &[(f64, String)],
    x_left: f64,
) -> Result<(), ChartError> {
    let base = area.get_base_pixel();
    let style = text(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center));
    for (y, label) in ticks {
        let (px, py) = chart.plotting_area().map_coordinate(&(x_left, *y));
        area.draw(&Text::new(
            label.clone(),
            (px - base.0 - 8, py - base.1),
            &style,
        ))
        .map_err(fail)?;
    }
    Ok(())
}

/// Keeps at most `max` of `ticks`, evenly (always the first), so labels of long sweeps never
/// run into each other.
pub fn thin(ticks: Vec<(f64, String)>, max: usize) -> Vec<(f64, String)> {
    let step = ticks.len().div_ceil(max.max(1)).max(1);
    ticks.into_iter().step_by(step).collect()
}

/// Whether `values` (positive, sorted or not) are better spread on a log axis than on a
/// linear one: the smallest gap between neighbours, as a share of the whole span, is larger.
pub fn prefers_log(values: &[f64]) -> bool {
    if values.len() < 3 || values.iter().any(|v| *v <= 0.0 || !v.is_finite()) {
        return false;
    }
    let smallest_gap = |xs: Vec<f64>| {
        let mut xs = xs;
        xs.sort_by(f64::total_cmp);
        let span = xs[xs.len() - 1] - xs[0];
        if span <= 0.0 {
            return 0.0;
        }
        xs.windows(2).map(|w| w[1] - w[0]).fold(f64::MAX, f64::min) / span
    };
    smallest_gap(values.iter().map(|v| v.ln()).collect()) > smallest_gap(values.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_units() {
        assert_eq!(fmt_ns(850.0), "850 ns");
        assert_eq!(fmt_ns(12_345.0), "12.3 µs");
        assert_eq!(fmt_ns(4_560_000.0), "4.56 ms");
        assert_eq!(fmt_si(1_234_567.0), "1.23 M");
        assert_eq!(fmt_si(12.0), "12");
        assert_eq!(fmt_pct(0.125), "12.5%");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    #[test]
    fn log_axes_for_geometric_values_only() {
        assert!(prefers_log(&[1.0, 2.0, 4.0, 8.0, 16.0, 32.0]));
        let arithmetic: Vec<f64> = (1..=32).map(f64::from).collect();
        assert!(!prefers_log(&arithmetic));
        assert!(!prefers_log(&[0.0, 1.0, 2.0]));
        assert!(!prefers_log(&[1.0, 100.0]));
    }

    #[test]
    fn thinning_keeps_the_first_and_at_most_max() {
        let ticks: Vec<(f64, String)> = (0..32).map(|i| (f64::from(i), i.to_string())).collect();
        let kept = thin(ticks, 12);
        assert!(kept.len() <= 12 && kept.len() >= 8, "{}", kept.len());
        assert_eq!(kept[0].1, "0");
        assert_eq!(thin(vec![(0.0, "a".into())], 12).len(), 1);
    }
}
