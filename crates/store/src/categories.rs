//! The category tree: categories, their derived paths and contexts, and their counters.

use quad_domain::MemberStatus;
use quad_domain::entitlement::EntitlementContext;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::entries::push_context_match;
use crate::sql::{Sql, like_escape};
use crate::{Conn, Result, now};

pub const STATUS_ACTIVE: i64 = 2;
pub const STATUS_DELETED: i64 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub partner_id: i64,
    pub parent_id: i64,
    pub name: String,
    pub full_name: String,
    pub full_ids: String,
    pub depth: i64,
    pub description: Option<String>,
    pub tags: Option<String>,
    pub reference_id: Option<String>,
    pub partner_data: Option<String>,
    pub partner_sort_value: i64,
    pub privacy: i64,
    pub appear_in_list: i64,
    pub inheritance_type: i64,
    pub user_join_policy: i64,
    pub default_permission_level: i64,
    pub contribution_policy: i64,
    pub moderation: bool,
    pub owner: Option<String>,
    /// This category's own labels, comma-separated.
    pub privacy_context: String,
    /// The effective labels: its own and its ancestors', comma-separated.
    pub privacy_contexts: String,
    /// The category whose members apply here: itself unless it inherits them.
    pub inherited_parent_id: i64,
    pub entries_count: i64,
    pub direct_entries_count: i64,
    pub pending_entries_count: i64,
    pub members_count: i64,
    pub pending_members_count: i64,
    pub direct_sub_categories_count: i64,
    pub status: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "c.id, c.partner_id, c.parent_id, c.name, c.full_name, c.full_ids, \
    c.depth, c.description, c.tags, c.reference_id, c.partner_data, c.partner_sort_value, \
    c.privacy, c.appear_in_list, c.inheritance_type, c.user_join_policy, \
    c.default_permission_level, c.contribution_policy, c.moderation, c.owner, \
    c.privacy_context, c.privacy_contexts, c.inherited_parent_id, c.entries_count, \
    c.direct_entries_count, c.pending_entries_count, c.members_count, c.pending_members_count, \
    c.direct_sub_categories_count, c.status, c.created_at, c.updated_at";

fn from_row(row: &AnyRow) -> Result<Category> {
    Ok(Category {
        id: row.try_get("id")?,
        partner_id: row.try_get("partner_id")?,
        parent_id: row.try_get("parent_id")?,
        name: row.try_get("name")?,
        full_name: row.try_get("full_name")?,
        full_ids: row.try_get("full_ids")?,
        depth: row.try_get("depth")?,
        description: row.try_get("description")?,
        tags: row.try_get("tags")?,
        reference_id: row.try_get("reference_id")?,
        partner_data: row.try_get("partner_data")?,
        partner_sort_value: row.try_get("partner_sort_value")?,
        privacy: row.try_get("privacy")?,
        appear_in_list: row.try_get("appear_in_list")?,
        inheritance_type: row.try_get("inheritance_type")?,
        user_join_policy: row.try_get("user_join_policy")?,
        default_permission_level: row.try_get("default_permission_level")?,
        contribution_policy: row.try_get("contribution_policy")?,
        moderation: row.try_get::<i64, _>("moderation")? != 0,
        owner: row.try_get("owner")?,
        privacy_context: row.try_get("privacy_context")?,
        privacy_contexts: row.try_get("privacy_contexts")?,
        inherited_parent_id: row.try_get("inherited_parent_id")?,
        entries_count: row.try_get("entries_count")?,
        direct_entries_count: row.try_get("direct_entries_count")?,
        pending_entries_count: row.try_get("pending_entries_count")?,
        members_count: row.try_get("members_count")?,
        pending_members_count: row.try_get("pending_members_count")?,
        direct_sub_categories_count: row.try_get("direct_sub_categories_count")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A live category of the partner.
pub async fn get(conn: &mut Conn, partner_id: i64, id: i64) -> Result<Option<Category>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM category c WHERE c.id = "));
    sql.bind(id).push(" AND c.partner_id = ").bind(partner_id);
    sql.push(" AND c.status <> ").bind(STATUS_DELETED);
    let row = sql.query().fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get_by_full_name(
    conn: &mut Conn,
    partner_id: i64,
    full_name: &str,
) -> Result<Option<Category>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM category c WHERE c.full_name = "
    ));
    sql.bind(full_name)
        .push(" AND c.partner_id = ")
        .bind(partner_id);
    sql.push(" AND c.status <> ").bind(STATUS_DELETED);
    let row = sql.query().fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Live categories by id. The unary `+` keeps the planner on the primary key instead of
/// scanning the partner's categories.
pub async fn get_many(conn: &mut Conn, partner_id: i64, ids: &[i64]) -> Result<Vec<Category>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM category c WHERE +c.partner_id = "
    ));
    sql.bind(partner_id)
        .push(" AND c.status <> ")
        .bind(STATUS_DELETED);
    sql.push(" AND c.id IN ").bind_list(ids.iter().copied());
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

