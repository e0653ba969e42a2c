//! Launches into an LMS app: where each lands, how a refusal is shown, and the checks of an
//! LTI 1.1 launch (consumer key, OAuth signature, timestamp, message, user id). An LTI 1.3
//! launch is checked in `lti13`; both then land the same way (`landing`). A refused launch
//! changes nothing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use quad_api::Api;
use quad_domain::UserId;
use quad_domain::app::{self, AppKind};
use quad_domain::identity::{self, Transform};
use quad_domain::lti::{self, Launch, LaunchRefusal, Message};
use quad_store::StoreError;
use quad_store::apps::{self, App};
use quad_store::partners::Partner;
use serde_json::Value;

use super::landing::land;

/// Where a launch lands.
pub(super) enum Target {
    MyMedia,
    CourseGallery,
    /// The embed of an entry in a course page.
    Embed(String),
    /// Browse-Search-Embed: the picker of a Content-Item request.
    BrowseAndEmbed,
}

impl Target {
    fn launch_path(&self) -> String {
        match self {
            Target::MyMedia => "lti/my-media".to_owned(),
            Target::CourseGallery => "lti/course-gallery".to_owned(),
            Target::Embed(entry) => format!("lti/embed/{entry}"),
            Target::BrowseAndEmbed => "lti/browse-and-embed".to_owned(),
        }
    }

    /// The target an LTI 1.3 `target_link_uri` names: one of the app's `lti13/…` URLs,
    /// whatever host name the platform knows Quad by.
    pub(super) fn from_link(uri: &str, slug: &str) -> Option<Target> {
        let marker = format!("/{slug}/lti13/");
        let at = uri.find(&marker)?;
        let rest = uri[at + marker.len()..].split(['?', '#']).next()?;
        match rest.trim_end_matches('/') {
            "my-media" => Some(Target::MyMedia),
            "course-gallery" => Some(Target::CourseGallery),
            "browse-and-embed" => Some(Target::BrowseAndEmbed),
            other => other
                .strip_prefix("embed/")
                .filter(|entry| !entry.is_empty() && !entry.contains('/'))
                .map(|entry| Target::Embed(entry.to_owned())),
        }
    }

    /// Whether the launch's message is the one this target takes.
    pub(super) fn takes(&self, message: &Message) -> bool {
        matches!(
            (self, message),
            (Target::BrowseAndEmbed, Message::Selection { .. })
                | (
                    Target::MyMedia | Target::CourseGallery | Target::Embed(_),
                    Message::Launch { .. }
                )
        )
    }
}

/// What an accepted launch shows.
pub(super) enum Landing {
    Page(String),
    /// The embed's place on the LMS page says why nothing plays.
    NotAvailable,
}

/// `POST lti/my-media`.
pub async fn my_media(api: State<Arc<Api>>, slug: Path<String>, body: String) -> Response {
    launch(api, slug, body, Target::MyMedia).await
}

/// `POST lti/course-gallery`.
pub async fn course_gallery(api: State<Arc<Api>>, slug: Path<String>, body: String) -> Response {
    launch(api, slug, body, Target::CourseGallery).await
}

/// `POST lti/browse-and-embed`: a Content-Item request opens the picker.
pub async fn browse_and_embed(api: State<Arc<Api>>, slug: Path<String>, body: String) -> Response {
    launch(api, slug, body, Target::BrowseAndEmbed).await
}

/// `POST lti/embed/{entry}`: a course member opens an embedded entry.
pub async fn embed(
    api: State<Arc<Api>>,
    Path((slug, entry)): Path<(String, String)>,
    body: String,
) -> Response {
    launch(api, Path(slug), body, Target::Embed(entry)).await
}

/// Why a launch could not be completed.
pub(super) enum Failure {
    Refused(LaunchRefusal),
    NoSuchApp,
    /// The platform could not be reached to check the launch.
    Unreachable(String),
    Fault(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::Fault(e.to_string())
    }
}

/// What the LMS user sees when a launch is refused: the reason, never a stack of errors.
fn refusal_page(status: StatusCode, text: &str) -> Response {
    let page = super::pages::message_page("Quad could not open this page", text);
    (status, Html(page)).into_response()
}

async fn launch(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    body: String,
    target: Target,
) -> Response {
    let params: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let landed = match check_lti11(&api, &slug, &params, &target).await {
        Ok(checked) => land(&api, checked, target).await,
        Err(failure) => Err(failure),
    };
    respond(&slug, landed)
}

