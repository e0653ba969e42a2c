//! Embeds of entries in LMS course pages, and the record of publications removed on
//! purpose that the auto-republish rule consults.

use sqlx::Row;

use crate::sql::Sql;
use crate::{Conn, Result, now};

/// An entry embedded in a course page, by its LTI resource link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub app_id: i64,
    pub resource_link_id: String,
    pub context_id: String,
    pub entry_id: String,
    pub embedded_by: String,
    pub created_at: i64,
}

/// Records an embed, keeping the first record when the same resource link is launched
/// again (or twice at once), and returns the stored one.
pub async fn record(conn: &mut Conn, e: &Embed) -> Result<Embed> {
    sqlx::query(
        "INSERT INTO embed (app_id, resource_link_id, context_id, entry_id, embedded_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (app_id, resource_link_id) DO NOTHING",
    )
    .bind(e.app_id)
    .bind(e.resource_link_id.as_str())
    .bind(e.context_id.as_str())
    .bind(e.entry_id.as_str())
    .bind(e.embedded_by.as_str())
    .bind(now())
    .execute(&mut *conn)
    .await?;
    get(conn, e.app_id, &e.resource_link_id)
        .await?
        .ok_or(crate::StoreError::Database(sqlx::Error::RowNotFound))
}

/// The embed of a resource link, if it was launched before.
pub async fn get(conn: &mut Conn, app_id: i64, resource_link_id: &str) -> Result<Option<Embed>> {
    let row = sqlx::query(
        "SELECT app_id, resource_link_id, context_id, entry_id, embedded_by, created_at \
         FROM embed WHERE app_id = $1 AND resource_link_id = $2",
    )
    .bind(app_id)
    .bind(resource_link_id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Embed {
            app_id: row.try_get("app_id")?,
            resource_link_id: row.try_get("resource_link_id")?,
            context_id: row.try_get("context_id")?,
            entry_id: row.try_get("entry_id")?,
            embedded_by: row.try_get("embedded_by")?,
            created_at: row.try_get("created_at")?,
        })
    })
    .transpose()
}

/// Notes that someone removed an entry from a category on purpose.
pub async fn record_removal(
    conn: &mut Conn,
    category_id: i64,
    entry_id: &str,
    removed_by: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO publication_removal (category_id, entry_id, removed_by, removed_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(category_id)
    .bind(entry_id)
    .bind(removed_by.map(str::to_owned))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `user` removed the entry from any of the categories at or after `since`.
pub async fn removed_since(
    conn: &mut Conn,
    entry_id: &str,
    category_ids: &[i64],
    user: &str,
    since: i64,
) -> Result<bool> {
    if category_ids.is_empty() {
        return Ok(false);
    }
    let mut sql = Sql::new("SELECT COUNT(*) FROM publication_removal WHERE entry_id = ");
    sql.bind(entry_id)
        .push(" AND removed_by = ")
        .bind(user)
        .push(" AND removed_at >= ")
        .bind(since)
        .push(" AND category_id IN ")
        .bind_list(category_ids.iter().copied());
    let count: i64 = sql.query().fetch_one(conn).await?.try_get(0)?;
    Ok(count > 0)
}
