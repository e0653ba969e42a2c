//! Launches into an LMS app. An LTI 1.1 launch is checked here (OAuth signature, timestamp,
//! nonce) and an LTI 1.3 one in `lti13`; both then land the same way, in one transaction:
//! the user (by the `hosted` mapping), the course and its galleries, the user's membership
//! (by the `roles` mapping) and the login record. A refused launch changes nothing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use quad_api::Api;
use quad_api::ks::{self, KsFields};
use quad_domain::app::{self, AppKind};
use quad_domain::embed::{self, AutoRepublish, EmbedFacts, EmbedOpening};
use quad_domain::identity::{self, Transform};
use quad_domain::lti::{self, Launch, LaunchRefusal, Message};
use quad_domain::membership::{MemberStatus, PermissionLevel, UpdateMethod};
use quad_domain::roles::{self, AppRole};
use quad_domain::{SessionType, UserId};
use quad_store::apps::{self, App};
use quad_store::categories::Category;
use quad_store::embeds::{self, Embed};
use quad_store::lti::Selection;
use quad_store::members::{self, Member};
use quad_store::partners::Partner;
use quad_store::{Conn, StoreError, entries, partners, portal, publications, users};
use serde_json::Value;

use super::courses::{self, CourseError};

/// How long the session of an LMS page lasts.
const SESSION_SECONDS: i64 = 4 * 3600;

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
    fn takes(&self, message: &Message) -> bool {
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
    let app = apps::by_slug(&mut conn, slug)
        .await?
        .filter(|a| a.kind == AppKind::Kaf.as_str())
        .ok_or(Failure::NoSuchApp)?;
    let partner = partners::get(&mut conn, app.partner_id)
        .await?
        .ok_or(Failure::NoSuchApp)?;
    Ok((app, partner))
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

/// Uses up what makes the launch good once; false when it was used before.
async fn use_once(conn: &mut Conn, once: &Once, now: i64) -> Result<bool, Failure> {
    let expires = now + 2 * lti::TIMESTAMP_WINDOW_SECONDS;
    let fresh = match once {
        Once::Nonce { key, nonce } => quad_store::lti::use_nonce(conn, key, nonce, expires).await?,
        Once::Login {
            state,
            issuer,
            nonce,
        } => {
            quad_store::lti13::use_login(conn, state).await?
                && quad_store::lti::use_nonce(conn, issuer, nonce, expires).await?
        }
    };
    Ok(fresh)
}

/// Completes a checked launch in one transaction: the user, the course and its galleries,
/// the user's membership and app role, the login record, the embed's rule or the picker's
/// request; then sends the user to the page.
pub(super) async fn land(api: &Api, checked: Checked, target: Target) -> Result<Landing, Failure> {
    let Checked {
        app,
        partner,
        settings,
        user,
        launch,
        once,
        platform,
    } = checked;
    if !target.takes(&launch.message) {
        return Err(Failure::Refused(LaunchRefusal::NotALaunch));
    }
    let rows = roles::rows_from_setting(&settings["roles"]["ltiRoles"]);
    let role_names: Vec<&str> = launch.roles.iter().map(String::as_str).collect();
    let (app_role, course_role) = roles::map_lti_roles(&rows, &role_names);
    let now = quad_store::now();

    let mut tx = api.store.write().await?;
    if !use_once(&mut tx, &once, now).await? {
        return Err(Failure::Refused(match once {
            Once::Nonce { .. } => LaunchRefusal::ReplayedNonce,
            Once::Login { .. } => LaunchRefusal::UnknownLogin,
        }));
    }
    remember_user(&mut tx, &app, &user, &launch).await?;
    let gallery = course_gallery_of(&mut tx, &app, &launch).await?;
    if let Some(level) = course_role {
        refresh_membership(&mut tx, &gallery, &user, level).await?;
    }
    if portal::app_role(&mut tx, app.id, user.as_str())
        .await?
        .as_deref()
        != Some(app_role.as_str())
    {
        portal::set_app_role(
            &mut tx,
            app.id,
            app.partner_id,
            user.as_str(),
            app_role.as_str(),
        )
        .await?;
    }
    quad_store::identity::record_login(&mut tx, app.partner_id, user.as_str(), app.id).await?;
    let plays = match &target {
        Target::Embed(entry) => {
            let rule = AutoRepublish::parse(&setting(&settings, "browseandembed", "autoRepublish"))
                .unwrap_or(AutoRepublish::Yes);
            let course = Course {
                app: &app,
                gallery: &gallery,
                context: &launch.course.context_id,
            };
            open_embed(&mut tx, &course, &user, &launch, entry, rule).await?
        }
        _ => true,
    };
    let selection = match &launch.message {
        Message::Selection { return_url, data } => {
            let waiting = Selection {
                id: quad_store::random_token(24),
                app_id: app.id,
                user_id: user.to_string(),
                context_id: launch.course.context_id.clone(),
                return_url: return_url.clone(),
                data: data.clone(),
                expires_at: now + SESSION_SECONDS,
                platform_id: platform.as_ref().map(|(id, _)| *id),
                deployment_id: platform.map(|(_, d)| d).unwrap_or_default(),
            };
            quad_store::lti::put_selection(&mut tx, &waiting).await?;
            Some(waiting.id)
        }
        Message::Launch { .. } => None,
    };
    tx.commit()
        .await
        .map_err(|e| Failure::Fault(e.to_string()))?;
    if !plays {
        return Ok(Landing::NotAvailable);
    }

    let token = session_token(&partner, &user, now);
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let context: String =
        form_urlencoded::byte_serialize(launch.course.context_id.as_bytes()).collect();
    let slug = &app.slug;
    let page = match (target, app_role >= AppRole::PrivateOnly) {
        (Target::Embed(entry), _) => format!("/{slug}/lti/pages/player/{entry}?t={encoded}"),
        (Target::BrowseAndEmbed, _) => format!(
            "/{slug}/lti/pages/pick/{}?t={encoded}",
            selection.unwrap_or_default()
        ),
        (Target::MyMedia, true) => format!("/{slug}/lti/pages/my-media?t={encoded}"),
        _ => format!("/{slug}/lti/pages/course/{context}?t={encoded}"),
    };
    Ok(Landing::Page(page))
}

/// A user KS for the pages inside the LMS.
fn session_token(partner: &Partner, user: &UserId, now: i64) -> String {
    let fields = KsFields {
        partner_id: partner.id,
        expiry: now + SESSION_SECONDS,
        session_type: SessionType::User.code(),
        user_id: user.as_str().to_owned(),
        privileges: String::new(),
    };
    ks::encode_v2(&fields, &partner.admin_secret, rand::random())
}

/// Creates the user on first launch and fills in the name and e-mail the LMS sent when
/// Quad has none, so that the identity report can compare people across apps.
async fn remember_user(
    conn: &mut Conn,
    app: &App,
    user: &UserId,
    launch: &Launch,
) -> Result<(), Failure> {
    users::ensure(conn, app.partner_id, user.as_str()).await?;
    let Some(mut known) = users::get(conn, app.partner_id, user.as_str()).await? else {
        return Ok(());
    };
    let mut changed = false;
    if known.email.as_deref().is_none_or(str::is_empty) && launch.email.is_some() {
        known.email = launch.email.clone();
        changed = true;
    }
    if known.full_name.as_deref().is_none_or(str::is_empty) && launch.full_name.is_some() {
        known.full_name = launch.full_name.clone();
        changed = true;
    }
    if changed {
        users::update(conn, &known).await?;
    }
    Ok(())
}

/// The course's Media Gallery, made on the first launch in the course, its title refreshed.
async fn course_gallery_of(
    conn: &mut Conn,
    app: &App,
    launch: &Launch,
) -> Result<Category, Failure> {
    let course = &launch.course;
    courses::ensure(conn, app, &course.context_id, &course.title)
        .await
        .map(|(gallery, _)| gallery)
        .map_err(course_failure)
}

fn course_failure(e: CourseError) -> Failure {
    match e {
        CourseError::UnusableContext(_) => {
            Failure::Refused(LaunchRefusal::Missing("a usable context_id"))
        }
        CourseError::BrokenTree(why) => Failure::Fault(why),
        CourseError::Store(e) => Failure::from(e),
    }
}

/// Sets the user's membership of the course gallery to the launch's course role.
async fn refresh_membership(
    conn: &mut Conn,
    gallery: &Category,
    user: &UserId,
    level: PermissionLevel,
) -> Result<(), Failure> {
    let member = Member {
        category_id: gallery.id,
        user_id: user.to_string(),
        partner_id: gallery.partner_id,
        permission_level: level.code(),
        permission_names: level.permission_names().join(","),
        status: MemberStatus::Active as i64,
        // Automatic: the LMS owns this membership, and the next launch may change it.
        update_method: UpdateMethod::Automatic as i64,
        ..Member::default()
    };
    // Most launches find the membership as it was; only a change is written.
    let current = members::get(conn, gallery.id, user.as_str()).await?;
    let unchanged = current.is_some_and(|m| {
        m.permission_level == member.permission_level && m.status == member.status
    });
    if !unchanged {
        members::put(conn, &member).await?;
    }
    Ok(())
}

/// The course a launch came from, with its Media Gallery.
struct Course<'a> {
    app: &'a App,
    gallery: &'a Category,
    context: &'a str,
}

