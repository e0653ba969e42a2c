//! The portal's admin pages: the partner's apps and their module settings, users and their
//! roles and passwords, the identity report, and the category trees.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use quad_domain::EntitlementContext;
use quad_domain::app::{self, AppKind, SettingType};
use quad_domain::roles::AppRole;
use quad_store::apps::{self, App};
use quad_store::categories::{self, CategoryFilter};
use quad_store::portal;
use quad_store::users::{self, UserFilter};
use serde_json::Value;

use super::error::{PortalError, PortalResult};
use super::login::redirect;
use super::views::{Chrome, date_text};
use super::visit::Visit;

/// The form fields of a body, later values winning (a checkbox after its hidden default).
pub(super) fn form_fields(body: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(body.as_bytes()).into_owned() {
        match fields.iter_mut().find(|(key, _)| *key == k) {
            Some(existing) => existing.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

pub(super) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "admin.html")]
struct OverviewPage {
    chrome: Chrome,
    apps: Vec<App>,
}

async fn partner_apps(visit: &Visit) -> PortalResult<Vec<App>> {
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    apps::list(&mut conn, Some(visit.partner.id))
        .await
        .map_err(PortalError::store)
}

/// `GET admin`.
pub async fn overview(visit: Visit) -> PortalResult<Response> {
    visit.admin()?;
    let page = OverviewPage {
        chrome: Chrome::new(&visit, "Administration"),
        apps: partner_apps(&visit).await?,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// One setting as the form shows it.
pub struct SettingRow {
    pub qualified: String,
    pub module: &'static str,
    pub description: &'static str,
    pub expected: String,
    /// `checkbox`, `select`, `password`, `textarea` or `text`.
    pub input: &'static str,
    pub value: String,
    pub checked: bool,
    /// Each choice, and whether it is the current value.
    pub choices: Vec<(&'static str, bool)>,
    /// Whether this row starts a module's group.
    pub first_of_module: bool,
}

#[derive(Template)]
#[template(path = "admin_app.html")]
struct AppPage {
    chrome: Chrome,
    app: App,
    rows: Vec<SettingRow>,
    saved: bool,
}

fn rows_of(target: &App) -> Vec<SettingRow> {
    let kind = AppKind::parse(&target.kind).unwrap_or(AppKind::Portal);
    let stored: Value = serde_json::from_str(&target.settings).unwrap_or(Value::Null);
    let effective = app::effective_settings(kind, &stored);
    let mut previous = "";
    app::SETTINGS
        .iter()
        .filter(|s| s.apps.contains(&kind))
        .map(|s| {
            let first_of_module = s.module != previous;
            previous = s.module;
            let value = &effective[s.module][s.name];
            let text = s.as_text(value);
            let (input, choices) = match s.kind {
                SettingType::Bool => ("checkbox", Vec::new()),
                SettingType::Choice(values) => {
                    ("select", values.iter().map(|v| (*v, *v == text)).collect())
                }
                SettingType::Secret => ("password", Vec::new()),
                SettingType::Rows(_) => ("textarea", Vec::new()),
                _ => ("text", Vec::new()),
            };
            SettingRow {
                qualified: s.qualified(),
                module: s.module,
                description: s.description,
                expected: s.expected(),
                input,
                // A secret is never sent back to the browser.
                value: if input == "password" {
                    String::new()
                } else {
                    text
                },
                checked: value.as_bool().unwrap_or(false),
                choices,
                first_of_module,
            }
        })
        .collect()
}

pub(super) async fn target_app(visit: &Visit, slug: &str) -> PortalResult<App> {
    partner_apps(visit)
        .await?
        .into_iter()
        .find(|a| a.slug == slug)
        .ok_or(PortalError::NotFound)
}

#[derive(Debug, serde::Deserialize)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

/// `GET admin/apps/{app}`: every module setting of an app of this partner.
pub async fn app_settings(
    visit: Visit,
    Path((_, slug)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PortalResult<Response> {
    visit.admin()?;
    let target = target_app(&visit, &slug).await?;
    let page = AppPage {
        chrome: Chrome::new(&visit, &format!("Settings of {}", target.name)),
        rows: rows_of(&target),
        app: target,
        saved: q.saved.is_some(),
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// `POST admin/apps/{app}`: saves every setting of the form at once, or none when one is
/// not allowed. A secret left empty keeps its value.
pub async fn save_app_settings(
    visit: Visit,
    Path((_, slug)): Path<(String, String)>,
    body: String,
) -> PortalResult<Response> {
    let fields = form_fields(&body);
    visit.check_csrf(field(&fields, "csrf"))?;
    visit.admin()?;
    let target = target_app(&visit, &slug).await?;
    let secrets: Vec<String> = rows_of(&target)
        .into_iter()
        .filter(|r| r.input == "password")
        .map(|r| r.qualified)
        .collect();
    let changes: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| k.contains('.'))
        .filter(|(k, v)| !(secrets.contains(k) && v.is_empty()))
        .collect();
    crate::apps::set_many(&visit.api.store, &target.slug, &changes)
        .await
        .map_err(PortalError::BadRequest)?;
    Ok(redirect(
        &visit.path(&format!("admin/apps/{}?saved=1", target.slug)),
    ))
}

/// A user as the users page lists it.
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    total: i64,
    roles: Vec<&'static str>,
    q: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
}

/// `GET admin/users`: users of the partner, their role here, and forms to change them.
pub async fn users(
    visit: Visit,
    axum::extract::Query(q): axum::extract::Query<UsersQuery>,
) -> PortalResult<Response> {
    visit.admin()?;
    let filter = UserFilter {
        id_or_screen_name_starts_with: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
        order_by: Some(("id".to_owned(), false)),
        ..UserFilter::default()
    };
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let (found, total) = users::list(&mut conn, visit.partner.id, &filter, 200, 0)
        .await
        .map_err(PortalError::store)?;
    let given = portal::app_roles(&mut conn, visit.app.id)
        .await
        .map_err(PortalError::store)?;
    drop(conn);
    let default = visit.setting_text("roles", "defaultRole").to_owned();
    let rows = found
        .into_iter()
        .map(|u| UserRow {
            role: given
                .iter()
                .find(|(id, _)| *id == u.id)
                .map_or_else(|| default.clone(), |(_, r)| r.clone()),
            name: u.full_name.or(u.screen_name).unwrap_or_default(),
            email: u.email.unwrap_or_default(),
            last_login: u.last_login_time.map(date_text).unwrap_or_default(),
            id: u.id,
        })
        .collect();
    let page = UsersPage {
        chrome: Chrome::new(&visit, "Users"),
        users: rows,
        total,
        roles: app::APPLICATIVE_ROLES.to_vec(),
        q: q.q,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// `POST admin/users`: gives a user a role here, or sets their password.
pub async fn change_user(visit: Visit, body: String) -> PortalResult<Response> {
    let fields = form_fields(&body);
    visit.check_csrf(field(&fields, "csrf"))?;
    visit.admin()?;
    let user = field(&fields, "user").trim();
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let known = users::get(&mut conn, visit.partner.id, user)
        .await
        .map_err(PortalError::store)?;
    drop(conn);
    if known.is_none() {
        return Err(PortalError::BadRequest(format!(
            "There is no user {user:?}."
        )));
    }
    let role = field(&fields, "role");
    if !role.is_empty() {
        let role = AppRole::parse(role).ok_or_else(|| {
            PortalError::BadRequest(format!(
                "Choose one of {}.",
                app::APPLICATIVE_ROLES.join(", ")
            ))
        })?;
        let mut tx = visit.api.store.write().await.map_err(PortalError::store)?;
        portal::set_app_role(&mut tx, visit.app.id, visit.partner.id, user, role.as_str())
            .await
            .map_err(PortalError::store)?;
        tx.commit().await.map_err(PortalError::store)?;
    }
    let password = field(&fields, "password");
    if !password.is_empty() {
        crate::identity::set_password(&visit.api.store, visit.partner.id, user, password)
            .await
            .map_err(PortalError::BadRequest)?;
    }
    Ok(redirect(&visit.path("admin/users")))
}

/// One user id of a suspected pair.
pub struct SeenId {
    pub id: String,
    pub email: String,
    pub logins: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin_identity.html")]
struct IdentityPage {
    chrome: Chrome,
    pairs: Vec<(String, Vec<SeenId>)>,
}

/// `GET admin/identity`: the identity report.
pub async fn identity(visit: Visit) -> PortalResult<Response> {
    visit.admin()?;
    let report = crate::identity::report(&visit.api.store, visit.partner.id)
        .await
        .map_err(|_| PortalError::Internal)?;
    let pairs = report["suspectedDuplicates"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|pair| {
            let ids = pair["users"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|u| SeenId {
                    id: u["userId"].as_str().unwrap_or_default().to_owned(),
                    email: u["email"].as_str().unwrap_or_default().to_owned(),
                    logins: u["logins"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .map(|l| {
                            let at = l["lastLoginAt"].as_i64().map(date_text).unwrap_or_default();
                            (l["app"].as_str().unwrap_or_default().to_owned(), at)
                        })
                        .collect(),
                })
                .collect();
            (pair["why"].as_str().unwrap_or_default().to_owned(), ids)
        })
        .collect();
    let page = IdentityPage {
        chrome: Chrome::new(&visit, "Identity report"),
        pairs,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// A category as the admin tree lists it.
pub struct TreeRow {
    pub id: i64,
    pub depth: i64,
    pub name: String,
    pub full_name: String,
    pub entries: i64,
    pub members: i64,
    pub pending: i64,
}

#[derive(Template)]
#[template(path = "admin_categories.html")]
struct CategoriesPage {
    chrome: Chrome,
    rows: Vec<TreeRow>,
}

/// `GET admin/categories`: every app's category tree, with counts.
pub async fn categories(visit: Visit) -> PortalResult<Response> {
    visit.admin()?;
    let everything = EntitlementContext {
        enforced: false,
        user: None,
        privacy_context: None,
        bypass_entries: Vec::new(),
        widget: false,
    };
    let filter = CategoryFilter {
        order_by: Some(("fullName".to_owned(), false)),
        ..CategoryFilter::default()
    };
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let (found, _) = categories::list(&mut conn, visit.partner.id, &filter, &everything, 1000, 0)
        .await
        .map_err(PortalError::store)?;
    drop(conn);
    let mut rows: Vec<TreeRow> = found
        .into_iter()
        .map(|c| TreeRow {
            id: c.id,
            depth: c.depth,
            name: c.name,
            full_name: c.full_name,
            entries: c.entries_count,
            members: c.members_count,
            pending: c.pending_entries_count,
        })
        .collect();
    rows.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    let page = CategoriesPage {
        chrome: Chrome::new(&visit, "Categories"),
        rows,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}
