//! `session`: starting, inspecting and ending Kaltura sessions.

use quad_domain::Privileges;
use quad_store::partners::{self, Partner};
use quad_store::sessions;

use super::{commit, ensure_users, read, write};
use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::ks::{self, KsFields};
use crate::params::Fields;
use crate::wire::{Obj, Out};

pub const ACTIONS: &[&str] = &["start", "get", "end", "startwidgetsession"];

pub async fn handle(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.action.as_str() {
        "start" => start(call, params).await,
        "get" => get(call, params).await,
        "end" => end(call).await,
        _ => start_widget_session(call, params).await,
    }
}

/// Signs a KS in the partner's configured version.
pub fn issue(partner: &Partner, fields: &KsFields) -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    if partner.ks_version == 1 {
        ks::encode_v1(fields, &partner.admin_secret, rng.random_range(0..=65536))
    } else {
        ks::encode_v2(fields, &partner.admin_secret, rng.random())
    }
}

async fn start(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let secret = params.required("secret")?;
    let partner_param = params.string("partnerId").value().unwrap_or_default();
    let refused = || ApiError::start_session_error(&partner_param);
    let partner = call.partner.as_ref().ok_or_else(refused)?;
    let session_type = params.int("type")?.value().unwrap_or(0);
    let is_admin_secret = secret == partner.admin_secret;
    if !(is_admin_secret || (session_type == 0 && secret == partner.secret)) {
        return Err(refused());
    }
    if !(0..=2).contains(&session_type) {
        return Err(ApiError::invalid_enum(
            &session_type.to_string(),
            "type",
            "KalturaSessionType",
        ));
    }

    let user_id = params.string("userId").value().unwrap_or_default();
    let privileges = params.string("privileges").value().unwrap_or_default();
    if let Some(limit) = Privileges::parse(&privileges).value("actionslimit")
        && limit.parse::<i64>().map_or(true, |n| n <= 0)
    {
        return Err(ApiError::invalid_actions_limit());
    }
    let requested = params
        .int("expiry")?
        .value()
        .filter(|e| *e > 0)
        .unwrap_or(86_400);
    let expiry = call.now + requested.min(partner.ks_max_expiry.max(86_400));

    if !user_id.is_empty() && user_id != "0" {
        if quad_domain::UserId::parse(&user_id).is_none() {
            return Err(ApiError::invalid_field_value("userId"));
        }
        let mut tx = write(call).await?;
        ensure_users(&mut tx, partner.id, std::slice::from_ref(&user_id)).await?;
        commit(tx).await?;
    }
    let fields = KsFields {
        partner_id: partner.id,
        expiry,
        session_type,
        user_id,
        privileges,
    };
    Ok(Out::Str(issue(partner, &fields)))
}

async fn get(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let own = call.ks.as_ref().map(|k| k.raw.clone()).unwrap_or_default();
    let raw = params
        .string("session")
        .value()
        .filter(|s| !s.is_empty())
        .unwrap_or(own);
    let invalid = || ApiError::invalid_ks(&raw, -1, "INVALID_STR");
    let unverified = ks::decode(&raw).ok_or_else(invalid)?;
    let partner_id = call.partner_id()?;
    if unverified.partner_id() != partner_id {
        return Err(invalid());
    }
    let mut conn = read(call).await?;
    let partner = partners::get(&mut conn, partner_id)
        .await
        .map_err(internal)?
        .ok_or_else(invalid)?;
    let fields = unverified
        .verify(&partner.admin_secret)
        .or_else(|| unverified.verify(&partner.secret))
        .ok_or_else(invalid)?;
    let mut o = Obj::new("KalturaSessionInfo");
    o.set("ks", raw.as_str())
        .set("sessionType", fields.session_type)
        .set("partnerId", fields.partner_id)
        .set("userId", fields.user_id)
        .set("expiry", fields.expiry)
        .set("privileges", fields.privileges);
    Ok(Out::Object(o))
}

async fn end(call: &Call<'_>) -> ApiResult<Out> {
    let ks = call.ks.as_ref().ok_or_else(ApiError::missing_ks)?;
    let mut tx = write(call).await?;
    let hash = ks::ks_hash(&ks.raw);
    sessions::revoke(&mut tx, &hash, ks.fields.partner_id, ks.fields.expiry)
        .await
        .map_err(internal)?;
    commit(tx).await?;
    Ok(Out::Void)
}

/// A session for anonymous viewers of an embedded player: widget `_<partnerId>`.
async fn start_widget_session(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let widget = params.required("widgetId")?;
    let invalid = || ApiError::invalid_partner(&widget);
    let partner_id: i64 = widget
        .strip_prefix('_')
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid)?;
    let mut conn = read(call).await?;
    let partner = partners::get(&mut conn, partner_id)
        .await
        .map_err(internal)?
        .ok_or_else(invalid)?;
    let requested = params
        .int("expiry")?
        .value()
        .filter(|e| *e > 0)
        .unwrap_or(86_400);
    let fields = KsFields {
        partner_id,
        expiry: call.now + requested.min(86_400),
        session_type: 0,
        user_id: "0".to_owned(),
        privileges: "view:*,widget:1".to_owned(),
    };
    let mut o = Obj::new("KalturaStartWidgetSessionResponse");
    o.set("partnerId", partner_id)
        .set("ks", issue(&partner, &fields))
        .set("userId", "0");
    Ok(Out::Object(o))
}
