//! Category members (`categoryUser`): who may view, contribute to, moderate or manage a
//! category.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::categories;
use crate::sql::{Sql, like_escape};
use crate::{Conn, Result, now};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    pub category_id: i64,
    pub user_id: String,
    pub partner_id: i64,
    pub permission_level: i64,
    pub permission_names: String,
    pub status: i64,
    pub update_method: i64,
    pub category_full_ids: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "cu.category_id, cu.user_id, cu.partner_id, cu.permission_level, \
    cu.permission_names, cu.status, cu.update_method, c.full_ids AS category_full_ids, \
    cu.created_at, cu.updated_at";

fn from_row(row: &AnyRow) -> Result<Member> {
    Ok(Member {
        category_id: row.try_get("category_id")?,
        user_id: row.try_get("user_id")?,
        partner_id: row.try_get("partner_id")?,
        permission_level: row.try_get("permission_level")?,
        permission_names: row.try_get("permission_names")?,
        status: row.try_get("status")?,
        update_method: row.try_get("update_method")?,
        category_full_ids: row.try_get("category_full_ids")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn get(conn: &mut Conn, category_id: i64, user_id: &str) -> Result<Option<Member>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM category_user cu JOIN category c ON c.id = cu.category_id \
         WHERE cu.category_id = $1 AND cu.user_id = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(category_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts or replaces a membership and keeps the category's member counts. The counts
/// move by the change of this one membership: recounting a course of thousands on every
/// launch that adds a student would grow with the course.
pub async fn put(conn: &mut Conn, m: &Member) -> Result<Member> {
    set(conn, m).await?;
    let stored = get(conn, m.category_id, &m.user_id).await?;
    stored.ok_or(crate::StoreError::Database(sqlx::Error::RowNotFound))
}

/// Inserts or replaces a membership like [`put`], without reading it back.
pub async fn set(conn: &mut Conn, m: &Member) -> Result<()> {
    let t = now();
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT status FROM category_user WHERE category_id = $1 AND user_id = $2",
    )
    .bind(m.category_id)
    .bind(m.user_id.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO category_user (category_id, user_id, partner_id, permission_level, \
         permission_names, status, update_method, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (category_id, user_id) DO UPDATE SET \
         permission_level = excluded.permission_level, \
         permission_names = excluded.permission_names, status = excluded.status, \
         update_method = excluded.update_method, updated_at = excluded.updated_at",
    )
    .bind(m.category_id)
    .bind(m.user_id.as_str())
    .bind(m.partner_id)
    .bind(m.permission_level)
    .bind(m.permission_names.as_str())
    .bind(m.status)
    .bind(m.update_method)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    if before != Some(m.status) {
        categories::count_member_change(conn, m.category_id, before, Some(m.status)).await?;
    }
    Ok(())
}

pub async fn delete(conn: &mut Conn, category_id: i64, user_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM category_user WHERE category_id = $1 AND user_id = $2")
        .bind(category_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    categories::recount_members(conn, category_id).await
}

/// Removes every membership of a category, as when the category is deleted.
pub async fn delete_all(conn: &mut Conn, category_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM category_user WHERE category_id = $1")
        .bind(category_id)
        .execute(&mut *conn)
        .await?;
    categories::recount_members(conn, category_id).await
}

#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub category_id_equal: Option<i64>,
    pub category_id_in: Option<Vec<i64>>,
    pub category_full_ids_starts_with: Option<String>,
    pub category_full_ids_equal: Option<String>,
    pub user_id_equal: Option<String>,
    pub user_id_in: Option<Vec<String>>,
    pub permission_level_equal: Option<i64>,
    pub permission_level_in: Option<Vec<i64>>,
    pub status_equal: Option<i64>,
    pub status_in: Option<Vec<i64>>,
    pub update_method_equal: Option<i64>,
    pub update_method_in: Option<Vec<i64>>,
    pub permission_names_match_and: Option<Vec<String>>,
    pub permission_names_match_or: Option<Vec<String>>,
    pub permission_names_not_contains: Option<Vec<String>>,
    pub created_at_gte: Option<i64>,
    pub created_at_lte: Option<i64>,
    pub updated_at_gte: Option<i64>,
    pub updated_at_lte: Option<i64>,
    pub free_text: Option<String>,
    pub order_by: Option<(String, bool)>,
}

fn names_clause(sql: &mut Sql, name: &str) {
    sql.push("(',' || cu.permission_names || ',') LIKE ");
    sql.bind(format!("%,{},%", like_escape(name)))
        .push(" ESCAPE '\\'");
}

pub async fn list(
    conn: &mut Conn,
    partner_id: i64,
    f: &MemberFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Member>, i64)> {
    let build = |select: &str| {
        let mut sql = Sql::new(select);
        sql.push(" FROM category_user cu JOIN category c ON c.id = cu.category_id");
        sql.push(" WHERE cu.partner_id = ")
            .bind(partner_id)
            .push(" AND c.status <> 3");
        let ints = [
            ("cu.category_id = ", f.category_id_equal),
            ("cu.permission_level = ", f.permission_level_equal),
            ("cu.status = ", f.status_equal),
            ("cu.update_method = ", f.update_method_equal),
            ("cu.created_at >= ", f.created_at_gte),
            ("cu.created_at <= ", f.created_at_lte),
            ("cu.updated_at >= ", f.updated_at_gte),
            ("cu.updated_at <= ", f.updated_at_lte),
        ];
        for (condition, value) in ints {
            if let Some(v) = value {
                sql.push(" AND ").push(condition).bind(v);
            }
        }
        let lists = [
            ("cu.category_id IN ", &f.category_id_in),
            ("cu.permission_level IN ", &f.permission_level_in),
            ("cu.status IN ", &f.status_in),
            ("cu.update_method IN ", &f.update_method_in),
        ];
        for (condition, values) in lists {
            if let Some(v) = values {
                sql.push(" AND ")
                    .push(condition)
                    .bind_list(v.iter().copied());
            }
        }
        if let Some(v) = &f.category_full_ids_starts_with {
            sql.push(" AND c.full_ids LIKE ")
                .bind(format!("{}%", like_escape(v)));
            sql.push(" ESCAPE '\\'");
        }
        if let Some(v) = &f.category_full_ids_equal {
            sql.push(" AND c.full_ids = ").bind(v);
        }
        if let Some(v) = &f.user_id_equal {
            sql.push(" AND cu.user_id = ").bind(v);
        }
        if let Some(v) = &f.user_id_in {
            sql.push(" AND cu.user_id IN ").bind_list(v.iter().cloned());
        }
        if let Some(names) = &f.permission_names_match_and {
            for name in names {
                sql.push(" AND ");
                names_clause(&mut sql, name);
            }
        }
        if let Some(names) = &f.permission_names_match_or {
            sql.push(" AND (1 = 0");
            for name in names {
                sql.push(" OR ");
                names_clause(&mut sql, name);
            }
            sql.push(")");
        }
        if let Some(names) = &f.permission_names_not_contains {
            for name in names {
                sql.push(" AND NOT ");
                names_clause(&mut sql, name);
            }
        }
        if let Some(v) = &f.free_text {
            sql.push(" AND lower(cu.user_id) LIKE ");
            sql.bind(format!("%{}%", like_escape(&v.to_lowercase())))
                .push(" ESCAPE '\\'");
        }
        sql
    };
    let total: i64 = build("SELECT COUNT(*)")
        .query()
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut sql = build(&format!("SELECT {COLUMNS}"));
    let (field, desc) = f
        .order_by
        .clone()
        .unwrap_or(("createdAt".to_owned(), false));
    let column = if field == "updatedAt" {
        "cu.updated_at"
    } else {
        "cu.created_at"
    };
    let dir = if desc { "DESC" } else { "ASC" };
    sql.push(&format!(
        " ORDER BY {column} {dir}, cu.category_id, cu.user_id LIMIT "
    ));
    sql.bind(limit).push(" OFFSET ").bind(offset);
    let rows = sql.query().fetch_all(conn).await?;
    Ok((
        rows.iter().map(from_row).collect::<Result<Vec<_>>>()?,
        total,
    ))
}

/// Every membership of one user in a partner's live categories, as (category, level,
/// status): what deciding on many categories for one user needs, in one query.
pub async fn of_user(
    conn: &mut Conn,
    partner_id: i64,
    user_id: &str,
) -> Result<Vec<(i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT cu.category_id, cu.permission_level, cu.status FROM category_user cu \
         WHERE cu.partner_id = $1 AND cu.user_id = $2",
    )
    .bind(partner_id)
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("category_id")?,
                r.try_get("permission_level")?,
                r.try_get("status")?,
            ))
        })
        .collect()
}
