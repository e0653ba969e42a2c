//! `user`: the people of a partner.

use quad_domain::UserId;
use quad_store::users::{self, STATUS_ACTIVE, STATUS_DELETED, User, UserFilter};

use super::{commit, read, write};
use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::objects;
use crate::params::{Field, Fields};
use crate::types::{self, Page};
use crate::wire::{Out, list_response};

pub const ACTIONS: &[&str] = &["add", "get", "update", "delete", "list"];

const CLASS: &str = "KalturaUser";
const READ_ONLY: &[&str] = &[
    "partnerId",
    "createdAt",
    "updatedAt",
    "storageSize",
    "lastLoginTime",
    "statusUpdatedAt",
    "deletedAt",
    "roleNames",
    "encryptedSeed",
];

pub async fn handle(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.action.as_str() {
        "add" => add(call, params).await,
        "get" => get(call, params).await,
        "update" => update(call, params).await,
        "delete" => delete(call, params).await,
        _ => list(call, params).await,
    }
}

/// Applies the editable fields of a `KalturaUser` param to a user.
fn apply(fields: &Fields<'_>, user: &mut User) -> ApiResult<()> {
    fields.string("screenName").apply(&mut user.screen_name);
    fields.string("fullName").apply(&mut user.full_name);
    fields.string("firstName").apply(&mut user.first_name);
    fields.string("lastName").apply(&mut user.last_name);
    fields.string("email").apply(&mut user.email);
    fields.string("description").apply(&mut user.description);
    fields.string("tags").apply(&mut user.tags);
    fields.string("adminTags").apply(&mut user.admin_tags);
    fields.string("partnerData").apply(&mut user.partner_data);
    if let Field::Set(status) = fields.int_enum("status", "KalturaUserStatus", &[0, 1, 2])? {
        user.status = status;
    }
    if let Field::Set(is_admin) = fields.bool("isAdmin") {
        user.is_admin = is_admin;
    }
    if let Field::Set(t) = fields.int_enum("type", "KalturaUserType", &[0, 1, 2])? {
        user.user_type = t;
    }
    Ok(())
}

async fn add(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let fields = types::required_object(params, "user", CLASS)?;
    if let Some(field) = READ_ONLY.iter().find(|f| fields.has(f)) {
        return Err(ApiError::not_updatable(CLASS, field));
    }
    let id = fields
        .string("id")
        .value()
        .ok_or_else(|| ApiError::cannot_be_null(CLASS, "id"))?;
    let id = UserId::parse(&id).ok_or_else(|| ApiError::invalid_field_value("id"))?;
    let partner_id = call.partner_id()?;
    let mut user = User {
        partner_id,
        id: id.to_string(),
        status: STATUS_ACTIVE,
        ..User::default()
    };
    apply(&fields, &mut user)?;
    if user.screen_name.is_none() {
        user.screen_name = Some(user.id.clone());
    }

    let mut tx = write(call).await?;
    if users::get(&mut tx, partner_id, id.as_str())
        .await
        .map_err(internal)?
        .is_some()
    {
        return Err(ApiError::duplicate_user(id.as_str()));
    }
    let stored = users::insert(&mut tx, &user).await.map_err(internal)?;
    commit(tx).await?;
    Ok(objects::user(&stored))
}

async fn get(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let own = call.user_id().map(str::to_owned);
    let id = params
        .string("userId")
        .value()
        .filter(|u| !u.is_empty())
        .or(own);
    let id = id.ok_or_else(ApiError::invalid_user_id)?;
    if !call.session().acts_for(&id) {
        return Err(ApiError::cannot_retrieve_another_user());
    }
    let partner_id = call.partner_id()?;
    let mut conn = read(call).await?;
    if let Some(user) = users::get(&mut conn, partner_id, &id)
        .await
        .map_err(internal)?
    {
        return Ok(objects::user(&user));
    }
    drop(conn);
    if call.user_id() != Some(id.as_str()) {
        return Err(ApiError::invalid_user_id());
    }
    // The session's own user exists as soon as a KS names it, as with any referenced id.
    let mut tx = write(call).await?;
    users::ensure(&mut tx, partner_id, &id)
        .await
        .map_err(internal)?;
    let user = users::get(&mut tx, partner_id, &id)
        .await
        .map_err(internal)?;
    commit(tx).await?;
    Ok(objects::user(&user.ok_or_else(ApiError::invalid_user_id)?))
}

async fn update(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("userId")?;
    let fields = types::required_object(params, "user", CLASS)?;
    let mut tx = write(call).await?;
    let mut user = users::get(&mut tx, call.partner_id()?, &id)
        .await
        .map_err(internal)?
        .ok_or_else(ApiError::invalid_user_id)?;
    if fields
        .string("id")
        .value()
        .is_some_and(|new| new != user.id)
    {
        return Err(ApiError::not_updatable(CLASS, "id"));
    }
    apply(&fields, &mut user)?;
    let stored = users::update(&mut tx, &user).await.map_err(internal)?;
    commit(tx).await?;
    Ok(objects::user(&stored))
}

async fn delete(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("userId")?;
    let partner_id = call.partner_id()?;
    let mut tx = write(call).await?;
    let mut user = users::get(&mut tx, partner_id, &id)
        .await
        .map_err(internal)?
        .ok_or_else(ApiError::invalid_user_id)?;
    users::delete(&mut tx, partner_id, &id)
        .await
        .map_err(internal)?;
    commit(tx).await?;
    user.status = STATUS_DELETED;
    Ok(objects::user(&user))
}

fn filter(params: &Fields<'_>) -> ApiResult<UserFilter> {
    let Some(f) = types::object(params, "filter", "KalturaUserFilter")? else {
        return Ok(UserFilter::default());
    };
    let now = quad_store::now();
    Ok(UserFilter {
        id_equal: f.string("idEqual").value(),
        id_in: f.list("idIn"),
        screen_name_like: f.string("screenNameLike").value(),
        screen_name_starts_with: f.string("screenNameStartsWith").value(),
        email_like: f.string("emailLike").value(),
        email_starts_with: f.string("emailStartsWith").value(),
        id_or_screen_name_starts_with: f.string("idOrScreenNameStartsWith").value(),
        first_name_or_last_name_starts_with: f.string("firstNameOrLastNameStartsWith").value(),
        status_equal: f.int("statusEqual")?.value(),
        status_in: f.int_list("statusIn")?,
        is_admin_equal: f
            .int("isAdminEqual")?
            .value()
            .filter(|v| *v >= 0)
            .map(|v| v == 1),
        type_equal: f.int("typeEqual")?.value(),
        created_at_gte: f.time("createdAtGreaterThanOrEqual", now)?.value(),
        created_at_lte: f.time("createdAtLessThanOrEqual", now)?.value(),
        order_by: types::order_by(&f, &["createdAt", "id", "updatedAt"], "KalturaUserOrderBy")?,
    })
}

async fn list(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let filter = filter(params)?;
    let page = Page::from_params(params, 30)?;
    let mut conn = read(call).await?;
    let (found, total) = users::list(
        &mut conn,
        call.partner_id()?,
        &filter,
        page.limit,
        page.offset,
    )
    .await
    .map_err(internal)?;
    let objects = found.iter().map(objects::user).collect();
    Ok(list_response("KalturaUserListResponse", objects, total))
}
