//! The API's services. Each module owns one Kaltura service: it reads its params, asks the
//! domain, calls the store in one transaction, and builds the response object.

pub(crate) mod category;
mod category_entry;
pub(crate) mod category_user;
pub(crate) mod entry;
mod player;
mod session;
mod system;
mod upload_token;
mod user;

use quad_store::{Conn, ReadConn, Tx, users};

use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::params::Fields;
use crate::wire::Out;

/// Each service and the actions it offers, lower-cased.
const SERVICES: &[(&str, &[&str])] = &[
    ("session", session::ACTIONS),
    ("system", system::ACTIONS),
    ("user", user::ACTIONS),
    ("media", entry::ACTIONS),
    ("baseentry", entry::ACTIONS),
    ("uploadtoken", upload_token::ACTIONS),
    ("category", category::ACTIONS),
    ("categoryentry", category_entry::ACTIONS),
    ("categoryuser", category_user::ACTIONS),
    ("metadata_metadata", &["list"]),
];

/// Checks that the service and action exist and that the session may call them.
pub fn check(call: &Call<'_>) -> ApiResult<()> {
    let (service, action) = (call.service.as_str(), call.action.as_str());
    if service.is_empty() {
        return Err(ApiError::service_not_specified());
    }
    let (_, actions) = SERVICES
        .iter()
        .find(|(s, _)| *s == service)
        .ok_or_else(|| ApiError::unknown_service(service))?;
    if !actions.contains(&action) {
        return Err(ApiError::unknown_action(service, action));
    }
    call.check_permission()
}

/// Runs one call whose service and action were checked.
pub async fn run(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.service.as_str() {
        "session" => session::handle(call, params).await,
        "system" => system::handle(call, params).await,
        "user" => user::handle(call, params).await,
        "media" | "baseentry" => entry::handle(call, params).await,
        "uploadtoken" => upload_token::handle(call, params).await,
        "category" => category::handle(call, params).await,
        "categoryentry" => category_entry::handle(call, params).await,
        "categoryuser" => category_user::handle(call, params).await,
        "metadata_metadata" => Ok(player::metadata_list()),
        other => Err(ApiError::unknown_service(other)),
    }
}

pub(crate) async fn read(call: &Call<'_>) -> ApiResult<ReadConn> {
    call.api.store.read().await.map_err(internal)
}

pub(crate) async fn write(call: &Call<'_>) -> ApiResult<Tx> {
    call.api.store.write().await.map_err(internal)
}

pub(crate) async fn commit(tx: Tx) -> ApiResult<()> {
    tx.commit().await.map_err(internal)
}

/// Makes sure each named user exists, creating bare ones as Kaltura does.
async fn ensure_users(conn: &mut Conn, partner_id: i64, ids: &[String]) -> ApiResult<()> {
    for id in ids {
        users::ensure(conn, partner_id, id)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// The entry whose source a playback URL asks for, if the session may see it. A KS scoped
/// to the entry with `sview:<id>` may, whatever entitlement says.
pub async fn playable_entry(
    call: &Call<'_>,
    entry_id: &str,
) -> ApiResult<quad_store::entries::Entry> {
    let mut conn = read(call).await?;
    let scoped = call
        .ks
        .as_ref()
        .is_some_and(|k| k.session.privileges.grants("sview", entry_id));
    if scoped {
        let found = entry::load(&mut conn, call.partner_id()?, entry_id).await?;
        return found
            .map(|(e, _)| e)
            .ok_or_else(|| ApiError::entry_not_found(entry_id));
    }
    let (entry, _, _) =
        entry::load_visible(&mut conn, call, entry_id, ApiError::entry_not_found).await?;
    Ok(entry)
}
