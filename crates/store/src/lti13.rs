//! What LTI 1.3 needs kept: the platforms registered with each LMS app (with a cached copy
//! of their key sets), the app's own signing keys, and the OIDC logins under way.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, Result, now};

/// A platform registration: the LMS as the app knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    pub id: i64,
    pub app_id: i64,
    pub issuer: String,
    pub client_id: String,
    pub deployment_ids: Vec<String>,
    /// Empty when the key set was given by hand and is never fetched.
    pub jwks_url: String,
    pub auth_url: String,
    pub token_url: String,
    /// The platform's key set as last fetched (or as given), a JSON document.
    pub jwks: String,
    pub jwks_fetched_at: i64,
}

const PLATFORM_COLUMNS: &str = "id, app_id, issuer, client_id, deployment_ids, jwks_url, \
                                auth_url, token_url, jwks, jwks_fetched_at";

fn platform_from_row(row: &AnyRow) -> Result<Platform> {
    let deployments: String = row.try_get("deployment_ids")?;
    Ok(Platform {
        id: row.try_get("id")?,
        app_id: row.try_get("app_id")?,
        issuer: row.try_get("issuer")?,
        client_id: row.try_get("client_id")?,
        deployment_ids: deployments
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        jwks_url: row.try_get("jwks_url")?,
        auth_url: row.try_get("auth_url")?,
        token_url: row.try_get("token_url")?,
        jwks: row.try_get("jwks")?,
        jwks_fetched_at: row.try_get("jwks_fetched_at")?,
    })
}

