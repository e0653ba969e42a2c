//! `category`: the category tree. Adds, renames and moves keep the paths, effective privacy
//! contexts and inherited members of every descendant right, and the entry counters of the
//! ancestors; a delete takes the whole subtree, its members and its publications with it.

use std::collections::HashMap;

use quad_domain::category::{
    self as rules, AppearInList, ContributionPolicy, EntitlementSettings, Inheritance, JoinPolicy,
};
use quad_domain::entitlement::{self, CategoryAccess};
use quad_domain::membership::{self, MemberStatus, PermissionLevel};
use quad_domain::{CategoryPath, Privacy, UserId};
use quad_store::categories::{self, Category, CategoryFilter};
use quad_store::members::{self, Member};
use quad_store::{Conn, StoreError, publications, users};

use super::entry::split_contexts;
use super::{commit, read, write};
use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::objects;
use crate::params::{Field, Fields};
use crate::types::{self, Page};
use crate::wire::{Out, list_response};

pub const ACTIONS: &[&str] = &["add", "get", "update", "delete", "list"];

const CLASS: &str = "KalturaCategory";

/// Fields the server sets; a request may only repeat their current value.
const READ_ONLY: &[&str] = &[
    "id",
    "depth",
    "partnerId",
    "fullName",
    "fullIds",
    "entriesCount",
    "directEntriesCount",
    "createdAt",
    "updatedAt",
    "membersCount",
    "pendingMembersCount",
    "privacyContexts",
    "status",
    "inheritedParentId",
    "directSubCategoriesCount",
    "pendingEntriesCount",
];

/// Kaltura's "partner maximum": a list without a pager answers this many at once.
const UNPAGED_LIST_SIZE: i64 = 500;

pub async fn handle(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.action.as_str() {
        "add" => add(call, params).await,
        "get" => get(call, params).await,
        "update" => update(call, params).await,
        "delete" => delete(call, params).await,
        _ => list(call, params).await,
    }
}

/// Whether the session may see a category, by the domain's entitlement rule. Any membership
/// row counts, pending included, as it does for the list query.
pub(super) async fn may_see(conn: &mut Conn, call: &Call<'_>, c: &Category) -> ApiResult<bool> {
    let ctx = call.entitlement();
    if !ctx.enforced {
        return Ok(true);
    }
    let viewer_is_member = match call.user_id() {
        Some(user) => members::get(conn, c.inherited_parent_id, user)
            .await
            .map_err(internal)?
            .is_some_and(|m| m.status != MemberStatus::Deleted as i64),
        None => false,
    };
    let contexts = split_contexts(&c.privacy_contexts);
    let access = CategoryAccess {
        contexts: &contexts,
        appear_in_list: AppearInList::from_code(c.appear_in_list)
            .unwrap_or(AppearInList::CategoryMembersOnly),
        viewer_is_member,
    };
    Ok(entitlement::may_see_category(&ctx, &access))
}

/// A live category the session may see, or `CATEGORY_NOT_FOUND`.
pub(crate) async fn load_visible(conn: &mut Conn, call: &Call<'_>, id: i64) -> ApiResult<Category> {
    let not_found = || ApiError::category_not_found(&id.to_string());
    let found = categories::get(conn, call.partner_id()?, id)
        .await
        .map_err(internal)?;
    let category = found.ok_or_else(not_found)?;
    if !may_see(conn, call, &category).await? {
        return Err(not_found());
    }
    Ok(category)
}

pub(super) fn inheritance(c: &Category) -> Inheritance {
    Inheritance::from_code(c.inheritance_type).unwrap_or(Inheritance::Manual)
}

/// Refuses an update or delete by someone who may not manage the category.
async fn require_manager(conn: &mut Conn, call: &Call<'_>, c: &Category) -> ApiResult<()> {
    let level = super::category_user::active_level(conn, c, call.user_id()).await?;
    if membership::may_manage_category(call.entitlement().enforced, level) {
        Ok(())
    } else {
        Err(ApiError::not_entitled_to_update_category())
    }
}

