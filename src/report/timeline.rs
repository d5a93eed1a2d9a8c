//! The run over time: commits and conflicts per second in each window, and gate rejections
//! and give-ups when there were any (a breaker's open/close oscillation shows there).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, fmt_si, fmt_sig, notice, pool_label, run_subject, text,
    titled, with_legend,
};
use crate::metrics::recorder::WindowCounts;
use crate::metrics::results::Results;
use crate::policy::{BreakerState, BreakerTransition};

/// Per-window rates over the run, one line per pool, stacked panels sharing the time axis.
#[derive(Debug)]
pub struct TimeSeries<'a> {
    /// The run.
    pub results: &'a Results,
    /// Prefix of the file name.
    pub prefix: String,
}

struct Panel {
    desc: &'static str,
    count: fn(&WindowCounts) -> u64,
}

const COMMITS: Panel = Panel {
    desc: "commits/s",
    count: |w| w.commits,
};
const CONFLICTS: Panel = Panel {
    desc: "conflicts/s",
    count: |w| w.conflicts,
};
const REFUSALS: Panel = Panel {
    desc: "rejected + given up /s",
    count: |w| w.rejections + w.give_ups,
};

impl TimeSeries<'_> {
    fn panels(&self) -> Vec<&'static Panel> {
        let refused = self
            .results
            .pools
            .iter()
            .flat_map(|p| &p.time_series)
            .any(|w| w.rejections + w.give_ups > 0);
        if refused {
            vec![&COMMITS, &CONFLICTS, &REFUSALS]
        } else {
            vec![&COMMITS, &CONFLICTS]
        }
    }
}

impl TimeSeries<'_> {
    /// The simulated store's queue length per window, when the run has one worth drawing.
    fn queue(&self) -> Option<&[u64]> {
        let q = &self.results.sim.as_ref()?.queue_length_per_window;
        q.iter().any(|&n| n > 0).then_some(q.as_slice())
    }
}

/// The colour of store-wide series (not a pool's).
const STORE_INK: RGBColor = RGBColor(0x55, 0x55, 0x55);

