//! Backend conformance: the same stories of the store's API, run on SQLite and PostgreSQL,
//! with the same exact answers expected from both.

mod common;

use common::on_each_backend;
use quad_domain::category::effective_contexts;
use quad_domain::entitlement::{EntitlementContext, ListScope};
use quad_domain::{CategoryPath, UserId};
use quad_store::categories::{self, Category, CategoryFilter};
use quad_store::entries::{
    self, Collaborators, Entry, EntryFilter, ROLE_EDITOR, ROLE_PUBLISHER, ROLE_VIEWER,
};
use quad_store::members::{self, Member, MemberFilter};
use quad_store::partners::{self, Partner};
use quad_store::uploads::{self, UploadToken, UploadTokenFilter};
use quad_store::users::{self, User, UserFilter};
use quad_store::{Conn, now, publications, sessions};

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

async fn partner(conn: &mut Conn, name: &str) -> Partner {
    partners::create(conn, name)
        .await
        .expect("a partner is created")
}

/// Every live object visible: entitlement off.
fn unenforced() -> EntitlementContext {
    EntitlementContext {
        enforced: false,
        user: None,
        privacy_context: None,
        bypass_entries: vec![],
        widget: false,
    }
}

fn entry(partner_id: i64, id: &str, name: &str, owner: &str, created_at: i64) -> Entry {
    Entry {
        id: id.to_owned(),
        partner_id,
        name: name.to_owned(),
        owner_id: owner.to_owned(),
        creator_id: owner.to_owned(),
        status: entries::STATUS_READY,
        media_type: Some(1),
        entry_type: 1,
        display_in_search: 1,
        created_at,
        updated_at: created_at,
        ..Entry::default()
    }
}

async fn insert_entry(conn: &mut Conn, e: &Entry) {
    entries::insert(conn, e)
        .await
        .expect("the entry is inserted");
}

/// Inserts a category under `parent` with its derived path, contexts and member source, as
/// the category service does, and reads it back.
async fn add_category(
    conn: &mut Conn,
    partner_id: i64,
    parent: Option<&Category>,
    name: &str,
    own_context: &str,
) -> Category {
    let parent_path = parent
        .map(|p| CategoryPath::parse(&p.full_name, &p.full_ids))
        .unwrap_or_default();
    let parent_contexts: Vec<String> = parent
        .map(|p| split(&p.privacy_contexts))
        .unwrap_or_default();
    let full_name = match parent {
        Some(p) => format!("{}>{name}", p.full_name),
        None => name.to_owned(),
    };
    let mut c = Category {
        partner_id,
        parent_id: parent.map_or(0, |p| p.id),
        name: name.to_owned(),
        full_name,
        depth: parent_path.ids.len() as i64,
        privacy: 1,
        appear_in_list: 1,
        inheritance_type: 2,
        user_join_policy: 3,
        default_permission_level: 3,
        contribution_policy: 1,
        privacy_context: own_context.to_owned(),
        privacy_contexts: effective_contexts(&parent_contexts, &split(own_context)).join(","),
        status: categories::STATUS_ACTIVE,
        ..Category::default()
    };
    c.id = categories::insert(conn, &c)
        .await
        .expect("the category is inserted");
    let full_ids = parent_path.child(c.id, name).full_ids();
    categories::set_path(conn, c.id, &full_ids, c.id)
        .await
        .expect("the path is set");
    reload(conn, &c).await
}

async fn reload(conn: &mut Conn, c: &Category) -> Category {
    categories::get(conn, c.partner_id, c.id)
        .await
        .expect("the category is read")
        .expect("the category is live")
}

