//! The arms' posterior intervals as an SVG drawn on the server: readable before
//! hydration and without JavaScript, no inline styles (the page's CSP forbids
//! them), and a native tooltip (`<title>`) on every arm.

use leptos::prelude::*;
use titan::domain::experiment::{ArmView, Metric};

const WIDTH: f64 = 720.0;
const LABEL: f64 = 190.0;
const RIGHT: f64 = 24.0;
const ROW: f64 = 30.0;
const TOP: f64 = 28.0;
const AXIS: f64 = 34.0;
const TICKS: usize = 5;

fn short(name: &str) -> String {
    let mut text: String = name.chars().take(26).collect();
    if name.chars().count() > 26 {
        text.push('…');
    }
    text
}

/// A round step for `TICKS` gridlines over `0..max`.
fn tick_step(max: f64) -> f64 {
    let raw = max / TICKS as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(raw)
}

#[component]
pub fn IntervalChart(arms: Vec<ArmView>, metric: Metric, winner: Option<i64>) -> impl IntoView {
    let upper = arms.iter().map(|a| a.upper_95).fold(0.0_f64, f64::max);
    let step = tick_step(if upper > 0.0 { upper * 1.05 } else { 0.01 });
    let max = step * TICKS as f64;
    let plot = WIDTH - LABEL - RIGHT;
    let x = move |v: f64| LABEL + (v.clamp(0.0, max) / max) * plot;
    let height = TOP + ROW * arms.len() as f64 + AXIS;
    let grid_bottom = TOP + ROW * arms.len() as f64;
    let ticks: Vec<f64> = (0..=TICKS).map(|i| step * i as f64).collect();
    let rows = arms
        .into_iter()
        .enumerate()
        .map(|(i, arm)| {
            let y = TOP + ROW * i as f64 + ROW / 2.0;
            let best = winner == Some(arm.arm_id);
            let colour = if arm.paused {
                "#94a3b8"
            } else if best {
                "#059669"
            } else {
                "#4f46e5"
            };
            let tip = format!(
                "{}: {} (95 % interval {} – {}), P(best) {:.1} %, expected loss {}",
                arm.creative_name,
                metric.format(arm.mean),
                metric.format(arm.lower_95),
                metric.format(arm.upper_95),
                arm.p_best * 100.0,
                metric.format(arm.expected_loss.max(0.0)),
            );
            view! {
                <g data-arm=arm.arm_id>
                    <title>{tip}</title>
                    <text x=LABEL - 8.0 y=y + 4.0 text-anchor="end" font-size="12" fill="#334155">
                        {short(&arm.creative_name)}
                    </text>
                    <line
                        x1=x(arm.lower_95)
                        x2=x(arm.upper_95)
                        y1=y
                        y2=y
                        stroke=colour
                        stroke-width="6"
                        stroke-linecap="round"
                        opacity="0.35"
                    />
                    <circle cx=x(arm.mean) cy=y r="5" fill=colour />
                </g>
            }
        })
        .collect_view();
    let grid = ticks
        .into_iter()
        .map(|t| {
            view! {
                <line x1=x(t) x2=x(t) y1=TOP - 6.0 y2=grid_bottom stroke="#e2e8f0" />
                <text x=x(t) y=grid_bottom + 16.0 text-anchor="middle" font-size="11" fill="#64748b">
                    {metric.format(t)}
                </text>
            }
        })
        .collect_view();
    view! {
        <svg
            viewBox=format!("0 0 {WIDTH} {height}")
            class="w-full max-w-3xl"
            role="img"
            aria-label=format!("Posterior means and 95 % intervals of {}", metric.label().to_lowercase())
            data-testid="interval-chart"
        >
            {grid}
            {rows}
            <text x=LABEL y=grid_bottom + 30.0 font-size="11" fill="#64748b">
                {metric.label()}
            </text>
            <g font-size="11" fill="#475569">
                <circle cx=LABEL + 4.0 cy="10" r="4" fill="#4f46e5" />
                <text x=LABEL + 12.0 y="14">"posterior mean"</text>
                <line x1=LABEL + 110.0 x2=LABEL + 140.0 y1="10" y2="10" stroke="#4f46e5" stroke-width="6" opacity="0.35" />
                <text x=LABEL + 146.0 y="14">"95 % interval"</text>
                <circle cx=LABEL + 240.0 cy="10" r="4" fill="#059669" />
                <text x=LABEL + 248.0 y="14">"winner"</text>
                <circle cx=LABEL + 310.0 cy="10" r="4" fill="#94a3b8" />
                <text x=LABEL + 318.0 y="14">"paused"</text>
            </g>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(tick_step(0.05), 0.01);
        assert_eq!(tick_step(0.12), 0.025);
        assert!(tick_step(37.0) * TICKS as f64 >= 37.0);
    }
}
