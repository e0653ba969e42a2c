//! `categoryUser`: members of categories and their permission levels.

use quad_domain::membership::{MemberStatus, Membership, PermissionLevel};
use quad_store::categories::Category;
use quad_store::{Conn, members};

use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::params::Fields;
use crate::wire::Out;

pub const ACTIONS: &[&str] = &[];

pub async fn handle(call: &Call<'_>, _params: &Fields<'_>) -> ApiResult<Out> {
    Err(ApiError::unknown_action(&call.service, &call.action))
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
    Ok(row.and_then(|m| {
        Some(Membership {
            level: PermissionLevel::from_code(m.permission_level)?,
            status: MemberStatus::from_code(m.status)?,
        })
    }))
}

/// The user's active permission level on a category, if any.
pub(super) async fn active_level(
    conn: &mut Conn,
    category: &Category,
    user: Option<&str>,
) -> ApiResult<Option<PermissionLevel>> {
    Ok(Membership::active_level(
        membership(conn, category, user).await?,
    ))
}
