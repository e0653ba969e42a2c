//! Applications of a partner (the video portal and LMS apps) and their module settings:
//! every setting's name, type, default and meaning, and how a value typed by an
//! administrator is checked.

use serde_json::{Value, json};

/// The kind of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    /// The video portal, a web site of its own.
    Portal,
    /// An LMS app, launched over LTI.
    Kaf,
}

impl AppKind {
    pub fn parse(raw: &str) -> Option<AppKind> {
        match raw {
            "portal" => Some(AppKind::Portal),
            "kaf" => Some(AppKind::Kaf),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Portal => "portal",
            AppKind::Kaf => "kaf",
        }
    }
}

/// The type of a setting, which decides how a typed value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingType {
    Bool,
    Text,
    /// A secret: stored like text, never shown back in full.
    Secret,
    Int {
        min: i64,
        max: i64,
    },
    Choice(&'static [&'static str]),
    /// A JSON array of objects with the given keys.
    Rows(&'static [&'static str]),
    /// A comma-separated list of category ids.
    CategoryIds,
}

/// One module setting.
#[derive(Debug, Clone, Copy)]
pub struct SettingSpec {
    pub module: &'static str,
    pub name: &'static str,
    pub kind: SettingType,
    /// The default, as JSON text.
    pub default: &'static str,
    /// Which kinds of app the setting applies to.
    pub apps: &'static [AppKind],
    pub description: &'static str,
}

const BOTH: &[AppKind] = &[AppKind::Portal, AppKind::Kaf];
const PORTAL: &[AppKind] = &[AppKind::Portal];
const KAF: &[AppKind] = &[AppKind::Kaf];

/// Applicative roles, from least to most powerful.
pub const APPLICATIVE_ROLES: &[&str] = &[
    "anonymousRole",
    "viewerRole",
    "privateOnlyRole",
    "adminRole",
    "unmoderatedAdminRole",
];

/// Contextual (course) roles, from least to most powerful.
pub const CONTEXTUAL_ROLES: &[&str] = &["MEMBER", "CONTRIBUTOR", "MODERATOR", "MANAGER"];