const FIELD_NAMES: &str = "parent_id, name, full_name, full_ids, depth, description, tags, \
    reference_id, partner_data, partner_sort_value, privacy, appear_in_list, inheritance_type, \
    user_join_policy, default_permission_level, contribution_policy, moderation, owner, \
    privacy_context, privacy_contexts, inherited_parent_id, status";

fn bind_fields(sql: &mut Sql, c: &Category) {
    sql.bind(c.parent_id)
        .push(", ")
        .bind(c.name.clone())
        .push(", ");
    sql.bind(c.full_name.clone())
        .push(", ")
        .bind(c.full_ids.clone())
        .push(", ");
    sql.bind(c.depth)
        .push(", ")
        .bind(c.description.clone())
        .push(", ");
    sql.bind(c.tags.clone())
        .push(", ")
        .bind(c.reference_id.clone())
        .push(", ");
    sql.bind(c.partner_data.clone())
        .push(", ")
        .bind(c.partner_sort_value)
        .push(", ");
    sql.bind(c.privacy)
        .push(", ")
        .bind(c.appear_in_list)
        .push(", ");
    sql.bind(c.inheritance_type)
        .push(", ")
        .bind(c.user_join_policy)
        .push(", ");
    sql.bind(c.default_permission_level)
        .push(", ")
        .bind(c.contribution_policy)
        .push(", ");
    sql.bind(c.moderation)
        .push(", ")
        .bind(c.owner.clone())
        .push(", ");
    sql.bind(c.privacy_context.clone())
        .push(", ")
        .bind(c.privacy_contexts.clone())
        .push(", ");
    sql.bind(c.inherited_parent_id).push(", ").bind(c.status);
}

/// Inserts a category and returns its id. The caller fills the derived fields in afterwards
/// with [`set_path`], since `full_ids` and a manual category's `inherited_parent_id` need
/// the new id.
pub async fn insert(conn: &mut Conn, c: &Category) -> Result<i64> {
    let t = now();
    let mut sql = Sql::new(&format!(
        "INSERT INTO category (partner_id, created_at, updated_at, {FIELD_NAMES}) VALUES ("
    ));
    sql.bind(c.partner_id)
        .push(", ")
        .bind(t)
        .push(", ")
        .bind(t)
        .push(", ");
    bind_fields(&mut sql, c);
    sql.push(") RETURNING id");
    let id: i64 = sql.query().fetch_one(&mut *conn).await?.try_get(0)?;
    if c.parent_id != 0 {
        bump(conn, &[c.parent_id], "direct_sub_categories_count", 1).await?;
    }
    Ok(id)
}

