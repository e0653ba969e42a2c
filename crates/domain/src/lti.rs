//! LTI 1.1 launches: the OAuth 1.0a HMAC-SHA1 signature an LMS puts on a launch, the time
//! window it must fall in, and what a launch says (who, in which course, with which roles).
//! Nonces are remembered by the store; everything else is decided here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::channel::ChannelFields;

/// How far a launch's timestamp may be from the server's clock, either way.
pub const TIMESTAMP_WINDOW_SECONDS: i64 = 300;

/// Why a launch is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchRefusal {
    #[error("the launch is not signed with OAuth 1.0a HMAC-SHA1")]
    UnsupportedSignature,
    #[error("the launch names no consumer key this app knows")]
    UnknownConsumer,
    #[error("the launch's signature does not match")]
    BadSignature,
    #[error("the launch's timestamp is outside the allowed window")]
    StaleTimestamp,
    #[error("the launch's nonce was used before")]
    ReplayedNonce,
    #[error("the launch is missing {0}")]
    Missing(&'static str),
    #[error("the launch is not a basic LTI 1.1 launch")]
    NotALaunch,
    #[error("the launch names no usable user id")]
    NoUserId,
    #[error("the launch comes from a platform this app does not know")]
    UnknownPlatform,
    #[error("the launch names a deployment this app does not know")]
    UnknownDeployment,
    #[error("the launch answers no login this app started, or one already used")]
    UnknownLogin,
    #[error("the id_token is not signed with RS256")]
    UnsupportedAlgorithm,
    #[error("the id_token's signature does not match the platform's keys")]
    BadTokenSignature,
    #[error("the id_token was issued by another platform")]
    WrongIssuer,
    #[error("the id_token is meant for another client")]
    WrongAudience,
    #[error("the id_token has expired or is not valid yet")]
    OutsideLifetime,
    #[error("the id_token's nonce does not match the login")]
    WrongNonce,
    #[error("the launch is not an LTI 1.3.0 message")]
    UnsupportedVersion,
    #[error("the launch names no Quad page to open")]
    UnknownTarget,
}

/// RFC 5849 percent-encoding: everything but unreserved characters, upper-case hex.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The base string URI: scheme and host lower-case, default ports dropped, no query.
fn base_uri(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let Some((scheme, rest)) = without_query.split_once("://") else {
        return without_query.to_owned();
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = authority.to_ascii_lowercase();
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_owned(),
        _ => authority,
    };
    format!("{scheme}://{authority}{path}")
}

/// The signature base string of a request: method, URI and the sorted, encoded parameters
/// (query and form together), `oauth_signature` left out.
pub fn base_string(method: &str, url: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    pairs.sort();
    let joined = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(&base_uri(url)),
        percent_encode(&joined)
    )
}

/// The HMAC-SHA1 signature of a request with a consumer secret and no token secret.
pub fn sign(method: &str, url: &str, params: &[(String, String)], secret: &str) -> String {
    let key = format!("{}&", percent_encode(secret));
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(base_string(method, url, params).as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Checks a launch's signature and timestamp at time `now`. The caller then makes sure the
/// nonce was not used before, and only then trusts anything the launch says.
pub fn verify_signature(
    method: &str,
    url: &str,
    params: &[(String, String)],
    secret: &str,
    now: i64,
) -> Result<(), LaunchRefusal> {
    if param(params, "oauth_signature_method") != Some("HMAC-SHA1") {
        return Err(LaunchRefusal::UnsupportedSignature);
    }
    if param(params, "oauth_version").is_some_and(|v| v != "1.0") {
        return Err(LaunchRefusal::UnsupportedSignature);
    }
    let sent = param(params, "oauth_signature").ok_or(LaunchRefusal::BadSignature)?;
    let expected = sign(method, url, params, secret);
    let equal = expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if secret.is_empty() || !equal {
        return Err(LaunchRefusal::BadSignature);
    }
    let timestamp: i64 = param(params, "oauth_timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or(LaunchRefusal::StaleTimestamp)?;
    if (timestamp - now).abs() > TIMESTAMP_WINDOW_SECONDS {
        return Err(LaunchRefusal::StaleTimestamp);
    }
    if param(params, "oauth_nonce").is_none_or(str::is_empty) {
        return Err(LaunchRefusal::Missing("oauth_nonce"));
    }
    Ok(())
}

/// What a course's Media Gallery and its `InContext` category are: for the course's people
/// only, listed to them only, and taking media from members who may contribute.
pub fn course_category_fields() -> ChannelFields {
    ChannelFields {
        privacy: 3,
        appear_in_list: 3,
        contribution_policy: 2,
    }
}

/// The course a launch comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchCourse {
    pub context_id: String,
    pub title: String,
}

/// What a launch asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A basic launch of a resource link.
    Launch { resource_link_id: String },
    /// A request to pick media to embed and send a link to it back: an LTI 1.1 Content-Item
    /// request or an LTI 1.3 Deep Linking request. `data` is the LMS's, sent back as it came.
    Selection { return_url: String, data: String },
}

/// What a verified launch says, besides the user id (which the `hosted` mapping reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub message: Message,
    pub course: LaunchCourse,
    pub roles: Vec<String>,
    pub email: Option<String>,
    pub full_name: Option<String>,
}

