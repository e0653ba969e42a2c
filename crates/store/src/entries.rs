//! Entries and their collaborators, and the entitlement-filtered entry lists.

use std::collections::HashMap;

use quad_domain::entitlement::{EntitlementContext, ListScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::{Sql, like_escape};
use crate::{Conn, Result, now};

/// Kaltura's entry statuses that Quad uses: converting (waiting for its web flavor),
/// ready, deleted, without content, and failed conversion.
pub const STATUS_ERROR_CONVERTING: i64 = -1;
pub const STATUS_PRECONVERT: i64 = 1;
pub const STATUS_READY: i64 = 2;
pub const STATUS_DELETED: i64 = 3;
pub const STATUS_NO_CONTENT: i64 = 7;

pub const ROLE_EDITOR: i64 = 1;
pub const ROLE_PUBLISHER: i64 = 2;
pub const ROLE_VIEWER: i64 = 3;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub id: String,
    pub partner_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub tags: Option<String>,
    pub admin_tags: Option<String>,
    pub owner_id: String,
    pub creator_id: String,
    pub status: i64,
    pub media_type: Option<i64>,
    pub entry_type: i64,
    pub reference_id: Option<String>,
    pub partner_data: Option<String>,
    pub partner_sort_value: i64,
    pub duration_ms: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub size_bytes: Option<i64>,
    pub plays: i64,
    pub views: i64,
    pub last_played_at: Option<i64>,
    pub start_date: Option<i64>,
    pub end_date: Option<i64>,
    pub display_in_search: i64,
    pub template_entry_id: Option<String>,
    pub source_key: Option<String>,
    pub source_type: Option<String>,
    pub source_file_name: Option<String>,
    pub credit_user_name: Option<String>,
    pub credit_url: Option<String>,
    pub conversion_profile_id: Option<i64>,
    pub web_flavor_key: Option<String>,
    pub web_flavor_bytes: Option<i64>,
    /// Where the HLS packaging is: `{hls_key}.m3u8` and `{hls_key}.m4s`.
    pub hls_key: Option<String>,
    pub status_reason: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "e.id, e.partner_id, e.name, e.description, e.tags, e.admin_tags, \
    e.owner_id, e.creator_id, e.status, e.media_type, e.entry_type, e.reference_id, \
    e.partner_data, e.partner_sort_value, e.duration_ms, e.width, e.height, e.size_bytes, \
    e.plays, e.views, e.last_played_at, e.start_date, e.end_date, e.display_in_search, \
    e.template_entry_id, e.source_key, e.source_type, e.source_file_name, e.credit_user_name, \
    e.credit_url, e.conversion_profile_id, e.web_flavor_key, e.web_flavor_bytes, \
    e.hls_key, e.status_reason, e.version, e.created_at, e.updated_at";

fn from_row(row: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        id: row.try_get("id")?,
        partner_id: row.try_get("partner_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        tags: row.try_get("tags")?,
        admin_tags: row.try_get("admin_tags")?,
        owner_id: row.try_get("owner_id")?,
        creator_id: row.try_get("creator_id")?,
        status: row.try_get("status")?,
        media_type: row.try_get("media_type")?,
        entry_type: row.try_get("entry_type")?,
        reference_id: row.try_get("reference_id")?,
        partner_data: row.try_get("partner_data")?,
        partner_sort_value: row.try_get("partner_sort_value")?,
        duration_ms: row.try_get("duration_ms")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        size_bytes: row.try_get("size_bytes")?,
        plays: row.try_get("plays")?,
        views: row.try_get("views")?,
        last_played_at: row.try_get("last_played_at")?,
        start_date: row.try_get("start_date")?,
        end_date: row.try_get("end_date")?,
        display_in_search: row.try_get("display_in_search")?,
        template_entry_id: row.try_get("template_entry_id")?,
        source_key: row.try_get("source_key")?,
        source_type: row.try_get("source_type")?,
        source_file_name: row.try_get("source_file_name")?,
        credit_user_name: row.try_get("credit_user_name")?,
        credit_url: row.try_get("credit_url")?,
        conversion_profile_id: row.try_get("conversion_profile_id")?,
        web_flavor_key: row.try_get("web_flavor_key")?,
        web_flavor_bytes: row.try_get("web_flavor_bytes")?,
        hls_key: row.try_get("hls_key")?,
        status_reason: row.try_get("status_reason")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Kaltura-style entry ids: `0_` and eight lowercase letters or digits.
pub fn new_entry_id() -> String {
    format!("0_{}", crate::random_token(8))
}

fn bind_fields(sql: &mut Sql, e: &Entry) {
    sql.bind(e.name.clone())
        .push(", ")
        .bind(e.description.clone())
        .push(", ");
    sql.bind(e.tags.clone())
        .push(", ")
        .bind(e.admin_tags.clone())
        .push(", ");
    sql.bind(e.owner_id.clone())
        .push(", ")
        .bind(e.creator_id.clone())
        .push(", ");
    sql.bind(e.status)
        .push(", ")
        .bind(e.media_type)
        .push(", ")
        .bind(e.entry_type)
        .push(", ");
    sql.bind(e.reference_id.clone())
        .push(", ")
        .bind(e.partner_data.clone())
        .push(", ");
    sql.bind(e.partner_sort_value)
        .push(", ")
        .bind(e.duration_ms)
        .push(", ");
    sql.bind(e.width)
        .push(", ")
        .bind(e.height)
        .push(", ")
        .bind(e.size_bytes)
        .push(", ");
    sql.bind(e.plays)
        .push(", ")
        .bind(e.views)
        .push(", ")
        .bind(e.last_played_at)
        .push(", ");
    sql.bind(e.start_date)
        .push(", ")
        .bind(e.end_date)
        .push(", ");
    sql.bind(e.display_in_search)
        .push(", ")
        .bind(e.template_entry_id.clone())
        .push(", ");
    sql.bind(e.source_key.clone())
        .push(", ")
        .bind(e.source_type.clone())
        .push(", ");
    sql.bind(e.source_file_name.clone())
        .push(", ")
        .bind(e.credit_user_name.clone());
    sql.push(", ")
        .bind(e.credit_url.clone())
        .push(", ")
        .bind(e.conversion_profile_id);
    sql.push(", ")
        .bind(e.web_flavor_key.clone())
        .push(", ")
        .bind(e.web_flavor_bytes)
        .push(", ")
        .bind(e.hls_key.clone())
        .push(", ")
        .bind(e.status_reason.clone());
    sql.push(", ").bind(e.version);
}

const FIELD_NAMES: &str = "name, description, tags, admin_tags, owner_id, creator_id, status, \
    media_type, entry_type, reference_id, partner_data, partner_sort_value, duration_ms, width, \
    height, size_bytes, plays, views, last_played_at, start_date, end_date, display_in_search, \
    template_entry_id, source_key, source_type, source_file_name, credit_user_name, credit_url, \
    conversion_profile_id, web_flavor_key, web_flavor_bytes, hls_key, status_reason, version";

pub async fn insert(conn: &mut Conn, e: &Entry) -> Result<()> {
    let mut sql = Sql::new(&format!(
        "INSERT INTO entry (id, partner_id, created_at, updated_at, {FIELD_NAMES}) VALUES ("
    ));
    sql.bind(e.id.clone())
        .push(", ")
        .bind(e.partner_id)
        .push(", ");
    sql.bind(e.created_at)
        .push(", ")
        .bind(e.updated_at)
        .push(", ");
    bind_fields(&mut sql, e);
    sql.push(")");
    sql.query().execute(conn).await?;
    Ok(())
}

/// Writes every field of the entry back and bumps `updated_at`.
pub async fn update(conn: &mut Conn, e: &Entry) -> Result<()> {
    let mut sql = Sql::new(&format!("UPDATE entry SET ({FIELD_NAMES}, updated_at) = ("));
    bind_fields(&mut sql, e);
    sql.push(", ")
        .bind(now())
        .push(") WHERE id = ")
        .bind(e.id.clone());
    sql.query().execute(conn).await?;
    Ok(())
}

/// A live (not deleted) entry of the partner.
pub async fn get(conn: &mut Conn, partner_id: i64, id: &str) -> Result<Option<Entry>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM entry e WHERE e.id = "));
    sql.bind(id).push(" AND e.partner_id = ").bind(partner_id);
    sql.push(" AND e.status <> ").bind(STATUS_DELETED);
    let row = sql.query().fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Live entries by id, in no particular order. The unary `+` keeps the planner on the
/// primary key instead of scanning the partner's entries.
pub async fn get_many(conn: &mut Conn, partner_id: i64, ids: &[String]) -> Result<Vec<Entry>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM entry e WHERE +e.partner_id = "
    ));
    sql.bind(partner_id)
        .push(" AND e.status <> ")
        .bind(STATUS_DELETED);
    sql.push(" AND e.id IN ").bind_list(ids.iter().cloned());
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Co-editors, co-publishers and co-viewers, each in the order they were given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collaborators {
    pub editors: Vec<String>,
    pub publishers: Vec<String>,
    pub viewers: Vec<String>,
}

/// Replaces the collaborators of one role.
pub async fn set_collaborators(
    conn: &mut Conn,
    partner_id: i64,
    entry_id: &str,
    role: i64,
    users: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM entry_collaborator WHERE entry_id = $1 AND role = $2")
        .bind(entry_id)
        .bind(role)
        .execute(&mut *conn)
        .await?;
    for (position, user) in users.iter().enumerate() {
        sqlx::query(
            "INSERT INTO entry_collaborator (entry_id, role, user_id, partner_id, position) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(entry_id)
        .bind(role)
        .bind(user.as_str())
        .bind(partner_id)
        .bind(position as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn collaborators(
    conn: &mut Conn,
    entry_ids: &[String],
) -> Result<HashMap<String, Collaborators>> {
    let mut sql =
        Sql::new("SELECT entry_id, role, user_id FROM entry_collaborator WHERE entry_id IN ");
    sql.bind_list(entry_ids.iter().cloned())
        .push(" ORDER BY entry_id, role, position");
    let rows = sql.query().fetch_all(conn).await?;
    let mut map: HashMap<String, Collaborators> = HashMap::new();
    for row in rows {
        let entry: String = row.try_get("entry_id")?;
        let role: i64 = row.try_get("role")?;
        let user: String = row.try_get("user_id")?;
        let c = map.entry(entry).or_default();
        match role {
            ROLE_EDITOR => c.editors.push(user),
            ROLE_PUBLISHER => c.publishers.push(user),
            _ => c.viewers.push(user),
        }
    }
    Ok(map)
}

/// One publication of an entry, with what entitlement needs to judge it for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationFacts {
    pub category_id: i64,
    pub status: i64,
    pub privacy: i64,
    pub privacy_contexts: String,
    pub viewer_is_member: bool,
}

/// The publications of an entry, judged for `user`'s memberships.
pub async fn publication_facts(
    conn: &mut Conn,
    entry_id: &str,
    user: Option<&str>,
) -> Result<Vec<PublicationFacts>> {
    let rows = sqlx::query(
        "SELECT ce.category_id, ce.status, c.privacy, c.privacy_contexts, \
         (SELECT COUNT(*) FROM category_user cu WHERE cu.category_id = c.inherited_parent_id \
          AND cu.user_id = $2 AND cu.status = 1) AS member \
         FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE ce.entry_id = $1",
    )
    .bind(entry_id)
    .bind(user.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PublicationFacts {
                category_id: row.try_get("category_id")?,
                status: row.try_get("status")?,
                privacy: row.try_get("privacy")?,
                privacy_contexts: row.try_get("privacy_contexts")?,
                viewer_is_member: row.try_get::<i64, _>("member")? > 0,
            })
        })
        .collect()
}

/// The collaborators and public categories of entries at once: what rendering a page of
/// entries needs besides their rows, in one statement.
pub async fn extras(
    conn: &mut Conn,
    entry_ids: &[String],
) -> Result<(
    HashMap<String, Collaborators>,
    HashMap<String, Vec<(i64, String)>>,
)> {
    let mut sql = Sql::new(
        "SELECT ec.entry_id AS entry_id, ec.role AS kind, ec.user_id AS value, '' AS name, \
         ec.position AS ord FROM entry_collaborator ec WHERE ec.entry_id IN ",
    );
    sql.bind_list(entry_ids.iter().cloned());
    sql.push(
        " UNION ALL SELECT ce.entry_id, 0, CAST(c.id AS TEXT), c.full_name, ce.created_at \
         FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE ce.status = 2 AND c.privacy_contexts = '' AND ce.entry_id IN ",
    );
    sql.bind_list(entry_ids.iter().cloned());
    sql.push(" ORDER BY 1, 2, 5, 3");
    let rows = sql.query().fetch_all(conn).await?;
    let mut collaborators: HashMap<String, Collaborators> = HashMap::new();
    let mut categories: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for row in rows {
        let entry: String = row.try_get("entry_id")?;
        let value: String = row.try_get("value")?;
        match row.try_get::<i64, _>("kind")? {
            0 => {
                let id = value.parse().unwrap_or_default();
                categories
                    .entry(entry)
                    .or_default()
                    .push((id, row.try_get("name")?));
            }
            ROLE_EDITOR => collaborators.entry(entry).or_default().editors.push(value),
            ROLE_PUBLISHER => collaborators
                .entry(entry)
                .or_default()
                .publishers
                .push(value),
            _ => collaborators.entry(entry).or_default().viewers.push(value),
        }
    }
    Ok((collaborators, categories))
}

/// The entry filter fields Quad supports; unset fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub id_equal: Option<String>,
    pub id_in: Option<Vec<String>>,
    pub id_not_in: Option<Vec<String>>,
    pub name_equal: Option<String>,
    pub name_like: Option<String>,
    pub name_multi_like_or: Option<Vec<String>>,
    pub name_multi_like_and: Option<Vec<String>>,
    pub user_id_equal: Option<String>,
    pub user_id_in: Option<Vec<String>>,
    pub user_id_not_in: Option<Vec<String>>,
    pub creator_id_equal: Option<String>,
    pub tags_like: Option<String>,
    pub tags_multi_like_or: Option<Vec<String>>,
    pub tags_multi_like_and: Option<Vec<String>>,
    pub admin_tags_like: Option<String>,
    pub categories_ids_match_or: Option<Vec<i64>>,
    pub categories_ids_match_and: Option<Vec<i64>>,
    pub categories_ids_not_contains: Option<Vec<i64>>,
    pub categories_ids_empty: Option<bool>,
    pub categories_match_or: Option<Vec<String>>,
    pub categories_match_and: Option<Vec<String>>,
    pub categories_full_name_in: Option<Vec<String>>,
    pub category_ancestor_id_in: Option<Vec<i64>>,
    pub status_equal: Option<i64>,
    pub status_not_equal: Option<i64>,
    pub status_in: Option<Vec<i64>>,
    pub status_not_in: Option<Vec<i64>>,
    pub media_type_equal: Option<i64>,
    pub media_type_in: Option<Vec<i64>>,
    pub type_equal: Option<i64>,
    pub type_in: Option<Vec<i64>>,
    pub created_at_gte: Option<i64>,
    pub created_at_lte: Option<i64>,
    pub updated_at_gte: Option<i64>,
    pub updated_at_lte: Option<i64>,
    pub reference_id_equal: Option<String>,
    pub reference_id_in: Option<Vec<String>>,
    /// Per collaborator role: (role, users, all of them must match).
    pub entitled_users: Vec<(i64, Vec<String>, bool)>,
    pub free_text: Option<String>,
    pub search_text_match_and: Option<Vec<String>>,
    pub search_text_match_or: Option<Vec<String>>,
    pub description_like: Option<String>,
    pub duration_less_than: Option<i64>,
    pub duration_greater_than: Option<i64>,
    pub duration_less_than_or_equal: Option<i64>,
    pub duration_greater_than_or_equal: Option<i64>,
    /// Sort field as the API names it, and whether descending.
    pub order_by: Option<(String, bool)>,
}

impl EntryFilter {
    /// Whether the filter names entries by id or reference, which lifts the "own entries
    /// only" restriction of user sessions.
    pub fn names_entries(&self) -> bool {
        self.id_equal.is_some()
            || self.id_in.is_some()
            || self.reference_id_equal.is_some()
            || self.reference_id_in.is_some()
    }
}

fn contains_word(sql: &mut Sql, column: &str, word: &str) {
    sql.push(&format!("lower(COALESCE({column}, '')) LIKE "));
    sql.bind(format!("%{}%", like_escape(&word.to_lowercase())))
        .push(" ESCAPE '\\'");
}

fn any_text_contains(sql: &mut Sql, word: &str) {
    sql.push("(");
    contains_word(sql, "e.name", word);
    sql.push(" OR ");
    contains_word(sql, "e.description", word);
    sql.push(" OR ");
    contains_word(sql, "e.tags", word);
    sql.push(")");
}

fn all_or_any(sql: &mut Sql, words: &[String], all: bool, each: impl Fn(&mut Sql, &str)) {
    sql.push(" AND (");
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            sql.push(if all { " AND " } else { " OR " });
        }
        each(sql, word);
    }
    if words.is_empty() {
        sql.push("1 = 1");
    }
    sql.push(")");
}

