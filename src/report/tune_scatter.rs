//! The charts of a tuning report: configurations as points in two figures (the objective
//! against the search's runs, against one parameter, or against a second objective or a
//! constrained figure), with an optional line (the incumbent's path, the front) and an
//! optional bound. Feasible configurations are filled, infeasible ones hollow, the winner ringed.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{DESC_SIZE, LABEL_SIZE, LegendEntry, notice, text, titled, with_legend};

/// The spread (largest ÷ smallest) from which an axis goes logarithmic.
const LOG_SPAN: f64 = 20.0;

/// How an axis's values are written.
#[derive(Clone, Debug)]
pub enum AxisLabels {
    /// By a formatter (a duration, a percentage, a number).
    Format(fn(f64) -> String),
    /// One label per integer position (the values of a choice).
    Slots(Vec<String>),
}

/// One axis.
#[derive(Clone, Debug)]
pub struct Axis {
    /// What it shows.
    pub desc: String,
    /// How values are written.
    pub labels: AxisLabels,
}

/// What a point stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Meets every constraint.
    Feasible,
    /// Misses a constraint.
    Infeasible,
    /// The winner.
    Winner,
}

impl Mark {
    /// The winner's mark, else by feasibility.
    pub fn of(winner: bool, feasible: bool) -> Mark {
        match (winner, feasible) {
            (true, _) => Mark::Winner,
            (false, true) => Mark::Feasible,
            (false, false) => Mark::Infeasible,
        }
    }
}

/// A scatter of configurations.
#[derive(Clone, Debug)]
pub struct TuneScatter {
    /// File stem.
    pub stem: String,
    /// Title (headline — what was run).
    pub title: String,
    /// X axis.
    pub x: Axis,
    /// Y axis.
    pub y: Axis,
    /// The points.
    pub points: Vec<(f64, f64, Mark)>,
    /// A line through points in order (the incumbent's path, the front), and its label.
    pub line: Option<(String, Vec<(f64, f64)>)>,
    /// A horizontal bound (a constraint) and its label.
    pub bound: Option<(f64, String)>,
}

/// Whether values this spread read better on a log axis.
fn wants_log(values: impl Iterator<Item = f64>, slots: bool) -> bool {
    if slots {
        return false;
    }
    let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    lo > 0.0 && hi / lo >= LOG_SPAN
}

/// The plotted range of `values` (in log10 when `log`), padded.
fn range(values: &[f64], log: bool) -> (f64, f64) {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    // Never a zero-width range (one point, or all equal): 5 % of the value, or half a unit.
    let pad = if hi > lo {
        (hi - lo) * 0.06
    } else if log {
        0.05
    } else {
        (hi.abs() * 0.05).max(if hi == 0.0 { 0.5 } else { 0.0 })
    };
    (lo - pad, hi + pad)
}

