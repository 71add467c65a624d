//! Accounts: who is signed in and what they may do.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a signed-in person may do. Admins may do everything a marketer may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Marketer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Marketer => "marketer",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "marketer" => Ok(Role::Marketer),
            _ => Err(FieldError::new("role", "must be admin or marketer")),
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A syntactically plausible, lower-cased email address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim().to_lowercase();
        let err = |msg: &str| Err(FieldError::new("email", msg));
        if value.is_empty() {
            return err("is required");
        }
        if value.len() > 254 {
            return err("must be at most 254 characters");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return err("must look like name@example.com");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || !domain_ok || value.chars().any(char::is_whitespace) {
            return err("must look like name@example.com");
        }
        Ok(Self(value))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The signed-in person as the UI sees them. Carries no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub workspace_id: i64,
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
}

/// An account as its workspace's admins see it in the people list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub is_demo: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// When an admin deactivated the account; `None` while it may sign in.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deactivated_at: Option<time::OffsetDateTime>,
}

impl UserSummary {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// A one-time link for a person to choose their password, handed over by the admin
/// who added them or reset their password. The token is shown once and stored
/// only as a hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPasswordLink {
    pub user: UserSummary,
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

impl SetPasswordLink {
    /// The path of the public page that redeems the token.
    pub fn path(&self) -> String {
        format!("/set-password?token={}", self.token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lowercased_and_trimmed() {
        let email = Email::parse("  Ada@Example.COM ").unwrap();
        assert_eq!(email.as_ref(), "ada@example.com");
    }

    #[test]
    fn email_rejects_garbage() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "ada@com",
            "a b@x.com",
            "a@x..com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad}");
        }
    }

    #[test]
    fn role_round_trips() {
        assert_eq!(Role::parse("Admin").unwrap(), Role::Admin);
        assert_eq!(
            Role::parse(Role::Marketer.as_str()).unwrap(),
            Role::Marketer
        );
        assert!(Role::parse("root").is_err());
    }
}
