//! Accounts: users, password hashing, sign-in with failure rate limiting, and a
//! workspace's admins managing its people.

pub mod access;
pub mod login;
pub mod password;
pub mod people;
pub mod tokens;
pub mod users;

pub use login::{LoginLimits, authenticate};
pub use users::{NewUser, create_user, create_workspace, find_session_user};
