//! The one rule for admin-only actions, decided in the core: the acting person must
//! be an admin, and an admin acts only inside their own workspace. Callers pass the
//! acting user; the edge only establishes who that is.

use crate::domain::SessionUser;
use crate::error::{Error, Result};

/// `Ok` when `actor` administers their workspace; `Forbidden` for anyone else.
pub fn require_admin(actor: &SessionUser) -> Result<()> {
    if actor.role.is_admin() {
        Ok(())
    } else {
        tracing::warn!(user_id = actor.id, "admin action refused to a marketer");
        Err(Error::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn user(role: Role) -> SessionUser {
        SessionUser {
            id: 1,
            workspace_id: 1,
            workspace_name: "W".into(),
            email: "a@example.com".into(),
            role,
        }
    }

    #[test]
    fn only_admins_pass() {
        assert!(require_admin(&user(Role::Admin)).is_ok());
        assert!(matches!(
            require_admin(&user(Role::Marketer)),
            Err(Error::Forbidden)
        ));
    }
}
