//! Where media lives. Every process works on files under its media directory
//! (ffmpeg reads and writes files): `assets/` uploaded clips, `stills/` their
//! stills, `jobs/<id>/` a job's outputs (and `.work/` its scratch files),
//! `training/` uploaded CSVs, `tmp/` uploads in flight.
//!
//! By default that directory is also where media is kept for good, and one
//! machine serves it. With `TITAN_MEDIA_STORE=s3://…` ([`remote`]) the bucket is
//! the store every replica and worker shares, under the same relative names
//! (`assets/12.mp4`, `jobs/7/1x1.mp4`): a file made here is [`MediaStore::publish`]ed
//! before any row points at it, and a process that lacks a file it needs
//! [`MediaStore::materialize`]s it from the bucket. Stored files never change
//! under their name, so a local copy stays a valid cache.

pub mod remote;

use std::path::{Path, PathBuf};

use crate::outbound::OutboundError;
pub use remote::{Opened, Remote, Stored};

#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
    remote: Option<Remote>,
}

/// Why a file could not be kept, fetched or removed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Remote(#[from] OutboundError),
    /// A bug: a path outside the media directory was handed in.
    #[error("{0} is not under the media directory")]
    Outside(String),
}

impl MediaError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

impl MediaStore {
    /// Media kept in the local directory `root` only.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            remote: None,
        }
    }

    /// Media kept in `remote`, with `root` as this process's working copy.
    pub fn with_remote(mut self, remote: Remote) -> Self {
        self.remote = Some(remote);
        self
    }

    /// The shared bucket, when media is not kept locally.
    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_ref()
    }

    /// Where media is kept, for logs and `/readyz` (never credentials).
    pub fn shown(&self) -> String {
        match &self.remote {
            Some(remote) => remote.shown().to_owned(),
            None => format!("local directory {}", self.root.display()),
        }
    }

    /// The bucket key of `local`: its path under the media directory.
    pub fn key_of(&self, local: &Path) -> Result<String, MediaError> {
        let relative = local
            .strip_prefix(&self.root)
            .map_err(|_| MediaError::Outside(local.display().to_string()))?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| match c {
                std::path::Component::Normal(part) => Ok(part.to_string_lossy().into_owned()),
                _ => Err(MediaError::Outside(local.display().to_string())),
            })
            .collect::<Result<_, _>>()?;
        if parts.is_empty() {
            return Err(MediaError::Outside(local.display().to_string()));
        }
        Ok(parts.join("/"))
    }

    /// Keeps the finished file at `local` for every process: sends it to the
    /// bucket (a no-op when the media directory is the store).
    pub async fn publish(&self, local: &Path) -> Result<(), MediaError> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        let key = self.key_of(local)?;
        remote.upload(&key, local).await?;
        tracing::debug!(key, "media published");
        Ok(())
    }

    /// Makes sure `local` holds its stored file, fetching it from the bucket when
    /// this process has no copy; false when it is stored nowhere.
    pub async fn materialize(&self, local: &Path) -> Result<bool, MediaError> {
        if tokio::fs::try_exists(local)
            .await
            .map_err(|e| MediaError::io(local, e))?
        {
            return Ok(true);
        }
        let Some(remote) = &self.remote else {
            return Ok(false);
        };
        let key = self.key_of(local)?;
        let fetched = remote.download(&key, local).await?;
        if fetched {
            tracing::info!(key, "media fetched from object storage");
        }
        Ok(fetched)
    }

    /// Whether `local` is stored (here or in the bucket).
    pub async fn exists(&self, local: &Path) -> Result<bool, MediaError> {
        if tokio::fs::try_exists(local)
            .await
            .map_err(|e| MediaError::io(local, e))?
        {
            return Ok(true);
        }
        match &self.remote {
            Some(remote) => Ok(remote.exists(&self.key_of(local)?).await?),
            None => Ok(false),
        }
    }

    /// With a bucket, deletes this process's working copy of `dir` (the bucket
    /// keeps the files); without one, the directory is the store and stays.
    /// Used for job outputs: a job id can come back after a deletion (SQLite
    /// reuses the highest), so a copy must not outlive the render that made it.
    pub async fn drop_working_copy(&self, dir: &Path) -> Result<(), MediaError> {
        if self.remote.is_none() {
            return Ok(());
        }
        match tokio::fs::remove_dir_all(dir).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(MediaError::io(dir, e)),
        }
    }

    /// Deletes the file `local`, here and in the bucket.
    pub async fn remove(&self, local: &Path) -> Result<(), MediaError> {
        match tokio::fs::remove_file(local).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(MediaError::io(local, e)),
        }
        if let Some(remote) = &self.remote {
            remote.remove(&self.key_of(local)?).await?;
        }
        Ok(())
    }

    /// Deletes the directory `dir` and everything under it, here and in the bucket.
    pub async fn remove_dir(&self, dir: &Path) -> Result<(), MediaError> {
        match tokio::fs::remove_dir_all(dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(MediaError::io(dir, e)),
        }
        if let Some(remote) = &self.remote {
            remote.remove_prefix(&self.key_of(dir)?).await?;
        }
        Ok(())
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
