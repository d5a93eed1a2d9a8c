//! The font charts are drawn with, embedded in the binary so text renders on a machine with no
//! fonts installed (plotters' `ab_glyph` backend reads only fonts registered here).
//!
//! DejaVu Sans, from Debian's `fonts-dejavu-core`; its licence (Bitstream Vera, which permits
//! redistribution) is `assets/DejaVu-LICENSE.txt`.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

/// The family name charts ask for; SVG viewers fall back to their own sans-serif.
pub const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font once per process. Returns false if the font did not load (it
/// is compiled in, so that would be a build defect; charts then fail with a drawing error that
/// names the missing font).
pub fn ensure_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok())
}
