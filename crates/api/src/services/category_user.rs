//! `categoryUser`: members of categories and their permission levels. The domain decides
//! who may join, and who may change or remove whom; this module finds the category, the
//! user and the membership, and writes the outcome.

use quad_domain::UserId;
use quad_domain::category::{Inheritance, JoinPolicy};
use quad_domain::membership::{
    self, ChangeRequest, JoinRequest, MemberChange, MemberStatus, Membership, MembershipRefusal,
    PermissionLevel, UpdateMethod,
};
use quad_store::categories::Category;
use quad_store::members::{self, Member, MemberFilter};
use quad_store::{Conn, users};

use super::{category, commit, read, write};
use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::objects;
use crate::params::{Field, Fields};
use crate::types::{self, Page};
use crate::wire::{Out, list_response};

pub const ACTIONS: &[&str] = &[
    "add",
    "get",
    "list",
    "update",
    "delete",
    "activate",
    "deactivate",
];

const CLASS: &str = "KalturaCategoryUser";

pub async fn handle(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.action.as_str() {
        "add" => add(call, params).await,
        "get" => get(call, params).await,
        "update" => update(call, params).await,
        "delete" => delete(call, params).await,
        "activate" => set_status(call, params, MemberStatus::Active).await,
        "deactivate" => set_status(call, params, MemberStatus::NotActive).await,
        _ => list(call, params).await,
    }
}

/// The membership that applies to `user` on a category: the one on the category whose
/// members it uses (itself, or the parent it inherits them from).
pub(super) async fn membership(
    conn: &mut Conn,
    category: &Category,
    user: Option<&str>,
) -> ApiResult<Option<Membership>> {
    let Some(user) = user else {
        return Ok(None);
    };
    let row = members::get(conn, category.inherited_parent_id, user)
        .await
        .map_err(internal)?;
    Ok(row.and_then(|m| Membership::from_codes(m.permission_level, m.status)))
}

/// The user's active permission level on a category, if any.
pub(crate) async fn active_level(
    conn: &mut Conn,
    category: &Category,
    user: Option<&str>,
) -> ApiResult<Option<PermissionLevel>> {
    Ok(Membership::active_level(
        membership(conn, category, user).await?,
    ))
}

fn refusal(category_id: i64) -> impl Fn(MembershipRefusal) -> ApiError {
    move |r| match r {
        MembershipRefusal::JoinNotAllowed => ApiError::join_not_allowed(category_id),
        MembershipRefusal::NotManager => ApiError::cannot_update_category_user(),
        MembershipRefusal::OwnerMustStayManager => ApiError::cannot_update_category_owner(),
    }
}

fn level_field(f: &Fields<'_>) -> ApiResult<Option<PermissionLevel>> {
    let code = f
        .int_enum(
            "permissionLevel",
            "KalturaCategoryUserPermissionLevel",
            &[0, 1, 2, 3, 4],
        )?
        .value();
    Ok(code.and_then(PermissionLevel::from_code))
}

fn update_method_field(f: &Fields<'_>) -> ApiResult<Option<i64>> {
    Ok(
        f.int_enum("updateMethod", "KalturaUpdateMethodType", &[0, 1])?
            .value(),
    )
}

/// A category whose own members may be managed: visible, and not inheriting them.
async fn managing_category(conn: &mut Conn, call: &Call<'_>, id: i64) -> ApiResult<Category> {
    let category = category::load_visible(conn, call, id).await?;
    if category::inheritance(&category) == Inheritance::Inherit {
        return Err(ApiError::category_inherits_members(category.id));
    }
    Ok(category)
}

/// The membership of a known user on the category whose members apply to `category`.
async fn existing(
    conn: &mut Conn,
    call: &Call<'_>,
    category: &Category,
    user: &str,
) -> ApiResult<Member> {
    let known = users::get(conn, call.partner_id()?, user)
        .await
        .map_err(internal)?;
    if known.is_none() {
        return Err(ApiError::invalid_user_id());
    }
    members::get(conn, category.inherited_parent_id, user)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::invalid_category_user(category.id, user))
}

/// Refuses a change to a membership that the caller may not make.
async fn check_change(
    conn: &mut Conn,
    call: &Call<'_>,
    category: &Category,
    member: &Member,
    change: MemberChange,
) -> ApiResult<()> {
    let caller = call.user_id();
    let request = ChangeRequest {
        enforced: call.entitlement().enforced,
        caller_level: active_level(conn, category, caller).await?,
        for_self: caller == Some(member.user_id.as_str()),
        target_is_owner: category.owner.as_deref() == Some(member.user_id.as_str()),
        change,
    };
    membership::may_change(&request).map_err(refusal(category.id))
}