fn published_in(sql: &mut Sql, negate: bool, condition: impl FnOnce(&mut Sql)) {
    sql.push(if negate {
        " AND NOT EXISTS ("
    } else {
        " AND EXISTS ("
    });
    sql.push(
        "SELECT 1 FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE ce.entry_id = e.id AND ce.status = 2 AND ",
    );
    condition(sql);
    sql.push(")");
}

fn push_filter(sql: &mut Sql, f: &EntryFilter) {
    if let Some(v) = &f.id_equal {
        sql.push(" AND e.id = ").bind(v);
    }
    if let Some(v) = &f.id_in {
        sql.push(" AND e.id IN ").bind_list(v.iter().cloned());
    }
    if let Some(v) = &f.id_not_in {
        sql.push(" AND e.id NOT IN ").bind_list(v.iter().cloned());
    }
    if let Some(v) = &f.name_equal {
        sql.push(" AND e.name = ").bind(v);
    }
    if let Some(v) = &f.name_like {
        sql.push(" AND ");
        contains_word(sql, "e.name", v);
    }
    if let Some(v) = &f.name_multi_like_or {
        all_or_any(sql, v, false, |s, w| contains_word(s, "e.name", w));
    }
    if let Some(v) = &f.name_multi_like_and {
        all_or_any(sql, v, true, |s, w| contains_word(s, "e.name", w));
    }
    if let Some(v) = &f.user_id_equal {
        sql.push(" AND e.owner_id = ").bind(v);
    }
    if let Some(v) = &f.user_id_in {
        sql.push(" AND e.owner_id IN ").bind_list(v.iter().cloned());
    }
    if let Some(v) = &f.user_id_not_in {
        sql.push(" AND e.owner_id NOT IN ")
            .bind_list(v.iter().cloned());
    }
    if let Some(v) = &f.creator_id_equal {
        sql.push(" AND e.creator_id = ").bind(v);
    }
    if let Some(v) = &f.tags_like {
        sql.push(" AND ");
        contains_word(sql, "e.tags", v);
    }
    if let Some(v) = &f.tags_multi_like_or {
        all_or_any(sql, v, false, |s, w| contains_word(s, "e.tags", w));
    }
    if let Some(v) = &f.tags_multi_like_and {
        all_or_any(sql, v, true, |s, w| contains_word(s, "e.tags", w));
    }
    if let Some(v) = &f.admin_tags_like {
        sql.push(" AND ");
        contains_word(sql, "e.admin_tags", v);
    }
    if let Some(ids) = &f.categories_ids_match_or {
        published_in(sql, false, |s| {
            s.push("ce.category_id IN ").bind_list(ids.iter().copied());
        });
    }
    if let Some(ids) = &f.categories_ids_match_and {
        for id in ids {
            published_in(sql, false, |s| {
                s.push("ce.category_id = ").bind(*id);
            });
        }
    }
    if let Some(ids) = &f.categories_ids_not_contains {
        published_in(sql, true, |s| {
            s.push("ce.category_id IN ").bind_list(ids.iter().copied());
        });
    }
    if let Some(empty) = f.categories_ids_empty {
        published_in(sql, empty, |s| {
            s.push("1 = 1");
        });
    }
    let under_name = |s: &mut Sql, name: &str| {
        s.push("(c.full_name = ")
            .bind(name)
            .push(" OR c.full_name LIKE ");
        s.bind(format!("{}>%", like_escape(name)))
            .push(" ESCAPE '\\')");
    };
    if let Some(names) = &f.categories_match_or {
        published_in(sql, false, |s| {
            s.push("(");
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    s.push(" OR ");
                }
                under_name(s, name);
            }
            if names.is_empty() {
                s.push("1 = 0");
            }
            s.push(")");
        });
    }
    if let Some(names) = &f.categories_match_and {
        for name in names {
            published_in(sql, false, |s| under_name(s, name));
        }
    }
    if let Some(names) = &f.categories_full_name_in {
        published_in(sql, false, |s| {
            s.push("c.full_name IN ").bind_list(names.iter().cloned());
        });
    }
    if let Some(ids) = &f.category_ancestor_id_in {
        published_in(sql, false, |s| {
            s.push("(c.id IN ").bind_list(ids.iter().copied());
            for id in ids {
                s.push(" OR ('>' || c.full_ids || '>') LIKE ")
                    .bind(format!("%>{id}>%"));
            }
            s.push(")");
        });
    }
    if let Some(v) = f.status_equal {
        sql.push(" AND e.status = ").bind(v);
    }
    if let Some(v) = f.status_not_equal {
        sql.push(" AND e.status <> ").bind(v);
    }
    if let Some(v) = &f.status_in {
        sql.push(" AND e.status IN ").bind_list(v.iter().copied());
    }
    if let Some(v) = &f.status_not_in {
        sql.push(" AND e.status NOT IN ")
            .bind_list(v.iter().copied());
    }
    if let Some(v) = f.media_type_equal {
        sql.push(" AND e.media_type = ").bind(v);
    }
    if let Some(v) = &f.media_type_in {
        sql.push(" AND e.media_type IN ")
            .bind_list(v.iter().copied());
    }
    if let Some(v) = f.type_equal {
        sql.push(" AND e.entry_type = ").bind(v);
    }
    if let Some(v) = &f.type_in {
        sql.push(" AND e.entry_type IN ")
            .bind_list(v.iter().copied());
    }
    let ranges = [
        ("e.created_at >= ", f.created_at_gte),
        ("e.created_at <= ", f.created_at_lte),
        ("e.updated_at >= ", f.updated_at_gte),
        ("e.updated_at <= ", f.updated_at_lte),
        (
            "COALESCE(e.duration_ms, 0) < ",
            f.duration_less_than.map(|s| s * 1000),
        ),
        (
            "COALESCE(e.duration_ms, 0) > ",
            f.duration_greater_than.map(|s| s * 1000),
        ),
        (
            "COALESCE(e.duration_ms, 0) <= ",
            f.duration_less_than_or_equal.map(|s| s * 1000),
        ),
        (
            "COALESCE(e.duration_ms, 0) >= ",
            f.duration_greater_than_or_equal.map(|s| s * 1000),
        ),
    ];
    for (condition, value) in ranges {
        if let Some(v) = value {
            sql.push(" AND ").push(condition).bind(v);
        }
    }
    if let Some(v) = &f.reference_id_equal {
        sql.push(" AND e.reference_id = ").bind(v);
    }
    if let Some(v) = &f.reference_id_in {
        sql.push(" AND e.reference_id IN ")
            .bind_list(v.iter().cloned());
    }
    for (role, users, all) in &f.entitled_users {
        let exists = |s: &mut Sql, list: &[String]| {
            s.push(
                " AND EXISTS (SELECT 1 FROM entry_collaborator ec WHERE ec.entry_id = e.id \
                AND ec.role = ",
            );
            s.bind(*role)
                .push(" AND ec.user_id IN ")
                .bind_list(list.iter().cloned())
                .push(")");
        };
        if *all {
            for user in users {
                exists(sql, std::slice::from_ref(user));
            }
        } else {
            exists(sql, users);
        }
    }
    if let Some(v) = &f.free_text {
        sql.push(" AND ");
        any_text_contains(sql, v);
    }
    if let Some(v) = &f.search_text_match_and {
        all_or_any(sql, v, true, any_text_contains);
    }
    if let Some(v) = &f.search_text_match_or {
        all_or_any(sql, v, false, any_text_contains);
    }
    if let Some(v) = &f.description_like {
        sql.push(" AND ");
        contains_word(sql, "e.description", v);
    }
}

