//! Publishing: who may put an entry in a category, take it out, or moderate it.

use crate::category::ContributionPolicy;
use crate::entry::{EntryPeople, may_publish};
use crate::membership::PermissionLevel;
use crate::session::Session;

/// `KalturaCategoryEntryStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationStatus {
    Pending = 1,
    Active = 2,
    Deleted = 3,
    Rejected = 4,
}

impl PublicationStatus {
    pub fn from_code(code: i64) -> Option<PublicationStatus> {
        match code {
            1 => Some(PublicationStatus::Pending),
            2 => Some(PublicationStatus::Active),
            3 => Some(PublicationStatus::Deleted),
            4 => Some(PublicationStatus::Rejected),
            _ => None,
        }
    }
}

/// Why a publishing action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PublishRefusal {
    #[error("only the entry's owner, co-editors and co-publishers may publish it")]
    NotEntryPublisher,
    #[error("the user may not contribute to this category")]
    MayNotContribute,
    #[error(
        "only the entry's owner, co-editors, co-publishers or the category's managers may remove it"
    )]
    MayNotRemove,
    #[error("only the category's managers and moderators may moderate it")]
    MayNotModerate,
    #[error("the publication is not pending")]
    NotPending,
}

/// The category side of a publishing decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryPolicy {
    pub moderated: bool,
    pub contribution: ContributionPolicy,
}

/// Everything a publishing decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct PublishRequest<'a> {
    pub session: &'a Session,
    /// Whether entitlement is enforced for this session.
    pub enforced: bool,
    pub people: &'a EntryPeople,
    pub category: CategoryPolicy,
    /// The user's active permission level on the category, if any.
    pub level: Option<PermissionLevel>,
}

/// Decides whether an entry may be published to a category, and with which status.
///
/// The entry side: the session must be an admin, or the owner, a co-editor or a co-publisher
/// of the entry. The category side applies where entitlement is enforced: a category that
/// takes contributions from members only needs a manager or contributor, and a moderated one
/// holds the publication pending unless the user moderates it. A session carrying
/// `enablecategorymoderation` is held for moderation whoever it is.
pub fn publish(req: &PublishRequest<'_>) -> Result<PublicationStatus, PublishRefusal> {
    if !may_publish(req.session, req.people) {
        return Err(PublishRefusal::NotEntryPublisher);
    }
    let forced_moderation =
        req.category.moderated && req.session.privileges.has("enablecategorymoderation");
    if !req.enforced {
        return Ok(if forced_moderation {
            PublicationStatus::Pending
        } else {
            PublicationStatus::Active
        });
    }
    let members_only = req.category.contribution != ContributionPolicy::All;
    if members_only && !req.level.is_some_and(PermissionLevel::may_contribute) {
        return Err(PublishRefusal::MayNotContribute);
    }
    let moderator = req.level.is_some_and(PermissionLevel::may_moderate);
    if forced_moderation || (req.category.moderated && !moderator) {
        Ok(PublicationStatus::Pending)
    } else {
        Ok(PublicationStatus::Active)
    }
}

/// Whether a publication may be removed: by whoever may publish the entry, or by a manager
/// of the category.
pub fn unpublish(req: &PublishRequest<'_>) -> Result<(), PublishRefusal> {
    if may_publish(req.session, req.people) || req.level.is_some_and(PermissionLevel::may_manage) {
        return Ok(());
    }
    Err(PublishRefusal::MayNotRemove)
}

/// Whether a pending publication may be approved or rejected: where entitlement is enforced,
/// only by the category's managers and moderators.
pub fn moderate(
    enforced: bool,
    level: Option<PermissionLevel>,
    status: PublicationStatus,
) -> Result<(), PublishRefusal> {
    if status != PublicationStatus::Pending {
        return Err(PublishRefusal::NotPending);
    }
    if enforced && !level.is_some_and(PermissionLevel::may_moderate) {
        return Err(PublishRefusal::MayNotModerate);
    }
    Ok(())
}

