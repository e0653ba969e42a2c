//! Entitlement, checked against a reference model over random worlds.
//!
//! Each property builds a random world: a category forest with privacy contexts, privacy,
//! list visibility and member inheritance; category memberships; entries with an owner,
//! collaborators and publications; sessions with privileges; and the partner's default
//! enforcement. It then compares what the domain decides with what [`model`] decides.
//!
//! The model is the rules of `kaltura-api.md` §4.8, with Quad's product decisions from the
//! doc comment of `may_see_entry`, computed the long way from the raw world and the raw
//! privilege strings. It shares no code with the domain. The domain side goes through the
//! same public API the adapters use: `EntitlementContext::for_session`,
//! `category::effective_contexts` down each chain, `membership::inherited_parent`,
//! `Membership::active_level`, then `may_see_entry`, `may_see_category` and `list_scope`.

use proptest::prelude::*;
use proptest::sample::Index;
use quad_domain::category::{self, AppearInList, Inheritance};
use quad_domain::entitlement::{
    self, CategoryAccess, EntitlementContext, EntryAccess, ListScope, PublicationAccess,
};
use quad_domain::entry::EntryPeople;
use quad_domain::membership::{self, Membership};
use quad_domain::{
    MemberStatus, PermissionLevel, Privacy, Privileges, PublicationStatus, Session, SessionType,
    UserId,
};

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

/// The users of the partner. Worlds refer to them by index.
const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
/// The privacy-context labels categories carry.
const LABELS: [&str; 2] = ["Portal", "Kaf1"];
/// The contexts a session may ask for: the category labels and one that no category carries.
const SESSION_CONTEXTS: [&str; 5] = ["Portal", "Portal", "Kaf1", "Kaf1", "Nowhere"];
/// Ids a `disableentitlementforentry` privilege may name: the entries and one that is not.
const BYPASS_IDS: [&str; 4] = ["0_e0", "0_e1", "0_e2", "0_zz"];
const MAX_CATEGORIES: usize = 12;
const MAX_ENTRIES: usize = 6;
const CASES: u32 = 512;

#[derive(Debug, Clone)]
struct Category {
    /// Always an earlier category, so the forest has no loops.
    parent: Option<usize>,
    /// The category's own privacy-context labels, not counting its ancestors'.
    labels: Vec<&'static str>,
    privacy: Privacy,
    appear_in_list: AppearInList,
    /// Takes its members from its parent. Only ever true for a category with a parent.
    inherits: bool,
}

#[derive(Debug, Clone)]
struct Member {
    user: usize,
    category: usize,
    level: PermissionLevel,
    status: MemberStatus,
}

#[derive(Debug, Clone)]
struct Publication {
    category: usize,
    status: PublicationStatus,
}

#[derive(Debug, Clone)]
struct Entry {
    id: String,
    owner: Option<usize>,
    editors: Vec<usize>,
    publishers: Vec<usize>,
    viewers: Vec<usize>,
    publications: Vec<Publication>,
}

/// A session as the KS carries it: the privileges are the raw comma-separated items.
#[derive(Debug, Clone)]
struct Asker {
    user: Option<usize>,
    admin: bool,
    privileges: Vec<String>,
}

#[derive(Debug, Clone)]
struct World {
    categories: Vec<Category>,
    /// At most one membership per user and category.
    members: Vec<Member>,
    entries: Vec<Entry>,
    askers: Vec<Asker>,
    /// The partner's default entitlement enforcement.
    partner_default: bool,
}

impl World {
    /// Sets a user's membership of a category, replacing any there was.
    fn with_membership(&self, member: Member) -> World {
        let mut world = self.clone();
        world
            .members
            .retain(|m| (m.user, m.category) != (member.user, member.category));
        world.members.push(member);
        world
    }

    /// Keeps only the publications `keep` accepts.
    fn keeping_publications(&self, keep: impl Fn(&Publication) -> bool) -> World {
        let mut world = self.clone();
        for entry in &mut world.entries {
            entry.publications.retain(&keep);
        }
        world
    }

    /// Replaces every session's privileges by `change` of them.
    fn with_privileges(&self, change: impl Fn(&[String]) -> Vec<String>) -> World {
        let mut world = self.clone();
        for asker in &mut world.askers {
            asker.privileges = change(&asker.privileges);
        }
        world
    }
}

