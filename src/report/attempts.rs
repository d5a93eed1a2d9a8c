//! How many attempts committed operations took: a grouped histogram, one bar per pool at each
//! attempt count, as a share of the pool's committed operations (log scale, so the tail shows).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, fmt_sig, notice, pool_label, run_subject, text, titled,
    with_legend,
};
use crate::metrics::recorder::MAX_ATTEMPTS_BUCKET;
use crate::metrics::results::Results;

/// Attempts per committed operation, one bar colour per pool.
#[derive(Debug)]
pub struct AttemptsHistogram<'a> {
    /// The run.
    pub results: &'a Results,
    /// Prefix of the file name.
    pub prefix: String,
}

impl Chart for AttemptsHistogram<'_> {
    fn file_stem(&self) -> String {
        format!("{}attempts-per-op", self.prefix)
    }

    fn title(&self) -> String {
        format!(
            "Attempts per committed operation — {}",
            run_subject(self.results)
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError> {
        // (pool name, label, share in % per attempt count from 1).
        let series: Vec<(&str, String, Vec<f64>)> = self
            .results
            .pools
            .iter()
            .filter_map(|p| {
                let total: u64 = p.attempts_per_op.iter().skip(1).sum();
                (total > 0).then(|| {
                    let shares = p
                        .attempts_per_op
                        .iter()
                        .skip(1)
                        .map(|&c| c as f64 * 100.0 / total as f64)
                        .collect();
                    (p.name.as_str(), pool_label(&p.name, &p.policy), shares)
                })
            })
            .collect();
        if series.is_empty() {
            return notice(area, &self.title(), "no committed operations to plot");
        }
        let deepest = series
            .iter()
            .filter_map(|(_, _, s)| s.iter().rposition(|&v| v > 0.0))
            .max()
            .unwrap_or(0)
            + 1;
        let smallest = series
            .iter()
            .flat_map(|(_, _, s)| s.iter().copied().filter(|&v| v > 0.0))
            .fold(100.0_f64, f64::min);
        let y_lo = (smallest * 0.5).min(50.0);
        let entries: Vec<LegendEntry> = series
            .iter()
            .map(|(name, label, _)| LegendEntry {
                color: palette.color(name),
                label: label.clone(),
                line: false,
            })
            .collect();
        let area = titled(area, &self.title())?;
        let area = with_legend(&area, &entries)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.5..deepest as f64 + 0.5, (y_lo..150.0).log_scale())
            .map_err(fail)?;
        chart
            .configure_mesh()
            // Major grid lines only: the minor ones add noise (and PNG bytes), not readability.
            .light_line_style(TRANSPARENT)
            .disable_x_mesh()
            .x_labels(deepest.min(20))
            .x_label_formatter(&|x| {
                let k = x.round();
                if (x - k).abs() > 1e-6 || k < 1.0 {
                    String::new()
                } else if k as usize >= MAX_ATTEMPTS_BUCKET {
                    format!("≥{MAX_ATTEMPTS_BUCKET}")
                } else {
                    format!("{k}")
                }
            })
            .y_label_formatter(&|y| fmt_sig(*y))
            .x_desc("attempts the operation took (1 = no retry)")
            .y_desc("share of committed ops (%, log scale)")
            .axis_desc_style(text(DESC_SIZE))
            .label_style(text(LABEL_SIZE))
            .draw()
            .map_err(fail)?;
        let width = 0.8 / series.len() as f64;
        for (j, (name, _, shares)) in series.iter().enumerate() {
            let color = palette.color(name);
            let bars = shares
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(i, &v)| {
                    let left = (i + 1) as f64 - 0.4 + j as f64 * width;
                    Rectangle::new([(left, y_lo), (left + width, v)], color.filled())
                });
            chart.draw_series(bars).map_err(fail)?;
        }
        Ok(())
    }
}