fn set_level(member: &mut Member, level: PermissionLevel) {
    member.permission_level = level.code();
    member.permission_names = objects::permission_names(level);
}

async fn add(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let f = types::required_object(params, "categoryUser", CLASS)?;
    let category_id = f
        .int("categoryId")?
        .value()
        .ok_or_else(|| ApiError::cannot_be_null(CLASS, "categoryId"))?;
    let raw_user = f
        .string("userId")
        .value()
        .ok_or_else(|| ApiError::cannot_be_null(CLASS, "userId"))?;
    // "0" is how Kaltura spells "no user", so it cannot be made a member.
    if raw_user == "0" {
        return Err(ApiError::invalid_user_id());
    }
    let user = UserId::parse(&raw_user).ok_or_else(|| ApiError::invalid_field_value("userId"))?;
    let requested = level_field(&f)?;
    let update_method = update_method_field(&f)?.unwrap_or(UpdateMethod::Manual as i64);
    let partner_id = call.partner_id()?;
    let mut tx = write(call).await?;

    let category = managing_category(&mut tx, call, category_id).await?;
    let current = members::get(&mut tx, category.id, user.as_str())
        .await
        .map_err(internal)?;
    if current.is_some() {
        return Err(ApiError::category_user_exists());
    }
    let caller = call.user_id();
    let request = JoinRequest {
        enforced: call.entitlement().enforced,
        caller_level: active_level(&mut tx, &category, caller).await?,
        for_self: caller == Some(user.as_str()),
        requested,
        default_level: PermissionLevel::from_code(category.default_permission_level)
            .unwrap_or(PermissionLevel::Member),
        join_policy: JoinPolicy::from_code(category.user_join_policy)
            .unwrap_or(JoinPolicy::NotAllowed),
    };
    let admitted = membership::admit(&request).map_err(refusal(category.id))?;

    users::ensure(&mut tx, partner_id, user.as_str())
        .await
        .map_err(internal)?;
    let mut member = Member {
        category_id: category.id,
        user_id: user.to_string(),
        partner_id,
        permission_level: 0,
        permission_names: String::new(),
        status: admitted.status as i64,
        update_method,
        category_full_ids: category.full_ids.clone(),
        created_at: call.now,
        updated_at: call.now,
    };
    set_level(&mut member, admitted.level);
    let stored = members::put(&mut tx, &member).await.map_err(internal)?;
    commit(tx).await?;
    Ok(objects::member(&stored))
}

async fn get(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let category_id = params.required_int("categoryId")?;
    let user = params.required("userId")?;
    let mut conn = read(call).await?;
    // An inheriting category answers with the membership it inherits.
    let category = category::load_visible(&mut conn, call, category_id).await?;
    let member = existing(&mut conn, call, &category, &user).await?;
    Ok(objects::member(&member))
}

/// Refuses a change of the insert-only fields that name the membership.
fn same_membership(f: &Fields<'_>, member: &Member) -> ApiResult<()> {
    if let Field::Set(id) = f.int("categoryId")?
        && id != member.category_id
    {
        return Err(ApiError::not_updatable(CLASS, "categoryId"));
    }
    if let Field::Set(user) = f.string("userId")
        && user != member.user_id
    {
        return Err(ApiError::not_updatable(CLASS, "userId"));
    }
    Ok(())
}

async fn update(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let category_id = params.required_int("categoryId")?;
    let user = params.required("userId")?;
    let f = types::required_object(params, "categoryUser", CLASS)?;
    let override_manual = params.bool("override").value().unwrap_or(false);
    let requested = level_field(&f)?;
    let update_method = update_method_field(&f)?;
    let mut tx = write(call).await?;

    let category = managing_category(&mut tx, call, category_id).await?;
    let mut member = existing(&mut tx, call, &category, &user).await?;
    same_membership(&f, &member)?;
    let stored_method =
        UpdateMethod::from_code(member.update_method).unwrap_or(UpdateMethod::Manual);
    if !membership::may_overwrite(stored_method, override_manual) {
        return Err(ApiError::cannot_override_manual_changes());
    }
    let level = requested
        .or_else(|| PermissionLevel::from_code(member.permission_level))
        .unwrap_or(PermissionLevel::Member);
    check_change(
        &mut tx,
        call,
        &category,
        &member,
        MemberChange::SetLevel(level),
    )
    .await?;

    set_level(&mut member, level);
    if let Some(method) = update_method {
        member.update_method = method;
    }
    let stored = members::put(&mut tx, &member).await.map_err(internal)?;
    commit(tx).await?;
    Ok(objects::member(&stored))
}