fn entry_id(index: usize) -> String {
    format!("0_e{index}")
}

fn user_id(user: usize) -> UserId {
    UserId::parse(USERS[user]).expect("the pool holds valid user ids")
}

// ---------------------------------------------------------------------------------------------
// Random worlds
// ---------------------------------------------------------------------------------------------

fn privacy() -> impl Strategy<Value = Privacy> {
    prop_oneof![
        1 => Just(Privacy::All),
        1 => Just(Privacy::AuthenticatedUsers),
        2 => Just(Privacy::MembersOnly),
    ]
}

fn appear_in_list() -> impl Strategy<Value = AppearInList> {
    prop_oneof![
        Just(AppearInList::PartnerOnly),
        Just(AppearInList::CategoryMembersOnly),
    ]
}

fn categories() -> impl Strategy<Value = Vec<Category>> {
    let seed = (
        prop::bool::weighted(0.7),
        any::<Index>(),
        prop::sample::subsequence(LABELS.to_vec(), 0..=LABELS.len()),
        privacy(),
        appear_in_list(),
        any::<bool>(),
    );
    prop::collection::vec(seed, 1..=MAX_CATEGORIES).prop_map(|seeds| {
        seeds
            .into_iter()
            .enumerate()
            .map(
                |(i, (wants_parent, pick, labels, privacy, appear_in_list, inherit))| {
                    let parent = (i > 0 && wants_parent).then(|| pick.index(i));
                    Category {
                        parent,
                        labels,
                        privacy,
                        appear_in_list,
                        inherits: inherit && parent.is_some(),
                    }
                },
            )
            .collect()
    })
}

fn level() -> impl Strategy<Value = PermissionLevel> {
    prop::sample::select(PermissionLevel::ALL.to_vec())
}

fn member_status() -> impl Strategy<Value = MemberStatus> {
    prop_oneof![
        4 => Just(MemberStatus::Active),
        2 => Just(MemberStatus::Pending),
        1 => Just(MemberStatus::NotActive),
        1 => Just(MemberStatus::Deleted),
    ]
}

fn members(categories: usize) -> impl Strategy<Value = Vec<Member>> {
    let member = (0..USERS.len(), 0..categories, level(), member_status()).prop_map(
        |(user, category, level, status)| Member {
            user,
            category,
            level,
            status,
        },
    );
    prop::collection::vec(member, 0..=2 * categories + 4).prop_map(|all| {
        let mut unique: Vec<Member> = Vec::new();
        for m in all {
            if !unique
                .iter()
                .any(|u| (u.user, u.category) == (m.user, m.category))
            {
                unique.push(m);
            }
        }
        unique
    })
}

fn publication_status() -> impl Strategy<Value = PublicationStatus> {
    prop_oneof![
        4 => Just(PublicationStatus::Active),
        2 => Just(PublicationStatus::Pending),
        1 => Just(PublicationStatus::Rejected),
        1 => Just(PublicationStatus::Deleted),
    ]
}

fn collaborators() -> impl Strategy<Value = Vec<usize>> {
    prop::option::weighted(0.25, 0..USERS.len()).prop_map(|u| u.into_iter().collect())
}

fn entries(categories: usize) -> impl Strategy<Value = Vec<Entry>> {
    let publication = (0..categories, publication_status())
        .prop_map(|(category, status)| Publication { category, status });
    let entry = (
        prop::option::weighted(0.8, 0..USERS.len()),
        collaborators(),
        collaborators(),
        collaborators(),
        prop::collection::vec(publication, 0..=4),
    );
    prop::collection::vec(entry, 0..=MAX_ENTRIES).prop_map(|seeds| {
        seeds
            .into_iter()
            .enumerate()
            .map(|(i, (owner, editors, publishers, viewers, pubs))| {
                let mut publications: Vec<Publication> = Vec::new();
                for p in pubs {
                    if !publications.iter().any(|q| q.category == p.category) {
                        publications.push(p);
                    }
                }
                Entry {
                    id: entry_id(i),
                    owner,
                    editors,
                    publishers,
                    viewers,
                    publications,
                }
            })
            .collect()
    })
}