/// Reads the editable fields of a `KalturaCategory` param onto a category.
fn apply(f: &Fields<'_>, c: &mut Category) -> ApiResult<()> {
    match f.string("name") {
        Field::Absent => {}
        Field::Null => return Err(ApiError::category_name_invalid()),
        Field::Set(raw) => {
            c.name = rules::normalize_name(&raw).map_err(|_| ApiError::category_name_invalid())?;
        }
    }
    match f.int("parentId")? {
        Field::Absent => {}
        Field::Null => c.parent_id = 0,
        Field::Set(id) => c.parent_id = id.max(0),
    }
    f.string("description").apply(&mut c.description);
    f.string("tags").apply(&mut c.tags);
    f.string("referenceId").apply(&mut c.reference_id);
    f.string("partnerData").apply(&mut c.partner_data);
    if let Field::Set(v) = f.int("partnerSortValue")? {
        c.partner_sort_value = v;
    }
    let enums: [(&str, &str, &[i64], &mut i64); 6] = [
        (
            "appearInList",
            "KalturaAppearInListType",
            &[1, 3],
            &mut c.appear_in_list,
        ),
        ("privacy", "KalturaPrivacyType", &[1, 2, 3], &mut c.privacy),
        (
            "inheritanceType",
            "KalturaInheritanceType",
            &[1, 2],
            &mut c.inheritance_type,
        ),
        (
            "userJoinPolicy",
            "KalturaUserJoinPolicyType",
            &[1, 2, 3],
            &mut c.user_join_policy,
        ),
        (
            "defaultPermissionLevel",
            "KalturaCategoryUserPermissionLevel",
            &[0, 1, 2, 3, 4],
            &mut c.default_permission_level,
        ),
        (
            "contributionPolicy",
            "KalturaContributionPolicyType",
            &[1, 2],
            &mut c.contribution_policy,
        ),
    ];
    for (name, enum_type, allowed, target) in enums {
        if let Field::Set(v) = f.int_enum(name, enum_type, allowed)? {
            *target = v;
        }
    }
    // Kaltura's nullable boolean: -1 leaves the setting as it is.
    if let Field::Set(v) = f.int_enum("moderation", "KalturaNullableBoolean", &[-1, 0, 1])?
        && v >= 0
    {
        c.moderation = v == 1;
    }
    match f.string("owner") {
        Field::Absent => {}
        Field::Null => c.owner = None,
        Field::Set(raw) if raw.is_empty() => c.owner = None,
        Field::Set(raw) => {
            let owner =
                UserId::parse(&raw).ok_or_else(|| ApiError::invalid_field_value("owner"))?;
            c.owner = Some(owner.to_string());
        }
    }
    match f.string("privacyContext") {
        Field::Absent => {}
        Field::Null => c.privacy_context.clear(),
        Field::Set(raw) => {
            let labels = rules::parse_privacy_contexts(&raw)
                .map_err(|_| ApiError::privacy_context_invalid(&raw))?;
            c.privacy_context = labels.join(",");
        }
    }
    Ok(())
}

/// Fills in what a category's place in the tree decides: its path, its effective privacy
/// contexts and the category whose members apply to it.
fn derive(c: &mut Category, parent: Option<&Category>) {
    let parent_path = parent
        .map(|p| CategoryPath::parse(&p.full_name, &p.full_ids))
        .unwrap_or_default();
    let path = parent_path.child(c.id, &c.name);
    c.full_name = path.full_name();
    c.full_ids = path.full_ids();
    c.depth = path.depth();
    let inherited = parent
        .map(|p| split_contexts(&p.privacy_contexts))
        .unwrap_or_default();
    let own = split_contexts(&c.privacy_context);
    c.privacy_contexts = rules::effective_contexts(&inherited, &own).join(",");
    c.inherited_parent_id = match (inheritance(c), parent) {
        (Inheritance::Inherit, Some(p)) => p.inherited_parent_id,
        _ => c.id,
    };
}

