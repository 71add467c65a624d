use super::*;

fn plain(v: f64) -> String {
    format!("{v}")
}

fn money(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("${:.1}k", v / 1000.0)
    } else {
        format!("${v}")
    }
}

fn input(
    width: f64,
    height: f64,
    labels: &[&str],
    series: &[(&str, &[Option<f64>])],
) -> ChartInput {
    ChartInput {
        width,
        height,
        x_labels: labels.iter().map(|l| l.to_string()).collect(),
        series: series
            .iter()
            .map(|(name, values)| SeriesInput {
                name: name.to_string(),
                values: values.to_vec(),
            })
            .collect(),
        format: plain,
    }
}

#[test]
fn exact_coordinates_and_margins() {
    let g = layout(&input(
        140.0,
        138.0,
        &["a", "b", "c"],
        &[("S", &[Some(0.0), Some(1.0), Some(0.5)])],
    ));
    assert_eq!(
        g.plot,
        Rect {
            x: 40.0,
            y: 10.0,
            w: 84.0,
            h: 100.0
        }
    );
    assert_eq!(g.series[0].paths, ["M 40.0 110.0 L 82.0 10.0 L 124.0 60.0"]);
    assert_eq!(
        g.y_ticks.first(),
        Some(&Tick {
            pos: 110.0,
            label: "0".into()
        })
    );
    assert_eq!(
        g.y_ticks.last(),
        Some(&Tick {
            pos: 10.0,
            label: "1".into()
        })
    );
    assert!(g.y_ticks.windows(2).all(|w| w[0].pos > w[1].pos));
    let xs: Vec<f64> = g.x_ticks.iter().map(|t| t.pos).collect();
    assert_eq!(xs, [40.0, 82.0, 124.0]);
    assert!(!g.empty);
}

#[test]
fn coordinates_round_to_one_decimal() {
    let g = layout(&input(
        140.0,
        138.0,
        &["a", "b"],
        &[("S", &[Some(1.0), Some(3.0)])],
    ));
    // Axis 0..3 (step 1): y(1) = 10 + 100 × 2/3 = 76.666…, y(3) = 10.
    assert_eq!(g.series[0].paths, ["M 40.0 76.7 L 124.0 10.0"]);
    let g = layout(&input(
        141.0,
        138.0,
        &["a", "b", "c", "d"],
        &[("S", &[Some(1.0); 4])],
    ));
    // plot.w = 85, so x = 40, 68.333…, 96.666…, 125.
    assert_eq!(
        g.series[0].paths[0],
        "M 40.0 10.0 L 68.3 10.0 L 96.7 10.0 L 125.0 10.0"
    );
    assert_eq!(g.series[0].points[2].x, 96.7);
}

#[test]
fn left_margin_fits_long_labels() {
    let mut chart = input(
        600.0,
        300.0,
        &["a", "b"],
        &[("S", &[Some(0.0), Some(1_234_567.0)])],
    );
    chart.format = |v| format!("${v:.2}");
    let g = layout(&chart);
    // Longest label "$1250000.00" has 11 characters: 11 × 7 + 8.
    assert_eq!(g.plot.x, 85.0);
    assert_eq!(g.plot.w, 600.0 - 85.0 - 16.0);
    let short = layout(&input(600.0, 300.0, &["a"], &[("S", &[Some(5.0)])]));
    assert_eq!(short.plot.x, 40.0);
}

#[test]
fn none_splits_paths() {
    let values = [
        Some(1.0),
        Some(2.0),
        None,
        Some(3.0),
        None,
        None,
        Some(4.0),
        Some(f64::NAN),
        Some(5.0),
        Some(5.0),
    ];
    let g = layout(&input(400.0, 200.0, &[], &[("S", &values)]));
    let paths = &g.series[0].paths;
    assert_eq!(paths.len(), 4, "{paths:?}");
    let segments: Vec<usize> = paths.iter().map(|p| p.matches(" L ").count()).collect();
    assert_eq!(segments, [1, 0, 0, 1]);
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("M ") && p.matches('M').count() == 1)
    );
    assert_eq!(g.series[0].points.len(), 6);
    // A leading gap does not produce an empty path either.
    let g = layout(&input(
        400.0,
        200.0,
        &[],
        &[("S", &[None, Some(1.0), Some(2.0)])],
    ));
    assert_eq!(g.series[0].paths.len(), 1);
}

#[test]
fn single_point_is_centred() {
    let g = layout(&input(400.0, 200.0, &["Nov 3"], &[("S", &[Some(2.0)])]));
    let centre = round1(g.plot.x + g.plot.w / 2.0);
    assert_eq!(g.series[0].points[0].x, centre);
    assert_eq!(
        g.x_ticks,
        [Tick {
            pos: centre,
            label: "Nov 3".into()
        }]
    );
    assert_eq!(g.series[0].paths.len(), 1);
}