fn privilege() -> impl Strategy<Value = String> {
    let bypass = prop::collection::vec(prop::sample::select(BYPASS_IDS.to_vec()), 1..=2)
        .prop_map(|ids| format!("disableentitlementforentry:{}", ids.join("/")));
    prop_oneof![
        6 => prop::sample::select(SESSION_CONTEXTS.to_vec())
            .prop_map(|c| format!("privacycontext:{c}")),
        1 => Just("enableentitlement".to_owned()),
        1 => Just("disableentitlement".to_owned()),
        1 => bypass,
        1 => Just("list:*".to_owned()),
    ]
}

fn askers() -> impl Strategy<Value = Vec<Asker>> {
    let asker = (
        prop::option::weighted(0.8, 0..USERS.len()),
        prop::bool::weighted(0.3),
        prop::collection::vec(privilege(), 0..=4),
    )
        .prop_map(|(user, admin, privileges)| Asker {
            user,
            admin,
            privileges,
        });
    prop::collection::vec(asker, 1..=6)
}

fn world() -> impl Strategy<Value = World> {
    (categories(), prop::bool::weighted(0.85))
        .prop_flat_map(|(categories, partner_default)| {
            let n = categories.len();
            (
                Just(categories),
                members(n),
                entries(n),
                askers(),
                Just(partner_default),
            )
        })
        .prop_map(
            |(categories, members, entries, askers, partner_default)| World {
                categories,
                members,
                entries,
                askers,
                partner_default,
            },
        )
}

// ---------------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------------

/// The entitlement rules in plain words, computed as naively as possible from the raw world.
mod model {
    use super::{AppearInList, Asker, Entry, MemberStatus, Privacy, PublicationStatus, World};

    /// Enforcement: a session with `enableentitlement` is enforced; otherwise one with
    /// `disableentitlement` is not; otherwise the partner's default decides.
    pub fn enforced(world: &World, asker: &Asker) -> bool {
        let has = |name: &str| asker.privileges.iter().any(|p| p == name);
        if has("enableentitlement") {
            true
        } else if has("disableentitlement") {
            false
        } else {
            world.partner_default
        }
    }

    /// The session's privacy context: the value of its last `privacycontext:` privilege, or
    /// none (the default context).
    pub fn context(asker: &Asker) -> Option<&str> {
        asker
            .privileges
            .iter()
            .rev()
            .find_map(|p| p.strip_prefix("privacycontext:"))
    }

    /// A session bypasses entitlement for an entry when a `disableentitlementforentry:`
    /// privilege names it among its `/`-separated ids.
    pub fn bypasses(asker: &Asker, entry_id: &str) -> bool {
        asker
            .privileges
            .iter()
            .filter_map(|p| p.strip_prefix("disableentitlementforentry:"))
            .any(|ids| ids.split('/').any(|id| id == entry_id))
    }

    /// A user is involved in an entry when they own it or are in any collaborator list.
    pub fn involved(entry: &Entry, user: usize) -> bool {
        entry.owner == Some(user)
            || entry.editors.contains(&user)
            || entry.publishers.contains(&user)
            || entry.viewers.contains(&user)
    }

