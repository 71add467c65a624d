//! Where media files live under the media directory:
//! `assets/` uploaded sources, `jobs/<id>/` a job's outputs (and `.work/` its
//! scratch files), `tmp/` uploads in flight.

use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct MediaDirs {
    root: PathBuf,
}

impl MediaDirs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the directories if they are missing.
    pub fn ensure(&self) -> std::io::Result<()> {
        for dir in [
            self.assets(),
            self.stills(),
            self.root.join("jobs"),
            self.tmp(),
            self.training(),
        ] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn assets(&self) -> PathBuf {
        self.root.join("assets")
    }

    /// Stills of uploaded clips, named after the clip's file.
    pub fn stills(&self) -> PathBuf {
        self.root.join("stills")
    }

    /// The still of the asset stored as `file`.
    pub fn still_path(&self, file: &str) -> PathBuf {
        self.stills()
            .join(crate::render::thumbnail::still_name(file))
    }

    /// Uploaded training data (CSV exports).
    pub fn training(&self) -> PathBuf {
        self.root.join("training")
    }

    pub fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Output directory of job `id`.
    pub fn job_dir(&self, id: i64) -> PathBuf {
        self.root.join("jobs").join(id.to_string())
    }

    /// Scratch directory of job `id` (text files for drawtext).
    pub fn job_work_dir(&self, id: i64) -> PathBuf {
        self.job_dir(id).join(".work")
    }

    /// Absolute path of a stored asset file (relative name as kept in the row).
    pub fn asset_path(&self, file: &str) -> PathBuf {
        self.assets().join(file)
    }
}
