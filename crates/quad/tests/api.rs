//! The whole application over HTTP, in process: the router of `quad::app::app` over a fresh
//! store and media folder, called with `tower::ServiceExt::oneshot`, once on SQLite and once
//! on PostgreSQL; and the real server started with `quad::start` and stopped gracefully.

#[path = "../../store/tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::{TempDir, TestDb, on_each_backend};
use quad::config::{ServeConfig, StoreConfig};
use quad_api::{Api, ApiConfig};
use quad_media::MediaStorage;
use quad_store::partners::{self, Partner};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

/// The request body limit of the test application, small enough to exceed cheaply.
const MAX_REQUEST_BYTES: usize = 16 * 1024;
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><xml><result>";

// ---------------------------------------------------------------------------------------------
// The application under test
// ---------------------------------------------------------------------------------------------

struct TestApp {
    router: Router,
    partner: Partner,
    _media: TempDir,
}

/// An answer, read to the end.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("the body is UTF-8")
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("a text header"))
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

impl TestApp {
    async fn new(db: &TestDb) -> TestApp {
        let dir = TempDir::new("quad-api-media");
        let media = MediaStorage::open(&dir.path().display().to_string(), dir.path())
            .await
            .expect("the media folder opens");
        let mut conn = db.store.read().await.expect("a connection");
        let partner = partners::create(&mut conn, "Test University")
            .await
            .expect("a partner");
        drop(conn);
        let api = Arc::new(Api {
            store: db.store.clone(),
            media,
            config: ApiConfig {
                max_request_bytes: MAX_REQUEST_BYTES,
                max_upload_bytes: 1024 * 1024,
                hls: false,
            },
        });
        TestApp {
            router: quad::app::app(api),
            partner,
            _media: dir,
        }
    }

    /// Sends one request; every answer must carry a request id.
    async fn send(&self, request: Request<Body>) -> Reply {
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
        let id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "every response carries an x-request-id, got {id:?}"
        );
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn post(&self, uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .expect("a valid request");
        self.send(request).await
    }

    async fn get(&self, uri: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::builder().method(Method::GET).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).expect("a valid request"))
            .await
    }

    /// Calls an action as the Python client does, with a JSON body, in the given format.
    async fn call(&self, service: &str, action: &str, format: &str, mut params: Value) -> Reply {
        params["format"] = json!(format);
        let uri = format!("/api_v3/service/{service}/action/{action}");
        let reply = self
            .post(&uri, "application/json", params.to_string())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "API answers are always HTTP 200"
        );
        reply
    }

    async fn call_json(&self, service: &str, action: &str, params: Value) -> Value {
        let reply = self.call(service, action, "1", params).await;
        assert_eq!(reply.header("content-type"), "application/json");
        reply.json()
    }

    async fn call_xml(&self, service: &str, action: &str, params: Value) -> String {
        let reply = self.call(service, action, "2", params).await;
        assert_eq!(reply.header("content-type"), "text/xml; charset=utf-8");
        reply.text()
    }

    /// Starts a session with the admin secret (`type` 2) or the user secret (`type` 0).
    async fn ks(&self, session_type: i64, user: &str, privileges: &str) -> String {
        let secret = if session_type == 0 {
            &self.partner.secret
        } else {
            &self.partner.admin_secret
        };
        let ks = self
            .call_json(
                "session",
                "start",
                json!({
                    "secret": secret,
                    "type": session_type.to_string(),
                    "partnerId": self.partner.id.to_string(),
                    "userId": user,
                    "privileges": privileges,
                }),
            )
            .await;
        ks.as_str()
            .unwrap_or_else(|| panic!("session.start answers a KS, not {ks}"))
            .to_owned()
    }

    async fn admin_ks(&self) -> String {
        self.ks(2, "admin", "").await
    }

    async fn add_entry(&self, ks: &str, name: &str) -> Value {
        let entry = self
            .call_json(
                "media",
                "add",
                json!({
                    "ks": ks,
                    "entry": {"objectType": "KalturaMediaEntry", "name": name, "mediaType": "1"},
                }),
            )
            .await;
        assert_eq!(
            entry["objectType"], "KalturaMediaEntry",
            "media.add: {entry}"
        );
        entry
    }

    async fn entry_count(&self, ks: &str) -> Value {
        self.call_json("media", "count", json!({"ks": ks})).await
    }

    /// Uploads `bytes` in a multipart request, as the Python client does, and attaches them
    /// to a new entry; returns the entry.
    async fn entry_with_content(&self, ks: &str, bytes: &[u8]) -> Value {
        let token = self
            .call_json(
                "uploadtoken",
                "add",
                json!({
                    "ks": ks,
                    "uploadToken": {
                        "objectType": "KalturaUploadToken",
                        "fileName": "clip.mp4",
                        "fileSize": bytes.len().to_string(),
                    },
                }),
            )
            .await;
        let token_id = text(&token["id"]);
        let params = json!({
            "format": "1",
            "ks": ks,
            "uploadTokenId": token_id,
            "resume": "False",
            "finalChunk": "True",
            "resumeAt": "-1",
        });
        let uploaded = self
            .post(
                "/api_v3/service/uploadtoken/action/upload",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(&params.to_string(), Some(("clip.mp4", bytes))),
            )
            .await
            .json();
        assert_eq!(uploaded["status"], 2, "the token is full: {uploaded}");
        assert_eq!(uploaded["uploadedFileSize"], json!(bytes.len() as f64));
        let entry = self.add_entry(ks, "With content").await;
        let with_content = self
            .call_json(
                "media",
                "addContent",
                json!({
                    "ks": ks,
                    "entryId": entry["id"],
                    "resource": {
                        "objectType": "KalturaUploadedFileTokenResource",
                        "token": token_id,
                    },
                }),
            )
            .await;
        assert_eq!(
            with_content["id"], entry["id"],
            "media.addContent: {with_content}"
        );
        with_content
    }
}

