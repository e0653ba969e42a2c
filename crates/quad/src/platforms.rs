//! `quad app lti13 …` and the admin pages' LTI 1.3 section: registering the LMS platforms
//! of an LMS app, removing them, and rotating the app's signing key.

use quad_domain::app::AppKind;
use quad_domain::lti13::{self, Registration};
use quad_store::Store;
use quad_store::apps::{self, App};
use quad_store::lti13::Platform;
use serde_json::{Value, json};

use crate::lms::keys;

/// What an administrator gives to register a platform.
#[derive(Debug, Clone, Default)]
pub struct NewPlatform {
    pub issuer: String,
    pub client_id: String,
    pub deployment_ids: Vec<String>,
    pub jwks_url: String,
    pub auth_url: String,
    pub token_url: String,
    /// A key set given by hand, for platforms that publish none; then `jwks_url` may be
    /// empty.
    pub jwks: Option<String>,
}

fn db(e: impl std::fmt::Display) -> String {
    format!("database: {e}")
}

async fn lms_app(store: &Store, slug: &str) -> Result<App, String> {
    let mut conn = store.read().await.map_err(db)?;
    apps::by_slug(&mut conn, slug)
        .await
        .map_err(db)?
        .filter(|a| a.kind == AppKind::Kaf.as_str())
        .ok_or_else(|| format!("no LMS app with the slug {slug:?}"))
}

/// A platform as `quad app show` prints it; its keys stay out.
pub fn describe(p: &Platform) -> Value {
    json!({
        "id": p.id,
        "issuer": p.issuer,
        "clientId": p.client_id,
        "deploymentIds": p.deployment_ids,
        "jwksUrl": p.jwks_url,
        "authUrl": p.auth_url,
        "tokenUrl": p.token_url,
    })
}

/// The platforms registered with an app.
pub async fn list(store: &Store, app_id: i64) -> Result<Vec<Platform>, String> {
    let mut conn = store.read().await.map_err(db)?;
    quad_store::lti13::platforms(&mut conn, app_id)
        .await
        .map_err(db)
}

/// Registers a platform with the LMS app at `slug`, or updates the registration with the
/// same issuer and client id.
pub async fn add(store: &Store, slug: &str, new: &NewPlatform) -> Result<Value, String> {
    let app = lms_app(store, slug).await?;
    let mut deployments: Vec<String> = new
        .deployment_ids
        .iter()
        .map(|d| d.trim().to_owned())
        .collect();
    deployments.dedup();
    let jwks_url = new.jwks_url.trim();
    lti13::check_registration(&Registration {
        issuer: new.issuer.trim(),
        client_id: new.client_id.trim(),
        deployment_ids: &deployments,
        auth_url: new.auth_url.trim(),
        jwks_url,
        token_url: new.token_url.trim(),
    })
    .map_err(|e| e.to_string())?;
    let jwks = match &new.jwks {
        Some(text) => {
            let doc: Value =
                serde_json::from_str(text).map_err(|e| format!("the key set is not JSON: {e}"))?;
            if doc["keys"].as_array().is_none_or(|k| k.is_empty()) {
                return Err("the key set has no keys".to_owned());
            }
            doc.to_string()
        }
        None if jwks_url.is_empty() => return Err("a key set URL or a key set is required".into()),
        None => String::new(),
    };

    let platform = Platform {
        app_id: app.id,
        issuer: new.issuer.trim().to_owned(),
        client_id: new.client_id.trim().to_owned(),
        deployment_ids: deployments,
        jwks_url: jwks_url.to_owned(),
        auth_url: new.auth_url.trim().to_owned(),
        token_url: new.token_url.trim().to_owned(),
        jwks_fetched_at: if jwks.is_empty() {
            0
        } else {
            quad_store::now()
        },
        jwks,
        ..Platform::default()
    };
    let mut tx = store.write().await.map_err(db)?;
    let stored = quad_store::lti13::put_platform(&mut tx, &platform)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(describe(&stored))
}

/// Removes a registration; launches from that platform are refused from then on.
pub async fn remove(store: &Store, slug: &str, id: i64) -> Result<Value, String> {
    let app = lms_app(store, slug).await?;
    let mut tx = store.write().await.map_err(db)?;
    let removed = quad_store::lti13::remove_platform(&mut tx, app.id, id)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    if !removed {
        return Err(format!("the app {slug:?} has no platform {id}"));
    }
    Ok(json!({ "removed": id }))
}

/// Replaces the app's signing key; the old key stays in the key set for a week.
pub async fn rotate_key(store: &Store, slug: &str) -> Result<Value, String> {
    let app = lms_app(store, slug).await?;
    let key = keys::rotate(store, app.id)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({ "kid": key.kid, "jwksUrl": format!("{}/lti13/jwks", app.base_url) }))
}
