//! The pages shown inside the LMS: My Media (the same entries as in every app) and the
//! course's Media Gallery, for the user of the launch. The session is the KS in `t`.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use quad_api::Api;
use quad_api::local::Caller;
use quad_domain::app::{self, AppKind};
use quad_domain::entitlement::ListScope;
use quad_domain::membership::{self, Membership, PermissionLevel};

use super::courses::{self, CourseError};
use super::keys;
use quad_domain::my_media::MyMediaQuery;
use quad_domain::roles::AppRole;
use quad_domain::{EntitlementContext, Session};
use quad_domain::{embed, lti, lti13};
use quad_store::apps::{self, App};
use quad_store::entries::{self, EntryFilter};
use quad_store::lti::Selection;
use quad_store::partners::{self, Partner};
use quad_store::{categories, my_media, portal, publications};
use serde::Deserialize;
use serde_json::Value;

use crate::player::PlayerPage;
use crate::portal::error::{PortalError, PortalResult};
use crate::portal::views::{self, EntryCard};

#[derive(Template)]
#[template(path = "lms_message.html")]
struct MessagePage<'a> {
    title: &'a str,
    text: &'a str,
}

/// A page that only says something: a refusal, or why there is nothing to show.
pub fn message_page(title: &str, text: &str) -> String {
    MessagePage { title, text }
        .render()
        .unwrap_or_else(|_| text.to_owned())
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// The session: a KS issued by the launch.
    #[serde(default)]
    t: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

/// The launch's user on an LMS app.
struct LmsVisit {
    app: App,
    partner: Partner,
    settings: Value,
    session: Session,
    role: AppRole,
}

async fn visit(api: &Api, slug: &str, token: &str) -> PortalResult<LmsVisit> {
    let caller = Caller {
        api,
        ks: token,
        origin: "manual",
        base_url: "",
    };
    let session = caller.session().await.map_err(|_| {
        PortalError::Forbidden("This page has expired. Open it again from the LMS.".to_owned())
    })?;
    let user = session.user.clone().ok_or(PortalError::NotFound)?;
    let mut conn = api.store.read().await.map_err(PortalError::store)?;
    let app = apps::by_slug(&mut conn, slug)
        .await
        .map_err(PortalError::store)?
        .filter(|a| a.kind == AppKind::Kaf.as_str())
        .ok_or(PortalError::NotFound)?;
    let partner = partners::get(&mut conn, app.partner_id)
        .await
        .map_err(PortalError::store)?
        .filter(|p| Some(p.id) == session_partner(token))
        .ok_or(PortalError::NotFound)?;
    let role = portal::app_role(&mut conn, app.id, user.as_str())
        .await
        .map_err(PortalError::store)?
        .as_deref()
        .and_then(AppRole::parse)
        .unwrap_or(AppRole::Anonymous);
    let stored: Value = serde_json::from_str(&app.settings).unwrap_or(Value::Null);
    Ok(LmsVisit {
        settings: app::effective_settings(AppKind::Kaf, &stored),
        app,
        partner,
        session,
        role,
    })
}

fn session_partner(token: &str) -> Option<i64> {
    quad_api::ks::decode(token).map(|k| k.partner_id())
}

#[derive(Template)]
#[template(path = "lms_entries.html")]
struct EntriesPage {
    heading: String,
    app_name: String,
    user: String,
    cards: Vec<EntryCard>,
    total: i64,
    data_category_id: Option<i64>,
    empty: &'static str,
    /// On a course gallery: the viewer's own entries not in it yet, to add.
    addable: Vec<Pickable>,
    add_action: String,
    token: String,
    /// For the gallery's moderators: what waits for approval.
    pending: Vec<Pickable>,
    /// For the gallery's managers: its settings.
    manages: bool,
    moderated: bool,
    description: String,
    /// Where the viewer uploads, when their role allows it.
    upload_link: String,
    /// Each card links to its player: this, the entry id, then `watch_query`.
    watch_base: String,
    watch_query: String,
}

fn render(page: EntriesPage) -> PortalResult<Response> {
    let html = page.render().map_err(|_| PortalError::Internal)?;
    Ok(Html(html).into_response())
}

fn refused(error: PortalError) -> Response {
    let (status, text) = match &error {
        PortalError::Forbidden(text) => (StatusCode::FORBIDDEN, text.clone()),
        PortalError::NotFound => (
            StatusCode::NOT_FOUND,
            "There is nothing here, or nothing you may see.".to_owned(),
        ),
        _ => return error.into_response(),
    };
    tracing::warn!(status = status.as_u16(), reason = text, "LMS page refused");
    (status, Html(message_page("Not available", &text))).into_response()
}

/// `GET lti/pages/my-media`: the user's My Media, as in every app.
pub async fn my_media(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    my_media_page(&api, &slug, &q).await.unwrap_or_else(refused)
}

async fn my_media_page(api: &Api, slug: &str, q: &PageQuery) -> PortalResult<Response> {
    let v = visit(api, slug, &q.t).await?;
    if !v.role.has_my_media() {
        return Err(PortalError::Forbidden(
            "Your role in this course lets you watch media, not keep your own.".to_owned(),
        ));
    }
    let user = v.session.user.clone().ok_or(PortalError::NotFound)?;
    let mut query = MyMediaQuery::new(user.clone()).with_keywords(&q.q);
    query.page = q.page.unwrap_or(1).max(1);
    query.page_size = 24;
    let mut conn = api.store.read().await.map_err(PortalError::store)?;
    let (found, total) = my_media::list(&mut conn, v.partner.id, &query)
        .await
        .map_err(PortalError::store)?;
    let roots = views::roots_of(&mut conn, &v.app, &v.settings).await?;
    let cards = views::cards(&mut conn, &roots, &format!("/{slug}"), &found).await?;
    let upload_link = upload_link(&v, slug, &q.t, None);
    render(EntriesPage {
        heading: "My Media".to_owned(),
        app_name: v.app.name,
        user: user.to_string(),
        cards,
        total,
        data_category_id: None,
        empty: "You have no media yet.",
        addable: Vec::new(),
        add_action: String::new(),
        token: String::new(),
        pending: Vec::new(),
        manages: false,
        moderated: false,
        description: String::new(),
        upload_link,
        watch_base: format!("/{slug}/lti/pages/player/"),
        watch_query: format!("?t={}", encoded(&q.t)),
    })
}

/// `GET lti/pages/course/{context}`: the course's Media Gallery, as entitlement allows.
pub async fn course_gallery(
    State(api): State<Arc<Api>>,
    Path((slug, context)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    gallery_page(&api, &slug, &context, &q)
        .await
        .unwrap_or_else(refused)
}

async fn gallery_page(
    api: &Api,
    slug: &str,
    context: &str,
    q: &PageQuery,
) -> PortalResult<Response> {
    let v = visit(api, slug, &q.t).await?;
    let user = v.session.user.clone().ok_or(PortalError::NotFound)?;
    let gallery = course_gallery_of(api, &v, context).await?;
    let mut conn = api.store.read().await.map_err(PortalError::store)?;
    let ctx = EntitlementContext::for_session(&v.session, v.partner.entitlement_default);
    let filter = EntryFilter {
        categories_ids_match_or: Some(vec![gallery.id]),
        ..EntryFilter::default()
    };
    let (found, total) = entries::list(
        &mut conn,
        v.partner.id,
        &filter,
        &ListScope::Entitled,
        &ctx,
        100,
        0,
    )
    .await
    .map_err(PortalError::store)?;
    let roots = views::roots_of(&mut conn, &v.app, &v.settings).await?;
    let cards = views::cards(&mut conn, &roots, &format!("/{slug}"), &found).await?;
    let titles = portal::course_titles(&mut conn, &[v.app.id])
        .await
        .map_err(PortalError::store)?;
    let title = titles
        .into_iter()
        .find(|(c, _)| c == context)
        .map_or_else(|| context.to_owned(), |(_, t)| t);
    // Contributors add from their My Media; the publishing rule decides when they send.
    let addable = if v.role.has_my_media() {
        let mut mine = MyMediaQuery::new(user.clone());
        mine.page_size = 50;
        let (own, _) = my_media::list(&mut conn, v.partner.id, &mine)
            .await
            .map_err(PortalError::store)?;
        let listed: Vec<&str> = found.iter().map(|e| e.id.as_str()).collect();
        let rest: Vec<_> = own
            .into_iter()
            .filter(|e| !listed.contains(&e.id.as_str()))
            .collect();
        pickable(&rest)
    } else {
        Vec::new()
    };
    let level = gallery_level(&mut conn, &gallery, &user).await?;
    let pending = if level.is_some_and(PermissionLevel::may_moderate) {
        let waiting = publications::of_category(&mut conn, gallery.id)
            .await
            .map_err(PortalError::store)?;
        let ids: Vec<String> = waiting
            .into_iter()
            .filter(|p| p.status == publications::STATUS_PENDING)
            .map(|p| p.entry_id)
            .collect();
        pickable(
            &entries::get_many(&mut conn, v.partner.id, &ids)
                .await
                .map_err(PortalError::store)?,
        )
    } else {
        Vec::new()
    };
    let upload_link = upload_link(&v, slug, &q.t, Some(context));
    render(EntriesPage {
        heading: format!("Media Gallery of {title}"),
        app_name: v.app.name,
        user: user.to_string(),
        cards,
        total,
        data_category_id: Some(gallery.id),
        empty: "Nothing is published in this course yet.",
        addable,
        add_action: format!("/{slug}/lti/pages/course/{context}"),
        token: q.t.clone(),
        pending,
        manages: membership::may_manage_category(true, level),
        moderated: gallery.moderation,
        description: gallery.description.clone().unwrap_or_default(),
        upload_link,
        watch_base: format!("/{slug}/lti/pages/player/"),
        watch_query: format!("?t={}", encoded(&q.t)),
    })
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The upload page's address for this viewer, or nothing when their role may not upload.
fn upload_link(v: &LmsVisit, slug: &str, token: &str, context: Option<&str>) -> String {
    if v.role.may_upload() {
        upload_address(slug, token, context)
    } else {
        String::new()
    }
}

fn upload_address(slug: &str, token: &str, context: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("t", token);
    if let Some(context) = context {
        query.append_pair("context", context);
    }
    format!("/{slug}/lti/pages/upload?{}", query.finish())
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    t: String,
    context: Option<String>,
}

#[derive(Template)]
#[template(path = "lms_upload.html")]
struct UploadPage {
    app_name: String,
    course_title: String,
    action: String,
    back: String,
    max_bytes: u64,
}

/// The viewer of an upload page, who must be allowed to upload, and the course gallery the
/// new entry goes to, if any.
async fn uploader(
    api: &Api,
    slug: &str,
    q: &UploadQuery,
) -> PortalResult<(LmsVisit, Option<(quad_store::categories::Category, String)>)> {
    let v = visit(api, slug, &q.t).await?;
    if !v.role.may_upload() {
        return Err(PortalError::Forbidden(
            "Your role in this course does not let you upload media.".to_owned(),
        ));
    }
    let course = match q.context.as_deref() {
        None => None,
        Some(context) => {
            let gallery = course_gallery_of(api, &v, context).await?;
            let mut conn = api.store.read().await.map_err(PortalError::store)?;
            let title = portal::course_titles(&mut conn, &[v.app.id])
                .await
                .map_err(PortalError::store)?
                .into_iter()
                .find(|(c, _)| c == context)
                .map_or_else(|| context.to_owned(), |(_, t)| t);
            Some((gallery, title))
        }
    };
    Ok((v, course))
}

fn upload_back(slug: &str, q: &UploadQuery) -> String {
    let token: String = form_urlencoded::byte_serialize(q.t.as_bytes()).collect();
    match &q.context {
        Some(context) => {
            let context: String = form_urlencoded::byte_serialize(context.as_bytes()).collect();
            format!("/{slug}/lti/pages/course/{context}?t={token}")
        }
        None => format!("/{slug}/lti/pages/my-media?t={token}"),
    }
}

/// `GET lti/pages/upload`: the upload form inside the LMS.
pub async fn upload_form(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    Query(q): Query<UploadQuery>,
) -> Response {
    let shown = async {
        let (v, course) = uploader(&api, &slug, &q).await?;
        let page = UploadPage {
            app_name: v.app.name,
            course_title: course.map(|(_, title)| title).unwrap_or_default(),
            action: upload_address(&slug, &q.t, q.context.as_deref()),
            back: upload_back(&slug, &q),
            max_bytes: api.config.max_upload_bytes,
        };
        render_html(page.render())
    };
    shown.await.unwrap_or_else(refused)
}

fn render_html(rendered: askama::Result<String>) -> PortalResult<Response> {
    Ok(Html(rendered.map_err(|_| PortalError::Internal)?).into_response())
}

/// `POST lti/pages/upload`: makes the file an entry of the viewer's, adds it to the course
/// gallery when the upload came from there, and goes back to where it came from. The page's
/// KS is in its address, so the form needs no other token.
pub async fn upload(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    Query(q): Query<UploadQuery>,
    multipart: axum::extract::Multipart,
) -> Response {
    let uploaded = async {
        let (_, course) = uploader(&api, &slug, &q).await?;
        let form = crate::portal::upload::read_form(&api, multipart, |_| Ok(())).await?;
        let caller = Caller {
            api: &api,
            ks: &q.t,
            origin: "gallery",
            base_url: "",
        };

        let entry = crate::portal::upload::create_entry(&caller, form).await?;
        if let Some((gallery, _)) = course {
            caller
                .publish(&entry, &[gallery.id])
                .await
                .map_err(PortalError::api)?;
        }

        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(value) = upload_back(&slug, &q).parse() {
            response
                .headers_mut()
                .insert(axum::http::header::LOCATION, value);
        }
        Ok::<_, PortalError>(response)
    };
    uploaded.await.unwrap_or_else(refused)
}

async fn visible(
    api: &Api,
    slug: &str,
    q: &PageQuery,
    entry: &str,
) -> PortalResult<quad_store::entries::Entry> {
    visit(api, slug, &q.t).await?;
    let caller = Caller {
        api,
        ks: &q.t,
        origin: "manual",
        base_url: "",
    };
    let (entry, _) = caller
        .visible_entry(entry)
        .await
        .map_err(PortalError::api)?;
    Ok(entry)
}

/// `GET lti/pages/player/{entry}`: the player an embed shows on the LMS page.
pub async fn player(
    State(api): State<Arc<Api>>,
    Path((slug, entry)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let shown = async {
        let entry = visible(&api, &slug, &q, &entry).await?;
        let token: String = form_urlencoded::byte_serialize(q.t.as_bytes()).collect();
        let page = PlayerPage {
            notice: views::processing_notice(&entry),
            with_title: false,
            source: format!("/{slug}/lti/pages/source/{}?t={token}", entry.id),
            poster: format!("/{slug}/lti/pages/poster/{}?t={token}", entry.id),
            events: format!("/{slug}/lti/pages/player/{}/event?t={token}", entry.id),
            entry_id: entry.id,
            name: entry.name,
        };
        let html = page.render().map_err(|_| PortalError::Internal)?;
        Ok::<_, PortalError>(Html(html).into_response())
    };
    shown.await.unwrap_or_else(refused)
}

/// `GET lti/pages/source/{entry}`: the entry's file, with ranges, for the embed's player.
pub async fn source(
    State(api): State<Arc<Api>>,
    Path((slug, entry)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let served = async {
        let entry = visible(&api, &slug, &q, &entry).await?;
        let range = headers
            .get(axum::http::header::RANGE)
            .and_then(|v| v.to_str().ok());
        quad_api::playback::serve_source(&api, &entry, range)
            .await
            .ok_or(PortalError::NotFound)
    };
    served.await.unwrap_or_else(refused)
}

/// `GET lti/pages/poster/{entry}`: the poster of the embed's player.
pub async fn poster(
    State(api): State<Arc<Api>>,
    Path((slug, entry)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let served = async {
        let entry = visible(&api, &slug, &q, &entry).await?;
        quad_api::playback::serve_poster(&api, &entry)
            .await
            .ok_or(PortalError::NotFound)
    };
    served.await.unwrap_or_else(refused)
}

/// An entry the picker offers.
pub struct Pickable {
    pub id: String,
    pub name: String,
    pub meta: String,
}

#[derive(Template)]
#[template(path = "lms_pick.html")]
struct PickPage {
    app_name: String,
    action: String,
    token: String,
    q: String,
    sections: Vec<(String, Vec<Pickable>)>,
}

fn pickable(found: &[quad_store::entries::Entry]) -> Vec<Pickable> {
    found
        .iter()
        .map(|e| Pickable {
            id: e.id.clone(),
            name: e.name.clone(),
            meta: format!(
                "{} · {}",
                views::media_type_name(e.media_type),
                views::date_text(e.created_at)
            ),
        })
        .collect()
}

/// The waiting Browse-Search-Embed request of this user, on this app.
async fn waiting(api: &Api, v: &LmsVisit, id: &str) -> PortalResult<quad_store::lti::Selection> {
    let mut conn = api.store.read().await.map_err(PortalError::store)?;
    let user = v
        .session
        .user
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_default();
    quad_store::lti::selection(&mut conn, id)
        .await
        .map_err(PortalError::store)?
        .filter(|s| s.app_id == v.app.id && s.user_id == user)
        .ok_or_else(|| {
            PortalError::Forbidden(
                "This choice has expired. Open the picker again from the LMS.".to_owned(),
            )
        })
}

/// Entries published in the galleries of courses, as the viewer's entitlement allows.
async fn in_galleries(
    conn: &mut quad_store::Conn,
    v: &LmsVisit,
    gallery_ids: Vec<i64>,
    keywords: &str,
) -> PortalResult<Vec<quad_store::entries::Entry>> {
    if gallery_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = EntitlementContext::for_session(&v.session, v.partner.entitlement_default);
    let filter = EntryFilter {
        categories_ids_match_or: Some(gallery_ids),
        free_text: Some(keywords.to_owned()).filter(|k| !k.trim().is_empty()),
        ..EntryFilter::default()
    };
    let (found, _) = entries::list(
        conn,
        v.partner.id,
        &filter,
        &ListScope::Entitled,
        &ctx,
        100,
        0,
    )
    .await
    .map_err(PortalError::store)?;
    Ok(found)
}

/// `GET lti/pages/pick/{selection}`: the picker: My Media, this course's gallery, and with
/// `browseandembed.allowEmbedFromMultipleCourses` the galleries of the user's other courses.
pub async fn pick(
    State(api): State<Arc<Api>>,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    pick_page(&api, &slug, &id, &q)
        .await
        .unwrap_or_else(refused)
}

async fn pick_page(api: &Api, slug: &str, id: &str, q: &PageQuery) -> PortalResult<Response> {
    let v = visit(api, slug, &q.t).await?;
    let selection = waiting(api, &v, id).await?;
    let user = v.session.user.clone().ok_or(PortalError::NotFound)?;
    let mut conn = api.store.read().await.map_err(PortalError::store)?;
    let mut mine = MyMediaQuery::new(user.clone()).with_keywords(&q.q);
    mine.page_size = 100;
    let (own, _) = my_media::list(&mut conn, v.partner.id, &mine)
        .await
        .map_err(PortalError::store)?;
    let courses = portal::courses_of(&mut conn, v.app.id)
        .await
        .map_err(PortalError::store)?;
    let this_course: Vec<i64> = courses
        .iter()
        .filter(|c| c.0 == selection.context_id)
        .map(|c| c.2)
        .collect();
    let mut sections = vec![
        ("My Media".to_owned(), pickable(&own)),
        (
            "This course's Media Gallery".to_owned(),
            pickable(&in_galleries(&mut conn, &v, this_course, &q.q).await?),
        ),
    ];
    if v.settings["browseandembed"]["allowEmbedFromMultipleCourses"].as_bool() == Some(true) {
        let others: Vec<i64> = courses
            .iter()
            .filter(|c| c.0 != selection.context_id)
            .map(|c| c.2)
            .collect();
        sections.push((
            "My other courses".to_owned(),
            pickable(&in_galleries(&mut conn, &v, others, &q.q).await?),
        ));
    }
    let page = PickPage {
        app_name: v.app.name.clone(),
        action: format!("/{slug}/lti/pages/pick/{id}"),
        token: q.t.clone(),
        q: q.q.clone(),
        sections,
    };
    let html = page.render().map_err(|_| PortalError::Internal)?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    entry: String,
}

#[derive(Template)]
#[template(path = "lms_return.html")]
struct ReturnPage {
    return_url: String,
    fields: Vec<(String, String)>,
}

/// `POST lti/pages/pick/{selection}`: sends the chosen entry back to the LMS as a signed
/// link to its embed (LTI 1.1 Content-Item or LTI 1.3 Deep Linking). When the owner chooses
/// it, it is published to the course's `InContext`.
pub async fn choose(
    State(api): State<Arc<Api>>,
    Path((slug, id)): Path<(String, String)>,
    axum::Form(form): axum::Form<ChoiceForm>,
) -> Response {
    choose_entry(&api, &slug, &id, &form)
        .await
        .unwrap_or_else(refused)
}

async fn choose_entry(
    api: &Api,
    slug: &str,
    id: &str,
    form: &ChoiceForm,
) -> PortalResult<Response> {
    let v = visit(api, slug, &form.t).await?;
    waiting(api, &v, id).await?;
    let caller = Caller {
        api,
        ks: &form.t,
        origin: "manual",
        base_url: "",
    };
    let (entry, _) = caller
        .visible_entry(&form.entry)
        .await
        .map_err(PortalError::api)?;
    let user = v.session.user.clone().ok_or(PortalError::NotFound)?;

    let mut tx = api.store.write().await.map_err(PortalError::store)?;
    let selection = quad_store::lti::take_selection(&mut tx, id)
        .await
        .map_err(PortalError::store)?
        .ok_or_else(|| PortalError::Forbidden("This choice was already sent.".to_owned()))?;
    if embed::embed_publishes(entry.owner_id == user.as_str()) {
        let gallery = courses::gallery(&mut tx, &v.app, &selection.context_id)
            .await
            .map_err(course_error)?;
        if let Some(gallery) = gallery {
            let in_context = courses::in_context(&mut tx, &gallery)
                .await
                .map_err(course_error)?;
            publications::add_active_if_absent(
                &mut tx,
                &in_context,
                &entry.id,
                Some(user.as_str()),
                "embed",
            )
            .await
            .map_err(PortalError::store)?;
        }
    }
    tx.commit().await.map_err(PortalError::store)?;

    let fields = match selection.platform_id {
        None => content_item_answer(&v.app, &selection, &entry),
        Some(platform) => deep_linking_answer(api, &v.app, platform, &selection, &entry).await?,
    };
    let page = ReturnPage {
        return_url: selection.return_url,
        fields,
    };
    let html = page.render().map_err(|_| PortalError::Internal)?;
    Ok(Html(html).into_response())
}

/// The LTI 1.1 answer: an OAuth-signed `ContentItemSelection` holding an LTI link.
fn content_item_answer(
    app: &App,
    selection: &Selection,
    entry: &entries::Entry,
) -> Vec<(String, String)> {
    let link = serde_json::json!({
        "@context": "http://purl.imsglobal.org/ctx/lti/v1/ContentItem",
        "@graph": [{
            "@type": "LtiLinkItem",
            "mediaType": lti::LTI_LINK_MEDIA_TYPE,
            "url": format!("{}/lti/embed/{}", app.base_url, entry.id),
            "title": entry.name,
            "text": entry.description.clone().unwrap_or_default(),
            "placementAdvice": {"presentationDocumentTarget": "iframe",
                                "displayWidth": 640, "displayHeight": 400},
        }],
    });
    let mut fields = vec![
        (
            "lti_message_type".to_owned(),
            "ContentItemSelection".to_owned(),
        ),
        ("lti_version".to_owned(), "LTI-1p0".to_owned()),
        ("content_items".to_owned(), link.to_string()),
        ("oauth_consumer_key".to_owned(), app.lti11_key.clone()),
        ("oauth_signature_method".to_owned(), "HMAC-SHA1".to_owned()),
        ("oauth_version".to_owned(), "1.0".to_owned()),
        ("oauth_timestamp".to_owned(), quad_store::now().to_string()),
        ("oauth_nonce".to_owned(), quad_store::random_token(24)),
    ];
    if !selection.data.is_empty() {
        fields.push(("data".to_owned(), selection.data.clone()));
    }
    let signature = lti::sign("POST", &selection.return_url, &fields, &app.lti11_secret);
    fields.push(("oauth_signature".to_owned(), signature));
    fields
}

/// The LTI 1.3 answer: an `LtiDeepLinkingResponse` JWT signed with the app's key, holding
/// an `ltiResourceLink` to the entry's embed.
async fn deep_linking_answer(
    api: &Api,
    app: &App,
    platform_id: i64,
    selection: &Selection,
    entry: &entries::Entry,
) -> PortalResult<Vec<(String, String)>> {
    let platform = {
        let mut conn = api.store.read().await.map_err(PortalError::store)?;
        quad_store::lti13::platform(&mut conn, platform_id)
            .await
            .map_err(PortalError::store)?
            .ok_or(PortalError::NotFound)?
    };
    let key = keys::signing_key(&api.store, app.id).await.map_err(|e| {
        tracing::error!(error = %e, "no key to sign a Deep Linking response");
        PortalError::Internal
    })?;
    let nonce = quad_store::random_token(24);
    let answer = lti13::Answer {
        client_id: &platform.client_id,
        issuer: &platform.issuer,
        deployment_id: &selection.deployment_id,
        nonce: &nonce,
        data: &selection.data,
    };
    let link = lti13::ResourceLink {
        url: format!("{}/lti13/embed/{}", app.base_url, entry.id),
        title: entry.name.clone(),
        text: entry.description.clone().unwrap_or_default(),
        entry_id: entry.id.clone(),
    };
    let claims = lti13::deep_linking_response(&answer, &link, quad_store::now());
    let jwt = keys::sign(&key, &claims).map_err(|e| {
        tracing::error!(error = %e, "signing a Deep Linking response failed");
        PortalError::Internal
    })?;
    Ok(vec![("JWT".to_owned(), jwt)])
}

#[derive(Debug, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    event: String,
}

/// Reads a player's report.
pub fn player_event(raw: &str) -> PortalResult<entries::PlayerEvent> {
    match raw {
        "view" => Ok(entries::PlayerEvent::View),
        "play" => Ok(entries::PlayerEvent::Play),
        _ => Err(PortalError::BadRequest("Report view or play.".to_owned())),
    }
}

/// `POST lti/pages/player/{entry}/event`: the embed's player reports a view or a play.
pub async fn event(
    State(api): State<Arc<Api>>,
    Path((slug, entry)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
    axum::Form(form): axum::Form<EventForm>,
) -> Response {
    let counted = async {
        let event = player_event(&form.event)?;
        let entry = visible(&api, &slug, &q, &entry).await?;
        let mut tx = api.store.write().await.map_err(PortalError::store)?;
        entries::count_player_event(&mut tx, entry.partner_id, &entry.id, event)
            .await
            .map_err(PortalError::store)?;
        tx.commit().await.map_err(PortalError::store)?;
        Ok::<_, PortalError>(StatusCode::NO_CONTENT.into_response())
    };
    counted.await.unwrap_or_else(refused)
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    entry: String,
}

/// `POST lti/pages/course/{context}/add`: adds one of the viewer's entries to the course's
/// Media Gallery, by the same publishing rule as everywhere (pending where moderated).
pub async fn add_to_gallery(
    State(api): State<Arc<Api>>,
    Path((slug, context)): Path<(String, String)>,
    axum::Form(form): axum::Form<AddForm>,
) -> Response {
    let added = async {
        let v = visit(&api, &slug, &form.t).await?;
        let gallery = course_gallery_of(&api, &v, &context).await?;
        let caller = Caller {
            api: &api,
            ks: &form.t,
            origin: "gallery",
            base_url: "",
        };
        caller
            .publish(&form.entry, &[gallery.id])
            .await
            .map_err(PortalError::api)?;
        Ok::<_, PortalError>(back_to_gallery(&slug, &context, &form.t))
    };
    added.await.unwrap_or_else(refused)
}

/// The viewer's active level on a course gallery.
async fn gallery_level(
    conn: &mut quad_store::Conn,
    gallery: &quad_store::categories::Category,
    user: &quad_domain::UserId,
) -> PortalResult<Option<PermissionLevel>> {
    let row = quad_store::members::get(conn, gallery.inherited_parent_id, user.as_str())
        .await
        .map_err(PortalError::store)?;
    Ok(Membership::active_level(row.and_then(|m| {
        Membership::from_codes(m.permission_level, m.status)
    })))
}

async fn course_gallery_of(
    api: &Api,
    v: &LmsVisit,
    context: &str,
) -> PortalResult<quad_store::categories::Category> {
    let mut conn = api.store.read().await.map_err(PortalError::store)?;
    courses::gallery(&mut conn, &v.app, context)
        .await
        .map_err(course_error)?
        .ok_or(PortalError::NotFound)
}

fn course_error(e: CourseError) -> PortalError {
    match e {
        CourseError::Store(e) => PortalError::store(e),
        CourseError::BrokenTree(why) | CourseError::UnusableContext(why) => {
            tracing::error!(reason = why, "course categories are not as expected");
            PortalError::Internal
        }
    }
}
fn back_to_gallery(slug: &str, context: &str, token: &str) -> Response {
    let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = format!("/{slug}/lti/pages/course/{context}?t={token}").parse() {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, value);
    }
    response
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    entry: String,
    #[serde(default)]
    decision: String,
}

/// `POST lti/pages/course/{context}/moderate`: a moderator approves or rejects.
pub async fn moderate(
    State(api): State<Arc<Api>>,
    Path((slug, context)): Path<(String, String)>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Response {
    let decided = async {
        let v = visit(&api, &slug, &form.t).await?;
        let gallery = course_gallery_of(&api, &v, &context).await?;
        let action = match form.decision.as_str() {
            "approve" => "activate",
            "reject" => "reject",
            _ => return Err(PortalError::BadRequest("Approve or reject.".to_owned())),
        };
        let caller = Caller {
            api: &api,
            ks: &form.t,
            origin: "gallery",
            base_url: "",
        };
        let category = gallery.id.to_string();
        caller
            .call(
                "categoryEntry",
                action,
                &[("entryId", form.entry.as_str()), ("categoryId", &category)],
                &[],
            )
            .await
            .map_err(PortalError::api)?;
        Ok(back_to_gallery(&slug, &context, &form.t))
    };
    decided.await.unwrap_or_else(refused)
}

#[derive(Debug, Deserialize)]
pub struct GallerySettingsForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    moderated: Option<String>,
}

/// `POST lti/pages/course/{context}/settings`: a manager changes the gallery's description
/// and whether it holds new media for moderation.
pub async fn gallery_settings(
    State(api): State<Arc<Api>>,
    Path((slug, context)): Path<(String, String)>,
    axum::Form(form): axum::Form<GallerySettingsForm>,
) -> Response {
    let saved = async {
        let v = visit(&api, &slug, &form.t).await?;
        let user = v.session.user.clone().ok_or(PortalError::NotFound)?;
        let mut gallery = course_gallery_of(&api, &v, &context).await?;
        let mut tx = api.store.write().await.map_err(PortalError::store)?;
        let level = gallery_level(&mut tx, &gallery, &user).await?;
        if !membership::may_manage_category(true, level) {
            return Err(PortalError::Forbidden(
                "Only the course's managers may change its Media Gallery.".to_owned(),
            ));
        }
        gallery.description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
        gallery.moderation = form.moderated.is_some();
        categories::update(&mut tx, &gallery)
            .await
            .map_err(PortalError::store)?;
        tx.commit().await.map_err(PortalError::store)?;
        Ok(back_to_gallery(&slug, &context, &form.t))
    };
    saved.await.unwrap_or_else(refused)
}
