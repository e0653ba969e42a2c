//! The video portal over HTTP, in process: the router of `quad::app::app` over the demo
//! library (`quad::demo::seed`), called with `tower::ServiceExt::oneshot` by a small browser
//! that keeps cookies and sends the CSRF token, once on SQLite and once on PostgreSQL.
//!
//! The demo library: the portals `portal` (local passwords) and `campus` (a header from a
//! trusted proxy), the LMS app `canvas` with the course BIO-101 ("Biology 101"); the users
//! `lecturer` (admin of both portals), `student` and `jdoe`; the lecturer's entries "The cell,
//! part 1" (in the Biology gallery and the course gallery), "Mitosis in four minutes" (in the
//! course's InContext) and "Lab safety briefing" (private), and the student's "My field trip".

#[path = "../../store/tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::{TempDir, TestDb, on_each_backend};
use quad::connections::PeerAddr;
use quad_api::{Api, ApiConfig};
use quad_domain::channel::ChannelType;
use quad_domain::login::{REFUSED, gateway_token};
use quad_domain::membership::{MemberStatus, PermissionLevel};
use quad_media::MediaStorage;
use quad_store::entries::{self, Entry};
use quad_store::members::{self, Member};
use quad_store::publications::{self, Publication};
use quad_store::{Store, categories, credentials, portal};
use serde_json::Value;
use tower::ServiceExt;

/// Where the demo's apps say they live; the portals' pages are under `/{slug}/`.
const PUBLIC_URL: &str = "http://127.0.0.1:8080";
const BOUNDARY: &str = "quadPortalTestBoundary5xQ2mKv";

const CELL: &str = "The cell, part 1";
const MITOSIS: &str = "Mitosis in four minutes";
const LAB_SAFETY: &str = "Lab safety briefing";
const FIELD_TRIP: &str = "My field trip";

// ---------------------------------------------------------------------------------------------
// The demo library behind the application
// ---------------------------------------------------------------------------------------------

struct Demo {
    router: Router,
    store: Store,
    info: Value,
    _media: TempDir,
}

impl Demo {
    async fn new(db: &TestDb) -> Demo {
        Demo::serving(db, false).await
    }

    /// The demo library, served with the stand-in LMS page when `test_lms` is set.
    async fn serving(db: &TestDb, test_lms: bool) -> Demo {
        let dir = TempDir::new("quad-portal-media");
        let media = MediaStorage::open(&dir.path().display().to_string(), dir.path())
            .await
            .expect("the media folder opens");
        let info = quad::demo::seed(&db.store, PUBLIC_URL)
            .await
            .expect("the demo library is seeded");
        let api = Arc::new(Api {
            store: db.store.clone(),
            media,
            config: ApiConfig {
                max_request_bytes: 1024 * 1024,
                max_upload_bytes: 1024 * 1024,
                hls: false,
            },
        });
        Demo {
            router: quad::app::app_with(api, test_lms),
            store: db.store.clone(),
            info,
            _media: dir,
        }
    }

    fn partner_id(&self) -> i64 {
        self.info["partnerId"]
            .as_i64()
            .expect("the demo names its partner")
    }

    fn password(&self, user: &str) -> String {
        self.info["users"]
            .as_array()
            .expect("the demo lists its users")
            .iter()
            .find(|u| u["id"] == user)
            .and_then(|u| u["password"].as_str())
            .unwrap_or_else(|| panic!("the demo gives {user} a password: {}", self.info))
            .to_owned()
    }

    fn gallery_id(&self) -> i64 {
        self.info["galleryId"].as_i64().expect("the demo's gallery")
    }

    fn course_gallery_id(&self) -> i64 {
        self.info["lms"]["courseGalleryId"]
            .as_i64()
            .expect("the demo's course gallery")
    }

    /// A browser with no cookies, connecting from an ordinary client address.
    fn browser(&self) -> Browser {
        self.browser_from("192.0.2.10")
    }

    /// A browser with no cookies, connecting from `peer`.
    fn browser_from(&self, peer: &str) -> Browser {
        Browser {
            router: self.router.clone(),
            peer: Some(SocketAddr::new(
                peer.parse().expect("an IP address"),
                40_000,
            )),
            jar: Vec::new(),
        }
    }

    /// A browser logged in to the `portal` portal with the user's demo password.
    async fn logged_in(&self, user: &str) -> Browser {
        let mut browser = self.browser();
        let reply = browser.login("portal", user, &self.password(user)).await;
        assert_eq!(
            (reply.status, reply.location()),
            (StatusCode::SEE_OTHER, "/portal/my-media"),
            "{user} logs in with the demo password: {}",
            reply.text()
        );
        browser
    }

    async fn app_id(&self, slug: &str) -> i64 {
        let app = quad::apps::show(&self.store, slug).await.expect("the app");
        app["id"].as_i64().expect("an app id")
    }

    async fn set(&self, slug: &str, setting: &str, value: &str) {
        quad::apps::set(&self.store, slug, setting, value)
            .await
            .unwrap_or_else(|e| panic!("{setting} = {value} is accepted: {e}"));
    }

    async fn setting(&self, slug: &str, module: &str, name: &str) -> Value {
        let app = quad::apps::show(&self.store, slug).await.expect("the app");
        app["settings"][module][name].clone()
    }

    async fn set_role(&self, slug: &str, user: &str, role: &str) {
        let app_id = self.app_id(slug).await;
        let mut tx = self.store.write().await.expect("a transaction");
        portal::set_app_role(&mut tx, app_id, self.partner_id(), user, role)
            .await
            .expect("the role is given");
        tx.commit().await.expect("commit");
    }

    /// The id of the entry with this name.
    async fn entry_id(&self, name: &str) -> String {
        let mut conn = self.store.read().await.expect("a connection");
        sqlx::query_scalar::<_, String>("SELECT id FROM entry WHERE name = $1 AND status <> 3")
            .bind(name)
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("an entry named {name:?}: {e}"))
    }

    async fn entry(&self, id: &str) -> Entry {
        let mut conn = self.store.read().await.expect("a connection");
        entries::get(&mut conn, self.partner_id(), id)
            .await
            .expect("the entry can be read")
            .unwrap_or_else(|| panic!("an entry {id}"))
    }

    /// Sets an entry's status, as processing would.
    async fn set_status(&self, id: &str, status: i64, reason: Option<&str>) {
        let mut tx = self.store.write().await.expect("a transaction");
        let mut entry = entries::get(&mut tx, self.partner_id(), id)
            .await
            .expect("the entry can be read")
            .unwrap_or_else(|| panic!("an entry {id}"));
        entry.status = status;
        entry.status_reason = reason.map(str::to_owned);
        entries::update(&mut tx, &entry).await.expect("update");
        tx.commit().await.expect("commit");
    }

    async fn entry_count(&self) -> i64 {
        let mut conn = self.store.read().await.expect("a connection");
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM entry WHERE status <> 3")
            .fetch_one(&mut *conn)
            .await
            .expect("entries can be counted")
    }

    /// Adds an entry straight to the library, created `age_days` ago.
    async fn add_entry(&self, owner: &str, name: &str, age_days: i64, plays: i64) -> String {
        let at = quad_store::now() - age_days * 86_400;
        let entry = Entry {
            id: entries::new_entry_id(),
            partner_id: self.partner_id(),
            name: name.to_owned(),
            owner_id: owner.to_owned(),
            creator_id: owner.to_owned(),
            status: entries::STATUS_NO_CONTENT,
            media_type: Some(1),
            entry_type: 1,
            display_in_search: 1,
            plays,
            created_at: at,
            updated_at: at,
            ..Entry::default()
        };
        let mut tx = self.store.write().await.expect("a transaction");
        entries::insert(&mut tx, &entry).await.expect("the entry");
        tx.commit().await.expect("commit");
        entry.id
    }

    /// The entry's publications: (category id, status).
    async fn publications(&self, entry_id: &str) -> Vec<(i64, i64)> {
        let mut conn = self.store.read().await.expect("a connection");
        let found: Vec<Publication> = publications::of_entry(&mut conn, entry_id)
            .await
            .expect("publications can be read");
        found.iter().map(|p| (p.category_id, p.status)).collect()
    }

    async fn publication_status(&self, entry_id: &str, category_id: i64) -> Option<i64> {
        self.publications(entry_id)
            .await
            .into_iter()
            .find(|(c, _)| *c == category_id)
            .map(|(_, s)| s)
    }

    /// Publishes straight in the store, as the API would have.
    async fn add_publication(&self, entry_id: &str, category_id: i64, status: i64) {
        let mut tx = self.store.write().await.expect("a transaction");
        let category = categories::get(&mut tx, self.partner_id(), category_id)
            .await
            .expect("the category can be read")
            .expect("the category");
        publications::add(
            &mut tx,
            &category,
            entry_id,
            status,
            Some("lecturer"),
            "api",
        )
        .await
        .expect("the publication");
        tx.commit().await.expect("commit");
    }

    async fn category_id(&self, full_name: &str) -> i64 {
        self.category(full_name)
            .await
            .unwrap_or_else(|| panic!("a category {full_name:?}"))
            .id
    }

    async fn category(&self, full_name: &str) -> Option<categories::Category> {
        let mut conn = self.store.read().await.expect("a connection");
        categories::get_by_full_name(&mut conn, self.partner_id(), full_name)
            .await
            .expect("categories can be read")
    }

    async fn category_by_id(&self, id: i64) -> categories::Category {
        let mut conn = self.store.read().await.expect("a connection");
        categories::get(&mut conn, self.partner_id(), id)
            .await
            .expect("categories can be read")
            .unwrap_or_else(|| panic!("a category {id}"))
    }

    async fn member(&self, category_id: i64, user: &str) -> Option<Member> {
        let mut conn = self.store.read().await.expect("a connection");
        members::get(&mut conn, category_id, user)
            .await
            .expect("members can be read")
    }

    /// Makes a user an active manager of a category.
    async fn make_manager(&self, category_id: i64, user: &str) {
        let manager = Member {
            category_id,
            user_id: user.to_owned(),
            partner_id: self.partner_id(),
            permission_level: PermissionLevel::Manager.code(),
            permission_names: PermissionLevel::Manager.permission_names().join(","),
            status: MemberStatus::Active as i64,
            update_method: 1,
            ..Member::default()
        };
        let mut tx = self.store.write().await.expect("a transaction");
        members::put(&mut tx, &manager).await.expect("the member");
        tx.commit().await.expect("commit");
    }

    async fn recent_failures(&self, subject: &str) -> i64 {
        let mut conn = self.store.read().await.expect("a connection");
        credentials::recent_failures(&mut conn, self.partner_id(), subject)
            .await
            .expect("failures can be read")
    }

    /// The apps (by slug) a user logged in through, as the identity report knows them.
    async fn logins_of(&self, user: &str) -> Vec<String> {
        let mut conn = self.store.read().await.expect("a connection");
        quad_store::identity::seen_users(&mut conn, self.partner_id())
            .await
            .expect("logins can be read")
            .into_iter()
            .find(|u| u.id == user)
            .map(|u| u.logins.into_iter().map(|(app, _)| app).collect())
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// A small browser: a cookie jar, forms with the CSRF token, multipart uploads
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    value: String,
    path: String,
}