impl Launch {
    /// The resource link of a basic launch; empty for a Content-Item request.
    pub fn resource_link_id(&self) -> &str {
        match &self.message {
            Message::Launch { resource_link_id } => resource_link_id,
            Message::Selection { .. } => "",
        }
    }
}

/// The media type of an LTI link, which a Content-Item request must accept.
pub const LTI_LINK_MEDIA_TYPE: &str = "application/vnd.ims.lti.v1.ltilink";

/// Reads a verified launch: a basic launch, or a Content-Item request that accepts LTI
/// links. Every Quad page inside an LMS belongs to a course, so a launch without
/// `context_id` is refused.
pub fn read_launch(params: &[(String, String)]) -> Result<Launch, LaunchRefusal> {
    let text = |name: &str| param(params, name).map(str::trim).filter(|v| !v.is_empty());
    if !matches!(text("lti_version"), Some("LTI-1p0" | "LTI-1p1")) {
        return Err(LaunchRefusal::NotALaunch);
    }
    let message = match text("lti_message_type") {
        Some("basic-lti-launch-request") => Message::Launch {
            resource_link_id: text("resource_link_id")
                .ok_or(LaunchRefusal::Missing("resource_link_id"))?
                .to_owned(),
        },
        Some("ContentItemSelectionRequest") => {
            let accepts = text("accept_media_types").unwrap_or_default();
            let links = accepts
                .split(',')
                .map(str::trim)
                .any(|t| t == LTI_LINK_MEDIA_TYPE || t == "*/*" || t == "application/*");
            if !links {
                return Err(LaunchRefusal::Missing("LTI links in accept_media_types"));
            }
            Message::Selection {
                return_url: text("content_item_return_url")
                    .ok_or(LaunchRefusal::Missing("content_item_return_url"))?
                    .to_owned(),
                data: param(params, "data").unwrap_or_default().to_owned(),
            }
        }
        _ => return Err(LaunchRefusal::NotALaunch),
    };
    let context_id = text("context_id").ok_or(LaunchRefusal::Missing("context_id"))?;
    let title = text("context_title")
        .or_else(|| text("context_label"))
        .unwrap_or(context_id);
    Ok(Launch {
        message,
        course: LaunchCourse {
            context_id: context_id.to_owned(),
            title: title.to_owned(),
        },
        roles: text("roles")
            .map(|r| {
                r.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        email: text("lis_person_contact_email_primary").map(str::to_owned),
        full_name: text("lis_person_name_full").map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_rfc_5849_example_signs_as_published() {
        // The worked example of RFC 5849 section 3.4.1, with its published base string.
        let params = pairs(&[
            ("b5", "=%3D"),
            ("a3", "a"),
            ("c@", ""),
            ("a2", "r b"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("c2", ""),
            ("a3", "2 q"),
        ]);
        let base = base_string("post", "HTTP://EXAMPLE.COM:80/request?b5=%3D%253D", &params);
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26\
             b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26\
             oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D\
             137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    fn signed(secret: &str, timestamp: i64) -> Vec<(String, String)> {
        let mut params = pairs(&[
            ("lti_message_type", "basic-lti-launch-request"),
            ("lti_version", "LTI-1p0"),
            ("resource_link_id", "link-1"),
            ("context_id", "BIO-101"),
            ("context_title", "Biology 101"),
            ("roles", "Instructor,urn:lti:role:ims/lis/TeachingAssistant"),
            ("user_id", "abc"),
            ("oauth_consumer_key", "key"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_version", "1.0"),
            ("oauth_nonce", "n-1"),
        ]);
        params.push(("oauth_timestamp".into(), timestamp.to_string()));
        let signature = sign(
            "POST",
            "https://video.example/canvas/lti/my-media",
            &params,
            secret,
        );
        params.push(("oauth_signature".into(), signature));
        params
    }

    const URL: &str = "https://video.example/canvas/lti/my-media";

    #[test]
    fn a_launch_signed_with_the_secret_is_accepted() {
        let params = signed("s3cret", 1_000_000);
        assert_eq!(
            verify_signature("POST", URL, &params, "s3cret", 1_000_010),
            Ok(())
        );
    }

    #[test]
    fn a_launch_signed_with_another_secret_is_refused() {
        let params = signed("other", 1_000_000);
        assert_eq!(
            verify_signature("POST", URL, &params, "s3cret", 1_000_000),
            Err(LaunchRefusal::BadSignature)
        );
    }

    #[test]
    fn a_changed_parameter_breaks_the_signature() {
        let mut params = signed("s3cret", 1_000_000);
        params[6].1 = "someone-else".into();
        assert_eq!(
            verify_signature("POST", URL, &params, "s3cret", 1_000_000),
            Err(LaunchRefusal::BadSignature)
        );
    }

    #[test]
    fn a_launch_outside_the_time_window_is_refused() {
        let params = signed("s3cret", 1_000_000);
        let late = 1_000_000 + TIMESTAMP_WINDOW_SECONDS + 1;
        assert_eq!(
            verify_signature("POST", URL, &params, "s3cret", late),
            Err(LaunchRefusal::StaleTimestamp)
        );
    }

    #[test]
    fn an_empty_secret_verifies_nothing() {
        let params = signed("", 1_000_000);
        assert_eq!(
            verify_signature("POST", URL, &params, "", 1_000_000),
            Err(LaunchRefusal::BadSignature)
        );
    }

    #[test]
    fn a_launch_names_its_course_and_roles() {
        let launch = read_launch(&signed("s", 0)).expect("a launch");
        assert_eq!(launch.course.context_id, "BIO-101");
        assert_eq!(launch.course.title, "Biology 101");
        assert_eq!(launch.roles.len(), 2);
    }

    #[test]
    fn a_content_item_request_names_where_to_send_the_choice() {
        let mut params: Vec<_> = signed("s", 0)
            .into_iter()
            .filter(|(k, _)| k != "lti_message_type" && k != "resource_link_id")
            .collect();
        params.extend(pairs(&[
            ("lti_message_type", "ContentItemSelectionRequest"),
            ("accept_media_types", "application/vnd.ims.lti.v1.ltilink"),
            ("content_item_return_url", "https://lms.example/return"),
            ("data", "opaque"),
        ]));
        let launch = read_launch(&params).expect("a request");
        assert_eq!(
            launch.message,
            Message::Selection {
                return_url: "https://lms.example/return".into(),
                data: "opaque".into()
            }
        );
        params.retain(|(k, _)| k != "accept_media_types");
        assert_eq!(
            read_launch(&params),
            Err(LaunchRefusal::Missing("LTI links in accept_media_types"))
        );
    }

    #[test]
    fn a_launch_without_a_course_is_refused() {
        let params: Vec<_> = signed("s", 0)
            .into_iter()
            .filter(|(k, _)| k != "context_id")
            .collect();
        assert_eq!(
            read_launch(&params),
            Err(LaunchRefusal::Missing("context_id"))
        );
    }
}
