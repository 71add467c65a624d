//! Uploaded source videos: their place reserved against the workspace's quotas,
//! probed, stored under the media directory, listed per workspace.

use crate::db::{Db, now};
use crate::domain::job::Asset;
use crate::error::{Error, Result};
use crate::on_pool;
use crate::quotas::Quotas;
use crate::render::MediaInfo;

#[derive(sqlx::FromRow)]
struct AssetRow {
    id: i64,
    original_name: String,
    bytes: i64,
    duration_secs: f64,
    width: i32,
    height: i32,
    has_audio: bool,
    created_at: time::OffsetDateTime,
}

impl From<AssetRow> for Asset {
    fn from(r: AssetRow) -> Self {
        Asset {
            id: r.id,
            original_name: r.original_name,
            bytes: r.bytes,
            duration_secs: r.duration_secs,
            width: r.width,
            height: r.height,
            has_audio: r.has_audio,
            created_at: r.created_at,
        }
    }
}

/// An upload whose place is to be taken before it is checked.
pub struct NewUpload<'a> {
    pub workspace_id: i64,
    pub owner_id: i64,
    pub original_name: &'a str,
    pub bytes: i64,
}

/// A reservation older than this belongs to an upload that never finished (the
/// server stopped half-way): it no longer counts and is removed.
const STALE_RESERVATION: time::Duration = time::Duration::hours(6);

/// Takes an upload's place in its workspace's quotas: under the workspace's quota
/// lock, counts its clips of the last hour and its stored bytes, and either
/// refuses ([`Error::QuotaExceeded`], nothing written) or records the upload as a
/// row without a file, which counts from now on and is listed nowhere. The caller
/// checks the file and then calls [`complete`], or [`delete`] when it refuses it.
pub async fn reserve(db: &Db, quotas: &Quotas, upload: &NewUpload<'_>) -> Result<i64> {
    let at = now();
    let id = crate::in_quota_transaction!(db, upload.workspace_id, tx => {
        sqlx::query("DELETE FROM assets WHERE workspace_id = $1 AND file = '' AND created_at < $2")
            .bind(upload.workspace_id)
            .bind(at - STALE_RESERVATION)
            .execute(&mut *tx)
            .await?;
        let (recent, oldest): (i64, Option<time::OffsetDateTime>) =
            sqlx::query_as(crate::quotas::RECENT_UPLOADS)
                .bind(upload.workspace_id)
                .bind(crate::quotas::hour_ago())
                .fetch_one(&mut *tx)
                .await?;
        if recent >= quotas.uploads_per_hour {
            return Err(crate::quotas::hourly_full(recent, oldest));
        }
        let stored: i64 = sqlx::query_scalar(crate::quotas::STORED_BYTES)
            .bind(upload.workspace_id)
            .fetch_one(&mut *tx)
            .await?;
        if stored.saturating_add(upload.bytes) > quotas.media_bytes {
            return Err(crate::quotas::bytes_full(stored, quotas));
        }
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO assets (workspace_id, owner_id, original_name, file, bytes, duration_secs, \
             width, height, has_audio, created_at) VALUES ($1, $2, $3, '', $4, 0, 0, 0, FALSE, $5) RETURNING id",
        )
        .bind(upload.workspace_id)
        .bind(upload.owner_id)
        .bind(upload.original_name)
        .bind(upload.bytes)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?
    });
    Ok(id)
}

/// Completes reservation `id` with what the probe found and where its file now
/// lives (relative to the media directory); from now on it is listed.
pub async fn complete(db: &Db, id: i64, info: &MediaInfo, file: &str) -> Result<()> {
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE assets SET duration_secs = $1, width = $2, height = $3, has_audio = $4, file = $5 \
             WHERE id = $6",
        )
        .bind(info.duration)
        .bind(info.width as i32)
        .bind(info.height as i32)
        .bind(info.has_audio)
        .bind(file)
        .bind(id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// A probed clip to record directly (the demo workspace's own videos, which no
/// quota limits).
pub struct NewAsset<'a> {
    pub workspace_id: i64,
    pub owner_id: i64,
    pub original_name: &'a str,
    pub bytes: i64,
    pub info: &'a MediaInfo,
}

/// Inserts the asset row with a placeholder file name and returns its id; the
/// caller moves the file into place and then calls [`set_file`].
pub async fn insert(db: &Db, asset: &NewAsset<'_>) -> Result<i64> {
    Ok(on_pool!(db, pool => sqlx::query_scalar::<_, i64>(
        "INSERT INTO assets (workspace_id, owner_id, original_name, file, bytes, duration_secs, \
         width, height, has_audio, created_at) VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(asset.workspace_id)
    .bind(asset.owner_id)
    .bind(asset.original_name)
    .bind(asset.bytes)
    .bind(asset.info.duration)
    .bind(asset.info.width as i32)
    .bind(asset.info.height as i32)
    .bind(asset.info.has_audio)
    .bind(now())
    .fetch_one(pool)
    .await?))
}

/// Records where the asset's file lives, relative to the media directory.
pub async fn set_file(db: &Db, id: i64, file: &str) -> Result<()> {
    on_pool!(db, pool => {
        sqlx::query("UPDATE assets SET file = $1 WHERE id = $2")
            .bind(file)
            .bind(id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Removes an asset row (a refused or failed upload's reservation).
pub async fn delete(db: &Db, id: i64) -> Result<()> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM assets WHERE id = $1").bind(id).execute(pool).await?;
    });
    Ok(())
}

/// One page of the assets of a workspace, newest first (index
/// `assets_workspace_idx`).
pub async fn list(
    db: &Db,
    workspace_id: i64,
    page: crate::domain::page::PageRequest,
) -> Result<Vec<Asset>> {
    let rows = on_pool!(db, pool => sqlx::query_as::<_, AssetRow>(
        "SELECT id, original_name, bytes, duration_secs, width, height, has_audio, created_at \
         FROM assets WHERE workspace_id = $1 AND file <> '' ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(workspace_id)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?);
    Ok(rows.into_iter().map(Asset::from).collect())
}

/// One asset of a workspace with its stored file name.
pub async fn get(db: &Db, workspace_id: i64, id: i64) -> Result<(Asset, String)> {
    #[derive(sqlx::FromRow)]
    struct WithFile {
        #[sqlx(flatten)]
        asset: AssetRow,
        file: String,
    }
    let row = on_pool!(db, pool => sqlx::query_as::<_, WithFile>(
        "SELECT id, original_name, bytes, duration_secs, width, height, has_audio, created_at, file \
         FROM assets WHERE workspace_id = $1 AND id = $2 AND file <> ''",
    )
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(pool)
    .await?);
    let row = row.ok_or(Error::NotFound("asset"))?;
    Ok((row.asset.into(), row.file))
}
