//! LTI 1.3 launches: what an `id_token` whose signature the adapter has checked must say
//! before Quad trusts it (issuer, audience, lifetime, nonce, deployment, version, message
//! type), what it says, and the claims of the Deep Linking response Quad signs in return.

use serde_json::{Value, json};

use crate::lti::{Launch, LaunchCourse, LaunchRefusal, Message};

/// The only LTI version these messages may carry.
pub const VERSION: &str = "1.3.0";

/// The prefix of the LTI claims.
pub const LTI_CLAIM: &str = "https://purl.imsglobal.org/spec/lti/claim/";

/// The prefix of the Deep Linking claims.
pub const DEEP_LINKING_CLAIM: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/";

/// How far the platform's clock may be from the server's when reading `iat` and `exp`.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// How long a Deep Linking response is valid for.
pub const RESPONSE_SECONDS: i64 = 300;

/// What the login and the registration say the token must be.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub deployment_ids: &'a [String],
    /// The nonce sent with the login this token answers.
    pub nonce: &'a str,
}

/// What a trusted `id_token` asks for, beyond the user id (which the `hosted` mapping
/// reads from the same claims).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLaunch {
    pub launch: Launch,
    pub deployment_id: String,
    pub target_link_uri: String,
    /// The entry a Deep Linking link points at, from its custom parameters.
    pub entry_id: Option<String>,
}

fn lti<'a>(claims: &'a Value, name: &str) -> Option<&'a Value> {
    claims.get(format!("{LTI_CLAIM}{name}"))
}

fn text(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Whether the token is meant for `client_id`: `aud` names it, and when `aud` names
/// several clients, `azp` says which one it is for.
fn meant_for(claims: &Value, client_id: &str) -> bool {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&client_id) {
        return false;
    }
    match text(claims.get("azp")) {
        Some(azp) => azp == client_id,
        None => audiences.len() == 1,
    }
}

fn within_lifetime(claims: &Value, now: i64) -> bool {
    let Some(expires) = claims.get("exp").and_then(Value::as_i64) else {
        return false;
    };
    let issued = claims.get("iat").and_then(Value::as_i64).unwrap_or(now);
    expires + CLOCK_SKEW_SECONDS >= now && issued - CLOCK_SKEW_SECONDS <= now
}

/// Reads the claims of an `id_token` whose signature has been verified with the keys of
/// the platform in `expected`. The checks follow the LTI 1.3 core specification's order:
/// issuer, audience, lifetime, nonce, then the LTI claims.
pub fn read_id_token(
    claims: &Value,
    expected: &Expected<'_>,
    now: i64,
) -> Result<TokenLaunch, LaunchRefusal> {
    if text(claims.get("iss")) != Some(expected.issuer) {
        return Err(LaunchRefusal::WrongIssuer);
    }
    if !meant_for(claims, expected.client_id) {
        return Err(LaunchRefusal::WrongAudience);
    }
    if !within_lifetime(claims, now) {
        return Err(LaunchRefusal::OutsideLifetime);
    }
    if expected.nonce.is_empty() || text(claims.get("nonce")) != Some(expected.nonce) {
        return Err(LaunchRefusal::WrongNonce);
    }
    if text(lti(claims, "version")) != Some(VERSION) {
        return Err(LaunchRefusal::UnsupportedVersion);
    }
    let deployment_id =
        text(lti(claims, "deployment_id")).ok_or(LaunchRefusal::Missing("a deployment_id"))?;
    if !expected.deployment_ids.iter().any(|d| d == deployment_id) {
        return Err(LaunchRefusal::UnknownDeployment);
    }
    let message = read_message(claims)?;
    let context = lti(claims, "context");
    let context_id =
        text(context.and_then(|c| c.get("id"))).ok_or(LaunchRefusal::Missing("a context id"))?;
    let title = text(context.and_then(|c| c.get("title")))
        .or_else(|| text(context.and_then(|c| c.get("label"))))
        .unwrap_or(context_id);
    let roles = lti(claims, "roles")
        .and_then(Value::as_array)
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| text(Some(r)))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let custom = lti(claims, "custom");
    Ok(TokenLaunch {
        launch: Launch {
            message,
            course: LaunchCourse {
                context_id: context_id.to_owned(),
                title: title.to_owned(),
            },
            roles,
            email: text(claims.get("email")).map(str::to_owned),
            full_name: text(claims.get("name")).map(str::to_owned),
        },
        deployment_id: deployment_id.to_owned(),
        target_link_uri: text(lti(claims, "target_link_uri"))
            .unwrap_or_default()
            .to_owned(),
        entry_id: text(custom.and_then(|c| c.get("entry_id"))).map(str::to_owned),
    })
}