/// Registers a platform, or replaces the registration with the same issuer and client id.
pub async fn put_platform(conn: &mut Conn, p: &Platform) -> Result<Platform> {
    let sql = format!(
        "INSERT INTO lti13_platform (app_id, issuer, client_id, deployment_ids, jwks_url, \
         auth_url, token_url, jwks, jwks_fetched_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (app_id, issuer, client_id) DO UPDATE SET \
         deployment_ids = excluded.deployment_ids, jwks_url = excluded.jwks_url, \
         auth_url = excluded.auth_url, token_url = excluded.token_url, jwks = excluded.jwks, \
         jwks_fetched_at = excluded.jwks_fetched_at RETURNING {PLATFORM_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(p.app_id)
        .bind(p.issuer.as_str())
        .bind(p.client_id.as_str())
        .bind(p.deployment_ids.join(","))
        .bind(p.jwks_url.as_str())
        .bind(p.auth_url.as_str())
        .bind(p.token_url.as_str())
        .bind(p.jwks.as_str())
        .bind(p.jwks_fetched_at)
        .bind(now())
        .fetch_one(conn)
        .await?;
    platform_from_row(&row)
}

pub async fn platforms(conn: &mut Conn, app_id: i64) -> Result<Vec<Platform>> {
    let sql = format!(
        "SELECT {PLATFORM_COLUMNS} FROM lti13_platform WHERE app_id = $1 ORDER BY issuer, \
         client_id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(app_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(platform_from_row).collect()
}

pub async fn platform(conn: &mut Conn, id: i64) -> Result<Option<Platform>> {
    let sql = format!("SELECT {PLATFORM_COLUMNS} FROM lti13_platform WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(platform_from_row).transpose()
}

/// Removes a registration and the logins waiting on it; false when there was none.
/// Deep Linking requests still waiting on it are dropped too, since they can no longer be
/// answered.
pub async fn remove_platform(conn: &mut Conn, app_id: i64, id: i64) -> Result<bool> {
    sqlx::query("DELETE FROM lti13_state WHERE platform_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM lti_selection WHERE platform_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let removed = sqlx::query("DELETE FROM lti13_platform WHERE id = $1 AND app_id = $2")
        .bind(id)
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(removed.rows_affected() == 1)
}

/// Keeps a freshly fetched key set.
pub async fn cache_platform_keys(conn: &mut Conn, id: i64, jwks: &str) -> Result<()> {
    sqlx::query("UPDATE lti13_platform SET jwks = $1, jwks_fetched_at = $2 WHERE id = $3")
        .bind(jwks)
        .bind(now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// One of an app's RSA signing keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolKey {
    pub kid: String,
    pub app_id: i64,
    /// The PKCS#1 DER of the private key, base64.
    pub private_der: String,
    /// The public modulus and exponent, base64url, as a JWK carries them.
    pub modulus: String,
    pub exponent: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

fn key_from_row(row: &AnyRow) -> Result<ToolKey> {
    Ok(ToolKey {
        kid: row.try_get("kid")?,
        app_id: row.try_get("app_id")?,
        private_der: row.try_get("private_der")?,
        modulus: row.try_get("modulus")?,
        exponent: row.try_get("exponent")?,
        created_at: row.try_get("created_at")?,
        retired_at: row.try_get("retired_at")?,
    })
}

/// Makes `key` the app's signing key, and retires the one it replaces.
pub async fn add_tool_key(conn: &mut Conn, key: &ToolKey) -> Result<()> {
    sqlx::query(
        "UPDATE lti13_tool_key SET retired_at = $1 WHERE app_id = $2 AND retired_at IS NULL",
    )
    .bind(key.created_at)
    .bind(key.app_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO lti13_tool_key (kid, app_id, private_der, modulus, exponent, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key.kid.as_str())
    .bind(key.app_id)
    .bind(key.private_der.as_str())
    .bind(key.modulus.as_str())
    .bind(key.exponent.as_str())
    .bind(key.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The app's keys that platforms may still see: the signing key first, then those retired
/// since `retired_since`, newest first. Older retired keys are dropped on the way.
pub async fn published_keys(
    conn: &mut Conn,
    app_id: i64,
    retired_since: i64,
) -> Result<Vec<ToolKey>> {
    sqlx::query("DELETE FROM lti13_tool_key WHERE app_id = $1 AND retired_at < $2")
        .bind(app_id)
        .bind(retired_since)
        .execute(&mut *conn)
        .await?;
    let rows = sqlx::query(
        "SELECT kid, app_id, private_der, modulus, exponent, created_at, retired_at \
         FROM lti13_tool_key WHERE app_id = $1 \
         ORDER BY (retired_at IS NULL) DESC, created_at DESC, kid",
    )
    .bind(app_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(key_from_row).collect()
}

/// The key that signs the app's messages now.
pub async fn signing_key(conn: &mut Conn, app_id: i64) -> Result<Option<ToolKey>> {
    let row = sqlx::query(
        "SELECT kid, app_id, private_der, modulus, exponent, created_at, retired_at \
         FROM lti13_tool_key WHERE app_id = $1 AND retired_at IS NULL \
         ORDER BY created_at DESC, kid LIMIT 1",
    )
    .bind(app_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(key_from_row).transpose()
}

/// An OIDC login waiting for the platform's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub state: String,
    pub app_id: i64,
    pub platform_id: i64,
    pub nonce: String,
    pub expires_at: i64,
}

pub async fn put_login(conn: &mut Conn, login: &Login) -> Result<()> {
    sqlx::query("DELETE FROM lti13_state WHERE expires_at < $1")
        .bind(now())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO lti13_state (state, app_id, platform_id, nonce, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(login.state.as_str())
    .bind(login.app_id)
    .bind(login.platform_id)
    .bind(login.nonce.as_str())
    .bind(login.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Reads an unexpired login without using it up.
pub async fn login(conn: &mut Conn, state: &str) -> Result<Option<Login>> {
    let row = sqlx::query(
        "SELECT state, app_id, platform_id, nonce, expires_at FROM lti13_state \
         WHERE state = $1 AND expires_at >= $2",
    )
    .bind(state)
    .bind(now())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Login {
            state: row.try_get("state")?,
            app_id: row.try_get("app_id")?,
            platform_id: row.try_get("platform_id")?,
            nonce: row.try_get("nonce")?,
            expires_at: row.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Uses a login up; false when it was used already, so that a token is accepted once.
pub async fn use_login(conn: &mut Conn, state: &str) -> Result<bool> {
    let used = sqlx::query("DELETE FROM lti13_state WHERE state = $1")
        .bind(state)
        .execute(conn)
        .await?;
    Ok(used.rows_affected() == 1)
}
