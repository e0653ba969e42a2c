//! Category membership: permission levels, what each allows, and inherited members.

use crate::category::{Inheritance, JoinPolicy};

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
    /// A stored membership, from its level and status codes, when both are known.
    pub fn from_codes(level: i64, status: i64) -> Option<Membership> {
        Some(Membership {
            level: PermissionLevel::from_code(level)?,
            status: MemberStatus::from_code(status)?,
        })
    }

    /// The level that counts for permission checks: only active memberships count.
    pub fn active_level(membership: Option<Membership>) -> Option<PermissionLevel> {
        membership
            .filter(|m| m.status == MemberStatus::Active)
            .map(|m| m.level)
    }
}

/// `KalturaUpdateMethodType`: whether a membership was set by hand or by a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMethod {
    Manual = 0,
    Automatic = 1,
}

impl UpdateMethod {
    pub fn from_code(code: i64) -> Option<UpdateMethod> {
        match code {
            0 => Some(UpdateMethod::Manual),
            1 => Some(UpdateMethod::Automatic),
            _ => None,
        }
    }
}

/// Whether an update may overwrite a stored membership. One set by hand is kept unless the
/// update says to override it, so that automatic syncs (an LMS launch refreshing roles)
/// never undo what a manager did. As in Kaltura, what the update itself calls its method
/// does not matter.
pub fn may_overwrite(stored: UpdateMethod, override_manual: bool) -> bool {
    override_manual || stored == UpdateMethod::Automatic
}

/// Whether the session may update or delete a category. Where entitlement is enforced only
/// the category's active managers may, admin sessions included, as in Kaltura.
pub fn may_manage_category(enforced: bool, caller_level: Option<PermissionLevel>) -> bool {
    !enforced || caller_level.is_some_and(PermissionLevel::may_manage)
}

/// Why a membership change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MembershipRefusal {
    #[error("the category does not let users join")]
    JoinNotAllowed,
    #[error("only the category's managers may manage its other members")]
    NotManager,
    #[error("the category's owner must stay an active manager")]
    OwnerMustStayManager,
}

/// Someone asking for a user to become a member of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinRequest {
    /// Whether entitlement is enforced for this session.
    pub enforced: bool,
    /// The caller's active level on the category, if any.
    pub caller_level: Option<PermissionLevel>,
    /// Whether the caller asks for themself.
    pub for_self: bool,
    /// The level asked for, if any.
    pub requested: Option<PermissionLevel>,
    pub default_level: PermissionLevel,
    pub join_policy: JoinPolicy,
}

/// Decides the level and status of a new membership. Without entitlement, or when a manager
/// asks, the member gets the level asked for (the category default otherwise) at once.
/// Anyone else may only ask for themself, and the join policy decides: automatic joins are
/// active, requests wait for a manager, and some categories take nobody. Joiners get the
/// default level whatever they asked for, so nobody can make themself a manager.
pub fn admit(req: &JoinRequest) -> Result<Membership, MembershipRefusal> {
    let manages = req.caller_level.is_some_and(PermissionLevel::may_manage);
    if !req.enforced || manages {
        return Ok(Membership {
            level: req.requested.unwrap_or(req.default_level),
            status: MemberStatus::Active,
        });
    }
    if !req.for_self {
        return Err(MembershipRefusal::NotManager);
    }
    let status = match req.join_policy {
        JoinPolicy::AutoJoin => MemberStatus::Active,
        JoinPolicy::RequestToJoin => MemberStatus::Pending,
        JoinPolicy::NotAllowed => return Err(MembershipRefusal::JoinNotAllowed),
    };
    Ok(Membership {
        level: req.default_level,
        status,
    })
}

/// A change to an existing membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    SetLevel(PermissionLevel),
    Activate,
    Deactivate,
    Remove,
}

/// Someone asking to change a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeRequest {
    /// Whether entitlement is enforced for this session.
    pub enforced: bool,
    /// The caller's active level on the category, if any.
    pub caller_level: Option<PermissionLevel>,
    /// Whether the membership is the caller's own.
    pub for_self: bool,
    /// Whether the membership is the category owner's.
    pub target_is_owner: bool,
    pub change: MemberChange,
}

