//! Logging in and out of a portal by the method its `auth` module names: a local password,
//! a header set by a trusted proxy, or a signed token from the institution's gateway. Each
//! login records the app it came through, for the identity report.

use std::sync::OnceLock;

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use quad_domain::UserId;
use quad_domain::login::{self, REFUSED};
use quad_store::{credentials, identity, portal, users};
use serde::Deserialize;

use super::error::{PortalError, PortalResult};
use super::views::Chrome;
use super::visit::Visit;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(rename = "return")]
    return_to: Option<String>,
    /// A login token from the gateway (method `sso`).
    token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// A missing token is a wrong one, so that the CSRF check answers first.
    #[serde(default)]
    csrf: String,
    user: String,
    password: String,
    #[serde(rename = "return")]
    return_to: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// A missing token is a wrong one, so that the CSRF check answers first.
    #[serde(default)]
    csrf: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    chrome: Chrome,
    method: &'a str,
    error: Option<&'a str>,
    return_to: &'a str,
    gateway_url: Option<String>,
}

/// Where to go after logging in: a page of this portal, never another site.
fn safe_return(visit: &Visit, asked: Option<&str>) -> String {
    let prefix = format!("/{}/", visit.slug());
    match asked {
        Some(path) if path.starts_with(&prefix) && !path.contains("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => visit.path("my-media"),
    }
}

fn render(visit: &Visit, status: StatusCode, error: Option<&str>, back: &str) -> Response {
    let method = visit.setting_text("auth", "method");
    let gateway = visit.setting_text("auth", "ssoLoginUrl");
    let gateway_url = (method == "sso" && !gateway.is_empty()).then(|| {
        let here = format!("{}/login?return={back}", visit.app.base_url);
        let encoded: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        let joiner = if gateway.contains('?') { '&' } else { '?' };
        format!("{gateway}{joiner}returnUrl={encoded}")
    });
    let page = LoginPage {
        chrome: Chrome::new(visit, "Log in"),
        method,
        error,
        return_to: back,
        gateway_url,
    };
    match page.render() {
        Ok(html) => (status, visit.page(html)).into_response(),
        Err(_) => PortalError::Internal.into_response(),
    }
}

/// `GET login`: the password form, a header login, or a gateway token's login.
pub async fn show(visit: Visit, Query(q): Query<LoginQuery>) -> PortalResult<Response> {
    let back = safe_return(&visit, q.return_to.as_deref());
    match visit.setting_text("auth", "method") {
        "header" => header(&visit, &back).await,
        "sso" if q.token.is_some() => {
            gateway(&visit, q.token.as_deref().unwrap_or(""), &back).await
        }
        _ => Ok(render(&visit, StatusCode::OK, None, &back)),
    }
}

async fn header(visit: &Visit, back: &str) -> PortalResult<Response> {
    let name = visit.setting_text("auth", "headerName");
    let value = visit.headers.get(name).and_then(|v| v.to_str().ok());
    let peer = visit.peer.ok_or(PortalError::Forbidden(
        "This portal logs people in through the institution's proxy only.".to_owned(),
    ))?;
    let trusted = visit.setting_text("auth", "trustedProxies");
    match login::header_login(peer, trusted, value) {
        Ok(user) => start(visit, &user, back).await,
        Err(refusal) => {
            tracing::warn!(reason = %refusal, "header login refused");
            Err(PortalError::Forbidden(
                "This portal logs people in through the institution's proxy only, and this \
                 request did not come through it with a user."
                    .to_owned(),
            ))
        }
    }
}

async fn gateway(visit: &Visit, token: &str, back: &str) -> PortalResult<Response> {
    let secret = visit.setting_text("auth", "ssoSecret");
    let verified = login::verify_gateway_token(token, secret, quad_store::now());
    let login = match verified {
        Ok(login) => login,
        Err(refusal) => {
            tracing::warn!(reason = %refusal, "gateway login refused");
            return Ok(render(visit, StatusCode::UNAUTHORIZED, Some(REFUSED), back));
        }
    };
    let mut tx = visit.api.store.write().await.map_err(PortalError::store)?;
    let fresh = portal::use_login_token(&mut tx, &login.replay_key, login.expiry)
        .await
        .map_err(PortalError::store)?;
    tx.commit().await.map_err(PortalError::store)?;
    if !fresh {
        tracing::warn!(
            reason = "the login token was already used",
            "gateway login refused"
        );
        return Ok(render(visit, StatusCode::UNAUTHORIZED, Some(REFUSED), back));
    }
    start(visit, &login.user, back).await
}

/// A hash to verify against when the user has none, so that a wrong user name costs as
/// long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| login::hash_password("decoy", &[7; 16]).unwrap_or_default())
}