fn split(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn user(partner_id: i64, id: &str) -> User {
    User {
        partner_id,
        id: id.to_owned(),
        screen_name: Some(id.to_owned()),
        status: users::STATUS_ACTIVE,
        ..User::default()
    }
}

fn member(category: &Category, user: &str, level: i64, names: &str, status: i64) -> Member {
    Member {
        category_id: category.id,
        user_id: user.to_owned(),
        partner_id: category.partner_id,
        permission_level: level,
        permission_names: names.to_owned(),
        status,
        update_method: 0,
        category_full_ids: category.full_ids.clone(),
        created_at: 0,
        updated_at: 0,
    }
}

async fn entry_ids(
    conn: &mut Conn,
    partner_id: i64,
    filter: &EntryFilter,
    scope: &ListScope,
) -> (Vec<String>, i64) {
    let (found, total) = entries::list(conn, partner_id, filter, scope, &unenforced(), 100, 0)
        .await
        .expect("entries are listed");
    (found.into_iter().map(|e| e.id).collect(), total)
}

async fn category_ids(conn: &mut Conn, partner_id: i64, filter: &CategoryFilter) -> Vec<i64> {
    category_ids_as(conn, partner_id, filter, &unenforced()).await
}

async fn category_ids_as(
    conn: &mut Conn,
    partner_id: i64,
    filter: &CategoryFilter,
    ctx: &EntitlementContext,
) -> Vec<i64> {
    let (found, total) = categories::list(conn, partner_id, filter, ctx, 100, 0)
        .await
        .expect("categories are listed");
    assert_eq!(total, found.len() as i64, "the total counts what is listed");
    found.into_iter().map(|c| c.id).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Migrations and partners
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn opening_a_migrated_database_again_applies_nothing_and_keeps_its_data() {
    on_each_backend("migrations_are_idempotent", |db| async move {
        // Arrange: a database with one partner in it.
        let mut conn = db.store.read().await.expect("a connection");
        let created = partner(&mut conn, "Acme").await;
        drop(conn);

        // Act: open the same database again, which runs the migrations again.
        let again = db
            .reopen()
            .await
            .expect("reopening a migrated database works");

        // Assert
        let mut conn = again.read().await.expect("a connection");
        assert_eq!(partners::count(&mut conn).await.expect("count"), 1);
        let found = partners::get(&mut conn, created.id).await.expect("get");
        assert_eq!(found, Some(created));
        drop(conn);
        again.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_new_partner_gets_id_101_fresh_secrets_and_the_default_settings() {
    on_each_backend("partner_create_get", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");

        let first = partner(&mut conn, "Acme University").await;
        let second = partner(&mut conn, "Other").await;

        assert_eq!(
            first.id, 101,
            "ids start above the reserved system partners"
        );
        assert_eq!(second.id, 102);
        assert_eq!(first.name, "Acme University");
        for secret in [&first.admin_secret, &first.secret] {
            assert_eq!(secret.len(), 32);
            assert!(
                secret
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            );
        }
        assert_ne!(first.admin_secret, first.secret);
        assert_ne!(first.admin_secret, second.admin_secret);
        assert!(first.entitlement_default);
        assert_eq!(
            (
                first.ks_version,
                first.ks_max_expiry,
                first.categories_per_entry
            ),
            (2, 86_400, 100)
        );
        let got = partners::get(&mut conn, first.id).await.expect("get");
        assert_eq!(got, Some(first.clone()));
        assert_eq!(partners::get(&mut conn, 999).await.expect("get"), None);
        assert_eq!(
            partners::first(&mut conn).await.expect("first"),
            Some(first)
        );
        assert_eq!(partners::count(&mut conn).await.expect("count"), 2);
    })
    .await;
}

#[tokio::test]
async fn configure_changes_only_the_entitlement_default_and_the_ks_version() {
    on_each_backend("partner_configure", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;

        partners::configure(&mut conn, p.id, false, 1)
            .await
            .expect("configure");

        let got = partners::get(&mut conn, p.id)
            .await
            .expect("get")
            .expect("the partner exists");
        assert_eq!(
            got,
            Partner {
                entitlement_default: false,
                ks_version: 1,
                ..p
            }
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_user_is_inserted_read_updated_and_deleted() {
    on_each_backend("users_crud", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let before = now();
        let alice = User {
            screen_name: Some("Alice A".into()),
            first_name: Some("Alice".into()),
            last_name: Some("Archer".into()),
            email: Some("alice@uni.example".into()),
            tags: Some("staff".into()),
            partner_data: Some("{\"x\":1}".into()),
            user_type: 0,
            ..user(p.id, "alice")
        };

        // Insert
        let inserted = users::insert(&mut conn, &alice).await.expect("insert");
        assert!(inserted.created_at >= before && inserted.created_at <= now());
        assert_eq!(
            inserted,
            User {
                created_at: inserted.created_at,
                updated_at: inserted.created_at,
                ..alice.clone()
            }
        );
        let got = users::get(&mut conn, p.id, "alice").await.expect("get");
        assert_eq!(got.as_ref(), Some(&inserted));

        // Update
        let changed = User {
            screen_name: Some("Dr. Alice".into()),
            email: None,
            is_admin: true,
            status: users::STATUS_BLOCKED,
            ..inserted.clone()
        };
        let updated = users::update(&mut conn, &changed).await.expect("update");
        assert_eq!(
            updated,
            User {
                updated_at: updated.updated_at,
                ..changed
            }
        );
        assert!(updated.updated_at >= inserted.updated_at);
        let got = users::get(&mut conn, p.id, "alice").await.expect("get");
        assert_eq!(got, Some(updated));

        // Delete
        users::delete(&mut conn, p.id, "alice")
            .await
            .expect("delete");
        assert_eq!(
            users::get(&mut conn, p.id, "alice").await.expect("get"),
            None
        );
        let (listed, total) = users::list(&mut conn, p.id, &UserFilter::default(), 10, 0)
            .await
            .expect("list");
        assert_eq!((listed.len(), total), (0, 0));
    })
    .await;
}

#[tokio::test]
async fn a_deleted_user_comes_back_with_the_new_fields_when_inserted_again() {
    on_each_backend("users_revive", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let old = User {
            email: Some("old@uni.example".into()),
            ..user(p.id, "bob")
        };
        users::insert(&mut conn, &old).await.expect("insert");
        users::delete(&mut conn, p.id, "bob").await.expect("delete");

        let new = User {
            screen_name: Some("Robert".into()),
            email: None,
            ..user(p.id, "bob")
        };
        users::insert(&mut conn, &new).await.expect("insert again");

        let got = users::get(&mut conn, p.id, "bob")
            .await
            .expect("get")
            .expect("bob is live again");
        assert_eq!(got.screen_name.as_deref(), Some("Robert"));
        assert_eq!(got.email, None);
        assert_eq!(got.status, users::STATUS_ACTIVE);
    })
    .await;
}

#[tokio::test]
async fn ensure_creates_a_bare_active_user_only_when_none_is_live() {
    on_each_backend("users_ensure", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;

        users::ensure(&mut conn, p.id, "carol")
            .await
            .expect("ensure");
        let bare = users::get(&mut conn, p.id, "carol")
            .await
            .expect("get")
            .expect("carol was created");
        assert_eq!(bare.screen_name.as_deref(), Some("carol"));
        assert_eq!(bare.status, users::STATUS_ACTIVE);
        assert!(!bare.is_admin);
        assert_eq!((bare.email, bare.full_name), (None, None));

        let renamed = User {
            screen_name: Some("Carol C".into()),
            ..users::get(&mut conn, p.id, "carol")
                .await
                .expect("get")
                .expect("carol")
        };
        users::update(&mut conn, &renamed).await.expect("update");
        users::ensure(&mut conn, p.id, "carol")
            .await
            .expect("ensure again");
        let kept = users::get(&mut conn, p.id, "carol")
            .await
            .expect("get")
            .expect("carol");
        assert_eq!(kept.screen_name.as_deref(), Some("Carol C"));
    })
    .await;
}

#[tokio::test]
async fn the_user_list_filters_orders_pages_and_stays_inside_its_partner() {
    on_each_backend("users_list", |db| async move {
        // Arrange
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let other = partner(&mut conn, "Other").await;
        let people = [
            User {
                screen_name: Some("Anna Smith".into()),
                email: Some("anna@a.example".into()),
                first_name: Some("Anna".into()),
                is_admin: true,
                ..user(p.id, "anna")
            },
            User {
                email: Some("ben@b.example".into()),
                last_name: Some("Bolt".into()),
                ..user(p.id, "ben")
            },
            User {
                status: users::STATUS_BLOCKED,
                ..user(p.id, "cara")
            },
            user(p.id, "dan"),
            user(p.id, "eve"),
            user(other.id, "anna"),
            user(other.id, "zoe"),
        ];
        for u in &people {
            users::insert(&mut conn, u).await.expect("insert");
        }
        users::delete(&mut conn, p.id, "eve").await.expect("delete");
        let ids = |found: Vec<User>| {
            let mut ids: Vec<String> = found.into_iter().map(|u| u.id).collect();
            ids.sort();
            ids
        };
        let cases: Vec<(UserFilter, &[&str])> = vec![
            (UserFilter::default(), &["anna", "ben", "cara", "dan"]),
            (
                UserFilter {
                    id_in: Some(strings(&["anna", "dan", "eve", "zoe"])),
                    ..UserFilter::default()
                },
                &["anna", "dan"],
            ),
            (
                UserFilter {
                    screen_name_like: Some("SMITH".into()),
                    ..UserFilter::default()
                },
                &["anna"],
            ),
            (
                UserFilter {
                    email_starts_with: Some("ben@".into()),
                    ..UserFilter::default()
                },
                &["ben"],
            ),
            (
                UserFilter {
                    first_name_or_last_name_starts_with: Some("bo".into()),
                    ..UserFilter::default()
                },
                &["ben"],
            ),
            (
                UserFilter {
                    id_or_screen_name_starts_with: Some("an".into()),
                    ..UserFilter::default()
                },
                &["anna"],
            ),
            (
                UserFilter {
                    status_equal: Some(users::STATUS_BLOCKED),
                    ..UserFilter::default()
                },
                &["cara"],
            ),
            (
                UserFilter {
                    is_admin_equal: Some(true),
                    ..UserFilter::default()
                },
                &["anna"],
            ),
        ];

        // Act and assert
        for (filter, expected) in cases {
            let (found, total) = users::list(&mut conn, p.id, &filter, 100, 0)
                .await
                .expect("list");
            assert_eq!(ids(found), strings(expected), "filter {filter:?}");
            assert_eq!(total, expected.len() as i64, "total of filter {filter:?}");
        }
        let by_id_desc = UserFilter {
            order_by: Some(("id".into(), true)),
            ..UserFilter::default()
        };
        let (page, total) = users::list(&mut conn, p.id, &by_id_desc, 2, 1)
            .await
            .expect("list");
        let page: Vec<String> = page.into_iter().map(|u| u.id).collect();
        assert_eq!(page, strings(&["cara", "ben"]));
        assert_eq!(total, 4, "the total counts every match, not the page");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

fn full_entry(partner_id: i64) -> Entry {
    Entry {
        id: "0_full0001".into(),
        partner_id,
        name: "Every field".into(),
        description: Some("a description with 'quotes' and ünïcode".into()),
        tags: Some("a,b".into()),
        admin_tags: Some("admin".into()),
        owner_id: "olga".into(),
        creator_id: "carl".into(),
        status: entries::STATUS_READY,
        media_type: Some(5),
        entry_type: 1,
        reference_id: Some("ref-1".into()),
        partner_data: Some("pd".into()),
        partner_sort_value: -7,
        duration_ms: Some(61_500),
        width: Some(1920),
        height: Some(1080),
        size_bytes: Some(5_000_000_000),
        plays: 3,
        views: 4,
        last_played_at: Some(1_700_000_100),
        start_date: Some(1_700_000_200),
        end_date: Some(1_800_000_000),
        display_in_search: 2,
        template_entry_id: Some("0_template".into()),
        source_key: Some("uploads/0_tok".into()),
        source_type: Some("1".into()),
        source_file_name: Some("clip.mp4".into()),
        credit_user_name: Some("Credit".into()),
        credit_url: Some("https://credit.example".into()),
        conversion_profile_id: Some(42),
        web_flavor_key: Some("uploads/t.web.mp4".to_owned()),
        web_flavor_bytes: Some(12345),
        hls_key: Some("uploads/t.hls".to_owned()),
        status_reason: Some("a reason".to_owned()),
        version: 2,
        created_at: 1_700_000_000,
        updated_at: 1_700_000_050,
    }
}

#[tokio::test]
async fn an_inserted_entry_reads_back_field_for_field() {
    on_each_backend("entries_insert_get", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let e = full_entry(p.id);

        insert_entry(&mut conn, &e).await;

        let got = entries::get(&mut conn, p.id, &e.id).await.expect("get");
        assert_eq!(got, Some(e.clone()));
        let other = partner(&mut conn, "Other").await;
        assert_eq!(
            entries::get(&mut conn, other.id, &e.id).await.expect("get"),
            None,
            "an entry is invisible to other partners"
        );
    })
    .await;
}

#[tokio::test]
async fn update_writes_every_field_back_and_bumps_updated_at() {
    on_each_backend("entries_update", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let e = full_entry(p.id);
        insert_entry(&mut conn, &e).await;
        let changed = Entry {
            name: "Renamed".into(),
            description: None,
            tags: Some("c".into()),
            owner_id: "otto".into(),
            status: entries::STATUS_NO_CONTENT,
            media_type: Some(1),
            duration_ms: None,
            plays: 10,
            source_key: None,
            version: 3,
            ..e.clone()
        };
        let before = now();

        entries::update(&mut conn, &changed).await.expect("update");

        let got = entries::get(&mut conn, p.id, &e.id)
            .await
            .expect("get")
            .expect("the entry is live");
        assert!(got.updated_at >= before && got.updated_at <= now());
        assert_eq!(
            got,
            Entry {
                updated_at: got.updated_at,
                ..changed
            }
        );
    })
    .await;
}

#[tokio::test]
async fn deleted_entries_are_neither_got_nor_listed() {
    on_each_backend("entries_deleted", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let live = entry(p.id, "0_live", "Live", "olga", 100);
        let gone = Entry {
            status: entries::STATUS_DELETED,
            ..entry(p.id, "0_gone", "Gone", "olga", 200)
        };
        insert_entry(&mut conn, &live).await;
        insert_entry(&mut conn, &gone).await;

        let got = entries::get(&mut conn, p.id, "0_gone").await.expect("get");
        let many = entries::get_many(&mut conn, p.id, &strings(&["0_live", "0_gone", "0_none"]))
            .await
            .expect("get_many");
        let listed = entry_ids(
            &mut conn,
            p.id,
            &EntryFilter::default(),
            &ListScope::Entitled,
        )
        .await;

        assert_eq!(got, None);
        assert_eq!(many, vec![live]);
        assert_eq!(listed, (strings(&["0_live"]), 1));
    })
    .await;
}

#[tokio::test]
async fn collaborators_keep_the_order_given_and_are_replaced_one_role_at_a_time() {
    on_each_backend("entries_collaborators", |db| async move {
        // Arrange
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        for id in ["0_one", "0_two", "0_three"] {
            insert_entry(&mut conn, &entry(p.id, id, id, "olga", 1)).await;
        }
        let set = |entry: &'static str, role: i64, users: &'static [&'static str]| {
            (entry, role, strings(users))
        };
        let writes = [
            set("0_one", ROLE_EDITOR, &["carol", "anna"]),
            set("0_one", ROLE_PUBLISHER, &["bob"]),
            set("0_two", ROLE_VIEWER, &["dave"]),
        ];
        for (entry, role, users) in &writes {
            entries::set_collaborators(&mut conn, p.id, entry, *role, users)
                .await
                .expect("set collaborators");
        }
        let all = strings(&["0_one", "0_two", "0_three"]);

        // Act
        let before = entries::collaborators(&mut conn, &all)
            .await
            .expect("collaborators");
        entries::set_collaborators(&mut conn, p.id, "0_one", ROLE_EDITOR, &strings(&["zed"]))
            .await
            .expect("replace editors");
        let after = entries::collaborators(&mut conn, &all)
            .await
            .expect("collaborators");

        // Assert
        assert_eq!(before.len(), 2, "an entry without collaborators has no key");
        assert_eq!(
            before.get("0_one"),
            Some(&Collaborators {
                editors: strings(&["carol", "anna"]),
                publishers: strings(&["bob"]),
                viewers: vec![],
            })
        );
        assert_eq!(
            before.get("0_two"),
            Some(&Collaborators {
                viewers: strings(&["dave"]),
                ..Collaborators::default()
            })
        );
        assert_eq!(
            after.get("0_one"),
            Some(&Collaborators {
                editors: strings(&["zed"]),
                publishers: strings(&["bob"]),
                viewers: vec![],
            })
        );
    })
    .await;
}

/// Three live entries, one deleted and one of another partner, plus two categories:
/// `0_a` is active in `Uni>Bio`, `0_b` only pending in `Uni`.
struct Catalogue {
    partner_id: i64,
    root: Category,
    bio: Category,
}

async fn catalogue(conn: &mut Conn) -> Catalogue {
    let p = partner(conn, "Acme").await;
    let other = partner(conn, "Other").await;
    let a = Entry {
        tags: Some("bio,lecture".into()),
        plays: 5,
        ..entry(p.id, "0_a", "Intro to Biology", "alice", 100)
    };
    let b = Entry {
        tags: Some("chem".into()),
        description: Some("Reactions".into()),
        media_type: Some(5),
        plays: 9,
        ..entry(p.id, "0_b", "Advanced Chemistry", "bob", 200)
    };
    let c = Entry {
        tags: Some("bio,lab".into()),
        media_type: Some(2),
        status: entries::STATUS_NO_CONTENT,
        plays: 1,
        reference_id: Some("lab-1".into()),
        ..entry(p.id, "0_c", "Biology Lab", "alice", 300)
    };
    let d = Entry {
        status: entries::STATUS_DELETED,
        ..entry(p.id, "0_d", "Deleted biology", "alice", 400)
    };
    let elsewhere = entry(other.id, "0_x", "Biology elsewhere", "alice", 500);
    for e in [&a, &b, &c, &d, &elsewhere] {
        insert_entry(conn, e).await;
    }
    let root = add_category(conn, p.id, None, "Uni", "").await;
    let bio = add_category(conn, p.id, Some(&root), "Bio", "").await;
    publications::add(
        conn,
        &bio,
        "0_a",
        publications::STATUS_ACTIVE,
        Some("alice"),
        "api",
    )
    .await
    .expect("publish 0_a");
    publications::add(
        conn,
        &root,
        "0_b",
        publications::STATUS_PENDING,
        Some("bob"),
        "api",
    )
    .await
    .expect("publish 0_b");
    Catalogue {
        partner_id: p.id,
        root: reload(conn, &root).await,
        bio: reload(conn, &bio).await,
    }
}

#[tokio::test]
async fn the_entry_list_applies_each_filter() {
    on_each_backend("entries_list_filters", |db| async move {
        // Arrange
        let mut conn = db.store.read().await.expect("a connection");
        let cat = catalogue(&mut conn).await;
        let f = EntryFilter::default;
        let cases: Vec<(&str, EntryFilter, &[&str])> = vec![
            ("none", f(), &["0_c", "0_b", "0_a"]),
            (
                "nameLike, any case",
                EntryFilter {
                    name_like: Some("BIOLOGY".into()),
                    ..f()
                },
                &["0_c", "0_a"],
            ),
            (
                "userIdEqual",
                EntryFilter {
                    user_id_equal: Some("bob".into()),
                    ..f()
                },
                &["0_b"],
            ),
            (
                "statusIn",
                EntryFilter {
                    status_in: Some(vec![entries::STATUS_READY]),
                    ..f()
                },
                &["0_b", "0_a"],
            ),
            (
                "mediaTypeEqual",
                EntryFilter {
                    media_type_equal: Some(5),
                    ..f()
                },
                &["0_b"],
            ),
            (
                "tagsMultiLikeOr",
                EntryFilter {
                    tags_multi_like_or: Some(strings(&["lab", "chem"])),
                    ..f()
                },
                &["0_c", "0_b"],
            ),
            (
                "tagsMultiLikeAnd",
                EntryFilter {
                    tags_multi_like_and: Some(strings(&["bio", "lecture"])),
                    ..f()
                },
                &["0_a"],
            ),
            (
                "freeText in the description",
                EntryFilter {
                    free_text: Some("reactions".into()),
                    ..f()
                },
                &["0_b"],
            ),
            (
                "idIn",
                EntryFilter {
                    id_in: Some(strings(&["0_a", "0_d", "0_x"])),
                    ..f()
                },
                &["0_a"],
            ),
            (
                "idNotIn",
                EntryFilter {
                    id_not_in: Some(strings(&["0_a"])),
                    ..f()
                },
                &["0_c", "0_b"],
            ),
            (
                "referenceIdEqual",
                EntryFilter {
                    reference_id_equal: Some("lab-1".into()),
                    ..f()
                },
                &["0_c"],
            ),
            (
                "createdAt range",
                EntryFilter {
                    created_at_gte: Some(150),
                    created_at_lte: Some(250),
                    ..f()
                },
                &["0_b"],
            ),
            (
                "categoriesIdsMatchOr counts active publications only",
                EntryFilter {
                    categories_ids_match_or: Some(vec![cat.bio.id, cat.root.id]),
                    ..f()
                },
                &["0_a"],
            ),
            (
                "categoriesIdsEmpty",
                EntryFilter {
                    categories_ids_empty: Some(true),
                    ..f()
                },
                &["0_c", "0_b"],
            ),
            (
                "categoryAncestorIdIn",
                EntryFilter {
                    category_ancestor_id_in: Some(vec![cat.root.id]),
                    ..f()
                },
                &["0_a"],
            ),
            (
                "categoriesMatchOr by full name, below included",
                EntryFilter {
                    categories_match_or: Some(strings(&["Uni"])),
                    ..f()
                },
                &["0_a"],
            ),
            (
                "entitled users (co-editor)",
                EntryFilter {
                    entitled_users: vec![(ROLE_EDITOR, strings(&["erin"]), false)],
                    ..f()
                },
                &["0_c"],
            ),
        ];
        entries::set_collaborators(
            &mut conn,
            cat.partner_id,
            "0_c",
            ROLE_EDITOR,
            &strings(&["erin"]),
        )
        .await
        .expect("set collaborators");

        // Act and assert
        for (name, filter, expected) in cases {
            let (ids, total) =
                entry_ids(&mut conn, cat.partner_id, &filter, &ListScope::Entitled).await;
            assert_eq!(ids, strings(expected), "filter {name}");
            assert_eq!(total, expected.len() as i64, "total of filter {name}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_entry_list_orders_by_the_field_asked_for_and_pages() {
    on_each_backend("entries_list_order_paging", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let cat = catalogue(&mut conn).await;
        let ordered = |field: &str, desc: bool| EntryFilter {
            order_by: Some((field.to_owned(), desc)),
            ..EntryFilter::default()
        };
        let all = ListScope::Entitled;

        let by_plays = entry_ids(&mut conn, cat.partner_id, &ordered("plays", false), &all).await;
        let by_name = entry_ids(&mut conn, cat.partner_id, &ordered("name", false), &all).await;
        let by_name_desc = entry_ids(&mut conn, cat.partner_id, &ordered("name", true), &all).await;
        let (page, total) = entries::list(
            &mut conn,
            cat.partner_id,
            &ordered("createdAt", false),
            &all,
            &unenforced(),
            2,
            1,
        )
        .await
        .expect("list");

        assert_eq!(by_plays.0, strings(&["0_c", "0_a", "0_b"]));
        assert_eq!(by_name.0, strings(&["0_b", "0_c", "0_a"]));
        assert_eq!(by_name_desc.0, strings(&["0_a", "0_c", "0_b"]));
        let page: Vec<String> = page.into_iter().map(|e| e.id).collect();
        assert_eq!(page, strings(&["0_b", "0_c"]));
        assert_eq!(total, 3);
    })
    .await;
}

#[tokio::test]
async fn the_owned_scope_lists_only_the_users_own_entries_and_nothing_for_anonymous() {
    on_each_backend("entries_owned_scope", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let cat = catalogue(&mut conn).await;
        let alice = UserId::parse("alice").expect("valid id");
        let f = EntryFilter::default();

        let owned = entry_ids(
            &mut conn,
            cat.partner_id,
            &f,
            &ListScope::Owned(Some(alice)),
        )
        .await;
        let anonymous = entry_ids(&mut conn, cat.partner_id, &f, &ListScope::Owned(None)).await;
        let count = entries::count(
            &mut conn,
            cat.partner_id,
            &f,
            &ListScope::Entitled,
            &unenforced(),
        )
        .await
        .expect("count");

        assert_eq!(owned, (strings(&["0_c", "0_a"]), 2));
        assert_eq!(anonymous, (vec![], 0));
        assert_eq!(count, 3);
    })
    .await;
}

/// Whether the KS with this hash was ended, as every call with a KS asks it.
async fn is_revoked(conn: &mut quad_store::Conn, partner_id: i64, hash: &str) -> bool {
    let found = partners::get_with_revocation(conn, partner_id, hash)
        .await
        .expect("partner and revocation");
    found.expect("the partner exists").1
}

#[tokio::test]
async fn public_categories_and_publication_facts_describe_an_entrys_publications() {
    on_each_backend("entries_publication_views", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let cat = catalogue(&mut conn).await;
        let ids = strings(&["0_a", "0_b", "0_c"]);

        let (_, public) = entries::extras(&mut conn, &ids)
            .await
            .expect("public categories");
        let facts = entries::publication_facts(&mut conn, "0_b", Some("bob"))
            .await
            .expect("facts");

        assert_eq!(public.len(), 1, "only active publications show");
        assert_eq!(
            public.get("0_a"),
            Some(&vec![(cat.bio.id, "Uni>Bio".to_owned())])
        );
        assert_eq!(
            facts,
            vec![entries::PublicationFacts {
                category_id: cat.root.id,
                status: publications::STATUS_PENDING,
                privacy: 1,
                privacy_contexts: String::new(),
                viewer_is_member: false,
            }]
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Categories and publications
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn categories_carry_their_path_and_count_their_sub_categories() {
    on_each_backend("categories_paths", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;

        let root = add_category(&mut conn, p.id, None, "Uni", "Portal").await;
        let bio = add_category(&mut conn, p.id, Some(&root), "Bio", "Kaf1").await;
        let week = add_category(&mut conn, p.id, Some(&bio), "Week1", "").await;
        let root = reload(&mut conn, &root).await;
        let bio = reload(&mut conn, &bio).await;

        assert_eq!(
            (root.full_name.as_str(), root.full_ids.clone(), root.depth),
            ("Uni", root.id.to_string(), 0)
        );
        assert_eq!(week.full_name, "Uni>Bio>Week1");
        assert_eq!(week.full_ids, format!("{}>{}>{}", root.id, bio.id, week.id));
        assert_eq!(week.depth, 2);
        assert_eq!(
            [
                root.privacy_contexts.as_str(),
                bio.privacy_contexts.as_str(),
                week.privacy_contexts.as_str()
            ],
            ["Portal", "Portal,Kaf1", "Portal,Kaf1"]
        );
        assert_eq!(
            [
                root.direct_sub_categories_count,
                bio.direct_sub_categories_count,
                week.direct_sub_categories_count
            ],
            [1, 1, 0]
        );
        let by_name = categories::get_by_full_name(&mut conn, p.id, "Uni>Bio")
            .await
            .expect("get by full name");
        assert_eq!(by_name, Some(bio.clone()));
        let many = categories::get_many(&mut conn, p.id, &[week.id, root.id, 9_999])
            .await
            .expect("get many");
        let mut many: Vec<i64> = many.into_iter().map(|c| c.id).collect();
        many.sort();
        assert_eq!(many, vec![root.id, week.id]);
    })
    .await;
}

#[tokio::test]
async fn descendants_are_listed_shallowest_first_and_never_a_cousin() {
    on_each_backend("categories_descendants", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let root = add_category(&mut conn, p.id, None, "Uni", "").await;
        let bio = add_category(&mut conn, p.id, Some(&root), "Bio", "").await;
        let chem = add_category(&mut conn, p.id, Some(&root), "Chem", "").await;
        let week = add_category(&mut conn, p.id, Some(&bio), "Week1", "").await;
        let other_root = add_category(&mut conn, p.id, None, "Other", "").await;
        add_category(&mut conn, p.id, Some(&other_root), "Child", "").await;

        let of_root = categories::descendants(&mut conn, &root)
            .await
            .expect("descendants");
        let of_bio = categories::descendants(&mut conn, &bio)
            .await
            .expect("descendants");
        let of_week = categories::descendants(&mut conn, &week)
            .await
            .expect("descendants");

        let ids = |cs: Vec<Category>| cs.into_iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(ids(of_root), vec![bio.id, chem.id, week.id]);
        assert_eq!(ids(of_bio), vec![week.id]);
        assert_eq!(ids(of_week), Vec::<i64>::new());
    })
    .await;
}

#[tokio::test]
async fn the_category_list_applies_each_filter_and_entitlement() {
    on_each_backend("categories_list", |db| async move {
        // Arrange
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let other = partner(&mut conn, "Other").await;
        let root = add_category(&mut conn, p.id, None, "Uni", "Portal").await;
        let bio = add_category(&mut conn, p.id, Some(&root), "Bio", "").await;
        let week = add_category(&mut conn, p.id, Some(&bio), "Week1", "").await;
        let open = add_category(&mut conn, p.id, None, "Open", "").await;
        add_category(&mut conn, other.id, None, "Elsewhere", "").await;
        let f = CategoryFilter::default;
        let cases: Vec<(&str, CategoryFilter, Vec<i64>)> = vec![
            (
                "none, by depth",
                f(),
                vec![root.id, open.id, bio.id, week.id],
            ),
            (
                "parentIdEqual",
                CategoryFilter {
                    parent_id_equal: Some(root.id),
                    ..f()
                },
                vec![bio.id],
            ),
            (
                "fullNameStartsWith",
                CategoryFilter {
                    full_name_starts_with: Some("Uni>".into()),
                    ..f()
                },
                vec![bio.id, week.id],
            ),
            (
                "ancestorIdIn",
                CategoryFilter {
                    ancestor_id_in: Some(vec![root.id]),
                    ..f()
                },
                vec![bio.id, week.id],
            ),
            (
                "privacyContextEqual",
                CategoryFilter {
                    privacy_context_equal: Some("Portal".into()),
                    ..f()
                },
                vec![root.id, bio.id, week.id],
            ),
            (
                "depthEqual",
                CategoryFilter {
                    depth_equal: Some(0),
                    ..f()
                },
                vec![root.id, open.id],
            ),
            (
                "idIn",
                CategoryFilter {
                    id_in: Some(vec![week.id, open.id]),
                    ..f()
                },
                vec![open.id, week.id],
            ),
            (
                "orderBy -name",
                CategoryFilter {
                    order_by: Some(("name".into(), true)),
                    ..f()
                },
                vec![week.id, root.id, open.id, bio.id],
            ),
        ];

        // Act and assert
        for (name, filter, expected) in cases {
            let ids = category_ids(&mut conn, p.id, &filter).await;
            assert_eq!(ids, expected, "filter {name}");
        }
        let in_portal = EntitlementContext {
            enforced: true,
            user: None,
            privacy_context: Some("Portal".into()),
            bypass_entries: vec![],
            widget: false,
        };
        let in_default = EntitlementContext {
            privacy_context: None,
            ..in_portal.clone()
        };
        assert_eq!(
            category_ids_as(&mut conn, p.id, &f(), &in_portal).await,
            vec![root.id, bio.id, week.id]
        );
        assert_eq!(
            category_ids_as(&mut conn, p.id, &f(), &in_default).await,
            vec![open.id]
        );
    })
    .await;
}

#[tokio::test]
async fn publications_move_the_entry_counters_of_the_category_and_its_ancestors() {
    on_each_backend("categories_counters", |db| async move {
        // Arrange
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        for id in ["0_e1", "0_e2"] {
            insert_entry(&mut conn, &entry(p.id, id, id, "olga", 1)).await;
        }
        let root = add_category(&mut conn, p.id, None, "Uni", "").await;
        let bio = add_category(&mut conn, p.id, Some(&root), "Bio", "").await;
        let week = add_category(&mut conn, p.id, Some(&bio), "Week1", "").await;
        // (entries_count, direct_entries_count, pending_entries_count) of root, bio, week.
        async fn counters(conn: &mut Conn, cs: [&Category; 3]) -> [(i64, i64, i64); 3] {
            let mut out = [(0, 0, 0); 3];
            for (slot, c) in out.iter_mut().zip(cs) {
                let c = reload(conn, c).await;
                *slot = (
                    c.entries_count,
                    c.direct_entries_count,
                    c.pending_entries_count,
                );
            }
            out
        }
        let tree = [&root, &bio, &week];

        // Act and assert, step by step.
        let active = publications::add(
            &mut conn,
            &week,
            "0_e1",
            publications::STATUS_ACTIVE,
            Some("olga"),
            "manual",
        )
        .await
        .expect("add active");
        assert_eq!(
            (
                active.category_id,
                active.entry_id.as_str(),
                active.status,
                active.reason.as_str()
            ),
            (week.id, "0_e1", publications::STATUS_ACTIVE, "manual")
        );
        assert_eq!(active.creator_user_id.as_deref(), Some("olga"));
        assert_eq!(active.category_full_ids, week.full_ids);
        assert_eq!(
            counters(&mut conn, tree).await,
            [(1, 0, 0), (1, 0, 0), (1, 1, 0)],
            "an active publication counts in the category and every ancestor"
        );

        let pending = publications::add(
            &mut conn,
            &bio,
            "0_e2",
            publications::STATUS_PENDING,
            None,
            "api",
        )
        .await
        .expect("add pending");
        assert_eq!(
            counters(&mut conn, tree).await,
            [(1, 0, 0), (1, 0, 1), (1, 1, 0)],
            "a pending publication counts as pending in its category only"
        );

        publications::set_status(&mut conn, &bio, &pending, publications::STATUS_ACTIVE)
            .await
            .expect("activate");
        assert_eq!(
            counters(&mut conn, tree).await,
            [(2, 0, 0), (2, 1, 0), (1, 1, 0)]
        );

        publications::remove(&mut conn, &week, &active)
            .await
            .expect("remove");
        assert_eq!(
            counters(&mut conn, tree).await,
            [(1, 0, 0), (1, 1, 0), (0, 0, 0)]
        );
        assert_eq!(
            publications::get(&mut conn, week.id, "0_e1")
                .await
                .expect("get"),
            None
        );
        assert_eq!(
            publications::count_for_entry(&mut conn, "0_e2")
                .await
                .expect("count"),
            1
        );
        let of_bio = publications::of_category(&mut conn, bio.id)
            .await
            .expect("of category");
        assert_eq!(of_bio.len(), 1);
        assert_eq!(of_bio[0].status, publications::STATUS_ACTIVE);

        let rejected = publications::add(
            &mut conn,
            &root,
            "0_e2",
            publications::STATUS_REJECTED,
            None,
            "api",
        )
        .await
        .expect("add rejected");
        let replaced = publications::add(
            &mut conn,
            &root,
            "0_e2",
            publications::STATUS_PENDING,
            None,
            "api",
        )
        .await
        .expect("add over the rejected one");
        assert_eq!(rejected.status, publications::STATUS_REJECTED);
        assert_eq!(replaced.status, publications::STATUS_PENDING);
        assert_eq!(
            counters(&mut conn, tree).await,
            [(1, 0, 1), (1, 1, 0), (0, 0, 0)]
        );
        let of_entry: Vec<i64> = publications::of_entry(&mut conn, "0_e2")
            .await
            .expect("of entry")
            .into_iter()
            .map(|p| p.category_id)
            .collect();
        let mut of_entry_sorted = of_entry.clone();
        of_entry_sorted.sort();
        assert_eq!(of_entry_sorted, vec![root.id, bio.id]);
    })
    .await;
}

#[tokio::test]
async fn a_deleted_category_is_hidden_frees_its_name_and_leaves_its_parents_count() {
    on_each_backend("categories_delete", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let root = add_category(&mut conn, p.id, None, "Uni", "").await;
        let bio = add_category(&mut conn, p.id, Some(&root), "Bio", "").await;

        categories::mark_deleted(&mut conn, &bio)
            .await
            .expect("delete");

        assert_eq!(
            categories::get(&mut conn, p.id, bio.id).await.expect("get"),
            None
        );
        assert_eq!(
            reload(&mut conn, &root).await.direct_sub_categories_count,
            0
        );
        assert_eq!(
            categories::descendants(&mut conn, &root)
                .await
                .expect("descendants"),
            vec![]
        );
        assert_eq!(
            category_ids(&mut conn, p.id, &CategoryFilter::default()).await,
            vec![root.id]
        );
        let again = add_category(&mut conn, p.id, Some(&root), "Bio", "").await;
        assert_ne!(
            again.id, bio.id,
            "the full name of a deleted category can be used again"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

/// A member filter's name, the filter, and the (category, user) pairs it finds.
type MemberCase<'a> = (&'a str, MemberFilter, Vec<(i64, &'a str)>);

const MANAGER_NAMES: &str = "CATEGORY_EDIT,CATEGORY_MODERATE,CATEGORY_CONTRIBUTE,CATEGORY_VIEW";
const CONTRIBUTOR_NAMES: &str = "CATEGORY_CONTRIBUTE,CATEGORY_VIEW";

#[tokio::test]
async fn members_are_put_replaced_listed_and_deleted_and_the_category_recounts_them() {
    on_each_backend("members", |db| async move {
        // Arrange
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let course = add_category(&mut conn, p.id, None, "Course", "Portal").await;
        let other = add_category(&mut conn, p.id, None, "Other", "").await;
        let counts = |c: &Category| (c.members_count, c.pending_members_count);

        // Put
        let alice = members::put(&mut conn, &member(&course, "alice", 0, MANAGER_NAMES, 1))
            .await
            .expect("put alice");
        assert_eq!(
            (
                alice.category_id,
                alice.user_id.as_str(),
                alice.permission_level,
                alice.status
            ),
            (course.id, "alice", 0, 1)
        );
        assert_eq!(alice.permission_names, MANAGER_NAMES);
        assert_eq!(alice.category_full_ids, course.full_ids);
        members::put(&mut conn, &member(&course, "bob", 3, "CATEGORY_VIEW", 2))
            .await
            .expect("put bob pending");
        members::put(&mut conn, &member(&other, "bob", 3, "CATEGORY_VIEW", 1))
            .await
            .expect("put bob elsewhere");
        assert_eq!(counts(&reload(&mut conn, &course).await), (1, 1));

        // Replace
        let bob = members::put(&mut conn, &member(&course, "bob", 2, CONTRIBUTOR_NAMES, 1))
            .await
            .expect("replace bob");
        assert_eq!((bob.permission_level, bob.status), (2, 1));
        assert_eq!(
            members::get(&mut conn, course.id, "bob")
                .await
                .expect("get"),
            Some(bob.clone())
        );
        assert_eq!(counts(&reload(&mut conn, &course).await), (2, 0));
        members::put(&mut conn, &member(&course, "bob", 1, CONTRIBUTOR_NAMES, 1))
            .await
            .expect("put bob again, active");
        assert_eq!(
            counts(&reload(&mut conn, &course).await),
            (2, 0),
            "a membership put again in the same status counts once"
        );

        // List
        let m = MemberFilter::default;
        let cases: Vec<MemberCase<'_>> = vec![
            (
                "categoryIdEqual",
                MemberFilter {
                    category_id_equal: Some(course.id),
                    ..m()
                },
                vec![(course.id, "alice"), (course.id, "bob")],
            ),
            (
                "userIdIn",
                MemberFilter {
                    user_id_in: Some(strings(&["bob"])),
                    ..m()
                },
                vec![(course.id, "bob"), (other.id, "bob")],
            ),
            (
                "permissionLevelEqual",
                MemberFilter {
                    permission_level_equal: Some(0),
                    ..m()
                },
                vec![(course.id, "alice")],
            ),
            (
                "permissionNamesMatchOr",
                MemberFilter {
                    permission_names_match_or: Some(strings(&["CATEGORY_CONTRIBUTE"])),
                    ..m()
                },
                vec![(course.id, "alice"), (course.id, "bob")],
            ),
            (
                "permissionNamesNotContains",
                MemberFilter {
                    permission_names_not_contains: Some(strings(&["CATEGORY_EDIT"])),
                    category_id_equal: Some(course.id),
                    ..m()
                },
                vec![(course.id, "bob")],
            ),
            (
                "categoryFullIdsStartsWith",
                MemberFilter {
                    category_full_ids_starts_with: Some(other.full_ids.clone()),
                    ..m()
                },
                vec![(other.id, "bob")],
            ),
        ];
        for (name, filter, expected) in cases {
            let (found, total) = members::list(&mut conn, p.id, &filter, 100, 0)
                .await
                .expect("list");
            let mut found: Vec<(i64, String)> = found
                .into_iter()
                .map(|m| (m.category_id, m.user_id))
                .collect();
            found.sort();
            let expected: Vec<(i64, String)> = expected
                .into_iter()
                .map(|(c, u)| (c, u.to_owned()))
                .collect();
            assert_eq!(total, expected.len() as i64, "total of filter {name}");
            assert_eq!(found, expected, "filter {name}");
        }

        // Delete
        members::delete(&mut conn, course.id, "bob")
            .await
            .expect("delete bob");
        assert_eq!(
            members::get(&mut conn, course.id, "bob")
                .await
                .expect("get"),
            None
        );
        assert_eq!(counts(&reload(&mut conn, &course).await), (1, 0));
        members::delete_all(&mut conn, course.id)
            .await
            .expect("delete all");
        assert_eq!(counts(&reload(&mut conn, &course).await), (0, 0));
        assert!(
            members::get(&mut conn, other.id, "bob")
                .await
                .expect("get")
                .is_some(),
            "other categories keep their members"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Upload tokens and sessions
// ---------------------------------------------------------------------------------------------

fn token(partner_id: i64, id: &str, user: &str, created_at: i64) -> UploadToken {
    UploadToken {
        id: id.to_owned(),
        partner_id,
        user_id: user.to_owned(),
        status: uploads::STATUS_PENDING,
        file_name: Some(format!("{id}.mp4")),
        file_size: Some(1024.0),
        uploaded_size: 0,
        auto_finalize: true,
        attached_object_type: None,
        attached_object_id: None,
        created_at,
        updated_at: created_at,
    }
}

async fn token_ids(conn: &mut Conn, partner_id: i64, f: UploadTokenFilter) -> (Vec<String>, i64) {
    let (found, total) = uploads::list(conn, partner_id, &f, 100, 0)
        .await
        .expect("list");
    (found.into_iter().map(|t| t.id).collect(), total)
}

#[tokio::test]
async fn upload_tokens_are_inserted_updated_listed_and_hidden_once_deleted() {
    on_each_backend("upload_tokens", |db| async move {
        // Arrange
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let first = token(p.id, "0_t1", "alice", 100);
        let second = token(p.id, "0_t2", "bob", 200);
        let third = token(p.id, "0_t3", "alice", 300);
        for t in [&first, &second, &third] {
            uploads::insert(&mut conn, t).await.expect("insert");
        }

        // Act
        let full = UploadToken {
            status: uploads::STATUS_FULL,
            uploaded_size: 1024,
            attached_object_type: Some("1".into()),
            attached_object_id: Some("0_entry".into()),
            ..first.clone()
        };
        let before = now();
        uploads::update(&mut conn, &full).await.expect("update");
        uploads::update(
            &mut conn,
            &UploadToken {
                status: uploads::STATUS_DELETED,
                ..third.clone()
            },
        )
        .await
        .expect("delete");

        // Assert
        assert_eq!(
            uploads::get(&mut conn, p.id, "0_t2").await.expect("get"),
            Some(second.clone())
        );
        let got = uploads::get(&mut conn, p.id, "0_t1")
            .await
            .expect("get")
            .expect("the token exists");
        assert!(got.updated_at >= before);
        assert_eq!(
            got,
            UploadToken {
                updated_at: got.updated_at,
                ..full
            }
        );
        assert_eq!(
            uploads::get(&mut conn, p.id, "0_t3").await.expect("get"),
            None
        );
        assert_eq!(
            uploads::get(&mut conn, p.id + 1, "0_t1")
                .await
                .expect("get"),
            None
        );
        assert_eq!(
            token_ids(&mut conn, p.id, UploadTokenFilter::default()).await,
            (strings(&["0_t2", "0_t1"]), 2),
            "newest first, deleted ones left out"
        );
        assert_eq!(
            token_ids(
                &mut conn,
                p.id,
                UploadTokenFilter {
                    user_id_equal: Some("alice".into()),
                    ..UploadTokenFilter::default()
                }
            )
            .await,
            (strings(&["0_t1"]), 1)
        );
        assert_eq!(
            token_ids(
                &mut conn,
                p.id,
                UploadTokenFilter {
                    status_in: Some(vec![uploads::STATUS_PENDING]),
                    ..UploadTokenFilter::default()
                }
            )
            .await,
            (strings(&["0_t2"]), 1)
        );
        assert_eq!(
            token_ids(
                &mut conn,
                p.id,
                UploadTokenFilter {
                    file_name_equal: Some("0_t1.mp4".into()),
                    ..UploadTokenFilter::default()
                }
            )
            .await,
            (strings(&["0_t1"]), 1)
        );
    })
    .await;
}

#[tokio::test]
async fn a_revoked_session_is_remembered_until_it_would_have_expired() {
    on_each_backend("sessions_revoked", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let later = now() + 3_600;

        sessions::revoke(&mut conn, "hash-live", p.id, later)
            .await
            .expect("revoke");
        sessions::revoke(&mut conn, "hash-live", p.id, later)
            .await
            .expect("revoking twice is harmless");
        sessions::revoke(&mut conn, "hash-expired", p.id, now() - 10)
            .await
            .expect("revoke an expired one");

        assert!(is_revoked(&mut conn, p.id, "hash-live").await);
        assert!(
            !is_revoked(&mut conn, p.id, "hash-expired").await,
            "revocations past their expiry are purged"
        );
        assert!(!is_revoked(&mut conn, p.id, "hash-other").await);
    })
    .await;
}

#[tokio::test]
async fn actionslimit_uses_are_counted_per_session() {
    on_each_backend("sessions_uses", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let expiry = now() + 3_600;
        let mut uses = Vec::new();

        for hash in ["ks-a", "ks-a", "ks-b", "ks-a"] {
            uses.push(
                sessions::count_use(&mut conn, hash, expiry)
                    .await
                    .expect("count use"),
            );
        }

        assert_eq!(uses, vec![1, 2, 1, 3]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Errors and transactions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_duplicate_key_is_reported_as_a_unique_violation() {
    on_each_backend("unique_violation", |db| async move {
        let mut conn = db.store.read().await.expect("a connection");
        let p = partner(&mut conn, "Acme").await;
        let e = entry(p.id, "0_dup", "Once", "olga", 1);
        insert_entry(&mut conn, &e).await;
        add_category(&mut conn, p.id, None, "Uni", "").await;

        let same_entry = entries::insert(&mut conn, &e).await;
        let same_name = categories::insert(
            &mut conn,
            &Category {
                partner_id: p.id,
                name: "Uni".into(),
                full_name: "Uni".into(),
                status: categories::STATUS_ACTIVE,
                ..Category::default()
            },
        )
        .await;
        let no_partner =
            entries::insert(&mut conn, &entry(9_999, "0_orphan", "x", "olga", 1)).await;

        let entry_error = same_entry.expect_err("a second entry with the same id is refused");
        assert!(entry_error.is_unique_violation(), "{entry_error:?}");
        let name_error =
            same_name.expect_err("a second live category with the same name is refused");
        assert!(name_error.is_unique_violation(), "{name_error:?}");
        let fk_error = no_partner.expect_err("an entry of no partner is refused");
        assert!(!fk_error.is_unique_violation(), "{fk_error:?}");
    })
    .await;
}

#[tokio::test]
async fn a_transaction_dropped_without_commit_leaves_no_trace() {
    on_each_backend("transaction_rollback", |db| async move {
        // Arrange: writes in a transaction that is dropped, and in one rolled back.
        let mut tx = db.store.write().await.expect("a transaction");
        let ghost = partner(&mut tx, "Ghost").await;
        insert_entry(&mut tx, &entry(ghost.id, "0_ghost", "Ghost", "olga", 1)).await;
        drop(tx);
        let mut tx = db.store.write().await.expect("a transaction");
        partner(&mut tx, "Rolled back").await;
        tx.rollback().await.expect("rollback");

        // Act: a committed one.
        let mut tx = db.store.write().await.expect("a transaction");
        let kept = partner(&mut tx, "Kept").await;
        tx.commit().await.expect("commit");

        // Assert
        let mut conn = db.store.read().await.expect("a connection");
        assert_eq!(partners::count(&mut conn).await.expect("count"), 1);
        assert_eq!(partners::first(&mut conn).await.expect("first"), Some(kept));
        assert_eq!(
            entries::get_many(&mut conn, ghost.id, &strings(&["0_ghost"]))
                .await
                .expect("get many"),
            vec![]
        );
    })
    .await;
}