/// The SQL form of [`quad_domain::entitlement::may_see_entry`]; the two must agree, which
/// the store's tests check on random data.
fn push_visibility(sql: &mut Sql, ctx: &EntitlementContext) {
    if ctx.widget {
        sql.push(
            " AND EXISTS (SELECT 1 FROM category_entry ce JOIN category c ON c.id = ce.category_id \
             WHERE ce.entry_id = e.id AND ce.status = 2 AND c.privacy = 1)",
        );
        return;
    }
    if !ctx.enforced {
        return;
    }
    let user = ctx.user.as_ref().map(|u| u.as_str().to_owned());
    sql.push(" AND (e.id IN ")
        .bind_list(ctx.bypass_entries.iter().cloned());
    if let Some(user) = &user {
        sql.push(" OR e.owner_id = ").bind(user);
        sql.push(
            " OR EXISTS (SELECT 1 FROM entry_collaborator ec WHERE ec.entry_id = e.id AND \
            ec.user_id = ",
        );
        sql.bind(user).push(")");
    }
    sql.push(
        " OR EXISTS (SELECT 1 FROM category_entry ce JOIN category c ON c.id = ce.category_id \
         WHERE ce.entry_id = e.id AND ce.status = 2 AND ",
    );
    push_context_match(sql, ctx.privacy_context.as_deref(), "c");
    sql.push(" AND (c.privacy = 1");
    if let Some(user) = &user {
        sql.push(" OR c.privacy = 2 OR EXISTS (SELECT 1 FROM category_user cu ");
        sql.push(
            "WHERE cu.category_id = c.inherited_parent_id AND cu.status = 1 AND cu.user_id = ",
        );
        sql.bind(user).push(")");
    }
    sql.push("))");
    if ctx.privacy_context.is_none() {
        sql.push(
            " OR NOT EXISTS (SELECT 1 FROM category_entry ce WHERE ce.entry_id = e.id \
             AND ce.status = 2)",
        );
    }
    sql.push(")");
}