impl Chart for TuneScatter {
    fn file_stem(&self) -> String {
        self.stem.clone()
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError> {
        let finite: Vec<(f64, f64, Mark)> = self
            .points
            .iter()
            .copied()
            .filter(|(x, y, _)| x.is_finite() && y.is_finite())
            .collect();
        if finite.is_empty() {
            return notice(area, &self.title, "no measured configurations to plot");
        }
        let x_slots = matches!(self.x.labels, AxisLabels::Slots(_));
        let mut ys: Vec<f64> = finite.iter().map(|p| p.1).collect();
        if let Some((b, _)) = self.bound {
            ys.push(b);
        }
        let line: Vec<(f64, f64)> = self
            .line
            .as_ref()
            .map(|(_, l)| {
                l.iter()
                    .copied()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .collect()
            })
            .unwrap_or_default();
        ys.extend(line.iter().map(|p| p.1));
        let mut xs_raw: Vec<f64> = finite.iter().map(|p| p.0).collect();
        xs_raw.extend(line.iter().map(|p| p.0));
        let x_log = wants_log(xs_raw.iter().copied(), x_slots);
        let y_log = wants_log(ys.iter().copied(), false);
        let tx = |v: f64| if x_log { v.log10() } else { v };
        let ty = |v: f64| if y_log { v.log10() } else { v };
        let xs: Vec<f64> = xs_raw.iter().map(|&v| tx(v)).collect();
        let ys: Vec<f64> = ys.iter().map(|&v| ty(v)).collect();
        let (x0, x1) = if x_slots {
            let n = finite.iter().map(|p| p.0).fold(0.0, f64::max);
            (-0.5, n.max(1.0) + 0.5)
        } else {
            range(&xs, x_log)
        };
        let (y0, y1) = range(&ys, y_log);
        let accent = palette.color("winner");
        let feasible = RGBColor(0x1f, 0x77, 0xb4);
        let infeasible = RGBColor(0x99, 0x99, 0x99);
        let mut entries = vec![
            LegendEntry {
                color: feasible,
                label: "meets every constraint".into(),
                line: false,
            },
            LegendEntry {
                color: infeasible,
                label: "misses a constraint (hollow)".into(),
                line: false,
            },
            LegendEntry {
                color: accent,
                label: "winner".into(),
                line: false,
            },
        ];
        if let Some((label, _)) = &self.line {
            entries.push(LegendEntry {
                color: RGBColor(0xd6, 0x27, 0x28),
                label: label.clone(),
                line: true,
            });
        }
        if let Some((_, label)) = &self.bound {
            entries.push(LegendEntry {
                color: RGBColor(0x2c, 0xa0, 0x2c),
                label: label.clone(),
                line: true,
            });
        }
        let area = titled(area, &self.title)?;
        let area = with_legend(&area, &entries)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(fail)?;
        let fmt_axis = |labels: &AxisLabels, v: f64, log: bool| -> String {
            match labels {
                AxisLabels::Format(f) => f(if log { 10f64.powf(v) } else { v }),
                AxisLabels::Slots(names) => {
                    let i = v.round();
                    if (v - i).abs() < 1e-6 && i >= 0.0 {
                        names.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                }
            }
        };
        let x_desc = format!("{}{}", self.x.desc, if x_log { " (log scale)" } else { "" });
        let y_desc = format!("{}{}", self.y.desc, if y_log { " (log scale)" } else { "" });
        let x_count = match &self.x.labels {
            AxisLabels::Slots(names) => names.len() * 2 + 1,
            AxisLabels::Format(_) => 8,
        };
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(x_count)
            .y_labels(8)
            .x_label_formatter(&|v| fmt_axis(&self.x.labels, *v, x_log))
            .y_label_formatter(&|v| fmt_axis(&self.y.labels, *v, y_log))
            .x_desc(x_desc.as_str())
            .y_desc(y_desc.as_str())
            .axis_desc_style(text(DESC_SIZE))
            .label_style(text(LABEL_SIZE))
            .draw()
            .map_err(fail)?;
        if let Some((b, _)) = self.bound {
            let y = ty(b);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x0, y), (x1, y)],
                    RGBColor(0x2c, 0xa0, 0x2c).stroke_width(2),
                )))
                .map_err(fail)?;
        }
        if self.line.is_some() {
            let pts: Vec<(f64, f64)> = line.iter().map(|&(x, y)| (tx(x), ty(y))).collect();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    pts,
                    RGBColor(0xd6, 0x27, 0x28).stroke_width(2),
                )))
                .map_err(fail)?;
        }
        for (x, y, mark) in &finite {
            let at = (tx(*x), ty(*y));
            let element: Circle<(f64, f64), i32> = match mark {
                Mark::Feasible => Circle::new(at, 4, feasible.filled()),
                Mark::Infeasible => Circle::new(at, 4, infeasible.stroke_width(1)),
                Mark::Winner => Circle::new(at, 9, accent.stroke_width(3)),
            };
            chart.draw_series(std::iter::once(element)).map_err(fail)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scatter(
        points: Vec<(f64, f64, Mark)>,
        line: Vec<(f64, f64)>,
        bound: Option<f64>,
    ) -> TuneScatter {
        TuneScatter {
            stem: "t".into(),
            title: "t — t".into(),
            x: Axis {
                desc: "x".into(),
                labels: AxisLabels::Format(crate::metrics::format::fmt_sig),
            },
            y: Axis {
                desc: "y".into(),
                labels: AxisLabels::Format(crate::metrics::format::fmt_ns),
            },
            points,
            line: Some(("l".into(), line)),
            bound: bound.map(|b| (b, "b".into())),
        }
    }

    fn draws(chart: &TuneScatter) {
        crate::report::font::ensure_registered();
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, (600, 400)).into_drawing_area();
        chart.draw(&root, &Palette::new(["winner"])).unwrap();
    }

    #[test]
    fn degenerate_data_draws_without_overflow() {
        use Mark::*;
        // One x for every point and a line beyond it; equal values; zeros; a far bound; a
        // tiny spread; nothing finite.
        draws(&scatter(
            vec![(0.0, 4.0, Winner), (0.0, 4.0, Feasible)],
            vec![(10.0, 4.0)],
            None,
        ));
        draws(&scatter(vec![(0.0, 0.0, Feasible)], vec![], Some(0.0)));
        draws(&scatter(
            vec![(1.0, 145e3, Infeasible), (2.0, 150e3, Winner)],
            vec![],
            Some(10.0),
        ));
        draws(&scatter(
            vec![(1.0, 0.001, Feasible), (2.0, 0.0011, Feasible)],
            vec![],
            None,
        ));
        draws(&scatter(
            vec![(f64::NAN, f64::INFINITY, Feasible)],
            vec![],
            None,
        ));
        draws(&scatter(
            vec![(1e-300, 1e300, Feasible), (1e300, 1e-300, Feasible)],
            vec![(1e300, 1e300)],
            Some(1e-300),
        ));
    }
}
