//! Users of a partner, keyed by their partner-wide user id.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::{Sql, like_escape};
use crate::{Conn, Result, now};

pub const STATUS_BLOCKED: i64 = 0;
pub const STATUS_ACTIVE: i64 = 1;
pub const STATUS_DELETED: i64 = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub partner_id: i64,
    pub id: String,
    pub screen_name: Option<String>,
    pub full_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub tags: Option<String>,
    pub admin_tags: Option<String>,
    pub partner_data: Option<String>,
    pub status: i64,
    pub is_admin: bool,
    pub user_type: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_time: Option<i64>,
}

const COLUMNS: &str = "partner_id, id, screen_name, full_name, first_name, last_name, email, \
    description, tags, admin_tags, partner_data, status, is_admin, user_type, created_at, \
    updated_at, last_login_time";

fn from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        partner_id: row.try_get("partner_id")?,
        id: row.try_get("id")?,
        screen_name: row.try_get("screen_name")?,
        full_name: row.try_get("full_name")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        description: row.try_get("description")?,
        tags: row.try_get("tags")?,
        admin_tags: row.try_get("admin_tags")?,
        partner_data: row.try_get("partner_data")?,
        status: row.try_get("status")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
        user_type: row.try_get("user_type")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_login_time: row.try_get("last_login_time")?,
    })
}

/// A live (not deleted) user.
pub async fn get(conn: &mut Conn, partner_id: i64, id: &str) -> Result<Option<User>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE partner_id = "));
    sql.bind(partner_id)
        .push(" AND id = ")
        .bind(id)
        .push(" AND status <> ");
    sql.bind(STATUS_DELETED);
    let row = sql.query().fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts a user, or brings a deleted one back with the new fields. The caller has checked
/// that no live user has this id.
pub async fn insert(conn: &mut Conn, user: &User) -> Result<User> {
    let t = now();
    let mut sql = Sql::new(
        "INSERT INTO users (partner_id, id, screen_name, full_name, first_name, last_name, \
         email, description, tags, admin_tags, partner_data, status, is_admin, user_type, \
         created_at, updated_at) VALUES (",
    );
    sql.bind(user.partner_id)
        .push(", ")
        .bind(&user.id)
        .push(", ");
    sql.bind(user.screen_name.clone())
        .push(", ")
        .bind(user.full_name.clone())
        .push(", ");
    sql.bind(user.first_name.clone())
        .push(", ")
        .bind(user.last_name.clone())
        .push(", ");
    sql.bind(user.email.clone())
        .push(", ")
        .bind(user.description.clone())
        .push(", ");
    sql.bind(user.tags.clone())
        .push(", ")
        .bind(user.admin_tags.clone())
        .push(", ");
    sql.bind(user.partner_data.clone())
        .push(", ")
        .bind(user.status)
        .push(", ");
    sql.bind(user.is_admin)
        .push(", ")
        .bind(user.user_type)
        .push(", ");
    sql.bind(t)
        .push(", ")
        .bind(t)
        .push(") ON CONFLICT (partner_id, id) DO UPDATE SET ");
    sql.push(
        "screen_name = excluded.screen_name, full_name = excluded.full_name, \
         first_name = excluded.first_name, last_name = excluded.last_name, \
         email = excluded.email, description = excluded.description, tags = excluded.tags, \
         admin_tags = excluded.admin_tags, partner_data = excluded.partner_data, \
         status = excluded.status, is_admin = excluded.is_admin, \
         user_type = excluded.user_type, created_at = excluded.created_at, \
         updated_at = excluded.updated_at, deleted_at = NULL",
    );
    sql.push(&format!(" RETURNING {COLUMNS}"));
    let row = sql.query().fetch_one(conn).await?;
    from_row(&row)
}

/// Makes sure a live user with this id exists, creating a bare one if needed, as Kaltura
/// does wherever a user id is referenced.
pub async fn ensure(conn: &mut Conn, partner_id: i64, id: &str) -> Result<()> {
    if get(conn, partner_id, id).await?.is_some() {
        return Ok(());
    }
    let user = User {
        partner_id,
        id: id.to_owned(),
        screen_name: Some(id.to_owned()),
        status: STATUS_ACTIVE,
        ..User::default()
    };
    insert(conn, &user).await?;
    Ok(())
}

/// Writes every editable field of a user back.
pub async fn update(conn: &mut Conn, user: &User) -> Result<User> {
    let mut sql = Sql::new("UPDATE users SET screen_name = ");
    sql.bind(user.screen_name.clone())
        .push(", full_name = ")
        .bind(user.full_name.clone());
    sql.push(", first_name = ").bind(user.first_name.clone());
    sql.push(", last_name = ").bind(user.last_name.clone());
    sql.push(", email = ").bind(user.email.clone());
    sql.push(", description = ").bind(user.description.clone());
    sql.push(", tags = ").bind(user.tags.clone());
    sql.push(", admin_tags = ").bind(user.admin_tags.clone());
    sql.push(", partner_data = ")
        .bind(user.partner_data.clone());
    sql.push(", status = ")
        .bind(user.status)
        .push(", is_admin = ")
        .bind(user.is_admin);
    sql.push(", user_type = ")
        .bind(user.user_type)
        .push(", updated_at = ")
        .bind(now());
    sql.push(" WHERE partner_id = ")
        .bind(user.partner_id)
        .push(" AND id = ")
        .bind(&user.id);
    sql.push(&format!(" RETURNING {COLUMNS}"));
    let row = sql.query().fetch_one(conn).await?;
    from_row(&row)
}

