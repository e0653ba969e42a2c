//! Entries: their statuses and media types, and who may change them.

use crate::session::Session;
use crate::user::UserId;

/// `KalturaEntryStatus`, a string enum on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    ErrorImporting,
    ErrorConverting,
    Import,
    Preconvert,
    Ready,
    Deleted,
    Pending,
    Moderate,
    Blocked,
    NoContent,
}

impl EntryStatus {
    pub const ALL: [EntryStatus; 10] = [
        EntryStatus::ErrorImporting,
        EntryStatus::ErrorConverting,
        EntryStatus::Import,
        EntryStatus::Preconvert,
        EntryStatus::Ready,
        EntryStatus::Deleted,
        EntryStatus::Pending,
        EntryStatus::Moderate,
        EntryStatus::Blocked,
        EntryStatus::NoContent,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EntryStatus::ErrorImporting => "-2",
            EntryStatus::ErrorConverting => "-1",
            EntryStatus::Import => "0",
            EntryStatus::Preconvert => "1",
            EntryStatus::Ready => "2",
            EntryStatus::Deleted => "3",
            EntryStatus::Pending => "4",
            EntryStatus::Moderate => "5",
            EntryStatus::Blocked => "6",
            EntryStatus::NoContent => "7",
        }
    }

    pub fn from_code(code: &str) -> Option<EntryStatus> {
        EntryStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// `KalturaMediaType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Video,
    Image,
    Audio,
}

impl MediaType {
    pub fn code(self) -> i64 {
        match self {
            MediaType::Video => 1,
            MediaType::Image => 2,
            MediaType::Audio => 5,
        }
    }

    pub fn from_code(code: i64) -> Option<MediaType> {
        match code {
            1 => Some(MediaType::Video),
            2 => Some(MediaType::Image),
            5 => Some(MediaType::Audio),
            _ => None,
        }
    }
}

/// The people attached to an entry, as far as permission checks need them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryPeople {
    pub owner: Option<UserId>,
    pub editors: Vec<UserId>,
    pub publishers: Vec<UserId>,
    pub viewers: Vec<UserId>,
}

impl EntryPeople {
    fn is_owner(&self, user: &UserId) -> bool {
        self.owner.as_ref() == Some(user)
    }

    /// Owner or any kind of collaborator: the people whose My Media holds the entry.
    pub fn is_involved(&self, user: &UserId) -> bool {
        self.is_owner(user)
            || self.editors.contains(user)
            || self.publishers.contains(user)
            || self.viewers.contains(user)
    }
}

/// Whether a session may update, delete or add content to an entry (`@validateUser … edit`):
/// admins, the owner, co-editors, and sessions granted `edit:<id>` or `edit:*`.
pub fn may_edit(session: &Session, entry_id: &str, people: &EntryPeople) -> bool {
    if session.is_admin() || session.privileges.grants("edit", entry_id) {
        return true;
    }
    match session.user.as_ref() {
        Some(user) => people.is_owner(user) || people.editors.contains(user),
        None => false,
    }
}

/// Whether a session may change who co-edits and co-publishes: only the owner or an admin.
pub fn may_change_collaborators(session: &Session, people: &EntryPeople) -> bool {
    session.is_admin() || session.user.as_ref().is_some_and(|u| people.is_owner(u))
}

/// Whether a session may give an entry to another owner: admins, or a KS with `edituser`.
pub fn may_change_owner(session: &Session) -> bool {
    session.is_admin() || session.privileges.has("edituser")
}

/// Whether a session may act as co-publisher of the entry: owner, co-editor or co-publisher.
pub fn may_publish(session: &Session, people: &EntryPeople) -> bool {
    if session.is_admin() {
        return true;
    }
    session.user.as_ref().is_some_and(|u| {
        people.is_owner(u) || people.editors.contains(u) || people.publishers.contains(u)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Privileges, SessionType};

    fn user(id: &str) -> UserId {
        UserId::parse(id).expect("valid id")
    }

    fn user_session(id: &str, privileges: &str) -> Session {
        Session::new(
            SessionType::User,
            Some(user(id)),
            Privileges::parse(privileges),
        )
    }

    fn people() -> EntryPeople {
        EntryPeople {
            owner: Some(user("olga")),
            editors: vec![user("ed")],
            publishers: vec![user("pub")],
            viewers: vec![user("vic")],
        }
    }

    #[test]
    fn owner_and_co_editors_may_edit_others_may_not() {
        assert!(may_edit(&user_session("olga", ""), "0_a", &people()));
        assert!(may_edit(&user_session("ed", ""), "0_a", &people()));
        assert!(!may_edit(&user_session("pub", ""), "0_a", &people()));
        assert!(!may_edit(&user_session("vic", ""), "0_a", &people()));
    }

    #[test]
    fn edit_privilege_grants_editing_of_the_named_entry_only() {
        assert!(may_edit(&user_session("x", "edit:0_a"), "0_a", &people()));
        assert!(!may_edit(&user_session("x", "edit:0_b"), "0_a", &people()));
        assert!(may_edit(&user_session("x", "edit:*"), "0_a", &people()));
    }

    #[test]
    fn only_the_owner_changes_collaborators() {
        assert!(may_change_collaborators(
            &user_session("olga", ""),
            &people()
        ));
        assert!(!may_change_collaborators(
            &user_session("ed", ""),
            &people()
        ));
    }

    #[test]
    fn status_codes_round_trip() {
        for status in EntryStatus::ALL {
            assert_eq!(EntryStatus::from_code(status.code()), Some(status));
        }
    }
}
