//! Geometry for a server-rendered SVG line chart.
//!
//! Why this exists: dashboard charts are rendered on the server as plain
//! `<svg>` markup (no client-side charting library, no inline styles), so
//! something must turn series of numbers into pixel coordinates, round axis
//! ticks and path strings. Doing it here, as pure numbers and strings, keeps
//! the Leptos view a thin loop over the result and lets the tricky parts
//! (nice ticks, gaps in data, label thinning) be unit-tested.
//!
//! Coordinates are SVG user units with the origin at the top-left corner.

use serde::{Deserialize, Serialize};

mod scale;
use scale::{nice_scale, x_label_indices};

/// Space above the plot, so the top tick label is not clipped.
const MARGIN_TOP: f64 = 10.0;
/// Space right of the plot, for half of the last x label.
const MARGIN_RIGHT: f64 = 16.0;
/// Space below the plot for the x labels.
const MARGIN_BOTTOM: f64 = 28.0;
/// Minimum space left of the plot for the y labels.
const MIN_MARGIN_LEFT: f64 = 40.0;
/// Rough width of one label character, in pixels.
const CHAR_WIDTH: f64 = 7.0;
/// Gap between the y labels and the plot.
const LABEL_GAP: f64 = 8.0;
/// Most x labels shown; more would overlap.
pub const MAX_X_LABELS: usize = 8;
/// Most y ticks produced; at least 4 are produced.
pub const MAX_Y_TICKS: usize = 6;

/// What to draw. One x label per point; `series[i].values[j]` is the value
/// of series `i` at point `j` (`None` = no data, which breaks the line).
#[derive(Clone, Debug)]
pub struct ChartInput {
    /// Total SVG width.
    pub width: f64,
    /// Total SVG height.
    pub height: f64,
    /// Label of each point, e.g. `"Nov 3"`.
    pub x_labels: Vec<String>,
    /// The lines to draw.
    pub series: Vec<SeriesInput>,
    /// Formats a value for y ticks and tooltips, e.g. `1200.0` → `"$1.2k"`.
    pub format: fn(f64) -> String,
}

/// One line of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesInput {
    /// Legend and tooltip name, e.g. `"Spend"`.
    pub name: String,
    /// One value per point; missing and non-finite values are gaps.
    pub values: Vec<Option<f64>>,
}

/// An axis-aligned rectangle.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// An axis tick: its pixel position along the axis and its text.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Tick {
    /// y coordinate for y ticks, x coordinate for x ticks.
    pub pos: f64,
    /// Text to draw next to the tick.
    pub label: String,
}

/// A data point, for hover markers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PointMark {
    /// Centre x (rounded to 0.1).
    pub x: f64,
    /// Centre y (rounded to 0.1).
    pub y: f64,
    /// E.g. `"Nov 3 · Spend: $1.2k"`.
    pub tooltip: String,
}

/// Geometry of one line.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SeriesGeometry {
    /// The series name.
    pub name: String,
    /// SVG path `d` strings, `"M x y L x y …"`, one per unbroken run of
    /// values (a lone value gives just `"M x y"`; draw its point mark).
    pub paths: Vec<String>,
    /// Every point that has a value, in x order.
    pub points: Vec<PointMark>,
}

/// Everything needed to draw the chart.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ChartGeometry {
    /// The plotting area inside the margins.
    pub plot: Rect,
    /// y ticks from the bottom (lowest value) up, 4 to 6 of them.
    pub y_ticks: Vec<Tick>,
    /// At most [`MAX_X_LABELS`] x labels, always the first and last point.
    pub x_ticks: Vec<Tick>,
    /// One entry per input series, in input order.
    pub series: Vec<SeriesGeometry>,
    /// True when no series has any value (show a "no data" note).
    pub empty: bool,
}

/// Rounds to 0.1 px (and turns -0.0 into 0.0).
fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0 + 0.0
}

/// Computes the chart geometry; see [`ChartGeometry`].
pub fn layout(input: &ChartInput) -> ChartGeometry {
    let finite = |v: &Option<f64>| v.filter(|v| v.is_finite());
    let values = || {
        input
            .series
            .iter()
            .flat_map(|s| s.values.iter().filter_map(finite))
    };
    let empty = values().next().is_none();
    let min = values().fold(0.0, f64::min);
    let max = values().fold(0.0, f64::max);
    let scale = nice_scale(min, max);
    let (lo, hi) = (scale.lo(), scale.hi());

    let tick_values: Vec<f64> = (scale.lo_k..=scale.hi_k).map(|k| scale.value(k)).collect();
    let tick_labels: Vec<String> = tick_values.iter().map(|&v| (input.format)(v)).collect();
    let longest = tick_labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * CHAR_WIDTH + LABEL_GAP).max(MIN_MARGIN_LEFT);
    let size = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let plot = Rect {
        x: left,
        y: MARGIN_TOP,
        w: (size(input.width) - left - MARGIN_RIGHT).max(0.0),
        h: (size(input.height) - MARGIN_TOP - MARGIN_BOTTOM).max(0.0),
    };

    let y_of = |v: f64| plot.y + plot.h * (1.0 - (v - lo) / (hi - lo));
    let n = input
        .series
        .iter()
        .map(|s| s.values.len())
        .chain([input.x_labels.len()])
        .max()
        .unwrap_or(0);
    let x_of = |i: usize| {
        if n <= 1 {
            plot.x + plot.w / 2.0
        } else {
            plot.x + plot.w * i as f64 / (n - 1) as f64
        }
    };
    let label = |i: usize| input.x_labels.get(i).map(String::as_str).unwrap_or("");

    let y_ticks = tick_values
        .iter()
        .zip(tick_labels)
        .map(|(&v, label)| Tick {
            pos: round1(y_of(v)),
            label,
        })
        .collect();
    let x_ticks = x_label_indices(n)
        .into_iter()
        .map(|i| Tick {
            pos: round1(x_of(i)),
            label: label(i).to_owned(),
        })
        .collect();

    let series = input
        .series
        .iter()
        .map(|s| {
            let mut paths = Vec::new();
            let mut points = Vec::new();
            let mut run = String::new();
            for i in 0..n {
                match s.values.get(i).and_then(finite) {
                    Some(v) => {
                        let (x, y) = (round1(x_of(i)), round1(y_of(v)));
                        let cmd = if run.is_empty() { "M" } else { " L" };
                        run.push_str(&format!("{cmd} {x:.1} {y:.1}"));
                        let what = format!("{}: {}", s.name, (input.format)(v));
                        let tooltip = match label(i) {
                            "" => what,
                            at => format!("{at} · {what}"),
                        };
                        points.push(PointMark { x, y, tooltip });
                    }
                    None if !run.is_empty() => paths.push(std::mem::take(&mut run)),
                    None => {}
                }
            }
            if !run.is_empty() {
                paths.push(run);
            }
            SeriesGeometry {
                name: s.name.clone(),
                paths,
                points,
            }
        })
        .collect();

    ChartGeometry {
        plot,
        y_ticks,
        x_ticks,
        series,
        empty,
    }
}

#[cfg(test)]
mod tests;
