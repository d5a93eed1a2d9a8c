//! The latency percentile spectrum, HdrHistogram style: the x axis stretches the tail
//! (`log10(1 / (1 − p))`), so 90%, 99%, 99.9% and 99.99% sit one step apart.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, TimeUnit, fmt_sig, notice, pool_label, run_subject, text,
    titled, with_legend, x_ticks,
};
use crate::metrics::results::{Results, SpectrumPoint};

/// Percentile spectrum of committed-operation latency, one line per pool.
#[derive(Debug)]
pub struct LatencySpectrum<'a> {
    /// The run.
    pub results: &'a Results,
    /// Prefix of the file name.
    pub prefix: String,
}

/// Where percentile `p` (0..100) sits on the stretched axis; `None` for the maximum (100).
pub fn tail_position(p: f64) -> Option<f64> {
    let q = p / 100.0;
    (q < 1.0).then(|| (1.0 / (1.0 - q)).log10())
}

/// The tick label of axis position `x` for ticks at whole decades (0.3 is the median).
fn tick_label(x: f64, max_x: f64) -> String {
    if (x - max_x).abs() < 1e-9 {
        return "max".into();
    }
    let p = (1.0 - 10f64.powf(-x)) * 100.0;
    format!("{}%", fmt_sig_percent(p))
}

/// 50, 90, 99, 99.9, 99.99 … written without rounding up to 100.
fn fmt_sig_percent(p: f64) -> String {
    let nines = (-(1.0 - p / 100.0).log10()).round() as usize;
    if nines <= 1 {
        fmt_sig(p)
    } else {
        format!("{p:.prec$}", prec = nines.saturating_sub(2))
    }
}

impl Chart for LatencySpectrum<'_> {
    fn file_stem(&self) -> String {
        format!("{}latency-spectrum", self.prefix)
    }

    fn title(&self) -> String {
        format!(
            "Latency percentile spectrum (committed ops) — {}",
            run_subject(self.results)
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError> {
        let series: Vec<(&str, String, &[SpectrumPoint])> = self
            .results
            .pools
            .iter()
            .filter(|p| !p.op_latency_spectrum.is_empty())
            .map(|p| {
                (
                    p.name.as_str(),
                    pool_label(&p.name, &p.policy),
                    p.op_latency_spectrum.as_slice(),
                )
            })
            .collect();
        if series.is_empty() {
            return notice(area, &self.title(), "no committed operations to plot");
        }
        // The axis ends one half-decade past the deepest finite percentile, where "max" sits.
        let deepest = series
            .iter()
            .flat_map(|(_, _, pts)| pts.iter().filter_map(|pt| tail_position(pt.percentile)))
            .fold(1.0_f64, f64::max);
        let last_decade = deepest.ceil().max(2.0);
        let max_x = last_decade + 0.5;
        let lo = series
            .iter()
            .flat_map(|(_, _, pts)| pts.iter().map(|pt| pt.value_ns))
            .min()
            .unwrap_or(1)
            .max(1) as f64;
        let hi = series
            .iter()
            .flat_map(|(_, _, pts)| pts.iter().map(|pt| pt.value_ns))
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let unit = TimeUnit::for_max(hi);
        // Whole decades, so the log axis always has labelled ticks.
        let y_lo = 10f64.powf((lo / unit.ns).log10().floor());
        let y_hi = 10f64
            .powf((hi / unit.ns * 1.05).log10().ceil())
            .max(y_lo * 10.0);
        let mut ticks = vec![0.0, 2f64.log10()];
        ticks.extend((1..=last_decade as i32).map(f64::from));
        ticks.push(max_x);

        let entries: Vec<LegendEntry> = series
            .iter()
            .map(|(name, label, _)| LegendEntry {
                color: palette.color(name),
                label: label.clone(),
                line: true,
            })
            .collect();
        let area = titled(area, &self.title())?;
        let area = with_legend(&area, &entries)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right(36)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..max_x, (y_lo..y_hi).log_scale())
            .map_err(fail)?;
        chart
            .configure_mesh()
            // Major grid lines only: the minor ones add noise (and PNG bytes), not readability.
            .light_line_style(TRANSPARENT)
            // The tail axis gets hand-placed ticks below (decades of nines, then "max").
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&|y| fmt_sig(*y))
            .x_desc("percentile (axis stretched as 1 / (1 − p))")
            .y_desc(format!("latency ({}, log scale)", unit.symbol))
            .axis_desc_style(text(DESC_SIZE))
            .label_style(text(LABEL_SIZE))
            .draw()
            .map_err(fail)?;
        let labelled: Vec<(f64, String)> = ticks
            .iter()
            .map(|&t| {
                let label = if t == 0.0 {
                    "0%".into()
                } else {
                    tick_label(t, max_x)
                };
                (t, label)
            })
            .collect();
        x_ticks(&chart, &area, &labelled, (y_lo, y_hi))?;
        for (name, _, pts) in &series {
            let color = palette.color(name);
            let line = pts.iter().map(|pt| {
                let x = tail_position(pt.percentile).map_or(max_x, |x| x.min(max_x));
                (x, (pt.value_ns.max(1) as f64) / unit.ns)
            });
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))
                .map_err(fail)?;
            if let Some(last) = pts.last() {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (max_x, last.value_ns.max(1) as f64 / unit.ns),
                        4,
                        color.filled(),
                    )))
                    .map_err(fail)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_axis_puts_nines_one_step_apart() {
        assert!((tail_position(90.0).unwrap() - 1.0).abs() < 1e-9);
        assert!((tail_position(99.9).unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(tail_position(100.0), None);
        assert_eq!(tick_label(2.0, 4.5), "99%");
        assert_eq!(tick_label(3.0, 4.5), "99.9%");
        assert_eq!(tick_label(4.0, 4.5), "99.99%");
        assert_eq!(tick_label(4.5, 4.5), "max");
        assert_eq!(tick_label(2f64.log10(), 4.5), "50%");
    }
}