/// The categories that making an entry private in an app removes it from: those under the
/// app's root, or, with `crossApplicationUnpublishing`, every one. Each publication is
/// given by the ids of its category's path, the category's own id last.
pub fn unpublish_targets(placed: &[Vec<i64>], app_root: i64, every_app: bool) -> Vec<i64> {
    placed
        .iter()
        .filter(|path| every_app || path.contains(&app_root))
        .filter_map(|path| path.last().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Privileges, SessionType};
    use crate::user::UserId;

    fn user(id: &str) -> UserId {
        UserId::parse(id).expect("valid id")
    }

    fn session(id: &str) -> Session {
        Session::new(SessionType::User, Some(user(id)), Privileges::default())
    }

    fn owned_by(id: &str) -> EntryPeople {
        EntryPeople {
            owner: Some(user(id)),
            ..Default::default()
        }
    }

    fn request<'a>(
        session: &'a Session,
        people: &'a EntryPeople,
        moderated: bool,
        contribution: ContributionPolicy,
        level: Option<PermissionLevel>,
    ) -> PublishRequest<'a> {
        PublishRequest {
            session,
            enforced: true,
            people,
            category: CategoryPolicy {
                moderated,
                contribution,
            },
            level,
        }
    }

    #[test]
    fn an_owner_publishes_to_an_open_category_at_once() {
        let (s, p) = (session("o"), owned_by("o"));
        let req = request(&s, &p, false, ContributionPolicy::All, None);
        assert_eq!(publish(&req), Ok(PublicationStatus::Active));
    }

    #[test]
    fn someone_elses_entry_cannot_be_published() {
        let (s, p) = (session("x"), owned_by("o"));
        let req = request(
            &s,
            &p,
            false,
            ContributionPolicy::All,
            Some(PermissionLevel::Manager),
        );
        assert_eq!(publish(&req), Err(PublishRefusal::NotEntryPublisher));
    }

    #[test]
    fn members_only_categories_need_contributors() {
        let (s, p) = (session("o"), owned_by("o"));
        let policy = ContributionPolicy::MembersWithContributionPermission;
        let member = request(&s, &p, false, policy, Some(PermissionLevel::Member));
        assert_eq!(publish(&member), Err(PublishRefusal::MayNotContribute));
        let contributor = request(&s, &p, false, policy, Some(PermissionLevel::Contributor));
        assert_eq!(publish(&contributor), Ok(PublicationStatus::Active));
    }

    #[test]
    fn moderated_categories_hold_publications_unless_the_user_moderates() {
        let (s, p) = (session("o"), owned_by("o"));
        let plain = request(&s, &p, true, ContributionPolicy::All, None);
        assert_eq!(publish(&plain), Ok(PublicationStatus::Pending));
        let moderator = request(
            &s,
            &p,
            true,
            ContributionPolicy::All,
            Some(PermissionLevel::Moderator),
        );
        assert_eq!(publish(&moderator), Ok(PublicationStatus::Active));
    }

    #[test]
    fn only_moderators_approve_and_only_pending_publications() {
        assert_eq!(
            moderate(
                true,
                Some(PermissionLevel::Member),
                PublicationStatus::Pending
            ),
            Err(PublishRefusal::MayNotModerate)
        );
        assert_eq!(
            moderate(
                true,
                Some(PermissionLevel::Moderator),
                PublicationStatus::Pending
            ),
            Ok(())
        );
        assert_eq!(
            moderate(false, None, PublicationStatus::Active),
            Err(PublishRefusal::NotPending)
        );
    }

    #[test]
    fn category_managers_may_remove_others_entries() {
        let (s, p) = (session("m"), owned_by("o"));
        let manager = request(
            &s,
            &p,
            false,
            ContributionPolicy::All,
            Some(PermissionLevel::Manager),
        );
        assert_eq!(unpublish(&manager), Ok(()));
        let stranger = request(&s, &p, false, ContributionPolicy::All, None);
        assert_eq!(unpublish(&stranger), Err(PublishRefusal::MayNotRemove));
    }

    #[test]
    fn making_private_removes_only_this_apps_publications_unless_every_app_is_asked() {
        let placed = vec![vec![1, 2, 5], vec![10, 11, 12], vec![1, 3]];
        assert_eq!(unpublish_targets(&placed, 1, false), vec![5, 3]);
        assert_eq!(unpublish_targets(&placed, 1, true), vec![5, 12, 3]);
        assert_eq!(unpublish_targets(&placed, 99, false), Vec::<i64>::new());
    }
}
