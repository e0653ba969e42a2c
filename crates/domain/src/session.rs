//! Who is asking: a session's type, user and privileges, as a KS carries them.

use crate::user::UserId;

/// `KalturaSessionType`: 0 is a user session, 2 an admin one (the server treats any
/// type of 1 or more as admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionType {
    User,
    Admin,
}

impl SessionType {
    pub fn from_code(code: i64) -> Option<SessionType> {
        match code {
            0 => Some(SessionType::User),
            1..=2 => Some(SessionType::Admin),
            _ => None,
        }
    }

    pub fn code(self) -> i64 {
        match self {
            SessionType::User => 0,
            SessionType::Admin => 2,
        }
    }
}

/// The privileges string of a KS, parsed: `name` or `name:value`, comma-separated, where a
/// value may list several alternatives separated by `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Privileges {
    items: Vec<(String, String)>,
}

impl Privileges {
    pub fn parse(raw: &str) -> Privileges {
        let items = raw
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once(':') {
                Some((name, value)) => (name.trim().to_ascii_lowercase(), value.trim().to_owned()),
                None if p == "*" => ("all".to_owned(), "*".to_owned()),
                None => (p.to_ascii_lowercase(), String::new()),
            })
            .collect();
        Privileges { items }
    }

    /// Whether the privilege is present at all, with or without a value.
    pub fn has(&self, name: &str) -> bool {
        self.is_all() || self.items.iter().any(|(n, _)| n == name)
    }

    /// Whether this exact privilege was given, not counting `*`.
    pub fn names(&self, name: &str) -> bool {
        self.items.iter().any(|(n, _)| n == name)
    }

    fn is_all(&self) -> bool {
        self.items.iter().any(|(n, v)| n == "all" && v == "*")
    }

    /// The value of the last occurrence of a privilege, as KS v2 keeps only the last one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.items
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name:<object>` or `name:*` is granted for this object.
    pub fn grants(&self, name: &str, object: &str) -> bool {
        self.is_all()
            || self
                .items
                .iter()
                .filter(|(n, _)| n == name)
                .any(|(_, v)| v.split('/').any(|alt| alt == "*" || alt == object))
    }

    /// All the objects a privilege names, such as the entries of `disableentitlementforentry`.
    pub fn objects(&self, name: &str) -> Vec<String> {
        self.items
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split('/').map(str::to_owned))
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn privacy_context(&self) -> Option<&str> {
        self.value("privacycontext").filter(|v| !v.is_empty())
    }

    pub fn items(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// An established session: the facts permission checks need, free of any token format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub kind: SessionType,
    /// `None` for anonymous sessions (user id empty or `0`, as widget sessions have).
    pub user: Option<UserId>,
    pub privileges: Privileges,
}

impl Session {
    pub fn new(kind: SessionType, user: Option<UserId>, privileges: Privileges) -> Session {
        Session {
            kind,
            user,
            privileges,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.kind == SessionType::Admin
    }

    pub fn is_anonymous(&self) -> bool {
        self.user.is_none()
    }

    /// Whether the session acts for `user_id`: it is that user's own session, or an admin's.
    /// Reading a user's record and using their upload tokens need this.
    pub fn acts_for(&self, user_id: &str) -> bool {
        self.is_admin() || self.user.as_ref().is_some_and(|u| u.as_str() == user_id)
    }

    /// Whether a user session may list entries that are not its own (`list:*`).
    pub fn may_list_others(&self) -> bool {
        self.is_admin() || self.privileges.grants("list", "*")
    }
}

/// Maps the user id carried by a KS to a user, treating `""` and `"0"` as anonymous.
pub fn session_user(raw: &str) -> Option<UserId> {
    match raw {
        "" | "0" => None,
        other => UserId::parse(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileges_parse_names_values_and_alternatives() {
        let p = Privileges::parse("privacycontext:MediaSpace, enableentitlement,sview:0_a/0_b");
        assert_eq!(p.privacy_context(), Some("MediaSpace"));
        assert!(p.has("enableentitlement"));
        assert!(p.grants("sview", "0_b"));
        assert!(!p.grants("sview", "0_c"));
    }

    #[test]
    fn star_grants_everything() {
        let p = Privileges::parse("*");
        assert!(p.has("disableentitlement"));
        assert!(p.grants("edit", "0_x"));
    }

    #[test]
    fn the_last_occurrence_of_a_privilege_wins() {
        let p = Privileges::parse("privacycontext:A1234,privacycontext:B1234");
        assert_eq!(p.privacy_context(), Some("B1234"));
    }

    #[test]
    fn sessions_act_for_their_own_user_and_admins_for_anyone() {
        let bob = Session::new(
            SessionType::User,
            session_user("bob"),
            Privileges::default(),
        );
        let admin = Session::new(SessionType::Admin, None, Privileges::default());
        let anonymous = Session::new(SessionType::User, None, Privileges::default());
        assert!(bob.acts_for("bob"));
        assert!(!bob.acts_for("carol"));
        assert!(admin.acts_for("carol"));
        assert!(!anonymous.acts_for(""));
    }

    #[test]
    fn zero_and_empty_user_ids_are_anonymous() {
        assert_eq!(session_user("0"), None);
        assert_eq!(session_user(""), None);
        assert_eq!(
            session_user("bob").map(|u| u.to_string()),
            Some("bob".to_owned())
        );
    }
}