const BOUNDARY: &str = "quadTestBoundary7MA4YWxkTrZu0gW";

/// A multipart body: a `json` part, then optionally a `fileData` part.
fn multipart(json: &str, file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{json}\r\n")
            .into_bytes();
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fileData\"; \
                 filename=\"{name}\"\r\nContent-Type: video/mp4\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

/// A KS as a query string value.
fn query_ks(ks: &str) -> String {
    ks.replace('=', "%3D")
}

/// The text of the first `<tag>` of an XML answer.
fn xml_value<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..]
        .find(&format!("</{tag}>"))
        .unwrap_or_else(|| panic!("<{tag}> is not closed in {xml}"));
    &xml[start..start + end]
}

fn api_error(code: &str, message: &str, args: Value) -> Value {
    json!({"code": code, "message": message, "objectType": "KalturaAPIException", "args": args})
}

/// 100 bytes that differ from their neighbours, so a wrong offset shows.
fn media_bytes() -> Vec<u8> {
    (0..100u32).map(|i| (i * 37 % 251) as u8).collect()
}

/// The path of an entry's `downloadUrl`, which the app answers at any host.
fn download_path(entry: &Value) -> String {
    let url = text(&entry["downloadUrl"]);
    url.strip_prefix("http://localhost")
        .unwrap_or_else(|| panic!("the download URL is on the request's host: {url}"))
        .to_owned()
}

fn ffprobe_available() -> bool {
    std::process::Command::new("ffprobe")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

// ---------------------------------------------------------------------------------------------
// Health, sessions and entries in both formats
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn healthz_answers_200_when_the_database_and_the_storage_answer() {
    on_each_backend("api_healthz", |db| async move {
        let app = TestApp::new(&db).await;

        let reply = app.get("/healthz", &[]).await;

        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.text(), "ok");
    })
    .await;
}

