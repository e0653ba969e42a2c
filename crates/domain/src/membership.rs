//! Category membership: permission levels, what each allows, and inherited members.

use crate::category::Inheritance;

/// `KalturaCategoryUserPermissionLevel`, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PermissionLevel {
    Manager = 0,
    Moderator = 1,
    Contributor = 2,
    Member = 3,
    None = 4,
}

impl PermissionLevel {
    pub const ALL: [PermissionLevel; 5] = [
        PermissionLevel::Manager,
        PermissionLevel::Moderator,
        PermissionLevel::Contributor,
        PermissionLevel::Member,
        PermissionLevel::None,
    ];

    pub fn from_code(code: i64) -> Option<PermissionLevel> {
        PermissionLevel::ALL.into_iter().find(|l| *l as i64 == code)
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    /// The permission names Kaltura derives from a level.
    pub fn permission_names(self) -> &'static [&'static str] {
        match self {
            PermissionLevel::Manager => &[
                "CATEGORY_EDIT",
                "CATEGORY_MODERATE",
                "CATEGORY_CONTRIBUTE",
                "CATEGORY_VIEW",
            ],
            PermissionLevel::Moderator => &["CATEGORY_MODERATE", "CATEGORY_VIEW"],
            PermissionLevel::Contributor => &["CATEGORY_CONTRIBUTE", "CATEGORY_VIEW"],
            PermissionLevel::Member => &["CATEGORY_VIEW"],
            PermissionLevel::None => &[],
        }
    }

    pub fn may_contribute(self) -> bool {
        matches!(
            self,
            PermissionLevel::Manager | PermissionLevel::Contributor
        )
    }

    pub fn may_moderate(self) -> bool {
        matches!(self, PermissionLevel::Manager | PermissionLevel::Moderator)
    }

    pub fn may_manage(self) -> bool {
        self == PermissionLevel::Manager
    }
}

/// `KalturaCategoryUserStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    Active = 1,
    Pending = 2,
    NotActive = 3,
    Deleted = 4,
}

impl MemberStatus {
    pub fn from_code(code: i64) -> Option<MemberStatus> {
        match code {
            1 => Some(MemberStatus::Active),
            2 => Some(MemberStatus::Pending),
            3 => Some(MemberStatus::NotActive),
            4 => Some(MemberStatus::Deleted),
            _ => None,
        }
    }
}

/// A user's membership of a category, where one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub level: PermissionLevel,
    pub status: MemberStatus,
}

impl Membership {
    /// The level that counts for permission checks: only active memberships count.
    pub fn active_level(membership: Option<Membership>) -> Option<PermissionLevel> {
        membership
            .filter(|m| m.status == MemberStatus::Active)
            .map(|m| m.level)
    }
}

/// The category whose members apply to a category: itself when it manages its own members,
/// otherwise the inherited parent of its parent. `chain` lists the category's ancestors and
/// itself from the root down, each with its inheritance type.
pub fn inherited_parent(chain: &[(i64, Inheritance)]) -> Option<i64> {
    chain
        .iter()
        .rev()
        .find(|(_, inheritance)| *inheritance == Inheritance::Manual)
        .map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_do_everything_members_only_view() {
        assert!(PermissionLevel::Manager.may_contribute());
        assert!(PermissionLevel::Manager.may_moderate());
        assert!(!PermissionLevel::Moderator.may_contribute());
        assert!(PermissionLevel::Moderator.may_moderate());
        assert!(PermissionLevel::Contributor.may_contribute());
        assert!(!PermissionLevel::Member.may_contribute());
        assert_eq!(
            PermissionLevel::Member.permission_names(),
            &["CATEGORY_VIEW"]
        );
    }

    #[test]
    fn inheriting_categories_take_members_from_the_nearest_manual_ancestor() {
        let chain = [
            (1, Inheritance::Manual),
            (2, Inheritance::Manual),
            (3, Inheritance::Inherit),
        ];
        assert_eq!(inherited_parent(&chain), Some(2));
        assert_eq!(inherited_parent(&chain[..2]), Some(2));
    }

    #[test]
    fn pending_memberships_grant_nothing() {
        let pending = Membership {
            level: PermissionLevel::Manager,
            status: MemberStatus::Pending,
        };
        assert_eq!(Membership::active_level(Some(pending)), None);
    }
}