/// Whether a cookie with `cookie_path` is sent with a request for `path`.
fn path_matches(cookie_path: &str, path: &str) -> bool {
    cookie_path == "/"
        || path == cookie_path
        || path.starts_with(&format!("{}/", cookie_path.trim_end_matches('/')))
}

struct Browser {
    router: Router,
    peer: Option<SocketAddr>,
    jar: Vec<Cookie>,
}

/// An answer, read to the end.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("the body is UTF-8")
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map_or("", |v| v.to_str().expect("a text Location"))
    }

    /// The Set-Cookie line that sets `name`, if the answer has one.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|line| {
                line.split(';')
                    .next()
                    .and_then(|p| p.split_once('='))
                    .map(|p| p.0)
                    == Some(name)
            })
            .map(str::to_owned)
    }

    /// Whether the answer starts a session (sets a non-empty session cookie).
    fn starts_session(&self) -> bool {
        self.set_cookie("quad_session").is_some_and(|line| {
            let value = line
                .split(';')
                .next()
                .and_then(|p| p.split_once('='))
                .map_or("", |p| p.1);
            !value.is_empty() && !line.contains("Max-Age=0")
        })
    }

    fn entry_ids(&self) -> Vec<String> {
        attribute_values(&self.text(), "data-entry-id")
    }

    fn category_ids(&self) -> Vec<i64> {
        ids(&attribute_values(&self.text(), "data-category-id"))
    }

    /// The category ids listed under "Published in" of an entry page.
    fn published_in(&self) -> Vec<i64> {
        ids(&attribute_values(
            &published_in_section(&self.text()),
            "data-category-id",
        ))
    }
}

/// Every value of `attr="…"` in the page, in order, without repeats.
fn attribute_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut values: Vec<String> = Vec::new();
    for (at, _) in html.match_indices(&needle) {
        let rest = &html[at + needle.len()..];
        let value = rest.split('"').next().unwrap_or_default().to_owned();
        if !values.contains(&value) {
            values.push(value);
        }
    }
    values
}

fn ids(values: &[String]) -> Vec<i64> {
    values
        .iter()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("a numeric id, not {v:?}"))
        })
        .collect()
}

/// The text from `start` up to and with the first `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = html.find(start)?;
    let rest = &html[from..];
    let to = rest.find(end)? + end.len();
    Some(&rest[..to])
}

/// The "Published in" section of an entry page (empty when the page has none).
fn published_in_section(html: &str) -> String {
    between(html, "id=\"published-in\"", "</section>")
        .unwrap_or_default()
        .to_owned()
}

/// The element that starts with `start` (e.g. `<li data-category-id="7"`), up to `end`.
fn element<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    between(html, start, end).unwrap_or_else(|| panic!("no {start} in the page:\n{html}"))
}

/// The page with the numeric entities of `<`, `>` and `"` written as named ones, so that
/// either spelling of escaped markup reads the same.
fn with_named_entities(html: &str) -> String {
    html.replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#34;", "&quot;")
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        form.append_pair(name, value);
    }
    form.finish()
}

fn encoded(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// One part of a multipart form.
enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        match part {
            Part::Field(name, value) => body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n\
                     {value}\r\n"
                )
                .as_bytes(),
            ),
            Part::File(name, file_name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                         filename=\"{file_name}\"\r\nContent-Type: video/mp4\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// 100 bytes that differ from their neighbours, so a wrong offset shows.
fn media_bytes() -> Vec<u8> {
    (0..100u32).map(|i| (i * 37 % 251) as u8).collect()
}

impl Browser {
    /// Sends a request with this browser's cookies and peer address, and keeps the cookies
    /// the answer sets.
    async fn send(&mut self, mut request: Request<Body>) -> Reply {
        let path = request.uri().path().to_owned();
        let cookies: Vec<String> = self
            .jar
            .iter()
            .filter(|c| path_matches(&c.path, &path))
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        if !cookies.is_empty() {
            request.headers_mut().insert(
                header::COOKIE,
                cookies.join("; ").parse().expect("a valid Cookie header"),
            );
        }
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(PeerAddr(peer)));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router always answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body can be read");
        for line in headers.get_all(header::SET_COOKIE) {
            self.keep_cookie(line.to_str().expect("a text Set-Cookie"));
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    fn keep_cookie(&mut self, line: &str) {
        let mut parts = line.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else {
            return;
        };
        let mut path = "/".to_owned();
        let mut max_age: Option<i64> = None;
        for attribute in parts {
            if let Some((key, v)) = attribute.trim().split_once('=') {
                match key.to_ascii_lowercase().as_str() {
                    "path" => path = v.to_owned(),
                    "max-age" => max_age = v.parse().ok(),
                    _ => {}
                }
            }
        }
        self.jar.retain(|c| !(c.name == name && c.path == path));
        if max_age.is_none_or(|age| age > 0) {
            self.jar.push(Cookie {
                name: name.to_owned(),
                value: value.to_owned(),
                path,
            });
        }
    }

    /// The value of a cookie this browser sends to `path`.
    fn cookie(&self, name: &str, path: &str) -> Option<String> {
        self.jar
            .iter()
            .find(|c| c.name == name && path_matches(&c.path, path))
            .map(|c| c.value.clone())
    }

    /// Puts a cookie in the jar, as a browser that kept an old one would send it.
    fn set_cookie(&mut self, name: &str, value: &str, path: &str) {
        self.jar.retain(|c| !(c.name == name && c.path == path));
        self.jar.push(Cookie {
            name: name.to_owned(),
            value: value.to_owned(),
            path: path.to_owned(),
        });
    }

    /// The CSRF token of the portal `path` belongs to: the value of its `quad_csrf` cookie.
    fn csrf(&self, path: &str) -> String {
        self.cookie("quad_csrf", path)
            .unwrap_or_else(|| panic!("the browser has a CSRF cookie for {path}"))
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }

    async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::builder().method(Method::GET).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).expect("a valid request"))
            .await
    }

    /// Posts exactly these form fields.
    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(fields)))
            .expect("a valid request");
        self.send(request).await
    }

    /// Posts a form as the portal's pages do: with the CSRF token first.
    async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.csrf(path);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart(parts)))
            .expect("a valid request");
        self.send(request).await
    }

    /// Opens a portal's login page, then sends its password form.
    async fn login(&mut self, slug: &str, user: &str, password: &str) -> Reply {
        self.login_returning(slug, user, password, None).await
    }

    async fn login_returning(
        &mut self,
        slug: &str,
        user: &str,
        password: &str,
        return_to: Option<&str>,
    ) -> Reply {
        let page = self.get(&format!("/{slug}/login")).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "the login page: {}",
            page.text()
        );
        let mut fields = vec![("user", user), ("password", password)];
        if let Some(to) = return_to {
            fields.push(("return", to));
        }
        self.submit(&format!("/{slug}/login"), &fields).await
    }

    /// Uploads a file through the upload form; the reply is the form's answer.
    async fn upload(&mut self, name: &str, file_name: &str, bytes: &[u8]) -> Reply {
        let form = self.get("/portal/upload").await;
        assert_eq!(
            form.status,
            StatusCode::OK,
            "the upload form: {}",
            form.text()
        );
        let csrf = self.csrf("/portal/upload");
        self.post_multipart(
            "/portal/upload",
            &[
                Part::Field("csrf", &csrf),
                Part::Field("name", name),
                Part::File("file", file_name, bytes),
            ],
        )
        .await
    }

    /// The entry ids My Media lists for a query string.
    async fn my_media(&mut self, query: &str) -> Vec<String> {
        let reply = self.get(&format!("/portal/my-media{query}")).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "My Media{query}: {}",
            reply.text()
        );
        reply.entry_ids()
    }
}

fn assert_redirect(reply: &Reply, to: &str) {
    assert_eq!(
        (reply.status, reply.location()),
        (StatusCode::SEE_OTHER, to),
        "expected a 303 to {to}: {}",
        reply.text()
    );
}

// ---------------------------------------------------------------------------------------------
// Local login
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_right_password_logs_in_with_a_session_cookie_kept_to_the_portal() {
    on_each_backend("portal_login_right_password", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.browser();

        // Act
        let reply = browser
            .login("portal", "lecturer", &demo.password("lecturer"))
            .await;

        // Assert
        assert_redirect(&reply, "/portal/my-media");
        let cookie = reply
            .set_cookie("quad_session")
            .expect("the login sets a session cookie");
        let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
        assert!(attributes.contains(&"HttpOnly"), "HttpOnly: {cookie}");
        assert!(
            attributes.contains(&"SameSite=Lax"),
            "SameSite=Lax: {cookie}"
        );
        assert!(
            attributes.contains(&"Path=/portal"),
            "Path=/portal: {cookie}"
        );
        let max_age: i64 = attributes
            .iter()
            .find_map(|a| a.strip_prefix("Max-Age="))
            .unwrap_or_else(|| panic!("a Max-Age: {cookie}"))
            .parse()
            .expect("a number of seconds");
        assert!(max_age > 0, "the session lasts a while: {cookie}");
        assert!(
            !attributes.contains(&"Secure"),
            "an http portal cannot use a Secure cookie: {cookie}"
        );
        let page = browser.get("/portal/my-media").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("data-user-id=\"lecturer\""));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_refusal() {
    on_each_backend("portal_login_refusals", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.browser();

        // Act
        let wrong_password = browser
            .login("portal", "lecturer", "not-the-password")
            .await;
        let unknown_user = browser
            .login("portal", "nobody-by-this-name", "not-the-password")
            .await;

        // Assert
        for reply in [&wrong_password, &unknown_user] {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
            assert!(!reply.starts_session(), "a refused login starts no session");
            assert!(
                reply.text().contains(REFUSED),
                "the refusal says: {}",
                reply.text()
            );
        }
        assert_eq!(
            wrong_password.text(),
            unknown_user.text(),
            "the page does not tell whether the user exists"
        );
        let page = browser.get("/portal/my-media").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "still logged out");
    })
    .await;
}

#[tokio::test]
async fn a_login_without_the_right_csrf_token_is_refused_and_starts_no_session() {
    on_each_backend("portal_login_csrf", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let password = demo.password("lecturer");
        let mut browser = demo.browser();
        let page = browser.get("/portal/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let mut fresh = demo.browser();

        // Act
        let missing = browser
            .post_form(
                "/portal/login",
                &[("user", "lecturer"), ("password", &password)],
            )
            .await;
        let wrong = browser
            .post_form(
                "/portal/login",
                &[
                    ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                    ("user", "lecturer"),
                    ("password", &password),
                ],
            )
            .await;
        // A browser that never got the cookie cannot make a token up either.
        let without_cookie = fresh
            .post_form(
                "/portal/login",
                &[
                    ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                    ("user", "lecturer"),
                    ("password", &password),
                ],
            )
            .await;

        // Assert
        for (what, reply) in [
            ("missing", &missing),
            ("wrong", &wrong),
            ("without a cookie", &without_cookie),
        ] {
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{what} CSRF token: {}",
                reply.text()
            );
            assert!(!reply.starts_session(), "{what} CSRF token: no session");
        }
        assert_eq!(
            browser.get("/portal/my-media").await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            demo.recent_failures("user:lecturer").await,
            0,
            "not even counted"
        );
    })
    .await;
}

