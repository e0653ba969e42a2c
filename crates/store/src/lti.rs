//! What LTI launches leave behind besides users, courses and memberships: the nonces of
//! LTI 1.1 launches, so that none is accepted twice, and Browse-Search-Embed requests
//! waiting for the user's choice.

use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::Row;

use crate::{Conn, Result, now};

/// When this process last dropped expired nonces.
static NONCES_PURGED_AT: AtomicI64 = AtomicI64::new(0);

/// How often expired nonces are dropped: every launch would make each one hold the
/// database's write turn longer for rows nobody reads.
const PURGE_SECONDS: i64 = 60;

/// Records a launch's nonce; false when this consumer used it before. Nonces past their
/// window are dropped now and then on the way, since a launch that old is refused by its
/// timestamp.
pub async fn use_nonce(
    conn: &mut Conn,
    consumer_key: &str,
    nonce: &str,
    expires_at: i64,
) -> Result<bool> {
    let t = now();
    let last = NONCES_PURGED_AT.load(Ordering::Relaxed);
    if t - last >= PURGE_SECONDS
        && NONCES_PURGED_AT
            .compare_exchange(last, t, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        sqlx::query("DELETE FROM lti_nonce WHERE expires_at < $1")
            .bind(t)
            .execute(&mut *conn)
            .await?;
    }
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

/// Who and where a launch is, to read what it finds in place.
#[derive(Debug, Clone, Copy)]
pub struct LaunchKey<'a> {
    pub partner_id: i64,
    pub app_id: i64,
    pub user_id: &'a str,
    pub context_id: &'a str,
    pub resource_link_id: &'a str,
    /// The embedded entry, for the launch of an embed.
    pub entry_id: Option<&'a str>,
}

/// What a launch finds in place: the user, the course and its galleries, the user's
/// membership and role, the last login, the embed and its entry's publications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchFacts {
    /// A live user (not deleted) has this id.
    pub user_exists: bool,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub course_title: Option<String>,
    pub gallery_id: Option<i64>,
    pub in_context_id: Option<i64>,
    pub member_level: Option<i64>,
    pub member_status: Option<i64>,
    pub app_role: Option<String>,
    pub last_login_at: Option<i64>,
    pub embedded_entry_id: Option<String>,
    /// How many of the course's two categories hold the entry, active.
    pub active_in_course: i64,
}

/// Reads everything a launch checks before it writes, in one statement: a launch is the
/// most frequent request of an LMS app, and each statement costs a round trip.
pub async fn launch_facts(conn: &mut Conn, key: &LaunchKey<'_>) -> Result<LaunchFacts> {
    const GALLERY: &str = "(SELECT category_id FROM course WHERE app_id = $2 AND context_id = $4)";
    let in_context = format!(
        "(SELECT c.id FROM category c WHERE c.partner_id = $1 AND c.parent_id = {GALLERY} \
         AND c.name = 'InContext' AND c.status <> 3)"
    );
    let sql = format!(
        "SELECT \
         (SELECT COUNT(*) FROM users WHERE partner_id = $1 AND id = $3 AND status <> $8) \
          AS user_exists, \
         (SELECT email FROM users WHERE partner_id = $1 AND id = $3 AND status <> $8) \
          AS email, \
         (SELECT full_name FROM users WHERE partner_id = $1 AND id = $3 AND status <> $8) \
          AS full_name, \
         (SELECT title FROM course WHERE app_id = $2 AND context_id = $4) AS course_title, \
         {GALLERY} AS gallery_id, \
         {in_context} AS in_context_id, \
         (SELECT permission_level FROM category_user WHERE category_id = {GALLERY} \
          AND user_id = $3) AS member_level, \
         (SELECT status FROM category_user WHERE category_id = {GALLERY} \
          AND user_id = $3) AS member_status, \
         (SELECT role FROM app_role WHERE app_id = $2 AND user_id = $3) AS app_role, \
         (SELECT last_login_at FROM user_login WHERE partner_id = $1 AND user_id = $3 \
          AND app_id = $2) AS last_login_at, \
         (SELECT entry_id FROM embed WHERE app_id = $2 AND resource_link_id = $5) \
          AS embedded_entry_id, \
         (SELECT COUNT(*) FROM category_entry WHERE entry_id = $6 AND status = $7 \
          AND category_id IN ({GALLERY}, {in_context})) AS active_in_course"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key.partner_id)
        .bind(key.app_id)
        .bind(key.user_id)
        .bind(key.context_id)
        .bind(key.resource_link_id)
        .bind(key.entry_id.unwrap_or_default())
        .bind(crate::publications::STATUS_ACTIVE)
        .bind(crate::users::STATUS_DELETED)
        .fetch_one(conn)
        .await?;
    Ok(LaunchFacts {
        user_exists: row.try_get::<i64, _>("user_exists")? > 0,
        email: row.try_get("email")?,
        full_name: row.try_get("full_name")?,
        course_title: row.try_get("course_title")?,
        gallery_id: row.try_get("gallery_id")?,
        in_context_id: row.try_get("in_context_id")?,
        member_level: row.try_get("member_level")?,
        member_status: row.try_get("member_status")?,
        app_role: row.try_get("app_role")?,
        last_login_at: row.try_get("last_login_at")?,
        embedded_entry_id: row.try_get("embedded_entry_id")?,
        active_in_course: row.try_get("active_in_course")?,
    })
}
