//! LTI 1.3 launches: the OIDC login the platform starts, the `id_token` it posts back (its
//! signature checked here against the platform's keys, its claims by the domain), and the
//! app's own key set. An accepted launch lands like an LTI 1.1 one.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::response::{IntoResponse, Response};
use quad_api::Api;
use quad_domain::identity;
use quad_domain::lti::{LaunchRefusal, Message};
use quad_domain::lti13::{self, Expected};
use quad_store::apps::App;
use quad_store::lti13::{Login, Platform};
use serde::Deserialize;

use super::keys::{self, TokenError};
use super::landing;
use super::launch::{self, Checked, Failure, Landing, Once, Target};

/// How long a login may wait for the platform's answer.
const LOGIN_SECONDS: i64 = 600;

/// The parameters of a third-party login initiation, by GET or POST.
#[derive(Debug, Default, Deserialize)]
pub struct LoginRequest {
    #[serde(default)]
    iss: String,
    #[serde(default)]
    login_hint: String,
    #[serde(default)]
    target_link_uri: String,
    lti_message_hint: Option<String>,
    client_id: Option<String>,
    lti_deployment_id: Option<String>,
}

/// `GET lti13/login`.
pub async fn login_get(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    Query(request): Query<LoginRequest>,
) -> Response {
    login(&api, &slug, request).await
}

/// `POST lti13/login`.
pub async fn login_post(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    axum::Form(request): axum::Form<LoginRequest>,
) -> Response {
    login(&api, &slug, request).await
}

/// The platform registration a login names: by issuer and client id, or by issuer alone
/// when the app has one registration for it.
fn registration<'a>(
    platforms: &'a [Platform],
    issuer: &str,
    client_id: Option<&str>,
) -> Option<&'a Platform> {
    let mut named = platforms
        .iter()
        .filter(|p| p.issuer == issuer && client_id.is_none_or(|c| c == p.client_id));
    let first = named.next()?;
    named.next().is_none().then_some(first)
}

async fn login(api: &Api, slug: &str, request: LoginRequest) -> Response {
    match start_login(api, slug, &request).await {
        Ok(location) => {
            let mut response = StatusCode::FOUND.into_response();
            if let Ok(value) = location.parse() {
                response.headers_mut().insert(LOCATION, value);
            }
            response
        }
        Err(failure) => launch::respond(slug, Err(failure)),
    }
}

/// Remembers a new login and returns where to send the browser: the platform's
/// authorization endpoint, asked for an `id_token` posted back to the launch URL.
async fn start_login(api: &Api, slug: &str, request: &LoginRequest) -> Result<String, Failure> {
    let (app, _) = launch::lms_app(api, slug).await?;
    if request.iss.is_empty() || request.login_hint.is_empty() {
        return Err(Failure::Refused(LaunchRefusal::Missing(
            "iss and login_hint",
        )));
    }
    if Target::from_link(&request.target_link_uri, slug).is_none() {
        return Err(Failure::Refused(LaunchRefusal::UnknownTarget));
    }
    let platforms = {
        let mut conn = api.store.read().await?;
        quad_store::lti13::platforms(&mut conn, app.id).await?
    };
    let platform = registration(&platforms, &request.iss, request.client_id.as_deref())
        .ok_or(Failure::Refused(LaunchRefusal::UnknownPlatform))?;
    if let Some(deployment) = &request.lti_deployment_id
        && !platform.deployment_ids.contains(deployment)
    {
        return Err(Failure::Refused(LaunchRefusal::UnknownDeployment));
    }

    let login = Login {
        state: quad_store::random_token(32),
        app_id: app.id,
        platform_id: platform.id,
        nonce: quad_store::random_token(32),
        expires_at: quad_store::now() + LOGIN_SECONDS,
    };
    let mut tx = api.store.write().await?;
    quad_store::lti13::put_login(&mut tx, &login).await?;
    tx.commit().await.map_err(quad_store::StoreError::from)?;

    let redirect_uri = format!("{}/lti13/launch", app.base_url);
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("scope", "openid")
        .append_pair("response_type", "id_token")
        .append_pair("response_mode", "form_post")
        .append_pair("prompt", "none")
        .append_pair("client_id", &platform.client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("login_hint", &request.login_hint)
        .append_pair("state", &login.state)
        .append_pair("nonce", &login.nonce);
    if let Some(hint) = &request.lti_message_hint {
        query.append_pair("lti_message_hint", hint);
    }
    let separator = if platform.auth_url.contains('?') {
        '&'
    } else {
        '?'
    };
    Ok(format!(
        "{}{separator}{}",
        platform.auth_url,
        query.finish()
    ))
}

/// The form the platform posts to the launch URL.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    id_token: String,
    #[serde(default)]
    state: String,
}