#[test]
fn tooltips_name_point_series_and_value() {
    let mut chart = input(
        400.0,
        200.0,
        &["Nov 3", "Nov 4"],
        &[("Spend", &[Some(1234.0), Some(5.0), Some(7.0)])],
    );
    chart.format = money;
    let g = layout(&chart);
    let tips: Vec<&str> = g.series[0]
        .points
        .iter()
        .map(|p| p.tooltip.as_str())
        .collect();
    // The third point has no x label, so its tooltip has no date prefix.
    assert_eq!(
        tips,
        ["Nov 3 · Spend: $1.2k", "Nov 4 · Spend: $5", "Spend: $7"]
    );
}

#[test]
fn x_ticks_carry_first_and_last_labels() {
    let labels: Vec<String> = (1..=30).map(|d| format!("Nov {d}")).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let g = layout(&input(600.0, 200.0, &refs, &[("S", &[Some(1.0); 30])]));
    assert!(g.x_ticks.len() <= MAX_X_LABELS);
    assert_eq!(g.x_ticks.first().map(|t| t.label.as_str()), Some("Nov 1"));
    assert_eq!(g.x_ticks.last().map(|t| t.label.as_str()), Some("Nov 30"));
    assert_eq!(g.x_ticks.first().map(|t| t.pos), Some(g.plot.x));
    assert_eq!(g.x_ticks.last().map(|t| t.pos), Some(g.plot.x + g.plot.w));
}

#[test]
fn empty_detection() {
    let gaps: &[(&str, &[Option<f64>])] = &[
        ("S", &[None, Some(f64::NAN)]),
        ("T", &[Some(f64::INFINITY)]),
        ("U", &[]),
    ];
    for chart in [
        input(400.0, 200.0, &["a", "b"], &[]),
        input(400.0, 200.0, &["a", "b"], gaps),
    ] {
        let g = layout(&chart);
        assert!(g.empty);
        assert!(
            g.series
                .iter()
                .all(|s| s.paths.is_empty() && s.points.is_empty())
        );
        // Still a sane 0..1 axis and the x labels, for an empty-state frame.
        assert_eq!(g.y_ticks.len(), 6);
        assert_eq!(g.y_ticks.last().map(|t| t.label.as_str()), Some("1"));
        assert_eq!(g.x_ticks.len(), 2);
    }
    let zero = layout(&input(
        400.0,
        200.0,
        &["a"],
        &[("S", &[None]), ("T", &[Some(0.0)])],
    ));
    assert!(!zero.empty);
    assert_eq!(zero.y_ticks.len(), 6);
}

#[test]
fn coordinates_stay_inside_plot() {
    let mut state: u64 = 42;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for round in 0..40 {
        let n = 1 + round * 3;
        let scale = 10f64.powi(round % 9 - 3);
        let shift = if round % 3 == 0 { -0.5 } else { 0.0 };
        let series: Vec<SeriesInput> = (0..3)
            .map(|k| SeriesInput {
                name: format!("s{k}"),
                values: (0..n)
                    .map(|_| {
                        let r = next();
                        (r > 0.1).then_some((r + shift) * scale)
                    })
                    .collect(),
            })
            .collect();
        let chart = ChartInput {
            width: 320.0 + 40.0 * round as f64,
            height: 180.0,
            x_labels: (0..n).map(|i| format!("d{i}")).collect(),
            series,
            format: plain,
        };
        let g = layout(&chart);
        let p = g.plot;
        let inside_x = |x: f64| x >= p.x - 0.05 && x <= p.x + p.w + 0.05;
        let inside_y = |y: f64| y >= p.y - 0.05 && y <= p.y + p.h + 0.05;
        assert!(p.x + p.w <= chart.width && p.y + p.h <= chart.height);
        assert!((4..=6).contains(&g.y_ticks.len()));
        assert!(g.y_ticks.iter().all(|t| inside_y(t.pos)));
        assert!(g.x_ticks.iter().all(|t| inside_x(t.pos)));
        for s in &g.series {
            assert!(
                s.points.iter().all(|m| inside_x(m.x) && inside_y(m.y)),
                "{g:?}"
            );
            for path in &s.paths {
                let nums: Vec<f64> = path
                    .split(' ')
                    .filter(|t| *t != "M" && *t != "L")
                    .map(|t| t.parse().unwrap())
                    .collect();
                assert!(
                    nums.chunks(2).all(|c| inside_x(c[0]) && inside_y(c[1])),
                    "{path}"
                );
            }
        }
    }
}

#[test]
fn tiny_or_invalid_sizes_do_not_panic() {
    for (w, h) in [
        (0.0, 0.0),
        (10.0, 10.0),
        (f64::NAN, f64::INFINITY),
        (-5.0, 100.0),
    ] {
        let g = layout(&input(w, h, &["a", "b"], &[("S", &[Some(1.0), Some(2.0)])]));
        assert!(g.plot.w >= 0.0 && g.plot.h >= 0.0);
        assert!(g.plot.w.is_finite() && g.plot.h.is_finite());
    }
}