fn read_message(claims: &Value) -> Result<Message, LaunchRefusal> {
    match text(lti(claims, "message_type")) {
        Some("LtiResourceLinkRequest") => {
            let link = lti(claims, "resource_link").and_then(|l| l.get("id"));
            Ok(Message::Launch {
                resource_link_id: text(link)
                    .ok_or(LaunchRefusal::Missing("a resource link id"))?
                    .to_owned(),
            })
        }
        Some("LtiDeepLinkingRequest") => {
            let settings = claims.get(format!("{DEEP_LINKING_CLAIM}deep_linking_settings"));
            let accepts_links = settings
                .and_then(|s| s.get("accept_types"))
                .and_then(Value::as_array)
                .is_some_and(|types| types.iter().any(|t| t == "ltiResourceLink"));
            if !accepts_links {
                return Err(LaunchRefusal::Missing("ltiResourceLink in accept_types"));
            }
            let return_url = text(settings.and_then(|s| s.get("deep_link_return_url")))
                .ok_or(LaunchRefusal::Missing("a deep_link_return_url"))?;
            // `data` is opaque and may be any JSON; it goes back exactly as it came.
            let data = match settings.and_then(|s| s.get("data")) {
                None | Some(Value::Null) => String::new(),
                Some(data) => data.to_string(),
            };
            Ok(Message::Selection {
                return_url: return_url.to_owned(),
                data,
            })
        }
        _ => Err(LaunchRefusal::NotALaunch),
    }
}

/// The entry a Deep Linking response links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceLink {
    pub url: String,
    pub title: String,
    pub text: String,
    pub entry_id: String,
}

/// Who sends a Deep Linking response to whom.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub client_id: &'a str,
    pub issuer: &'a str,
    pub deployment_id: &'a str,
    pub nonce: &'a str,
    /// The request's `data`, as `read_id_token` kept it.
    pub data: &'a str,
}

/// The claims of the signed `LtiDeepLinkingResponse` holding one `ltiResourceLink`.
pub fn deep_linking_response(answer: &Answer<'_>, link: &ResourceLink, now: i64) -> Value {
    let mut claims = json!({
        "iss": answer.client_id,
        "aud": answer.issuer,
        "iat": now,
        "exp": now + RESPONSE_SECONDS,
        "nonce": answer.nonce,
        format!("{LTI_CLAIM}message_type"): "LtiDeepLinkingResponse",
        format!("{LTI_CLAIM}version"): VERSION,
        format!("{LTI_CLAIM}deployment_id"): answer.deployment_id,
        format!("{DEEP_LINKING_CLAIM}content_items"): [{
            "type": "ltiResourceLink",
            "title": link.title,
            "text": link.text,
            "url": link.url,
            "custom": {"entry_id": link.entry_id},
            "iframe": {"width": 640, "height": 400},
        }],
    });
    if !answer.data.is_empty() {
        let data = serde_json::from_str(answer.data)
            .unwrap_or_else(|_| Value::String(answer.data.to_owned()));
        claims[format!("{DEEP_LINKING_CLAIM}data")] = data;
    }
    claims
}

/// What an administrator registers for a platform.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub deployment_ids: &'a [String],
    pub auth_url: &'a str,
    /// Empty when the key set is given by hand instead of fetched.
    pub jwks_url: &'a str,
    pub token_url: &'a str,
}

/// Why a registration cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{0} must be an http:// or https:// URL")]
    NotAUrl(&'static str),
    #[error("deployment ids may not contain commas or spaces")]
    BadDeployment,
}

fn is_web_url(url: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    })
}