/// Whether a membership may be changed. Where entitlement is enforced only managers change
/// memberships, except that anyone may leave a category; members cannot promote or
/// activate themselves. The owner's membership always stays an active manager, so that
/// every owned category keeps someone who can manage it.
pub fn may_change(req: &ChangeRequest) -> Result<(), MembershipRefusal> {
    let manages = req.caller_level.is_some_and(PermissionLevel::may_manage);
    let leaves = req.for_self && req.change == MemberChange::Remove;
    if req.enforced && !manages && !leaves {
        return Err(MembershipRefusal::NotManager);
    }
    let keeps_owner_managing = match req.change {
        MemberChange::SetLevel(level) => level.may_manage(),
        MemberChange::Activate => true,
        MemberChange::Deactivate | MemberChange::Remove => false,
    };
    if req.target_is_owner && !keeps_owner_managing {
        return Err(MembershipRefusal::OwnerMustStayManager);
    }
    Ok(())
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

    fn join(enforced: bool, caller: Option<PermissionLevel>, for_self: bool) -> JoinRequest {
        JoinRequest {
            enforced,
            caller_level: caller,
            for_self,
            requested: Some(PermissionLevel::Contributor),
            default_level: PermissionLevel::Member,
            join_policy: JoinPolicy::NotAllowed,
        }
    }

    #[test]
    fn without_entitlement_or_by_a_manager_members_join_at_the_asked_level() {
        let active_contributor = Ok(Membership {
            level: PermissionLevel::Contributor,
            status: MemberStatus::Active,
        });
        assert_eq!(admit(&join(false, None, false)), active_contributor);
        let by_manager = join(true, Some(PermissionLevel::Manager), false);
        assert_eq!(admit(&by_manager), active_contributor);
        let unasked = JoinRequest {
            requested: None,
            ..join(false, None, false)
        };
        assert_eq!(
            admit(&unasked).map(|m| m.level),
            Ok(PermissionLevel::Member)
        );
    }

    #[test]
    fn under_entitlement_others_join_only_themselves_by_the_join_policy() {
        let moderator = Some(PermissionLevel::Moderator);
        assert_eq!(
            admit(&join(true, moderator, false)),
            Err(MembershipRefusal::NotManager)
        );
        assert_eq!(
            admit(&join(true, None, true)),
            Err(MembershipRefusal::JoinNotAllowed)
        );
        let auto = JoinRequest {
            join_policy: JoinPolicy::AutoJoin,
            ..join(true, None, true)
        };
        assert_eq!(
            admit(&auto),
            Ok(Membership {
                level: PermissionLevel::Member,
                status: MemberStatus::Active,
            })
        );
        let request = JoinRequest {
            join_policy: JoinPolicy::RequestToJoin,
            ..auto
        };
        assert_eq!(admit(&request).map(|m| m.status), Ok(MemberStatus::Pending));
    }

    fn change(caller: Option<PermissionLevel>, for_self: bool, c: MemberChange) -> ChangeRequest {
        ChangeRequest {
            enforced: true,
            caller_level: caller,
            for_self,
            target_is_owner: false,
            change: c,
        }
    }

    #[test]
    fn under_entitlement_only_managers_change_members_but_anyone_may_leave() {
        let promote = MemberChange::SetLevel(PermissionLevel::Manager);
        let member = Some(PermissionLevel::Member);
        assert_eq!(
            may_change(&change(member, true, promote)),
            Err(MembershipRefusal::NotManager)
        );
        assert_eq!(
            may_change(&change(member, true, MemberChange::Activate)),
            Err(MembershipRefusal::NotManager)
        );
        assert_eq!(
            may_change(&change(member, false, MemberChange::Remove)),
            Err(MembershipRefusal::NotManager)
        );
        assert_eq!(
            may_change(&change(member, true, MemberChange::Remove)),
            Ok(())
        );
        let manager = Some(PermissionLevel::Manager);
        assert_eq!(may_change(&change(manager, false, promote)), Ok(()));
        let open = ChangeRequest {
            enforced: false,
            ..change(None, false, promote)
        };
        assert_eq!(may_change(&open), Ok(()));
    }

    #[test]
    fn the_owner_stays_an_active_manager() {
        let owner = |c: MemberChange| ChangeRequest {
            enforced: false,
            target_is_owner: true,
            ..change(None, false, c)
        };
        let demote = MemberChange::SetLevel(PermissionLevel::Member);
        for refused in [demote, MemberChange::Deactivate, MemberChange::Remove] {
            assert_eq!(
                may_change(&owner(refused)),
                Err(MembershipRefusal::OwnerMustStayManager)
            );
        }
        let keep = MemberChange::SetLevel(PermissionLevel::Manager);
        assert_eq!(may_change(&owner(keep)), Ok(()));
        assert_eq!(may_change(&owner(MemberChange::Activate)), Ok(()));
    }

    #[test]
    fn manual_memberships_are_overwritten_only_on_purpose() {
        assert!(!may_overwrite(UpdateMethod::Manual, false));
        assert!(may_overwrite(UpdateMethod::Manual, true));
        assert!(may_overwrite(UpdateMethod::Automatic, false));
    }

    #[test]
    fn only_managers_manage_categories_under_entitlement() {
        assert!(may_manage_category(false, None));
        assert!(!may_manage_category(true, None));
        assert!(!may_manage_category(true, Some(PermissionLevel::Moderator)));
        assert!(may_manage_category(true, Some(PermissionLevel::Manager)));
    }

    #[test]
    fn stored_codes_read_back_as_a_membership_only_when_both_are_known() {
        assert_eq!(
            Membership::from_codes(1, 1),
            Some(Membership {
                level: PermissionLevel::Moderator,
                status: MemberStatus::Active,
            })
        );
        assert_eq!(Membership::from_codes(9, 1), None);
        assert_eq!(Membership::from_codes(1, 9), None);
    }
}
