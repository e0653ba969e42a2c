//! Identity: turning what an LMS launch or a login says about a person into the partner's
//! user id, and spotting people who appear under different ids in different apps.

use serde_json::Value;

use crate::user::UserId;

/// How a raw identifier becomes a user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    None,
    Lowercase,
    /// Removes this suffix (e.g. `@uni.example`), in any case, when present.
    StripDomain(String),
    /// Appends this suffix unless the value already ends with it.
    AddDomain(String),
}

impl Transform {
    /// Reads the `hosted.userIdTransform` and `hosted.userIdDomain` settings.
    pub fn from_settings(name: &str, domain: &str) -> Transform {
        match name {
            "lowercase" => Transform::Lowercase,
            "stripDomain" => Transform::StripDomain(domain.to_owned()),
            "addDomain" => Transform::AddDomain(domain.to_owned()),
            _ => Transform::None,
        }
    }

    /// Applies the transform and checks the result is a valid user id.
    pub fn apply(&self, raw: &str) -> Option<UserId> {
        let raw = raw.trim();
        let value = match self {
            Transform::None => raw.to_owned(),
            Transform::Lowercase => raw.to_lowercase(),
            Transform::StripDomain(suffix) => match strip_suffix_ignore_case(raw, suffix) {
                Some(stripped) if !suffix.is_empty() => stripped.to_owned(),
                _ => raw.to_owned(),
            },
            Transform::AddDomain(suffix) => {
                if strip_suffix_ignore_case(raw, suffix).is_some() {
                    raw.to_owned()
                } else {
                    format!("{raw}{suffix}")
                }
            }
        };
        UserId::parse(&value)
    }
}

/// `text` without `suffix` at its end, comparing ASCII case-insensitively.
fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

/// The user id of an LTI 1.1 launch: the parameter named by `hosted.ltiUserIdAttribute`.
pub fn lti11_user_id<'a>(
    attribute: &str,
    param: impl Fn(&str) -> Option<&'a str>,
    transform: &Transform,
) -> Option<UserId> {
    let name = if attribute.is_empty() {
        "user_id"
    } else {
        attribute
    };
    param(name)
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| transform.apply(v))
}

/// The user id of an LTI 1.3 launch: the claim named by `hosted.lti13UserIdClaim`, or a
/// property inside it named by `hosted.lti13UserIdClaimProperty`.
pub fn lti13_user_id(
    claims: &Value,
    claim: &str,
    property: &str,
    transform: &Transform,
) -> Option<UserId> {
    let claim = if claim.is_empty() { "sub" } else { claim };
    let mut value = claims.get(claim)?;
    if !property.is_empty() {
        value = value.get(property)?;
    }
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    transform.apply(&text)
}

/// What the identity report knows of one user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownUser {
    pub id: String,
    pub email: Option<String>,
    /// The apps this id has logged in through.
    pub apps: Vec<String>,
}

/// Why two user ids look like the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likeness {
    SameEmail,
    /// The same id but for letter case or a domain suffix (`jdoe`, `JDoe`, `jdoe@uni.example`).
    SameLocalPart,
}

/// The id with case and any `@domain` removed, which mismatched NetIDs usually share.
fn local_part(id: &str) -> String {
    id.split('@').next().unwrap_or(id).to_lowercase()
}

/// Pairs of user ids that probably belong to one person, where at least one of the two has
/// not been seen in every app the other has: the mismatches administrators need to fix.
pub fn suspected_duplicates(users: &[KnownUser]) -> Vec<(usize, usize, Likeness)> {
    let mut pairs = Vec::new();
    for (i, a) in users.iter().enumerate() {
        for (j, b) in users.iter().enumerate().skip(i + 1) {
            let same_email = match (&a.email, &b.email) {
                (Some(x), Some(y)) => !x.is_empty() && x.eq_ignore_ascii_case(y),
                _ => false,
            };
            let likeness = if same_email {
                Likeness::SameEmail
            } else if local_part(&a.id) == local_part(&b.id) {
                Likeness::SameLocalPart
            } else {
                continue;
            };
            let apps_differ = a.apps.iter().any(|app| !b.apps.contains(app))
                || b.apps.iter().any(|app| !a.apps.contains(app));
            if apps_differ {
                pairs.push((i, j, likeness));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(raw: &str) -> Option<String> {
        Some(raw.to_owned())
    }

    #[test]
    fn transforms_make_mismatched_netids_meet() {
        let strip = Transform::StripDomain("@uni.example".into());
        assert_eq!(
            strip.apply("jdoe@UNI.example").map(|u| u.to_string()),
            id("jdoe")
        );
        assert_eq!(strip.apply("jdoe").map(|u| u.to_string()), id("jdoe"));
        let add = Transform::AddDomain("@uni.example".into());
        assert_eq!(
            add.apply("jdoe").map(|u| u.to_string()),
            id("jdoe@uni.example")
        );
        assert_eq!(
            add.apply("jdoe@uni.example").map(|u| u.to_string()),
            id("jdoe@uni.example")
        );
        assert_eq!(
            Transform::Lowercase.apply("JDoe").map(|u| u.to_string()),
            id("jdoe")
        );
    }

    #[test]
    fn lti11_takes_the_configured_parameter() {
        let params = [("user_id", "9f3c-guid"), ("lis_person_sourcedid", "jdoe")];
        let lookup = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        let got = lti11_user_id("lis_person_sourcedid", lookup, &Transform::None);
        assert_eq!(got.map(|u| u.to_string()), id("jdoe"));
        assert_eq!(
            lti11_user_id("custom_missing", lookup, &Transform::None),
            None
        );
        assert_eq!(
            lti11_user_id("", lookup, &Transform::None).map(|u| u.to_string()),
            id("9f3c-guid")
        );
    }

    #[test]
    fn lti13_reads_a_claim_or_a_property_inside_it() {
        let lis = "https://purl.imsglobal.org/spec/lti/claim/lis";
        let claims = json!({"sub": "abc", lis: {"person_sourcedid": "jdoe"}});
        assert_eq!(
            lti13_user_id(&claims, "", "", &Transform::None).map(|u| u.to_string()),
            id("abc")
        );
        let nested = lti13_user_id(&claims, lis, "person_sourcedid", &Transform::None);
        assert_eq!(nested.map(|u| u.to_string()), id("jdoe"));
    }

    #[test]
    fn the_report_finds_ids_that_differ_by_case_domain_or_share_an_email() {
        let users = vec![
            KnownUser {
                id: "jdoe".into(),
                email: None,
                apps: vec!["portal".into()],
            },
            KnownUser {
                id: "JDoe@uni.example".into(),
                email: None,
                apps: vec!["canvas".into()],
            },
            KnownUser {
                id: "guid-1".into(),
                email: Some("ann@uni.example".into()),
                apps: vec!["canvas".into()],
            },
            KnownUser {
                id: "ann".into(),
                email: Some("ANN@uni.example".into()),
                apps: vec!["portal".into()],
            },
            KnownUser {
                id: "bob".into(),
                email: None,
                apps: vec!["portal".into(), "canvas".into()],
            },
        ];
        assert_eq!(
            suspected_duplicates(&users),
            vec![(0, 1, Likeness::SameLocalPart), (2, 3, Likeness::SameEmail)]
        );
    }
}