    /// A category's contexts: every label on it and on each of its ancestors.
    pub fn contexts(world: &World, category: usize) -> Vec<&'static str> {
        let mut labels = Vec::new();
        let mut at = Some(category);
        while let Some(c) = at {
            labels.extend(world.categories[c].labels.iter().copied());
            at = world.categories[c].parent;
        }
        labels
    }

    /// A category belongs to the session's context when its contexts include the session's
    /// one; in the default context, when it has no context at all.
    pub fn in_context(context: Option<&str>, labels: &[&str]) -> bool {
        match context {
            Some(wanted) => labels.contains(&wanted),
            None => labels.is_empty(),
        }
    }

    /// The category whose members apply: go up from the category as long as it inherits.
    pub fn holder(world: &World, category: usize) -> usize {
        let mut at = category;
        while world.categories[at].inherits {
            at = world.categories[at]
                .parent
                .expect("only a category with a parent inherits");
        }
        at
    }

    /// For content: the user has an active membership, at any level, of the holder.
    pub fn active_member(world: &World, user: usize, category: usize) -> bool {
        let holder = holder(world, category);
        world
            .members
            .iter()
            .any(|m| m.user == user && m.category == holder && m.status == MemberStatus::Active)
    }

    /// For listing: the user has a membership of the holder at any level, in any status
    /// but deleted.
    pub fn listed_member(world: &World, user: usize, category: usize) -> bool {
        let holder = holder(world, category);
        world
            .members
            .iter()
            .any(|m| m.user == user && m.category == holder && m.status != MemberStatus::Deleted)
    }

    /// An entry is visible when entitlement is off, when the session bypasses it for the
    /// entry, when the user owns it or collaborates on it, when the session is in the default
    /// context and the entry has no active publication, or when one of its active
    /// publications is in a category of the session's context whose privacy admits the
    /// session: anyone for All, a signed-in user for AuthenticatedUsers, an active member for
    /// MembersOnly. Pending, rejected and deleted publications count for nothing.
    pub fn sees_entry(world: &World, asker: &Asker, entry: &Entry) -> bool {
        if !enforced(world, asker) || bypasses(asker, &entry.id) {
            return true;
        }
        if asker.user.is_some_and(|u| involved(entry, u)) {
            return true;
        }
        let context = context(asker);
        let active: Vec<usize> = entry
            .publications
            .iter()
            .filter(|p| p.status == PublicationStatus::Active)
            .map(|p| p.category)
            .collect();
        if active.is_empty() {
            return context.is_none();
        }
        active.into_iter().any(|c| {
            let admitted = match world.categories[c].privacy {
                Privacy::All => true,
                Privacy::AuthenticatedUsers => asker.user.is_some(),
                Privacy::MembersOnly => asker.user.is_some_and(|u| active_member(world, u, c)),
            };
            in_context(context, &contexts(world, c)) && admitted
        })
    }

    /// A category is visible when entitlement is off, or when it is in the session's context
    /// and either listed for the whole partner or the user is a (listed) member of it.
    pub fn sees_category(world: &World, asker: &Asker, category: usize) -> bool {
        if !enforced(world, asker) {
            return true;
        }
        let c = &world.categories[category];
        let listed = c.appear_in_list == AppearInList::PartnerOnly
            || asker
                .user
                .is_some_and(|u| listed_member(world, u, category));
        in_context(context(asker), &contexts(world, category)) && listed
    }

    /// Listing: admins and `list:*` sessions, or filters naming entries, range over every
    /// entitled entry; any other session lists only its own.
    pub fn lists_everything(asker: &Asker, filter_names_entries: bool) -> bool {
        asker.admin || filter_names_entries || asker.privileges.iter().any(|p| p == "list:*")
    }
}

// ---------------------------------------------------------------------------------------------
// The domain, driven the way the adapters drive it
// ---------------------------------------------------------------------------------------------

/// What the domain's helpers derive from the category tree.
struct Tree {
    /// Effective contexts, folded down each chain with `category::effective_contexts`.
    contexts: Vec<Vec<String>>,
    /// The category whose members apply, from `membership::inherited_parent`.
    holders: Vec<Option<usize>>,
}

impl Tree {
    fn of(world: &World) -> Tree {
        let mut contexts: Vec<Vec<String>> = Vec::new();
        let mut chains: Vec<Vec<(i64, Inheritance)>> = Vec::new();
        let mut holders = Vec::new();
        for (i, c) in world.categories.iter().enumerate() {
            let own: Vec<String> = c.labels.iter().map(|l| (*l).to_owned()).collect();
            let (above, mut chain) = match c.parent {
                Some(p) => (contexts[p].clone(), chains[p].clone()),
                None => (Vec::new(), Vec::new()),
            };
            let inheritance = if c.inherits {
                Inheritance::Inherit
            } else {
                Inheritance::Manual
            };
            chain.push((i64::try_from(i).expect("small index"), inheritance));
            contexts.push(category::effective_contexts(&above, &own));
            holders.push(
                membership::inherited_parent(&chain)
                    .map(|id| usize::try_from(id).expect("ids are indexes")),
            );
            chains.push(chain);
        }
        Tree { contexts, holders }
    }
}

