//! Upload tokens: the bookkeeping of uploads in progress. The bytes are in media storage.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::Sql;
use crate::{Conn, Result, now};

pub const STATUS_PENDING: i64 = 0;
pub const STATUS_PARTIAL: i64 = 1;
pub const STATUS_FULL: i64 = 2;
pub const STATUS_CLOSED: i64 = 3;
pub const STATUS_DELETED: i64 = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct UploadToken {
    pub id: String,
    pub partner_id: i64,
    pub user_id: String,
    pub status: i64,
    pub file_name: Option<String>,
    pub file_size: Option<f64>,
    pub uploaded_size: i64,
    pub auto_finalize: bool,
    pub attached_object_type: Option<String>,
    pub attached_object_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, partner_id, user_id, status, file_name, file_size, uploaded_size, \
    auto_finalize, attached_object_type, attached_object_id, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<UploadToken> {
    Ok(UploadToken {
        id: row.try_get("id")?,
        partner_id: row.try_get("partner_id")?,
        user_id: row.try_get("user_id")?,
        status: row.try_get("status")?,
        file_name: row.try_get("file_name")?,
        file_size: row.try_get("file_size")?,
        uploaded_size: row.try_get("uploaded_size")?,
        auto_finalize: row.try_get::<i64, _>("auto_finalize")? != 0,
        attached_object_type: row.try_get("attached_object_type")?,
        attached_object_id: row.try_get("attached_object_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn insert(conn: &mut Conn, t: &UploadToken) -> Result<()> {
    sqlx::query(
        "INSERT INTO upload_token (id, partner_id, user_id, status, file_name, file_size, \
         uploaded_size, auto_finalize, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(t.id.as_str())
    .bind(t.partner_id)
    .bind(t.user_id.as_str())
    .bind(t.status)
    .bind(t.file_name.clone())
    .bind(t.file_size)
    .bind(t.uploaded_size)
    .bind(i64::from(t.auto_finalize))
    .bind(t.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A token that is not deleted.
pub async fn get(conn: &mut Conn, partner_id: i64, id: &str) -> Result<Option<UploadToken>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM upload_token WHERE id = $1 AND partner_id = $2 AND status <> $3"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(partner_id)
        .bind(STATUS_DELETED)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn update(conn: &mut Conn, t: &UploadToken) -> Result<()> {
    sqlx::query(
        "UPDATE upload_token SET status = $1, uploaded_size = $2, file_size = $3, \
         attached_object_type = $4, attached_object_id = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(t.status)
    .bind(t.uploaded_size)
    .bind(t.file_size)
    .bind(t.attached_object_type.clone())
    .bind(t.attached_object_id.clone())
    .bind(now())
    .bind(t.id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct UploadTokenFilter {
    pub id_equal: Option<String>,
    pub id_in: Option<Vec<String>>,
    pub user_id_equal: Option<String>,
    pub status_equal: Option<i64>,
    pub status_in: Option<Vec<i64>>,
    pub file_name_equal: Option<String>,
}

pub async fn list(
    conn: &mut Conn,
    partner_id: i64,
    f: &UploadTokenFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UploadToken>, i64)> {
    let build = |select: &str| {
        let mut sql = Sql::new(select);
        sql.push(" FROM upload_token WHERE partner_id = ")
            .bind(partner_id);
        sql.push(" AND status <> ").bind(STATUS_DELETED);
        if let Some(v) = &f.id_equal {
            sql.push(" AND id = ").bind(v);
        }
        if let Some(v) = &f.id_in {
            sql.push(" AND id IN ").bind_list(v.iter().cloned());
        }
        if let Some(v) = &f.user_id_equal {
            sql.push(" AND user_id = ").bind(v);
        }
        if let Some(v) = f.status_equal {
            sql.push(" AND status = ").bind(v);
        }
        if let Some(v) = &f.status_in {
            sql.push(" AND status IN ").bind_list(v.iter().copied());
        }
        if let Some(v) = &f.file_name_equal {
            sql.push(" AND file_name = ").bind(v);
        }
        sql
    };
    let total: i64 = build("SELECT COUNT(*)")
        .query()
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut sql = build(&format!("SELECT {COLUMNS}"));
    sql.push(" ORDER BY created_at DESC, id LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset);
    let rows = sql.query().fetch_all(conn).await?;
    Ok((
        rows.iter().map(from_row).collect::<Result<Vec<_>>>()?,
        total,
    ))
}
