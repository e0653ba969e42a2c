//! Publications (`categoryEntry`): entries in categories, with who added them and why, and
//! the category counters they move.

use quad_domain::CategoryPath;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::categories::{self, Category};
use crate::sql::{Sql, like_escape};
use crate::{Conn, Result, now};

pub const STATUS_PENDING: i64 = 1;
pub const STATUS_ACTIVE: i64 = 2;
pub const STATUS_REJECTED: i64 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub category_id: i64,
    pub entry_id: String,
    pub partner_id: i64,
    pub status: i64,
    pub creator_user_id: Option<String>,
    /// Why it was added: `api`, `manual`, `embed`, `watch`, `schedule`.
    pub reason: String,
    pub category_full_ids: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "ce.category_id, ce.entry_id, ce.partner_id, ce.status, \
    ce.creator_user_id, ce.reason, c.full_ids AS category_full_ids, ce.created_at, ce.updated_at";

fn from_row(row: &AnyRow) -> Result<Publication> {
    Ok(Publication {
        category_id: row.try_get("category_id")?,
        entry_id: row.try_get("entry_id")?,
        partner_id: row.try_get("partner_id")?,
        status: row.try_get("status")?,
        creator_user_id: row.try_get("creator_user_id")?,
        reason: row.try_get("reason")?,
        category_full_ids: row.try_get("category_full_ids")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn get(conn: &mut Conn, category_id: i64, entry_id: &str) -> Result<Option<Publication>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE ce.category_id = $1 AND ce.entry_id = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(category_id)
        .bind(entry_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// How many categories an entry is published in or pending for.
pub async fn count_for_entry(conn: &mut Conn, entry_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM category_entry WHERE entry_id = $1 AND status IN (1, 2)",
    )
    .bind(entry_id)
    .fetch_one(conn)
    .await?)
}

/// Moves the counters of the category and its ancestors for a publication entering
/// (`sign` 1) or leaving (`sign` -1) the given status.
async fn count(conn: &mut Conn, category: &Category, status: i64, sign: i64) -> Result<()> {
    let path = CategoryPath::parse(&category.full_name, &category.full_ids);
    match status {
        STATUS_ACTIVE => {
            categories::bump(conn, &[category.id], "direct_entries_count", sign).await?;
            categories::bump(conn, &path.ids, "entries_count", sign).await
        }
        STATUS_PENDING => {
            categories::bump(conn, &[category.id], "pending_entries_count", sign).await
        }
        _ => Ok(()),
    }
}

/// Adds (or replaces a rejected) publication with the status the domain decided.
pub async fn add(
    conn: &mut Conn,
    category: &Category,
    entry_id: &str,
    status: i64,
    creator: Option<&str>,
    reason: &str,
) -> Result<Publication> {
    if let Some(old) = get(conn, category.id, entry_id).await? {
        remove(conn, category, &old).await?;
    }
    let t = now();
    sqlx::query(
        "INSERT INTO category_entry (category_id, entry_id, partner_id, status, \
         creator_user_id, reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(category.id)
    .bind(entry_id)
    .bind(category.partner_id)
    .bind(status)
    .bind(creator.map(str::to_owned))
    .bind(reason)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    count(conn, category, status, 1).await?;
    let created = get(conn, category.id, entry_id).await?;
    created.ok_or(crate::StoreError::Database(sqlx::Error::RowNotFound))
}

/// Adds an active publication unless the entry is already in the category in any status;
/// two concurrent calls add one. Returns whether this call added it.
pub async fn add_active_if_absent(
    conn: &mut Conn,
    category: &Category,
    entry_id: &str,
    creator: Option<&str>,
    reason: &str,
) -> Result<bool> {
    let t = now();
    let inserted = sqlx::query(
        "INSERT INTO category_entry (category_id, entry_id, partner_id, status, \
         creator_user_id, reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (category_id, entry_id) DO NOTHING",
    )
    .bind(category.id)
    .bind(entry_id)
    .bind(category.partner_id)
    .bind(STATUS_ACTIVE)
    .bind(creator.map(str::to_owned))
    .bind(reason)
    .bind(t)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        count(conn, category, STATUS_ACTIVE, 1).await?;
    }
    Ok(inserted)
}

pub async fn set_status(
    conn: &mut Conn,
    category: &Category,
    publication: &Publication,
    status: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE category_entry SET status = $1, updated_at = $2 WHERE category_id = $3 AND \
            entry_id = $4",
    )
    .bind(status)
    .bind(now())
    .bind(category.id)
    .bind(publication.entry_id.as_str())
    .execute(&mut *conn)
    .await?;
    count(conn, category, publication.status, -1).await?;
    count(conn, category, status, 1).await
}

pub async fn remove(conn: &mut Conn, category: &Category, publication: &Publication) -> Result<()> {
    sqlx::query("DELETE FROM category_entry WHERE category_id = $1 AND entry_id = $2")
        .bind(category.id)
        .bind(publication.entry_id.as_str())
        .execute(&mut *conn)
        .await?;
    count(conn, category, publication.status, -1).await
}

/// All publications of one entry, any status.
pub async fn of_entry(conn: &mut Conn, entry_id: &str) -> Result<Vec<Publication>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE ce.entry_id = $1 ORDER BY ce.created_at, ce.category_id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(entry_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// All publications in one category, any status.
pub async fn of_category(conn: &mut Conn, category_id: i64) -> Result<Vec<Publication>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE ce.category_id = $1"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(category_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone, Default)]
pub struct PublicationFilter {
    pub category_id_equal: Option<i64>,
    pub category_id_in: Option<Vec<i64>>,
    pub entry_id_equal: Option<String>,
    pub entry_id_in: Option<Vec<String>>,
    pub created_at_gte: Option<i64>,
    pub created_at_lte: Option<i64>,
    pub category_full_ids_starts_with: Option<String>,
    pub status_equal: Option<i64>,
    pub status_in: Option<Vec<i64>>,
    pub creator_user_id_equal: Option<String>,
    pub creator_user_id_in: Option<Vec<String>>,
    pub order_by: Option<(String, bool)>,
}

/// A page of publications; `visible_categories`, when given, keeps only publications in
/// categories the session may see (the caller computes it with the domain rule).
pub async fn list(
    conn: &mut Conn,
    partner_id: i64,
    f: &PublicationFilter,
    hide_categories: &[i64],
    limit: i64,
    offset: i64,
) -> Result<(Vec<Publication>, i64)> {
    let build = |select: &str| {
        let mut sql = Sql::new(select);
        sql.push(" FROM category_entry ce JOIN category c ON c.id = ce.category_id");
        sql.push(" JOIN entry e ON e.id = ce.entry_id WHERE ce.partner_id = ")
            .bind(partner_id);
        sql.push(" AND e.status <> 3");
        if let Some(v) = f.category_id_equal {
            sql.push(" AND ce.category_id = ").bind(v);
        }
        if let Some(v) = &f.category_id_in {
            sql.push(" AND ce.category_id IN ")
                .bind_list(v.iter().copied());
        }
        if let Some(v) = &f.entry_id_equal {
            sql.push(" AND ce.entry_id = ").bind(v);
        }
        if let Some(v) = &f.entry_id_in {
            sql.push(" AND ce.entry_id IN ")
                .bind_list(v.iter().cloned());
        }
        if let Some(v) = f.created_at_gte {
            sql.push(" AND ce.created_at >= ").bind(v);
        }
        if let Some(v) = f.created_at_lte {
            sql.push(" AND ce.created_at <= ").bind(v);
        }
        if let Some(v) = &f.category_full_ids_starts_with {
            sql.push(" AND c.full_ids LIKE ")
                .bind(format!("{}%", like_escape(v)));
            sql.push(" ESCAPE '\\'");
        }
        if let Some(v) = f.status_equal {
            sql.push(" AND ce.status = ").bind(v);
        }
        if let Some(v) = &f.status_in {
            sql.push(" AND ce.status IN ").bind_list(v.iter().copied());
        }
        if let Some(v) = &f.creator_user_id_equal {
            sql.push(" AND ce.creator_user_id = ").bind(v);
        }
        if let Some(v) = &f.creator_user_id_in {
            sql.push(" AND ce.creator_user_id IN ")
                .bind_list(v.iter().cloned());
        }
        if !hide_categories.is_empty() {
            sql.push(" AND ce.category_id NOT IN ")
                .bind_list(hide_categories.iter().copied());
        }
        sql
    };
    let total: i64 = build("SELECT COUNT(*)")
        .query()
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut sql = build(&format!("SELECT {COLUMNS}"));
    let desc = f.order_by.as_ref().is_some_and(|(_, d)| *d);
    let dir = if desc { "DESC" } else { "ASC" };
    sql.push(&format!(
        " ORDER BY ce.created_at {dir}, ce.category_id {dir}, ce.entry_id {dir}"
    ));
    sql.push(" LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset);
    let rows = sql.query().fetch_all(conn).await?;
    Ok((
        rows.iter().map(from_row).collect::<Result<Vec<_>>>()?,
        total,
    ))
}

/// The distinct categories that a publication query would touch, for the caller to judge.
pub async fn categories_of(
    conn: &mut Conn,
    partner_id: i64,
    f: &PublicationFilter,
) -> Result<Vec<i64>> {
    let mut sql =
        Sql::new("SELECT DISTINCT ce.category_id FROM category_entry ce WHERE ce.partner_id = ");
    sql.bind(partner_id);
    if let Some(v) = f.category_id_equal {
        sql.push(" AND ce.category_id = ").bind(v);
    }
    if let Some(v) = &f.category_id_in {
        sql.push(" AND ce.category_id IN ")
            .bind_list(v.iter().copied());
    }
    if let Some(v) = &f.entry_id_equal {
        sql.push(" AND ce.entry_id = ").bind(v);
    }
    if let Some(v) = &f.entry_id_in {
        sql.push(" AND ce.entry_id IN ")
            .bind_list(v.iter().cloned());
    }
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

/// A publication with where its category sits: what "Published in" shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedPublication {
    pub entry_id: String,
    pub category_id: i64,
    pub status: i64,
    pub creator_user_id: Option<String>,
    pub reason: String,
    /// Ancestor ids from the root down, `>`-separated, the category's own last.
    pub full_ids: String,
    /// Ancestor names from the root down, `>`-separated.
    pub full_name: String,
}

/// The live (pending, active, rejected) publications of several entries at once.
pub async fn placed(conn: &mut Conn, entry_ids: &[String]) -> Result<Vec<PlacedPublication>> {
    if entry_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT ce.entry_id, ce.category_id, ce.status, ce.creator_user_id, ce.reason, \
         c.full_ids, c.full_name FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE c.status <> ",
    );
    sql.bind(categories::STATUS_DELETED)
        .push(" AND ce.entry_id IN ");
    sql.bind_list(entry_ids.iter().cloned())
        .push(" ORDER BY ce.created_at, ce.category_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            Ok(PlacedPublication {
                entry_id: row.try_get("entry_id")?,
                category_id: row.try_get("category_id")?,
                status: row.try_get("status")?,
                creator_user_id: row.try_get("creator_user_id")?,
                reason: row.try_get("reason")?,
                full_ids: row.try_get("full_ids")?,
                full_name: row.try_get("full_name")?,
            })
        })
        .collect()
}
