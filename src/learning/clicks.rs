//! Tracking links and what the landing-page snippet reports. A click through
//! `/t/{token}` is recorded (creative, platform click id, UTM, user agent, IP as
//! the workspace stores it) and answered with a redirect to the creative's own
//! landing URL, Titan's click id appended as `tclid`. Only a URL stored on the
//! creative is ever a target, so the link cannot be turned into an open redirect.

use crate::db::Db;
use crate::domain::learning::IpStorage;
use crate::error::{Error, Result};
use crate::on_pool;
use crate::validation::FieldError;
use std::net::IpAddr;
use url::Url;

/// Query parameter that carries Titan's click id to the landing page.
pub const CLICK_PARAM: &str = "tclid";
/// Longest landing URL accepted.
pub const MAX_URL: usize = 2000;
/// Longest user agent, UTM value or identifier kept.
const MAX_TEXT: usize = 512;
/// UTM parameters kept from the tracking link.
const UTM_KEYS: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
];
/// Ad platforms' click ids, in the order they are looked for.
pub const PLATFORM_IDS: [(&str, &str); 3] = [
    ("fbclid", "meta"),
    ("gclid", "google"),
    ("ttclid", "tiktok"),
];

/// Checks a landing URL typed by a person: http or https, a host, no user info.
pub fn parse_landing_url(text: &str) -> std::result::Result<String, FieldError> {
    let field = "landing_url";
    let text = text.trim();
    if text.chars().count() > MAX_URL {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_URL} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(FieldError::new(
            field,
            "must not contain spaces or control characters",
        ));
    }
    let url =
        Url::parse(text).map_err(|e| FieldError::new(field, format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FieldError::new(
            field,
            "must start with http:// or https://",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FieldError::new(field, "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new(
            field,
            "must not contain a user name or password",
        ));
    }
    Ok(url.to_string())
}

/// The landing URL with `tclid` set to `click_token` (replacing any given one).
pub fn redirect_target(landing_url: &str, click_token: &str) -> Option<String> {
    let mut url = Url::parse(landing_url).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != CLICK_PARAM)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(CLICK_PARAM, click_token);
    Some(url.to_string())
}

/// The origin (scheme://host:port) of a landing URL, as browsers send `Origin`.
pub fn origin_of(landing_url: &str) -> Option<String> {
    Url::parse(landing_url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

fn clip(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

/// What a click carries, taken from the request.
#[derive(Clone, Debug, Default)]
pub struct ClickRequest {
    /// The tracking link's query parameters.
    pub query: Vec<(String, String)>,
    pub user_agent: String,
    pub ip: Option<IpAddr>,
}

/// A tracking link's creative.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TrackedCreative {
    pub id: i64,
    pub workspace_id: i64,
    pub landing_url: String,
}

/// The creative behind a tracking token, if it has a landing URL.
pub async fn creative_of(db: &Db, token: &str) -> Result<Option<TrackedCreative>> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT id, workspace_id, landing_url FROM creatives \
         WHERE tracking_token = $1 AND landing_url IS NOT NULL",
    )
    .bind(token)
    .fetch_optional(pool)
    .await)?)
}

/// A new click id: 128 random bits as hex (public, unguessable).
pub fn new_click_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    crate::accounts::tokens::to_hex(&bytes)
}

/// A click as stored.
#[derive(Clone, Debug)]
pub struct NewClick {
    pub workspace_id: i64,
    pub creative_id: i64,
    pub token: String,
    pub platform: Option<&'static str>,
    pub platform_click_id: Option<String>,
    pub utm: String,
    pub user_agent: String,
    pub ip: String,
    pub occurred_at: i64,
}

/// Builds the stored click from the request, the IP kept as `ip_storage` says.
pub fn new_click(
    creative: &TrackedCreative,
    request: &ClickRequest,
    ip_storage: IpStorage,
    ip_key: &[u8],
    at: i64,
) -> NewClick {
    let find = |name: &str| {
        request
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| clip(v))
            .filter(|v| !v.is_empty())
    };
    let platform = PLATFORM_IDS
        .iter()
        .find_map(|(param, platform)| find(param).map(|id| (*platform, id)));
    let utm: serde_json::Map<String, serde_json::Value> = UTM_KEYS
        .iter()
        .filter_map(|k| find(k).map(|v| ((*k).to_owned(), serde_json::Value::String(v))))
        .collect();
    NewClick {
        workspace_id: creative.workspace_id,
        creative_id: creative.id,
        token: new_click_token(),
        platform: platform.as_ref().map(|(p, _)| *p),
        platform_click_id: platform.map(|(_, id)| id),
        utm: serde_json::Value::Object(utm).to_string(),
        user_agent: clip(&request.user_agent),
        ip: request
            .ip
            .map(|ip| super::privacy::store_ip(ip_storage, ip, ip_key))
            .unwrap_or_default(),
        occurred_at: at,
    }
}

