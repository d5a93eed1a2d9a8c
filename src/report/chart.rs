//! The one trait every chart implements, and rendering a chart to SVG and PNG.
//!
//! A chart draws onto any plotters drawing area; [`render`] draws it twice, once into an SVG
//! (crisp in the HTML page) and once into a PNG (for Markdown on a code-hosting site).

use std::fmt;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::error::ReportError;
use super::font;
use super::palette::Palette;

/// Why a chart could not be drawn: plotters' message, as text (its error type depends on the
/// backend, and a chart draws on two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartError(pub String);

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChartError {}

/// Turns any drawing error into a [`ChartError`] (for `map_err`).
pub fn fail<E: fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

/// A chart of a report: one file, one picture.
pub trait Chart {
    /// The file name without extension (`goodput-bars`): unique within a report.
    fn file_stem(&self) -> String;

    /// The title drawn on the chart and used as the image's caption and alt text; it says what
    /// was run.
    fn title(&self) -> String;

    /// Width and height in pixels.
    fn size(&self) -> (u32, u32) {
        (1000, 560)
    }

    /// Draws the whole chart (title, axes, series, legend) onto `area`, coloured by `palette`.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        palette: &Palette,
    ) -> Result<(), ChartError>;
}

/// A chart as files on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedChart {
    /// The chart's title.
    pub title: String,
    /// The SVG file.
    pub svg: PathBuf,
    /// The PNG file.
    pub png: PathBuf,
}

/// Draws `chart` into `<dir>/<stem>.svg` and `<dir>/<stem>.png`.
pub fn render<C: Chart>(
    chart: &C,
    palette: &Palette,
    dir: &Path,
) -> Result<RenderedChart, ReportError> {
    font::ensure_registered();
    let stem = chart.file_stem();
    let size = chart.size();
    let drawing = |e: ChartError| ReportError::Draw {
        chart: stem.clone(),
        message: e.0,
    };
    let mut svg_text = String::new();
    {
        let root = SVGBackend::with_string(&mut svg_text, size).into_drawing_area();
        root.fill(&WHITE).map_err(fail).map_err(drawing)?;
        chart.draw(&root, palette).map_err(drawing)?;
        root.present().map_err(fail).map_err(drawing)?;
    }
    let svg = dir.join(format!("{stem}.svg"));
    std::fs::write(&svg, svg_text).map_err(|source| ReportError::Write {
        path: svg.clone(),
        source,
    })?;
    let png = dir.join(format!("{stem}.png"));
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        root.fill(&WHITE).map_err(fail).map_err(drawing)?;
        chart.draw(&root, palette).map_err(drawing)?;
        root.present().map_err(fail).map_err(drawing)?;
    }
    write_png(&png, size, &pixels).map_err(|source| ReportError::Write {
        path: png.clone(),
        source,
    })?;
    Ok(RenderedChart {
        title: chart.title(),
        svg,
        png,
    })
}

/// Encodes 8-bit RGB `pixels` as a PNG at `path` with the Paeth filter and deflate's fastest
/// level: `retrylab run` of a short scenario, report included, takes 15 ms where `image`'s
/// adaptive filter (five filters tried per row) made it 42, for files about as large (44-52 KB
/// against 41-48; the `Up` filter at this level made them 100-127 KB).
fn write_png(path: &Path, (width, height): (u32, u32), pixels: &[u8]) -> std::io::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Paeth);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
    let as_io = |e: png::EncodingError| match e {
        png::EncodingError::IoError(e) => e,
        other => std::io::Error::other(other),
    };
    let mut writer = encoder.write_header().map_err(as_io)?;
    writer.write_image_data(pixels).map_err(as_io)?;
    writer.finish().map_err(as_io)
}
