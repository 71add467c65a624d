//! The demo workspace's sign-in details on disk (`data/demo-credentials.txt`
//! beside the SQLite file): readable by the file's owner only, from the moment it
//! exists, and printed once, when created. Later starts say where the file is,
//! never what it holds, so logs and terminals keep no password.

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path`, created with mode 0600 (never readable by others, not
/// even for a moment); an existing file is narrowed to 0600 before it is written.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    make_private(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Narrows `path` to its owner (a file written by an older Titan was 0644).
#[cfg(unix)]
pub fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
pub fn make_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// What a later start prints: where the details are, not the details.
pub fn later_start_notice(path: &Path) -> String {
    format!(
        "Demo sign-in details are in {} (from the first start; reset with `titan-server set-password`).",
        path.display()
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_file_is_owner_only_new_or_old() {
        let dir = tempfile::TempDir::new().unwrap();
        let fresh = dir.path().join("demo-credentials.txt");
        write_private(&fresh, "admin / secret-password\n").unwrap();
        assert_eq!(mode(&fresh), 0o600);
        assert_eq!(
            std::fs::read_to_string(&fresh).unwrap(),
            "admin / secret-password\n"
        );

        let old = dir.path().join("old.txt");
        std::fs::write(&old, "x").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&old, "new").unwrap();
        assert_eq!(mode(&old), 0o600);
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        make_private(&old).unwrap();
        assert_eq!(mode(&old), 0o600);
    }

    #[test]
    fn a_later_start_does_not_print_the_password() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("demo-credentials.txt");
        write_private(&file, "admin / secret-password\n").unwrap();
        let notice = later_start_notice(&file);
        assert!(!notice.contains("secret-password"), "{notice}");
        assert!(notice.contains("demo-credentials.txt"));
    }
}
