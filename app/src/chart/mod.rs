//! Line charts drawn on the server as SVG: readable before hydration and without
//! JavaScript, no inline styles (the page's CSP forbids them; colours are SVG
//! attributes), gridlines and axis labels with units, a legend, and a native
//! tooltip (`<title>`) on every point. An empty chart says what to do instead.

pub mod layout;

use layout::{ChartInput, SeriesInput};
use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;

/// Line colours in legend order (indigo, emerald, amber, rose, sky, slate).
const COLOURS: [&str; 6] = [
    "#4f46e5", "#059669", "#d97706", "#e11d48", "#0284c7", "#475569",
];

/// One line: its legend name and a value per x label (`None` = no data).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A line chart titled `title` (with its unit) over `x_labels`; `empty_hint`
/// is shown instead when no line has a value.
#[component]
pub fn LineChart(
    title: String,
    x_labels: Vec<String>,
    lines: Vec<Line>,
    format: fn(f64) -> String,
    #[prop(into)] empty_hint: String,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let geometry = layout::layout(&ChartInput {
        width: WIDTH,
        height: HEIGHT,
        x_labels,
        series: lines
            .into_iter()
            .map(|l| SeriesInput {
                name: l.name,
                values: l.values,
            })
            .collect(),
        format,
    });
    if geometry.empty {
        return view! {
            <figure class="min-w-0 rounded-xl bg-white p-4 shadow-sm" data-testid=testid>
                <figcaption class="text-sm font-medium text-slate-700">{title}</figcaption>
                <p class="mt-6 mb-6 text-center text-sm text-slate-500" data-testid="chart-empty">
                    {empty_hint}
                </p>
            </figure>
        }
        .into_any();
    }
    let plot = geometry.plot;
    let bottom = plot.y + plot.h;
    let grid = geometry
        .y_ticks
        .iter()
        .map(|t| {
            view! {
                <line x1=plot.x x2=plot.x + plot.w y1=t.pos y2=t.pos stroke="#e2e8f0" />
                <text x=plot.x - 6.0 y=t.pos + 4.0 text-anchor="end" font-size="11" fill="#64748b">
                    {t.label.clone()}
                </text>
            }
        })
        .collect_view();
    let x_axis = geometry
        .x_ticks
        .iter()
        .map(|t| {
            view! {
                <text x=t.pos y=bottom + 18.0 text-anchor="middle" font-size="11" fill="#64748b">
                    {t.label.clone()}
                </text>
            }
        })
        .collect_view();
    let legend = geometry
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                <span class="inline-flex items-center gap-1">
                    <svg viewBox="0 0 10 10" class="h-2.5 w-2.5" aria-hidden="true">
                        <rect width="10" height="10" rx="2" fill=COLOURS[i % COLOURS.len()] />
                    </svg>
                    {s.name.clone()}
                </span>
            }
        })
        .collect_view();
    let lines = geometry
        .series
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let colour = COLOURS[i % COLOURS.len()];
            let paths = s
                .paths
                .into_iter()
                .map(|d| view! { <path d=d fill="none" stroke=colour stroke-width="2" stroke-linejoin="round" /> })
                .collect_view();
            let dots = s
                .points
                .into_iter()
                .map(|p| {
                    view! {
                        <circle cx=p.x cy=p.y r="3" fill=colour>
                            <title>{p.tooltip}</title>
                        </circle>
                    }
                })
                .collect_view();
            view! { <g data-series=s.name>{paths}{dots}</g> }
        })
        .collect_view();
    view! {
        <figure class="min-w-0 rounded-xl bg-white p-4 shadow-sm" data-testid=testid>
            <figcaption class="flex flex-wrap items-center justify-between gap-2 text-sm">
                <span class="font-medium text-slate-700">{title.clone()}</span>
                <span class="flex flex-wrap gap-3 text-xs text-slate-600">{legend}</span>
            </figcaption>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                class="mt-2 h-auto w-full"
                role="img"
                aria-label=title
            >
                {grid}
                <line x1=plot.x x2=plot.x + plot.w y1=bottom y2=bottom stroke="#94a3b8" />
                {x_axis}
                {lines}
            </svg>
        </figure>
    }
    .into_any()
}

/// A compact number for axes: 1234 → "1.2k", 2500000 → "2.5M", 0.5 → "0.5".
pub fn compact(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "B")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

/// A share as a percentage for axes: 0.0125 → "1.25%".
pub fn percent_axis(value: f64) -> String {
    let p = value * 100.0;
    let text = if p.abs() >= 10.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    };
    format!("{text}%")
}

/// A multiple for axes: 2.5 → "2.5×".
pub fn times_axis(value: f64) -> String {
    format!("{}×", compact(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1234.0), "1.2k");
        assert_eq!(compact(2_500_000.0), "2.5M");
        assert_eq!(percent_axis(0.0125), "1.25%");
        assert_eq!(percent_axis(0.25), "25%");
        assert_eq!(percent_axis(0.0), "0%");
        assert_eq!(times_axis(2.5), "2.5×");
    }
}