fn membership_of(world: &World, user: usize, category: usize) -> Option<Membership> {
    world
        .members
        .iter()
        .find(|m| m.user == user && m.category == category)
        .map(|m| Membership {
            level: m.level,
            status: m.status,
        })
}

fn session(asker: &Asker) -> Session {
    let kind = if asker.admin {
        SessionType::Admin
    } else {
        SessionType::User
    };
    let privileges = Privileges::parse(&asker.privileges.join(","));
    Session::new(kind, asker.user.map(user_id), privileges)
}

fn people(entry: &Entry) -> EntryPeople {
    let ids = |users: &[usize]| users.iter().copied().map(user_id).collect();
    EntryPeople {
        owner: entry.owner.map(user_id),
        editors: ids(&entry.editors),
        publishers: ids(&entry.publishers),
        viewers: ids(&entry.viewers),
    }
}

fn domain_sees_entry(world: &World, tree: &Tree, asker: &Asker, entry: &Entry) -> bool {
    let ctx = EntitlementContext::for_session(&session(asker), world.partner_default);
    let people = people(entry);
    let publications: Vec<PublicationAccess> = entry
        .publications
        .iter()
        .map(|p| PublicationAccess {
            active: p.status == PublicationStatus::Active,
            category_contexts: tree.contexts[p.category].clone(),
            privacy: world.categories[p.category].privacy,
            viewer_is_member: asker.user.zip(tree.holders[p.category]).is_some_and(
                |(user, holder)| {
                    Membership::active_level(membership_of(world, user, holder)).is_some()
                },
            ),
        })
        .collect();
    entitlement::may_see_entry(
        &ctx,
        &EntryAccess {
            entry_id: &entry.id,
            people: &people,
            publications: &publications,
        },
    )
}

fn domain_sees_category(world: &World, tree: &Tree, asker: &Asker, category: usize) -> bool {
    let ctx = EntitlementContext::for_session(&session(asker), world.partner_default);
    let viewer_is_member = asker
        .user
        .zip(tree.holders[category])
        .is_some_and(|(user, holder)| {
            membership_of(world, user, holder).is_some_and(|m| m.status != MemberStatus::Deleted)
        });
    entitlement::may_see_category(
        &ctx,
        &CategoryAccess {
            contexts: &tree.contexts[category],
            appear_in_list: world.categories[category].appear_in_list,
            viewer_is_member,
        },
    )
}

/// Entry visibility for every session (rows) and entry (columns), as the domain decides.
fn entry_table(world: &World) -> Vec<Vec<bool>> {
    let tree = Tree::of(world);
    world
        .askers
        .iter()
        .map(|a| {
            world
                .entries
                .iter()
                .map(|e| domain_sees_entry(world, &tree, a, e))
                .collect()
        })
        .collect()
}

/// Category visibility for every session (rows) and category (columns), as the domain decides.
fn category_table(world: &World) -> Vec<Vec<bool>> {
    let tree = Tree::of(world);
    world
        .askers
        .iter()
        .map(|a| {
            (0..world.categories.len())
                .map(|c| domain_sees_category(world, &tree, a, c))
                .collect()
        })
        .collect()
}

fn model_entry_table(world: &World) -> Vec<Vec<bool>> {
    world
        .askers
        .iter()
        .map(|a| {
            world
                .entries
                .iter()
                .map(|e| model::sees_entry(world, a, e))
                .collect()
        })
        .collect()
}

fn model_category_table(world: &World) -> Vec<Vec<bool>> {
    world
        .askers
        .iter()
        .map(|a| {
            (0..world.categories.len())
                .map(|c| model::sees_category(world, a, c))
                .collect()
        })
        .collect()
}

/// Whether everything visible in `before` is still visible in `after`.
fn nothing_hidden(before: &[Vec<bool>], after: &[Vec<bool>]) -> bool {
    before
        .iter()
        .flatten()
        .zip(after.iter().flatten())
        .all(|(was, is)| !was || *is)
}

