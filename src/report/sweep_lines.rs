//! A figure against the swept parameter: one line per pool through the median of the repeats,
//! with error bars from the smallest to the largest repeat.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, TimeUnit, fmt_si, notice, pool_label, prefers_log, shorten,
    text, thin, titled, with_legend, x_ticks, y_ticks,
};
use crate::metrics::sweep::manifest::SweepData;
use crate::metrics::sweep::stats::{PoolStats, Spread, point_stats};
use crate::metrics::sweep::verdict::Metric;

/// The spread (largest ÷ smallest) from which a figure is drawn on a log y axis.
const LOG_Y_SPAN: f64 = 20.0;

/// One metric against a one-parameter sweep.
#[derive(Debug)]
pub struct SweepLines<'a> {
    /// The sweep.
    pub data: &'a SweepData,
    /// The figure plotted.
    pub metric: Metric,
}

/// The x axis: numeric (durations in a time unit; log when the values grow geometrically) or
/// one slot per value.
struct Axis {
    positions: Vec<f64>,
    labels: Vec<String>,
    log: bool,
    desc: String,
}

fn axis(data: &SweepData) -> Axis {
    let p = &data.manifest.params[0];
    let parsed = p.parsed();
    let numbers: Option<Vec<f64>> = parsed.iter().map(|v| v.numeric).collect();
    match numbers {
        Some(nums) if nums.len() > 1 => {
            let durations = parsed.iter().all(|v| v.is_duration);
            let unit = TimeUnit::for_max(nums.iter().copied().fold(0.0, f64::max));
            let positions: Vec<f64> = if durations {
                nums.iter().map(|n| n / unit.ns).collect()
            } else {
                nums
            };
            let (lo, hi) = positions
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            let log = hi / lo.max(f64::MIN_POSITIVE) >= 8.0 && prefers_log(&positions);
            let desc = if durations {
                format!(
                    "{} ({}{})",
                    p.name,
                    unit.symbol,
                    if log { ", log scale" } else { "" }
                )
            } else {
                format!("{}{}", p.name, if log { " (log scale)" } else { "" })
            };
            Axis {
                labels: p.values.clone(),
                positions,
                log,
                desc,
            }
        }
        _ => Axis {
            positions: (0..p.values.len()).map(|i| i as f64).collect(),
            labels: p.values.clone(),
            log: false,
            desc: p.name.clone(),
        },
    }
}