/// Checks a category as an add or update would leave it (`after`) against how it was
/// (`before`; the defaults for an add), so that only what the request changes is judged.
fn check(call: &Call<'_>, before: &Category, after: &Category, has_parent: bool) -> ApiResult<()> {
    let context_changed = after.privacy_context != before.privacy_context;
    if context_changed && !after.privacy_context.is_empty() && call.entitlement().enforced {
        return Err(ApiError::cannot_update_privacy_context());
    }
    let owner_set = after.owner.is_some() && after.owner != before.owner;
    let settings = EntitlementSettings {
        has_context: !after.privacy_contexts.is_empty(),
        has_parent,
        appear_in_list: AppearInList::from_code(after.appear_in_list)
            .unwrap_or(AppearInList::CategoryMembersOnly),
        inheritance: inheritance(after),
        privacy: Privacy::from_code(after.privacy).unwrap_or(Privacy::MembersOnly),
        owner_set,
        join_policy: JoinPolicy::from_code(after.user_join_policy)
            .unwrap_or(JoinPolicy::RequestToJoin),
        contribution: ContributionPolicy::from_code(after.contribution_policy)
            .unwrap_or(ContributionPolicy::MembersWithContributionPermission),
        default_level_is_member: after.default_permission_level == PermissionLevel::Member.code(),
    };
    rules::check_entitlement_settings(&settings).map_err(rule_error)?;
    rules::check_inheriting_fields(
        inheritance(after),
        owner_set,
        after.user_join_policy != before.user_join_policy,
        after.default_permission_level != before.default_permission_level,
    )
    .map_err(rule_error)
}

/// The API error for a refused category setting. The name, context and move errors have
/// their own call sites, where the offending values are at hand.
fn rule_error(e: rules::CategoryRuleError) -> ApiError {
    use rules::CategoryRuleError as E;
    match e {
        E::NeedsPrivacyContext(field) => ApiError::needs_privacy_context(&field.to_string()),
        E::SetOnInheritingCategory(field) => ApiError::set_on_inheriting(&field.to_string()),
        E::InheritWithoutParent => ApiError::inherit_without_parent(),
        E::InvalidName => ApiError::category_name_invalid(),
        E::InvalidPrivacyContext => ApiError::privacy_context_invalid(""),
        E::ParentIsChild => ApiError::internal(),
    }
}

/// A write that may hit the unique full name index when two requests race.
fn write_error(full_name: &str) -> impl Fn(StoreError) -> ApiError + '_ {
    move |e| {
        if e.is_unique_violation() {
            ApiError::duplicate_category(full_name)
        } else {
            internal(e)
        }
    }
}

/// The live parent a category names, or `PARENT_CATEGORY_NOT_FOUND`.
async fn parent_of(
    conn: &mut Conn,
    partner_id: i64,
    parent_id: i64,
) -> ApiResult<Option<Category>> {
    if parent_id == 0 {
        return Ok(None);
    }
    let parent = categories::get(conn, partner_id, parent_id)
        .await
        .map_err(internal)?;
    parent
        .map(Some)
        .ok_or_else(|| ApiError::parent_category_not_found(parent_id))
}

async fn refuse_duplicate(conn: &mut Conn, c: &Category) -> ApiResult<()> {
    let existing = categories::get_by_full_name(conn, c.partner_id, &c.full_name)
        .await
        .map_err(internal)?;
    match existing {
        Some(other) if other.id != c.id => Err(ApiError::duplicate_category(&c.full_name)),
        _ => Ok(()),
    }
}

/// Makes the owner an active manager of the category, creating the user if needed.
async fn make_manager(conn: &mut Conn, c: &Category, owner: &str) -> ApiResult<()> {
    users::ensure(conn, c.partner_id, owner)
        .await
        .map_err(internal)?;
    let level = PermissionLevel::Manager;
    let member = Member {
        category_id: c.id,
        user_id: owner.to_owned(),
        partner_id: c.partner_id,
        permission_level: level.code(),
        permission_names: objects::permission_names(level),
        status: MemberStatus::Active as i64,
        update_method: membership::UpdateMethod::Manual as i64,
        category_full_ids: c.full_ids.clone(),
        created_at: 0,
        updated_at: 0,
    };
    members::put(conn, &member).await.map_err(internal)?;
    Ok(())
}

async fn reload(conn: &mut Conn, c: &Category) -> ApiResult<Out> {
    let stored = categories::get(conn, c.partner_id, c.id)
        .await
        .map_err(internal)?;
    Ok(objects::category(&stored.ok_or_else(ApiError::internal)?))
}