pub async fn insert_click(db: &Db, click: &NewClick) -> Result<()> {
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO clicks (workspace_id, creative_id, token, platform, platform_click_id, utm, user_agent, ip, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(click.workspace_id)
    .bind(click.creative_id)
    .bind(&click.token)
    .bind(click.platform)
    .bind(&click.platform_click_id)
    .bind(&click.utm)
    .bind(&click.user_agent)
    .bind(&click.ip)
    .bind(click.occurred_at)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Records the device fingerprint the snippet sent for a click (first one wins).
/// `origin` must be the click's creative's landing origin.
pub async fn record_visit(
    db: &Db,
    click_token: &str,
    fingerprint: &str,
    origin: &str,
) -> Result<bool> {
    let Some((click_id, landing)) = click_and_landing(db, click_token).await? else {
        return Ok(false);
    };
    if origin_of(&landing).as_deref() != Some(origin) {
        return Err(Error::Forbidden);
    }
    let done = on_pool!(db, pool => sqlx::query(
        "UPDATE clicks SET fingerprint = $1 WHERE id = $2 AND fingerprint IS NULL",
    )
    .bind(clip(fingerprint))
    .bind(click_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

async fn click_and_landing(db: &Db, click_token: &str) -> Result<Option<(i64, String)>> {
    if click_token.is_empty() || click_token.len() > 64 {
        return Ok(None);
    }
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT k.id, c.landing_url FROM clicks k JOIN creatives c ON c.id = k.creative_id \
         WHERE k.token = $1 AND c.landing_url IS NOT NULL",
    )
    .bind(click_token)
    .fetch_optional(pool)
    .await)?)
}

/// Whether `origin` is the landing origin of one of the workspace's creatives.
pub async fn is_landing_origin(db: &Db, workspace_id: i64, origin: &str) -> Result<bool> {
    let urls: Vec<String> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT DISTINCT landing_url FROM creatives WHERE workspace_id = $1 AND landing_url IS NOT NULL",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await)?;
    Ok(urls.iter().any(|u| origin_of(u).as_deref() == Some(origin)))
}

/// A lead the snippet reports (a form sent on the landing page).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeadReport {
    pub workspace_id: i64,
    pub click_token: Option<String>,
    pub fingerprint: Option<String>,
    /// SHA-256 hex of the lower-cased, trimmed email (hashed in the browser).
    pub email_hash: Option<String>,
    pub contact_id: Option<String>,
    pub user_agent: String,
    pub ip: Option<IpAddr>,
}

/// Stores a lead; its click is found by token within the same workspace.
pub async fn record_lead(
    db: &Db,
    lead: &LeadReport,
    ip_storage: IpStorage,
    ip_key: &[u8],
) -> Result<i64> {
    let click_id: Option<i64> = match &lead.click_token {
        Some(token) if token.len() <= 64 => on_pool!(db, pool => sqlx::query_scalar(
            "SELECT id FROM clicks WHERE token = $1 AND workspace_id = $2",
        )
        .bind(token)
        .bind(lead.workspace_id)
        .fetch_optional(pool)
        .await)?,
        _ => None,
    };
    let email_hash = lead
        .email_hash
        .as_deref()
        .map(|h| h.trim().to_ascii_lowercase());
    let id: i64 = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO leads (workspace_id, click_id, fingerprint, email_hash, contact_id, user_agent, ip, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(lead.workspace_id)
    .bind(click_id)
    .bind(lead.fingerprint.as_deref().map(clip))
    .bind(email_hash)
    .bind(lead.contact_id.as_deref().map(clip))
    .bind(clip(&lead.user_agent))
    .bind(lead.ip.map(|ip| super::privacy::store_ip(ip_storage, ip, ip_key)).unwrap_or_default())
    .bind(crate::db::now().unix_timestamp())
    .fetch_one(pool)
    .await)?;
    Ok(id)
}

/// A creative's tracking set-up as its page shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tracking {
    pub landing_url: Option<String>,
    pub token: Option<String>,
}