/// The answer to a launch of either LTI version.
pub(super) fn respond(slug: &str, landed: Result<Landing, Failure>) -> Response {
    match landed {
        Ok(Landing::NotAvailable) => (
            StatusCode::OK,
            Html(super::pages::message_page(
                "Not available in this course",
                "This media is not available in this course. Ask the course's instructor to \
                 publish it here again.",
            )),
        )
            .into_response(),
        Ok(Landing::Page(location)) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = location.parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::LOCATION, value);
            }
            response
        }
        Err(Failure::Refused(reason)) => {
            tracing::warn!(reason = %reason, app = slug, "LTI launch refused");
            refusal_page(
                StatusCode::UNAUTHORIZED,
                &format!(
                    "The launch from the LMS was refused: {reason}. Ask the LMS administrator \
                     to check the tool's registration and launch settings."
                ),
            )
        }
        Err(Failure::NoSuchApp) => refusal_page(StatusCode::NOT_FOUND, "There is no LMS app here."),
        Err(Failure::Unreachable(why)) => {
            tracing::warn!(app = slug, "LTI launch not checked: {why}");
            refusal_page(
                StatusCode::BAD_GATEWAY,
                "Quad could not reach the LMS to check this launch. Nothing was changed; try \
                 again, and if it keeps failing ask the LMS administrator to check the \
                 platform's key set URL.",
            )
        }
        Err(Failure::Fault(cause)) => {
            tracing::error!(error = %cause, "LTI launch failed");
            refusal_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Quad could not complete the launch. Nothing was changed; try again later.",
            )
        }
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The app's effective settings.
pub(super) fn settings_of(app: &App) -> Value {
    let stored: Value = serde_json::from_str(&app.settings).unwrap_or(Value::Null);
    app::effective_settings(AppKind::Kaf, &stored)
}

/// A text setting, empty when unset.
pub(super) fn setting(settings: &Value, module: &str, name: &str) -> String {
    settings[module][name]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The `hosted` module's user id transform.
pub(super) fn transform_of(settings: &Value) -> Transform {
    Transform::from_settings(
        &setting(settings, "hosted", "userIdTransform"),
        &setting(settings, "hosted", "userIdDomain"),
    )
}

/// The LMS app at `slug`, with its partner.
pub(super) async fn lms_app(api: &Api, slug: &str) -> Result<(App, Partner), Failure> {
    let mut conn = api.store.read().await?;
    // One statement for both, with no session to check for revocation.
    let found = apps::visit(&mut conn, slug, "")
        .await?
        .filter(|v| v.app.kind == AppKind::Kaf.as_str())
        .ok_or(Failure::NoSuchApp)?;
    Ok((found.app, found.partner))
}

/// What makes a launch good once only: used up in the launch's own transaction.
pub(super) enum Once {
    /// An LTI 1.1 OAuth nonce of a consumer key.
    Nonce { key: String, nonce: String },
    /// An LTI 1.3 login's state, and the token's nonce under its issuer.
    Login {
        state: String,
        issuer: String,
        nonce: String,
    },
}

/// A launch whose origin has been checked, by either LTI version.
pub(super) struct Checked {
    pub app: App,
    pub partner: Partner,
    pub settings: Value,
    pub user: UserId,
    pub launch: Launch,
    pub once: Once,
    /// The LTI 1.3 platform and deployment the launch came through.
    pub platform: Option<(i64, String)>,
}

/// Checks an LTI 1.1 launch: consumer key, signature, timestamp, message and user id.
/// Everything that needs no write is checked before the write transaction starts, since on
/// SQLite writers take turns.
async fn check_lti11(
    api: &Api,
    slug: &str,
    params: &[(String, String)],
    target: &Target,
) -> Result<Checked, Failure> {
    let (app, partner) = lms_app(api, slug).await?;
    if param(params, "oauth_consumer_key") != Some(app.lti11_key.as_str()) {
        return Err(Failure::Refused(LaunchRefusal::UnknownConsumer));
    }
    // The signed URL is the one the LMS administrator pasted, whatever proxies did since.
    let url = format!("{}/{}", app.base_url, target.launch_path());
    lti::verify_signature("POST", &url, params, &app.lti11_secret, quad_store::now())
        .map_err(Failure::Refused)?;
    let launch = lti::read_launch(params).map_err(Failure::Refused)?;
    let settings = settings_of(&app);
    let user = identity::lti11_user_id(
        &setting(&settings, "hosted", "ltiUserIdAttribute"),
        |n| param(params, n),
        &transform_of(&settings),
    )
    .ok_or(Failure::Refused(LaunchRefusal::NoUserId))?;
    let once = Once::Nonce {
        key: app.lti11_key.clone(),
        nonce: param(params, "oauth_nonce").unwrap_or_default().to_owned(),
    };
    Ok(Checked {
        app,
        partner,
        settings,
        user,
        launch,
        once,
        platform: None,
    })
}