/// Whether category alias `c` is in the given privacy context (`None`: no context at all).
pub(crate) fn push_context_match(sql: &mut Sql, context: Option<&str>, alias: &str) {
    match context {
        // `replace` compares exactly on both databases; SQLite's LIKE would ignore case.
        Some(ctx) => {
            let labels = format!("(',' || {alias}.privacy_contexts || ',')");
            sql.push(&format!("replace({labels}, "));
            sql.bind(format!(",{ctx},"))
                .push(&format!(", '') <> {labels}"));
        }
        None => {
            sql.push(&format!("{alias}.privacy_contexts = ''"));
        }
    }
}

fn list_sql(
    select: &str,
    partner_id: i64,
    filter: &EntryFilter,
    scope: &ListScope,
    ctx: &EntitlementContext,
) -> Sql {
    let mut sql = Sql::new(select);
    // Named entries are found by primary key; the unary `+` keeps the planner from
    // scanning the partner's entries instead.
    let by_id = filter.id_equal.is_some() || filter.id_in.is_some();
    let partner = if by_id {
        " FROM entry e WHERE +e.partner_id = "
    } else {
        " FROM entry e WHERE e.partner_id = "
    };
    sql.push(partner).bind(partner_id);
    sql.push(" AND e.status <> ").bind(STATUS_DELETED);
    push_filter(&mut sql, filter);
    match scope {
        // The owner always sees their own entries, so entitlement adds nothing here.
        ListScope::Owned(Some(user)) => {
            sql.push(" AND e.owner_id = ").bind(user.as_str());
        }
        ListScope::Owned(None) => {
            sql.push(" AND 1 = 0");
        }
        ListScope::Entitled => push_visibility(&mut sql, ctx),
    }
    sql
}

