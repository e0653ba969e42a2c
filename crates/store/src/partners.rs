//! Partners: the accounts everything else belongs to.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, Result, now, random_token};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub admin_secret: String,
    pub secret: String,
    /// Whether entitlement applies to sessions that neither enable nor disable it.
    pub entitlement_default: bool,
    /// 1 or 2: the KS format `session.start` issues.
    pub ks_version: i64,
    pub ks_max_expiry: i64,
    pub categories_per_entry: i64,
}

fn from_row(row: &AnyRow) -> Result<Partner> {
    Ok(Partner {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        admin_secret: row.try_get("admin_secret")?,
        secret: row.try_get("secret")?,
        entitlement_default: row.try_get::<i64, _>("entitlement_default")? != 0,
        ks_version: row.try_get("ks_version")?,
        ks_max_expiry: row.try_get("ks_max_expiry")?,
        categories_per_entry: row.try_get("categories_per_entry")?,
    })
}

const COLUMNS: &str = "id, name, admin_secret, secret, entitlement_default, ks_version, \
                       ks_max_expiry, categories_per_entry";

/// Creates a partner with fresh random secrets.
pub async fn create(conn: &mut Conn, name: &str) -> Result<Partner> {
    let sql = format!(
        "INSERT INTO partner (name, admin_secret, secret, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .bind(random_token(32))
        .bind(random_token(32))
        .bind(now())
        .fetch_one(conn)
        .await?;
    from_row(&row)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Partner>> {
    let sql = format!("SELECT {COLUMNS} FROM partner WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A partner, and whether a KS (by its hash) was ended: the two facts every call with a KS
/// needs, in one query.
pub async fn get_with_revocation(
    conn: &mut Conn,
    id: i64,
    ks_hash: &str,
) -> Result<Option<(Partner, bool)>> {
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT COUNT(*) FROM revoked_session r WHERE r.ks_hash = $2)        \
              AS revoked FROM partner WHERE id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(ks_hash)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => Ok(Some((
            from_row(&row)?,
            row.try_get::<i64, _>("revoked")? > 0,
        ))),
        None => Ok(None),
    }
}

pub async fn first(conn: &mut Conn) -> Result<Option<Partner>> {
    let sql = format!("SELECT {COLUMNS} FROM partner ORDER BY id LIMIT 1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM partner")
        .fetch_one(conn)
        .await?)
}

/// Changes a partner's entitlement default and KS version.
pub async fn configure(
    conn: &mut Conn,
    id: i64,
    entitlement_default: bool,
    ks_version: i64,
) -> Result<()> {
    sqlx::query("UPDATE partner SET entitlement_default = $1, ks_version = $2 WHERE id = $3")
        .bind(i64::from(entitlement_default))
        .bind(ks_version)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