/// Deletes a user. Their password goes with them, so that an id created again later does
/// not log in with the old one.
pub async fn delete(conn: &mut Conn, partner_id: i64, id: &str) -> Result<()> {
    let t = now();
    let mut sql = Sql::new("UPDATE users SET password_hash = NULL, status = ");
    sql.bind(STATUS_DELETED)
        .push(", deleted_at = ")
        .bind(t)
        .push(", updated_at = ")
        .bind(t);
    sql.push(" WHERE partner_id = ")
        .bind(partner_id)
        .push(" AND id = ")
        .bind(id);
    sql.query().execute(conn).await?;
    Ok(())
}

/// The user filter fields Quad supports.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub id_equal: Option<String>,
    pub id_in: Option<Vec<String>>,
    pub screen_name_like: Option<String>,
    pub screen_name_starts_with: Option<String>,
    pub email_like: Option<String>,
    pub email_starts_with: Option<String>,
    pub id_or_screen_name_starts_with: Option<String>,
    pub first_name_or_last_name_starts_with: Option<String>,
    pub status_equal: Option<i64>,
    pub status_in: Option<Vec<i64>>,
    pub is_admin_equal: Option<bool>,
    pub type_equal: Option<i64>,
    pub created_at_gte: Option<i64>,
    pub created_at_lte: Option<i64>,
    /// `createdAt`, `id` or `updatedAt`, with a `-` for descending.
    pub order_by: Option<(String, bool)>,
}

fn filter_sql(partner_id: i64, f: &UserFilter, select: &str) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" FROM users WHERE partner_id = ").bind(partner_id);
    sql.push(" AND status <> ").bind(STATUS_DELETED);
    if let Some(v) = &f.id_equal {
        sql.push(" AND id = ").bind(v);
    }
    if let Some(v) = &f.id_in {
        sql.push(" AND id IN ").bind_list(v.iter().cloned());
    }
    let like = |sql: &mut Sql, column: &str, pattern: String| {
        sql.push(&format!(" AND lower({column}) LIKE "))
            .bind(pattern.to_lowercase());
        sql.push(" ESCAPE '\\'");
    };
    if let Some(v) = &f.screen_name_like {
        like(&mut sql, "screen_name", format!("%{}%", like_escape(v)));
    }
    if let Some(v) = &f.screen_name_starts_with {
        like(&mut sql, "screen_name", format!("{}%", like_escape(v)));
    }
    if let Some(v) = &f.email_like {
        like(&mut sql, "email", format!("%{}%", like_escape(v)));
    }
    if let Some(v) = &f.email_starts_with {
        like(&mut sql, "email", format!("{}%", like_escape(v)));
    }
    if let Some(v) = &f.id_or_screen_name_starts_with {
        let p = format!("{}%", like_escape(v)).to_lowercase();
        sql.push(" AND (lower(id) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\' OR lower(screen_name) LIKE ");
        sql.bind(p).push(" ESCAPE '\\')");
    }
    if let Some(v) = &f.first_name_or_last_name_starts_with {
        let p = format!("{}%", like_escape(v)).to_lowercase();
        sql.push(" AND (lower(first_name) LIKE ").bind(p.clone());
        sql.push(" ESCAPE '\\' OR lower(last_name) LIKE ")
            .bind(p)
            .push(" ESCAPE '\\')");
    }
    if let Some(v) = f.status_equal {
        sql.push(" AND status = ").bind(v);
    }
    if let Some(v) = &f.status_in {
        sql.push(" AND status IN ").bind_list(v.iter().copied());
    }
    if let Some(v) = f.is_admin_equal {
        sql.push(" AND is_admin = ").bind(v);
    }
    if let Some(v) = f.type_equal {
        sql.push(" AND user_type = ").bind(v);
    }
    if let Some(v) = f.created_at_gte {
        sql.push(" AND created_at >= ").bind(v);
    }
    if let Some(v) = f.created_at_lte {
        sql.push(" AND created_at <= ").bind(v);
    }
    sql
}

pub async fn list(
    conn: &mut Conn,
    partner_id: i64,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<User>, i64)> {
    let total: i64 = filter_sql(partner_id, filter, "SELECT COUNT(*)")
        .query()
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut sql = filter_sql(partner_id, filter, &format!("SELECT {COLUMNS}"));
    let (column, desc) = match &filter.order_by {
        Some((field, desc)) => {
            let column = match field.as_str() {
                "id" => "id",
                "updatedAt" => "updated_at",
                _ => "created_at",
            };
            (column, *desc)
        }
        None => ("created_at", false),
    };
    let dir = if desc { "DESC" } else { "ASC" };
    sql.push(&format!(" ORDER BY {column} {dir}, id {dir} LIMIT "))
        .bind(limit);
    sql.push(" OFFSET ").bind(offset);
    let rows = sql.query().fetch_all(conn).await?;
    let users = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok((users, total))
}
