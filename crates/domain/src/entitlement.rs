//! Entitlement: which entries and categories a session may see.
//!
//! This is the one rule behind entry get and list, category get and list, and categoryEntry
//! list. The store turns the same rule into SQL for lists; its tests check that the SQL and
//! [`may_see_entry`] agree.

use crate::category::{AppearInList, Privacy};
use crate::entry::EntryPeople;
use crate::session::Session;
use crate::user::UserId;

/// What entitlement needs to know about the session asking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntitlementContext {
    /// Whether entitlement applies at all; when it does not, every live object is visible.
    pub enforced: bool,
    /// `None` for anonymous sessions.
    pub user: Option<UserId>,
    /// The session's privacy context; `None` is the default context, in which only categories
    /// without a context count.
    pub privacy_context: Option<String>,
    /// Entries named by `disableentitlementforentry`.
    pub bypass_entries: Vec<String>,
    /// A widget session (`widget:1`): an anonymous player on any page, which sees only what
    /// is published for anyone.
    pub widget: bool,
}

impl EntitlementContext {
    /// Derives the context from a session and the partner's default enforcement. As in
    /// Kaltura, `disableentitlement` turns enforcement off and `enableentitlement`, checked
    /// after it, turns it back on; admin sessions are enforced too unless they opt out.
    /// Only the privileges themselves count: `*` grants objects, not an entitlement switch.
    pub fn for_session(session: &Session, partner_default: bool) -> EntitlementContext {
        let p = &session.privileges;
        let mut enforced = partner_default;
        if p.names("disableentitlement") {
            enforced = false;
        }
        if p.names("enableentitlement") {
            enforced = true;
        }
        let widget = p.value("widget") == Some("1");
        EntitlementContext {
            // A widget session is never let past entitlement: it is handed to any page.
            enforced: enforced || widget,
            user: session.user.clone(),
            privacy_context: p.privacy_context().map(str::to_owned),
            bypass_entries: p.objects("disableentitlementforentry"),
            widget,
        }
    }

    /// What a request without any session sees, such as a media URL opened by a page: what
    /// a widget session sees.
    pub fn without_session() -> EntitlementContext {
        EntitlementContext {
            enforced: true,
            widget: true,
            ..EntitlementContext::default()
        }
    }

    /// Whether a category's effective contexts are the ones this session works in.
    pub fn context_matches(&self, category_contexts: &[String]) -> bool {
        match &self.privacy_context {
            Some(ctx) => category_contexts.iter().any(|c| c == ctx),
            None => category_contexts.is_empty(),
        }
    }
}

/// One publication of an entry, seen from the session asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationAccess {
    /// Only active publications grant visibility: a pending one waits for a moderator.
    pub active: bool,
    pub category_contexts: Vec<String>,
    pub privacy: Privacy,
    /// Whether the session's user is an active member (at any level) of the category,
    /// directly or through inheritance.
    pub viewer_is_member: bool,
}

/// What entitlement needs to know about an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryAccess<'a> {
    pub entry_id: &'a str,
    pub people: &'a EntryPeople,
    pub publications: &'a [PublicationAccess],
}

/// Whether a session may see an entry. In order, the entry is visible when:
/// 1. entitlement is not enforced;
/// 2. the session bypasses entitlement for this entry;
/// 3. the user owns it or collaborates on it (edit, publish or view);
/// 4. one of its active publications is in a category of the session's privacy context whose
///    privacy admits the user (anyone; any signed-in user; members);
/// 5. the session works in the default context and the entry has no active publication, as
///    an entry in no category is public there.
///
/// A widget session instead sees exactly the entries with an active publication in a
/// category open to anyone, in any privacy context: what a visitor of any app may watch.
pub fn may_see_entry(ctx: &EntitlementContext, entry: &EntryAccess<'_>) -> bool {
    if ctx.widget {
        return entry
            .publications
            .iter()
            .any(|p| p.active && p.privacy == Privacy::All);
    }
    if !ctx.enforced || ctx.bypass_entries.iter().any(|e| e == entry.entry_id) {
        return true;
    }
    if ctx
        .user
        .as_ref()
        .is_some_and(|u| entry.people.is_involved(u))
    {
        return true;
    }
    let mut active = entry.publications.iter().filter(|p| p.active).peekable();
    if ctx.privacy_context.is_none() && active.peek().is_none() {
        return true;
    }
    active.any(|p| ctx.context_matches(&p.category_contexts) && privacy_admits(ctx, p))
}

fn privacy_admits(ctx: &EntitlementContext, p: &PublicationAccess) -> bool {
    match p.privacy {
        Privacy::All => true,
        Privacy::AuthenticatedUsers => ctx.user.is_some(),
        Privacy::MembersOnly => p.viewer_is_member,
    }
}

/// What entitlement needs to know about a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryAccess<'a> {
    pub contexts: &'a [String],
    pub appear_in_list: AppearInList,
    /// Whether the user has a membership of the category (through inheritance), at any level
    /// and in any status but deleted.
    pub viewer_is_member: bool,
}

/// Whether a session may see a category: it must be of the session's privacy context, and
/// either listed for the whole partner or have the user among its members.
pub fn may_see_category(ctx: &EntitlementContext, category: &CategoryAccess<'_>) -> bool {
    if !ctx.enforced {
        return true;
    }
    ctx.context_matches(category.contexts)
        && (category.appear_in_list == AppearInList::PartnerOnly || category.viewer_is_member)
}

/// Which entries a list or count call ranges over before entitlement applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    /// Only the entries the user owns (none for an anonymous session).
    Owned(Option<UserId>),
    /// Every entry the session is entitled to.
    Entitled,
}

