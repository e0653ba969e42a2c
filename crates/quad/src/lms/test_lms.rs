//! A stand-in LMS for trying Quad without one: `quad demo` serves a page on its LMS app
//! with ready-signed LTI 1.1 launches into the demo course, as the instructor or a student.
//! It signs with the app's own secret, so only the demo serves it.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use quad_api::Api;
use quad_domain::app::AppKind;
use quad_domain::lti;
use quad_store::apps;

use crate::portal::error::PortalError;

/// One signed launch, as a form's hidden fields.
struct Launch {
    label: String,
    action: String,
    fields: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "test_lms.html")]
struct TestLmsPage {
    app_name: String,
    launches: Vec<Launch>,
}

const COURSE: (&str, &str) = ("BIO-101", "Biology 101");
const PEOPLE: [(&str, &str, &str); 2] = [
    ("lecturer", "Lena Lecturer", "Instructor"),
    ("student", "Sam Student", "Learner"),
];

/// A launch as the LMS would sign it; `extra` adds or overrides fields.
fn signed(
    key: &str,
    secret: &str,
    url: &str,
    user: (&str, &str, &str),
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let (id, name, role) = user;
    let mut fields: Vec<(String, String)> = [
        ("lti_message_type", "basic-lti-launch-request"),
        ("lti_version", "LTI-1p0"),
        ("resource_link_id", "test-lms-link"),
        ("context_id", COURSE.0),
        ("context_title", COURSE.1),
        ("user_id", id),
        ("lis_person_name_full", name),
        ("roles", role),
        ("oauth_consumer_key", key),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_version", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (name, value) in extra {
        fields.retain(|(k, _)| k != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    fields.push(("oauth_timestamp".to_owned(), quad_store::now().to_string()));
    fields.push(("oauth_nonce".to_owned(), quad_store::random_token(24)));
    let signature = lti::sign("POST", url, &fields, secret);
    fields.push(("oauth_signature".to_owned(), signature));
    fields
}

/// `GET test-lms`: a fresh signed launch per person and page, valid for five minutes.
pub async fn page(State(api): State<Arc<Api>>, Path(slug): Path<String>) -> Response {
    let found = match api.store.read().await {
        Ok(mut conn) => apps::by_slug(&mut conn, &slug).await.ok().flatten(),
        Err(_) => None,
    };
    let Some(app) = found.filter(|a| a.kind == AppKind::Kaf.as_str()) else {
        return PortalError::NotFound.into_response();
    };
    let mut launches = Vec::new();
    for person in PEOPLE {
        for (path, what) in [
            ("lti/my-media", "My Media"),
            ("lti/course-gallery", "the Media Gallery"),
        ] {
            let action = format!("{}/{path}", app.base_url);
            launches.push(Launch {
                label: format!("Open {what} as {} ({})", person.1, person.2.to_lowercase()),
                fields: signed(&app.lti11_key, &app.lti11_secret, &action, person, &[]),
                action,
            });
        }
    }
    let action = format!("{}/lti/browse-and-embed", app.base_url);
    let return_url = format!("{}/test-lms/return", app.base_url);
    let picker = [
        ("lti_message_type", "ContentItemSelectionRequest"),
        ("accept_media_types", lti::LTI_LINK_MEDIA_TYPE),
        ("accept_presentation_document_targets", "iframe"),
        ("content_item_return_url", return_url.as_str()),
        ("data", "test-lms"),
    ];
    launches.push(Launch {
        label: "Embed media from Quad as Lena Lecturer (instructor)".to_owned(),
        fields: signed(
            &app.lti11_key,
            &app.lti11_secret,
            &action,
            PEOPLE[0],
            &picker,
        ),
        action,
    });
    let page = TestLmsPage {
        app_name: app.name,
        launches,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => PortalError::Internal.into_response(),
    }
}

#[derive(Template)]
#[template(path = "test_lms_return.html")]
struct ReturnPage {
    title: String,
    entry_id: String,
    launches: Vec<Launch>,
}

/// `POST test-lms/return`: where the stand-in LMS receives the picker's answer. It checks
/// the answer's signature as an LMS would, then offers to open the new embed.
pub async fn returned(
    State(api): State<Arc<Api>>,
    Path(slug): Path<String>,
    body: String,
) -> Response {
    let params: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let found = match api.store.read().await {
        Ok(mut conn) => apps::by_slug(&mut conn, &slug).await.ok().flatten(),
        Err(_) => None,
    };
    let Some(app) = found.filter(|a| a.kind == AppKind::Kaf.as_str()) else {
        return PortalError::NotFound.into_response();
    };
    let url = format!("{}/test-lms/return", app.base_url);
    if let Err(refusal) =
        lti::verify_signature("POST", &url, &params, &app.lti11_secret, quad_store::now())
    {
        return PortalError::Forbidden(format!("The answer was refused: {refusal}."))
            .into_response();
    }
    let items = params
        .iter()
        .find(|(k, _)| k == "content_items")
        .and_then(|(_, v)| serde_json::from_str::<serde_json::Value>(v).ok());
    let item = items.as_ref().map(|i| &i["@graph"][0]);
    let Some(link) = item.and_then(|i| i["url"].as_str()) else {
        return PortalError::BadRequest("The answer holds no link.".to_owned()).into_response();
    };
    let entry_id = link.rsplit('/').next().unwrap_or_default().to_owned();
    let link_id = format!("test-lms-embed-{entry_id}");
    let launches = PEOPLE
        .iter()
        .map(|person| Launch {
            label: format!(
                "Open the embed as {} ({})",
                person.1,
                person.2.to_lowercase()
            ),
            fields: signed(
                &app.lti11_key,
                &app.lti11_secret,
                link,
                *person,
                &[("resource_link_id", link_id.as_str())],
            ),
            action: link.to_owned(),
        })
        .collect();
    let page = ReturnPage {
        title: item
            .and_then(|i| i["title"].as_str())
            .unwrap_or_default()
            .to_owned(),
        entry_id,
        launches,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => PortalError::Internal.into_response(),
    }
}
