//! The SQL form of entitlement equals the domain rule.
//!
//! Each case builds a random small world in the database through the store's API: a category
//! forest with privacy contexts, privacy, list visibility and member inheritance (with the
//! derived `full_ids`, `privacy_contexts` and `inherited_parent_id` filled in as the category
//! service does), memberships in every status, entries with owners, collaborators and
//! publications in every status, and a second partner whose objects must never show. Then,
//! for random sessions, it compares what the store lists with what the domain's
//! `may_see_entry` and `may_see_category` decide from facts computed in Rust from the same
//! world, and checks `entries::publication_facts` against the world. Every property runs on
//! SQLite and on PostgreSQL.

mod common;

use std::collections::BTreeSet;
use std::future::Future;

use common::{TestDb, on_each_backend_blocking};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use quad_domain::category::{self, AppearInList, Inheritance};
use quad_domain::entitlement::{
    CategoryAccess, EntitlementContext, EntryAccess, ListScope, PublicationAccess,
    may_see_category, may_see_entry,
};
use quad_domain::entry::EntryPeople;
use quad_domain::membership;
use quad_domain::{MemberStatus, PermissionLevel, Privacy, PublicationStatus, UserId};
use quad_store::categories::{self, Category, CategoryFilter};
use quad_store::entries::{self, Entry, EntryFilter, PublicationFacts};
use quad_store::members::{self, Member};
use quad_store::{Conn, Store, partners, publications};

/// Cases per property and backend: enough to meet every rule, few enough to run in seconds.
const CASES: u32 = 48;
const MAX_CATEGORIES: usize = 7;
const MAX_ENTRIES: usize = 6;

/// Users that hold memberships and collaborate.
const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
/// Entry owners: the users and one who never starts a session.
const OWNERS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];
/// Session users: the users and one that differs from `alice` only in case.
const SESSION_USERS: [&str; 5] = ["alice", "bob", "carol", "dave", "Alice"];
/// The privacy-context labels categories carry.
const LABELS: [&str; 2] = ["Portal", "Kaf1"];
/// The contexts a session may work in: the labels, one no category carries, one that differs
/// from a label only in case, and one with a LIKE wildcard in it.
const SESSION_CONTEXTS: [&str; 7] = [
    "Portal", "Portal", "Kaf1", "Kaf1", "Nowhere", "portal", "Po_tal",
];

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct CategorySeed {
    /// Always an earlier category, so the forest has no loops.
    parent: Option<usize>,
    /// Its own labels, not counting its ancestors'.
    labels: Vec<&'static str>,
    privacy: Privacy,
    appear_in_list: AppearInList,
    /// Takes its members from its parent; only ever true with a parent.
    inherits: bool,
}

#[derive(Debug, Clone)]
struct MemberSeed {
    user: usize,
    category: usize,
    level: PermissionLevel,
    status: MemberStatus,
}

#[derive(Debug, Clone)]
struct PublicationSeed {
    category: usize,
    status: PublicationStatus,
}

#[derive(Debug, Clone)]
struct EntrySeed {
    owner: usize,
    editors: Vec<usize>,
    publishers: Vec<usize>,
    viewers: Vec<usize>,
    /// At most one per category.
    publications: Vec<PublicationSeed>,
    status: i64,
}

#[derive(Debug, Clone)]
struct SessionSeed {
    enforced: bool,
    user: Option<usize>,
    context: Option<&'static str>,
    /// Entry indexes named by `disableentitlementforentry`; one past the entries names an
    /// entry that does not exist.
    bypass: Vec<usize>,
    /// A widget session, as `session.startWidgetSession` makes.
    widget: bool,
}

#[derive(Debug, Clone)]
struct World {
    categories: Vec<CategorySeed>,
    /// At most one per user and category.
    members: Vec<MemberSeed>,
    entries: Vec<EntrySeed>,
    sessions: Vec<SessionSeed>,
}

fn privacy() -> impl Strategy<Value = Privacy> {
    prop_oneof![
        1 => Just(Privacy::All),
        1 => Just(Privacy::AuthenticatedUsers),
        2 => Just(Privacy::MembersOnly),
    ]
}