/// A user session without `list:*` lists only its own entries, unless the filter names
/// entries by id or reference, in which case entitlement alone decides.
pub fn list_scope(session: &Session, filter_names_entries: bool) -> ListScope {
    if session.may_list_others() || filter_names_entries {
        ListScope::Entitled
    } else {
        ListScope::Owned(session.user.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Privileges, SessionType};

    fn user(id: &str) -> UserId {
        UserId::parse(id).expect("valid id")
    }

    fn ctx(user_id: Option<&str>, context: Option<&str>) -> EntitlementContext {
        EntitlementContext {
            enforced: true,
            user: user_id.map(user),
            privacy_context: context.map(str::to_owned),
            bypass_entries: vec![],
            widget: false,
        }
    }

    fn publication(contexts: &[&str], privacy: Privacy, member: bool) -> PublicationAccess {
        PublicationAccess {
            active: true,
            category_contexts: contexts.iter().map(|c| c.to_string()).collect(),
            privacy,
            viewer_is_member: member,
        }
    }

    fn sees(ctx: &EntitlementContext, people: &EntryPeople, pubs: &[PublicationAccess]) -> bool {
        may_see_entry(
            ctx,
            &EntryAccess {
                entry_id: "0_e",
                people,
                publications: pubs,
            },
        )
    }

    #[test]
    fn a_widget_session_sees_only_what_is_published_for_anyone() {
        let widget = EntitlementContext {
            widget: true,
            ..ctx(None, None)
        };
        let people = EntryPeople::default();
        let sees = |publications: &[PublicationAccess]| {
            may_see_entry(
                &widget,
                &EntryAccess {
                    entry_id: "0_a",
                    people: &people,
                    publications,
                },
            )
        };

        assert!(
            !sees(&[]),
            "an entry in no category is not public to a widget"
        );
        assert!(sees(&[publication(&["portal"], Privacy::All, false)]));
        assert!(!sees(&[publication(
            &[],
            Privacy::AuthenticatedUsers,
            false
        )]));
        let mut pending = publication(&[], Privacy::All, false);
        pending.active = false;
        assert!(!sees(&[pending]), "a pending publication grants nothing");
    }

    #[test]
    fn widget_privileges_make_a_widget_session_that_entitlement_always_applies_to() {
        let session = Session::new(
            crate::SessionType::User,
            None,
            crate::Privileges::parse("view:*,widget:1,disableentitlement"),
        );

        let context = EntitlementContext::for_session(&session, false);

        assert!(context.widget && context.enforced);
    }

    #[test]
    fn owner_and_collaborators_always_see_their_entries() {
        let people = EntryPeople {
            owner: Some(user("o")),
            viewers: vec![user("v")],
            ..Default::default()
        };
        assert!(sees(&ctx(Some("o"), Some("Portal")), &people, &[]));
        assert!(sees(&ctx(Some("v"), Some("Portal")), &people, &[]));
        assert!(!sees(&ctx(Some("x"), Some("Portal")), &people, &[]));
    }

    #[test]
    fn an_entry_in_no_category_is_public_only_in_the_default_context() {
        let people = EntryPeople::default();
        assert!(sees(&ctx(Some("x"), None), &people, &[]));
        assert!(!sees(&ctx(Some("x"), Some("Portal")), &people, &[]));
    }

    #[test]
    fn category_privacy_decides_within_the_context() {
        let people = EntryPeople::default();
        let auth = [publication(&["Portal"], Privacy::AuthenticatedUsers, false)];
        assert!(sees(&ctx(Some("x"), Some("Portal")), &people, &auth));
        assert!(!sees(&ctx(None, Some("Portal")), &people, &auth));
        let members = [publication(&["Portal"], Privacy::MembersOnly, false)];
        assert!(!sees(&ctx(Some("x"), Some("Portal")), &people, &members));
        let as_member = [publication(&["Portal"], Privacy::MembersOnly, true)];
        assert!(sees(&ctx(Some("x"), Some("Portal")), &people, &as_member));
        assert!(!sees(&ctx(Some("x"), Some("Other")), &people, &as_member));
    }

    #[test]
    fn pending_publications_grant_nothing() {
        let mut p = publication(&["Portal"], Privacy::All, false);
        p.active = false;
        assert!(!sees(
            &ctx(Some("x"), Some("Portal")),
            &EntryPeople::default(),
            &[p]
        ));
    }

    #[test]
    fn disableentitlement_turns_enforcement_off_and_enable_wins() {
        let session =
            |privs: &str| Session::new(SessionType::Admin, None, Privileges::parse(privs));
        assert!(!EntitlementContext::for_session(&session("disableentitlement"), true).enforced);
        assert!(
            EntitlementContext::for_session(
                &session("disableentitlement,enableentitlement"),
                false
            )
            .enforced
        );
        assert!(EntitlementContext::for_session(&session(""), true).enforced);
    }

    #[test]
    fn a_star_session_does_not_switch_entitlement_off() {
        let session = Session::new(SessionType::User, Some(user("bob")), Privileges::parse("*"));
        assert!(EntitlementContext::for_session(&session, true).enforced);
    }

    #[test]
    fn hidden_categories_show_only_to_members() {
        let contexts = vec!["Portal".to_owned()];
        let hidden = CategoryAccess {
            contexts: &contexts,
            appear_in_list: AppearInList::CategoryMembersOnly,
            viewer_is_member: false,
        };
        assert!(!may_see_category(&ctx(Some("x"), Some("Portal")), &hidden));
        let as_member = CategoryAccess {
            viewer_is_member: true,
            ..hidden.clone()
        };
        assert!(may_see_category(
            &ctx(Some("x"), Some("Portal")),
            &as_member
        ));
        assert!(!may_see_category(&ctx(Some("x"), None), &as_member));
    }
}
