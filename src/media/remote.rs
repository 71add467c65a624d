//! Media on an S3-protocol service (`TITAN_MEDIA_STORE=s3://bucket/prefix`).
//!
//! A dependency like any other (see [`crate::outbound`]): one pooled client
//! (object_store's, built on reqwest) with connect and total timeouts, two retries
//! within 30 s, a circuit breaker, and failures that name "object storage" and end
//! on the job row or in the answer. Credentials, endpoint and region come from the
//! usual `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP` for a plain-HTTP
//! endpoint on loopback).

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{
    ClientConfigKey, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::outbound::{Breaker, OutboundError};

const DEPENDENCY: &str = "object storage";
/// How long the breaker refuses calls after the service failed repeatedly.
const OPEN_FOR: Duration = Duration::from_secs(15);
/// Longest any one request may take, body included (a whole render output).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a lookup, a delete or the start of a read may take: a request
/// waiting on the bucket, or `/readyz`, must not hang for the request timeout.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// The object `/readyz` looks up (and writes once).
const READINESS_KEY: &str = ".titan-readiness";
/// Files up to this size go up in one request; larger ones in parts of this size.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight at once during an upload.
const PARTS_IN_FLIGHT: usize = 4;

/// A handle on the bucket, cheap to clone.
#[derive(Clone)]
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    shown: String,
    breaker: Breaker,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("at", &self.shown)
            .finish_non_exhaustive()
    }
}

/// What a lookup says about one stored object.
#[derive(Clone, Debug)]
pub struct Stored {
    pub size: u64,
    pub e_tag: Option<String>,
    pub last_modified: time::OffsetDateTime,
}