async fn delete(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let category_id = params.required_int("categoryId")?;
    let user = params.required("userId")?;
    let mut tx = write(call).await?;

    let category = managing_category(&mut tx, call, category_id).await?;
    let member = existing(&mut tx, call, &category, &user).await?;
    check_change(&mut tx, call, &category, &member, MemberChange::Remove).await?;

    members::delete(&mut tx, category.id, &member.user_id)
        .await
        .map_err(internal)?;
    commit(tx).await?;
    Ok(Out::Void)
}

/// Activates (approving a request to join) or deactivates a membership.
async fn set_status(call: &Call<'_>, params: &Fields<'_>, to: MemberStatus) -> ApiResult<Out> {
    let category_id = params.required_int("categoryId")?;
    let user = params.required("userId")?;
    let mut tx = write(call).await?;

    let category = managing_category(&mut tx, call, category_id).await?;
    let mut member = existing(&mut tx, call, &category, &user).await?;
    let change = match to {
        MemberStatus::Active => MemberChange::Activate,
        _ => MemberChange::Deactivate,
    };
    check_change(&mut tx, call, &category, &member, change).await?;

    member.status = to as i64;
    let stored = members::put(&mut tx, &member).await.map_err(internal)?;
    commit(tx).await?;
    Ok(objects::member(&stored))
}

fn filter(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<(MemberFilter, Option<bool>)> {
    let Some(f) = types::object(params, "filter", "KalturaCategoryUserFilter")? else {
        return Ok((MemberFilter::default(), None));
    };
    let now = call.now;
    let text = |name: &str| f.string(name).value().filter(|v| !v.is_empty());
    // Without groups, the memberships related to a user are the user's own.
    let user_id_equal = text("userIdEqual").or_else(|| text("relatedGroupsByUserId"));
    let filter = MemberFilter {
        category_id_equal: f.int("categoryIdEqual")?.value(),
        category_id_in: f.int_list("categoryIdIn")?,
        category_full_ids_starts_with: text("categoryFullIdsStartsWith"),
        category_full_ids_equal: text("categoryFullIdsEqual"),
        user_id_equal,
        user_id_in: f.list("userIdIn"),
        permission_level_equal: f.int("permissionLevelEqual")?.value(),
        permission_level_in: f.int_list("permissionLevelIn")?,
        status_equal: f.int("statusEqual")?.value(),
        status_in: f.int_list("statusIn")?,
        update_method_equal: f.int("updateMethodEqual")?.value(),
        update_method_in: f.int_list("updateMethodIn")?,
        permission_names_match_and: f.list("permissionNamesMatchAnd"),
        permission_names_match_or: f.list("permissionNamesMatchOr"),
        permission_names_not_contains: f.list("permissionNamesNotContains"),
        created_at_gte: f.time("createdAtGreaterThanOrEqual", now)?.value(),
        created_at_lte: f.time("createdAtLessThanOrEqual", now)?.value(),
        updated_at_gte: f.time("updatedAtGreaterThanOrEqual", now)?.value(),
        updated_at_lte: f.time("updatedAtLessThanOrEqual", now)?.value(),
        free_text: text("freeText"),
        order_by: types::order_by(
            &f,
            &["createdAt", "updatedAt"],
            "KalturaCategoryUserOrderBy",
        )?,
    };
    let direct_members = match f.bool("categoryDirectMembers") {
        Field::Set(direct) => Some(direct),
        _ => None,
    };
    Ok((filter, direct_members))
}

fn names_users_or_category(f: &MemberFilter) -> bool {
    f.category_id_equal.is_some()
        || f.category_id_in.is_some()
        || f.category_full_ids_starts_with.is_some()
        || f.category_full_ids_equal.is_some()
        || f.user_id_in.is_some()
        || f.user_id_equal.is_some()
}

async fn list(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let (mut filter, direct_members) = filter(call, params)?;
    if !names_users_or_category(&filter) {
        return Err(ApiError::must_filter_users_or_category());
    }
    let page = Page::from_params(params, 30)?;
    let partner_id = call.partner_id()?;
    let mut conn = read(call).await?;

    // The members of an inheriting category are those of the category it inherits from,
    // unless the filter asks for its own rows only.
    if let Some(id) = filter
        .category_id_equal
        .filter(|_| direct_members != Some(true))
    {
        let named = quad_store::categories::get(&mut conn, partner_id, id)
            .await
            .map_err(internal)?;
        if let Some(c) = named {
            filter.category_id_equal = Some(c.inherited_parent_id);
        }
    }
    let (found, total) = members::list(&mut conn, partner_id, &filter, page.limit, page.offset)
        .await
        .map_err(internal)?;
    let objects = found.iter().map(objects::member).collect();
    Ok(list_response(
        "KalturaCategoryUserListResponse",
        objects,
        total,
    ))
}