impl Chart for SweepLines<'_> {
    fn file_stem(&self) -> String {
        format!("sweep-{}", self.metric.slug())
    }

    fn title(&self) -> String {
        let m = &self.data.manifest;
        format!(
            "{} against {} — {}, {} engine, {}, median of {} repeat{} (bars: min–max)",
            self.metric.name(),
            m.params.first().map_or("?", |p| p.name.as_str()),
            m.scenario_name,
            m.engine,
            m.mode(),
            m.repeat,
            if m.repeat == 1 { "" } else { "s" }
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError> {
        let stats: Vec<Vec<PoolStats>> = self.data.points.iter().map(point_stats).collect();
        let mut pools: Vec<(String, String)> = Vec::new();
        let mut blind: Vec<&str> = Vec::new();
        for s in stats.iter().flatten() {
            if !pools.iter().any(|(n, _)| *n == s.name) {
                pools.push((s.name.clone(), s.policy.clone()));
            }
            if s.blind {
                blind.push(&s.name);
            }
        }
        if pools.is_empty() || self.data.manifest.params.len() != 1 {
            return notice(area, &self.title(), "no finished points to plot");
        }
        let ax = axis(self.data);
        let scale = |v: f64| match self.metric {
            Metric::ConflictRate => v * 100.0,
            _ => v,
        };
        let all: Vec<f64> = stats
            .iter()
            .flatten()
            .filter_map(|s| Some(scale(self.metric.of(s)?.max)))
            .collect();
        let peak = all.iter().copied().fold(0.0, f64::max);
        let unit = TimeUnit::for_max(peak);
        let y_div = if matches!(self.metric, Metric::P99 | Metric::Completion) {
            unit.ns
        } else {
            1.0
        };
        let y_desc = match self.metric {
            Metric::Goodput => "goodput (commits/s)".to_owned(),
            Metric::P99 => format!("p99 latency of committed ops ({})", unit.symbol),
            Metric::ConflictRate => "conflict rate (conflicts / attempts, %)".to_owned(),
            Metric::AttemptsPerCommit => "attempts per commit (attempts / commits)".to_owned(),
            Metric::TotalCalls => "total calls (append attempts, all writers)".to_owned(),
            Metric::Completion => format!("completion time: last operation done ({})", unit.symbol),
        };
        let entries: Vec<LegendEntry> = pools
            .iter()
            .map(|(n, p)| LegendEntry {
                color: palette.color(n),
                // A blind pool skips the re-decision: say so where its line is named.
                label: if blind.contains(&n.as_str()) {
                    format!("{} [blind]", pool_label(n, p))
                } else {
                    pool_label(n, p)
                },
                line: true,
            })
            .collect();
        let area = titled(area, &self.title())?;
        let area = with_legend(&area, &entries)?;
        let (x_lo, x_hi) = ax
            .positions
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        let y_hi = (peak / y_div * 1.1).max(f64::MIN_POSITIVE);
        // Figures that span orders of magnitude (goodput from 1 to 64 writers, a p99 that grows
        // from microseconds to tens of milliseconds) go on a log axis, so the low end stays
        // readable; anything at or below 0 cannot, and keeps the linear one.
        let floor = all.iter().copied().fold(f64::MAX, f64::min) / y_div;
        let y_log = floor > 0.0 && y_hi / floor >= LOG_Y_SPAN;
        let y_lo = if y_log { floor / 1.3 } else { 0.0 };
        let y_desc = if y_log {
            format!("{y_desc}, log")
        } else {
            y_desc
        };
        let series = |chart_pools: &[(String, String)]| -> Vec<(String, Vec<(f64, Spread)>)> {
            chart_pools
                .iter()
                .map(|(name, _)| {
                    let pts = self
                        .data
                        .points
                        .iter()
                        .zip(&stats)
                        .filter_map(|(pt, st)| {
                            let s = st.iter().find(|s| s.name == *name)?;
                            // A point where the pool committed nothing has no latency: a gap.
                            let sp = self.metric.of(s)?;
                            Some((
                                ax.positions[pt.coords[0]],
                                Spread {
                                    median: scale(sp.median) / y_div,
                                    min: scale(sp.min) / y_div,
                                    max: scale(sp.max) / y_div,
                                    n: sp.n,
                                },
                            ))
                        })
                        .collect();
                    (name.clone(), pts)
                })
                .collect()
        };
        let lines = series(&pools);
        let pad = if ax.log {
            1.0
        } else {
            (x_hi - x_lo).max(1.0) * 0.04
        };
        let ticks: Vec<(f64, String)> = ax
            .positions
            .iter()
            .zip(&ax.labels)
            .map(|(x, l)| (*x, shorten(l, 10)))
            .collect();
        let ticks = thin(ticks, 12);
        let (x_left, x_right) = if ax.log {
            (x_lo / 1.3, x_hi * 1.3)
        } else {
            (x_lo - pad, x_hi + pad)
        };
        macro_rules! draw_on {
            ($chart:expr) => {{
                let mut chart = $chart;
                let mut mesh = chart.configure_mesh();
                mesh
                    // Major grid lines only: the minor ones add noise (and PNG bytes), not readability.
                    .light_line_style(TRANSPARENT)
                    // Ticks go exactly on the swept values (drawn below).
                    .disable_x_mesh()
                    .x_labels(0)
                    // A log axis still draws one key point of its own: blank it too.
                    .x_label_formatter(&|_| String::new())
                    .y_label_formatter(&|y| fmt_si(*y))
                    .x_desc(ax.desc.as_str())
                    .y_desc(y_desc.as_str())
                    .axis_desc_style(text(DESC_SIZE))
                    .label_style(text(LABEL_SIZE));
                if y_log {
                    // Plotters crowds a log axis's labels at the top: 1-2-5 ticks are drawn below.
                    mesh.disable_y_mesh().y_labels(0).y_label_formatter(&|_| String::new());
                }
                mesh.draw().map_err(fail)?;
                x_ticks(&chart, &area, &ticks, (y_lo, y_hi))?;
                if y_log {
                    let grid = RGBColor(0xCC, 0xCC, 0xCC);
                    let y_marks = one_two_five(y_lo, y_hi);
                    for (y, _) in &y_marks {
                        chart
                            .plotting_area()
                            .draw(&PathElement::new(
                                vec![(x_left, *y), (x_right, *y)],
                                grid,
                            ))
                            .map_err(fail)?;
                    }
                    y_ticks(&chart, &area, &y_marks, x_left)?;
                }
                for (name, pts) in &lines {
                    let color = palette.color(name);
                    chart
                        .draw_series(LineSeries::new(
                            pts.iter().map(|(x, s)| (*x, s.median)),
                            color.stroke_width(2),
                        ))
                        .map_err(fail)?;
                    chart
                        .draw_series(
                            pts.iter()
                                .map(|(x, s)| Circle::new((*x, s.median), 4, color.filled())),
                        )
                        .map_err(fail)?;
                    for (x, s) in pts.iter().filter(|(_, s)| s.n > 1) {
                        chart
                            .draw_series(LineSeries::new(
                                [(*x, s.min), (*x, s.max)],
                                color.stroke_width(2),
                            ))
                            .map_err(fail)?;
                        // Caps, 5 px each side, so the bar's ends read as min and max.
                        for y in [s.min, s.max] {
                            let (px, py) = chart.plotting_area().map_coordinate(&(*x, y));
                            let base = area.get_base_pixel();
                            area.draw(&PathElement::new(
                                vec![
                                    (px - base.0 - 5, py - base.1),
                                    (px - base.0 + 5, py - base.1),
                                ],
                                color.stroke_width(2),
                            ))
                            .map_err(fail)?;
                        }
                    }
                }
            }};
        }
        let builder = || {
            let mut b = ChartBuilder::on(&area);
            b.margin(12)
                .margin_right(30)
                .x_label_area_size(50)
                .y_label_area_size(80);
            b
        };
        let x_log = (x_left..x_right).log_scale();
        let x_lin = x_left..x_right;
        let y_log_range = (y_lo..y_hi).log_scale();
        match (ax.log, y_log) {
            (true, true) => draw_on!(
                builder()
                    .build_cartesian_2d(x_log, y_log_range)
                    .map_err(fail)?
            ),
            (true, false) => draw_on!(
                builder()
                    .build_cartesian_2d(x_log, y_lo..y_hi)
                    .map_err(fail)?
            ),
            (false, true) => draw_on!(
                builder()
                    .build_cartesian_2d(x_lin, y_log_range)
                    .map_err(fail)?
            ),
            (false, false) => draw_on!(
                builder()
                    .build_cartesian_2d(x_lin, y_lo..y_hi)
                    .map_err(fail)?
            ),
        }
        Ok(())
    }
}

/// Ticks at 1, 2 and 5 times the powers of ten between `lo` and `hi` (both above 0), labelled.
fn one_two_five(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    // At most 40 decades: bounded whatever the figures.
    for _ in 0..40 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * decade;
            if v >= lo && v <= hi {
                ticks.push((v, fmt_si(v)));
            }
        }
        decade *= 10.0;
        if decade > hi {
            break;
        }
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::one_two_five;

    #[test]
    fn log_ticks_are_one_two_five_within_the_range() {
        let values: Vec<f64> = one_two_five(1_500.0, 110_000.0)
            .iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(values, [2e3, 5e3, 1e4, 2e4, 5e4, 1e5]);
        assert!(one_two_five(3.0, 4.0).is_empty());
    }
}