fn categories() -> impl Strategy<Value = Vec<CategorySeed>> {
    let seed = (
        prop::bool::weighted(0.7),
        any::<prop::sample::Index>(),
        prop::sample::subsequence(LABELS.to_vec(), 0..=LABELS.len()),
        privacy(),
        prop_oneof![
            Just(AppearInList::PartnerOnly),
            Just(AppearInList::CategoryMembersOnly)
        ],
        any::<bool>(),
    );
    prop::collection::vec(seed, 1..=MAX_CATEGORIES).prop_map(|seeds| {
        seeds
            .into_iter()
            .enumerate()
            .map(
                |(i, (wants_parent, pick, labels, privacy, appear_in_list, inherit))| {
                    let parent = (i > 0 && wants_parent).then(|| pick.index(i));
                    CategorySeed {
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

/// Memberships name their category by an index into however many categories there are,
/// so that proptest can shrink every part of a world independently.
fn members()
-> impl Strategy<Value = Vec<(usize, prop::sample::Index, PermissionLevel, MemberStatus)>> {
    let status = prop_oneof![
        4 => Just(MemberStatus::Active),
        2 => Just(MemberStatus::Pending),
        1 => Just(MemberStatus::NotActive),
        1 => Just(MemberStatus::Deleted),
    ];
    let member = (
        0..USERS.len(),
        any::<prop::sample::Index>(),
        prop::sample::select(PermissionLevel::ALL.to_vec()),
        status,
    );
    prop::collection::vec(member, 0..=2 * MAX_CATEGORIES)
}

fn some_users() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..USERS.len(), 0..=2).prop_map(|mut users| {
        users.sort_unstable();
        users.dedup();
        users
    })
}

/// An entry seed whose publications name their category by index, as for memberships.
type RawEntry = (
    usize,
    Vec<usize>,
    Vec<usize>,
    Vec<usize>,
    Vec<(prop::sample::Index, PublicationStatus)>,
    i64,
);

fn entries() -> impl Strategy<Value = Vec<RawEntry>> {
    let status = prop_oneof![
        4 => Just(PublicationStatus::Active),
        2 => Just(PublicationStatus::Pending),
        1 => Just(PublicationStatus::Rejected),
        1 => Just(PublicationStatus::Deleted),
    ];
    let entry_status = prop_oneof![
        6 => Just(entries::STATUS_READY),
        1 => Just(entries::STATUS_NO_CONTENT),
        1 => Just(entries::STATUS_DELETED),
    ];
    let entry = (
        0..OWNERS.len(),
        some_users(),
        some_users(),
        some_users(),
        prop::collection::vec((any::<prop::sample::Index>(), status), 0..=3),
        entry_status,
    );
    prop::collection::vec(entry, 1..=MAX_ENTRIES)
}

fn sessions() -> impl Strategy<Value = Vec<SessionSeed>> {
    let session = (
        prop::bool::weighted(0.85),
        prop::option::weighted(0.8, 0..SESSION_USERS.len()),
        prop::option::weighted(0.7, prop::sample::select(SESSION_CONTEXTS.to_vec())),
        prop::collection::vec(0..=MAX_ENTRIES, 0..=1),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(enforced, user, context, bypass, widget)| SessionSeed {
            enforced,
            user,
            context,
            bypass,
            widget,
        });
    prop::collection::vec(session, 1..=4)
}

fn world() -> impl Strategy<Value = World> {
    (categories(), members(), entries(), sessions()).prop_map(
        |(categories, raw_members, raw_entries, sessions)| {
            let n = categories.len();
            let mut members: Vec<MemberSeed> = Vec::new();
            for (user, category, level, status) in raw_members {
                let category = category.index(n);
                if !members
                    .iter()
                    .any(|m| (m.user, m.category) == (user, category))
                {
                    members.push(MemberSeed {
                        user,
                        category,
                        level,
                        status,
                    });
                }
            }
            let entries = raw_entries
                .into_iter()
                .map(|(owner, editors, publishers, viewers, raw, status)| {
                    let mut publications: Vec<PublicationSeed> = Vec::new();
                    for (category, status) in raw {
                        let category = category.index(n);
                        if !publications.iter().any(|p| p.category == category) {
                            publications.push(PublicationSeed { category, status });
                        }
                    }
                    EntrySeed {
                        owner,
                        editors,
                        publishers,
                        viewers,
                        publications,
                        status,
                    }
                })
                .collect();
            World {
                categories,
                members,
                entries,
                sessions,
            }
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The world in the database
// ---------------------------------------------------------------------------------------------

/// What the database holds for a world: its partner and the ids it gave.
struct Built {
    partner_id: i64,
    /// The category of each seed, as stored.
    categories: Vec<Category>,
    /// The entry id of each seed.
    entry_ids: Vec<String>,
}

impl Built {
    fn entry_id(&self, index: usize) -> String {
        format!("0_p{}e{index}", self.partner_id)
    }
}

fn store_error(what: &str) -> impl Fn(quad_store::StoreError) -> TestCaseError + '_ {
    move |e| TestCaseError::fail(format!("{what}: {}", common::error_chain(&e)))
}

/// Builds the world in one transaction, through the store's API only.
async fn build(store: &Store, world: &World) -> Result<Built, TestCaseError> {
    let mut tx = store.write().await.map_err(store_error("begin"))?;
    let p = partners::create(&mut tx, "World")
        .await
        .map_err(store_error("create the partner"))?;
    let mut built = Built {
        partner_id: p.id,
        categories: Vec::new(),
        entry_ids: Vec::new(),
    };

    // Categories, each deriving its path, contexts and member source from its parent.
    let mut chains: Vec<Vec<(i64, Inheritance)>> = Vec::new();
    for (i, seed) in world.categories.iter().enumerate() {
        let parent = seed.parent.map(|p| &built.categories[p]);
        let name = format!("c{i}");
        let own: Vec<String> = seed.labels.iter().map(|l| (*l).to_owned()).collect();
        let inherited: Vec<String> = parent
            .map(|p| split(&p.privacy_contexts))
            .unwrap_or_default();
        let inheritance = if seed.inherits {
            Inheritance::Inherit
        } else {
            Inheritance::Manual
        };
        let mut c = Category {
            partner_id: p.id,
            parent_id: parent.map_or(0, |p| p.id),
            full_name: match parent {
                Some(p) => format!("{}>{name}", p.full_name),
                None => name.clone(),
            },
            name,
            depth: parent.map_or(0, |p| p.depth + 1),
            privacy: seed.privacy as i64,
            appear_in_list: seed.appear_in_list as i64,
            inheritance_type: inheritance as i64,
            user_join_policy: 3,
            default_permission_level: 3,
            contribution_policy: 1,
            privacy_context: own.join(","),
            privacy_contexts: category::effective_contexts(&inherited, &own).join(","),
            status: categories::STATUS_ACTIVE,
            ..Category::default()
        };
        let parent_ids = parent.map(|p| p.full_ids.clone());
        c.id = categories::insert(&mut tx, &c)
            .await
            .map_err(store_error("insert a category"))?;
        let mut chain = seed.parent.map(|p| chains[p].clone()).unwrap_or_default();
        chain.push((c.id, inheritance));
        let full_ids = match parent_ids {
            Some(ids) => format!("{ids}>{}", c.id),
            None => c.id.to_string(),
        };
        let holder = membership::inherited_parent(&chain).unwrap_or(c.id);
        categories::set_path(&mut tx, c.id, &full_ids, holder)
            .await
            .map_err(store_error("set a category's path"))?;
        let stored = categories::get(&mut tx, p.id, c.id)
            .await
            .map_err(store_error("read a category"))?
            .ok_or_else(|| TestCaseError::fail("a category just made is missing"))?;
        chains.push(chain);
        built.categories.push(stored);
    }

    for m in &world.members {
        let c = &built.categories[m.category];
        let member = Member {
            category_id: c.id,
            user_id: USERS[m.user].to_owned(),
            partner_id: p.id,
            permission_level: m.level.code(),
            permission_names: m.level.permission_names().join(","),
            status: m.status as i64,
            update_method: 0,
            category_full_ids: c.full_ids.clone(),
            created_at: 0,
            updated_at: 0,
        };
        members::put(&mut tx, &member)
            .await
            .map_err(store_error("put a membership"))?;
    }

    for (i, seed) in world.entries.iter().enumerate() {
        let id = built.entry_id(i);
        let e = Entry {
            id: id.clone(),
            partner_id: p.id,
            name: format!("e{i}"),
            owner_id: OWNERS[seed.owner].to_owned(),
            creator_id: OWNERS[seed.owner].to_owned(),
            status: seed.status,
            media_type: Some(1),
            entry_type: 1,
            display_in_search: 1,
            created_at: 1_000 + i as i64,
            updated_at: 1_000 + i as i64,
            ..Entry::default()
        };
        entries::insert(&mut tx, &e)
            .await
            .map_err(store_error("insert an entry"))?;
        let roles = [
            (entries::ROLE_EDITOR, &seed.editors),
            (entries::ROLE_PUBLISHER, &seed.publishers),
            (entries::ROLE_VIEWER, &seed.viewers),
        ];
        for (role, users) in roles {
            let users: Vec<String> = users.iter().map(|u| USERS[*u].to_owned()).collect();
            entries::set_collaborators(&mut tx, p.id, &id, role, &users)
                .await
                .map_err(store_error("set collaborators"))?;
        }
        for publication in &seed.publications {
            let c = &built.categories[publication.category];
            let creator = Some(OWNERS[seed.owner]);
            publications::add(&mut tx, c, &id, publication.status as i64, creator, "api")
                .await
                .map_err(store_error("publish an entry"))?;
        }
        built.entry_ids.push(id);
    }

    // Another partner's public entry and listed category, which must never show.
    let other = partners::create(&mut tx, "Elsewhere")
        .await
        .map_err(store_error("create the other partner"))?;
    let stranger = Entry {
        id: format!("0_p{}x", other.id),
        partner_id: other.id,
        name: "elsewhere".into(),
        owner_id: "alice".into(),
        creator_id: "alice".into(),
        status: entries::STATUS_READY,
        entry_type: 1,
        ..Entry::default()
    };
    entries::insert(&mut tx, &stranger)
        .await
        .map_err(store_error("insert the other partner's entry"))?;
    let elsewhere = Category {
        partner_id: other.id,
        name: "elsewhere".into(),
        full_name: "elsewhere".into(),
        privacy: 1,
        appear_in_list: 1,
        inheritance_type: 2,
        status: categories::STATUS_ACTIVE,
        ..Category::default()
    };
    let elsewhere_id = categories::insert(&mut tx, &elsewhere)
        .await
        .map_err(store_error("insert the other partner's category"))?;
    categories::set_path(
        &mut tx,
        elsewhere_id,
        &elsewhere_id.to_string(),
        elsewhere_id,
    )
    .await
    .map_err(store_error("set the other category's path"))?;

    tx.commit()
        .await
        .map_err(|e| store_error("commit")(quad_store::StoreError::from(e)))?;
    Ok(built)
}

fn split(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The facts, computed in Rust from the world, and the domain's decisions on them
// ---------------------------------------------------------------------------------------------

/// A category's contexts: every label on it and on each of its ancestors.
fn contexts(world: &World, category: usize) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    let mut at = Some(category);
    while let Some(c) = at {
        for label in &world.categories[c].labels {
            if !labels.iter().any(|l| l == label) {
                labels.push((*label).to_owned());
            }
        }
        at = world.categories[c].parent;
    }
    labels
}

/// The category whose members apply: up from the category as long as it inherits.
fn holder(world: &World, category: usize) -> usize {
    let mut at = category;
    while world.categories[at].inherits {
        at = world.categories[at]
            .parent
            .expect("only a category with a parent inherits");
    }
    at
}

fn membership_status(world: &World, user: &str, category: usize) -> Option<MemberStatus> {
    let holder = holder(world, category);
    world
        .members
        .iter()
        .find(|m| USERS[m.user] == user && m.category == holder)
        .map(|m| m.status)
}

/// For content: an active membership of the holder.
fn active_member(world: &World, user: Option<&str>, category: usize) -> bool {
    user.is_some_and(|u| membership_status(world, u, category) == Some(MemberStatus::Active))
}

/// For listing: a membership of the holder in any status but deleted.
fn listed_member(world: &World, user: Option<&str>, category: usize) -> bool {
    user.and_then(|u| membership_status(world, u, category))
        .is_some_and(|s| s != MemberStatus::Deleted)
}

fn session_user(session: &SessionSeed) -> Option<&'static str> {
    session.user.map(|u| SESSION_USERS[u])
}

fn context_for(session: &SessionSeed, built: &Built) -> EntitlementContext {
    EntitlementContext {
        enforced: session.enforced,
        user: session_user(session).and_then(UserId::parse),
        privacy_context: session.context.map(str::to_owned),
        bypass_entries: session.bypass.iter().map(|i| built.entry_id(*i)).collect(),
        widget: session.widget,
    }
}

fn user_ids(users: &[usize]) -> Vec<UserId> {
    users
        .iter()
        .filter_map(|u| UserId::parse(USERS[*u]))
        .collect()
}

fn domain_sees_entry(world: &World, built: &Built, session: &SessionSeed, entry: usize) -> bool {
    let seed = &world.entries[entry];
    if seed.status == entries::STATUS_DELETED {
        return false;
    }
    let people = EntryPeople {
        owner: UserId::parse(OWNERS[seed.owner]),
        editors: user_ids(&seed.editors),
        publishers: user_ids(&seed.publishers),
        viewers: user_ids(&seed.viewers),
    };
    let user = session_user(session);
    let publications: Vec<PublicationAccess> = seed
        .publications
        .iter()
        .map(|p| PublicationAccess {
            active: p.status == PublicationStatus::Active,
            category_contexts: contexts(world, p.category),
            privacy: world.categories[p.category].privacy,
            viewer_is_member: active_member(world, user, p.category),
        })
        .collect();
    let id = built.entry_id(entry);
    let access = EntryAccess {
        entry_id: &id,
        people: &people,
        publications: &publications,
    };
    may_see_entry(&context_for(session, built), &access)
}

fn domain_sees_category(world: &World, built: &Built, session: &SessionSeed, c: usize) -> bool {
    let contexts = contexts(world, c);
    let access = CategoryAccess {
        contexts: &contexts,
        appear_in_list: world.categories[c].appear_in_list,
        viewer_is_member: listed_member(world, session_user(session), c),
    };
    may_see_category(&context_for(session, built), &access)
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

fn names(prefix: &str, indexes: &BTreeSet<usize>) -> String {
    let names: Vec<String> = indexes.iter().map(|i| format!("{prefix}{i}")).collect();
    format!("[{}]", names.join(", "))
}

/// Fails with both directions of a disagreement between what SQL gave and the domain said.
fn compare(
    what: &str,
    prefix: &str,
    session: (usize, &SessionSeed),
    sql: &BTreeSet<usize>,
    domain: &BTreeSet<usize>,
) -> Result<(), TestCaseError> {
    if sql == domain {
        return Ok(());
    }
    let extra: BTreeSet<usize> = sql.difference(domain).copied().collect();
    let missing: BTreeSet<usize> = domain.difference(sql).copied().collect();
    Err(TestCaseError::fail(format!(
        "{what} disagrees with the domain rule for session #{} {:?}: SQL shows {} that the \
         domain hides, and hides {} that the domain shows",
        session.0,
        session.1,
        names(prefix, &extra),
        names(prefix, &missing),
    )))
}

async fn entry_list_equals_the_domain_rule(
    store: &Store,
    world: &World,
) -> Result<(), TestCaseError> {
    let built = build(store, world).await?;
    let mut conn = store.read().await.map_err(store_error("connect"))?;
    for (n, session) in world.sessions.iter().enumerate() {
        let ctx = context_for(session, &built);
        let (found, total) = entries::list(
            &mut conn,
            built.partner_id,
            &EntryFilter::default(),
            &ListScope::Entitled,
            &ctx,
            1_000,
            0,
        )
        .await
        .map_err(store_error("list entries"))?;
        let mut sql = BTreeSet::new();
        for e in &found {
            let index = built
                .entry_ids
                .iter()
                .position(|id| *id == e.id)
                .ok_or_else(|| {
                    TestCaseError::fail(format!("entries::list returned a stranger: {}", e.id))
                })?;
            sql.insert(index);
        }
        let domain: BTreeSet<usize> = (0..world.entries.len())
            .filter(|e| domain_sees_entry(world, &built, session, *e))
            .collect();
        compare("entries::list", "e", (n, session), &sql, &domain)?;
        prop_assert_eq!(
            total,
            found.len() as i64,
            "the total counts the entries listed"
        );
    }
    Ok(())
}

async fn category_list_equals_the_domain_rule(
    store: &Store,
    world: &World,
) -> Result<(), TestCaseError> {
    let built = build(store, world).await?;
    let mut conn = store.read().await.map_err(store_error("connect"))?;
    for (n, session) in world.sessions.iter().enumerate() {
        let ctx = context_for(session, &built);
        let (found, total) = categories::list(
            &mut conn,
            built.partner_id,
            &CategoryFilter::default(),
            &ctx,
            1_000,
            0,
        )
        .await
        .map_err(store_error("list categories"))?;
        let mut sql = BTreeSet::new();
        for c in &found {
            let index = built
                .categories
                .iter()
                .position(|b| b.id == c.id)
                .ok_or_else(|| {
                    TestCaseError::fail(format!("categories::list returned a stranger: {}", c.id))
                })?;
            sql.insert(index);
        }
        let domain: BTreeSet<usize> = (0..world.categories.len())
            .filter(|c| domain_sees_category(world, &built, session, *c))
            .collect();
        compare("categories::list", "c", (n, session), &sql, &domain)?;
        prop_assert_eq!(
            total,
            found.len() as i64,
            "the total counts the categories listed"
        );
    }
    Ok(())
}

async fn publication_facts_describe_the_world(
    store: &Store,
    world: &World,
) -> Result<(), TestCaseError> {
    let built = build(store, world).await?;
    let mut conn = store.read().await.map_err(store_error("connect"))?;
    let viewers: Vec<Option<&str>> = std::iter::once(None)
        .chain(SESSION_USERS.iter().copied().map(Some))
        .collect();
    for (i, seed) in world.entries.iter().enumerate() {
        for viewer in &viewers {
            let mut stored = entries::publication_facts(&mut conn, &built.entry_ids[i], *viewer)
                .await
                .map_err(store_error("read publication facts"))?;
            stored.sort_by_key(|f| f.category_id);
            let mut expected: Vec<PublicationFacts> = seed
                .publications
                .iter()
                .map(|p| {
                    let c = &built.categories[p.category];
                    PublicationFacts {
                        category_id: c.id,
                        status: p.status as i64,
                        privacy: world.categories[p.category].privacy as i64,
                        privacy_contexts: contexts_joined(world, p.category),
                        viewer_is_member: active_member(world, *viewer, p.category),
                    }
                })
                .collect();
            expected.sort_by_key(|f| f.category_id);
            prop_assert_eq!(
                stored,
                expected,
                "publications of e{} seen by {:?}",
                i,
                viewer
            );
        }
    }
    Ok(())
}

/// A category's effective contexts as stored: the parent's, then its own new ones.
fn contexts_joined(world: &World, category: usize) -> String {
    let mut chain = vec![category];
    while let Some(parent) = world.categories[chain[chain.len() - 1]].parent {
        chain.push(parent);
    }
    let mut labels: Vec<String> = Vec::new();
    for c in chain.iter().rev() {
        for label in &world.categories[*c].labels {
            if !labels.iter().any(|l| l == label) {
                labels.push((*label).to_owned());
            }
        }
    }
    labels.join(",")
}

/// Runs a property over random worlds on one backend; a failure names the backend and the
/// smallest world proptest found.
fn check_property<Fut>(
    db: &TestDb,
    runtime: &tokio::runtime::Runtime,
    property: impl Fn(Store, World) -> Fut,
) where
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_iters: 512,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&world(), |world| {
        runtime.block_on(property(db.store.clone(), world))
    });
    if let Err(e) = outcome {
        panic!("on {}: {e}", db.label);
    }
}

#[test]
fn the_entitled_entry_list_is_exactly_the_entries_the_domain_rule_shows() {
    on_each_backend_blocking("entitlement_sql::entries", |runtime, db| {
        check_property(db, runtime, |store, world| async move {
            entry_list_equals_the_domain_rule(&store, &world).await
        });
    });
}

#[test]
fn the_entitled_category_list_is_exactly_the_categories_the_domain_rule_shows() {
    on_each_backend_blocking("entitlement_sql::categories", |runtime, db| {
        check_property(db, runtime, |store, world| async move {
            category_list_equals_the_domain_rule(&store, &world).await
        });
    });
}

#[test]
fn publication_facts_give_each_publications_status_privacy_contexts_and_active_membership() {
    on_each_backend_blocking("entitlement_sql::publication_facts", |runtime, db| {
        check_property(db, runtime, |store, world| async move {
            publication_facts_describe_the_world(&store, &world).await
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Examples: the disagreements the properties found, kept as plain specifications
// ---------------------------------------------------------------------------------------------

async fn one_category_world(
    conn: &mut Conn,
    own_context: &str,
    appear_in_list: AppearInList,
) -> (i64, Category) {
    let p = partners::create(conn, "Example").await.expect("a partner");
    let mut c = Category {
        partner_id: p.id,
        name: "Course".into(),
        full_name: "Course".into(),
        privacy: Privacy::MembersOnly as i64,
        appear_in_list: appear_in_list as i64,
        inheritance_type: Inheritance::Manual as i64,
        privacy_context: own_context.into(),
        privacy_contexts: own_context.into(),
        status: categories::STATUS_ACTIVE,
        ..Category::default()
    };
    c.id = categories::insert(conn, &c).await.expect("a category");
    categories::set_path(conn, c.id, &c.id.to_string(), c.id)
        .await
        .expect("its path");
    let c = categories::get(conn, p.id, c.id)
        .await
        .expect("read")
        .expect("live");
    (p.id, c)
}

fn in_context(user: Option<&str>, context: Option<&str>) -> EntitlementContext {
    EntitlementContext {
        enforced: true,
        user: user.and_then(UserId::parse),
        privacy_context: context.map(str::to_owned),
        bypass_entries: vec![],
        widget: false,
    }
}

#[tokio::test]
async fn a_deleted_membership_does_not_list_a_category_shown_to_members_only() {
    common::on_each_backend("deleted_membership_lists_nothing", |db| async move {
        // Arrange: a Portal category listed to its members only; Bob's membership is deleted.
        let mut conn = db.store.read().await.expect("a connection");
        let (partner_id, course) =
            one_category_world(&mut conn, "Portal", AppearInList::CategoryMembersOnly).await;
        let bob = Member {
            category_id: course.id,
            user_id: "bob".into(),
            partner_id,
            permission_level: PermissionLevel::Member.code(),
            permission_names: "CATEGORY_VIEW".into(),
            status: MemberStatus::Deleted as i64,
            update_method: 0,
            category_full_ids: course.full_ids.clone(),
            created_at: 0,
            updated_at: 0,
        };
        members::put(&mut conn, &bob).await.expect("put");
        let ctx = in_context(Some("bob"), Some("Portal"));

        // Act
        let (found, total) = categories::list(
            &mut conn,
            partner_id,
            &CategoryFilter::default(),
            &ctx,
            10,
            0,
        )
        .await
        .expect("list");

        // Assert: as `may_see_category` says, a deleted membership counts for nothing.
        let contexts = vec!["Portal".to_owned()];
        let domain = may_see_category(
            &ctx,
            &CategoryAccess {
                contexts: &contexts,
                appear_in_list: AppearInList::CategoryMembersOnly,
                viewer_is_member: false,
            },
        );
        assert!(!domain);
        assert_eq!((found.len(), total), (0, 0), "on {}", db.label);
    })
    .await;
}

#[tokio::test]
async fn a_privacy_context_matches_only_in_its_exact_case() {
    common::on_each_backend("privacy_context_case", |db| async move {
        // Arrange: a Portal category listed to everyone, holding an entry open to all.
        let mut conn = db.store.read().await.expect("a connection");
        let (partner_id, mut course) =
            one_category_world(&mut conn, "Portal", AppearInList::PartnerOnly).await;
        course.privacy = Privacy::All as i64;
        categories::update(&mut conn, &course)
            .await
            .expect("update");
        let e = Entry {
            id: format!("0_p{partner_id}case"),
            partner_id,
            name: "e".into(),
            owner_id: "olga".into(),
            creator_id: "olga".into(),
            status: entries::STATUS_READY,
            entry_type: 1,
            ..Entry::default()
        };
        entries::insert(&mut conn, &e).await.expect("insert");
        publications::add(&mut conn, &course, &e.id, 2, None, "api")
            .await
            .expect("publish");
        let lower = in_context(Some("bob"), Some("portal"));
        let wildcard = in_context(Some("bob"), Some("Po_tal"));

        // Act
        let mut listed = Vec::new();
        for ctx in [&lower, &wildcard] {
            let (cs, _) = categories::list(
                &mut conn,
                partner_id,
                &CategoryFilter::default(),
                ctx,
                10,
                0,
            )
            .await
            .expect("list categories");
            let (es, _) = entries::list(
                &mut conn,
                partner_id,
                &EntryFilter::default(),
                &ListScope::Entitled,
                ctx,
                10,
                0,
            )
            .await
            .expect("list entries");
            listed.push((cs.len(), es.len()));
        }

        // Assert: the domain compares contexts exactly, so neither session sees anything.
        assert!(!lower.context_matches(&["Portal".to_owned()]));
        assert_eq!(listed, vec![(0, 0), (0, 0)], "on {}", db.label);
    })
    .await;
}