/// Every module setting Quad knows.
pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        module: "auth",
        name: "method",
        kind: SettingType::Choice(&["local", "header", "sso"]),
        default: r#""local""#,
        apps: PORTAL,
        description: "How people log in to the portal: local passwords, a header set by a \
            trusted proxy, or a signed token from the institution's login gateway",
    },
    SettingSpec {
        module: "auth",
        name: "headerName",
        kind: SettingType::Text,
        default: r#""X-Remote-User""#,
        apps: PORTAL,
        description: "With method header: the request header whose value is the user id",
    },
    SettingSpec {
        module: "auth",
        name: "trustedProxies",
        kind: SettingType::Text,
        default: r#""127.0.0.1""#,
        apps: PORTAL,
        description: "With method header: comma-separated addresses of the proxies allowed to \
            set that header",
    },
    SettingSpec {
        module: "auth",
        name: "ssoSecret",
        kind: SettingType::Secret,
        default: r#""""#,
        apps: PORTAL,
        description: "With method sso: the secret shared with the login gateway that signs \
            login tokens",
    },
    SettingSpec {
        module: "auth",
        name: "ssoLoginUrl",
        kind: SettingType::Text,
        default: r#""""#,
        apps: PORTAL,
        description: "With method sso: where to send people to log in",
    },
    SettingSpec {
        module: "hosted",
        name: "ltiUserIdAttribute",
        kind: SettingType::Text,
        default: r#""user_id""#,
        apps: KAF,
        description: "The LTI 1.1 launch parameter that holds the user id (user_id, \
            lis_person_sourcedid, lis_person_contact_email_primary, custom_…)",
    },
    SettingSpec {
        module: "hosted",
        name: "lti13UserIdClaim",
        kind: SettingType::Text,
        default: r#""sub""#,
        apps: KAF,
        description: "The LTI 1.3 id_token claim that holds the user id",
    },
    SettingSpec {
        module: "hosted",
        name: "lti13UserIdClaimProperty",
        kind: SettingType::Text,
        default: r#""""#,
        apps: KAF,
        description: "A property inside that claim, when the claim is an object",
    },
    SettingSpec {
        module: "hosted",
        name: "userIdTransform",
        kind: SettingType::Choice(&["none", "lowercase", "stripDomain", "addDomain"]),
        default: r#""none""#,
        apps: KAF,
        description: "How the launch value becomes the user id, so that it matches the other \
            apps' ids",
    },
    SettingSpec {
        module: "hosted",
        name: "userIdDomain",
        kind: SettingType::Text,
        default: r#""""#,
        apps: KAF,
        description: "The domain suffix that stripDomain removes or addDomain appends (e.g. \
            @uni.example)",
    },
    SettingSpec {
        module: "roles",
        name: "defaultRole",
        kind: SettingType::Choice(APPLICATIVE_ROLES),
        default: r#""privateOnlyRole""#,
        apps: PORTAL,
        description: "The applicative role of people who log in to the portal and have no other \
            role",
    },
    SettingSpec {
        module: "roles",
        name: "ltiRoles",
        kind: SettingType::Rows(&["ltiRole", "kmsRole", "kmsContextualRole"]),
        default: concat!(
            r#"[{"ltiRole":"Learner","kmsRole":"privateOnlyRole","#,
            r#""kmsContextualRole":"CONTRIBUTOR"},"#,
            r#"{"ltiRole":"Instructor","kmsRole":"privateOnlyRole","#,
            r#""kmsContextualRole":"MANAGER"},"#,
            r#"{"ltiRole":"Administrator","kmsRole":"privateOnlyRole","#,
            r#""kmsContextualRole":"MANAGER"},"#,
            r#"{"ltiRole":"TeachingAssistant","kmsRole":"privateOnlyRole","#,
            r#""kmsContextualRole":"MODERATOR"},"#,
            r#"{"ltiRole":"ContentDeveloper","kmsRole":"privateOnlyRole","#,
            r#""kmsContextualRole":"MANAGER"},"#,
            r#"{"ltiRole":"None","kmsRole":"viewerRole","#,
            r#""kmsContextualRole":"MEMBER"}]"#,
        ),
        apps: KAF,
        description: "LTI role to applicative and course role; when several rows match, the \
            highest wins. The row None applies to launches with no mapped role",
    },
    SettingSpec {
        module: "categories",
        name: "showExternalPublish",
        kind: SettingType::Bool,
        default: "false",
        apps: BOTH,
        description: "Also show, under \"Published in\", where entries are published in the \
            external applications below",
    },
    SettingSpec {
        module: "categories",
        name: "externalApplications",
        kind: SettingType::Rows(&["applicationName", "applicationRootCategory", "type"]),
        default: "[]",
        apps: BOTH,
        description: "Other apps whose publications this app shows: their name as users see it, \
            their root category id, and type (MediaSpace, KAF application, other)",
    },
    SettingSpec {
        module: "publish",
        name: "crossApplicationUnpublishing",
        kind: SettingType::Bool,
        default: "false",
        apps: BOTH,
        description: "Making an entry private here also removes it from every other app's \
            categories",
    },
    SettingSpec {
        module: "publish",
        name: "defaultPublishStatusOnUpload",
        kind: SettingType::Choice(&["private", "published"]),
        default: r#""private""#,
        apps: BOTH,
        description: "Whether new uploads start private or published",
    },
    SettingSpec {
        module: "publish",
        name: "maxCategoriesPerEntry",
        kind: SettingType::Int { min: 1, max: 1000 },
        default: "100",
        apps: BOTH,
        description: "How many categories one entry may be published in",
    },
    SettingSpec {
        module: "browseandembed",
        name: "autoRepublish",
        kind: SettingType::Choice(&["Yes", "No", "RespectPrivate"]),
        default: r#""Yes""#,
        apps: KAF,
        description: "When a course member opens an embed of an entry not published in the \
            course: Yes re-publishes it, No shows a message, RespectPrivate re-publishes unless \
            the owner removed or hid it after the embed",
    },
    SettingSpec {
        module: "browseandembed",
        name: "allowEmbedFromMultipleCourses",
        kind: SettingType::Bool,
        default: "false",
        apps: KAF,
        description: "The embed picker also offers the galleries of the user's other courses",
    },
    SettingSpec {
        module: "recscheduling",
        name: "enabled",
        kind: SettingType::Bool,
        default: "false",
        apps: BOTH,
        description: "Lecture-capture scheduling is available in this app",
    },
    SettingSpec {
        module: "recscheduling",
        name: "allowedUsers",
        kind: SettingType::Text,
        default: r#""""#,
        apps: BOTH,
        description: "Comma-separated user ids who may schedule recordings",
    },
    SettingSpec {
        module: "recscheduling",
        name: "additionalRootCategories",
        kind: SettingType::CategoryIds,
        default: "[]",
        apps: BOTH,
        description: "Category ids outside this app's root that scheduled recordings may \
            publish to, e.g. LMS course galleries",
    },
];

