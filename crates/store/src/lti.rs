//! What LTI launches leave behind besides users, courses and memberships: the nonces of
//! LTI 1.1 launches, so that none is accepted twice, and Browse-Search-Embed requests
//! waiting for the user's choice.

use sqlx::Row;

use crate::{Conn, Result, now};

/// Records a launch's nonce; false when this consumer used it before. Nonces past their
/// window are dropped on the way, since a launch that old is refused by its timestamp.
pub async fn use_nonce(
    conn: &mut Conn,
    consumer_key: &str,
    nonce: &str,
    expires_at: i64,
) -> Result<bool> {
    sqlx::query("DELETE FROM lti_nonce WHERE expires_at < $1")
        .bind(now())
        .execute(&mut *conn)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO lti_nonce (consumer_key, nonce, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (consumer_key, nonce) DO NOTHING",
    )
    .bind(consumer_key)
    .bind(nonce)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// A Browse-Search-Embed request waiting for the user's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub id: String,
    pub app_id: i64,
    pub user_id: String,
    pub context_id: String,
    pub return_url: String,
    /// The LMS's opaque `data`, sent back with the answer.
    pub data: String,
    pub expires_at: i64,
    /// The LTI 1.3 platform to answer with a Deep Linking response; none for LTI 1.1.
    pub platform_id: Option<i64>,
    pub deployment_id: String,
}

pub async fn put_selection(conn: &mut Conn, s: &Selection) -> Result<()> {
    sqlx::query("DELETE FROM lti_selection WHERE expires_at < $1")
        .bind(now())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO lti_selection (id, app_id, user_id, context_id, return_url, data, \
         expires_at, platform_id, deployment_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(s.id.as_str())
    .bind(s.app_id)
    .bind(s.user_id.as_str())
    .bind(s.context_id.as_str())
    .bind(s.return_url.as_str())
    .bind(s.data.as_str())
    .bind(s.expires_at)
    .bind(s.platform_id)
    .bind(s.deployment_id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes an unexpired request out, so that it is answered once even when two answers
/// race.
pub async fn take_selection(conn: &mut Conn, id: &str) -> Result<Option<Selection>> {
    let Some(found) = selection(conn, id).await? else {
        return Ok(None);
    };
    let taken = sqlx::query("DELETE FROM lti_selection WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok((taken.rows_affected() == 1).then_some(found))
}

/// Reads a waiting request without taking it.
pub async fn selection(conn: &mut Conn, id: &str) -> Result<Option<Selection>> {
    let row = sqlx::query(
        "SELECT id, app_id, user_id, context_id, return_url, data, expires_at, platform_id, \
         deployment_id FROM lti_selection WHERE id = $1 AND expires_at >= $2",
    )
    .bind(id)
    .bind(now())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Selection {
            id: row.try_get("id")?,
            app_id: row.try_get("app_id")?,
            user_id: row.try_get("user_id")?,
            context_id: row.try_get("context_id")?,
            return_url: row.try_get("return_url")?,
            data: row.try_get("data")?,
            expires_at: row.try_get("expires_at")?,
            platform_id: row.try_get("platform_id")?,
            deployment_id: row.try_get("deployment_id")?,
        })
    })
    .transpose()
}
