//! Fairness across writers: each pool's writers sorted by commits, with Jain's index in the
//! legend (1 when all writers got the same share, 1/n when one got everything).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, fmt_si, fmt_sig, notice, run_subject, text, titled,
    with_legend,
};
use crate::metrics::results::Results;

/// Commits per writer, sorted, one line per pool; x is the writer's rank as a share of its
/// pool, so pools of different sizes share the axis.
#[derive(Debug)]
pub struct FairnessChart<'a> {
    /// The run.
    pub results: &'a Results,
    /// Prefix of the file name.
    pub prefix: String,
}

impl Chart for FairnessChart<'_> {
    fn file_stem(&self) -> String {
        format!("{}fairness", self.prefix)
    }

    fn title(&self) -> String {
        format!(
            "Fairness: commits per writer, most to fewest — {}",
            run_subject(self.results)
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError> {
        let pools: Vec<_> = self
            .results
            .pools
            .iter()
            .filter(|p| !p.commits_per_writer.is_empty())
            .collect();
        if pools.is_empty() {
            return notice(area, &self.title(), "no per-writer commits recorded");
        }
        let peak = pools
            .iter()
            .flat_map(|p| p.commits_per_writer.iter().copied())
            .max()
            .unwrap_or(0) as f64;
        let entries: Vec<LegendEntry> = pools
            .iter()
            .map(|p| LegendEntry {
                color: palette.color(&p.name),
                label: format!(
                    "{}: Jain {:.3}, {} writers",
                    p.name,
                    p.fairness.jain_index,
                    p.commits_per_writer.len()
                ),
                line: true,
            })
            .collect();
        let area = titled(area, &self.title())?;
        let area = with_legend(&area, &entries)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..100.0, 0.0..(peak * 1.1).max(1.0))
            .map_err(fail)?;
        chart
            .configure_mesh()
            // Major grid lines only: the minor ones add noise (and PNG bytes), not readability.
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&|x| format!("{}%", fmt_sig(*x)))
            .y_label_formatter(&|y| fmt_si(*y))
            .x_desc("writers, ranked by commits (share of the pool's writers)")
            .y_desc("commits per writer")
            .axis_desc_style(text(DESC_SIZE))
            .label_style(text(LABEL_SIZE))
            .draw()
            .map_err(fail)?;
        for pool in pools {
            let mut sorted = pool.commits_per_writer.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            let n = sorted.len() as f64;
            // A step per writer: writer r covers [r/n, (r+1)/n) of the axis.
            let steps = sorted.iter().enumerate().flat_map(|(r, &c)| {
                [
                    (r as f64 / n * 100.0, c as f64),
                    ((r + 1) as f64 / n * 100.0, c as f64),
                ]
            });
            let color = palette.color(&pool.name);
            chart
                .draw_series(LineSeries::new(steps, color.stroke_width(2)))
                .map_err(fail)?;
            if sorted.len() <= 64 {
                let dots = sorted.iter().enumerate().map(|(r, &c)| {
                    Circle::new(((r as f64 + 0.5) / n * 100.0, c as f64), 3, color.filled())
                });
                chart.draw_series(dots).map_err(fail)?;
            }
        }
        Ok(())
    }
}