/// Why a typed setting value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("unknown setting {0}; settings are named MODULE.SETTING")]
    Unknown(String),
    #[error("{setting} does not apply to {kind} apps")]
    NotForThisApp { setting: String, kind: &'static str },
    #[error("invalid value for {setting}: expected {expected}")]
    Invalid { setting: String, expected: String },
}

/// Finds a setting by `module.setting`.
pub fn find(qualified: &str) -> Option<&'static SettingSpec> {
    let (module, name) = qualified.split_once('.')?;
    SETTINGS
        .iter()
        .find(|s| s.module == module && s.name == name)
}

impl SettingSpec {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }

    pub fn default_value(&self) -> Value {
        serde_json::from_str(self.default).unwrap_or(Value::Null)
    }

    /// What a valid value looks like, for error messages and the admin pages.
    pub fn expected(&self) -> String {
        match self.kind {
            SettingType::Bool => "true or false (yes/no)".to_owned(),
            SettingType::Text | SettingType::Secret => "text".to_owned(),
            SettingType::Int { min, max } => format!("a whole number from {min} to {max}"),
            SettingType::Choice(values) => format!("one of {}", values.join(", ")),
            SettingType::Rows(keys) => format!("a JSON array of objects with {}", keys.join(", ")),
            SettingType::CategoryIds => "comma-separated category ids".to_owned(),
        }
    }

    /// A value as an administrator types it, so that `parse` reads it back unchanged.
    pub fn as_text(&self, value: &Value) -> String {
        match (self.kind, value) {
            (_, Value::String(text)) => text.clone(),
            (SettingType::CategoryIds, Value::Array(ids)) => ids
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(","),
            (_, other) => other.to_string(),
        }
    }

    /// Reads a value typed by an administrator.
    pub fn parse(&self, raw: &str) -> Result<Value, SettingError> {
        let invalid = || SettingError::Invalid {
            setting: self.qualified(),
            expected: self.expected(),
        };
        let raw = raw.trim();
        match self.kind {
            SettingType::Bool => match raw.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => Ok(Value::Bool(true)),
                "false" | "no" | "0" | "off" => Ok(Value::Bool(false)),
                _ => Err(invalid()),
            },
            SettingType::Text | SettingType::Secret => Ok(Value::String(raw.to_owned())),
            SettingType::Int { min, max } => {
                let n: i64 = raw.parse().map_err(|_| invalid())?;
                if (min..=max).contains(&n) {
                    Ok(json!(n))
                } else {
                    Err(invalid())
                }
            }
            SettingType::Choice(values) => values
                .iter()
                .find(|v| v.eq_ignore_ascii_case(raw))
                .map(|v| Value::String((*v).to_owned()))
                .ok_or_else(invalid),
            SettingType::Rows(keys) => {
                let rows: Value = serde_json::from_str(raw).map_err(|_| invalid())?;
                let items = rows.as_array().ok_or_else(invalid)?;
                let well_formed = items.iter().all(|row| {
                    row.as_object()
                        .is_some_and(|o| keys.iter().all(|k| o.contains_key(*k)))
                });
                if well_formed {
                    Ok(rows)
                } else {
                    Err(invalid())
                }
            }
            SettingType::CategoryIds => {
                let ids: Result<Vec<i64>, _> = raw
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::parse::<i64>)
                    .collect();
                ids.map(|ids| json!(ids)).map_err(|_| invalid())
            }
        }
    }
}

/// Checks and reads `module.setting = raw` for an app of the given kind.
pub fn parse_setting(
    kind: AppKind,
    qualified: &str,
    raw: &str,
) -> Result<(&'static SettingSpec, Value), SettingError> {
    let spec = find(qualified).ok_or_else(|| SettingError::Unknown(qualified.to_owned()))?;
    if !spec.apps.contains(&kind) {
        return Err(SettingError::NotForThisApp {
            setting: spec.qualified(),
            kind: kind.as_str(),
        });
    }
    Ok((spec, spec.parse(raw)?))
}