/// `POST lti13/launch`: the platform's answer to a login.
pub async fn launch(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<TokenForm>,
) -> Response {
    let landed = match check(&api, &slug, &form).await {
        Ok((checked, target)) => landing::land(&api, checked, target).await,
        Err(failure) => Err(failure),
    };
    launch::respond(&slug, landed)
}

async fn check(api: &Api, slug: &str, form: &TokenForm) -> Result<(Checked, Target), Failure> {
    let (app, partner) = launch::lms_app(api, slug).await?;
    let (login, mut platform) = waiting_login(api, &app, &form.state).await?;
    let claims = keys::verify_platform_token(&api.store, &mut platform, &form.id_token)
        .await
        .map_err(|e| match e {
            TokenError::Refused(why) => Failure::Refused(why),
            TokenError::Unreachable(why) => Failure::Unreachable(why.to_string()),
            TokenError::Fault(why) => Failure::Fault(why.to_string()),
        })?;
    let expected = Expected {
        issuer: &platform.issuer,
        client_id: &platform.client_id,
        deployment_ids: &platform.deployment_ids,
        nonce: &login.nonce,
    };
    let read =
        lti13::read_id_token(&claims, &expected, quad_store::now()).map_err(Failure::Refused)?;
    let target = match (&read.launch.message, &read.entry_id) {
        (Message::Selection { .. }, _) => Target::BrowseAndEmbed,
        (Message::Launch { .. }, _) => match Target::from_link(&read.target_link_uri, slug) {
            Some(Target::BrowseAndEmbed) | None => match &read.entry_id {
                Some(entry) => Target::Embed(entry.clone()),
                None => return Err(Failure::Refused(LaunchRefusal::UnknownTarget)),
            },
            Some(target) => target,
        },
    };
    let settings = launch::settings_of(&app);
    let user = identity::lti13_user_id(
        &claims,
        &launch::setting(&settings, "hosted", "lti13UserIdClaim"),
        &launch::setting(&settings, "hosted", "lti13UserIdClaimProperty"),
        &launch::transform_of(&settings),
    )
    .ok_or(Failure::Refused(LaunchRefusal::NoUserId))?;
    let checked = Checked {
        app,
        partner,
        settings,
        user,
        launch: read.launch,
        once: Once::Login {
            state: login.state,
            issuer: format!("lti13:{}", platform.issuer),
            nonce: login.nonce,
        },
        platform: Some((platform.id, read.deployment_id)),
    };
    Ok((checked, target))
}

/// The login a launch answers, and the platform it was started for.
async fn waiting_login(api: &Api, app: &App, state: &str) -> Result<(Login, Platform), Failure> {
    let mut conn = api.store.read().await?;
    let login = quad_store::lti13::login(&mut conn, state)
        .await?
        .filter(|l| l.app_id == app.id)
        .ok_or(Failure::Refused(LaunchRefusal::UnknownLogin))?;
    let platform = quad_store::lti13::platform(&mut conn, login.platform_id)
        .await?
        .ok_or(Failure::Refused(LaunchRefusal::UnknownPlatform))?;
    Ok((login, platform))
}

/// `GET lti13/jwks`: the app's public keys, which platforms use to verify its messages.
pub async fn jwks(State(api): State<Arc<Api>>, Path(slug): Path<String>) -> Response {
    let (app, _) = match launch::lms_app(&api, &slug).await {
        Ok(found) => found,
        Err(failure) => return launch::respond(&slug, Err(failure)),
    };
    match keys::key_set(&api.store, app.id).await {
        Ok(set) => ([(CACHE_CONTROL, "max-age=3600")], Json(set)).into_response(),
        Err(e) => launch::respond(&slug, Err::<Landing, _>(Failure::Fault(e.to_string()))),
    }
}
