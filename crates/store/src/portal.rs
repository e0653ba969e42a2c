//! What the portal keeps beyond the library itself: applicative roles per app and user,
//! gateway login tokens already used, and the courses of LMS apps with their titles.

use sqlx::Row;

use crate::{Conn, Result, now};

/// The applicative role given to a user in an app, if any was.
pub async fn app_role(conn: &mut Conn, app_id: i64, user_id: &str) -> Result<Option<String>> {
    let role = sqlx::query_scalar("SELECT role FROM app_role WHERE app_id = $1 AND user_id = $2")
        .bind(app_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(role)
}

/// Gives a user a role in an app, replacing the one they had.
pub async fn set_app_role(
    conn: &mut Conn,
    app_id: i64,
    partner_id: i64,
    user_id: &str,
    role: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_role (app_id, partner_id, user_id, role) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(app_id)
    .bind(partner_id)
    .bind(user_id)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// The roles given in an app, by user id.
pub async fn app_roles(conn: &mut Conn, app_id: i64) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT user_id, role FROM app_role WHERE app_id = $1 ORDER BY user_id")
        .bind(app_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("user_id")?, r.try_get("role")?)))
        .collect()
}

/// Marks a login token as used; false when it already was. Expired marks are dropped on
/// the way, since an expired token is refused anyway.
pub async fn use_login_token(conn: &mut Conn, key: &str, expires_at: i64) -> Result<bool> {
    sqlx::query("DELETE FROM used_login_token WHERE expires_at < $1")
        .bind(now())
        .execute(&mut *conn)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO used_login_token (token_key, expires_at) VALUES ($1, $2) \
         ON CONFLICT (token_key) DO NOTHING",
    )
    .bind(key)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Records a course of an LMS app and its gallery, or renames it.
pub async fn put_course(
    conn: &mut Conn,
    app_id: i64,
    context_id: &str,
    title: &str,
    category_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO course (app_id, context_id, title, category_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id, context_id) DO UPDATE SET title = excluded.title, \
         category_id = excluded.category_id",
    )
    .bind(app_id)
    .bind(context_id)
    .bind(title)
    .bind(category_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Course titles by context id, for the given apps.
pub async fn course_titles(conn: &mut Conn, app_ids: &[i64]) -> Result<Vec<(String, String)>> {
    if app_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = app_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!("SELECT context_id, title FROM course WHERE app_id IN ({list})");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("context_id")?, r.try_get("title")?)))
        .collect()
}

/// The courses of an LMS app, as (context id, title, gallery category id).
pub async fn courses_of(conn: &mut Conn, app_id: i64) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT context_id, title, category_id FROM course WHERE app_id = $1 ORDER BY title",
    )
    .bind(app_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("context_id")?,
                r.try_get("title")?,
                r.try_get("category_id")?,
            ))
        })
        .collect()
}