/// The settings of an app: the defaults of its kind, overlaid with what was set.
pub fn effective_settings(kind: AppKind, stored: &Value) -> Value {
    let mut modules = serde_json::Map::new();
    for spec in SETTINGS.iter().filter(|s| s.apps.contains(&kind)) {
        let value = stored
            .get(spec.module)
            .and_then(|m| m.get(spec.name))
            .cloned()
            .unwrap_or_else(|| spec.default_value());
        let module = modules.entry(spec.module).or_insert_with(|| json!({}));
        if let Some(map) = module.as_object_mut() {
            map.insert(spec.name.to_owned(), value);
        }
    }
    Value::Object(modules)
}

/// An app's slug: lower-case letters, digits and dashes, 2 to 40 long, starting with a letter.
pub fn valid_slug(slug: &str) -> bool {
    (2..=40).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A slug made from an app's name: "Canvas Prod" becomes `canvas-prod`.
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug
    } else {
        format!("app-{slug}")
    }
}

/// The category names of an app's tree below its root: a portal has galleries and
/// channels, an LMS app channels only (its course galleries go there).
pub fn tree_below_root(kind: AppKind) -> &'static [&'static str] {
    match kind {
        AppKind::Portal => &["galleries", "channels"],
        AppKind::Kaf => &["channels"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_parses_as_its_own_type() {
        for spec in SETTINGS {
            let default = spec.default_value();
            assert!(
                !default.is_null(),
                "{} has an unreadable default",
                spec.qualified()
            );
            let typed = match &default {
                Value::String(s) => s.clone(),
                Value::Array(items) if spec.kind == SettingType::CategoryIds => items
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            assert_eq!(spec.parse(&typed), Ok(default), "{}", spec.qualified());
        }
    }

    #[test]
    fn choices_are_checked_and_name_the_allowed_values() {
        let refused = parse_setting(AppKind::Kaf, "browseandembed.autoRepublish", "Maybe");
        let Err(SettingError::Invalid { expected, .. }) = refused else {
            panic!("expected a refusal, got {refused:?}");
        };
        assert_eq!(expected, "one of Yes, No, RespectPrivate");
        let (_, value) = parse_setting(
            AppKind::Kaf,
            "browseandembed.autoRepublish",
            "respectprivate",
        )
        .expect("valid");
        assert_eq!(value, json!("RespectPrivate"));
    }

    #[test]
    fn settings_of_the_other_kind_of_app_are_refused() {
        let refused = parse_setting(AppKind::Portal, "hosted.ltiUserIdAttribute", "user_id");
        assert!(matches!(refused, Err(SettingError::NotForThisApp { .. })));
        assert!(matches!(
            parse_setting(AppKind::Portal, "nope.x", "1"),
            Err(SettingError::Unknown(_))
        ));
    }

    #[test]
    fn external_applications_need_every_key() {
        let spec = find("categories.externalApplications").expect("known");
        let good = concat!(
            r#"[{"applicationName":"Canvas","applicationRootCategory":12,"#,
            r#""type":"KAF application"}]"#
        );
        assert!(spec.parse(good).is_ok());
        assert!(spec.parse(r#"[{"applicationName":"Canvas"}]"#).is_err());
        assert!(spec.parse("not json").is_err());
    }

    #[test]
    fn effective_settings_overlay_the_stored_values_on_the_defaults() {
        let stored = json!({"categories": {"showExternalPublish": true}});
        let settings = effective_settings(AppKind::Kaf, &stored);
        assert_eq!(settings["categories"]["showExternalPublish"], json!(true));
        assert_eq!(settings["browseandembed"]["autoRepublish"], json!("Yes"));
        assert!(settings.get("auth").is_none());
    }

    #[test]
    fn slugs_come_from_names() {
        assert_eq!(slug_from_name("Canvas Prod"), "canvas-prod");
        assert_eq!(slug_from_name("2024 Moodle!"), "app-2024-moodle");
        assert!(valid_slug("canvas-prod"));
        assert!(!valid_slug("Canvas"));
        assert!(!valid_slug("a"));
    }

    #[test]
    fn every_default_reads_back_from_its_text() {
        for spec in SETTINGS {
            let default = spec.default_value();
            assert_eq!(
                spec.parse(&spec.as_text(&default)),
                Ok(default),
                "{}",
                spec.qualified()
            );
        }
    }

    #[test]
    fn category_ids_are_typed_comma_separated() {
        let spec = find("recscheduling.additionalRootCategories").expect("setting");
        assert_eq!(spec.as_text(&json!([12, 40])), "12,40");
        assert_eq!(spec.parse("12, 40"), Ok(json!([12, 40])));
    }
}