#[tokio::test]
async fn failed_logins_are_counted_and_the_fourth_attempt_is_delayed() {
    on_each_backend("portal_login_failures", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.browser();

        // Act
        for _ in 0..3 {
            let reply = browser.login("portal", "lecturer", "wrong-guess").await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
        let after_three = (
            demo.recent_failures("user:lecturer").await,
            demo.recent_failures("addr:192.0.2.10").await,
        );
        let started = Instant::now();
        let fourth = browser.login("portal", "lecturer", "wrong-guess").await;
        let fourth_took = started.elapsed();

        // Assert
        assert_eq!(after_three, (3, 3), "failures by user name and by address");
        assert_eq!(fourth.status, StatusCode::UNAUTHORIZED);
        assert!(
            fourth_took >= Duration::from_secs(1),
            "the fourth attempt waits at least a second, took {fourth_took:?}"
        );
        assert_eq!(demo.recent_failures("user:lecturer").await, 4);
    })
    .await;
}

#[tokio::test]
async fn after_logging_in_the_portal_returns_only_to_its_own_pages() {
    on_each_backend("portal_login_return", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let password = demo.password("student");
        let cases = [
            ("/portal/media/0_abcdefgh", "/portal/media/0_abcdefgh"),
            ("/portal/my-media?q=trip", "/portal/my-media?q=trip"),
            ("https://evil.example/portal/", "/portal/my-media"),
            ("//evil.example/portal/", "/portal/my-media"),
            ("/portal//evil.example", "/portal/my-media"),
            ("/portal/\\evil.example", "/portal/my-media"),
            ("/campus/my-media", "/portal/my-media"),
        ];

        for (asked, expected) in cases {
            // Act
            let mut browser = demo.browser();
            let reply = browser
                .login_returning("portal", "student", &password, Some(asked))
                .await;

            // Assert
            assert_eq!(
                (reply.status, reply.location()),
                (StatusCode::SEE_OTHER, expected),
                "return={asked}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_login_page_keeps_where_to_return_to() {
    on_each_backend("portal_login_page_return", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.browser();

        // Act
        let page = browser
            .get("/portal/login?return=%2Fportal%2Fchannels")
            .await;

        // Assert
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(
            text.contains("name=\"return\" value=\"/portal/channels\""),
            "the form sends the return path back: {text}"
        );
        assert!(
            page.set_cookie("quad_csrf").is_some(),
            "the first page gives the browser its CSRF cookie"
        );
        let csrf = browser.csrf("/portal/login");
        assert!(
            text.contains(&format!("name=\"csrf\" value=\"{csrf}\"")),
            "the form carries the cookie's token"
        );
    })
    .await;
}

#[tokio::test]
async fn a_login_is_recorded_for_the_identity_report() {
    on_each_backend("portal_login_recorded", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let before = demo.logins_of("student").await;

        // Act
        demo.logged_in("student").await;
        let mut jdoe = demo.browser_from("127.0.0.1");
        let campus = jdoe
            .get_with("/campus/login", &[("X-Remote-User", "jdoe")])
            .await;
        assert_redirect(&campus, "/campus/my-media");
        let mut admin = demo.logged_in("lecturer").await;
        let report = admin.get("/portal/admin/identity").await;

        // Assert
        assert!(
            before.is_empty(),
            "the student had not logged in: {before:?}"
        );
        assert_eq!(demo.logins_of("student").await, vec!["portal".to_owned()]);
        assert_eq!(report.status, StatusCode::OK);
        let text = report.text();
        let jdoe_line = element(&text, "<li data-user-id=\"jdoe\"", "</li>");
        assert!(
            jdoe_line.contains("campus last on") && jdoe_line.contains("portal last on"),
            "the report shows jdoe's logins through both portals: {jdoe_line}"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Header and gateway logins
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_trusted_proxy_logs_a_user_in_by_header() {
    on_each_backend("portal_header_login", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.browser_from("127.0.0.1");

        // Act
        let reply = browser
            .get_with("/campus/login", &[("X-Remote-User", "student")])
            .await;

        // Assert
        assert_redirect(&reply, "/campus/my-media");
        let cookie = reply.set_cookie("quad_session").expect("a session cookie");
        assert!(
            cookie.contains("Path=/campus"),
            "kept to the campus portal: {cookie}"
        );
        let page = browser.get("/campus/my-media").await;
        assert_eq!(page.status, StatusCode::OK);
        let field_trip = demo.entry_id(FIELD_TRIP).await;
        assert_eq!(
            page.entry_ids(),
            vec![field_trip],
            "the student's own media"
        );
        assert_eq!(
            browser.get("/portal/my-media").await.status,
            StatusCode::SEE_OTHER,
            "the campus session does not open the other portal"
        );
    })
    .await;
}

#[tokio::test]
async fn a_header_login_from_an_untrusted_address_or_without_the_header_is_refused() {
    on_each_backend("portal_header_login_refused", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut untrusted = demo.browser_from("10.9.9.9");
        let mut trusted = demo.browser_from("127.0.0.1");

        // Act
        let from_untrusted = untrusted
            .get_with("/campus/login", &[("X-Remote-User", "lecturer")])
            .await;
        let without_header = trusted.get("/campus/login").await;
        let blank_header = trusted
            .get_with("/campus/login", &[("X-Remote-User", " ")])
            .await;

        // Assert
        for (what, reply) in [
            ("an untrusted peer", &from_untrusted),
            ("no header", &without_header),
            ("a blank header", &blank_header),
        ] {
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{what}: {}",
                reply.text()
            );
            assert!(!reply.starts_session(), "{what}: no session");
        }
        assert_eq!(
            untrusted.get("/campus/my-media").await.status,
            StatusCode::SEE_OTHER
        );
    })
    .await;
}

#[tokio::test]
async fn a_header_portal_refuses_password_logins() {
    on_each_backend("portal_header_no_passwords", |db| async move {
        // Arrange: a student came in through the proxy, so the browser has the campus
        // portal's CSRF token.
        let demo = Demo::new(&db).await;
        let mut browser = demo.browser_from("127.0.0.1");
        let student = browser
            .get_with("/campus/login", &[("X-Remote-User", "student")])
            .await;
        assert_redirect(&student, "/campus/my-media");

        // Act
        let reply = browser
            .submit(
                "/campus/login",
                &[
                    ("user", "lecturer"),
                    ("password", &demo.password("lecturer")),
                ],
            )
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(!reply.starts_session());
        let page = browser.get("/campus/my-media").await.text();
        assert!(
            page.contains("data-user-id=\"student\""),
            "still the student"
        );
    })
    .await;
}

const SSO_SECRET: &str = "gateway-shared-secret";

async fn sso_portal(demo: &Demo) {
    demo.set("portal", "auth.method", "sso").await;
    demo.set("portal", "auth.ssoSecret", SSO_SECRET).await;
}

fn sso_login_path(token: &str) -> String {
    format!("/portal/login?token={}", encoded(token))
}

#[tokio::test]
async fn a_gateway_token_signed_with_the_shared_secret_logs_in_and_creates_the_user() {
    on_each_backend("portal_sso_login", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        sso_portal(&demo).await;
        let token = gateway_token(
            SSO_SECRET,
            "newcomer",
            "privateOnlyRole",
            "email:newcomer@demo.example",
            quad_store::now() + 300,
            41,
        );
        let mut browser = demo.browser();

        // Act
        let reply = browser.get(&sso_login_path(&token)).await;

        // Assert
        assert_redirect(&reply, "/portal/my-media");
        assert!(reply.starts_session());
        let page = browser.get("/portal/my-media").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("data-user-id=\"newcomer\""));
        assert_eq!(demo.logins_of("newcomer").await, vec!["portal".to_owned()]);
    })
    .await;
}