/// One stored object opened for reading (all of it or a range).
pub struct Opened {
    /// The bytes `stream` yields.
    pub range: Range<u64>,
    pub stream: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

impl Remote {
    /// The bucket named by `url` (`s3://bucket` or `s3://bucket/prefix`); nothing
    /// is called yet.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("TITAN_MEDIA_STORE: {e}"))?;
        if parsed.scheme() != "s3" {
            return Err(format!(
                "TITAN_MEDIA_STORE: `{}` is not supported; use s3://bucket/prefix",
                parsed.scheme()
            ));
        }
        let bucket = parsed
            .host_str()
            .filter(|b| !b.is_empty())
            .ok_or("TITAN_MEDIA_STORE: the URL names no bucket (s3://bucket/prefix)")?;
        let prefix = parsed.path().trim_matches('/').to_owned();
        let retry = RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(30),
            ..RetryConfig::default()
        };
        // Timeouts as settings, not a fresh `ClientOptions`: that would drop the
        // client settings `from_env` read (AWS_ALLOW_HTTP among them).
        let client = |key, value: Duration| {
            (
                AmazonS3ConfigKey::Client(key),
                format!("{}ms", value.as_millis()),
            )
        };
        let mut builder = AmazonS3Builder::from_env();
        for (key, value) in [
            client(ClientConfigKey::ConnectTimeout, CONNECT_TIMEOUT),
            client(ClientConfigKey::Timeout, REQUEST_TIMEOUT),
        ] {
            builder = builder.with_config(key, value);
        }
        let s3 = builder
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map_err(|e| format!("TITAN_MEDIA_STORE: {e}"))?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix.as_str()))
        };
        Ok(Self {
            store,
            shown: format!("s3://{bucket}/{prefix}"),
            breaker: Breaker::new(DEPENDENCY, OPEN_FOR),
        })
    }

    /// The bucket and prefix (never credentials).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// Runs one call under the breaker within `limit`. `NotFound` is an answer
    /// (`None`) for a read, a lookup or a delete; for a write it means the bucket
    /// or the upload is gone, a failure like any other. The error people see
    /// names the call and the key; the service's own words go to the log only
    /// (they carry the endpoint and, for a refused signature, the key id).
    async fn call<T>(
        &self,
        what: &'static str,
        key: &str,
        limit: Duration,
        call: impl Future<Output = object_store::Result<T>>,
    ) -> Result<Option<T>, OutboundError> {
        if !self.breaker.permit() {
            return Err(OutboundError::Open {
                dependency: DEPENDENCY,
                retry_secs: OPEN_FOR.as_secs(),
            });
        }
        let outcome = match tokio::time::timeout(limit, call).await {
            Ok(outcome) => outcome,
            Err(_) => {
                self.breaker.record(false);
                tracing::warn!(store = %self.shown, key, "object storage {what} took over {limit:?}");
                return Err(OutboundError::Timeout {
                    dependency: DEPENDENCY,
                    secs: limit.as_secs(),
                });
            }
        };
        match outcome {
            Ok(value) => {
                self.breaker.record(true);
                Ok(Some(value))
            }
            Err(object_store::Error::NotFound { .. }) if what != "upload" => {
                self.breaker.record(true);
                Ok(None)
            }
            Err(e) => {
                self.breaker.record(false);
                tracing::warn!(store = %self.shown, key, error = %e, "object storage {what} failed");
                Err(OutboundError::Transport {
                    dependency: DEPENDENCY,
                    message: format!("{what} of {key} failed (the log has the details)"),
                })
            }
        }
    }

    /// Sends the file at `local` to `key`, replacing what was there.
    pub async fn upload(&self, key: &str, local: &Path) -> Result<(), OutboundError> {
        let location = Key::from(key);
        let local_error = |e: std::io::Error| {
            tracing::error!(path = %local.display(), error = %e, "file not readable for upload");
            OutboundError::Transport {
                dependency: DEPENDENCY,
                message: format!("upload of {key} failed: the file could not be read"),
            }
        };
        let mut file = tokio::fs::File::open(local).await.map_err(local_error)?;
        let size = file.metadata().await.map_err(local_error)?.len();
        if size <= PART_BYTES as u64 {
            let mut body = Vec::with_capacity(size as usize);
            file.read_to_end(&mut body).await.map_err(local_error)?;
            self.call(
                "upload",
                key,
                REQUEST_TIMEOUT,
                self.store.put(&location, body.into()),
            )
            .await?;
            return Ok(());
        }
        let Some(upload) = self
            .call(
                "upload",
                key,
                LOOKUP_TIMEOUT,
                self.store.put_multipart(&location),
            )
            .await?
        else {
            return Err(OutboundError::Transport {
                dependency: DEPENDENCY,
                message: format!("upload of {key} could not start"),
            });
        };
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buffer = vec![0u8; 1024 * 1024];
        // The parts' outcome is counted once, by `finish` (or the failure here).
        let sent: Result<(), OutboundError> = async {
            loop {
                let read = file.read(&mut buffer).await.map_err(local_error)?;
                if read == 0 {
                    return Ok(());
                }
                if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                    self.breaker.record(false);
                    tracing::warn!(store = %self.shown, key, error = %e, "object storage upload failed");
                    return Err(OutboundError::Transport {
                        dependency: DEPENDENCY,
                        message: format!("upload of {key} failed (the log has the details)"),
                    });
                }
                writer.write(&buffer[..read]);
            }
        }
        .await;
        match sent {
            Ok(()) => {
                self.call("upload", key, REQUEST_TIMEOUT, writer.finish())
                    .await?;
                Ok(())
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(key, error = %abort, "unfinished upload not aborted");
                }
                Err(e)
            }
        }
    }

    /// Writes `key` to `local` (through a temporary file beside it, so a reader
    /// never sees half a file); false when the bucket has no such object.
    pub async fn download(&self, key: &str, local: &Path) -> Result<bool, OutboundError> {
        let Some(found) = self
            .call(
                "download",
                key,
                LOOKUP_TIMEOUT,
                self.store.get(&Key::from(key)),
            )
            .await?
        else {
            return Ok(false);
        };
        let part = local.with_file_name(format!(
            ".{}.{}.part",
            local.file_name().unwrap_or_default().to_string_lossy(),
            ulid::Ulid::generate()
        ));
        let written = async {
            if let Some(dir) = part.parent() {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| (false, e))?;
            }
            let mut out = tokio::fs::File::create(&part)
                .await
                .map_err(|e| (false, e))?;
            let mut stream = found.into_stream();
            while let Some(chunk) = stream.next().await {
                // A broken body is the bucket's failure; a failed write, ours.
                let chunk = chunk.map_err(|e| (true, std::io::Error::other(e)))?;
                out.write_all(&chunk).await.map_err(|e| (false, e))?;
            }
            out.flush().await.map_err(|e| (false, e))?;
            out.sync_all().await.map_err(|e| (false, e))?;
            tokio::fs::rename(&part, local)
                .await
                .map_err(|e| (false, e))
        }
        .await;
        if let Err((remote, e)) = written {
            if let Err(cleanup) = tokio::fs::remove_file(&part).await
                && cleanup.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %part.display(), error = %cleanup, "partial download not removed");
            }
            if remote {
                self.breaker.record(false);
            }
            tracing::error!(key, path = %local.display(), error = %e, "download from object storage failed");
            return Err(OutboundError::Transport {
                dependency: DEPENDENCY,
                message: format!("download of {key} failed (the log has the details)"),
            });
        }
        Ok(true)
    }

    /// Whether `key` is stored.
    pub async fn exists(&self, key: &str) -> Result<bool, OutboundError> {
        Ok(self.head(key).await?.is_some())
    }

    /// What is stored at `key`, or `None` when nothing is.
    pub async fn head(&self, key: &str) -> Result<Option<Stored>, OutboundError> {
        let found = self
            .call(
                "lookup",
                key,
                LOOKUP_TIMEOUT,
                self.store.head(&Key::from(key)),
            )
            .await?;
        Ok(found.map(|meta| Stored {
            size: meta.size,
            e_tag: meta.e_tag,
            last_modified: time::OffsetDateTime::from_unix_timestamp(
                meta.last_modified.timestamp(),
            )
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        }))
    }

    /// Whether the bucket answers and takes writes (for `/readyz`): a lookup of
    /// a marker object, written when missing. A missing bucket fails the write.
    pub async fn check(&self) -> Result<(), OutboundError> {
        if self.exists(READINESS_KEY).await? {
            return Ok(());
        }
        self.call(
            "upload",
            READINESS_KEY,
            LOOKUP_TIMEOUT,
            self.store
                .put(&Key::from(READINESS_KEY), Bytes::from_static(b"ok").into()),
        )
        .await
        .map(drop)
    }

    /// Deletes `key`; a missing object is already deleted.
    pub async fn remove(&self, key: &str) -> Result<(), OutboundError> {
        self.call(
            "delete",
            key,
            LOOKUP_TIMEOUT,
            self.store.delete(&Key::from(key)),
        )
        .await
        .map(drop)
    }

    /// Deletes every object under `prefix/`.
    pub async fn remove_prefix(&self, prefix: &str) -> Result<(), OutboundError> {
        let location = Key::from(prefix);
        let listed = self
            .call("listing", prefix, LOOKUP_TIMEOUT, async {
                let mut keys = Vec::new();
                let mut stream = self.store.list(Some(&location));
                while let Some(meta) = stream.next().await {
                    keys.push(meta?.location);
                }
                Ok(keys)
            })
            .await?
            .unwrap_or_default();
        for key in listed {
            self.remove(key.as_ref()).await?;
        }
        Ok(())
    }

    /// Opens `key` for reading: `range` (start inclusive, end exclusive, within
    /// the object) or all of it; `None` when the object is missing. The answer
    /// must start within the lookup timeout; the body may take the request's.
    pub async fn open(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<Option<Opened>, OutboundError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let Some(found) = self
            .call(
                "read",
                key,
                LOOKUP_TIMEOUT,
                self.store.get_opts(&Key::from(key), options),
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Opened {
            range: found.range.clone(),
            stream: found
                .into_stream()
                .map(|chunk| chunk.map_err(std::io::Error::other))
                .boxed(),
        }))
    }
}
