//! Who is visiting which portal: the app named by the first path segment, its partner and
//! settings, the logged-in user from the session cookie, and the CSRF token of the forms.
//!
//! The session cookie holds a user KS signed with the partner's secret, so any node can
//! check it and logging out ends it for all nodes. The CSRF token is a random value kept in
//! its own cookie and repeated in every form (double submit).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use quad_api::Api;
use quad_api::ks::{self, KsFields};
use quad_api::local::Caller;
use quad_domain::app::{self, AppKind};
use quad_domain::roles::AppRole;
use quad_domain::{Privileges, Session, SessionType, UserId};
use quad_store::apps::App;
use quad_store::partners::Partner;
use quad_store::{portal, random_token};
use serde_json::Value;

use crate::connections::PeerAddr;

use super::error::{PortalError, PortalResult};

pub const SESSION_COOKIE: &str = "quad_session";
pub const CSRF_COOKIE: &str = "quad_csrf";
/// How long a portal login lasts.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// The logged-in person.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: UserId,
    /// Their KS, which the session cookie carries.
    pub ks: String,
    pub role: AppRole,
    pub session: Session,
}

/// One request to a portal page.
pub struct Visit {
    pub api: Arc<Api>,
    pub app: App,
    pub partner: Partner,
    /// Every module setting, defaults filled in.
    pub settings: Value,
    /// The privacy context of the app's root category, which its sessions work in.
    pub privacy_context: Option<String>,
    pub viewer: Option<Viewer>,
    pub csrf: String,
    csrf_is_new: bool,
    pub peer: Option<IpAddr>,
    pub headers: HeaderMap,
    /// The path and query asked for, to come back to after logging in.
    pub here: String,
}

/// The user session a cookie's KS stands for, when it is genuine, unexpired, not ended, a
/// user session of this partner, and without use limits (which the portal never issues).
fn user_session(raw: &str, partner: &Partner, revoked: bool) -> Option<Session> {
    let fields = quad_api::call::verify(raw, partner, revoked, quad_store::now()).ok()?;
    let privileges = Privileges::parse(&fields.privileges);
    if fields.session_type != SessionType::User.code() || privileges.has("actionslimit") {
        return None;
    }
    let user = quad_domain::session::session_user(&fields.user_id)?;
    Some(Session::new(SessionType::User, Some(user), privileges))
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<Arc<Api>> for Visit {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, api: &Arc<Api>) -> PortalResult<Visit> {
        let slug = parts
            .uri
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        // The app, its partner, whether the session's KS was ended, and the viewer's role:
        // two queries on one connection, since every page needs them first.
        let session_cookie = cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned);
        let hash = session_cookie
            .as_deref()
            .map(ks::ks_hash)
            .unwrap_or_default();
        let mut conn = api.store.read().await.map_err(PortalError::store)?;
        let found = quad_store::apps::visit(&mut conn, &slug, &hash)
            .await
            .map_err(PortalError::store)?
            .filter(|v| v.app.kind == AppKind::Portal.as_str())
            .ok_or(PortalError::NotFound)?;
        let (app, root_contexts, partner, revoked) =
            (found.app, found.root_contexts, found.partner, found.revoked);
        let session = session_cookie
            .as_deref()
            .and_then(|raw| user_session(raw, &partner, revoked));
        let given_role = match session.as_ref().and_then(|s| s.user.as_ref()) {
            Some(user) => portal::app_role(&mut conn, app.id, user.as_str())
                .await
                .map_err(PortalError::store)?,
            None => None,
        };
        drop(conn);
        let privacy_context = root_contexts
            .split(',')
            .next()
            .map(str::to_owned)
            .filter(|c| !c.is_empty());
        let stored: Value = serde_json::from_str(&app.settings).unwrap_or(Value::Null);
        let settings = app::effective_settings(AppKind::Portal, &stored);

        let (csrf, csrf_is_new) = match cookie(&parts.headers, CSRF_COOKIE) {
            Some(token)
                if token.len() == 32 && token.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                (token.to_owned(), false)
            }
            _ => (random_token(32), true),
        };
        let mut visit = Visit {
            api: api.clone(),
            app,
            partner,
            settings,
            privacy_context,
            viewer: None,
            csrf,
            csrf_is_new,
            peer: parts
                .extensions
                .get::<ConnectInfo<PeerAddr>>()
                .map(|c| c.0.0.ip()),
            headers: parts.headers.clone(),
            here: parts
                .uri
                .path_and_query()
                .map_or_else(String::new, |p| p.as_str().to_owned()),
        };
        if let (Some(raw), Some(session)) = (session_cookie, session) {
            let default = visit.setting_text("roles", "defaultRole");
            let role = given_role
                .as_deref()
                .and_then(AppRole::parse)
                .or_else(|| AppRole::parse(default))
                .unwrap_or(AppRole::PrivateOnly);
            if let Some(user) = session.user.clone() {
                visit.viewer = Some(Viewer {
                    user,
                    ks: raw,
                    role,
                    session,
                });
            }
        }
        Ok(visit)
    }
}