/// `POST login`: a local password login.
pub async fn submit(visit: Visit, Form(form): Form<LoginForm>) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let back = safe_return(&visit, form.return_to.as_deref());
    if visit.setting_text("auth", "method") != "local" {
        return Err(PortalError::Forbidden(
            "This portal does not log people in with passwords.".to_owned(),
        ));
    }
    let partner = visit.partner.id;
    let user_subject = format!("user:{}", form.user.trim());
    let addr_subject = format!(
        "addr:{}",
        visit.peer.map(|p| p.to_string()).unwrap_or_default()
    );

    let (failures, stored) = {
        let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
        let by_user = credentials::recent_failures(&mut conn, partner, &user_subject).await;
        let by_addr = credentials::recent_failures(&mut conn, partner, &addr_subject).await;
        let stored = credentials::password_hash(&mut conn, partner, form.user.trim()).await;
        let failures = by_user
            .map_err(PortalError::store)?
            .max(by_addr.map_err(PortalError::store)?);
        (failures, stored.map_err(PortalError::store)?)
    };
    tokio::time::sleep(login::login_delay(
        u32::try_from(failures).unwrap_or(u32::MAX),
    ))
    .await;

    let hash = stored.clone().unwrap_or_else(|| decoy_hash().to_owned());
    let password = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || login::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let user = UserId::parse(form.user.trim()).filter(|_| matches && stored.is_some());

    let mut tx = visit.api.store.write().await.map_err(PortalError::store)?;
    let Some(user) = user else {
        for subject in [&user_subject, &addr_subject] {
            credentials::record_failure(&mut tx, partner, subject)
                .await
                .map_err(PortalError::store)?;
        }
        tx.commit().await.map_err(PortalError::store)?;
        tracing::warn!(
            reason = "wrong user name or password",
            "local login refused"
        );
        return Ok(render(
            &visit,
            StatusCode::UNAUTHORIZED,
            Some(REFUSED),
            &back,
        ));
    };
    credentials::clear_failures(&mut tx, partner, &user_subject)
        .await
        .map_err(PortalError::store)?;
    tx.commit().await.map_err(PortalError::store)?;
    start(&visit, &user, &back).await
}

/// Creates the user on first login, records the login, and sets the session cookie.
async fn start(visit: &Visit, user: &UserId, back: &str) -> PortalResult<Response> {
    let mut tx = visit.api.store.write().await.map_err(PortalError::store)?;
    users::ensure(&mut tx, visit.partner.id, user.as_str())
        .await
        .map_err(PortalError::store)?;
    identity::record_login(&mut tx, visit.partner.id, user.as_str(), visit.app.id)
        .await
        .map_err(PortalError::store)?;
    tx.commit().await.map_err(PortalError::store)?;

    let mut response = redirect(back);
    response
        .headers_mut()
        .append(SET_COOKIE, visit.session_cookie(user)?);
    Ok(visit.with_cookies(response))
}

/// A 303 to a page, after a form.
pub fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// `POST logout`: ends the session for every node and clears the cookie.
pub async fn logout(visit: Visit, Form(form): Form<CsrfForm>) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    if let Some(viewer) = &visit.viewer {
        visit
            .caller(viewer)
            .end_session()
            .await
            .map_err(PortalError::api)?;
    }
    let mut response = redirect(&visit.path("login"));
    response
        .headers_mut()
        .append(SET_COOKIE, visit.ended_session_cookie());
    Ok(response)
}