fn order_column(field: &str) -> &'static str {
    match field {
        "updatedAt" => "e.updated_at",
        "name" => "e.name",
        "duration" => "e.duration_ms",
        "plays" => "e.plays",
        "views" => "e.views",
        "startDate" => "e.start_date",
        "endDate" => "e.end_date",
        "partnerSortValue" => "e.partner_sort_value",
        "lastPlayedAt" => "e.last_played_at",
        "mediaType" => "e.media_type",
        _ => "e.created_at",
    }
}

/// A page of the entries matching a filter within a scope, and how many match in all.
pub async fn list(
    conn: &mut Conn,
    partner_id: i64,
    filter: &EntryFilter,
    scope: &ListScope,
    ctx: &EntitlementContext,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Entry>, i64)> {
    let total = count(conn, partner_id, filter, scope, ctx).await?;
    let mut sql = list_sql(&format!("SELECT {COLUMNS}"), partner_id, filter, scope, ctx);
    let (field, desc) = filter
        .order_by
        .clone()
        .unwrap_or(("createdAt".to_owned(), true));
    let dir = if desc { "DESC" } else { "ASC" };
    sql.push(&format!(
        " ORDER BY {} {dir}, e.id {dir} LIMIT ",
        order_column(&field)
    ));
    sql.bind(limit).push(" OFFSET ").bind(offset);
    let rows = sql.query().fetch_all(conn).await?;
    let entries = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok((entries, total))
}

pub async fn count(
    conn: &mut Conn,
    partner_id: i64,
    filter: &EntryFilter,
    scope: &ListScope,
    ctx: &EntitlementContext,
) -> Result<i64> {
    let sql = list_sql("SELECT COUNT(*)", partner_id, filter, scope, ctx);
    Ok(sql.query().fetch_one(conn).await?.try_get(0)?)
}

/// What a player reports about an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerEvent {
    /// The player was shown with the entry.
    View,
    /// Playback started.
    Play,
}

/// Counts a player's report: a view, or a play (which also sets `last_played_at`).
pub async fn count_player_event(
    conn: &mut Conn,
    partner_id: i64,
    entry_id: &str,
    event: PlayerEvent,
) -> Result<()> {
    let sql = match event {
        PlayerEvent::View => "UPDATE entry SET views = views + 1 WHERE partner_id = $1 AND id = $2",
        PlayerEvent::Play => {
            "UPDATE entry SET plays = plays + 1, last_played_at = $3 \
             WHERE partner_id = $1 AND id = $2"
        }
    };
    let mut query = sqlx::query(sql).bind(partner_id).bind(entry_id);
    if event == PlayerEvent::Play {
        query = query.bind(now());
    }
    query.execute(conn).await?;
    Ok(())
}