impl Visit {
    pub fn slug(&self) -> &str {
        &self.app.slug
    }

    /// A URL of this portal, e.g. `path("my-media")` is `/portal/my-media`.
    pub fn path(&self, rest: &str) -> String {
        format!("/{}/{rest}", self.app.slug)
    }

    pub fn setting(&self, module: &str, name: &str) -> &Value {
        &self.settings[module][name]
    }

    pub fn setting_text(&self, module: &str, name: &str) -> &str {
        self.setting(module, name).as_str().unwrap_or_default()
    }

    /// The logged-in viewer, or a redirect to the login page that comes back here.
    pub fn viewer(&self) -> PortalResult<&Viewer> {
        self.viewer.as_ref().ok_or_else(|| {
            let back: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
            PortalError::LoginRequired(format!("{}?return={back}", self.path("login")))
        })
    }

    /// The viewer, when their role gives them My Media, uploads and publishing.
    pub fn library_user(&self) -> PortalResult<&Viewer> {
        let viewer = self.viewer()?;
        if !viewer.role.has_my_media() {
            return Err(PortalError::Forbidden(
                "Your role in this portal lets you watch media, not keep your own.".to_owned(),
            ));
        }
        Ok(viewer)
    }

    /// The viewer, when they administer this portal.
    pub fn admin(&self) -> PortalResult<&Viewer> {
        let viewer = self.viewer()?;
        if !viewer.role.is_admin() {
            return Err(PortalError::Forbidden(
                "Only administrators of this portal may open its admin pages.".to_owned(),
            ));
        }
        Ok(viewer)
    }

    /// Calls the API as the viewer.
    pub fn caller<'a>(&'a self, viewer: &'a Viewer) -> Caller<'a> {
        Caller {
            api: &self.api,
            ks: &viewer.ks,
            origin: "manual",
            base_url: &self.app.base_url,
        }
    }

    /// Refuses a form whose CSRF token is not this browser's.
    pub fn check_csrf(&self, sent: &str) -> PortalResult<()> {
        if self.csrf_is_new || sent != self.csrf {
            return Err(PortalError::BadRequest(
                "This form has expired. Reload the page and send it again.".to_owned(),
            ));
        }
        Ok(())
    }

    fn cookie_attributes(&self, max_age: i64) -> String {
        let secure = if self.app.base_url.starts_with("https:") {
            "; Secure"
        } else {
            ""
        };
        format!(
            "; Path=/{}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
            self.app.slug
        )
    }

    /// A rendered page, with the CSRF cookie when this browser has none yet.
    pub fn page(&self, html: String) -> Response {
        self.with_cookies(Html(html).into_response())
    }

    /// Adds the CSRF cookie to any response when this browser has none yet.
    pub fn with_cookies(&self, mut response: Response) -> Response {
        if self.csrf_is_new {
            let value = format!(
                "{CSRF_COOKIE}={}{}",
                self.csrf,
                self.cookie_attributes(86400)
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().append(SET_COOKIE, v);
            }
        }
        response
    }

    /// Starts a portal session for a user: a KS in the session cookie.
    pub fn session_cookie(&self, user: &UserId) -> PortalResult<HeaderValue> {
        let privileges = match &self.privacy_context {
            Some(ctx) => format!("privacycontext:{ctx}"),
            None => String::new(),
        };
        let fields = KsFields {
            partner_id: self.partner.id,
            expiry: quad_store::now() + SESSION_SECONDS,
            session_type: SessionType::User.code(),
            user_id: user.as_str().to_owned(),
            privileges,
        };
        let token = ks::encode_v2(&fields, &self.partner.admin_secret, rand::random());
        let value = format!(
            "{SESSION_COOKIE}={token}{}",
            self.cookie_attributes(SESSION_SECONDS)
        );
        HeaderValue::from_str(&value).map_err(|_| PortalError::Internal)
    }

    /// Clears the session cookie.
    pub fn ended_session_cookie(&self) -> HeaderValue {
        let value = format!("{SESSION_COOKIE}={}", self.cookie_attributes(0));
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(""))
    }
}
