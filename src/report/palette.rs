//! One colour per policy line, the same in every chart of a report.
//!
//! Colours are handed out in order of first appearance of a series name (a pool's name): first
//! the Okabe–Ito palette, which stays distinguishable under the common forms of colour
//! blindness, then dark tones from Paul Tol's schemes that stay apart from it, so the built-in
//! comparison's ten policies get ten colours. Past thirteen series the colours repeat (each
//! legend names its series anyway).

use plotters::style::RGBColor;

/// Okabe & Ito (2008), ordered so the first few are the most distinct on white; their yellow
/// (#F0E442) is left out for being unreadable on a white background.
/// Then Tol's wine, olive, indigo, green, brown and grey, darker than anything before them.
const SERIES_COLOURS: [RGBColor; 13] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0x8C, 0x51, 0x0A), // brown
    RGBColor(0x77, 0x77, 0x77), // grey
];

/// A colour per series name, fixed once for a whole report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    names: Vec<String>,
}

impl Palette {
    /// A palette over `names`, in order of first appearance (duplicates ignored).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut palette = Palette::default();
        for name in names {
            palette.add(name);
        }
        palette
    }

    /// Gives `name` the next free colour unless it already has one.
    pub fn add(&mut self, name: &str) {
        if !self.names.iter().any(|n| n == name) {
            self.names.push(name.to_owned());
        }
    }

    /// The colour of `name`; names the palette has never seen get black, so a missing name
    /// shows rather than borrowing another series' colour.
    pub fn color(&self, name: &str) -> RGBColor {
        match self.names.iter().position(|n| n == name) {
            Some(i) => SERIES_COLOURS[i % SERIES_COLOURS.len()],
            None => RGBColor(0, 0, 0),
        }
    }

    /// The colour of `name` as a CSS hex string (`#0072b2`), for HTML tables.
    pub fn css(&self, name: &str) -> String {
        let RGBColor(r, g, b) = self.color(name);
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// The series names in the order they got their colours.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_appearance_decides_and_repeats_do_not_shift() {
        let p = Palette::new(["b", "a", "b", "c"]);
        assert_eq!(p.names(), ["b", "a", "c"]);
        assert_eq!(p.color("b"), SERIES_COLOURS[0]);
        assert_eq!(p.color("a"), SERIES_COLOURS[1]);
        assert_eq!(p.css("a"), "#d55e00");
        assert_ne!(p.color("a"), p.color("c"));
    }

    #[test]
    fn the_built_in_comparison_gets_a_colour_per_policy() {
        let names: Vec<String> = (0..13).map(|i| format!("policy-{i}")).collect();
        let p = Palette::new(names.iter().map(String::as_str));
        let mut colours: Vec<(u8, u8, u8)> = names
            .iter()
            .map(|n| {
                let RGBColor(r, g, b) = p.color(n);
                (r, g, b)
            })
            .collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), 13, "13 series, 13 distinct colours");
    }
}
