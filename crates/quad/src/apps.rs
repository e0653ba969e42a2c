//! `quad app …`: creating applications with their category tree, and reading and changing
//! their module settings.

use quad_domain::CategoryPath;
use quad_domain::app::{self, AppKind};
use quad_domain::category::{effective_contexts, normalize_name};
use quad_store::apps::{self, App};
use quad_store::categories::{self, Category};
use quad_store::{Conn, Store, partners, random_token};
use serde_json::{Value, json};

/// What `quad app create` needs.
pub struct NewApp<'a> {
    pub partner_id: i64,
    pub kind: AppKind,
    pub name: &'a str,
    pub slug: Option<&'a str>,
    /// Where the app is reached, e.g. `https://video.uni.example`; the app lives under
    /// `<public url>/<slug>`.
    pub public_url: &'a str,
}

/// Creates a category under `parent` (or a root), with its derived path and contexts.
pub(crate) async fn create_category(
    conn: &mut Conn,
    partner_id: i64,
    parent: Option<&Category>,
    name: &str,
    own_context: &str,
) -> Result<Category, String> {
    let name = normalize_name(name).map_err(|e| e.to_string())?;
    let parent_contexts: Vec<String> = parent
        .map(|p| {
            p.privacy_contexts
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let own: Vec<String> = own_context
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let parent_path = parent
        .map(|p| CategoryPath::parse(&p.full_name, &p.full_ids))
        .unwrap_or_default();
    let full_name = parent_path.child(0, &name).full_name();
    if categories::get_by_full_name(conn, partner_id, &full_name)
        .await
        .map_err(db)?
        .is_some()
    {
        return Err(format!("a category named {full_name:?} already exists"));
    }
    let mut category = Category {
        partner_id,
        parent_id: parent.map_or(0, |p| p.id),
        name: name.clone(),
        full_name,
        full_ids: String::new(),
        depth: parent_path.ids.len() as i64,
        privacy: 1,
        appear_in_list: 1,
        inheritance_type: 2,
        user_join_policy: 3,
        default_permission_level: 3,
        contribution_policy: 1,
        privacy_context: own.join(","),
        privacy_contexts: effective_contexts(&parent_contexts, &own).join(","),
        status: categories::STATUS_ACTIVE,
        ..Category::default()
    };
    let id = categories::insert(conn, &category).await.map_err(db)?;
    let full_ids = parent_path.child(id, &name).full_ids();
    categories::set_path(conn, id, &full_ids, id)
        .await
        .map_err(db)?;
    category.id = id;
    category.full_ids = full_ids;
    category.inherited_parent_id = id;
    Ok(category)
}

fn db(e: impl std::fmt::Display) -> String {
    format!("database error: {e}")
}

/// A portal's privacy context label: letters and digits of its slug, at least 4 long.
fn context_label(slug: &str) -> String {
    let letters: String = slug.chars().filter(char::is_ascii_alphanumeric).collect();
    if letters.len() >= 4 {
        letters
    } else {
        format!("{letters}portal")
    }
}

/// Creates an app and its category tree: `<root>>site>galleries` and `…>channels` for a
/// portal, whose root carries a privacy context; `<root>>site>channels` for an LMS app.
pub async fn create(store: &Store, new: &NewApp<'_>) -> Result<Value, String> {
    let slug = new
        .slug
        .map(str::to_owned)
        .unwrap_or_else(|| app::slug_from_name(new.name));
    if !app::valid_slug(&slug) {
        return Err(format!(
            "invalid slug {slug:?}: use 2 to 40 lower-case letters, digits and dashes, starting \
                with a letter"
        ));
    }
    let mut tx = store.write().await.map_err(db)?;
    partners::get(&mut tx, new.partner_id)
        .await
        .map_err(db)?
        .ok_or_else(|| format!("no partner {}", new.partner_id))?;
    if apps::by_slug(&mut tx, &slug).await.map_err(db)?.is_some() {
        return Err(format!("an app with the slug {slug:?} already exists"));
    }
    let context = match new.kind {
        AppKind::Portal => context_label(&slug),
        AppKind::Kaf => String::new(),
    };
    let root = create_category(&mut tx, new.partner_id, None, &slug, &context).await?;
    let site = create_category(&mut tx, new.partner_id, Some(&root), "site", "").await?;
    for name in app::tree_below_root(new.kind) {
        create_category(&mut tx, new.partner_id, Some(&site), name, "").await?;
    }
    let base_url = format!("{}/{slug}", new.public_url.trim_end_matches('/'));
    let row = App {
        id: 0,
        partner_id: new.partner_id,
        kind: new.kind.as_str().to_owned(),
        name: new.name.to_owned(),
        slug,
        base_url,
        root_category_id: root.id,
        settings: "{}".to_owned(),
        lti11_key: format!("{}-{}", new.partner_id, random_token(8)),
        lti11_secret: random_token(32),
        created_at: 0,
        updated_at: 0,
    };
    let stored = apps::insert(&mut tx, &row).await.map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(describe(&stored))
}

fn kind_of(app: &App) -> AppKind {
    AppKind::parse(&app.kind).unwrap_or(AppKind::Portal)
}

/// The JSON of an app, with every effective setting and the URLs an administrator pastes
/// into an LMS. The keys are a stable contract.
pub fn describe(app: &App) -> Value {
    let stored: Value = serde_json::from_str(&app.settings).unwrap_or_else(|_| json!({}));
    let kind = kind_of(app);
    let mut settings = app::effective_settings(kind, &stored);
    settings["categories"]["rootCategory"] = json!(app.root_category_id);
    let mut out = json!({
        "id": app.id,
        "slug": app.slug,
        "kind": app.kind,
        "name": app.name,
        "partnerId": app.partner_id,
        "rootCategoryId": app.root_category_id,
        "baseUrl": app.base_url,
        "settings": settings,
    });
    if kind == AppKind::Kaf {
        let base = &app.base_url;
        out["lti11"] = json!({
            "consumerKey": app.lti11_key,
            "sharedSecret": app.lti11_secret,
            "launchUrls": {
                "myMedia": format!("{base}/lti/my-media"),
                "courseGallery": format!("{base}/lti/course-gallery"),
                "browseAndEmbed": format!("{base}/lti/browse-and-embed"),
            },
        });
        out["lti13"] = json!({
            "loginUrl": format!("{base}/lti13/login"),
            "launchUrl": format!("{base}/lti13/launch"),
            "jwksUrl": format!("{base}/lti13/jwks"),
            "targetLinkUris": {
                "myMedia": format!("{base}/lti13/my-media"),
                "courseGallery": format!("{base}/lti13/course-gallery"),
                "browseAndEmbed": format!("{base}/lti13/browse-and-embed"),
            },
        });
    }
    out
}

pub async fn show(store: &Store, slug: &str) -> Result<Value, String> {
    let mut conn = store.read().await.map_err(db)?;
    let app = apps::by_slug(&mut conn, slug)
        .await
        .map_err(db)?
        .ok_or_else(|| format!("no app with the slug {slug:?}"))?;
    let mut out = describe(&app);
    if kind_of(&app) == AppKind::Kaf {
        let platforms = quad_store::lti13::platforms(&mut conn, app.id)
            .await
            .map_err(db)?;
        out["lti13"]["platforms"] = platforms.iter().map(crate::platforms::describe).collect();
    }
    Ok(out)
}

pub async fn list(store: &Store, partner_id: Option<i64>) -> Result<Value, String> {
    let mut conn = store.read().await.map_err(db)?;
    let found = apps::list(&mut conn, partner_id).await.map_err(db)?;
    Ok(Value::Array(found.iter().map(describe).collect()))
}

/// Sets `module.setting` to a typed value, refusing values the setting does not allow.
pub async fn set(store: &Store, slug: &str, setting: &str, raw: &str) -> Result<Value, String> {
    set_many(store, slug, &[(setting.to_owned(), raw.to_owned())]).await
}

/// Sets several settings in one transaction: all of them, or none when any value is not
/// allowed. Returns the values set, by qualified name.
pub async fn set_many(
    store: &Store,
    slug: &str,
    changes: &[(String, String)],
) -> Result<Value, String> {
    let mut tx = store.write().await.map_err(db)?;
    let app = apps::by_slug(&mut tx, slug)
        .await
        .map_err(db)?
        .ok_or_else(|| format!("no app with the slug {slug:?}"))?;
    let mut stored: Value = serde_json::from_str(&app.settings).unwrap_or_else(|_| json!({}));
    let mut set = serde_json::Map::new();
    for (setting, raw) in changes {
        let (spec, value) =
            app::parse_setting(kind_of(&app), setting, raw).map_err(|e| e.to_string())?;
        if !stored.get(spec.module).is_some_and(Value::is_object) {
            stored[spec.module] = json!({});
        }
        stored[spec.module][spec.name] = value.clone();
        set.insert(spec.qualified(), value);
    }
    apps::set_settings(&mut tx, app.id, &stored.to_string())
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(Value::Object(set))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_context_labels_are_long_enough() {
        assert_eq!(context_label("media-space"), "mediaspace");
        assert_eq!(context_label("tv"), "tvportal");
    }
}
