//! Accounts: users, password hashing, sign-in with failure rate limiting, and
//! ending a person's sessions.

pub mod limits;
pub mod login;
pub mod password;
pub mod sessions;
pub mod users;

pub use limits::LoginLimits;
pub use login::{SignIn, authenticate, confirm_password};
pub use password::PasswordChecks;
pub use sessions::end_sessions_of_user;
pub use users::{NewUser, create_user, create_workspace, find_session_user};
