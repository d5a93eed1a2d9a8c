//! A two-parameter sweep as a heatmap per pool: one cell per point, coloured by the median of a
//! figure over the repeats, with the best cell outlined.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{Chart, ChartError, fail};
use super::palette::Palette;
use super::style::{
    DESC_SIZE, LABEL_SIZE, LegendEntry, fmt_ns, fmt_pct, fmt_si, notice, shorten, text, thin,
    titled, with_legend, x_ticks, y_ticks,
};
use crate::metrics::sweep::manifest::SweepData;
use crate::metrics::sweep::stats::point_stats;
use crate::metrics::sweep::verdict::Metric;

/// One pool's figure over a two-parameter sweep.
#[derive(Debug)]
pub struct Heatmap<'a> {
    /// The sweep.
    pub data: &'a SweepData,
    /// The pool shown.
    pub pool: String,
    /// The figure.
    pub metric: Metric,
}

/// Viridis (perceptually uniform, colour-blind safe) at five anchors, interpolated.
const VIRIDIS: [(u8, u8, u8); 5] = [
    (0x44, 0x01, 0x54),
    (0x3b, 0x52, 0x8b),
    (0x21, 0x91, 0x8c),
    (0x5e, 0xc9, 0x62),
    (0xfd, 0xe7, 0x25),
];

/// The colour of `t` in 0..=1 on the viridis scale.
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn show(metric: Metric, v: f64) -> String {
    match metric {
        Metric::Goodput => fmt_si(v),
        Metric::P99 | Metric::Completion => fmt_ns(v),
        Metric::ConflictRate => fmt_pct(v),
        Metric::AttemptsPerCommit => super::style::fmt_sig(v),
        Metric::TotalCalls => fmt_si(v),
    }
}

impl Heatmap<'_> {
    /// (x index, y index, median) of every point with figures for this pool.
    fn cells(&self) -> Vec<(usize, usize, f64)> {
        self.data
            .points
            .iter()
            .filter_map(|pt| {
                let s = point_stats(pt).into_iter().find(|s| s.name == self.pool)?;
                let v = self.metric.of(&s)?.median;
                Some((pt.coords[0], *pt.coords.get(1)?, v))
            })
            .collect()
    }
}

impl Chart for Heatmap<'_> {
    fn file_stem(&self) -> String {
        let metric = self.metric.slug();
        let pool: String = self
            .pool
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        format!("heatmap-{metric}-{pool}")
    }

    fn title(&self) -> String {
        let m = &self.data.manifest;
        let names: Vec<&str> = m.params.iter().map(|p| p.name.as_str()).collect();
        format!(
            "{} of pool {} over {} — {}, {} engine, median of {} repeat{}",
            self.metric.name(),
            self.pool,
            names.join(" × "),
            m.scenario_name,
            m.engine,
            m.repeat,
            if m.repeat == 1 { "" } else { "s" }
        )
    }

    fn size(&self) -> (u32, u32) {
        (1000, 640)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        _palette: &Palette,
    ) -> Result<(), ChartError> {
        let params = &self.data.manifest.params;
        let cells = self.cells();
        if params.len() != 2 || cells.is_empty() {
            return notice(area, &self.title(), "no finished points to plot");
        }
        let (nx, ny) = (params[0].values.len(), params[1].values.len());
        let lo = cells.iter().map(|c| c.2).fold(f64::MAX, f64::min);
        let hi = cells.iter().map(|c| c.2).fold(f64::MIN, f64::max);
        let norm = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let best = if self.metric == Metric::Goodput {
            cells.iter().max_by(|a, b| a.2.total_cmp(&b.2))
        } else {
            cells.iter().min_by(|a, b| a.2.total_cmp(&b.2))
        }
        .copied();
        let mut entries: Vec<LegendEntry> = (0..5)
            .map(|k| {
                let t = k as f64 / 4.0;
                LegendEntry {
                    color: viridis(t),
                    label: show(self.metric, lo + t * (hi - lo)),
                    line: false,
                }
            })
            .collect();
        if let Some((bx, by, bv)) = best {
            entries.push(LegendEntry {
                color: RGBColor(0, 0, 0),
                label: format!(
                    "best (outlined): {}={}, {}={}: {}",
                    params[0].name,
                    params[0].values[bx],
                    params[1].name,
                    params[1].values[by],
                    show(self.metric, bv)
                ),
                line: true,
            });
        }
        let area = titled(area, &self.title())?;
        let area = with_legend(&area, &entries)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_desc(params[0].name.as_str())
            .y_desc(params[1].name.as_str())
            .axis_desc_style(text(DESC_SIZE))
            .label_style(text(LABEL_SIZE))
            .draw()
            .map_err(fail)?;
        let (plot_w, _) = chart.plotting_area().dim_in_pixel();
        let annotate = plot_w as usize / nx >= 56;
        for &(x, y, v) in &cells {
            let t = norm(v);
            let (x, y) = (x as f64, y as f64);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    viridis(t).filled(),
                )))
                .map_err(fail)?;
            if annotate {
                let ink = if t < 0.6 { WHITE } else { BLACK };
                let style = text(LABEL_SIZE)
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series(std::iter::once(Text::new(
                        show(self.metric, v),
                        (x + 0.5, y + 0.5),
                        style,
                    )))
                    .map_err(fail)?;
            }
        }
        if let Some((bx, by, _)) = best {
            let (x, y) = (bx as f64, by as f64);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.02, y + 0.02), (x + 0.98, y + 0.98)],
                    BLACK.stroke_width(4),
                )))
                .map_err(fail)?;
        }
        let xt: Vec<(f64, String)> = params[0]
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 + 0.5, shorten(v, 10)))
            .collect();
        let yt: Vec<(f64, String)> = params[1]
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 + 0.5, shorten(v, 10)))
            .collect();
        x_ticks(&chart, &area, &thin(xt, 12), (0.0, 0.0))?;
        y_ticks(&chart, &area, &thin(yt, 16), 0.0)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(viridis(0.5), RGBColor(0x21, 0x91, 0x8c));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }
}
