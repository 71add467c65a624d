//! The one error type of the engine.
//!
//! Every rejection names the offending field (a path such as `periods[2].split`) and the
//! rule it broke, so the REST edge can turn it into a 422 problem response that tells the
//! caller exactly what to fix. The engine never panics on caller input: anything that
//! could be wrong in a config or an evidence snapshot comes back as one of these.

use serde::{Deserialize, Serialize};

/// Why the engine refused a config or an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum EngineError {
    /// A `Config` field breaks its rule.
    #[error("invalid config: `{field}` {rule}")]
    InvalidConfig { field: String, rule: String },
    /// Evidence, a split or another input breaks its rule.
    #[error("invalid input: `{field}` {rule}")]
    InvalidInput { field: String, rule: String },
}

impl EngineError {
    pub(crate) fn config(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field: field.into(),
            rule: rule.into(),
        }
    }

    pub(crate) fn input(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The field the error is about, e.g. `floor` or `periods[1].counts[0].clicks`.
    pub fn field(&self) -> &str {
        match self {
            Self::InvalidConfig { field, .. } | Self::InvalidInput { field, .. } => field,
        }
    }

    /// The rule that was broken, in words.
    pub fn rule(&self) -> &str {
        match self {
            Self::InvalidConfig { rule, .. } | Self::InvalidInput { rule, .. } => rule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_field_and_rule() {
        let e = EngineError::config("floor", "must be in [0, 0.5)");
        assert_eq!(e.field(), "floor");
        assert_eq!(e.rule(), "must be in [0, 0.5)");
        assert_eq!(e.to_string(), "invalid config: `floor` must be in [0, 0.5)");
    }
}
