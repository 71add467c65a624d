//! Accounts: users, password hashing, sign-in with failure rate limiting, a
//! workspace's admins managing its people, and ending a person's sessions.

pub mod access;
pub mod actor;
pub mod changes;
pub mod limits;
pub mod login;
pub mod password;
pub mod people;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use actor::{Actor, KeyCaller};
pub use limits::LoginLimits;
pub use login::{SignIn, authenticate, confirm_password};
pub use password::PasswordChecks;
pub use sessions::end_sessions_of_user;
pub use users::{NewUser, create_user, create_workspace, find_session_user};