#[tokio::test]
async fn a_session_adds_gets_and_lists_media_in_json() {
    on_each_backend("api_media_json", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;

        // Act
        let added = app
            .call_json(
                "media",
                "add",
                json!({
                    "ks": ks,
                    "entry": {
                        "objectType": "KalturaMediaEntry",
                        "name": "Lecture 1",
                        "description": "The first one",
                        "mediaType": "1",
                    },
                }),
            )
            .await;
        let id = text(&added["id"]);
        let got = app
            .call_json("media", "get", json!({"ks": ks, "entryId": id}))
            .await;
        let listed = app
            .call_json(
                "media",
                "list",
                json!({
                    "ks": ks,
                    "filter": {"objectType": "KalturaMediaEntryFilter", "nameLike": "lecture"},
                    "pager": {"objectType": "KalturaFilterPager", "pageSize": "10"},
                }),
            )
            .await;

        // Assert
        assert_eq!(added["objectType"], "KalturaMediaEntry");
        assert!(
            id.len() == 10
                && id.starts_with("0_")
                && id[2..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "Kaltura-style id: {id}"
        );
        assert_eq!(
            (&added["name"], &added["description"], &added["mediaType"]),
            (&json!("Lecture 1"), &json!("The first one"), &json!(1))
        );
        assert_eq!(
            added["status"],
            json!(7),
            "an entry without content is NO_CONTENT"
        );
        assert_eq!(added["userId"], "admin");
        assert_eq!(added["partnerId"], app.partner.id);
        assert_eq!(got, added, "media.get answers what media.add did");
        assert_eq!(listed["objectType"], "KalturaMediaListResponse");
        assert_eq!(listed["totalCount"], 1);
        assert_eq!(listed["objects"], json!([added]));
    })
    .await;
}

