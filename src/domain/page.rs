//! Pages of a list: every list a user can grow (campaigns, creatives, clips,
//! jobs, models) is read one page at a time, newest first.
//!
//! A page is asked for by number (`page`, from 1) and size (`per_page`, default
//! [`DEFAULT_PER_PAGE`], at most [`MAX_PER_PAGE`]); both come as text from a
//! query string or form and are parsed here, so a bad value is a 422 naming the
//! field. Pages are `LIMIT`/`OFFSET` over an indexed `ORDER BY`: the lists are
//! per workspace and short enough that keyset cursors would buy little, while
//! page numbers keep plain links (`?page=3`) working without JavaScript.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;
/// Highest page number accepted (keeps the offset a sane number).
pub const MAX_PAGE: u32 = 100_000;

/// One page of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// Parses `page` and `per_page` as typed; empty means the default.
    pub fn parse(page: &str, per_page: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut number = |field: &str, text: &str, default: u32, max: u32| -> u32 {
            let text = text.trim();
            if text.is_empty() {
                return default;
            }
            match text.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    errors.push(field, format!("must be a whole number from 1 to {max}"));
                    default
                }
            }
        };
        let page = number("page", page, 1, MAX_PAGE);
        let per_page = number("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE);
        errors.into_result().map(|()| Self { page, per_page })
    }

    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }

    /// Rows to read.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// The page after this one.
    pub fn next(&self) -> Self {
        Self {
            page: self.page.saturating_add(1),
            ..*self
        }
    }

    /// The page before this one, if any.
    pub fn previous(&self) -> Option<Self> {
        (self.page > 1).then(|| Self {
            page: self.page - 1,
            ..*self
        })
    }

    /// The query string of this page (`page=2`, plus `per_page` when not the
    /// default), for links.
    pub fn query(&self) -> String {
        if self.per_page == DEFAULT_PER_PAGE {
            format!("page={}", self.page)
        } else {
            format!("page={}&per_page={}", self.page, self.per_page)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_field_names() {
        assert_eq!(PageRequest::parse("", "").unwrap(), PageRequest::default());
        let page = PageRequest::parse("3", "20").unwrap();
        assert_eq!((page.offset(), page.limit()), (40, 20));
        assert_eq!(page.query(), "page=3&per_page=20");
        assert_eq!(page.previous().unwrap().page, 2);
        assert_eq!(PageRequest::default().previous(), None);
        assert_eq!(PageRequest::default().next().query(), "page=2");
        for (p, n, field) in [
            ("0", "", "page"),
            ("-1", "", "page"),
            ("x", "", "page"),
            ("100001", "", "page"),
            ("", "0", "per_page"),
            ("", "201", "per_page"),
            ("", "1e3", "per_page"),
        ] {
            let errors = PageRequest::parse(p, n).unwrap_err();
            assert!(errors.get(field).is_some(), "{p:?} {n:?}: {errors}");
        }
        assert_eq!(PageRequest::parse("1", "200").unwrap().per_page, 200);
    }
}