/// A new category with Kaltura's defaults.
fn defaults(partner_id: i64) -> Category {
    Category {
        partner_id,
        privacy: Privacy::All as i64,
        appear_in_list: AppearInList::PartnerOnly as i64,
        inheritance_type: Inheritance::Manual as i64,
        user_join_policy: JoinPolicy::NotAllowed as i64,
        default_permission_level: PermissionLevel::Member.code(),
        contribution_policy: ContributionPolicy::All as i64,
        status: categories::STATUS_ACTIVE,
        ..Category::default()
    }
}

/// The owner a new category gets by the domain's rule, the session user being its creator.
fn owner_of_new(call: &Call<'_>, c: &Category) -> Option<String> {
    let requested = c.owner.as_deref().and_then(UserId::parse);
    let own_context = !c.privacy_context.is_empty();
    let creator = call.session().user;
    rules::default_owner(requested, own_context, inheritance(c), creator.as_ref())
        .map(|u| u.to_string())
}

async fn add(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let f = types::required_object(params, "category", CLASS)?;
    if let Some(field) = READ_ONLY.iter().find(|name| f.has(name)) {
        return Err(ApiError::not_updatable(CLASS, field));
    }
    if f.string("name").value().is_none() {
        return Err(ApiError::cannot_be_null(CLASS, "name"));
    }
    let defaults = defaults(call.partner_id()?);
    let mut c = defaults.clone();
    apply(&f, &mut c)?;
    let mut tx = write(call).await?;

    let parent = parent_of(&mut tx, c.partner_id, c.parent_id).await?;
    derive(&mut c, parent.as_ref());
    check(call, &defaults, &c, parent.is_some())?;
    refuse_duplicate(&mut tx, &c).await?;
    c.owner = owner_of_new(call, &c);

    c.id = categories::insert(&mut tx, &c)
        .await
        .map_err(write_error(&c.full_name))?;
    // The path and a manual category's member source include its own id, known only now.
    derive(&mut c, parent.as_ref());
    categories::set_path(&mut tx, c.id, &c.full_ids, c.inherited_parent_id)
        .await
        .map_err(internal)?;
    let manual = inheritance(&c) == Inheritance::Manual;
    if let Some(owner) = c.owner.clone().filter(|_| manual) {
        make_manager(&mut tx, &c, &owner).await?;
    }
    let out = reload(&mut tx, &c).await?;
    commit(tx).await?;
    Ok(out)
}

async fn get(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required_int("id")?;
    let mut conn = read(call).await?;
    let category = load_visible(&mut conn, call, id).await?;
    Ok(objects::category(&category))
}

/// Checks the read-only fields of an update: they may be sent back unchanged, not altered.
fn unchanged(current: &Category, f: &Fields<'_>) -> ApiResult<()> {
    let Out::Object(obj) = objects::category(current) else {
        return Ok(());
    };
    for name in READ_ONLY {
        if let Field::Set(given) = f.string(name) {
            let stored = obj.get(name).map(Out::as_text).unwrap_or_default();
            if given != stored {
                return Err(ApiError::not_updatable(CLASS, name));
            }
        }
    }
    Ok(())
}

async fn update(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required_int("id")?;
    let f = types::required_object(params, "category", CLASS)?;
    let mut tx = write(call).await?;

    let current = load_visible(&mut tx, call, id).await?;
    require_manager(&mut tx, call, &current).await?;
    unchanged(&current, &f)?;
    let c = updated(&mut tx, call, &f, &current).await?;
    let descendants = if reshapes_subtree(&current, &c) {
        categories::descendants(&mut tx, &current)
            .await
            .map_err(internal)?
    } else {
        Vec::new()
    };

    if c.parent_id != current.parent_id {
        move_counters(&mut tx, &current, &c).await?;
    }
    categories::update(&mut tx, &c)
        .await
        .map_err(write_error(&c.full_name))?;
    rederive(&mut tx, &c, descendants).await?;
    let new_owner = c
        .owner
        .clone()
        .filter(|o| Some(o) != current.owner.as_ref());
    if let Some(owner) = new_owner.filter(|_| inheritance(&c) == Inheritance::Manual) {
        make_manager(&mut tx, &c, &owner).await?;
    }
    let out = reload(&mut tx, &c).await?;
    commit(tx).await?;
    Ok(out)
}

