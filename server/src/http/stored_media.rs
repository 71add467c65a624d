//! Serving a media file to the browser, whichever process asks: this process's
//! copy when it has one (tower-http's `ServeFile`, with Range and conditional
//! requests), otherwise streamed from object storage with the same byte range,
//! so every replica plays every output without copying whole videos around.

use std::ops::Range;
use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use titan::media::{MediaStore, Stored};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// Where a file is read from when media is kept in a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// This process's copy when it has one: files whose name never changes
    /// meaning (clips, their stills).
    CopyFirst,
    /// Always the bucket: job outputs, whose directory name (the job id) can
    /// come back after a deletion.
    Bucket,
}

/// Serves `local` (a path under the media directory) for `request`; `what`
/// names the file in logs and messages.
pub async fn serve(
    media: &MediaStore,
    local: &Path,
    source: Source,
    request: Request,
    what: &str,
) -> Response {
    let remote = match media.remote() {
        Some(remote)
            if source == Source::Bucket || !tokio::fs::try_exists(local).await.unwrap_or(false) =>
        {
            remote
        }
        _ => return serve_local(local, request, what).await,
    };
    let key = match media.key_of(local) {
        Ok(key) => key,
        Err(e) => {
            tracing::error!(error = %e, "media path outside the media directory");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be read.",
            )
                .into_response();
        }
    };
    let unavailable = |e: &dyn std::fmt::Display| {
        tracing::error!(key, error = %e, "{what} could not be read from object storage");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            "The file store is not answering; try again in a moment.",
        )
            .into_response()
    };
    let stored = match remote.head(&key).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return (StatusCode::NOT_FOUND, "No such file.").into_response(),
        Err(e) => return unavailable(&e),
    };
    if let (Some(tag), Some(asked)) = (&stored.e_tag, request.headers().get(header::IF_NONE_MATCH))
        && asked.as_bytes() == tag.as_bytes()
    {
        let mut headers = HeaderMap::new();
        describe(&mut headers, local, &stored, 0..stored.size);
        headers.remove(header::CONTENT_LENGTH);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let size = stored.size;
    let asked = match request.headers().get(header::RANGE) {
        Some(value) => parse_range(value.to_str().unwrap_or_default(), size),
        None => Asked::Whole,
    };
    let range = match asked {
        Asked::Whole => None,
        Asked::Part(range) => Some(range),
        Asked::Unsatisfiable => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response();
        }
    };
    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let sent = range.clone().unwrap_or(0..size);
    let mut headers = HeaderMap::new();
    describe(&mut headers, local, &stored, sent.clone());
    if range.is_some() {
        let value = format!("bytes {}-{}/{size}", sent.start, sent.end.saturating_sub(1));
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(header::CONTENT_RANGE, value);
        }
    }
    // A HEAD learns everything from the lookup: no read is started.
    let body = if request.method() == axum::http::Method::HEAD || sent.is_empty() {
        Body::empty()
    } else {
        match remote.open(&key, range).await {
            Ok(Some(opened)) if opened.range == sent => Body::from_stream(opened.stream),
            Ok(Some(opened)) => {
                // Replaced between the lookup and the read: the lengths would lie.
                tracing::warn!(key, expected = ?sent, got = ?opened.range, "stored file changed while served");
                return unavailable(&"the file changed while it was read");
            }
            Ok(None) => return (StatusCode::NOT_FOUND, "No such file.").into_response(),
            Err(e) => return unavailable(&e),
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The headers a stored file is sent with: type, length of `sent`, validators.
fn describe(headers: &mut HeaderMap, local: &Path, stored: &Stored, sent: Range<u64>) {
    let mime = mime_guess::from_path(local).first_or_octet_stream();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(sent.end - sent.start),
    );
    if let Some(value) = stored
        .e_tag
        .as_deref()
        .and_then(|tag| HeaderValue::from_str(tag).ok())
    {
        headers.insert(header::ETAG, value);
    }
    let modified = std::time::SystemTime::from(stored.last_modified);
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(modified)) {
        headers.insert(header::LAST_MODIFIED, value);
    }
}

async fn serve_local(local: &Path, request: Request, what: &str) -> Response {
    match ServeFile::new(local).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(e) => {
            tracing::error!(path = %local.display(), error = %e, "{what} could not be served");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be read.",
            )
                .into_response()
        }
    }
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    /// No usable range (absent, malformed, several ranges): the whole file, 200.
    Whole,
    /// One range, end exclusive, within the file.
    Part(Range<u64>),
    /// A well-formed range that lies past the end: 416.
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n`; anything else is ignored, as
/// RFC 9110 allows (several ranges are served as the whole file).
fn parse_range(value: &str, size: u64) -> Asked {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Asked::Whole;
    };
    if spec.contains(',') {
        return Asked::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Asked::Whole;
    };
    let number = |s: &str| {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse::<u64>().ok()
        }
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // Suffix: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                Asked::Unsatisfiable
            } else {
                Asked::Part(size.saturating_sub(n)..size)
            }
        }
        (false, Some(start), end) if last.trim().is_empty() || end.is_some() => {
            if start >= size {
                return Asked::Unsatisfiable;
            }
            match end {
                Some(end) if end < start => Asked::Whole,
                Some(end) => Asked::Part(start..end.saturating_add(1).min(size)),
                None => Asked::Part(start..size),
            }
        }
        _ => Asked::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_a_browser_sends() {
        assert_eq!(parse_range("bytes=0-", 100), Asked::Part(0..100));
        assert_eq!(parse_range("bytes=10-19", 100), Asked::Part(10..20));
        assert_eq!(parse_range("bytes=90-500", 100), Asked::Part(90..100));
        assert_eq!(parse_range("bytes=-10", 100), Asked::Part(90..100));
        assert_eq!(parse_range("bytes=-500", 100), Asked::Part(0..100));
        assert_eq!(parse_range("bytes=99-99", 100), Asked::Part(99..100));
    }

    #[test]
    fn ranges_past_the_end_are_refused() {
        assert_eq!(parse_range("bytes=100-", 100), Asked::Unsatisfiable);
        assert_eq!(parse_range("bytes=100-200", 100), Asked::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Asked::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Asked::Unsatisfiable);
    }

    #[test]
    fn hostile_or_unsupported_ranges_get_the_whole_file() {
        for value in [
            "",
            "bytes=",
            "bytes=-",
            "items=0-1",
            "bytes=0-1,5-6",
            "bytes=5-1",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=1-+2",
            "bytes=99999999999999999999999-",
            "bytes=1--2",
            "bytes=\u{0}-1",
        ] {
            assert_eq!(parse_range(value, 100), Asked::Whole, "{value:?}");
        }
    }
}