/// Opens an embed: records it on its first launch, publishes it to the course's `InContext`
/// when its owner opens it, and otherwise applies the app's auto-republish rule. Returns
/// whether the entry plays.
async fn open_embed(
    conn: &mut Conn,
    course: &Course<'_>,
    user: &UserId,
    launch: &Launch,
    entry_id: &str,
    setting: AutoRepublish,
) -> Result<bool, Failure> {
    let Some(entry) = entries::get(conn, course.app.partner_id, entry_id).await? else {
        return Ok(false);
    };
    let recorded = embeds::record(
        conn,
        &Embed {
            app_id: course.app.id,
            resource_link_id: launch.resource_link_id().to_owned(),
            context_id: course.context.to_owned(),
            entry_id: entry.id.clone(),
            embedded_by: user.to_string(),
            created_at: 0,
        },
    )
    .await?;
    let in_context = courses::in_context(conn, course.gallery)
        .await
        .map_err(course_failure)?;
    let course_categories = [course.gallery.id, in_context.id];
    let mut published = false;
    for category in course_categories {
        let link = publications::get(conn, category, &entry.id).await?;
        published |= link.is_some_and(|p| p.status == publications::STATUS_ACTIVE);
    }
    if !published && embed::embed_publishes(entry.owner_id == user.as_str()) {
        publications::add_active_if_absent(
            conn,
            &in_context,
            &entry.id,
            Some(user.as_str()),
            "embed",
        )
        .await?;
        return Ok(true);
    }
    let facts = EmbedFacts {
        published_in_course: published,
        viewer_in_course: true,
        owner_withdrew_after_embed: embeds::removed_since(
            conn,
            &entry.id,
            &course_categories,
            &entry.owner_id,
            recorded.created_at,
        )
        .await?,
        entry_exists: true,
    };
    match embed::open_embed(setting, facts) {
        EmbedOpening::Play => Ok(true),
        EmbedOpening::RepublishAndPlay => {
            publications::add_active_if_absent(
                conn,
                &in_context,
                &entry.id,
                Some(user.as_str()),
                "watch",
            )
            .await?;
            Ok(true)
        }
        EmbedOpening::NotAvailable => Ok(false),
    }
}