/// The category as an update leaves it, checked: its parent exists and is not below it,
/// its full name is free, and its entitlement settings hold together.
async fn updated(
    conn: &mut Conn,
    call: &Call<'_>,
    f: &Fields<'_>,
    current: &Category,
) -> ApiResult<Category> {
    let mut c = current.clone();
    apply(f, &mut c)?;
    let parent = parent_of(conn, current.partner_id, c.parent_id).await?;
    if let Some(p) = &parent {
        rules::check_move(c.id, &CategoryPath::parse(&p.full_name, &p.full_ids))
            .map_err(|_| ApiError::parent_is_child(p.id, c.id))?;
    }
    derive(&mut c, parent.as_ref());
    check(call, current, &c, parent.is_some())?;
    if c.full_name != current.full_name {
        refuse_duplicate(conn, &c).await?;
    }
    Ok(c)
}

/// Whether a change alters what the descendants of a category derive from it.
fn reshapes_subtree(old: &Category, new: &Category) -> bool {
    old.full_ids != new.full_ids
        || old.full_name != new.full_name
        || old.privacy_contexts != new.privacy_contexts
        || old.inherited_parent_id != new.inherited_parent_id
}

/// Moves a category's entries from its old ancestors' counts to its new ones', and itself
/// from its old parent's sub-category count to the new one's.
async fn move_counters(conn: &mut Conn, old: &Category, new: &Category) -> ApiResult<()> {
    let old_path = CategoryPath::parse(&old.full_name, &old.full_ids);
    let new_path = CategoryPath::parse(&new.full_name, &new.full_ids);
    let entries = old.entries_count;
    categories::bump(conn, old_path.ancestors(), "entries_count", -entries)
        .await
        .map_err(internal)?;
    categories::bump(conn, new_path.ancestors(), "entries_count", entries)
        .await
        .map_err(internal)?;
    for (parent, delta) in [(old.parent_id, -1), (new.parent_id, 1)] {
        if parent != 0 {
            categories::bump(conn, &[parent], "direct_sub_categories_count", delta)
                .await
                .map_err(internal)?;
        }
    }
    Ok(())
}

/// Recomputes the derived fields of a category's descendants (shallowest first, as
/// [`categories::descendants`] returns them) below its new state.
async fn rederive(conn: &mut Conn, root: &Category, descendants: Vec<Category>) -> ApiResult<()> {
    let mut placed: HashMap<i64, Category> = HashMap::new();
    placed.insert(root.id, root.clone());
    for mut d in descendants {
        let Some(parent) = placed.get(&d.parent_id) else {
            continue;
        };
        let before = d.clone();
        derive(&mut d, Some(parent));
        if d != before {
            categories::update(conn, &d)
                .await
                .map_err(write_error(&d.full_name))?;
        }
        placed.insert(d.id, d);
    }
    Ok(())
}

async fn delete(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required_int("id")?;
    let move_entries = params
        .bool("moveEntriesToParentCategory")
        .value()
        .unwrap_or(true);
    let mut tx = write(call).await?;

    let category = load_visible(&mut tx, call, id).await?;
    require_manager(&mut tx, call, &category).await?;
    let target = if move_entries {
        parent_of(&mut tx, category.partner_id, category.parent_id).await?
    } else {
        None
    };
    let mut subtree = vec![category.clone()];
    subtree.extend(
        categories::descendants(&mut tx, &category)
            .await
            .map_err(internal)?,
    );

    for c in subtree.iter().rev() {
        empty(&mut tx, c, target.as_ref()).await?;
        categories::mark_deleted(&mut tx, c)
            .await
            .map_err(internal)?;
    }
    commit(tx).await?;
    Ok(Out::Void)
}

/// Removes a category's members and publications, re-publishing each entry in `target`
/// with the same status unless it is there already.
async fn empty(conn: &mut Conn, c: &Category, target: Option<&Category>) -> ApiResult<()> {
    let found = publications::of_category(conn, c.id)
        .await
        .map_err(internal)?;
    for p in found {
        publications::remove(conn, c, &p).await.map_err(internal)?;
        let Some(target) = target else {
            continue;
        };
        let there = publications::get(conn, target.id, &p.entry_id)
            .await
            .map_err(internal)?;
        if there.is_none() {
            let creator = p.creator_user_id.as_deref();
            publications::add(conn, target, &p.entry_id, p.status, creator, &p.reason)
                .await
                .map_err(internal)?;
        }
    }
    members::delete_all(conn, c.id).await.map_err(internal)
}

