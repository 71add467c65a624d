//! ffmpeg's `-progress pipe:1` output: `key=value` lines, a block per update,
//! each ending in `progress=continue` or `progress=end`.

/// Seconds of output written so far, from one progress line, if it says.
pub fn out_time_seconds(line: &str) -> Option<f64> {
    let (key, value) = line.trim().split_once('=')?;
    match key {
        // Despite its name, out_time_ms is in microseconds, like out_time_us.
        "out_time_us" | "out_time_ms" => value.parse::<i64>().ok().map(|us| us.max(0) as f64 / 1e6),
        "out_time" => parse_clock(value),
        _ => None,
    }
}

/// True on the line that ends the run.
pub fn is_end(line: &str) -> bool {
    line.trim() == "progress=end"
}

fn parse_clock(value: &str) -> Option<f64> {
    let mut parts = value.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

/// Fraction done (0–1) of an output `total` seconds long.
pub fn fraction(done: f64, total: f64) -> f64 {
    if total <= 0.0 {
        0.0
    } else {
        (done / total).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_time_keys() {
        assert_eq!(out_time_seconds("out_time_us=1500000"), Some(1.5));
        assert_eq!(out_time_seconds("out_time_ms=2000000"), Some(2.0));
        assert_eq!(out_time_seconds("out_time=00:01:02.500000"), Some(62.5));
        assert_eq!(out_time_seconds("out_time_us=N/A"), None);
        assert_eq!(out_time_seconds("frame=12"), None);
        assert!(is_end("progress=end\n"));
        assert!(!is_end("progress=continue"));
        assert_eq!(fraction(3.0, 2.0), 1.0);
    }
}
