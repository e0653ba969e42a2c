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

/// What every page of an app needs before anything else, in one query: the app, the
/// privacy contexts of its root category, its partner, and whether a KS (by its hash) was
/// ended.
pub struct AppVisit {
    pub app: App,
    pub root_contexts: String,
    pub partner: crate::partners::Partner,
    pub revoked: bool,
}

pub async fn visit(conn: &mut Conn, slug: &str, ks_hash: &str) -> Result<Option<AppVisit>> {
    let app_columns = COLUMNS
        .split(',')
        .map(|c| format!("app.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {app_columns}, COALESCE((SELECT c.privacy_contexts FROM category c \
         WHERE c.id = app.root_category_id), '') AS root_contexts, \
         p.name AS p_name, p.admin_secret AS p_admin_secret, p.secret AS p_secret, \
         p.entitlement_default AS p_entitlement_default, p.ks_version AS p_ks_version, \
         p.ks_max_expiry AS p_ks_max_expiry, p.categories_per_entry AS p_categories_per_entry, \
         (SELECT COUNT(*) FROM revoked_session r WHERE r.ks_hash = $2) AS revoked \
         FROM app JOIN partner p ON p.id = app.partner_id WHERE app.slug = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(slug)
        .bind(ks_hash)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let app = from_row(&row)?;
    let partner = crate::partners::Partner {
        id: app.partner_id,
        name: row.try_get("p_name")?,
        admin_secret: row.try_get("p_admin_secret")?,
        secret: row.try_get("p_secret")?,
        entitlement_default: row.try_get::<i64, _>("p_entitlement_default")? != 0,
        ks_version: row.try_get("p_ks_version")?,
        ks_max_expiry: row.try_get("p_ks_max_expiry")?,
        categories_per_entry: row.try_get("p_categories_per_entry")?,
    };
    Ok(Some(AppVisit {
        root_contexts: row.try_get("root_contexts")?,
        revoked: row.try_get::<i64, _>("revoked")? > 0,
        app,
        partner,
    }))
}
