//! Applications: a partner's video portal and LMS apps, and their stored module settings.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, Result, now};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub id: i64,
    pub partner_id: i64,
    /// `portal` or `kaf`.
    pub kind: String,
    pub name: String,
    pub slug: String,
    pub base_url: String,
    pub root_category_id: i64,
    /// The settings that were set, as a JSON object of modules.
    pub settings: String,
    pub lti11_key: String,
    pub lti11_secret: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, partner_id, kind, name, slug, base_url, root_category_id, settings, \
    lti11_key, lti11_secret, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<App> {
    Ok(App {
        id: row.try_get("id")?,
        partner_id: row.try_get("partner_id")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        base_url: row.try_get("base_url")?,
        root_category_id: row.try_get("root_category_id")?,
        settings: row.try_get("settings")?,
        lti11_key: row.try_get("lti11_key")?,
        lti11_secret: row.try_get("lti11_secret")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Inserts an app; `id`, `created_at` and `updated_at` are set by the store.
pub async fn insert(conn: &mut Conn, app: &App) -> Result<App> {
    let sql = format!(
        "INSERT INTO app (partner_id, kind, name, slug, base_url, root_category_id, settings, \
         lti11_key, lti11_secret, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(app.partner_id)
        .bind(app.kind.as_str())
        .bind(app.name.as_str())
        .bind(app.slug.as_str())
        .bind(app.base_url.as_str())
        .bind(app.root_category_id)
        .bind(app.settings.as_str())
        .bind(app.lti11_key.as_str())
        .bind(app.lti11_secret.as_str())
        .bind(now())
        .fetch_one(conn)
        .await?;
    from_row(&row)
}

pub async fn by_slug(conn: &mut Conn, slug: &str) -> Result<Option<App>> {
    let sql = format!("SELECT {COLUMNS} FROM app WHERE slug = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(slug)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every app, or those of one partner, in the order they were made.
pub async fn list(conn: &mut Conn, partner_id: Option<i64>) -> Result<Vec<App>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM app WHERE ($1 = 0 OR partner_id = $1) ORDER BY partner_id, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(partner_id.unwrap_or(0))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_settings(conn: &mut Conn, id: i64, settings: &str) -> Result<()> {
    sqlx::query("UPDATE app SET settings = $1, updated_at = $2 WHERE id = $3")
        .bind(settings)
        .bind(now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An app with the privacy contexts of its root category: what every page of the app
/// needs before anything else, in one query.
pub async fn by_slug_with_root(conn: &mut Conn, slug: &str) -> Result<Option<(App, String)>> {
    let sql = format!(
        "SELECT {COLUMNS}, COALESCE((SELECT c.privacy_contexts FROM category c \
         WHERE c.id = app.root_category_id), '') AS root_contexts FROM app WHERE slug = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(slug)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => Ok(Some((from_row(&row)?, row.try_get("root_contexts")?))),
        None => Ok(None),
    }
}
