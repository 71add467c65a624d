//! Money as campaigns use it: a positive daily budget in whole cents of one currency.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Currencies a budget may be set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub enum Currency {
    USD,
    EUR,
    GBP,
    CAD,
    AUD,
}

impl Currency {
    pub const ALL: [Currency; 5] = [
        Currency::USD,
        Currency::EUR,
        Currency::GBP,
        Currency::CAD,
        Currency::AUD,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Currency::USD => "USD",
            Currency::EUR => "EUR",
            Currency::GBP => "GBP",
            Currency::CAD => "CAD",
            Currency::AUD => "AUD",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Currency::USD | Currency::CAD | Currency::AUD => "$",
            Currency::EUR => "€",
            Currency::GBP => "£",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let code = value.trim().to_ascii_uppercase();
        Self::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| FieldError::new("currency", "must be one of USD, EUR, GBP, CAD, AUD"))
    }
}

/// Largest daily budget accepted: 10 million in major units.
const MAX_BUDGET_CENTS: i64 = 10_000_000 * 100;

/// A daily budget greater than zero, stored in cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct DailyBudget {
    cents: i64,
    currency: Currency,
}

impl DailyBudget {
    /// Parses "50", "50.5" or "1,250.00" in `currency`.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, FieldError> {
        let field = "daily_budget";
        if amount.trim().starts_with('-') {
            return Err(FieldError::new(field, "must be greater than 0"));
        }
        Self::from_cents(amount_cents(field, amount)?, currency)
    }

    pub fn from_cents(cents: i64, currency: Currency) -> Result<Self, FieldError> {
        if cents <= 0 {
            return Err(FieldError::new("daily_budget", "must be greater than 0"));
        }
        if cents > MAX_BUDGET_CENTS {
            return Err(FieldError::new(
                "daily_budget",
                "must be at most 10,000,000 per day",
            ));
        }
        Ok(Self { cents, currency })
    }

    pub fn cents(self) -> i64 {
        self.cents
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The amount without symbol, as a form input shows it: "49.99".
    pub fn amount_string(self) -> String {
        format!("{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

impl fmt::Display for DailyBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            format_cents(self.cents, self.currency),
            self.currency.code()
        )
    }
}

/// Minor units as a person reads them, with the currency's symbol and grouped
/// thousands: 225000 USD → "$2,250.00", -5 EUR → "-€0.05".
pub fn format_cents(cents: i64, currency: Currency) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let digits = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{}{grouped}.{:02}", currency.symbol(), cents % 100)
}

/// Parses an amount of money written by a person ("50", "49.9", "1,250.00") into
/// minor units; `field` names it in the error.
pub fn amount_cents(field: &str, amount: &str) -> Result<i64, FieldError> {
    let cleaned: String = amount.trim().chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if cleaned.starts_with('-') {
        return Err(FieldError::new(field, "must not be negative"));
    }
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let digits_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(frac) || frac.len() > 2 {
        return Err(FieldError::new(
            field,
            "must be an amount like 50 or 49.99 (at most 2 decimals)",
        ));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| FieldError::new(field, "is too large"))?;
    let frac_cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().unwrap_or(0) * 10,
        _ => frac.parse::<i64>().unwrap_or(0),
    };
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac_cents))
        .ok_or_else(|| FieldError::new(field, "is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amounts_into_cents() {
        let b = |s| DailyBudget::parse(s, Currency::USD).map(DailyBudget::cents);
        assert_eq!(b("50"), Ok(5000));
        assert_eq!(b("49.9"), Ok(4990));
        assert_eq!(b("1,250.05"), Ok(125005));
    }

    #[test]
    fn refuses_zero_negative_and_garbage() {
        for bad in ["0", "0.00", "-5", "", "abc", "1.234", "1e5", "10000001"] {
            let err = DailyBudget::parse(bad, Currency::EUR).unwrap_err();
            assert_eq!(err.field, "daily_budget", "{bad}");
        }
        assert!(
            DailyBudget::parse("0", Currency::EUR)
                .unwrap_err()
                .message
                .contains("greater than 0")
        );
    }

    #[test]
    fn displays_grouped_with_currency() {
        let b = DailyBudget::parse("1234567.5", Currency::GBP).unwrap();
        assert_eq!(b.to_string(), "£1,234,567.50 GBP");
        assert_eq!(b.amount_string(), "1234567.50");
    }

    #[test]
    fn currency_codes_parse() {
        assert_eq!(Currency::parse("eur").unwrap(), Currency::EUR);
        assert_eq!(Currency::parse("JPY").unwrap_err().field, "currency");
    }
}
