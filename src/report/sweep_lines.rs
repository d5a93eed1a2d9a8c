//! A figure against the swept parameter: one line per pool through the median of the repeats,
//! with error bars from the smallest to the largest repeat.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, TimeUnit, fmt_si, notice, pool_label, prefers_log, shorten,
    text, thin, titled, with_legend, x_ticks,
};
use crate::metrics::sweep::manifest::SweepData;
use crate::metrics::sweep::stats::{PoolStats, Spread, point_stats};
use crate::metrics::sweep::verdict::Metric;

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
        format!(
            "sweep-{}",
            match self.metric {
                Metric::Goodput => "goodput",
                Metric::P99 => "p99",
                Metric::ConflictRate => "conflict-rate",
            }
        )
    }

    fn title(&self) -> String {
        let m = &self.data.manifest;
        format!(
            "{} against {} — {}, {} engine, median of {} repeat{} (bars: min–max)",
            self.metric.name(),
            m.params.first().map_or("?", |p| p.name.as_str()),
            m.scenario_name,
            m.engine,
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
        for s in stats.iter().flatten() {
            if !pools.iter().any(|(n, _)| *n == s.name) {
                pools.push((s.name.clone(), s.policy.clone()));
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
        let y_div = if self.metric == Metric::P99 {
            unit.ns
        } else {
            1.0
        };
        let y_desc = match self.metric {
            Metric::Goodput => "goodput (committed ops/s)".to_owned(),
            Metric::P99 => format!("p99 latency of committed ops ({})", unit.symbol),
            Metric::ConflictRate => "conflict rate (conflicts / attempts, %)".to_owned(),
        };
        let entries: Vec<LegendEntry> = pools
            .iter()
            .map(|(n, p)| LegendEntry {
                color: palette.color(n),
                label: pool_label(n, p),
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
        macro_rules! draw_on {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
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
                    .label_style(text(LABEL_SIZE))
                    .draw()
                    .map_err(fail)?;
                x_ticks(&chart, &area, &ticks, (0.0, y_hi))?;
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
        if ax.log {
            let chart = ChartBuilder::on(&area)
                .margin(12)
                .margin_right(30)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d((x_lo / 1.3..x_hi * 1.3).log_scale(), 0.0..y_hi)
                .map_err(fail)?;
            draw_on!(chart);
        } else {
            let chart = ChartBuilder::on(&area)
                .margin(12)
                .margin_right(30)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d(x_lo - pad..x_hi + pad, 0.0..y_hi)
                .map_err(fail)?;
            draw_on!(chart);
        }
        Ok(())
    }
}