/// Checks a registration before it is stored: every launch depends on it.
pub fn check_registration(r: &Registration<'_>) -> Result<(), RegistrationError> {
    if r.issuer.trim().is_empty() {
        return Err(RegistrationError::Missing("the issuer"));
    }
    if r.client_id.trim().is_empty() {
        return Err(RegistrationError::Missing("the client id"));
    }
    if r.deployment_ids.is_empty() {
        return Err(RegistrationError::Missing("a deployment id"));
    }
    if r.deployment_ids
        .iter()
        .any(|d| d.is_empty() || d.contains(',') || d.contains(char::is_whitespace))
    {
        return Err(RegistrationError::BadDeployment);
    }
    if !is_web_url(r.auth_url) {
        return Err(RegistrationError::NotAUrl("the authorization URL"));
    }
    if !r.jwks_url.is_empty() && !is_web_url(r.jwks_url) {
        return Err(RegistrationError::NotAUrl("the key set URL"));
    }
    if !r.token_url.is_empty() && !is_web_url(r.token_url) {
        return Err(RegistrationError::NotAUrl("the token URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://lms.example";
    const NOW: i64 = 1_800_000_000;

    fn deployments() -> Vec<String> {
        vec!["dep-1".into()]
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER,
            "aud": "client-1",
            "azp": "client-1",
            "sub": "u-42",
            "iat": NOW - 5,
            "exp": NOW + 300,
            "nonce": "n-1",
            "name": "Ada Lovelace",
            "email": "ada@example.edu",
            format!("{LTI_CLAIM}message_type"): "LtiResourceLinkRequest",
            format!("{LTI_CLAIM}version"): "1.3.0",
            format!("{LTI_CLAIM}deployment_id"): "dep-1",
            format!("{LTI_CLAIM}target_link_uri"): "https://video.example/canvas/lti13/my-media",
            format!("{LTI_CLAIM}resource_link"): {"id": "link-1"},
            format!("{LTI_CLAIM}context"): {"id": "BIO-101", "title": "Biology 101"},
            format!("{LTI_CLAIM}roles"): [
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
            ],
        })
    }

    fn read(claims: &Value) -> Result<TokenLaunch, LaunchRefusal> {
        let deployments = deployments();
        let expected = Expected {
            issuer: ISSUER,
            client_id: "client-1",
            deployment_ids: &deployments,
            nonce: "n-1",
        };
        read_id_token(claims, &expected, NOW)
    }

    #[test]
    fn a_resource_link_launch_names_its_course_roles_and_target() {
        let read = read(&claims()).expect("a launch");

        assert_eq!(
            read.launch.message,
            Message::Launch {
                resource_link_id: "link-1".into()
            }
        );
        assert_eq!(read.launch.course.title, "Biology 101");
        assert_eq!(read.launch.roles.len(), 1);
        assert_eq!(read.launch.full_name.as_deref(), Some("Ada Lovelace"));
        assert!(read.target_link_uri.ends_with("/lti13/my-media"));
        assert_eq!(read.deployment_id, "dep-1");
    }

    #[test]
    fn a_token_from_another_issuer_is_refused() {
        let mut claims = claims();
        claims["iss"] = json!("https://other.example");
        assert_eq!(read(&claims), Err(LaunchRefusal::WrongIssuer));
    }

    #[test]
    fn a_token_for_another_client_is_refused() {
        let mut claims = claims();
        claims["aud"] = json!("client-2");
        claims["azp"] = Value::Null;
        assert_eq!(read(&claims), Err(LaunchRefusal::WrongAudience));
    }

    #[test]
    fn several_audiences_need_azp_to_name_this_client() {
        let mut claims = claims();
        claims["aud"] = json!(["client-2", "client-1"]);
        claims.as_object_mut().map(|c| c.remove("azp"));
        assert_eq!(read(&claims), Err(LaunchRefusal::WrongAudience));

        claims["azp"] = json!("client-1");
        assert!(read(&claims).is_ok());
    }

    #[test]
    fn an_expired_token_is_refused_after_the_allowed_skew() {
        let mut claims = claims();
        claims["exp"] = json!(NOW - CLOCK_SKEW_SECONDS + 1);
        assert!(read(&claims).is_ok());

        claims["exp"] = json!(NOW - CLOCK_SKEW_SECONDS - 1);
        assert_eq!(read(&claims), Err(LaunchRefusal::OutsideLifetime));
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let mut claims = claims();
        claims["iat"] = json!(NOW + CLOCK_SKEW_SECONDS + 10);
        assert_eq!(read(&claims), Err(LaunchRefusal::OutsideLifetime));
    }

    #[test]
    fn a_token_without_expiry_is_refused() {
        let mut claims = claims();
        claims.as_object_mut().map(|c| c.remove("exp"));
        assert_eq!(read(&claims), Err(LaunchRefusal::OutsideLifetime));
    }

    #[test]
    fn a_token_answering_another_login_is_refused() {
        let mut claims = claims();
        claims["nonce"] = json!("n-2");
        assert_eq!(read(&claims), Err(LaunchRefusal::WrongNonce));
    }

    #[test]
    fn an_unknown_deployment_is_refused() {
        let mut claims = claims();
        claims[format!("{LTI_CLAIM}deployment_id")] = json!("dep-9");
        assert_eq!(read(&claims), Err(LaunchRefusal::UnknownDeployment));
    }

    #[test]
    fn another_lti_version_is_refused() {
        let mut claims = claims();
        claims[format!("{LTI_CLAIM}version")] = json!("1.1");
        assert_eq!(read(&claims), Err(LaunchRefusal::UnsupportedVersion));
    }

    #[test]
    fn a_launch_without_a_course_is_refused() {
        let mut claims = claims();
        claims
            .as_object_mut()
            .map(|c| c.remove(&format!("{LTI_CLAIM}context")));
        assert_eq!(read(&claims), Err(LaunchRefusal::Missing("a context id")));
    }

    #[test]
    fn an_unknown_message_type_is_refused() {
        let mut claims = claims();
        claims[format!("{LTI_CLAIM}message_type")] = json!("LtiSubmissionReviewRequest");
        assert_eq!(read(&claims), Err(LaunchRefusal::NotALaunch));
    }

    fn deep_linking_request(data: Value) -> Value {
        let mut claims = claims();
        claims[format!("{LTI_CLAIM}message_type")] = json!("LtiDeepLinkingRequest");
        claims
            .as_object_mut()
            .map(|c| c.remove(&format!("{LTI_CLAIM}resource_link")));
        claims[format!("{DEEP_LINKING_CLAIM}deep_linking_settings")] = json!({
            "deep_link_return_url": "https://lms.example/deep_links",
            "accept_types": ["link", "ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
            "data": data,
        });
        claims
    }

    #[test]
    fn a_deep_linking_request_names_where_to_send_the_link_and_keeps_its_data() {
        let read = read(&deep_linking_request(json!({"k": [1, 2]}))).expect("a request");

        assert_eq!(
            read.launch.message,
            Message::Selection {
                return_url: "https://lms.example/deep_links".into(),
                data: r#"{"k":[1,2]}"#.into(),
            }
        );
    }

    #[test]
    fn a_deep_linking_request_that_takes_no_resource_links_is_refused() {
        let mut claims = deep_linking_request(Value::Null);
        claims[format!("{DEEP_LINKING_CLAIM}deep_linking_settings")]["accept_types"] =
            json!(["html"]);
        assert_eq!(
            read(&claims),
            Err(LaunchRefusal::Missing("ltiResourceLink in accept_types"))
        );
    }

    #[test]
    fn a_registration_needs_a_deployment_and_web_urls() {
        let deployments = deployments();
        let good = Registration {
            issuer: ISSUER,
            client_id: "client-1",
            deployment_ids: &deployments,
            auth_url: "https://lms.example/auth",
            jwks_url: "https://lms.example/jwks",
            token_url: "",
        };
        assert_eq!(check_registration(&good), Ok(()));

        let none: Vec<String> = Vec::new();
        let without = Registration {
            deployment_ids: &none,
            ..good
        };
        assert_eq!(
            check_registration(&without),
            Err(RegistrationError::Missing("a deployment id"))
        );
        let bad_url = Registration {
            auth_url: "javascript:alert(1)",
            ..good
        };
        assert_eq!(
            check_registration(&bad_url),
            Err(RegistrationError::NotAUrl("the authorization URL"))
        );
    }

    #[test]
    fn the_response_links_the_entry_and_echoes_the_data() {
        let answer = Answer {
            client_id: "client-1",
            issuer: ISSUER,
            deployment_id: "dep-1",
            nonce: "r-1",
            data: r#"{"k":[1,2]}"#,
        };
        let link = ResourceLink {
            url: "https://video.example/canvas/lti13/embed/0_abc".into(),
            title: "Osmosis".into(),
            text: String::new(),
            entry_id: "0_abc".into(),
        };

        let claims = deep_linking_response(&answer, &link, NOW);

        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["aud"], ISSUER);
        assert_eq!(
            claims[format!("{LTI_CLAIM}message_type")],
            "LtiDeepLinkingResponse"
        );
        let item = &claims[format!("{DEEP_LINKING_CLAIM}content_items")][0];
        assert_eq!(item["type"], "ltiResourceLink");
        assert_eq!(item["custom"]["entry_id"], "0_abc");
        assert_eq!(
            claims[format!("{DEEP_LINKING_CLAIM}data")],
            json!({"k": [1, 2]})
        );
    }
}
