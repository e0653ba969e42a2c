//! Roles: what an app's applicative role allows, and how LTI roles map onto an applicative
//! and a course role.

use crate::membership::PermissionLevel;

/// Applicative roles, from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AppRole {
    Anonymous,
    Viewer,
    PrivateOnly,
    Admin,
    UnmoderatedAdmin,
}

impl AppRole {
    pub fn parse(raw: &str) -> Option<AppRole> {
        match raw {
            "anonymousRole" => Some(AppRole::Anonymous),
            "viewerRole" => Some(AppRole::Viewer),
            "privateOnlyRole" => Some(AppRole::PrivateOnly),
            "adminRole" => Some(AppRole::Admin),
            "unmoderatedAdminRole" => Some(AppRole::UnmoderatedAdmin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AppRole::Anonymous => "anonymousRole",
            AppRole::Viewer => "viewerRole",
            AppRole::PrivateOnly => "privateOnlyRole",
            AppRole::Admin => "adminRole",
            AppRole::UnmoderatedAdmin => "unmoderatedAdminRole",
        }
    }

    /// My Media, uploading and publishing need at least `privateOnlyRole`.
    pub fn has_my_media(self) -> bool {
        self >= AppRole::PrivateOnly
    }

    pub fn may_upload(self) -> bool {
        self >= AppRole::PrivateOnly
    }

    pub fn may_publish(self) -> bool {
        self >= AppRole::PrivateOnly
    }

    pub fn is_admin(self) -> bool {
        self >= AppRole::Admin
    }

    /// Only `unmoderatedAdminRole` publishes to moderated categories without approval.
    pub fn bypasses_moderation(self) -> bool {
        self == AppRole::UnmoderatedAdmin
    }
}

/// One row of the `roles.ltiRoles` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    pub lti_role: String,
    pub app_role: AppRole,
    pub course_role: PermissionLevel,
}

/// A course role by the name the `roles.ltiRoles` setting uses.
pub fn course_role(name: &str) -> Option<PermissionLevel> {
    match name.to_ascii_uppercase().as_str() {
        "MANAGER" => Some(PermissionLevel::Manager),
        "MODERATOR" => Some(PermissionLevel::Moderator),
        "CONTRIBUTOR" => Some(PermissionLevel::Contributor),
        "MEMBER" => Some(PermissionLevel::Member),
        _ => None,
    }
}

/// The rows of a `roles.ltiRoles` value; rows naming an unknown role are left out.
pub fn rows_from_setting(value: &serde_json::Value) -> Vec<RoleRow> {
    value
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| {
                    Some(RoleRow {
                        lti_role: row["ltiRole"].as_str()?.to_owned(),
                        app_role: AppRole::parse(row["kmsRole"].as_str()?)?,
                        course_role: course_role(row["kmsContextualRole"].as_str()?)?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The short name of an LIS role, whatever vocabulary the LMS uses:
/// `urn:lti:role:ims/lis/Instructor`,
/// `http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`
/// and `Instructor` are all `Instructor`; `…membership/Instructor#TeachingAssistant` and
/// `urn:lti:role:ims/lis/TeachingAssistant` are `TeachingAssistant`.
pub fn short_role(role: &str) -> &str {
    let role = role.trim();
    let tail = role.rsplit('#').next().unwrap_or(role);
    tail.rsplit('/').next().unwrap_or(tail)
}

/// Maps a launch's LIS roles to an applicative and a course role: every matching row counts
/// and the highest of each wins. With no match, the `None` row applies; without one, the
/// launch gets no access (`anonymousRole`, no course role).
pub fn map_lti_roles(
    rows: &[RoleRow],
    launch_roles: &[&str],
) -> (AppRole, Option<PermissionLevel>) {
    let names: Vec<&str> = launch_roles.iter().map(|r| short_role(r)).collect();
    let matching: Vec<&RoleRow> = rows
        .iter()
        .filter(|row| names.iter().any(|n| n.eq_ignore_ascii_case(&row.lti_role)))
        .collect();
    let chosen: Vec<&RoleRow> = if matching.is_empty() {
        rows.iter()
            .filter(|r| r.lti_role.eq_ignore_ascii_case("None"))
            .collect()
    } else {
        matching
    };
    let app = chosen
        .iter()
        .map(|r| r.app_role)
        .max()
        .unwrap_or(AppRole::Anonymous);
    // A lower PermissionLevel value is a stronger role.
    let course = chosen.iter().map(|r| r.course_role).min();
    (app, course)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(lti: &str, app: AppRole, course: PermissionLevel) -> RoleRow {
        RoleRow {
            lti_role: lti.into(),
            app_role: app,
            course_role: course,
        }
    }

    fn rows() -> Vec<RoleRow> {
        vec![
            row(
                "Learner",
                AppRole::PrivateOnly,
                PermissionLevel::Contributor,
            ),
            row("Instructor", AppRole::PrivateOnly, PermissionLevel::Manager),
            row(
                "TeachingAssistant",
                AppRole::PrivateOnly,
                PermissionLevel::Moderator,
            ),
            row("None", AppRole::Viewer, PermissionLevel::Member),
        ]
    }

    #[test]
    fn role_vocabularies_reduce_to_the_short_name() {
        assert_eq!(short_role("urn:lti:role:ims/lis/Instructor"), "Instructor");
        assert_eq!(
            short_role("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"),
            "Learner"
        );
        assert_eq!(
            short_role(
                "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
            ),
            "TeachingAssistant"
        );
    }

    #[test]
    fn the_highest_matching_role_wins() {
        let (app, course) = map_lti_roles(&rows(), &["Learner", "urn:lti:role:ims/lis/Instructor"]);
        assert_eq!(
            (app, course),
            (AppRole::PrivateOnly, Some(PermissionLevel::Manager))
        );
    }

    #[test]
    fn unmapped_roles_fall_to_the_none_row() {
        let (app, course) = map_lti_roles(&rows(), &["urn:lti:role:ims/lis/Mentor"]);
        assert_eq!(
            (app, course),
            (AppRole::Viewer, Some(PermissionLevel::Member))
        );
        let without_none: Vec<RoleRow> = rows().into_iter().take(3).collect();
        assert_eq!(
            map_lti_roles(&without_none, &[]),
            (AppRole::Anonymous, None)
        );
    }

    #[test]
    fn viewers_get_no_my_media_and_only_unmoderated_admins_skip_moderation() {
        assert!(!AppRole::Viewer.has_my_media());
        assert!(AppRole::PrivateOnly.has_my_media());
        assert!(!AppRole::Admin.bypasses_moderation());
        assert!(AppRole::UnmoderatedAdmin.bypasses_moderation());
    }

    #[test]
    fn the_default_role_rows_read_from_the_setting() {
        let spec = crate::app::find("roles.ltiRoles").expect("setting");
        let rows = rows_from_setting(&spec.default_value());
        assert_eq!(rows.len(), 6);
        let (app, course) = map_lti_roles(&rows, &["urn:lti:role:ims/lis/Instructor"]);
        assert_eq!(
            (app, course),
            (AppRole::PrivateOnly, Some(PermissionLevel::Manager))
        );
        let (app, course) = map_lti_roles(&rows, &["urn:lti:role:ims/lis/Guest"]);
        assert_eq!(
            (app, course),
            (AppRole::Viewer, Some(PermissionLevel::Member))
        );
    }
}
