//! Entry point: parse the command line, set up logs, run the command.

use std::process::ExitCode;
use titan_server::background::start_worker;
use titan_server::cli::{Cli, Command, parse_email, parse_role, read_new_password};
use titan_server::{open_database, seed_demo, start, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = titan_server::cli::parse_or_exit();
    telemetry::init(&cli.config.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config;
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            if config.seed_demo {
                seed_demo(&db, &config).await.map_err(|e| e.to_string())?;
            }
            let running = start(db, &config, true).await.map_err(|e| e.to_string())?;
            running
                .wait()
                .await
                .map_err(|e| format!("server failed: {e}"))
        }
        Command::Worker => {
            let worker = start_worker(db, &config, true)
                .await
                .map_err(|e| e.to_string())?;
            worker
                .wait()
                .await
                .map_err(|e| format!("worker failed: {e}"))
        }
        Command::Migrate => {
            println!("migrations applied ({})", db.backend());
            Ok(())
        }
        Command::CreateUser {
            email,
            role,
            workspace,
            new_workspace,
        } => {
            let email = parse_email(&email)?;
            let role = parse_role(&role)?;
            // Checked before any workspace is made, so a refusal leaves nothing behind.
            let password = read_new_password()?;
            titan::accounts::password::check_new_password(&password)
                .map_err(|e| format!("{} {}", e.field, e.message))?;
            let workspace_id = match (workspace, new_workspace) {
                (Some(key), _) => titan::accounts::users::find_workspace(&db, &key)
                    .await
                    .map_err(|e| match e {
                        titan::Error::Invalid(fields) => format!(
                            "--workspace {}",
                            fields.get("workspace").unwrap_or("is not a workspace")
                        ),
                        other => other.to_string(),
                    })?,
                (None, Some(name)) => {
                    let name = titan::validation::required_text("new_workspace", &name, 120)
                        .map_err(|e| format!("--new-workspace {}", e.message))?;
                    titan::accounts::create_workspace(&db, &name, false)
                        .await
                        .map_err(|e| e.to_string())?
                }
                (None, None) => titan::accounts::users::default_workspace(&db)
                    .await
                    .map_err(|e| e.to_string())?,
            };
            let id = titan::accounts::create_user(
                &db,
                titan::accounts::NewUser {
                    workspace_id,
                    email: email.clone(),
                    password,
                    role,
                    is_demo: false,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("created {role} {email} (id {id}, workspace {workspace_id})");
            Ok(())
        }
        Command::SetPassword { email } => {
            let email = parse_email(&email)?;
            let password = read_new_password()?;
            titan::accounts::users::set_password(&db, &email, password)
                .await
                .map_err(|e| e.to_string())?;
            println!("password of {email} changed; every session of theirs has ended");
            Ok(())
        }
    }
}