/// Sets (or clears, with `None`) a creative's landing URL; the tracking token is
/// made once and kept, so links already in ads keep working.
pub async fn set_landing_url(
    db: &Db,
    workspace_id: i64,
    creative_id: i64,
    landing_url: Option<String>,
) -> Result<Tracking> {
    let token = new_click_token();
    let row: Option<(Option<String>, Option<String>)> = on_pool!(db, pool => sqlx::query_as(
        "UPDATE creatives SET landing_url = $1, tracking_token = COALESCE(tracking_token, $2) \
         WHERE id = $3 AND workspace_id = $4 RETURNING landing_url, tracking_token",
    )
    .bind(&landing_url)
    .bind(&token)
    .bind(creative_id)
    .bind(workspace_id)
    .fetch_optional(pool)
    .await)?;
    let (landing_url, token) = row.ok_or(Error::NotFound("creative"))?;
    Ok(Tracking { landing_url, token })
}

/// A creative's tracking set-up (in `workspace_id`).
pub async fn tracking_of(db: &Db, workspace_id: i64, creative_id: i64) -> Result<Tracking> {
    let row: Option<(Option<String>, Option<String>)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT landing_url, tracking_token FROM creatives WHERE id = $1 AND workspace_id = $2",
    )
    .bind(creative_id)
    .bind(workspace_id)
    .fetch_optional(pool)
    .await)?;
    let (landing_url, token) = row.ok_or(Error::NotFound("creative"))?;
    Ok(Tracking { landing_url, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landing_urls_are_http_with_a_host_and_nothing_else() {
        assert_eq!(
            parse_landing_url(" https://gym.example/offer?a=1 ").unwrap(),
            "https://gym.example/offer?a=1"
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "//evil.example",
            "ftp://gym.example",
            "https://user:pw@gym.example/",
            "https://gym.example/a b",
            "https://gym.example/\u{0}",
            "not a url",
            "",
        ] {
            assert!(parse_landing_url(bad).is_err(), "{bad:?}");
        }
        assert!(
            parse_landing_url(&format!("https://gym.example/{}", "a".repeat(MAX_URL))).is_err()
        );
    }

    #[test]
    fn the_click_id_is_appended_once_and_the_rest_kept() {
        let to = redirect_target(
            "https://gym.example/offer?utm_source=fb&tclid=forged#form",
            "abc123",
        )
        .unwrap();
        assert_eq!(
            to,
            "https://gym.example/offer?utm_source=fb&tclid=abc123#form"
        );
        assert_eq!(
            redirect_target("http://gym.example", "x").unwrap(),
            "http://gym.example/?tclid=x"
        );
        assert_eq!(
            origin_of("https://gym.example:8443/a?b").unwrap(),
            "https://gym.example:8443"
        );
    }

    #[test]
    fn a_click_keeps_its_platform_id_and_utm_clipped() {
        let creative = TrackedCreative {
            id: 7,
            workspace_id: 2,
            landing_url: "https://gym.example".into(),
        };
        let request = ClickRequest {
            query: vec![
                ("gclid".into(), "G-1".into()),
                ("fbclid".into(), "F-1".into()),
                ("utm_source".into(), "x".repeat(2000)),
                ("utm_medium".into(), "paid\u{7}".into()),
                ("other".into(), "dropped".into()),
            ],
            user_agent: "Mozilla/5.0 ☃".into(),
            ip: Some("203.0.113.77".parse().unwrap()),
        };
        let click = new_click(&creative, &request, IpStorage::Truncated, b"k", 100);
        assert_eq!(
            (click.platform, click.platform_click_id.as_deref()),
            (Some("meta"), Some("F-1"))
        );
        let utm: serde_json::Value = serde_json::from_str(&click.utm).unwrap();
        assert_eq!(utm["utm_source"].as_str().unwrap().len(), MAX_TEXT);
        assert_eq!(utm["utm_medium"], "paid");
        assert!(utm.get("other").is_none());
        assert_eq!(click.ip, "203.0.113.0");
        assert_eq!(click.token.len(), 32);
    }
}
