//! The command line: `serve` (default) and operator commands.

use crate::config::Config;
use clap::error::{ContextKind, ContextValue};
use clap::{CommandFactory, Parser, Subcommand};
use std::io::BufRead;
use titan::domain::{Email, Role};

#[derive(Parser, Debug)]
#[command(
    name = "titan-server",
    version,
    about = "Titan: score, test and render video ads"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application (the default), with a job worker unless
    /// TITAN_WORKER=false.
    Serve,
    /// Run jobs and schedules only: no web application, and on TITAN_ADDR only
    /// /healthz, /readyz and /metrics. Run beside web processes started with
    /// TITAN_WORKER=false, on the same database and media storage.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an account. The password is read from TITAN_NEW_PASSWORD, or from the
    /// first line of standard input, never from the command line.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "marketer"])]
        role: String,
        /// An existing workspace to add the account to, by id or by name. Without
        /// it (and without --new-workspace): the first non-demo workspace,
        /// created if there is none.
        #[arg(long, conflicts_with = "new_workspace")]
        workspace: Option<String>,
        /// Create a new workspace with this name for the account.
        #[arg(long)]
        new_workspace: Option<String>,
    },
    /// Set a new password for an account (same password input as create-user).
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

/// Reads a new password from TITAN_NEW_PASSWORD or stdin.
pub fn read_new_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("TITAN_NEW_PASSWORD") {
        return Ok(password);
    }
    eprintln!("Password (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub fn parse_email(email: &str) -> Result<Email, String> {
    Email::parse(email).map_err(|e| format!("--email {}", e.message))
}

pub fn parse_role(role: &str) -> Result<Role, String> {
    Role::parse(role).map_err(|e| format!("--role {}", e.message))
}

/// Parses the command line and environment. A bad value stops here with a message
/// that names the environment variable it came from (clap alone names only the
/// flag), e.g. `TITAN_DB_MAX_CONNECTIONS (--db-max-connections): 0 is not in 1..=1000`.
pub fn parse_or_exit() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            if let Some(variable) = env_name_of(&error) {
                eprintln!(
                    "error: invalid setting {variable}: {}",
                    error.to_string().trim_start_matches("error: ").trim()
                );
                std::process::exit(2);
            }
            error.exit()
        }
    }
}

/// The environment variable behind the argument a clap error is about.
fn env_name_of(error: &clap::Error) -> Option<String> {
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.split_whitespace().next()?.trim_start_matches("--");
    let command = Cli::command();
    let found = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))?;
    found.get_env().map(|e| e.to_string_lossy().into_owned())
}