impl Chart for TimeSeries<'_> {
    fn file_stem(&self) -> String {
        format!("{}time-series", self.prefix)
    }

    fn title(&self) -> String {
        format!("Over time, per window — {}", run_subject(self.results))
    }

    fn size(&self) -> (u32, u32) {
        let panels = self.panels().len() + usize::from(self.queue().is_some());
        (1000, 180 + 230 * panels as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError> {
        let r = self.results;
        // Only windows wholly inside the run: a window cut by the run's end would show a
        // false drop.
        let run_end = r.makespan_ns.unwrap_or(r.warmup_ns + r.measured_ns);
        let windows = r
            .pools
            .iter()
            .map(|p| p.time_series.len())
            .max()
            .unwrap_or(0)
            .min((run_end / r.window_ns.max(1)) as usize);
        if windows == 0 || r.window_ns == 0 {
            return notice(area, &self.title(), "no time series recorded");
        }
        // Rates per second; the time axis in the unit that suits the run's length.
        let window_s = r.window_ns as f64 / 1e9;
        let axis = super::style::TimeUnit::for_max((windows as u64 * r.window_ns) as f64);
        let window_x = r.window_ns as f64 / axis.ns;
        let end_x = windows as f64 * window_x;
        let warmup_x = r.warmup_ns as f64 / axis.ns;
        let entries: Vec<LegendEntry> = r
            .pools
            .iter()
            .map(|p| LegendEntry {
                color: palette.color(&p.name),
                label: pool_label(&p.name, &p.policy),
                line: true,
            })
            .chain(self.queue().map(|_| LegendEntry {
                color: STORE_INK,
                label: "store queue, longest in window (simulated)".into(),
                line: true,
            }))
            .chain((warmup_x > 0.0).then(|| LegendEntry {
                color: RGBColor(0xDD, 0xDD, 0xDD),
                label: "warm-up (not in the figures)".into(),
                line: false,
            }))
            .chain(
                r.pools
                    .iter()
                    .filter(|p| !p.breaker_transitions.is_empty())
                    .map(|p| LegendEntry {
                        color: tint(palette.color(&p.name), BREAKER_SHADE),
                        label: format!("{}: breaker open or half-open", p.name),
                        line: false,
                    }),
            )
            .collect();
        // Each breaker's open stretches, in axis units, so an oscillating breaker shows.
        let breaker_bands: Vec<(RGBColor, Vec<(f64, f64)>)> = r
            .pools
            .iter()
            .filter(|p| !p.breaker_transitions.is_empty())
            .map(|p| {
                let bands = not_closed_intervals(&p.breaker_transitions, run_end)
                    .into_iter()
                    .map(|(a, b)| (a as f64 / axis.ns, (b as f64 / axis.ns).min(end_x)))
                    .filter(|(a, _)| *a < end_x)
                    .collect();
                (palette.color(&p.name), bands)
            })
            .collect();
        let area = titled(area, &self.title())?;
        let area = with_legend(&area, &entries)?;
        let panels = self.panels();
        let queue = self.queue();
        let rows = panels.len() + usize::from(queue.is_some());
        let cells = area.split_evenly((rows, 1));
        let x_desc = format!(
            "time since start ({}); windows of {}",
            axis.symbol,
            super::style::fmt_ns(r.window_ns as f64)
        );
        if let (Some(q), Some(cell)) = (queue, cells.last()) {
            let peak = q.iter().take(windows).copied().max().unwrap_or(0) as f64;
            let mut chart = ChartBuilder::on(cell)
                .margin(8)
                .margin_right(24)
                .x_label_area_size(46)
                .y_label_area_size(80)
                .build_cartesian_2d(0.0..end_x, 0.0..(peak * 1.1).max(1.0))
                .map_err(fail)?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .x_labels(10)
                .y_labels(5)
                .x_label_formatter(&|x| fmt_sig(*x))
                .y_label_formatter(&|y| fmt_si(*y))
                .y_desc("store queue (calls)")
                .x_desc(x_desc.as_str())
                .axis_desc_style(text(DESC_SIZE))
                .label_style(text(LABEL_SIZE))
                .draw()
                .map_err(fail)?;
            let line = q
                .iter()
                .take(windows)
                .enumerate()
                .map(|(i, &n)| ((i as f64 + 0.5) * window_x, n as f64));
            chart
                .draw_series(LineSeries::new(line, STORE_INK.stroke_width(2)))
                .map_err(fail)?;
        }
        for (k, (cell, panel)) in cells.iter().zip(&panels).enumerate() {
            let last = k + 1 == rows;
            let peak = r
                .pools
                .iter()
                .flat_map(|p| p.time_series.iter().take(windows).map(|w| (panel.count)(w)))
                .max()
                .unwrap_or(0) as f64
                / window_s;
            let mut chart = ChartBuilder::on(cell)
                .margin(8)
                .margin_right(24)
                .x_label_area_size(if last { 46 } else { 20 })
                .y_label_area_size(80)
                .build_cartesian_2d(0.0..end_x, 0.0..(peak * 1.1).max(1.0))
                .map_err(fail)?;
            let mut mesh = chart.configure_mesh();
            mesh.light_line_style(TRANSPARENT)
                .x_labels(10)
                .y_labels(5)
                .x_label_formatter(&|x| fmt_sig(*x))
                .y_label_formatter(&|y| fmt_si(*y))
                .y_desc(panel.desc)
                .axis_desc_style(text(DESC_SIZE))
                .label_style(text(LABEL_SIZE));
            if last {
                mesh.x_desc(x_desc.as_str());
            }
            mesh.draw().map_err(fail)?;
            if warmup_x > 0.0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, 0.0), (warmup_x.min(end_x), peak * 1.1)],
                        RGBColor(0xDD, 0xDD, 0xDD).mix(0.5).filled(),
                    )))
                    .map_err(fail)?;
            }
            for (color, bands) in &breaker_bands {
                chart
                    .draw_series(bands.iter().map(|&(a, b)| {
                        Rectangle::new(
                            [(a, 0.0), (b, peak * 1.1)],
                            color.mix(BREAKER_SHADE).filled(),
                        )
                    }))
                    .map_err(fail)?;
            }
            for pool in &r.pools {
                let line = pool
                    .time_series
                    .iter()
                    .take(windows)
                    .enumerate()
                    .map(|(i, w)| {
                        (
                            (i as f64 + 0.5) * window_x,
                            (panel.count)(w) as f64 / window_s,
                        )
                    });
                chart
                    .draw_series(LineSeries::new(
                        line,
                        palette.color(&pool.name).stroke_width(2),
                    ))
                    .map_err(fail)?;
            }
        }
        Ok(())
    }
}

/// How strongly a breaker's open stretches tint the panels.
const BREAKER_SHADE: f64 = 0.18;

/// `c` at `alpha` over white, as the legend's swatch for a translucent band.
fn tint(c: RGBColor, alpha: f64) -> RGBColor {
    let over_white = |v: u8| (255.0 - (255.0 - f64::from(v)) * alpha).round() as u8;
    RGBColor(over_white(c.0), over_white(c.1), over_white(c.2))
}

/// The stretches `[from, to)` (engine ns) in which a breaker was open or half-open, from its
/// time-ordered transitions; one still open at the end runs to `run_end`.
fn not_closed_intervals(transitions: &[BreakerTransition], run_end: u64) -> Vec<(u64, u64)> {
    let mut bands = Vec::new();
    let mut opened: Option<u64> = None;
    for t in transitions {
        match (opened, t.to) {
            (None, BreakerState::Open | BreakerState::HalfOpen) => opened = Some(t.at_ns),
            (Some(start), BreakerState::Closed) => {
                bands.push((start, t.at_ns.max(start)));
                opened = None;
            }
            _ => {}
        }
    }
    if let Some(start) = opened {
        bands.push((start, run_end.max(start)));
    }
    bands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(at_ns: u64, from: BreakerState, to: BreakerState) -> BreakerTransition {
        BreakerTransition { at_ns, from, to }
    }

    #[test]
    fn open_stretches_run_from_opening_to_closing() {
        use BreakerState::{Closed, HalfOpen, Open};
        let log = [
            t(10, Closed, Open),
            t(20, Open, HalfOpen),
            t(25, HalfOpen, Open),
            t(40, Open, HalfOpen),
            t(45, HalfOpen, Closed),
            t(70, Closed, Open),
        ];
        assert_eq!(not_closed_intervals(&log, 100), [(10, 45), (70, 100)]);
        assert!(not_closed_intervals(&[], 100).is_empty());
    }
}