#[tokio::test]
async fn xml_answers_wrap_the_result_in_the_kaltura_envelope() {
    on_each_backend("api_media_xml", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;

        // Act
        let added = app
            .call_xml(
                "media",
                "add",
                json!({
                    "ks": ks,
                    "entry": {
                        "objectType": "KalturaMediaEntry",
                        "name": "Lab & <Lecture>",
                        "mediaType": "1"
                    },
                }),
            )
            .await;
        let id = xml_value(&added, "id").to_owned();
        let got = app
            .call_xml("media", "get", json!({"ks": ks, "entryId": id}))
            .await;
        let listed = app.call_xml("media", "list", json!({"ks": ks})).await;
        let ended = app.call_xml("session", "end", json!({"ks": ks})).await;
        let default_format = app
            .post(
                "/api_v3/service/system/action/ping",
                "application/json",
                "{}",
            )
            .await;

        // Assert
        let entry_head = format!(
            "{XML_HEAD}<objectType>KalturaMediaEntry</objectType><id>{id}</id>\
             <name>Lab &amp; &lt;Lecture&gt;</name>"
        );
        assert!(added.starts_with(&entry_head), "{added}");
        assert!(got.starts_with(&entry_head), "{got}");
        for xml in [&added, &got, &listed, &ended] {
            assert!(xml.contains("</result><executionTime>"), "{xml}");
            assert!(xml.ends_with("</executionTime></xml>"), "{xml}");
        }
        assert!(
            listed.starts_with(&format!(
                "{XML_HEAD}<objectType>KalturaMediaListResponse</objectType><objects><item>\
                 <objectType>KalturaMediaEntry</objectType><id>{id}</id>"
            )),
            "{listed}"
        );
        assert!(listed.contains("</item></objects><totalCount>1</totalCount></result>"));
        assert!(
            ended.starts_with(&format!("{XML_HEAD}</result><executionTime>")),
            "a void result is an empty <result>: {ended}"
        );
        assert_eq!(
            default_format.header("content-type"),
            "text/xml; charset=utf-8"
        );
        assert!(
            default_format
                .text()
                .starts_with(&format!("{XML_HEAD}1</result>")),
            "XML is the default format: {}",
            default_format.text()
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn errors_are_http_200_with_a_kaltura_api_exception() {
    on_each_backend("api_errors", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;

        // Act
        let unknown_service = app.call_json("nosuch", "list", json!({"ks": ks})).await;
        let unknown_action = app.call_json("media", "nosuch", json!({"ks": ks})).await;
        let missing = app.call_json("media", "get", json!({"ks": ks})).await;
        let bad_ks = app
            .call_json("media", "list", json!({"ks": "not-a-ks"}))
            .await;
        let bad_ks_xml = app
            .call_xml("media", "list", json!({"ks": "not-a-ks"}))
            .await;
        let not_found = app
            .call_json("media", "get", json!({"ks": ks, "entryId": "0_nothere"}))
            .await;

        // Assert
        assert_eq!(
            unknown_service,
            api_error(
                "SERVICE_DOES_NOT_EXISTS",
                "Service \"nosuch\" does not exists",
                json!({"SRV_NAME": "nosuch"})
            )
        );
        assert_eq!(
            unknown_action,
            api_error(
                "ACTION_DOES_NOT_EXISTS",
                "Action \"nosuch\" does not exists for service \"media\"",
                json!({"ACTION_NAME": "nosuch", "SERVICE_NAME": "media"})
            )
        );
        assert_eq!(
            missing,
            api_error(
                "MISSING_MANDATORY_PARAMETER",
                "Missing parameter \"entryId\"",
                json!({"PARAM_NAME": "entryId"})
            )
        );
        assert_eq!(
            bad_ks,
            api_error(
                "INVALID_KS",
                "Invalid KS \"not-a-ks\", Error \"-1,INVALID_STR\"",
                json!({"KSID": "not-a-ks", "ERR_CODE": "-1", "ERR_DESC": "INVALID_STR"})
            )
        );
        assert!(
            bad_ks_xml.starts_with(&format!(
                "{XML_HEAD}<error><objectType>KalturaAPIException</objectType>\
                 <code>INVALID_KS</code><message>Invalid KS &quot;not-a-ks&quot;, Error \
                 &quot;-1,INVALID_STR&quot;</message><args><item>\
                 <objectType>KalturaApiExceptionArg</objectType><name>KSID</name>\
                 <value>not-a-ks</value></item>"
            )),
            "{bad_ks_xml}"
        );
        assert_eq!(not_found["code"], "ENTRY_ID_NOT_FOUND");
        assert_eq!(not_found["message"], "Entry id \"0_nothere\" not found");
    })
    .await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_changes_nothing() {
    on_each_backend("api_body_too_large", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;
        let long_name = "x".repeat(MAX_REQUEST_BYTES + 1);
        let json_body = json!({
            "ks": ks,
            "entry": {"objectType": "KalturaMediaEntry", "name": long_name, "mediaType": "1"},
        })
        .to_string();
        let form_body = format!(
            "ks={}&entry:objectType=KalturaMediaEntry&entry:mediaType=1&entry:name={long_name}",
            query_ks(&ks)
        );
        let multipart_body = multipart(&json_body, None);
        let uri = "/api_v3/service/media/action/add/format/1";

        // Act
        let replies = [
            app.post(uri, "application/json", json_body).await,
            app.post(uri, "application/x-www-form-urlencoded", form_body)
                .await,
            app.post(
                uri,
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart_body,
            )
            .await,
        ];

        // Assert
        let expected = api_error(
            "REQUEST_BODY_TOO_LARGE",
            &format!("The request body is larger than the maximum of {MAX_REQUEST_BYTES} bytes"),
            json!({"MAX_SIZE": MAX_REQUEST_BYTES.to_string()}),
        );
        for reply in &replies {
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.json(), expected);
        }
        assert_eq!(app.entry_count(&ks).await, 0, "no entry was added");
    })
    .await;
}

#[tokio::test]
async fn malformed_bodies_never_cause_a_server_error() {
    on_each_backend("api_hostile_bodies", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;
        let multipart_type = format!("multipart/form-data; boundary={BOUNDARY}");
        let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        let truncated_file = {
            let mut body = multipart("{\"format\":\"1\"}", Some(("a.mp4", b"0123456789")));
            body.truncate(body.len() - 20);
            body
        };
        let bad_json_part = multipart("{\"ks\": ", None);
        // Each body is refused as unreadable, or read as far as it goes and answered.
        const REFUSED: &str = "INVALID_REQUEST";
        const LISTED: &str = "KalturaMediaListResponse";
        let hostile: Vec<(&str, Vec<u8>, &str)> = vec![
            ("application/json", b"{".to_vec(), REFUSED),
            ("application/json", b"{\"a\":".to_vec(), REFUSED),
            ("application/json", b"[1, 2]".to_vec(), REFUSED),
            ("application/json", b"\"text\"".to_vec(), REFUSED),
            ("application/json", deep.into_bytes(), REFUSED),
            (
                "application/json",
                b"{\"service\": {\"x\": [1, {\"y\": null}]}}".to_vec(),
                LISTED,
            ),
            (
                "application/json",
                b"{\"1\": \"x\", \"2\": [], \"service\": \"multirequest\"}".to_vec(),
                LISTED,
            ),
            (
                "application/json",
                br#"{"filter": [[[]]], "pager": "x", "entry": 5}"#.to_vec(),
                LISTED,
            ),
            (multipart_type.as_str(), b"garbage".to_vec(), REFUSED),
            ("multipart/form-data", b"--x\r\n\r\n".to_vec(), REFUSED),
            (multipart_type.as_str(), bad_json_part, REFUSED),
            (multipart_type.as_str(), truncated_file, REFUSED),
            (
                "application/x-www-form-urlencoded",
                b"%%%=&&==%ZZ&filter:=:&:::=1".to_vec(),
                LISTED,
            ),
            (
                "application/octet-stream",
                vec![0xff, 0xfe, 0x00, 0x01, 0x7b],
                LISTED,
            ),
            (
                "text/plain",
                "entry[name]=é&entry[[]]=x&pager:pageSize=-1"
                    .as_bytes()
                    .to_vec(),
                LISTED,
            ),
        ];

        // Act and assert
        for (content_type, body, expected) in hostile {
            let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
            let uri = format!(
                "/api_v3/service/media/action/list?format=1&ks={}",
                query_ks(&ks)
            );
            let reply = app.post(&uri, content_type, body).await;
            assert_eq!(reply.status, StatusCode::OK, "{content_type} {shown:?}");
            let answer = reply.json();
            let answered = answer["code"]
                .as_str()
                .or_else(|| answer["objectType"].as_str())
                .unwrap_or_default();
            assert_eq!(answered, expected, "{content_type} {shown:?}: {answer}");
        }
        assert_eq!(app.get("/healthz", &[]).await.status, StatusCode::OK);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Request forms
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn form_encoded_query_and_path_pair_requests_reach_the_same_actions() {
    on_each_backend("api_request_forms", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;
        let form = format!(
            "service=media&action=add&format=1&ks={}&entry:objectType=KalturaMediaEntry\
             &entry:mediaType=1&entry[name]=Made%20by%20a%20form",
            query_ks(&ks)
        );

        // Act
        let added = app
            .post(
                "/api_v3/index.php",
                "application/x-www-form-urlencoded",
                form,
            )
            .await
            .json();
        let id = text(&added["id"]);
        let by_query = app
            .get(
                &format!(
                    "/api_v3/index.php?service=media&action=get&format=1&entryId={id}&ks={}",
                    query_ks(&ks)
                ),
                &[],
            )
            .await
            .json();
        let by_path = app
            .get(
                &format!(
                    "/api_v3/service/MEDIA/action/Get/entryId/{id}/format/1?ks={}",
                    query_ks(&ks)
                ),
                &[],
            )
            .await
            .json();

        // Assert
        assert_eq!(added["objectType"], "KalturaMediaEntry", "{added}");
        assert_eq!(added["name"], "Made by a form");
        assert_eq!(by_query, added);
        assert_eq!(by_path, added, "service and action names ignore case");
    })
    .await;
}

#[tokio::test]
async fn a_multirequest_runs_in_order_and_later_calls_use_earlier_results() {
    on_each_backend("api_multirequest", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;
        let body = json!({
            "format": 1,
            "ks": ks,
            "1": {"service": "media", "action": "add",
                  "entry": {"objectType": "KalturaMediaEntry", "name": "Multi", "mediaType": "1"}},
            "2": {"service": "media", "action": "get", "entryId": "{1:result:id}"},
            "3": {"service": "media", "action": "get", "entryId": "0_nothere"},
            "4": {"service": "media", "action": "update", "entryId": "{1:result:id}",
                  "mediaEntry": {
                      "objectType": "KalturaMediaEntry",
                      "name": "renamed-{1:result:id}"
                  }},
        });

        // Act
        let results = app
            .post(
                "/api_v3/service/multirequest",
                "application/json",
                body.to_string(),
            )
            .await
            .json();

        // Assert
        let results = results.as_array().expect("a multirequest answers an array");
        assert_eq!(results.len(), 4, "{results:?}");
        let id = text(&results[0]["id"]);
        assert_eq!(results[1]["id"], id.as_str());
        assert_eq!(results[1]["name"], "Multi");
        assert_eq!(
            results[2]["code"], "ENTRY_ID_NOT_FOUND",
            "a failed call fills its slot"
        );
        assert_eq!(
            results[3]["name"],
            format!("renamed-{id}"),
            "later calls still run"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Upload and playback
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn uploaded_content_is_served_whole_and_in_byte_ranges() {
    on_each_backend("api_upload_and_ranges", |db| async move {
        // Arrange
        let app = TestApp::new(&db).await;
        let ks = app.admin_ks().await;
        let bytes = media_bytes();
        let entry = app.entry_with_content(&ks, &bytes).await;
        let path = format!("{}?ks={}", download_path(&entry), query_ks(&ks));

        // Act
        let whole = app.get(&path, &[]).await;
        let first_ten = app.get(&path, &[("range", "bytes=0-9")]).await;
        let last_five = app.get(&path, &[("range", "bytes=-5")]).await;
        let past_end = app.get(&path, &[("range", "bytes=100-")]).await;
        let two = app.get(&path, &[("range", "bytes=0-1,10-12")]).await;

        // Assert
        let status = if ffprobe_available() {
            json!(-1)
        } else {
            json!(2)
        };
        assert_eq!(
            entry["status"], status,
            "the probe decides the status: {entry}"
        );
        assert_eq!(
            text(&entry["downloadUrl"]),
            format!(
                "http://localhost/p/{p}/sp/{p}00/playManifest/entryId/{id}/format/download/\
                 protocol/http/flavorParamIds/0",
                p = app.partner.id,
                id = text(&entry["id"])
            )
        );

        assert_eq!(whole.status, StatusCode::OK);
        assert_eq!(whole.body.as_ref(), bytes.as_slice());
        assert_eq!(whole.header("content-length"), "100");
        assert_eq!(whole.header("accept-ranges"), "bytes");
        assert_eq!(whole.header("content-type"), "video/mp4");
        assert_eq!(
            whole.header("content-disposition"),
            "attachment; filename=\"clip.mp4\""
        );

        assert_eq!(first_ten.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(first_ten.body.as_ref(), &bytes[0..10]);
        assert_eq!(first_ten.header("content-range"), "bytes 0-9/100");
        assert_eq!(first_ten.header("content-length"), "10");

        assert_eq!(last_five.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(last_five.body.as_ref(), &bytes[95..100]);
        assert_eq!(last_five.header("content-range"), "bytes 95-99/100");

        assert_eq!(past_end.status, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(past_end.header("content-range"), "bytes */100");
        assert!(past_end.body.is_empty());

        assert_eq!(two.status, StatusCode::PARTIAL_CONTENT);
        let content_type = two.header("content-type");
        let boundary = content_type
            .strip_prefix("multipart/byteranges; boundary=")
            .unwrap_or_else(|| panic!("two ranges answer multipart/byteranges: {content_type}"));
        let part = |range: &str, body: &[u8]| {
            let mut part = format!(
                "\r\n--{boundary}\r\nContent-Type: video/mp4\r\nContent-Range: bytes \
                    {range}/100\r\n\r\n"
            )
            .into_bytes();
            part.extend_from_slice(body);
            part
        };
        let mut expected = part("0-1", &bytes[0..2]);
        expected.extend(part("10-12", &bytes[10..13]));
        expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        assert_eq!(two.body.as_ref(), expected.as_slice());
        assert_eq!(two.header("content-length"), expected.len().to_string());
    })
    .await;
}

#[tokio::test]
async fn a_user_who_may_not_see_the_entry_gets_404_and_no_bytes() {
    on_each_backend("api_playback_entitlement", |db| async move {
        // Arrange: Alice's entry is in no category, so outside the default context only she
        // may see it.
        let app = TestApp::new(&db).await;
        let alice = app.ks(0, "alice", "privacycontext:Portal").await;
        let bob = app.ks(0, "bob", "privacycontext:Portal").await;
        let bytes = media_bytes();
        let entry = app.entry_with_content(&alice, &bytes).await;
        let path = download_path(&entry);

        // Act
        let as_bob = app
            .get(
                &format!("{path}?ks={}", query_ks(&bob)),
                &[("range", "bytes=0-9")],
            )
            .await;
        let as_alice = app
            .get(
                &format!("{path}?ks={}", query_ks(&alice)),
                &[("range", "bytes=0-9")],
            )
            .await;
        let bad_ks = app.get(&format!("{path}?ks=not-a-ks"), &[]).await;
        let bob_get = app
            .call_json("media", "get", json!({"ks": bob, "entryId": entry["id"]}))
            .await;

        // Assert
        assert_eq!(as_bob.status, StatusCode::NOT_FOUND);
        assert_eq!(as_bob.text(), "ENTRY_ID_NOT_FOUND");
        assert!(as_bob.headers.get("content-range").is_none());
        assert_eq!(as_alice.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(as_alice.body.as_ref(), &bytes[0..10]);
        assert_eq!(bad_ks.status, StatusCode::FORBIDDEN);
        assert_eq!(bad_ks.text(), "INVALID_KS");
        assert_eq!(
            bob_get["code"], "ENTRY_ID_NOT_FOUND",
            "the API agrees: {bob_get}"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Request ids and the real server
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_response_has_a_request_id_the_callers_own_when_it_is_well_formed() {
    on_each_backend("api_request_id", |db| async move {
        let app = TestApp::new(&db).await;

        let first = app.get("/healthz", &[]).await;
        let second = app.get("/api_v3/service/system/action/ping", &[]).await;
        let given = app.get("/healthz", &[("x-request-id", "trace-42")]).await;
        let hostile = app
            .get("/healthz", &[("x-request-id", "no spaces; or=signs")])
            .await;
        let unmatched = app.get("/no/such/route", &[]).await;

        assert_ne!(first.header("x-request-id"), second.header("x-request-id"));
        assert_eq!(given.header("x-request-id"), "trace-42");
        let replaced = hostile.header("x-request-id");
        assert_eq!(replaced.len(), 12, "a malformed id is replaced: {replaced}");
        assert_eq!(unmatched.status, StatusCode::NOT_FOUND);
    })
    .await;
}

/// Reads an HTTP/1.1 response until the server closes the connection.
async fn read_to_close(stream: &mut tokio::net::TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .expect("the server answers and closes in time")
        .expect("the response can be read");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn the_server_stops_gracefully_and_finishes_the_request_in_flight() {
    on_each_backend("api_graceful_stop", |db| async move {
        // Arrange: a real server on a free port, and a request whose body is half sent.
        let data = TempDir::new("quad-serve");
        let config = ServeConfig {
            listen: "127.0.0.1:0".parse().expect("an address"),
            store: StoreConfig {
                data: data.path().to_path_buf(),
                database_url: Some(db.url.clone()),
                storage_url: Some(data.path().join("media").display().to_string()),
            },
            public_url: None,
            max_request_bytes: MAX_REQUEST_BYTES,
            max_upload_bytes: 1024 * 1024,
            database_connections: None,
            job_retry_seconds: 30,
            hls: false,
            send_timeout_seconds: 60,
            test_lms: false,
        };
        let media = MediaStorage::open(&config.store.storage_url(), &config.store.media_work())
            .await
            .expect("the media folder opens");
        let server = quad::start(&config, db.store.clone(), media)
            .await
            .expect("the server starts");
        let addr = server.addr;
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("the server accepts a connection");
        let body = "clientTag=inflight";
        let head = format!(
            "POST /api_v3/service/system/action/ping?format=1 HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream
            .write_all(format!("{head}{}", &body[..9]).as_bytes())
            .await
            .expect("the head is sent");
        tokio::time::sleep(Duration::from_millis(300)).await;

        // Act: stop the server while the request waits for the rest of its body.
        let stopping = tokio::spawn(server.stop());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let stopped_early = stopping.is_finished();
        stream
            .write_all(&body.as_bytes()[9..])
            .await
            .expect("the rest of the body is sent");
        let response = read_to_close(&mut stream).await;
        let stopped = tokio::time::timeout(Duration::from_secs(10), stopping)
            .await
            .expect("the server stops in time")
            .expect("the stop task ends");
        let after = tokio::net::TcpStream::connect(addr).await;

        // Assert
        assert!(!stopped_early, "the server waits for the request in flight");
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.ends_with("\r\n\r\ntrue"), "{response}");
        assert!(response.to_ascii_lowercase().contains("x-request-id: "));
        stopped.expect("the server stops cleanly");
        assert!(after.is_err(), "a stopped server accepts no connection");
    })
    .await;
}
