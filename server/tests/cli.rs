//! The binary's start-up checks and operator commands.

use std::process::Command;

fn titan(env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_titan-server"))
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("run titan-server")
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_variable() {
    for (name, value) in [
        ("TITAN_DB_MAX_CONNECTIONS", "0"),
        ("TITAN_ADDR", "not-an-address"),
        ("TITAN_TLS", "maybe"),
        ("TITAN_LOG_FORMAT", "xml"),
    ] {
        let out = titan(&[(name, value)], &["migrate"]);
        assert!(!out.status.success(), "{name}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

#[test]
fn create_user_checks_its_input_and_an_unusable_database_url_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("cli.db").display());
    let env = [
        ("DATABASE_URL", db.as_str()),
        ("TITAN_NEW_PASSWORD", "long enough password"),
    ];
    let bad_email = titan(
        &env,
        &["create-user", "--email", "nobody", "--role", "admin"],
    );
    assert!(!bad_email.status.success());
    assert!(String::from_utf8_lossy(&bad_email.stderr).contains("--email"));

    let short = titan(
        &[
            ("DATABASE_URL", db.as_str()),
            ("TITAN_NEW_PASSWORD", "short"),
        ],
        &["create-user", "--email", "a@example.com", "--role", "admin"],
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));

    let ok = titan(
        &env,
        &["create-user", "--email", "a@example.com", "--role", "admin"],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let again = titan(
        &env,
        &[
            "create-user",
            "--email",
            "A@example.com",
            "--role",
            "marketer",
        ],
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already registered"));

    let bad_url = titan(&[("DATABASE_URL", "mysql://x")], &["migrate"]);
    assert!(!bad_url.status.success());
    assert!(String::from_utf8_lossy(&bad_url.stderr).contains("DATABASE_URL"));
}

/// The workspace id `create-user` reports in "created … (id N, workspace W)".
fn workspace_of(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .rsplit_once("workspace ")
        .map(|(_, w)| w.trim().trim_end_matches(')').to_owned())
        .unwrap_or_else(|| panic!("no workspace in {stdout}"))
}

#[test]
fn create_user_adds_to_an_existing_workspace_by_id_or_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("cli.db").display());
    let env = [
        ("DATABASE_URL", db.as_str()),
        ("TITAN_NEW_PASSWORD", "long enough password"),
    ];
    let create = |email: &str, extra: &[&str]| {
        let mut args = vec!["create-user", "--email", email, "--role", "marketer"];
        args.extend_from_slice(extra);
        titan(&env, &args)
    };
    let first = workspace_of(&create("a@example.com", &[]));
    let tenant = workspace_of(&create("b@example.com", &["--new-workspace", "Tenant B"]));
    assert_ne!(first, tenant, "--new-workspace makes a workspace");
    assert_eq!(
        workspace_of(&create("c@example.com", &["--workspace", "Tenant B"])),
        tenant,
        "by name"
    );
    assert_eq!(
        workspace_of(&create("d@example.com", &["--workspace", &tenant])),
        tenant,
        "by id"
    );

    // An unknown workspace is named, and nothing is created.
    let unknown = create("e@example.com", &["--workspace", "Nobody's"]);
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("--workspace"), "{stderr}");
    let again = workspace_of(&create("e@example.com", &["--workspace", &first]));
    assert_eq!(again, first, "e@ was not created by the refused attempt");

    // Two workspaces of one name: the name is ambiguous, the id is not.
    workspace_of(&create("f@example.com", &["--new-workspace", "Tenant B"]));
    let ambiguous = create("g@example.com", &["--workspace", "Tenant B"]);
    assert!(!ambiguous.status.success());
    assert!(String::from_utf8_lossy(&ambiguous.stderr).contains("give its id"));

    // Both at once is a usage error.
    let both = create(
        "h@example.com",
        &["--workspace", &first, "--new-workspace", "X"],
    );
    assert!(!both.status.success());
}