pub async fn set_path(
    conn: &mut Conn,
    id: i64,
    full_ids: &str,
    inherited_parent_id: i64,
) -> Result<()> {
    sqlx::query("UPDATE category SET full_ids = $1, inherited_parent_id = $2 WHERE id = $3")
        .bind(full_ids)
        .bind(inherited_parent_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes a category's own fields back (not its counters).
pub async fn update(conn: &mut Conn, c: &Category) -> Result<()> {
    let mut sql = Sql::new(&format!(
        "UPDATE category SET ({FIELD_NAMES}, updated_at) = ("
    ));
    bind_fields(&mut sql, c);
    sql.push(", ").bind(now()).push(") WHERE id = ").bind(c.id);
    sql.query().execute(conn).await?;
    Ok(())
}

/// The live descendants of a category, shallowest first.
pub async fn descendants(conn: &mut Conn, c: &Category) -> Result<Vec<Category>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM category c WHERE c.partner_id = "
    ));
    sql.bind(c.partner_id)
        .push(" AND c.status <> ")
        .bind(STATUS_DELETED);
    sql.push(" AND c.full_ids LIKE ")
        .bind(format!("{}>%", like_escape(&c.full_ids)));
    sql.push(" ESCAPE '\\' ORDER BY c.depth, c.id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Adds `delta` to one counter of each category named.
pub async fn bump(conn: &mut Conn, ids: &[i64], counter: &'static str, delta: i64) -> Result<()> {
    if ids.is_empty() || delta == 0 {
        return Ok(());
    }
    let mut sql = Sql::new(&format!("UPDATE category SET {counter} = {counter} + "));
    sql.bind(delta)
        .push(" WHERE id IN ")
        .bind_list(ids.iter().copied());
    sql.query().execute(conn).await?;
    Ok(())
}

/// Deletes a category (status DELETED) and moves its parent's sub-category counter.
pub async fn mark_deleted(conn: &mut Conn, c: &Category) -> Result<()> {
    sqlx::query("UPDATE category SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(STATUS_DELETED)
        .bind(now())
        .bind(c.id)
        .execute(&mut *conn)
        .await?;
    if c.parent_id != 0 {
        bump(conn, &[c.parent_id], "direct_sub_categories_count", -1).await?;
    }
    Ok(())
}

/// Recounts a category's members from its membership rows.
/// Moves a category's member counts by one membership going from status `before` to
/// `after` (none: no membership).
pub async fn count_member_change(
    conn: &mut Conn,
    id: i64,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<()> {
    let is = |status: Option<i64>, wanted: i64| i64::from(status == Some(wanted));
    let active = is(after, 1) - is(before, 1);
    let pending = is(after, 2) - is(before, 2);
    sqlx::query(
        "UPDATE category SET members_count = members_count + $1, \
         pending_members_count = pending_members_count + $2 WHERE id = $3",
    )
    .bind(active)
    .bind(pending)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn recount_members(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE category SET \
         members_count = (SELECT COUNT(*) FROM category_user \
         WHERE category_id = $1 AND status = 1), \
         pending_members_count = (SELECT COUNT(*) FROM category_user \
         WHERE category_id = $1 AND status = 2) \
         WHERE id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The category filter fields Quad supports.
#[derive(Debug, Clone, Default)]
pub struct CategoryFilter {
    pub id_equal: Option<i64>,
    pub id_in: Option<Vec<i64>>,
    pub id_not_in: Option<Vec<i64>>,
    pub parent_id_equal: Option<i64>,
    pub parent_id_in: Option<Vec<i64>>,
    pub depth_equal: Option<i64>,
    pub full_name_equal: Option<String>,
    pub full_name_starts_with: Option<String>,
    pub full_name_in: Option<Vec<String>>,
    pub full_name_starts_with_in: Option<Vec<String>>,
    pub full_ids_equal: Option<String>,
    pub full_ids_starts_with: Option<String>,
    pub full_ids_match_or: Option<Vec<String>>,
    pub ancestor_id_in: Option<Vec<i64>>,
    pub created_at_gte: Option<i64>,
    pub created_at_lte: Option<i64>,
    pub updated_at_gte: Option<i64>,
    pub updated_at_lte: Option<i64>,
    pub tags_like: Option<String>,
    pub tags_multi_like_or: Option<Vec<String>>,
    pub tags_multi_like_and: Option<Vec<String>>,
    pub appear_in_list_equal: Option<i64>,
    pub privacy_equal: Option<i64>,
    pub privacy_in: Option<Vec<i64>>,
    pub inheritance_type_equal: Option<i64>,
    pub inheritance_type_in: Option<Vec<i64>>,
    pub reference_id_equal: Option<String>,
    pub reference_id_empty: Option<bool>,
    pub contribution_policy_equal: Option<i64>,
    pub privacy_context_equal: Option<String>,
    pub status_equal: Option<i64>,
    pub status_in: Option<Vec<i64>>,
    pub inherited_parent_id_equal: Option<i64>,
    pub inherited_parent_id_in: Option<Vec<i64>>,
    pub free_text: Option<String>,
    pub name_or_reference_id_starts_with: Option<String>,
    pub members_in: Option<Vec<String>>,
    pub manager_equal: Option<String>,
    pub member_equal: Option<String>,
    pub order_by: Option<(String, bool)>,
}

fn like_clause(sql: &mut Sql, column: &str, pattern: String) {
    sql.push(&format!("lower(COALESCE({column}, '')) LIKE "))
        .bind(pattern.to_lowercase());
    sql.push(" ESCAPE '\\'");
}

fn push_filter(sql: &mut Sql, f: &CategoryFilter) {
    let ints = [
        ("c.id = ", f.id_equal),
        ("c.parent_id = ", f.parent_id_equal),
        ("c.depth = ", f.depth_equal),
        ("c.created_at >= ", f.created_at_gte),
        ("c.created_at <= ", f.created_at_lte),
        ("c.updated_at >= ", f.updated_at_gte),
        ("c.updated_at <= ", f.updated_at_lte),
        ("c.appear_in_list = ", f.appear_in_list_equal),
        ("c.privacy = ", f.privacy_equal),
        ("c.inheritance_type = ", f.inheritance_type_equal),
        ("c.contribution_policy = ", f.contribution_policy_equal),
        ("c.status = ", f.status_equal),
        ("c.inherited_parent_id = ", f.inherited_parent_id_equal),
    ];
    for (condition, value) in ints {
        if let Some(v) = value {
            sql.push(" AND ").push(condition).bind(v);
        }
    }
    let int_lists = [
        ("c.id IN ", &f.id_in),
        ("c.id NOT IN ", &f.id_not_in),
        ("c.parent_id IN ", &f.parent_id_in),
        ("c.privacy IN ", &f.privacy_in),
        ("c.inheritance_type IN ", &f.inheritance_type_in),
        ("c.status IN ", &f.status_in),
        ("c.inherited_parent_id IN ", &f.inherited_parent_id_in),
    ];
    for (condition, values) in int_lists {
        if let Some(v) = values {
            sql.push(" AND ")
                .push(condition)
                .bind_list(v.iter().copied());
        }
    }
    if let Some(v) = &f.full_name_equal {
        sql.push(" AND c.full_name = ").bind(v);
    }
    if let Some(v) = &f.full_name_starts_with {
        sql.push(" AND c.full_name LIKE ")
            .bind(format!("{}%", like_escape(v)));
        sql.push(" ESCAPE '\\'");
    }
    if let Some(v) = &f.full_name_in {
        sql.push(" AND c.full_name IN ")
            .bind_list(v.iter().cloned());
    }
    if let Some(v) = &f.full_name_starts_with_in {
        sql.push(" AND (1 = 0");
        for name in v {
            sql.push(" OR c.full_name LIKE ")
                .bind(format!("{}%", like_escape(name)));
            sql.push(" ESCAPE '\\'");
        }
        sql.push(")");
    }
    if let Some(v) = &f.full_ids_equal {
        sql.push(" AND c.full_ids = ").bind(v);
    }
    if let Some(v) = &f.full_ids_starts_with {
        sql.push(" AND c.full_ids LIKE ")
            .bind(format!("{}%", like_escape(v)));
        sql.push(" ESCAPE '\\'");
    }
    if let Some(v) = &f.full_ids_match_or {
        sql.push(" AND (1 = 0");
        for ids in v {
            sql.push(" OR c.full_ids = ").bind(ids);
            sql.push(" OR c.full_ids LIKE ")
                .bind(format!("{}>%", like_escape(ids)));
            sql.push(" ESCAPE '\\'");
        }
        sql.push(")");
    }
    if let Some(v) = &f.ancestor_id_in {
        sql.push(" AND (1 = 0");
        for id in v {
            sql.push(" OR ('>' || c.full_ids) LIKE ")
                .bind(format!("%>{id}>%"));
        }
        sql.push(")");
    }
    if let Some(v) = &f.tags_like {
        sql.push(" AND ");
        like_clause(sql, "c.tags", format!("%{}%", like_escape(v)));
    }
    for (words, all) in [
        (&f.tags_multi_like_or, false),
        (&f.tags_multi_like_and, true),
    ] {
        if let Some(words) = words {
            sql.push(if all { " AND (1 = 1" } else { " AND (1 = 0" });
            for w in words {
                sql.push(if all { " AND " } else { " OR " });
                like_clause(sql, "c.tags", format!("%{}%", like_escape(w)));
            }
            sql.push(")");
        }
    }
    if let Some(v) = &f.reference_id_equal {
        sql.push(" AND c.reference_id = ").bind(v);
    }
    if let Some(empty) = f.reference_id_empty {
        let test = if empty { "= ''" } else { "<> ''" };
        sql.push(&format!(" AND COALESCE(c.reference_id, '') {test}"));
    }
    if let Some(v) = &f.privacy_context_equal {
        sql.push(" AND ");
        push_context_match(sql, Some(v), "c");
    }
    if let Some(v) = &f.free_text {
        sql.push(" AND (");
        like_clause(sql, "c.name", format!("%{}%", like_escape(v)));
        sql.push(" OR ");
        like_clause(sql, "c.description", format!("%{}%", like_escape(v)));
        sql.push(" OR ");
        like_clause(sql, "c.tags", format!("%{}%", like_escape(v)));
        sql.push(")");
    }
    if let Some(v) = &f.name_or_reference_id_starts_with {
        sql.push(" AND (");
        like_clause(sql, "c.name", format!("{}%", like_escape(v)));
        sql.push(" OR ");
        like_clause(sql, "c.reference_id", format!("{}%", like_escape(v)));
        sql.push(")");
    }
    let member_of = |sql: &mut Sql, users: &[String], manager: bool| {
        sql.push(
            " AND EXISTS (SELECT 1 FROM category_user cu WHERE cu.category_id = \
            c.inherited_parent_id AND cu.status = 1 AND cu.user_id IN ",
        );
        sql.bind_list(users.iter().cloned());
        if manager {
            sql.push(" AND cu.permission_level = 0");
        }
        sql.push(")");
    };
    if let Some(v) = &f.members_in {
        member_of(sql, v, false);
    }
    if let Some(v) = &f.member_equal {
        member_of(sql, std::slice::from_ref(v), false);
    }
    if let Some(v) = &f.manager_equal {
        member_of(sql, std::slice::from_ref(v), true);
    }
}

/// The SQL form of [`quad_domain::entitlement::may_see_category`].
fn push_visibility(sql: &mut Sql, ctx: &EntitlementContext) {
    if !ctx.enforced {
        return;
    }
    sql.push(" AND ");
    push_context_match(sql, ctx.privacy_context.as_deref(), "c");
    sql.push(" AND (c.appear_in_list = 1");
    if let Some(user) = &ctx.user {
        sql.push(
            " OR EXISTS (SELECT 1 FROM category_user cu WHERE cu.category_id = \
            c.inherited_parent_id AND cu.user_id = ",
        );
        sql.bind(user.as_str()).push(" AND cu.status <> ");
        sql.bind(MemberStatus::Deleted as i64).push(")");
    }
    sql.push(")");
}

fn list_sql(select: &str, partner_id: i64, f: &CategoryFilter, ctx: &EntitlementContext) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" FROM category c WHERE c.partner_id = ")
        .bind(partner_id);
    sql.push(" AND c.status <> ").bind(STATUS_DELETED);
    push_filter(&mut sql, f);
    push_visibility(&mut sql, ctx);
    sql
}

fn order_column(field: &str) -> &'static str {
    match field {
        "createdAt" => "c.created_at",
        "directEntriesCount" => "c.direct_entries_count",
        "directSubCategoriesCount" => "c.direct_sub_categories_count",
        "entriesCount" => "c.entries_count",
        "fullName" => "c.full_name",
        "membersCount" => "c.members_count",
        "name" => "c.name",
        "partnerSortValue" => "c.partner_sort_value",
        "updatedAt" => "c.updated_at",
        _ => "c.depth",
    }
}

pub async fn list(
    conn: &mut Conn,
    partner_id: i64,
    filter: &CategoryFilter,
    ctx: &EntitlementContext,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Category>, i64)> {
    let total: i64 = list_sql("SELECT COUNT(*)", partner_id, filter, ctx)
        .query()
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut sql = list_sql(&format!("SELECT {COLUMNS}"), partner_id, filter, ctx);
    let (field, desc) = filter
        .order_by
        .clone()
        .unwrap_or(("depth".to_owned(), false));
    let dir = if desc { "DESC" } else { "ASC" };
    sql.push(&format!(
        " ORDER BY {} {dir}, c.id ASC LIMIT ",
        order_column(&field)
    ));
    sql.bind(limit).push(" OFFSET ").bind(offset);
    let rows = sql.query().fetch_all(conn).await?;
    Ok((
        rows.iter().map(from_row).collect::<Result<Vec<_>>>()?,
        total,
    ))
}

/// The live categories below one, at any depth, a level at a time through the parent
/// index (a `LIKE` prefix on `full_ids` could not use an index on either database).
pub async fn below(conn: &mut Conn, c: &Category) -> Result<Vec<Category>> {
    let mut found = Vec::new();
    let mut parents = vec![c.id];
    while !parents.is_empty() {
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM category c WHERE c.partner_id = "
        ));
        sql.bind(c.partner_id)
            .push(" AND c.status <> ")
            .bind(STATUS_DELETED)
            .push(" AND c.parent_id IN ")
            .bind_list(parents.iter().copied());
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let level = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        parents = level.iter().map(|child| child.id).collect();
        found.extend(level);
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(found)
}