fn filter(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<CategoryFilter> {
    let Some(f) = types::object(params, "filter", "KalturaCategoryFilter")? else {
        return Ok(CategoryFilter::default());
    };
    let now = call.now;
    let text = |name: &str| f.string(name).value().filter(|v| !v.is_empty());
    let allowed_order: &[&str] = &[
        "createdAt",
        "depth",
        "directEntriesCount",
        "directSubCategoriesCount",
        "entriesCount",
        "fullName",
        "membersCount",
        "name",
        "partnerSortValue",
        "updatedAt",
    ];
    Ok(CategoryFilter {
        id_equal: f.int("idEqual")?.value(),
        id_in: f.int_list("idIn")?,
        id_not_in: f.int_list("idNotIn")?,
        parent_id_equal: f.int("parentIdEqual")?.value(),
        parent_id_in: f.int_list("parentIdIn")?,
        depth_equal: f.int("depthEqual")?.value(),
        full_name_equal: text("fullNameEqual"),
        full_name_starts_with: text("fullNameStartsWith"),
        full_name_in: f.list("fullNameIn"),
        full_name_starts_with_in: f.list("fullNameStartsWithIn"),
        full_ids_equal: text("fullIdsEqual"),
        full_ids_starts_with: text("fullIdsStartsWith"),
        full_ids_match_or: f.list("fullIdsMatchOr"),
        ancestor_id_in: f.int_list("ancestorIdIn")?,
        created_at_gte: f.time("createdAtGreaterThanOrEqual", now)?.value(),
        created_at_lte: f.time("createdAtLessThanOrEqual", now)?.value(),
        updated_at_gte: f.time("updatedAtGreaterThanOrEqual", now)?.value(),
        updated_at_lte: f.time("updatedAtLessThanOrEqual", now)?.value(),
        tags_like: text("tagsLike"),
        tags_multi_like_or: f.list("tagsMultiLikeOr"),
        tags_multi_like_and: f.list("tagsMultiLikeAnd"),
        appear_in_list_equal: f.int("appearInListEqual")?.value(),
        privacy_equal: f.int("privacyEqual")?.value(),
        privacy_in: f.int_list("privacyIn")?,
        inheritance_type_equal: f.int("inheritanceTypeEqual")?.value(),
        inheritance_type_in: f.int_list("inheritanceTypeIn")?,
        reference_id_equal: text("referenceIdEqual"),
        reference_id_empty: f
            .int("referenceIdEmpty")?
            .value()
            .filter(|v| *v >= 0)
            .map(|v| v == 1),
        contribution_policy_equal: f.int("contributionPolicyEqual")?.value(),
        privacy_context_equal: text("privacyContextEqual"),
        status_equal: f.int("statusEqual")?.value(),
        status_in: f.int_list("statusIn")?,
        inherited_parent_id_equal: f.int("inheritedParentIdEqual")?.value(),
        inherited_parent_id_in: f.int_list("inheritedParentIdIn")?,
        free_text: text("freeText"),
        name_or_reference_id_starts_with: text("nameOrReferenceIdStartsWith"),
        members_in: f.list("membersIn"),
        manager_equal: text("managerEqual"),
        member_equal: text("memberEqual"),
        order_by: types::order_by(&f, allowed_order, "KalturaCategoryOrderBy")?,
    })
}

async fn list(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let filter = filter(call, params)?;
    let page = Page::from_params(params, UNPAGED_LIST_SIZE)?;
    let mut conn = read(call).await?;
    let (found, total) = categories::list(
        &mut conn,
        call.partner_id()?,
        &filter,
        &call.entitlement(),
        page.limit,
        page.offset,
    )
    .await
    .map_err(internal)?;
    let objects = found.iter().map(objects::category).collect();
    Ok(list_response("KalturaCategoryListResponse", objects, total))
}
