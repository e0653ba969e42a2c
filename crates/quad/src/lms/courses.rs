//! Courses of LMS apps: the course's Media Gallery `<root>>site>channels><context_id>` and
//! its `InContext` category, created by the first launch in the course or ahead of time by
//! an admin (`quad course add`), so that schedules and bulk publishing can target them.

use quad_domain::app::AppKind;
use quad_domain::lti;
use quad_store::apps::{self, App};
use quad_store::categories::{self, Category};
use quad_store::{Conn, Store, portal};
use serde_json::{Value, json};

/// Why a course could not be made.
#[derive(Debug)]
pub enum CourseError {
    /// The context id cannot name a category (empty, or with `>`).
    UnusableContext(String),
    /// The app's category tree is not as `quad app create` made it.
    BrokenTree(String),
    Store(quad_store::StoreError),
}

impl From<quad_store::StoreError> for CourseError {
    fn from(e: quad_store::StoreError) -> CourseError {
        CourseError::Store(e)
    }
}

/// The `InContext` category of a course gallery.
pub async fn in_context(conn: &mut Conn, gallery: &Category) -> Result<Category, CourseError> {
    let name = format!("{}>InContext", gallery.full_name);
    categories::get_by_full_name(conn, gallery.partner_id, &name)
        .await?
        .ok_or(CourseError::BrokenTree(format!("no {name}")))
}

/// The course's Media Gallery, if the course exists.
pub async fn gallery(
    conn: &mut Conn,
    app: &App,
    context: &str,
) -> Result<Option<Category>, CourseError> {
    let root = categories::get(conn, app.partner_id, app.root_category_id)
        .await?
        .ok_or_else(|| CourseError::BrokenTree("the app's root category is gone".to_owned()))?;
    let name = format!("{}>site>channels>{context}", root.full_name);
    Ok(categories::get_by_full_name(conn, app.partner_id, &name).await?)
}

/// The course's Media Gallery and `InContext`, made when missing; the title is recorded
/// (or refreshed) either way. Returns the gallery and its `InContext`.
pub async fn ensure(
    conn: &mut Conn,
    app: &App,
    context: &str,
    title: &str,
) -> Result<(Category, Category), CourseError> {
    let (gallery, in_context) = match gallery(conn, app, context).await? {
        Some(gallery) => {
            let in_context = in_context(conn, &gallery).await?;
            (gallery, in_context)
        }
        None => {
            let root = categories::get(conn, app.partner_id, app.root_category_id)
                .await?
                .ok_or_else(|| CourseError::BrokenTree("the app's root is gone".to_owned()))?;
            let channels_name = format!("{}>site>channels", root.full_name);
            let channels = categories::get_by_full_name(conn, app.partner_id, &channels_name)
                .await?
                .ok_or_else(|| CourseError::BrokenTree(format!("no {channels_name}")))?;
            let fields = lti::course_category_fields();
            let mut gallery =
                crate::apps::create_category(conn, app.partner_id, Some(&channels), context, "")
                    .await
                    .map_err(CourseError::UnusableContext)?;
            gallery.privacy = fields.privacy;
            gallery.appear_in_list = fields.appear_in_list;
            gallery.contribution_policy = fields.contribution_policy;
            categories::update(conn, &gallery).await?;
            let mut in_context =
                crate::apps::create_category(conn, app.partner_id, Some(&gallery), "InContext", "")
                    .await
                    .map_err(CourseError::BrokenTree)?;
            in_context.privacy = fields.privacy;
            in_context.appear_in_list = fields.appear_in_list;
            in_context.contribution_policy = fields.contribution_policy;
            // InContext takes its members from the course gallery.
            in_context.inheritance_type = 1;
            in_context.inherited_parent_id = gallery.id;
            categories::update(conn, &in_context).await?;
            (gallery, in_context)
        }
    };
    portal::put_course(conn, app.id, context, title, gallery.id).await?;
    Ok((gallery, in_context))
}

/// `quad course add`: a course made ahead of its first launch, as JSON.
pub async fn add(store: &Store, slug: &str, context: &str, title: &str) -> Result<Value, String> {
    let db = |e: quad_store::StoreError| format!("database error: {e}");
    let context = context.trim();
    if context.is_empty() {
        return Err("a course needs its LMS context id".to_owned());
    }
    let title = if title.trim().is_empty() {
        context
    } else {
        title.trim()
    };
    let mut tx = store.write().await.map_err(db)?;
    let app = apps::by_slug(&mut tx, slug)
        .await
        .map_err(db)?
        .filter(|a| a.kind == AppKind::Kaf.as_str())
        .ok_or_else(|| format!("no LMS app with the slug {slug:?}"))?;
    let (gallery, in_context) =
        ensure(&mut tx, &app, context, title)
            .await
            .map_err(|e| match e {
                CourseError::UnusableContext(why) => format!("unusable context id: {why}"),
                CourseError::BrokenTree(why) => format!("the app's category tree is broken: {why}"),
                CourseError::Store(e) => db(e),
            })?;
    tx.commit()
        .await
        .map_err(|e| format!("database error: {e}"))?;
    Ok(json!({
        "app": app.slug,
        "contextId": context,
        "title": title,
        "galleryCategoryId": gallery.id,
        "inContextCategoryId": in_context.id,
    }))
}
