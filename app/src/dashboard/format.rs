//! How the dashboard writes its numbers: a missing ratio is "—", never 0 or NaN.

use titan::domain::Currency;
use titan::domain::money::format_cents;

/// The dash shown for a value that cannot be computed (no impressions, no spend…).
pub const NONE: &str = "—";

/// A whole count with grouped thousands: 1234567 → "1,234,567".
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Money in a currency: "$2,250.00".
pub fn money(cents: i64, currency: Currency) -> String {
    format_cents(cents, currency)
}

/// Optional money: "—" when absent.
pub fn money_or_none(cents: Option<i64>, currency: Currency) -> String {
    cents.map_or_else(|| NONE.to_owned(), |c| money(c, currency))
}

/// A share as a percentage with two decimals: 0.01234 → "1.23%".
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| NONE.to_owned(), |s| format!("{:.2}%", s * 100.0))
}

/// A multiple: 2.345 → "2.35×".
pub fn times(value: Option<f64>) -> String {
    value.map_or_else(|| NONE.to_owned(), |v| format!("{v:.2}×"))
}

/// A change against the previous period: "+12.5%", "−3.0%", or "—".
pub fn change(value: Option<f64>) -> String {
    match value {
        None => NONE.to_owned(),
        Some(v) if v >= 0.0 => format!("+{:.1}%", v * 100.0),
        Some(v) => format!("−{:.1}%", -v * 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1000), "-1,000");
        assert_eq!(money(225_000, Currency::USD), "$2,250.00");
        assert_eq!(money(5, Currency::EUR), "€0.05");
        assert_eq!(percent(Some(0.012345)), "1.23%");
        assert_eq!(percent(None), "—");
        assert_eq!(times(Some(2.345)), "2.35×");
        assert_eq!(change(Some(0.125)), "+12.5%");
        assert_eq!(change(Some(-0.03)), "−3.0%");
        assert_eq!(change(None), "—");
    }
}
