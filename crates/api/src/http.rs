//! The HTTP side of the API: `/api_v3/…` in every form clients use, bodies in every
//! encoding, and responses in the format asked for. API errors are always HTTP 200.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tokio::io::AsyncWriteExt;

use crate::call::{Api, Call, UploadedFile, establish};
use crate::error::ApiError;
use crate::multirequest;
use crate::params::{Fields, Param};
use crate::services;
use crate::wire::{self, Out};

/// What the request log line says about an API call, set by the handler.
#[derive(Debug, Clone)]
pub struct ApiOutcome {
    /// `service.action`, or `multirequest`.
    pub call: String,
    /// The error code of a refused call, for the log line's reason.
    pub refused: Option<&'static str>,
}

pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/api_v3", any(handle))
        .route("/api_v3/", any(handle))
        .route("/api_v3/{*rest}", any(handle))
        .layer(DefaultBodyLimit::disable())
        .with_state(api)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

async fn handle(State(api): State<Arc<Api>>, request: Request) -> Response {
    let started = Instant::now();
    if request.method() == Method::OPTIONS {
        return cors(StatusCode::NO_CONTENT.into_response());
    }
    let base_url = base_url(request.headers());
    let mut params = Param::default();
    let mut files = Vec::new();
    let path_and_query = request.uri().clone();

    let body_result = read_body(&api, request, &mut params, &mut files).await;
    if let Some(query) = path_and_query.query() {
        params.merge(flat_pairs(form_urlencoded::parse(query.as_bytes())));
    }
    params.merge(path_pairs(path_and_query.path()));

    let format = match params.get("format").and_then(Param::text).unwrap_or("2") {
        "1" => Ok(Format::Json),
        "2" | "" => Ok(Format::Xml),
        other => Err(ApiError::unknown_format(other)),
    };
    let service = name(&params, "service");
    let chosen = format.as_ref().map_or(Format::Xml, |f| *f);
    let (result, outcome) = match (body_result, format) {
        (Err(e), _) | (_, Err(e)) => {
            let outcome = ApiOutcome {
                call: service.clone(),
                refused: Some(e.code),
            };
            (Reply::One(Out::Error(e)), outcome)
        }
        (Ok(()), Ok(_)) if service == "multirequest" => {
            let results = run_multirequest(&api, &params, &files, &base_url).await;
            let refused = results.iter().find_map(|r| match r {
                Out::Error(e) => Some(e.code),
                _ => None,
            });
            (
                Reply::Many(results),
                ApiOutcome {
                    call: "multirequest".into(),
                    refused,
                },
            )
        }
        (Ok(()), Ok(_)) => {
            let action = name(&params, "action");
            let file_refs: Vec<&UploadedFile> = files.iter().collect();
            let out = run_one(&api, &service, &action, &params, file_refs, &base_url).await;
            let refused = match &out {
                Out::Error(e) => Some(e.code),
                _ => None,
            };
            (
                Reply::One(out),
                ApiOutcome {
                    call: format!("{service}.{action}"),
                    refused,
                },
            )
        }
    };
    for file in &files {
        let _ = tokio::fs::remove_file(&file.temp).await;
    }

    let seconds = started.elapsed().as_secs_f64();
    let mut response = render(result, chosen, seconds);
    response.extensions_mut().insert(outcome);
    cors(response)
}

enum Reply {
    One(Out),
    Many(Vec<Out>),
}

fn render(reply: Reply, format: Format, seconds: f64) -> Response {
    let (body, content_type) = match (reply, format) {
        (Reply::One(out), Format::Xml) => (wire::to_xml(&out, seconds), "text/xml; charset=utf-8"),
        (Reply::Many(outs), Format::Xml) => (
            wire::to_xml_multi(&outs, seconds),
            "text/xml; charset=utf-8",
        ),
        (Reply::One(out), Format::Json) => (wire::to_json(&out), "application/json"),
        (Reply::Many(outs), Format::Json) => (wire::to_json(&Out::Array(outs)), "application/json"),
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Lets pages on any origin call the API and read media URLs, and answers their preflights
/// for a day.
pub(crate) fn cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

/// The scheme and host the client used, for URLs in responses.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

fn name(params: &Param, key: &str) -> String {
    params
        .get(key)
        .and_then(Param::text)
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn flat_pairs<'a>(
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> Param {
    let mut params = Param::default();
    for (key, value) in pairs {
        params.set_flat(&key, &value);
    }
    params
}

/// `/api_v3/service/media/action/list/format/1` → service=media, action=list, format=1.
fn path_pairs(path: &str) -> Param {
    let rest = path
        .trim_start_matches('/')
        .strip_prefix("api_v3")
        .unwrap_or("");
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != "index.php")
        .map(percent_decode)
        .collect();
    let mut params = Param::default();
    for pair in segments.chunks(2) {
        if let [key, value] = pair {
            params.set_flat(key, value);
        }
    }
    params
}

fn percent_decode(segment: &str) -> String {
    form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Reads the body into `params`, writing uploaded files to temporary files.
async fn read_body(
    api: &Api,
    request: Request,
    params: &mut Param,
    files: &mut Vec<UploadedFile>,
) -> Result<(), ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return read_multipart(api, request, params, files).await;
    }
    let limit = api.config.max_request_bytes;
    let body = to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::body_too_large(limit))?;
    if body.is_empty() {
        return Ok(());
    }
    let trimmed = body.trim_ascii();
    if content_type.starts_with("application/json")
        || (trimmed.starts_with(b"{") && trimmed.ends_with(b"}"))
    {
        let json: serde_json::Value = serde_json::from_slice(trimmed)
            .map_err(|_| ApiError::bad_request("the JSON body is malformed"))?;
        if !json.is_object() {
            return Err(ApiError::bad_request("the JSON body must be an object"));
        }
        params.merge(Param::from_json(json));
    } else {
        params.merge(flat_pairs(form_urlencoded::parse(&body)));
    }
    Ok(())
}