fn all_visible(table: &[Vec<bool>]) -> bool {
    table.iter().flatten().all(|v| *v)
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn entry_visibility_agrees_with_the_reference_model(world in world()) {
        let tree = Tree::of(&world);
        for asker in &world.askers {
            for entry in &world.entries {
                prop_assert_eq!(
                    domain_sees_entry(&world, &tree, asker, entry),
                    model::sees_entry(&world, asker, entry),
                    "session {:?} on entry {:?}",
                    asker,
                    entry
                );
            }
        }
    }

    #[test]
    fn category_visibility_agrees_with_the_reference_model(world in world()) {
        let tree = Tree::of(&world);
        for asker in &world.askers {
            for c in 0..world.categories.len() {
                prop_assert_eq!(
                    domain_sees_category(&world, &tree, asker, c),
                    model::sees_category(&world, asker, c),
                    "session {:?} on category {}",
                    asker,
                    c
                );
            }
        }
    }

    #[test]
    fn owners_and_collaborators_always_see_their_entries(world in world()) {
        let tree = Tree::of(&world);
        for asker in &world.askers {
            let Some(user) = asker.user else { continue };
            for entry in world.entries.iter().filter(|e| model::involved(e, user)) {
                prop_assert!(
                    domain_sees_entry(&world, &tree, asker, entry),
                    "{} is hidden from {}",
                    entry.id,
                    USERS[user]
                );
            }
        }
    }

    #[test]
    fn disableentitlement_without_enableentitlement_shows_everything(world in world()) {
        let off = world.with_privileges(|privileges| {
            let mut kept: Vec<String> =
                privileges.iter().filter(|p| *p != "enableentitlement").cloned().collect();
            kept.push("disableentitlement".to_owned());
            kept
        });
        prop_assert!(all_visible(&entry_table(&off)));
        prop_assert!(all_visible(&category_table(&off)));
    }

    #[test]
    fn a_partner_without_default_enforcement_shows_everything_without_enableentitlement(
        world in world(),
    ) {
        let mut off = world
            .with_privileges(|p| p.iter().filter(|p| *p != "enableentitlement").cloned().collect());
        off.partner_default = false;
        prop_assert!(all_visible(&entry_table(&off)));
        prop_assert!(all_visible(&category_table(&off)));
    }

    #[test]
    fn adding_disableentitlement_never_hides_anything_without_enableentitlement(
        world in world(),
        at in any::<Index>(),
    ) {
        let before = world
            .with_privileges(|p| p.iter().filter(|p| *p != "enableentitlement").cloned().collect());
        let after = before.with_privileges(|p| {
            let mut more = p.to_vec();
            more.insert(at.index(p.len() + 1), "disableentitlement".to_owned());
            more
        });
        prop_assert!(nothing_hidden(&entry_table(&before), &entry_table(&after)));
        prop_assert!(nothing_hidden(&category_table(&before), &category_table(&after)));
    }

    #[test]
    fn an_active_membership_never_hides_anything(
        world in world(),
        user in 0..USERS.len(),
        category in any::<Index>(),
        level in level(),
    ) {
        let category = category.index(world.categories.len());
        let after = world.with_membership(Member {
            user,
            category,
            level,
            status: MemberStatus::Active,
        });
        prop_assert!(nothing_hidden(&entry_table(&world), &entry_table(&after)));
        prop_assert!(nothing_hidden(&category_table(&world), &category_table(&after)));
    }

    #[test]
    fn a_membership_that_is_not_active_never_changes_which_entries_are_visible(
        world in world(),
        user in 0..USERS.len(),
        category in any::<Index>(),
        level in level(),
        status in prop_oneof![
            Just(MemberStatus::Pending),
            Just(MemberStatus::NotActive),
            Just(MemberStatus::Deleted),
        ],
    ) {
        let category = category.index(world.categories.len());
        let mut without = world.clone();
        without.members.retain(|m| (m.user, m.category) != (user, category));
        let with = world.with_membership(Member {
            user,
            category,
            level,
            status,
        });
        prop_assert_eq!(entry_table(&without), entry_table(&with));
    }

    #[test]
    fn a_less_restrictive_category_privacy_never_hides_an_entry(
        world in world(),
        category in any::<Index>(),
        privacy in privacy(),
    ) {
        let category = category.index(world.categories.len());
        let mut opened = world.clone();
        let current = &mut opened.categories[category].privacy;
        *current = (*current).min(privacy);
        prop_assert!(nothing_hidden(&entry_table(&world), &entry_table(&opened)));
    }

    #[test]
    fn in_a_named_context_publications_in_categories_of_other_contexts_do_not_matter(
        world in world(),
    ) {
        let all = entry_table(&world);
        for (row, asker) in world.askers.iter().enumerate() {
            let Some(context) = model::context(asker) else { continue };
            let within = world.keeping_publications(|p| {
                model::contexts(&world, p.category).contains(&context)
            });
            prop_assert_eq!(
                &all[row],
                &entry_table(&within)[row],
                "session {:?} in context {}",
                asker,
                context
            );
        }
    }

    #[test]
    fn in_the_default_context_publications_in_categories_with_a_context_reveal_nothing(
        world in world(),
    ) {
        let all = entry_table(&world);
        let context_free =
            world.keeping_publications(|p| model::contexts(&world, p.category).is_empty());
        let only_context_free = entry_table(&context_free);
        for (row, asker) in world.askers.iter().enumerate() {
            if model::context(asker).is_none() {
                prop_assert!(
                    nothing_hidden(&all[row..=row], &only_context_free[row..=row]),
                    "session {:?}",
                    asker
                );
            }
        }
    }

    #[test]
    fn publications_that_are_not_active_never_change_visibility(world in world()) {
        let active_only = world.keeping_publications(|p| p.status == PublicationStatus::Active);
        prop_assert_eq!(entry_table(&world), entry_table(&active_only));
    }

    #[test]
    fn admin_sessions_are_entitled_exactly_like_user_sessions(world in world()) {
        let mut flipped = world.clone();
        for asker in &mut flipped.askers {
            asker.admin = !asker.admin;
        }
        prop_assert_eq!(entry_table(&world), entry_table(&flipped));
        prop_assert_eq!(category_table(&world), category_table(&flipped));
    }

    #[test]
    fn a_user_session_without_list_star_lists_only_its_own_entries(
        askers in askers(),
    ) {
        let users_without_list_star = askers
            .iter()
            .filter(|a| !a.admin && !a.privileges.iter().any(|p| p == "list:*"));
        for asker in users_without_list_star {
            prop_assert_eq!(
                entitlement::list_scope(&session(asker), false),
                ListScope::Owned(asker.user.map(user_id)),
                "session {:?}",
                asker
            );
        }
    }

    #[test]
    fn admins_list_star_and_filters_naming_entries_range_over_every_entitled_entry(
        askers in askers(),
        filter_names_entries in any::<bool>(),
    ) {
        for asker in &askers {
            let expected = if model::lists_everything(asker, filter_names_entries) {
                ListScope::Entitled
            } else {
                ListScope::Owned(asker.user.map(user_id))
            };
            prop_assert_eq!(
                entitlement::list_scope(&session(asker), filter_names_entries),
                expected,
                "session {:?}",
                asker
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

fn portal_category(parent: Option<usize>, privacy: Privacy, inherits: bool) -> Category {
    Category {
        parent,
        labels: if parent.is_none() {
            vec!["Portal"]
        } else {
            vec![]
        },
        privacy,
        appear_in_list: AppearInList::CategoryMembersOnly,
        inherits,
    }
}

fn owned_by_alice_in(category: usize) -> Entry {
    Entry {
        id: entry_id(0),
        owner: Some(ALICE),
        editors: vec![],
        publishers: vec![],
        viewers: vec![],
        publications: vec![Publication {
            category,
            status: PublicationStatus::Active,
        }],
    }
}

fn in_portal(user: Option<usize>) -> Asker {
    Asker {
        user,
        admin: false,
        privileges: vec!["privacycontext:Portal".to_owned()],
    }
}

fn member_of(user: usize, category: usize, status: MemberStatus) -> Member {
    Member {
        user,
        category,
        level: PermissionLevel::Member,
        status,
    }
}

/// Runs the domain over the world, checking on the way that the model agrees with it.
fn decide(world: &World) -> (Vec<Vec<bool>>, Vec<Vec<bool>>) {
    let entries = entry_table(world);
    let categories = category_table(world);
    assert_eq!(entries, model_entry_table(world), "the model disagrees");
    assert_eq!(
        categories,
        model_category_table(world),
        "the model disagrees"
    );
    (entries, categories)
}

#[test]
fn a_member_of_the_parent_sees_members_only_content_of_a_child_that_inherits_members() {
    // Arrange: a members-only course in the Portal context, and a week that inherits its
    // members. Bob is an active member of the course; Carol of nothing.
    let world = World {
        categories: vec![
            portal_category(None, Privacy::MembersOnly, false),
            portal_category(Some(0), Privacy::MembersOnly, true),
        ],
        members: vec![member_of(BOB, 0, MemberStatus::Active)],
        entries: vec![owned_by_alice_in(1)],
        askers: vec![in_portal(Some(BOB)), in_portal(Some(CAROL))],
        partner_default: true,
    };

    // Act
    let (entries, categories) = decide(&world);

    // Assert: Bob sees the entry in the week and both categories; Carol sees nothing.
    assert_eq!(entries, [[true], [false]]);
    assert_eq!(categories, [[true, true], [false, false]]);
}

#[test]
fn a_member_of_a_child_that_inherits_members_gains_nothing_from_that_membership() {
    // Arrange: Bob's membership sits on the inheriting week, where members do not apply.
    let world = World {
        categories: vec![
            portal_category(None, Privacy::MembersOnly, false),
            portal_category(Some(0), Privacy::MembersOnly, true),
        ],
        members: vec![member_of(BOB, 1, MemberStatus::Active)],
        entries: vec![owned_by_alice_in(1)],
        askers: vec![in_portal(Some(BOB))],
        partner_default: true,
    };

    // Act
    let (entries, categories) = decide(&world);

    // Assert
    assert_eq!(entries, [[false]]);
    assert_eq!(categories, [[false, false]]);
}

#[test]
fn a_pending_membership_admits_nobody_to_members_only_content() {
    // Arrange: Bob has asked to join the members-only course; nobody has approved him yet.
    let world = World {
        categories: vec![portal_category(None, Privacy::MembersOnly, false)],
        members: vec![member_of(BOB, 0, MemberStatus::Pending)],
        entries: vec![owned_by_alice_in(0)],
        askers: vec![in_portal(Some(BOB))],
        partner_default: true,
    };

    // Act
    let (entries, _) = decide(&world);

    // Assert
    assert_eq!(entries, [[false]]);
}

#[test]
fn a_pending_membership_still_lists_a_category_shown_to_members_only() {
    // Arrange
    let world = World {
        categories: vec![portal_category(None, Privacy::MembersOnly, false)],
        members: vec![member_of(BOB, 0, MemberStatus::Pending)],
        entries: vec![],
        askers: vec![in_portal(Some(BOB)), in_portal(Some(CAROL))],
        partner_default: true,
    };

    // Act
    let (_, categories) = decide(&world);

    // Assert: appearInList counts a membership in any status but deleted.
    assert_eq!(categories, [[true], [false]]);
}

#[test]
fn content_for_authenticated_users_is_hidden_from_anonymous_sessions_only() {
    // Arrange: a Portal category open to any signed-in user.
    let world = World {
        categories: vec![portal_category(None, Privacy::AuthenticatedUsers, false)],
        members: vec![],
        entries: vec![owned_by_alice_in(0)],
        askers: vec![in_portal(None), in_portal(Some(CAROL))],
        partner_default: true,
    };

    // Act
    let (entries, _) = decide(&world);

    // Assert
    assert_eq!(entries, [[false], [true]]);
}

#[test]
fn an_entry_pending_in_a_context_category_is_public_in_the_default_context_only() {
    // Arrange: the entry's only publication waits for a moderator, so it counts as being in
    // no category at all.
    let mut entry = owned_by_alice_in(0);
    entry.publications[0].status = PublicationStatus::Pending;
    let default_context = Asker {
        user: Some(CAROL),
        admin: false,
        privileges: vec![],
    };
    let world = World {
        categories: vec![portal_category(None, Privacy::MembersOnly, false)],
        members: vec![],
        entries: vec![entry],
        askers: vec![default_context, in_portal(Some(CAROL))],
        partner_default: true,
    };

    // Act
    let (entries, _) = decide(&world);

    // Assert
    assert_eq!(entries, [[true], [false]]);
}
