//! Goodput, conflict rate and p99 latency per pool, as three bar panels side by side.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, TimeUnit, fmt_ns, fmt_pct, fmt_si, fmt_sig, notice,
    pool_label, run_subject, shorten, text, titled, with_legend,
};
use crate::metrics::results::{PoolResult, Results};

/// The headline comparison of one run: three horizontal bar panels, one bar per pool.
#[derive(Debug)]
pub struct SummaryBars<'a> {
    /// The run.
    pub results: &'a Results,
    /// Prefix of the file name (distinguishes runs in a multi-run report).
    pub prefix: String,
}

/// One panel's metric.
struct Panel {
    name: String,
    value: fn(&PoolResult) -> f64,
    show: fn(f64) -> String,
    axis: fn(f64) -> String,
}

impl Chart for SummaryBars<'_> {
    fn file_stem(&self) -> String {
        format!("{}summary-bars", self.prefix)
    }

    fn title(&self) -> String {
        format!(
            "Goodput, conflict rate and p99 per pool — {}",
            run_subject(self.results)
        )
    }

    fn size(&self) -> (u32, u32) {
        let rows = self.results.pools.len().max(1) as u32;
        (1200, 200 + 48 * rows)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError> {
        let pools = &self.results.pools;
        if pools.is_empty() {
            return notice(area, &self.title(), "this run has no pools");
        }
        let entries: Vec<LegendEntry> = pools
            .iter()
            .map(|p| LegendEntry {
                color: palette.color(&p.name),
                label: pool_label(&p.name, &p.policy),
                line: false,
            })
            .collect();
        let area = titled(area, &self.title())?;
        let area = with_legend(&area, &entries)?;
        let max_p99 = pools.iter().map(|p| p.op_latency.p99).max().unwrap_or(0) as f64;
        let unit = TimeUnit::for_max(max_p99);
        let panels = [
            Panel {
                name: "goodput (committed ops/s)".into(),
                value: |p| p.goodput_ops_s,
                show: fmt_si,
                axis: fmt_si,
            },
            Panel {
                name: "conflict rate (conflicts / attempts, %)".into(),
                value: |p| p.conflict_rate * 100.0,
                show: |v| fmt_pct(v / 100.0),
                axis: fmt_sig,
            },
            Panel {
                name: format!("p99 latency of committed ops ({})", unit.symbol),
                value: |p| p.op_latency.p99 as f64,
                show: fmt_ns,
                axis: fmt_sig,
            },
        ];
        let cells = area.split_evenly((1, 3));
        for (cell, panel) in cells.iter().zip(&panels) {
            draw_panel(cell, panel, pools, palette, unit)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    panel: &Panel,
    pools: &[PoolResult],
    palette: &Palette,
    unit: TimeUnit,
) -> Result<(), ChartError> {
    let latency = panel.name.starts_with("p99");
    let scale = |v: f64| if latency { v / unit.ns } else { v };
    let n = pools.len();
    let max = pools
        .iter()
        .map(|p| scale((panel.value)(p)))
        .fold(0.0_f64, f64::max);
    // Room to the right of the longest bar for its value label.
    let x_max = if max > 0.0 { max * 1.3 } else { 1.0 };
    let names: Vec<String> = pools.iter().map(|p| shorten(&p.name, 14)).collect();
    let mut chart = ChartBuilder::on(cell)
        .margin(8)
        .x_label_area_size(46)
        .y_label_area_size(120)
        // `into_segmented` over `0..k` makes k + 1 segments: one per pool.
        .build_cartesian_2d(0.0..x_max, (0..n - 1).into_segmented())
        .map_err(fail)?;
    chart
        .configure_mesh()
        // Major grid lines only: the minor ones add noise (and PNG bytes), not readability.
        .light_line_style(TRANSPARENT)
        .disable_y_mesh()
        .x_labels(4)
        .x_label_formatter(&|v| (panel.axis)(*v))
        .y_label_formatter(&|v| match v {
            // Bars are drawn top-down in pool order: segment i holds pool n-1-i.
            SegmentValue::CenterOf(i) if *i < n => names[n - 1 - *i].clone(),
            _ => String::new(),
        })
        .x_desc(panel.name.as_str())
        .axis_desc_style(text(DESC_SIZE))
        .label_style(text(LABEL_SIZE))
        .draw()
        .map_err(fail)?;
    let value_style = text(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, pool) in pools.iter().enumerate() {
        let row = n - 1 - i;
        let raw = (panel.value)(pool);
        let v = scale(raw);
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(row)),
                (v, SegmentValue::Exact(row + 1)),
            ],
            palette.color(&pool.name).filled(),
        );
        bar.set_margin(6, 6, 0, 0);
        chart.draw_series(std::iter::once(bar)).map_err(fail)?;
        let shown = if latency {
            fmt_ns(raw)
        } else {
            (panel.show)(raw)
        };
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {shown}"),
                (v, SegmentValue::CenterOf(row)),
                value_style.clone(),
            )))
            .map_err(fail)?;
    }
    Ok(())
}