async fn read_multipart(
    api: &Api,
    request: Request,
    params: &mut Param,
    files: &mut Vec<UploadedFile>,
) -> Result<(), ApiError> {
    let bad = |_| ApiError::bad_request("the multipart body is malformed");
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|_| ApiError::bad_request("not a multipart body"))?;
    let mut form = Param::default();
    let mut json = None;
    let text_limit = api.config.max_request_bytes;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let field_name = field.name().unwrap_or("").to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let temp = api
                .media
                .temp_path(&format!("upload-{}", quad_store::random_token(16)));
            let mut out = tokio::fs::File::create(&temp)
                .await
                .map_err(|_| ApiError::internal())?;
            let mut size: u64 = 0;
            // The file is registered before it is written so that it is removed on failure.
            files.push(UploadedFile {
                path: crate::params::split_key(&field_name),
                file_name,
                temp,
                size: 0,
            });
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                size += chunk.len() as u64;
                if size > api.config.max_upload_bytes {
                    return Err(ApiError::upload_too_large(api.config.max_upload_bytes));
                }
                out.write_all(&chunk)
                    .await
                    .map_err(|_| ApiError::internal())?;
            }
            out.flush().await.map_err(|_| ApiError::internal())?;
            if let Some(file) = files.last_mut() {
                file.size = size;
            }
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            text.extend_from_slice(&chunk);
            if text.len() > text_limit {
                return Err(ApiError::body_too_large(text_limit));
            }
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        if field_name == "json" {
            json = Some(text);
        } else {
            form.set_flat(&field_name, &text);
        }
    }
    match json {
        Some(text) => {
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|_| ApiError::bad_request("the json part is malformed"))?;
            params.merge(Param::from_json(value));
        }
        None => params.merge(form),
    }
    Ok(())
}

/// Runs one call: establishes the session, checks the action, runs the service, and
/// applies the response profile.
async fn run_one(
    api: &Api,
    service: &str,
    action: &str,
    params: &Param,
    files: Vec<&UploadedFile>,
    base_url: &str,
) -> Out {
    let now = quad_store::now();
    let ignore_ks = service == "session" && action == "start";
    let (partner, ks) = match establish(&api.store, params, ignore_ks, now).await {
        Ok(found) => found,
        Err(e) => return Out::Error(e),
    };
    let call = Call {
        api,
        service: service.to_owned(),
        action: action.to_owned(),
        partner,
        ks,
        base_url,
        files,
        now,
        origin: "api",
    };
    let fields = Fields::new("", params);
    let result = match services::check(&call) {
        Ok(()) => services::run(&call, &fields).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(mut out) => {
            apply_response_profile(&mut out, params);
            out
        }
        Err(e) => Out::Error(e),
    }
}

fn apply_response_profile(out: &mut Out, params: &Param) {
    let Some(profile) = params.get("responseProfile") else {
        return;
    };
    let Some(fields) = profile.get("fields").and_then(Param::text) else {
        return;
    };
    let names: Vec<String> = fields
        .split(',')
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    let include = profile.get("type").and_then(Param::text) != Some("2");
    out.apply_profile(&names, include);
}

async fn run_multirequest(
    api: &Api,
    params: &Param,
    files: &[UploadedFile],
    base_url: &str,
) -> Vec<Out> {
    let mut results: Vec<Out> = Vec::new();
    for (key, mut item) in multirequest::split(params) {
        multirequest::substitute(&mut item, &results);
        let service = name(&item, "service");
        let action = name(&item, "action");
        let mine: Vec<&UploadedFile> = files
            .iter()
            .filter(|f| f.path.first() == Some(&key))
            .collect();
        results.push(run_one(api, &service, &action, &item, mine, base_url).await);
    }
    results
}
