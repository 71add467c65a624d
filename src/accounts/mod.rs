//! Accounts: users, password hashing, sign-in with failure rate limiting.

pub mod access;
pub mod login;
pub mod password;
pub mod users;

pub use login::{LoginLimits, authenticate};
pub use users::{NewUser, create_user, create_workspace, find_session_user};