#[tokio::test]
async fn forged_expired_and_replayed_gateway_tokens_are_refused() {
    on_each_backend("portal_sso_refused", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        sso_portal(&demo).await;
        let later = quad_store::now() + 300;
        let forged = gateway_token("guessed-secret", "lecturer", "adminRole", "", later, 1);
        let expired = gateway_token(
            SSO_SECRET,
            "lecturer",
            "adminRole",
            "",
            quad_store::now() - 1,
            2,
        );
        let once = gateway_token(SSO_SECRET, "student", "privateOnlyRole", "", later, 3);
        let mut first = demo.browser();
        let used = first.get(&sso_login_path(&once)).await;
        assert_redirect(&used, "/portal/my-media");

        // Act
        let replies = [
            ("forged", demo.browser().get(&sso_login_path(&forged)).await),
            (
                "expired",
                demo.browser().get(&sso_login_path(&expired)).await,
            ),
            ("replayed", demo.browser().get(&sso_login_path(&once)).await),
            (
                "garbled",
                demo.browser().get("/portal/login?token=not-a-token").await,
            ),
        ];

        // Assert
        for (what, reply) in &replies {
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{what}: {}",
                reply.text()
            );
            assert!(!reply.starts_session(), "{what}: no session");
            assert!(
                reply.text().contains(REFUSED),
                "{what}: the refusal is explained"
            );
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn logging_out_ends_the_session_even_for_a_kept_cookie() {
    on_each_backend("portal_logout", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.logged_in("lecturer").await;
        let old = browser
            .cookie("quad_session", "/portal/my-media")
            .expect("a session cookie");

        // Act
        let reply = browser.submit("/portal/logout", &[]).await;
        let after = browser.get("/portal/my-media").await;
        browser.set_cookie("quad_session", &old, "/portal");
        let with_old_cookie = browser.get("/portal/my-media").await;

        // Assert
        assert_redirect(&reply, "/portal/login");
        let cleared = reply
            .set_cookie("quad_session")
            .expect("the cookie is cleared");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        assert_eq!(after.status, StatusCode::SEE_OTHER);
        assert_redirect(
            &with_old_cookie,
            "/portal/login?return=%2Fportal%2Fmy-media",
        );
    })
    .await;
}

#[tokio::test]
async fn logging_out_needs_the_csrf_token() {
    on_each_backend("portal_logout_csrf", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.logged_in("lecturer").await;

        // Act
        let reply = browser.post_form("/portal/logout", &[]).await;

        // Assert
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert_eq!(browser.get("/portal/my-media").await.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn pages_ask_a_visitor_to_log_in_and_come_back() {
    on_each_backend("portal_login_required", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut browser = demo.browser();
        let pages = [
            "/portal/my-media".to_owned(),
            "/portal/my-media?q=cell&sort=name".to_owned(),
            "/portal/upload".to_owned(),
            format!("/portal/media/{cell}"),
            format!("/portal/media/{cell}/source"),
            "/portal/galleries".to_owned(),
            "/portal/channels".to_owned(),
            format!("/portal/category/{}", demo.gallery_id()),
            "/portal/moderation".to_owned(),
            "/portal/admin".to_owned(),
        ];

        for page in &pages {
            // Act
            let reply = browser.get(page).await;

            // Assert
            assert_redirect(&reply, &format!("/portal/login?return={}", encoded(page)));
        }
        assert_redirect(&browser.get("/portal").await, "/portal/login");
    })
    .await;
}

#[tokio::test]
async fn the_front_door_leads_a_logged_in_user_to_my_media() {
    on_each_backend("portal_home", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut browser = demo.logged_in("student").await;

        // Act
        let reply = browser.get("/portal/").await;

        // Assert
        assert_redirect(&reply, "/portal/my-media");
        assert_eq!(
            demo.browser().get("/no-such-portal/my-media").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            demo.browser().get("/canvas/my-media").await.status,
            StatusCode::NOT_FOUND,
            "an LMS app has no portal pages"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// My Media
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn my_media_lists_the_users_own_entries_and_never_another_users() {
    on_each_backend("portal_my_media_own", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let (cell, mitosis, lab) = (
            demo.entry_id(CELL).await,
            demo.entry_id(MITOSIS).await,
            demo.entry_id(LAB_SAFETY).await,
        );
        let field_trip = demo.entry_id(FIELD_TRIP).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        let mut student = demo.logged_in("student").await;

        // Act
        let lecturers = lecturer.get("/portal/my-media").await;
        let students = student.my_media("").await;

        // Assert
        assert_eq!(lecturers.status, StatusCode::OK);
        assert_eq!(
            lecturers.entry_ids(),
            vec![lab, mitosis, cell.clone()],
            "newest first"
        );
        assert!(lecturers.text().contains(CELL));
        assert!(lecturers.text().contains("3 entries"));
        assert_eq!(students, vec![field_trip.clone()]);
        assert!(!lecturers.entry_ids().contains(&field_trip));
        let card = element(
            &lecturers.text(),
            &format!("<li class=\"card\" data-entry-id=\"{cell}\""),
            "</div>\n</li>",
        )
        .to_owned();
        assert!(
            card.contains(&format!("data-category-id=\"{}\"", demo.gallery_id())),
            "the card says where the entry is published: {card}"
        );
    })
    .await;
}

#[tokio::test]
async fn my_media_is_the_same_set_in_every_portal_of_the_partner() {
    on_each_backend("portal_my_media_every_app", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut on_portal = demo.logged_in("lecturer").await;
        let mut on_campus = demo.browser_from("127.0.0.1");
        assert_redirect(
            &on_campus
                .get_with("/campus/login", &[("X-Remote-User", "lecturer")])
                .await,
            "/campus/my-media",
        );

        // Act
        let portal_ids = on_portal.my_media("").await;
        let campus = on_campus.get("/campus/my-media").await;

        // Assert
        assert_eq!(campus.status, StatusCode::OK);
        assert_eq!(campus.entry_ids(), portal_ids);
        assert_eq!(portal_ids.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn my_media_finds_entries_by_keyword_in_the_name_or_description() {
    on_each_backend("portal_my_media_keyword", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let (cell, mitosis) = (demo.entry_id(CELL).await, demo.entry_id(MITOSIS).await);
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let by_name = lecturer.my_media("?q=mitosis").await;
        let by_description = lecturer.my_media("?q=LECTURE").await;
        let nothing = lecturer.my_media("?q=trip").await;

        // Assert
        assert_eq!(by_name, vec![mitosis]);
        assert_eq!(
            by_description,
            vec![cell],
            "matches \"First lecture of BIO-101.\""
        );
        assert_eq!(
            nothing,
            Vec::<String>::new(),
            "not the student's field trip"
        );
    })
    .await;
}

#[tokio::test]
async fn my_media_filters_by_ownership() {
    on_each_backend("portal_my_media_ownership", |db| async move {
        // Arrange: the student shares the field trip with the lecturer as a co-viewer, and
        // makes the lecturer a co-editor of a second entry.
        let demo = Demo::new(&db).await;
        let field_trip = demo.entry_id(FIELD_TRIP).await;
        let essay = demo.add_entry("student", "Essay draft", 1, 0).await;
        let mut student = demo.logged_in("student").await;
        for (id, field) in [(&field_trip, "viewers"), (&essay, "editors")] {
            student.get(&format!("/portal/media/{id}")).await;
            let reply = student
                .submit(
                    &format!("/portal/media/{id}/collaborators"),
                    &[(field, "lecturer")],
                )
                .await;
            assert_redirect(&reply, &format!("/portal/media/{id}"));
        }
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let all = lecturer.my_media("?ownership=all").await;
        let owned = lecturer.my_media("?ownership=owned").await;
        let can_edit = lecturer.my_media("?ownership=can-edit").await;
        let can_publish = lecturer.my_media("?ownership=can-publish").await;

        // Assert
        assert_eq!(all.len(), 5, "owned and collaborated: {all:?}");
        assert!(all.contains(&field_trip) && all.contains(&essay));
        assert_eq!(owned.len(), 3);
        assert!(!owned.contains(&field_trip) && !owned.contains(&essay));
        assert_eq!(can_edit.len(), 4);
        assert!(can_edit.contains(&essay) && !can_edit.contains(&field_trip));
        assert_eq!(can_publish, can_edit, "a co-editor may publish as well");
    })
    .await;
}

#[tokio::test]
async fn my_media_filters_by_publish_state() {
    on_each_backend("portal_my_media_state", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let (cell, mitosis, lab) = (
            demo.entry_id(CELL).await,
            demo.entry_id(MITOSIS).await,
            demo.entry_id(LAB_SAFETY).await,
        );
        let showcase = demo
            .category_id("portal>site>galleries>Student showcase")
            .await;
        let rejected = demo.add_entry("lecturer", "Rejected clip", 1, 0).await;
        demo.add_publication(&lab, showcase, publications::STATUS_PENDING)
            .await;
        demo.add_publication(&rejected, showcase, publications::STATUS_REJECTED)
            .await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let published = lecturer.my_media("?state=published").await;
        let pending = lecturer.my_media("?state=pending").await;
        let rejected_ones = lecturer.my_media("?state=rejected").await;
        let private = lecturer.my_media("?state=private").await;

        // Assert
        assert_eq!(published, vec![mitosis, cell]);
        assert_eq!(pending, vec![lab]);
        assert_eq!(rejected_ones, vec![rejected.clone()]);
        assert_eq!(
            private,
            vec![rejected],
            "only rejected somewhere counts as private"
        );
    })
    .await;
}

#[tokio::test]
async fn my_media_sorts_by_date_name_and_plays() {
    on_each_backend("portal_my_media_sort", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let (cell, mitosis, lab) = (
            demo.entry_id(CELL).await,
            demo.entry_id(MITOSIS).await,
            demo.entry_id(LAB_SAFETY).await,
        );
        let anatomy = demo.add_entry("lecturer", "Anatomy overview", 30, 9).await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let newest = lecturer.my_media("?sort=newest").await;
        let oldest = lecturer.my_media("?sort=oldest").await;
        let by_name = lecturer.my_media("?sort=name").await;
        let by_plays = lecturer.my_media("?sort=plays").await;

        // Assert
        assert_eq!(
            newest,
            vec![lab.clone(), mitosis.clone(), cell.clone(), anatomy.clone()]
        );
        assert_eq!(
            oldest,
            vec![anatomy.clone(), cell.clone(), mitosis.clone(), lab.clone()]
        );
        assert_eq!(by_name, vec![anatomy.clone(), lab, mitosis, cell]);
        assert_eq!(by_plays.first(), Some(&anatomy), "the most played first");
    })
    .await;
}

#[tokio::test]
async fn my_media_pages_through_many_entries() {
    on_each_backend("portal_my_media_paging", |db| async move {
        // Arrange: 3 demo entries and 22 more make 25, over a page of 24.
        let demo = Demo::new(&db).await;
        for i in 0..22 {
            demo.add_entry("lecturer", &format!("Recording {i:02}"), 40 + i, 0)
                .await;
        }
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let first = lecturer.get("/portal/my-media").await;
        let second = lecturer.get("/portal/my-media?page=2").await;

        // Assert
        assert_eq!(
            (first.status, second.status),
            (StatusCode::OK, StatusCode::OK)
        );
        let (one, two) = (first.entry_ids(), second.entry_ids());
        assert_eq!((one.len(), two.len()), (24, 1));
        assert!(!one.contains(&two[0]), "no entry on both pages");
        assert!(first.text().contains("25 entries, page 1 of 2"));
        assert!(first.text().contains("rel=\"next\""));
        assert!(!first.text().contains("rel=\"prev\""));
        assert!(second.text().contains("rel=\"prev\""));
        assert!(!second.text().contains("rel=\"next\""));
    })
    .await;
}

#[tokio::test]
async fn my_media_refuses_unknown_filter_values() {
    on_each_backend("portal_my_media_bad_filters", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;

        for query in [
            "?ownership=everything",
            "?state=gone",
            "?sort=random",
            "?type=hologram",
            "?page=first",
        ] {
            // Act
            let reply = lecturer.get(&format!("/portal/my-media{query}")).await;

            // Assert
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{query}: {}",
                reply.text()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_viewer_role_may_not_keep_media() {
    on_each_backend("portal_viewer_role", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        demo.set_role("portal", "student", "viewerRole").await;
        let mut student = demo.logged_in("student").await;

        // Act
        let my_media = student.get("/portal/my-media").await;
        let upload = student.get("/portal/upload").await;

        // Assert
        assert_eq!(my_media.status, StatusCode::FORBIDDEN);
        assert!(
            my_media
                .text()
                .contains("lets you watch media, not keep your own"),
            "a clear refusal: {}",
            my_media.text()
        );
        assert_eq!(upload.status, StatusCode::FORBIDDEN);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Upload and playback
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_upload_creates_an_entry_owned_by_the_user_whose_file_is_served_in_ranges() {
    on_each_backend("portal_upload", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let bytes = media_bytes();
        let mut student = demo.logged_in("student").await;

        // Act
        let reply = student.upload("Field notes", "notes.mp4", &bytes).await;

        // Assert
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let id = reply
            .location()
            .strip_prefix("/portal/media/")
            .unwrap_or_else(|| panic!("to the entry page, not {}", reply.location()))
            .to_owned();
        let entry = demo.entry(&id).await;
        assert_eq!(
            (entry.name.as_str(), entry.owner_id.as_str()),
            ("Field notes", "student")
        );
        assert!(student.my_media("").await.contains(&id));

        let page = student.get(&format!("/portal/media/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains(&format!("/portal/media/{id}/source")));

        let whole = student.get(&format!("/portal/media/{id}/source")).await;
        assert_eq!(whole.status, StatusCode::OK);
        assert_eq!(whole.body.as_ref(), bytes.as_slice());
        let part = student
            .get_with(
                &format!("/portal/media/{id}/source"),
                &[("Range", "bytes=10-19")],
            )
            .await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.body.as_ref(), &bytes[10..20]);
        assert_eq!(
            part.headers
                .get(header::CONTENT_RANGE)
                .map(|v| v.to_str().expect("text")),
            Some("bytes 10-19/100")
        );
    })
    .await;
}

#[tokio::test]
async fn an_upload_without_the_csrf_token_before_the_file_is_refused_and_creates_nothing() {
    on_each_backend("portal_upload_csrf", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let bytes = media_bytes();
        let mut student = demo.logged_in("student").await;
        student.get("/portal/upload").await;
        let csrf = student.csrf("/portal/upload");
        let before = demo.entry_count().await;

        // Act
        let file_first = student
            .post_multipart(
                "/portal/upload",
                &[
                    Part::Field("name", "Sneaky"),
                    Part::File("file", "sneaky.mp4", &bytes),
                    Part::Field("csrf", &csrf),
                ],
            )
            .await;
        let no_token = student
            .post_multipart(
                "/portal/upload",
                &[
                    Part::Field("name", "Sneaky"),
                    Part::File("file", "sneaky.mp4", &bytes),
                ],
            )
            .await;

        // Assert
        assert_eq!(
            file_first.status,
            StatusCode::BAD_REQUEST,
            "{}",
            file_first.text()
        );
        assert_eq!(
            no_token.status,
            StatusCode::BAD_REQUEST,
            "{}",
            no_token.text()
        );
        assert_eq!(demo.entry_count().await, before, "no entry was created");
    })
    .await;
}

#[tokio::test]
async fn a_user_who_may_not_see_an_entry_gets_404_for_its_page_and_file() {
    on_each_backend("portal_entry_not_visible", |db| async move {
        // Arrange: the lab safety briefing is the lecturer's private draft.
        let demo = Demo::new(&db).await;
        let lab = demo.entry_id(LAB_SAFETY).await;
        let mut student = demo.logged_in("student").await;

        // Act
        let page = student.get(&format!("/portal/media/{lab}")).await;
        let source = student.get(&format!("/portal/media/{lab}/source")).await;
        let unknown = student.get("/portal/media/0_nosuchid").await;

        // Assert
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(!page.text().contains(LAB_SAFETY));
        assert_eq!(source.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The entry page: details, editing, collaborators
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_entry_page_shows_the_entry_and_where_the_owner_published_it() {
    on_each_backend("portal_entry_page", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let page = lecturer.get(&format!("/portal/media/{cell}")).await;

        // Assert
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains(&format!("<h1>{CELL}</h1>")), "{text}");
        assert_eq!(page.entry_ids(), vec![cell.clone()]);
        assert!(text.contains("First lecture of BIO-101."));
        assert!(text.contains("data-owner-id=\"lecturer\""));
        assert_eq!(page.published_in(), vec![demo.gallery_id()]);
        let line = element(
            &text,
            &format!("<li data-category-id=\"{}\"", demo.gallery_id()),
            "</li>",
        );
        assert!(line.contains("galleries › Biology"), "{line}");
        assert!(line.contains("data-status=\"published\""), "{line}");
        assert!(line.contains("added by lecturer from the portal"), "{line}");
        assert!(text.contains(&format!("action=\"/portal/media/{cell}/edit\"")));
        assert!(text.contains(&format!("action=\"/portal/media/{cell}/collaborators\"")));
    })
    .await;
}

#[tokio::test]
async fn someone_else_sees_a_published_entry_without_its_owners_forms() {
    on_each_backend("portal_entry_page_other", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut student = demo.logged_in("student").await;

        // Act
        let page = student.get(&format!("/portal/media/{cell}")).await;

        // Assert
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains(CELL));
        assert!(!text.contains(&format!("/portal/media/{cell}/edit")));
        assert!(!text.contains(&format!("/portal/media/{cell}/collaborators")));
        assert!(!text.contains(&format!("/portal/media/{cell}/publish")));
        assert!(
            published_in_section(&text).is_empty(),
            "only the people involved see where it is published"
        );
    })
    .await;
}

#[tokio::test]
async fn the_owner_edits_an_entrys_name_description_and_tags() {
    on_each_backend("portal_edit_owner", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        let path = format!("/portal/media/{cell}");
        lecturer.get(&path).await;

        // Act
        let reply = lecturer
            .submit(
                &format!("{path}/edit"),
                &[
                    ("name", "The cell, revised"),
                    ("description", "Now with diagrams."),
                    ("tags", "biology, cells"),
                ],
            )
            .await;

        // Assert
        assert_redirect(&reply, &path);
        let entry = demo.entry(&cell).await;
        assert_eq!(entry.name, "The cell, revised");
        assert_eq!(entry.description.as_deref(), Some("Now with diagrams."));
        assert_eq!(entry.tags.as_deref(), Some("biology, cells"));
        let page = lecturer.get(&path).await.text();
        assert!(page.contains("<h1>The cell, revised</h1>"));
    })
    .await;
}

#[tokio::test]
async fn the_owner_deletes_an_entry_and_it_leaves_my_media() {
    on_each_backend("portal_delete_owner", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get(&format!("/portal/media/{cell}")).await;

        // Act
        let reply = lecturer
            .submit(&format!("/portal/media/{cell}/delete"), &[])
            .await;

        // Assert
        assert_redirect(&reply, "/portal/my-media");
        let page = lecturer.get("/portal/my-media").await.text();
        assert!(
            !page.contains(&format!("data-entry-id=\"{cell}\"")),
            "{page}"
        );
        let gone = lecturer.get(&format!("/portal/media/{cell}")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn someone_who_may_not_edit_an_entry_cannot_delete_it() {
    on_each_backend("portal_delete_refused", |db| async move {
        // Arrange: the student sees the published cell lecture but does not own it.
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut student = demo.logged_in("student").await;
        student.get(&format!("/portal/media/{cell}")).await;

        // Act
        let reply = student
            .submit(&format!("/portal/media/{cell}/delete"), &[])
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert_eq!(
            demo.entry(&cell).await.name,
            CELL,
            "the entry is still there"
        );
    })
    .await;
}

#[tokio::test]
async fn the_entry_pages_player_reports_views_and_plays() {
    on_each_backend("portal_player_events", |db| async move {
        // Arrange: the student may see the published cell lecture.
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut student = demo.logged_in("student").await;
        let page = student.get(&format!("/portal/media/{cell}")).await.text();
        let events = format!("/portal/media/{cell}/event");

        // Act
        let view = student.submit(&events, &[("event", "view")]).await;
        let play = student.submit(&events, &[("event", "play")]).await;
        let unknown = student.submit(&events, &[("event", "rewind")]).await;
        let forged = student
            .post_form(&events, &[("csrf", "forged"), ("event", "play")])
            .await;

        // Assert
        assert!(page.contains("Plays: 0 · Views: 0"), "{page}");
        assert_eq!(view.status, StatusCode::NO_CONTENT);
        assert_eq!(play.status, StatusCode::NO_CONTENT);
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
        let entry = demo.entry(&cell).await;
        assert_eq!((entry.views, entry.plays), (1, 1));
        assert!(entry.last_played_at.is_some());
        let again = student.get(&format!("/portal/media/{cell}")).await.text();
        assert!(again.contains("Plays: 1 · Views: 1"), "{again}");
    })
    .await;
}

#[tokio::test]
async fn an_edit_needs_a_name_and_the_csrf_token() {
    on_each_backend("portal_edit_checks", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        let path = format!("/portal/media/{cell}/edit");

        // Act
        let nameless = lecturer.submit(&path, &[("name", "  ")]).await;
        let forged = lecturer
            .post_form(&path, &[("csrf", "forged"), ("name", "Forged")])
            .await;

        // Assert
        assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
        assert_eq!(demo.entry(&cell).await.name, CELL);
    })
    .await;
}

#[tokio::test]
async fn a_user_who_is_neither_owner_nor_co_editor_may_not_edit() {
    on_each_backend("portal_edit_refused", |db| async move {
        // Arrange: the student sees the published cell lecture but does not own it.
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut student = demo.logged_in("student").await;
        student.get(&format!("/portal/media/{cell}")).await;

        // Act
        let reply = student
            .submit(
                &format!("/portal/media/{cell}/edit"),
                &[("name", "Defaced")],
            )
            .await;
        let collaborators = student
            .submit(
                &format!("/portal/media/{cell}/collaborators"),
                &[("editors", "student")],
            )
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(
            reply
                .text()
                .contains("Only the owner or a co-editor may change this entry."),
            "refused for not owning it: {}",
            reply.text()
        );
        assert_eq!(
            collaborators.status,
            StatusCode::FORBIDDEN,
            "{}",
            collaborators.text()
        );
        assert!(
            collaborators
                .text()
                .contains("Only the owner of an entry may change its collaborators."),
            "{}",
            collaborators.text()
        );
        let entry = demo.entry(&cell).await;
        assert_eq!(entry.name, CELL, "the name is unchanged");
        let mut lecturer = demo.logged_in("lecturer").await;
        let page = lecturer.get(&format!("/portal/media/{cell}")).await.text();
        assert!(
            page.contains("name=\"editors\" value=\"\""),
            "no co-editor was added"
        );
    })
    .await;
}

#[tokio::test]
async fn collaborators_set_by_the_owner_appear_and_a_co_editor_may_edit() {
    on_each_backend("portal_collaborators", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let path = format!("/portal/media/{cell}");
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get(&path).await;

        // Act
        let set = lecturer
            .submit(
                &format!("{path}/collaborators"),
                &[
                    ("editors", "student"),
                    ("publishers", ""),
                    ("viewers", "jdoe"),
                ],
            )
            .await;
        let owner_page = lecturer.get(&path).await.text();
        let mut student = demo.logged_in("student").await;
        let co_editor_page = student.get(&path).await.text();
        let edited = student
            .submit(&format!("{path}/edit"), &[("name", "The cell, with notes")])
            .await;

        // Assert
        assert_redirect(&set, &path);
        assert!(
            owner_page.contains("name=\"editors\" value=\"student\""),
            "{owner_page}"
        );
        assert!(owner_page.contains("name=\"viewers\" value=\"jdoe\""));
        assert!(co_editor_page.contains(&format!("action=\"{path}/edit\"")));
        assert!(
            !co_editor_page.contains(&format!("action=\"{path}/collaborators\"")),
            "only the owner changes collaborators"
        );
        assert_redirect(&edited, &path);
        assert_eq!(demo.entry(&cell).await.name, "The cell, with notes");
        assert!(
            student
                .my_media("?ownership=can-edit")
                .await
                .contains(&cell)
        );
    })
    .await;
}

#[tokio::test]
async fn collaborators_must_be_valid_user_ids() {
    on_each_backend("portal_collaborators_invalid", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let reply = lecturer
            .submit(
                &format!("/portal/media/{cell}/collaborators"),
                &[("editors", "student, <bad>")],
            )
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        let page = lecturer.get(&format!("/portal/media/{cell}")).await.text();
        assert!(page.contains("name=\"editors\" value=\"\""));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Publishing, moderation and unpublishing
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn publishing_to_a_gallery_lists_it_under_published_in() {
    on_each_backend("portal_publish", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let lab = demo.entry_id(LAB_SAFETY).await;
        let path = format!("/portal/media/{lab}");
        let mut lecturer = demo.logged_in("lecturer").await;
        let before = lecturer.get(&path).await;
        assert!(before.published_in().is_empty(), "a private draft");
        assert!(
            before.text().contains(&format!(
                "name=\"category\" value=\"{}\"",
                demo.gallery_id()
            )),
            "the form offers the gallery"
        );

        // Act
        let reply = lecturer
            .submit(
                &format!("{path}/publish"),
                &[("category", &demo.gallery_id().to_string())],
            )
            .await;

        // Assert
        assert_redirect(&reply, &path);
        let after = lecturer.get(&path).await;
        assert_eq!(after.published_in(), vec![demo.gallery_id()]);
        assert_eq!(
            demo.publication_status(&lab, demo.gallery_id()).await,
            Some(publications::STATUS_ACTIVE)
        );
        let gallery = lecturer
            .get(&format!("/portal/category/{}", demo.gallery_id()))
            .await;
        assert!(gallery.entry_ids().contains(&lab), "the gallery lists it");
    })
    .await;
}

#[tokio::test]
async fn publishing_needs_a_known_category_and_the_csrf_token() {
    on_each_backend("portal_publish_checks", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let lab = demo.entry_id(LAB_SAFETY).await;
        let path = format!("/portal/media/{lab}/publish");
        let gallery = demo.gallery_id().to_string();
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let none = lecturer.submit(&path, &[]).await;
        let garbled = lecturer.submit(&path, &[("category", "biology")]).await;
        let forged = lecturer
            .post_form(&path, &[("csrf", "forged"), ("category", &gallery)])
            .await;

        // Assert
        assert_eq!(none.status, StatusCode::BAD_REQUEST);
        assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
        assert!(demo.publications(&lab).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn publishing_to_a_channel_the_user_may_not_contribute_to_is_refused() {
    on_each_backend("portal_publish_refused", |db| async move {
        // Arrange: jdoe creates a channel where only members add media.
        let demo = Demo::new(&db).await;
        let mut jdoe = demo.logged_in("jdoe").await;
        jdoe.get("/portal/channels").await;
        let created = jdoe
            .submit(
                "/portal/channels",
                &[("name", "Jo's lab group"), ("privacy", "restricted")],
            )
            .await;
        let channel: i64 = created
            .location()
            .strip_prefix("/portal/category/")
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("to the new channel, not {:?}", created.location()));
        let field_trip = demo.entry_id(FIELD_TRIP).await;
        let path = format!("/portal/media/{field_trip}");
        let mut student = demo.logged_in("student").await;
        let page = student.get(&path).await;

        // Act
        let reply = student
            .submit(
                &format!("{path}/publish"),
                &[("category", &channel.to_string())],
            )
            .await;
        let with_a_gallery = student
            .submit(
                &format!("{path}/publish"),
                &[
                    ("category", &demo.gallery_id().to_string()),
                    ("category", &channel.to_string()),
                ],
            )
            .await;

        // Assert
        assert!(
            !page
                .text()
                .contains(&format!("name=\"category\" value=\"{channel}\"")),
            "the form does not offer the channel"
        );
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(
            reply
                .text()
                .contains("You may not publish to that category"),
            "refused by the publishing rule: {}",
            reply.text()
        );
        assert_eq!(with_a_gallery.status, StatusCode::FORBIDDEN);
        assert!(
            demo.publications(&field_trip).await.is_empty(),
            "nothing was added, not even to the gallery"
        );
    })
    .await;
}

#[tokio::test]
async fn a_moderated_gallery_holds_an_entry_until_a_manager_approves_it() {
    on_each_backend("portal_moderation", |db| async move {
        // Arrange: the lecturer manages the moderated student showcase.
        let demo = Demo::new(&db).await;
        let showcase = demo
            .category_id("portal>site>galleries>Student showcase")
            .await;
        demo.make_manager(showcase, "lecturer").await;
        let field_trip = demo.entry_id(FIELD_TRIP).await;
        let path = format!("/portal/media/{field_trip}");
        let mut student = demo.logged_in("student").await;
        student.get(&path).await;

        // Act
        let published = student
            .submit(
                &format!("{path}/publish"),
                &[("category", &showcase.to_string())],
            )
            .await;
        let student_view = student.get(&path).await.text();
        let mut lecturer = demo.logged_in("lecturer").await;
        let queue = lecturer.get("/portal/moderation").await;
        let others_queue = demo.logged_in("jdoe").await.get("/portal/moderation").await;
        let approved = lecturer
            .submit(
                "/portal/moderation",
                &[
                    ("entry", &field_trip),
                    ("category", &showcase.to_string()),
                    ("decision", "approve"),
                ],
            )
            .await;
        let queue_after = lecturer.get("/portal/moderation").await;

        // Assert
        assert_redirect(&published, &path);
        let line = element(
            &student_view,
            &format!("<li data-category-id=\"{showcase}\""),
            "</li>",
        );
        assert!(line.contains("data-status=\"pending\""), "{line}");
        assert_eq!(queue.status, StatusCode::OK);
        assert_eq!(queue.entry_ids(), vec![field_trip.clone()]);
        assert!(queue.category_ids().contains(&showcase));
        assert!(
            others_queue.entry_ids().is_empty(),
            "only its managers moderate it"
        );
        assert_redirect(&approved, "/portal/moderation");
        assert_eq!(
            demo.publication_status(&field_trip, showcase).await,
            Some(publications::STATUS_ACTIVE)
        );
        assert!(queue_after.entry_ids().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_manager_rejects_a_pending_entry_and_its_owner_sees_it_rejected() {
    on_each_backend("portal_moderation_reject", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let showcase = demo
            .category_id("portal>site>galleries>Student showcase")
            .await;
        demo.make_manager(showcase, "lecturer").await;
        let field_trip = demo.entry_id(FIELD_TRIP).await;
        let mut student = demo.logged_in("student").await;
        student.get(&format!("/portal/media/{field_trip}")).await;
        let published = student
            .submit(
                &format!("/portal/media/{field_trip}/publish"),
                &[("category", &showcase.to_string())],
            )
            .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get("/portal/moderation").await;

        // Act
        let rejected = lecturer
            .submit(
                "/portal/moderation",
                &[
                    ("entry", &field_trip),
                    ("category", &showcase.to_string()),
                    ("decision", "reject"),
                ],
            )
            .await;

        // Assert
        assert_redirect(&rejected, "/portal/moderation");
        assert_eq!(
            demo.publication_status(&field_trip, showcase).await,
            Some(publications::STATUS_REJECTED)
        );
        assert_eq!(
            student.my_media("?state=rejected").await,
            vec![field_trip.clone()]
        );
        assert!(student.my_media("?state=pending").await.is_empty());
        assert!(
            lecturer
                .get("/portal/moderation")
                .await
                .entry_ids()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn a_user_who_does_not_moderate_a_gallery_cannot_approve_in_it() {
    on_each_backend("portal_moderation_refused", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let showcase = demo
            .category_id("portal>site>galleries>Student showcase")
            .await;
        let field_trip = demo.entry_id(FIELD_TRIP).await;
        let mut student = demo.logged_in("student").await;
        student.get(&format!("/portal/media/{field_trip}")).await;
        student
            .submit(
                &format!("/portal/media/{field_trip}/publish"),
                &[("category", &showcase.to_string())],
            )
            .await;

        // Act
        let reply = student
            .submit(
                "/portal/moderation",
                &[
                    ("entry", &field_trip),
                    ("category", &showcase.to_string()),
                    ("decision", "approve"),
                ],
            )
            .await;
        let unknown = student
            .submit(
                "/portal/moderation",
                &[
                    ("entry", &field_trip),
                    ("category", &showcase.to_string()),
                    ("decision", "maybe"),
                ],
            )
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(
            reply
                .text()
                .contains("Only category managers and moderators may moderate it"),
            "{}",
            reply.text()
        );
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            demo.publication_status(&field_trip, showcase).await,
            Some(publications::STATUS_PENDING)
        );
    })
    .await;
}

#[tokio::test]
async fn unpublishing_removes_the_portals_publications_and_keeps_the_course_gallerys() {
    on_each_backend("portal_unpublish", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let path = format!("/portal/media/{cell}");
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get(&path).await;

        // Act
        let reply = lecturer.submit(&format!("{path}/unpublish"), &[]).await;

        // Assert
        assert_redirect(&reply, &path);
        let left: Vec<i64> = demo.publications(&cell).await.iter().map(|p| p.0).collect();
        assert_eq!(
            left,
            vec![demo.course_gallery_id()],
            "the LMS publication stays"
        );
        assert!(lecturer.get(&path).await.published_in().is_empty());
    })
    .await;
}

#[tokio::test]
async fn with_cross_application_unpublishing_unpublishing_removes_every_apps_publications() {
    on_each_backend("portal_unpublish_everywhere", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        demo.set("portal", "publish.crossApplicationUnpublishing", "true")
            .await;
        let cell = demo.entry_id(CELL).await;
        let path = format!("/portal/media/{cell}");
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get(&path).await;

        // Act
        let reply = lecturer.submit(&format!("{path}/unpublish"), &[]).await;

        // Assert
        assert_redirect(&reply, &path);
        assert!(demo.publications(&cell).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn someone_who_may_not_publish_an_entry_cannot_unpublish_it() {
    on_each_backend("portal_unpublish_refused", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut student = demo.logged_in("student").await;
        student.get(&format!("/portal/media/{cell}")).await;

        // Act
        let reply = student
            .submit(&format!("/portal/media/{cell}/unpublish"), &[])
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(
            reply
                .text()
                .contains("You may not remove this entry from that category."),
            "refused by the publishing rule: {}",
            reply.text()
        );
        assert_eq!(demo.publications(&cell).await.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn the_course_gallery_shows_under_published_in_only_with_show_external_publish() {
    on_each_backend("portal_display_publish", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let course = demo.course_gallery_id();
        let path = format!("/portal/media/{cell}");
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let hidden = lecturer.get(&path).await;
        demo.set("portal", "categories.showExternalPublish", "true")
            .await;
        let shown = lecturer.get(&path).await;
        let my_media = lecturer.get("/portal/my-media").await.text();

        // Assert
        assert_eq!(hidden.published_in(), vec![demo.gallery_id()]);
        assert!(!published_in_section(&hidden.text()).contains("data-app=\"Canvas\""));
        assert_eq!(shown.published_in(), vec![demo.gallery_id(), course]);
        let section = published_in_section(&shown.text());
        let canvas = element(&section, "<div data-app=\"Canvas\">", "</div>");
        assert!(
            canvas.contains("<h3>Canvas</h3>"),
            "labelled with the app's name: {canvas}"
        );
        let line = element(
            canvas,
            &format!("<li data-category-id=\"{course}\""),
            "</li>",
        );
        assert!(line.contains("Biology 101"), "the course title: {line}");
        assert!(!line.contains("BIO-101"), "not the raw context id: {line}");
        assert!(line.contains("added by lecturer"), "who added it: {line}");
        assert!(
            my_media.contains("Published in Canvas"),
            "the cards show it too"
        );
    })
    .await;
}

#[tokio::test]
async fn a_course_gallery_line_says_why_an_automatic_publication_exists() {
    on_each_backend("portal_display_publish_reason", |db| async move {
        // Arrange: the demo's mitosis explainer was added to the course's InContext when a
        // student watched it.
        let demo = Demo::new(&db).await;
        demo.set("portal", "categories.showExternalPublish", "true")
            .await;
        let mitosis = demo.entry_id(MITOSIS).await;
        let in_context = demo
            .category_id("canvas>site>channels>BIO-101>InContext")
            .await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let page = lecturer
            .get(&format!("/portal/media/{mitosis}"))
            .await
            .text();

        // Assert
        let line = element(
            &page,
            &format!("<li data-category-id=\"{in_context}\""),
            "</li>",
        );
        assert!(line.contains("Biology 101 › InContext"), "{line}");
        assert!(
            line.contains("added by student when a student watched it in Biology 101"),
            "{line}"
        );
    })
    .await;
}

#[tokio::test]
async fn markup_in_names_and_descriptions_is_shown_as_text() {
    on_each_backend("portal_escaping", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let lab = demo.entry_id(LAB_SAFETY).await;
        let path = format!("/portal/media/{lab}");
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get(&path).await;
        let edited = lecturer
            .submit(
                &format!("{path}/edit"),
                &[
                    ("name", "<script>alert(1)</script>"),
                    ("description", "<img src=x onerror=alert(2)>"),
                    ("tags", "\"><b>tag</b>"),
                ],
            )
            .await;
        assert_redirect(&edited, &path);

        // Act
        let entry_page = lecturer.get(&path).await.text();
        let my_media = lecturer.get("/portal/my-media").await.text();

        // Assert
        for (what, page) in [("the entry page", &entry_page), ("My Media", &my_media)] {
            assert!(
                with_named_entities(page).contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{what} shows the name as text: {page}"
            );
            assert!(
                !page.contains("<script>alert(1)"),
                "{what} has no script from the name"
            );
            assert!(
                !page.contains("<img src=x"),
                "{what} has no element from the description"
            );
        }
        assert!(with_named_entities(&entry_page).contains("&lt;img src=x onerror=alert(2)&gt;"));
        assert!(
            !entry_page.contains("\"><b>tag</b>"),
            "the tags do not break out of a value"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Galleries and channels
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_galleries_page_lists_the_portals_galleries_and_a_gallery_its_entries() {
    on_each_backend("portal_galleries", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let showcase = demo
            .category_id("portal>site>galleries>Student showcase")
            .await;
        let campus_news = demo.category_id("campus>site>galleries>Campus news").await;
        let cell = demo.entry_id(CELL).await;
        let mut student = demo.logged_in("student").await;

        // Act
        let galleries = student.get("/portal/galleries").await;
        let gallery = student
            .get(&format!("/portal/category/{}", demo.gallery_id()))
            .await;

        // Assert
        assert_eq!(galleries.status, StatusCode::OK);
        let listed = galleries.category_ids();
        assert!(listed.contains(&demo.gallery_id()) && listed.contains(&showcase));
        assert!(
            !listed.contains(&campus_news),
            "another portal's gallery: {listed:?}"
        );
        assert_eq!(gallery.status, StatusCode::OK);
        assert_eq!(gallery.entry_ids(), vec![cell]);
    })
    .await;
}

#[tokio::test]
async fn a_user_creates_a_channel_of_each_privacy_type() {
    on_each_backend("portal_channels_create", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut student = demo.logged_in("student").await;
        let form = student.get("/portal/channels").await;
        assert_eq!(form.status, StatusCode::OK);

        for kind in ChannelType::ALL {
            // Act
            let name = format!("A {} channel", kind.as_str());
            let reply = student
                .submit(
                    "/portal/channels",
                    &[
                        ("name", &name),
                        ("description", "For the study group."),
                        ("privacy", kind.as_str()),
                    ],
                )
                .await;

            // Assert
            assert!(
                form.text()
                    .contains(&format!("<option value=\"{}\">", kind.as_str())),
                "the form offers {}",
                kind.as_str()
            );
            assert_eq!(
                reply.status,
                StatusCode::SEE_OTHER,
                "{}: {}",
                kind.as_str(),
                reply.text()
            );
            let id: i64 = reply
                .location()
                .strip_prefix("/portal/category/")
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("to the channel, not {:?}", reply.location()));
            let channel = demo.category_by_id(id).await;
            let fields = kind.fields();
            assert_eq!(channel.full_name, format!("portal>site>channels>{name}"));
            assert_eq!(
                (
                    channel.privacy,
                    channel.appear_in_list,
                    channel.contribution_policy
                ),
                (
                    fields.privacy,
                    fields.appear_in_list,
                    fields.contribution_policy
                ),
                "{}",
                kind.as_str()
            );
            assert_eq!(channel.owner.as_deref(), Some("student"));
            assert!(!channel.moderation);
            let manager = demo
                .member(id, "student")
                .await
                .expect("the creator is a member");
            assert_eq!(manager.permission_level, PermissionLevel::Manager.code());
            let page = student.get(&format!("/portal/category/{id}")).await;
            assert_eq!(
                page.status,
                StatusCode::OK,
                "the creator opens {}",
                kind.as_str()
            );
        }
        let listed = student.get("/portal/channels").await.category_ids();
        assert_eq!(listed.len(), ChannelType::ALL.len(), "{listed:?}");
    })
    .await;
}

#[tokio::test]
async fn a_moderated_channel_holds_what_members_add() {
    on_each_backend("portal_channels_moderated", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut jdoe = demo.logged_in("jdoe").await;
        jdoe.get("/portal/channels").await;

        // Act
        let reply = jdoe
            .submit(
                "/portal/channels",
                &[
                    ("name", "Reviewed clips"),
                    ("privacy", "open"),
                    ("moderated", "1"),
                ],
            )
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let channel = demo
            .category("portal>site>channels>Reviewed clips")
            .await
            .expect("the channel");
        assert!(channel.moderation);
    })
    .await;
}

#[tokio::test]
async fn a_channel_of_an_unknown_type_or_without_a_name_is_refused() {
    on_each_backend("portal_channels_refused", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut student = demo.logged_in("student").await;
        student.get("/portal/channels").await;

        // Act
        let unknown = student
            .submit(
                "/portal/channels",
                &[("name", "Secret club"), ("privacy", "secret")],
            )
            .await;
        let nameless = student
            .submit("/portal/channels", &[("name", "  "), ("privacy", "open")])
            .await;
        let forged = student
            .post_form(
                "/portal/channels",
                &[("csrf", "forged"), ("name", "Forged"), ("privacy", "open")],
            )
            .await;

        // Assert
        assert_eq!(
            unknown.status,
            StatusCode::BAD_REQUEST,
            "{}",
            unknown.text()
        );
        assert_eq!(
            nameless.status,
            StatusCode::BAD_REQUEST,
            "{}",
            nameless.text()
        );
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
        assert!(
            demo.category("portal>site>channels>Secret club")
                .await
                .is_none()
        );
        assert!(demo.category("portal>site>channels>Forged").await.is_none());
        assert!(
            student
                .get("/portal/channels")
                .await
                .category_ids()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn a_channel_name_is_unique_in_its_portal() {
    on_each_backend("portal_channels_unique", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut student = demo.logged_in("student").await;
        student.get("/portal/channels").await;
        let first = student
            .submit(
                "/portal/channels",
                &[("name", "Study group"), ("privacy", "open")],
            )
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);

        // Act
        let again = student
            .submit(
                "/portal/channels",
                &[("name", "Study group"), ("privacy", "private")],
            )
            .await;

        // Assert
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text());
        let channel = demo
            .category("portal>site>channels>Study group")
            .await
            .expect("the first channel");
        assert_eq!(channel.privacy, ChannelType::Open.fields().privacy);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Admin pages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_pages_and_actions_refuse_non_admins() {
    on_each_backend("portal_admin_refused", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut student = demo.logged_in("student").await;

        for page in [
            "/portal/admin",
            "/portal/admin/apps/portal",
            "/portal/admin/users",
            "/portal/admin/identity",
            "/portal/admin/categories",
        ] {
            // Act
            let reply = student.get(page).await;

            // Assert
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{page}");
        }
        let settings = student
            .submit(
                "/portal/admin/apps/portal",
                &[("categories.showExternalPublish", "true")],
            )
            .await;
        let role = student
            .submit(
                "/portal/admin/users",
                &[("user", "student"), ("role", "adminRole")],
            )
            .await;
        assert_eq!(settings.status, StatusCode::FORBIDDEN);
        assert_eq!(role.status, StatusCode::FORBIDDEN);
        assert_eq!(
            demo.setting("portal", "categories", "showExternalPublish")
                .await,
            Value::Bool(false)
        );
        assert_eq!(
            student.get("/portal/admin").await.status,
            StatusCode::FORBIDDEN
        );
    })
    .await;
}

#[tokio::test]
async fn the_admin_overview_lists_the_partners_apps() {
    on_each_backend("portal_admin_overview", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let page = lecturer.get("/portal/admin").await;

        // Assert
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert_eq!(
            attribute_values(&text, "data-app-slug"),
            vec!["portal", "campus", "canvas"]
        );
        for slug in ["portal", "campus", "canvas"] {
            let app = quad::apps::show(&demo.store, slug).await.expect("the app");
            let root = app["rootCategoryId"].as_i64().expect("a root");
            assert!(
                page.category_ids().contains(&root),
                "{slug}'s root category"
            );
            assert!(text.contains(&format!("href=\"/portal/admin/apps/{slug}\"")));
        }
        assert!(text.contains("http://127.0.0.1:8080/canvas"));
    })
    .await;
}

#[tokio::test]
async fn the_settings_form_shows_the_apps_settings_but_never_a_secret() {
    on_each_backend("portal_admin_settings_form", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        demo.set("portal", "auth.ssoSecret", SSO_SECRET).await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let portal = lecturer.get("/portal/admin/apps/portal").await;
        let canvas = lecturer.get("/portal/admin/apps/canvas").await;
        let unknown = lecturer.get("/portal/admin/apps/nowhere").await;

        // Assert
        assert_eq!(portal.status, StatusCode::OK);
        let text = portal.text();
        for setting in [
            "auth.method",
            "categories.showExternalPublish",
            "publish.crossApplicationUnpublishing",
            "roles.defaultRole",
        ] {
            assert!(text.contains(&format!("name=\"{setting}\"")), "{setting}");
        }
        assert!(
            !text.contains("name=\"hosted.ltiUserIdAttribute\""),
            "an LMS app's setting"
        );
        assert!(!text.contains(SSO_SECRET), "the secret is never sent back");
        assert!(text.contains("<option selected>local</option>"));
        assert_eq!(canvas.status, StatusCode::OK);
        assert!(
            canvas
                .text()
                .contains("name=\"browseandembed.autoRepublish\"")
        );
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn saving_settings_changes_every_setting_of_the_form() {
    on_each_backend("portal_admin_settings_save", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get("/portal/admin/apps/portal").await;

        // Act: a checkbox sends its hidden "false" and then "true".
        let reply = lecturer
            .submit(
                "/portal/admin/apps/portal",
                &[
                    ("categories.showExternalPublish", "false"),
                    ("categories.showExternalPublish", "true"),
                    ("publish.maxCategoriesPerEntry", "50"),
                    ("roles.defaultRole", "viewerRole"),
                ],
            )
            .await;
        let page = lecturer.get("/portal/admin/apps/portal?saved=1").await;

        // Assert
        assert_redirect(&reply, "/portal/admin/apps/portal?saved=1");
        assert_eq!(
            demo.setting("portal", "categories", "showExternalPublish")
                .await,
            Value::Bool(true)
        );
        assert_eq!(
            demo.setting("portal", "publish", "maxCategoriesPerEntry")
                .await,
            Value::from(50)
        );
        assert_eq!(
            demo.setting("portal", "roles", "defaultRole").await,
            Value::from("viewerRole")
        );
        assert!(page.text().contains("Saved."));
        assert!(page.text().contains("<option selected>viewerRole</option>"));
    })
    .await;
}

#[tokio::test]
async fn saving_settings_with_one_invalid_value_changes_none() {
    on_each_backend("portal_admin_settings_invalid", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get("/portal/admin/apps/portal").await;

        // Act
        let reply = lecturer
            .submit(
                "/portal/admin/apps/portal",
                &[
                    ("categories.showExternalPublish", "true"),
                    ("publish.crossApplicationUnpublishing", "true"),
                    ("publish.maxCategoriesPerEntry", "0"),
                ],
            )
            .await;
        let unknown = lecturer
            .submit(
                "/portal/admin/apps/portal",
                &[
                    ("categories.showExternalPublish", "true"),
                    ("nosuch.setting", "1"),
                ],
            )
            .await;

        // Assert
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert!(
            reply.text().contains("publish.maxCategoriesPerEntry"),
            "the refusal names the setting: {}",
            reply.text()
        );
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            demo.setting("portal", "categories", "showExternalPublish")
                .await,
            Value::Bool(false)
        );
        assert_eq!(
            demo.setting("portal", "publish", "crossApplicationUnpublishing")
                .await,
            Value::Bool(false)
        );
        assert_eq!(
            demo.setting("portal", "publish", "maxCategoriesPerEntry")
                .await,
            Value::from(100)
        );
    })
    .await;
}

#[tokio::test]
async fn an_empty_secret_field_keeps_the_secret() {
    on_each_backend("portal_admin_settings_secret", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        demo.set("portal", "auth.ssoSecret", SSO_SECRET).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get("/portal/admin/apps/portal").await;

        // Act
        let reply = lecturer
            .submit(
                "/portal/admin/apps/portal",
                &[
                    ("auth.ssoSecret", ""),
                    ("auth.ssoLoginUrl", "https://login.demo.example/"),
                ],
            )
            .await;

        // Assert
        assert_redirect(&reply, "/portal/admin/apps/portal?saved=1");
        assert_eq!(
            demo.setting("portal", "auth", "ssoSecret").await,
            Value::from(SSO_SECRET)
        );
        assert_eq!(
            demo.setting("portal", "auth", "ssoLoginUrl").await,
            Value::from("https://login.demo.example/")
        );
    })
    .await;
}

#[tokio::test]
async fn the_users_page_lists_users_and_an_admin_sets_a_role() {
    on_each_backend("portal_admin_users_role", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        let mut student = demo.logged_in("student").await;
        assert_eq!(student.get("/portal/my-media").await.status, StatusCode::OK);

        // Act
        let page = lecturer.get("/portal/admin/users").await;
        let reply = lecturer
            .submit(
                "/portal/admin/users",
                &[("user", "student"), ("role", "viewerRole")],
            )
            .await;
        let after = lecturer.get("/portal/admin/users").await.text();

        // Assert
        assert_eq!(page.status, StatusCode::OK);
        let listed = attribute_values(&page.text(), "data-user-id");
        for user in ["lecturer", "student", "jdoe", "JDoe@demo.example"] {
            assert!(listed.iter().any(|u| u == user), "{user} in {listed:?}");
        }
        let row = element(&page.text(), "<tr data-user-id=\"student\"", "</tr>").to_owned();
        assert!(row.contains("student@demo.example"), "{row}");
        assert!(
            row.contains("<option selected>privateOnlyRole</option>"),
            "the default: {row}"
        );
        assert_redirect(&reply, "/portal/admin/users");
        let row = element(&after, "<tr data-user-id=\"student\"", "</tr>");
        assert!(
            row.contains("<option selected>viewerRole</option>"),
            "{row}"
        );
        assert_eq!(
            student.get("/portal/my-media").await.status,
            StatusCode::FORBIDDEN
        );
    })
    .await;
}

#[tokio::test]
async fn an_admin_sets_a_password_that_the_user_logs_in_with() {
    on_each_backend("portal_admin_users_password", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get("/portal/admin/users").await;

        // Act
        let reply = lecturer
            .submit(
                "/portal/admin/users",
                &[("user", "jdoe"), ("password", "a-new-password-42")],
            )
            .await;
        let old = demo
            .browser()
            .login("portal", "jdoe", &demo.password("jdoe"))
            .await;
        let new = demo
            .browser()
            .login("portal", "jdoe", "a-new-password-42")
            .await;

        // Assert
        assert_redirect(&reply, "/portal/admin/users");
        assert_eq!(old.status, StatusCode::UNAUTHORIZED);
        assert_redirect(&new, "/portal/my-media");
    })
    .await;
}

#[tokio::test]
async fn the_users_page_refuses_unknown_users_roles_and_short_passwords() {
    on_each_backend("portal_admin_users_refused", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get("/portal/admin/users").await;

        // Act
        let unknown_user = lecturer
            .submit(
                "/portal/admin/users",
                &[("user", "nobody"), ("role", "adminRole")],
            )
            .await;
        let unknown_role = lecturer
            .submit(
                "/portal/admin/users",
                &[("user", "student"), ("role", "kingRole")],
            )
            .await;
        let short = lecturer
            .submit(
                "/portal/admin/users",
                &[("user", "student"), ("password", "short")],
            )
            .await;

        // Assert
        for (what, reply) in [
            ("unknown user", &unknown_user),
            ("unknown role", &unknown_role),
            ("short password", &short),
        ] {
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{what}: {}",
                reply.text()
            );
        }
        let mut conn = demo.store.read().await.expect("a connection");
        let role = portal::app_role(&mut conn, demo.app_id("portal").await, "student")
            .await
            .expect("roles can be read");
        assert_eq!(role, None, "no role was given");
    })
    .await;
}

#[tokio::test]
async fn the_identity_report_lists_the_planted_pair() {
    on_each_backend("portal_admin_identity", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let page = lecturer.get("/portal/admin/identity").await;

        // Assert
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        let pair = element(&text, "<tr class=\"suspected-pair\">", "</tr>");
        assert!(pair.contains("same email"), "{pair}");
        assert!(pair.contains("data-user-id=\"jdoe\""), "{pair}");
        assert!(
            pair.contains("data-user-id=\"JDoe@demo.example\""),
            "{pair}"
        );
        assert!(pair.contains("canvas last on"), "the LMS login: {pair}");
        assert_eq!(text.matches("class=\"suspected-pair\"").count(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_categories_page_lists_every_apps_categories() {
    on_each_backend("portal_admin_categories", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let showcase = demo
            .category_id("portal>site>galleries>Student showcase")
            .await;
        let campus_news = demo.category_id("campus>site>galleries>Campus news").await;
        let mut lecturer = demo.logged_in("lecturer").await;

        // Act
        let page = lecturer.get("/portal/admin/categories").await;

        // Assert
        assert_eq!(page.status, StatusCode::OK);
        let listed = page.category_ids();
        for id in [
            demo.gallery_id(),
            showcase,
            campus_news,
            demo.course_gallery_id(),
        ] {
            assert!(listed.contains(&id), "category {id} in {listed:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn only_the_demo_serves_the_stand_in_lms_and_its_launches_are_signed_once() {
    on_each_backend("portal_test_lms", |db| async move {
        // Arrange
        let served = Demo::serving(&db, true).await;
        // The same library served as `quad serve` serves it (seeding again changes nothing).
        let plain = Demo::serving(&db, false).await;

        // Act
        let page = served.browser().get("/canvas/test-lms").await;
        let missing = plain.browser().get("/canvas/test-lms").await;

        // Assert
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert_eq!(
            html.matches("name=\"oauth_signature\"").count(),
            5,
            "{html}"
        );
        assert!(html.contains("action=\"http://127.0.0.1:8080/canvas/lti/course-gallery\""));
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn an_admin_registers_an_lti13_platform_and_adds_a_course_on_the_lms_page() {
    on_each_backend("portal_admin_lms_page", |db| async move {
        // Arrange
        let demo = Demo::new(&db).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        lecturer.get("/portal/admin/apps/canvas/lms").await;

        // Act
        let registered = lecturer
            .submit(
                "/portal/admin/apps/canvas/lms",
                &[
                    ("action", "add-platform"),
                    ("issuer", "https://canvas.example"),
                    ("client_id", "10000000000001"),
                    ("deployment_ids", "1:abc\n2:def\n"),
                    ("jwks_url", "https://canvas.example/api/lti/security/jwks"),
                    (
                        "auth_url",
                        "https://canvas.example/api/lti/authorize_redirect",
                    ),
                    ("token_url", ""),
                ],
            )
            .await;
        let refused = lecturer
            .submit(
                "/portal/admin/apps/canvas/lms",
                &[
                    ("action", "add-platform"),
                    ("issuer", "https://moodle.example"),
                    ("client_id", "abc"),
                    ("deployment_ids", ""),
                    ("jwks_url", "https://moodle.example/jwks"),
                    ("auth_url", "https://moodle.example/auth"),
                ],
            )
            .await;
        let course = lecturer
            .submit(
                "/portal/admin/apps/canvas/lms",
                &[
                    ("action", "add-course"),
                    ("context", "CHEM-201"),
                    ("title", "Chemistry 201"),
                ],
            )
            .await;
        let page = lecturer.get("/portal/admin/apps/canvas/lms").await;

        // Assert
        assert_redirect(
            &registered,
            "/portal/admin/apps/canvas/lms?saved=add-platform",
        );
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.text().contains("a deployment id is required"));
        assert_redirect(&course, "/portal/admin/apps/canvas/lms?saved=add-course");
        let shown = quad::apps::show(&demo.store, "canvas")
            .await
            .expect("the app");
        let platforms = shown["lti13"]["platforms"].as_array().expect("platforms");
        assert_eq!(
            platforms.len(),
            1,
            "the refused registration stored nothing"
        );
        assert_eq!(
            platforms[0]["deploymentIds"],
            serde_json::json!(["1:abc", "2:def"])
        );
        let text = page.text();
        assert!(text.contains("https://canvas.example"));
        assert!(text.contains("Chemistry 201"));
        assert!(text.contains("http://127.0.0.1:8080/canvas/lti13/login"));
    })
    .await;
}

#[tokio::test]
async fn the_entry_page_says_when_its_video_is_being_converted_or_could_not_be() {
    on_each_backend("portal_processing_notice", |db| async move {
        // Arrange: the lecturer's cell lecture, first waiting for its web flavor.
        let demo = Demo::new(&db).await;
        let cell = demo.entry_id(CELL).await;
        let mut lecturer = demo.logged_in("lecturer").await;
        let path = format!("/portal/media/{cell}");

        // Act
        demo.set_status(&cell, entries::STATUS_PRECONVERT, None)
            .await;
        let converting = lecturer.get(&path).await.text();
        let my_media = lecturer.get("/portal/my-media").await.text();
        demo.set_status(
            &cell,
            entries::STATUS_ERROR_CONVERTING,
            Some("ffmpeg said no"),
        )
        .await;
        let failed = lecturer.get(&path).await.text();
        demo.set_status(&cell, entries::STATUS_READY, None).await;
        let ready = lecturer.get(&path).await.text();

        // Assert
        assert!(
            converting.contains("being converted for playing in browsers"),
            "{converting}"
        );
        assert!(
            my_media.contains("<span data-processing>Converting</span>"),
            "{my_media}"
        );
        assert!(failed.contains("ffmpeg said no"), "{failed}");
        assert!(!ready.contains("data-processing"), "{ready}");
    })
    .await;
}
