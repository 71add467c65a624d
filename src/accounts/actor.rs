//! Who is acting: a signed-in person or an API key. Core functions take an
//! [`Actor`] and decide here, once, whether it may do what it asks; the edge only
//! establishes who is calling.

use crate::domain::SessionUser;
use crate::domain::api_key::Scope;
use crate::error::{Error, Result};

/// An API key that has been checked: its workspace and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCaller {
    pub key_id: i64,
    pub workspace_id: i64,
    pub prefix: String,
    pub scopes: Vec<Scope>,
}

/// The acting party of a core call.
#[derive(Clone, Debug)]
pub enum Actor {
    User(SessionUser),
    Key(KeyCaller),
}

impl Actor {
    /// The workspace everything this actor reads or writes must belong to.
    pub fn workspace_id(&self) -> i64 {
        match self {
            Actor::User(user) => user.workspace_id,
            Actor::Key(key) => key.workspace_id,
        }
    }

    /// The person behind the action, when there is one (for `created_by` columns).
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User(user) => Some(user.id),
            Actor::Key(_) => None,
        }
    }

    /// `Ok` when the actor may act within `scope`. Every signed-in person of a
    /// workspace may read and run its experiments and results; a key only within
    /// the scopes it was given.
    pub fn require(&self, scope: Scope) -> Result<()> {
        match self {
            Actor::User(_) => Ok(()),
            Actor::Key(key) if key.scopes.contains(&scope) => Ok(()),
            Actor::Key(key) => {
                tracing::warn!(key = key.prefix, scope = %scope, "API key lacks a scope");
                Err(Error::MissingScope(scope))
            }
        }
    }
}

impl From<SessionUser> for Actor {
    fn from(user: SessionUser) -> Self {
        Actor::User(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn keys_act_only_within_their_scopes() {
        let key = Actor::Key(KeyCaller {
            key_id: 1,
            workspace_id: 7,
            prefix: "abc".into(),
            scopes: vec![Scope::Read],
        });
        assert!(key.require(Scope::Read).is_ok());
        assert!(matches!(
            key.require(Scope::ExperimentsWrite),
            Err(Error::MissingScope(Scope::ExperimentsWrite))
        ));
        assert_eq!(key.workspace_id(), 7);
        assert_eq!(key.user_id(), None);
        let person = Actor::User(SessionUser {
            id: 3,
            workspace_id: 7,
            workspace_name: "W".into(),
            email: "m@example.com".into(),
            role: Role::Marketer,
        });
        assert!(person.require(Scope::ResultsWrite).is_ok());
    }
}
