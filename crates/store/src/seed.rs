//! Synthetic data for benchmarks: users, entries, a category tree, publications,
//! collaborators and members, shaped as the services would have written them.
//!
//! Everything is derived from row numbers with modular arithmetic, so a seed is
//! deterministic and needs no random numbers. The large tables are generated inside the
//! database with `WITH RECURSIVE … INSERT … SELECT`, which both SQLite and PostgreSQL run
//! far faster than rows sent one by one; the category tree is small and built here, where
//! its paths are easy to compute. Values are written into the SQL text rather than bound:
//! all of them are made here from integers and fixed names, and text is quoted anyway.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

use quad_domain::CategoryPath;
use quad_domain::membership::PermissionLevel;
use sqlx::Row;

use crate::{Backend, Conn, Store, StoreError, now};

/// The privacy context of the seeded root category: sessions reach the seeded tree with
/// `privacycontext:BenchPortal`.
pub const PRIVACY_CONTEXT: &str = "BenchPortal";
/// The name of the seeded root category.
pub const ROOT_NAME: &str = "bench";

/// Seeded entries span three years, ending a day ago.
const SPAN_SECONDS: i64 = 3 * 365 * 86_400;

/// One category in this many is moderated; a quarter of its publications are pending.
const MODERATED_EVERY: i64 = 8;
const MODERATED_AT: i64 = 3;

/// How many rows of each kind to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub users: i64,
    pub entries: i64,
    /// Including the root category.
    pub categories: i64,
    pub publications: i64,
    pub collaborations: i64,
}

impl Default for Scale {
    fn default() -> Scale {
        Scale {
            users: 50_000,
            entries: 500_000,
            categories: 20_000,
            publications: 2_000_000,
            collaborations: 100_000,
        }
    }
}

/// What a seed created.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedReport {
    pub partner_id: i64,
    pub scale: Scale,
    /// Category memberships (owners, members, contributors, pending requests).
    pub members: i64,
    pub root_category_id: Option<i64>,
    /// For My Media benchmarks: the user owning the most entries (every hundredth, plus
    /// a share of the rest) and how many, then a user with a common large My Media (about
    /// a hundred entries at the default scale) and how many.
    pub heaviest_user: (String, i64),
    pub typical_user: (String, i64),
    /// An entry published in several categories, for `categoryEntry.list` benchmarks.
    pub sample_entry: Option<String>,
    /// Seconds spent on each step, in order.
    pub phases: Vec<(&'static str, f64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("partner {0} does not exist")]
    NoPartner(i64),
    #[error(
        "partner {partner_id} already has data ({users} users, {entries} entries, \
         {categories} categories); seed only into a partner without any, e.g. one made with \
         `quad partner create`"
    )]
    NotEmpty {
        partner_id: i64,
        users: i64,
        entries: i64,
        categories: i64,
    },
    #[error("invalid scale: {0}")]
    Scale(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SeedError {
    fn from(e: sqlx::Error) -> SeedError {
        SeedError::Store(StoreError::Database(e))
    }
}

/// The layout a scale implies, checked once so the SQL below can rely on it.
#[derive(Debug, Clone, Copy)]
struct Plan {
    scale: Scale,
    /// Users 1..=heavy share a tenth of the entries.
    heavy: i64,
    /// Spreads the other entries over all users.
    owner_multiplier: i64,
    /// Spreads consecutive entries over the categories.
    pub_multiplier: i64,
    /// How far apart, in category numbers, the publications of one entry are.
    pub_step: i64,
    /// Entries with collaborators, how far apart they are, and collaborators per entry.
    collab_entries: i64,
    collab_stride: i64,
    collabs_per_entry: i64,
    /// Children per category in the tree.
    branching: i64,
}

fn div_ceil(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

impl Plan {
    fn new(scale: Scale) -> Result<Plan, SeedError> {
        let s = scale;
        let bad = |m: String| Err(SeedError::Scale(m));
        if [
            s.users,
            s.entries,
            s.categories,
            s.publications,
            s.collaborations,
        ]
        .iter()
        .any(|n| *n < 0)
        {
            return bad("counts cannot be negative".into());
        }
        if s.entries > 0 && s.users == 0 {
            return bad("entries need at least one user to own them".into());
        }
        let mut pub_step = 1;
        if s.publications > 0 {
            let targets = s.categories - 1;
            if s.entries == 0 || targets < 1 {
                return bad("publications need entries and at least 2 categories".into());
            }
            // Publications per entry, at most.
            let pubs_per_entry = div_ceil(s.publications, s.entries);
            if pubs_per_entry > targets {
                return bad(format!(
                    "{} publications of {} entries need at least {} categories",
                    s.publications,
                    s.entries,
                    pubs_per_entry + 1
                ));
            }
            pub_step = (targets / pubs_per_entry).max(1);
        }
        let (mut collab_entries, mut collab_stride, mut collabs_per_entry) = (0, 1, 0);
        if s.collaborations > 0 {
            if s.entries == 0 {
                return bad("collaborations need entries".into());
            }
            // About two collaborators on each entry that has any, as is common.
            collab_entries = div_ceil(s.collaborations, 2).min(s.entries);
            collab_stride = (s.entries / collab_entries).max(1);
            collabs_per_entry = div_ceil(s.collaborations, collab_entries);
            if s.users <= collabs_per_entry {
                return bad(format!(
                    "{} collaborations on {} entries need more than {} users",
                    s.collaborations, s.entries, collabs_per_entry
                ));
            }
        }
        // About five levels below the root, as a portal's galleries, channels and courses.
        let mut branching: i64 = 2;
        while branching.pow(4) < s.categories {
            branching += 1;
        }
        Ok(Plan {
            scale,
            heavy: (s.users / 100).max(1),
            owner_multiplier: spreading_multiplier(s.users),
            pub_multiplier: spreading_multiplier(s.categories - 1),
            pub_step,
            collab_entries,
            collab_stride,
            collabs_per_entry,
            branching,
        })
    }

    /// The SQL of the owner's user number of entry number `e` (0-based): every hundredth
    /// entry is the heaviest user's, a tenth are shared by the heavy users, and the rest
    /// spread evenly over all users.
    fn owner_sql(&self, e: &str) -> String {
        let (heavy, users, mul) = (self.heavy, self.scale.users, self.owner_multiplier);
        format!(
            "(CASE WHEN {e} % 100 = 0 THEN 1 WHEN {e} % 10 = 0 THEN 1 + ({e} / 10) % {heavy} \
             ELSE 1 + ({e} * {mul}) % {users} END)"
        )
    }

    /// The same as [`Plan::owner_sql`], to count a user's entries without asking the
    /// database, and to check the SQL against.
    fn owner_of(&self, e: i64) -> i64 {
        if e % 100 == 0 {
            1
        } else if e % 10 == 0 {
            1 + (e / 10) % self.heavy
        } else {
            1 + (e * self.owner_multiplier) % self.scale.users
        }
    }

    /// The SQL of entry number `e`'s creation time; entries are spread evenly in time.
    fn created_sql(&self, t0: i64, e: &str) -> String {
        let (span, n) = (SPAN_SECONDS, self.scale.entries.max(1));
        format!("({t0} + {e} * {span} / {n})")
    }
}

/// Rows generated per statement: small enough that no statement runs for a second, which
/// sqlx would log in full, and large enough that the statements themselves cost nothing.
const CHUNK: i64 = 25_000;

/// Runs a generated insert over row numbers `0..count` in chunks: `statement` gets the
/// `WITH RECURSIVE seq(n)` clause counting one chunk.
async fn insert_generated(
    conn: &mut Conn,
    count: i64,
    statement: impl Fn(&str) -> String,
) -> Result<(), SeedError> {
    let mut start = 0;
    while start < count {
        let end = (start + CHUNK).min(count);
        let seq = format!(
            "WITH RECURSIVE seq(n) AS (SELECT CAST({start} AS BIGINT) UNION ALL \
             SELECT n + 1 FROM seq WHERE n + 1 < {end}) "
        );
        exec(conn, statement(&seq)).await?;
        start = end;
    }
    Ok(())
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A multiplier that walks every residue modulo `m`, far enough apart that neighbours
/// land far apart: the first of a few primes that shares no factor with `m`.
fn spreading_multiplier(m: i64) -> i64 {
    [7919, 7907, 7901, 7883, 7879]
        .into_iter()
        .find(|p| gcd(*p, m.max(1)) == 1)
        .unwrap_or(1)
}

/// Letters standing for the partner inside entry ids, since entry ids are unique across
/// partners: `0_dx1`, `0_dx2`… for partner 101.
fn partner_tag(partner_id: i64) -> String {
    let mut n = partner_id.max(0);
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

async fn count_of(conn: &mut Conn, table: &str, partner_id: i64) -> Result<i64, SeedError> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE partner_id = $1");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(partner_id)
        .fetch_one(conn)
        .await?)
}

async fn exec(conn: &mut Conn, sql: String) -> Result<u64, SeedError> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await?
        .rows_affected())
}

/// Fills an empty partner with synthetic data in one transaction, then recounts the
/// category counters. Refuses a partner that already has users, entries or categories.
pub async fn seed(store: &Store, partner_id: i64, scale: Scale) -> Result<SeedReport, SeedError> {
    let plan = Plan::new(scale)?;
    let mut phases = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |phases: &mut Vec<(&'static str, f64)>, name: &'static str| {
        phases.push((name, clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };

    let mut tx = store.write().await?;
    if crate::partners::get(&mut tx, partner_id).await?.is_none() {
        return Err(SeedError::NoPartner(partner_id));
    }
    let users = count_of(&mut tx, "users", partner_id).await?;
    let entries = count_of(&mut tx, "entry", partner_id).await?;
    let categories = count_of(&mut tx, "category", partner_id).await?;
    if users + entries + categories > 0 {
        return Err(SeedError::NotEmpty {
            partner_id,
            users,
            entries,
            categories,
        });
    }
    let sqlite = store.backend() == Backend::Sqlite;
    let mut cache_size = None;
    if sqlite {
        // The indexes of the big tables are filled in no particular order; a large page
        // cache keeps that from turning into disk reads. The connection goes back to the
        // pool afterwards, so its own setting is put back before the commit.
        cache_size = Some(
            sqlx::query_scalar::<_, i64>("PRAGMA cache_size")
                .fetch_one(&mut *tx)
                .await?,
        );
        exec(&mut tx, "PRAGMA cache_size = -262144".to_owned()).await?;
    }

    let t0 = now() - 86_400 - SPAN_SECONDS;
    let tag = partner_tag(partner_id);
    insert_users(&mut tx, &plan, partner_id, t0).await?;
    lap(&mut phases, "users");
    insert_entries(&mut tx, &plan, partner_id, &tag, t0).await?;
    lap(&mut phases, "entries");
    insert_collaborators(&mut tx, &plan, partner_id, &tag).await?;
    lap(&mut phases, "collaborations");
    let tree = insert_categories(&mut tx, store.backend(), &plan, partner_id, t0).await?;
    lap(&mut phases, "categories");
    let members = insert_members(&mut tx, &plan, partner_id, &tree).await?;
    lap(&mut phases, "members");
    insert_publications(&mut tx, &plan, partner_id, &tag, t0, tree.base).await?;
    lap(&mut phases, "publications");
    recount_counters(&mut tx, partner_id).await?;
    lap(&mut phases, "counters");
    if let Some(size) = cache_size {
        exec(&mut tx, format!("PRAGMA cache_size = {size}")).await?;
    }
    tx.commit().await?;
    lap(&mut phases, "commit");
    store.analyze().await?;
    lap(&mut phases, "statistics");

    Ok(SeedReport {
        partner_id,
        scale,
        members,
        root_category_id: (scale.categories > 0).then_some(tree.base + 1),
        heaviest_user: sample_user(&plan, 1),
        typical_user: sample_user(&plan, 2.min(scale.users)),
        sample_entry: (scale.entries > 0).then(|| format!("0_{tag}1")),
        phases,
    })
}

fn sample_user(plan: &Plan, user: i64) -> (String, i64) {
    let owned = (0..plan.scale.entries)
        .filter(|e| plan.owner_of(*e) == user)
        .count();
    (format!("user{user}"), owned as i64)
}

async fn insert_users(
    conn: &mut Conn,
    plan: &Plan,
    partner_id: i64,
    t0: i64,
) -> Result<(), SeedError> {
    let n = plan.scale.users;
    if n == 0 {
        return Ok(());
    }
    // Users signed up over the weeks before the first entry.
    let start = t0 - n * 60;
    insert_generated(conn, n, |seq| {
        format!(
            "{seq}INSERT INTO users (partner_id, id, screen_name, full_name, first_name, \
             last_name, email, status, is_admin, user_type, created_at, updated_at) SELECT \
             {partner_id}, 'user' || u, 'user' || u, 'Bench User ' || u, 'Bench', 'User ' || u, \
             'user' || u || '@bench.example', 1, CASE WHEN n % 1000 = 999 THEN 1 ELSE 0 END, 0, \
             {start} + n * 60, {start} + n * 60 FROM (SELECT n, CAST(n + 1 AS TEXT) AS u FROM \
             seq) s"
        )
    })
    .await
}

async fn insert_entries(
    conn: &mut Conn,
    plan: &Plan,
    partner_id: i64,
    tag: &str,
    t0: i64,
) -> Result<(), SeedError> {
    let n = plan.scale.entries;
    if n == 0 {
        return Ok(());
    }
    // Clips of one to ninety minutes at about 2 Mbit/s, as uploads that finished converting.
    let owner = plan.owner_sql("n");
    let created = plan.created_sql(t0, "n");
    insert_generated(conn, n, |seq| {
        format!(
            "{seq}INSERT INTO entry (id, partner_id, name, description, tags, owner_id, \
             creator_id, status, media_type, entry_type, duration_ms, width, height, size_bytes, \
             plays, views, display_in_search, source_file_name, version, created_at, updated_at) \
             SELECT '0_{tag}' || CAST(n + 1 AS TEXT), {partner_id}, CASE n % 5 WHEN 0 THEN \
             'Lecture ' WHEN 1 THEN 'Seminar ' WHEN 2 THEN 'Lab session ' WHEN 3 THEN 'Interview \
             ' ELSE 'Screencast ' END || CAST(n + 1 AS TEXT), 'Synthetic media entry ' || CAST(n \
             + 1 AS TEXT), CASE n % 4 WHEN 0 THEN 'bench,lecture' WHEN 1 THEN 'bench,seminar' \
             WHEN 2 THEN 'bench,lab' ELSE 'bench' END, 'user' || CAST(o AS TEXT), 'user' || \
             CAST(o AS TEXT), 2, 1, 1, d, CASE n % 3 WHEN 0 THEN 1920 ELSE 1280 END, CASE n % 3 \
             WHEN 0 THEN 1080 ELSE 720 END, d * 250, p, p + n % 50, 1, 'clip-' || CAST(n + 1 AS \
             TEXT) || '.mp4', 1, c, c FROM (SELECT n, {owner} AS o, 60000 + ((n * 37) % 5400) * \
             1000 AS d, (n * 13) % 500 AS p, {created} AS c FROM seq) s"
        )
    })
    .await
}

/// About two collaborators on evenly spread entries, never the owner, each role in turn.
async fn insert_collaborators(
    conn: &mut Conn,
    plan: &Plan,
    partner_id: i64,
    tag: &str,
) -> Result<(), SeedError> {
    let n = plan.scale.collaborations;
    if n == 0 {
        return Ok(());
    }
    let (d, stride, per) = (
        plan.collab_entries,
        plan.collab_stride,
        plan.collabs_per_entry,
    );
    let users = plan.scale.users;
    // Collaborator j of entry e is `owner + 1 + offset(e) + j` around the user ring, with
    // the offset small enough that it never comes back to the owner.
    let owner = plan.owner_sql("e");
    let spread = users - per;
    insert_generated(conn, n, |seq| {
        format!(
            "{seq}INSERT INTO entry_collaborator (entry_id, role, user_id, partner_id, position) \
             SELECT '0_{tag}' || CAST(e + 1 AS TEXT), 1 + (e + j) % 3, 'user' || CAST(1 + \
             ({owner} + (e * 31) % {spread} + j) % {users} AS TEXT), {partner_id}, j / 3 FROM \
             (SELECT (n % {d}) * {stride} AS e, n / {d} AS j FROM seq) s"
        )
    })
    .await
}

/// One category of the generated tree.
#[derive(Debug, Clone)]
struct Node {
    id: i64,
    parent: i64,
    name: String,
    path: CategoryPath,
    privacy: i64,
    appear_in_list: i64,
    inherit: bool,
    inherited_parent_id: i64,
    moderated: bool,
    owner: Option<i64>,
}

/// The generated tree: category number `k` has id `base + 1 + k`; 0 is the root.
struct Tree {
    base: i64,
    nodes: Vec<Node>,
}

/// The first unused category id, below which the seeded ids start.
async fn category_id_base(conn: &mut Conn, backend: Backend) -> Result<i64, SeedError> {
    let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM category")
        .fetch_one(&mut *conn)
        .await?;
    let sequence: i64 = match backend {
        Backend::Sqlite => {
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'category'",
            )
            .fetch_one(&mut *conn)
            .await?
        }
        Backend::Postgres => {
            sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('category', 'id'))")
                .fetch_one(&mut *conn)
                .await?
        }
    };
    Ok(max.max(sequence))
}

fn build_tree(plan: &Plan, base: i64) -> Vec<Node> {
    let users = plan.scale.users;
    let mut nodes: Vec<Node> = Vec::with_capacity(plan.scale.categories as usize);
    for k in 0..plan.scale.categories {
        let id = base + 1 + k;
        if k == 0 {
            nodes.push(Node {
                id,
                parent: 0,
                name: ROOT_NAME.to_owned(),
                path: CategoryPath::default().child(id, ROOT_NAME),
                privacy: 1,
                appear_in_list: 1,
                inherit: false,
                inherited_parent_id: id,
                moderated: false,
                owner: None,
            });
            continue;
        }
        let parent = &nodes[((k - 1) / plan.branching) as usize];
        let depth = parent.path.ids.len();
        let kind = match depth {
            1 => "Gallery",
            2 => "Channel",
            3 => "Course",
            _ => "Folder",
        };
        let name = format!("{kind} {k}");
        // Mostly open categories, some for signed-in users, some for members only; a tenth
        // hidden from non-members; a fifth of the deeper ones take their parent's members.
        let privacy = match k % 10 {
            0..=5 => 1,
            6 | 7 => 2,
            _ => 3,
        };
        let inherit = depth >= 2 && k % 5 == 2;
        let owner = (!inherit && users > 0).then(|| 1 + (k * 17) % users);
        nodes.push(Node {
            id,
            parent: parent.id,
            path: parent.path.child(id, &name),
            name,
            privacy,
            appear_in_list: if k % 10 == 9 { 3 } else { 1 },
            inherit,
            inherited_parent_id: if inherit {
                parent.inherited_parent_id
            } else {
                id
            },
            moderated: k % MODERATED_EVERY == MODERATED_AT,
            owner,
        });
    }
    nodes
}

/// A text literal. Every text seeded is made here from names and numbers, but quoting it
/// properly keeps that from mattering.
fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Inserts rows given as SQL value lists, a thousand per statement. The values are written
/// into the SQL rather than bound, since binding tens of thousands of parameters in one
/// statement is far slower than parsing the same values as literals.
async fn insert_rows(
    conn: &mut Conn,
    head: &str,
    rows: usize,
    mut row: impl FnMut(usize) -> String,
) -> Result<(), SeedError> {
    let mut start = 0;
    while start < rows {
        let end = (start + 1000).min(rows);
        let mut sql = String::from(head);
        for i in start..end {
            sql.push_str(if i == start { " (" } else { ", (" });
            sql.push_str(&row(i));
            sql.push(')');
        }
        exec(conn, sql).await?;
        start = end;
    }
    Ok(())
}

async fn insert_categories(
    conn: &mut Conn,
    backend: Backend,
    plan: &Plan,
    partner_id: i64,
    t0: i64,
) -> Result<Tree, SeedError> {
    let base = category_id_base(conn, backend).await?;
    let nodes = build_tree(plan, base);
    if nodes.is_empty() {
        return Ok(Tree { base, nodes });
    }
    let count = nodes.len() as i64;
    let head = "INSERT INTO category (id, partner_id, parent_id, name, full_name, full_ids, \
                depth, description, tags, privacy, appear_in_list, inheritance_type, \
                user_join_policy, default_permission_level, contribution_policy, moderation, \
                owner, privacy_context, privacy_contexts, inherited_parent_id, status, \
                created_at, updated_at) VALUES";
    insert_rows(conn, head, nodes.len(), |i| {
        let c = &nodes[i];
        let members_only = c.privacy == 3 || c.appear_in_list == 3;
        let created = t0 - count + i as i64;
        let own_context = if i == 0 { PRIVACY_CONTEXT } else { "" };
        let owner = c
            .owner
            .map_or_else(|| "NULL".to_owned(), |u| text(&format!("user{u}")));
        // Members-only categories take requests to join; the rest take no one.
        let join_policy = if members_only && !c.inherit { 2 } else { 3 };
        format!(
            "{id}, {partner_id}, {parent}, {name}, {full_name}, {full_ids}, {depth}, {desc}, \
             'bench', {privacy}, {appear}, {inheritance}, {join_policy}, {level}, 1, \
             {moderated}, {owner}, {own_context}, {contexts}, {inherited}, {status}, \
             {created}, {created}",
            id = c.id,
            parent = c.parent,
            name = text(&c.name),
            full_name = text(&c.path.full_name()),
            full_ids = text(&c.path.full_ids()),
            depth = c.path.depth(),
            desc = text(&format!("Synthetic category {i}")),
            privacy = c.privacy,
            appear = c.appear_in_list,
            inheritance = if c.inherit { 1 } else { 2 },
            level = PermissionLevel::Member.code(),
            moderated = i64::from(c.moderated),
            own_context = text(own_context),
            contexts = text(PRIVACY_CONTEXT),
            inherited = c.inherited_parent_id,
            status = crate::categories::STATUS_ACTIVE,
        )
    })
    .await?;
    if backend == Backend::Postgres {
        // Explicit ids leave the identity sequence behind; later adds must start above them.
        sqlx::query("SELECT setval(pg_get_serial_sequence('category', 'id'), $1)")
            .bind(base + count)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Tree { base, nodes })
}

/// Owners manage their categories; members-only categories also get a contributor, a
/// member and a pending request, and the heaviest user joins one in seven of them.
async fn insert_members(
    conn: &mut Conn,
    plan: &Plan,
    partner_id: i64,
    tree: &Tree,
) -> Result<i64, SeedError> {
    let users = plan.scale.users;
    let mut rows: Vec<(i64, i64, PermissionLevel, i64)> = Vec::new();
    for (k, c) in tree.nodes.iter().enumerate() {
        let Some(owner) = c.owner else { continue };
        let k = k as i64;
        let mut chosen = vec![owner];
        rows.push((c.id, owner, PermissionLevel::Manager, 1));
        let members_only = c.privacy == 3 || c.appear_in_list == 3;
        if !members_only {
            continue;
        }
        let others = [
            (PermissionLevel::Contributor, 1),
            (PermissionLevel::Member, 1),
            (PermissionLevel::Member, 2),
        ];
        for (i, (level, status)) in others.into_iter().enumerate() {
            let user = 1 + (owner + (k * 101 + i as i64 * 7919) % users) % users;
            if !chosen.contains(&user) {
                chosen.push(user);
                rows.push((c.id, user, level, status));
            }
        }
        if k % 7 == 0 && !chosen.contains(&1) {
            rows.push((c.id, 1, PermissionLevel::Member, 1));
        }
    }
    // Memberships date from just before the first entry, when the tree was set up.
    let at = now() - 86_400 - SPAN_SECONDS;
    let head = "INSERT INTO category_user (category_id, user_id, partner_id, permission_level, \
                permission_names, status, update_method, created_at, updated_at) VALUES";
    insert_rows(conn, head, rows.len(), |i| {
        let (category, user, level, status) = rows[i];
        let names = text(&level.permission_names().join(","));
        let level = level.code();
        format!("{category}, 'user{user}', {partner_id}, {level}, {names}, {status}, 0, {at}, {at}")
    })
    .await?;
    Ok(rows.len() as i64)
}

/// Publications of entry `e` land `pub_step` category numbers apart, so one entry never
/// lands twice in a category; a quarter of those in moderated categories wait for review.
async fn insert_publications(
    conn: &mut Conn,
    plan: &Plan,
    partner_id: i64,
    tag: &str,
    t0: i64,
    base: i64,
) -> Result<(), SeedError> {
    let n = plan.scale.publications;
    if n == 0 {
        return Ok(());
    }
    let entries = plan.scale.entries;
    let (targets, step) = (plan.scale.categories - 1, plan.pub_step);
    let (every, at, mul) = (MODERATED_EVERY, MODERATED_AT, plan.pub_multiplier);
    let owner = plan.owner_sql("e");
    let created = plan.created_sql(t0, "e");
    insert_generated(conn, n, |seq| {
        format!(
            "{seq}INSERT INTO category_entry (category_id, entry_id, partner_id, status, \
             creator_user_id, reason, created_at, updated_at) SELECT {base} + 1 + k, '0_{tag}' || \
             CAST(e + 1 AS TEXT), {partner_id}, CASE WHEN k % {every} = {at} AND n % 4 = 0 THEN 1 \
             ELSE 2 END, 'user' || CAST({owner} AS TEXT), CASE n % 10 WHEN 6 THEN 'embed' WHEN 7 \
             THEN 'watch' WHEN 8 THEN 'schedule' WHEN 9 THEN 'api' ELSE 'manual' END, {created} + \
             (j + 1) * 3600, {created} + (j + 1) * 3600 FROM (SELECT n, e, j, 1 + (e * {mul} + j \
             * {step}) % {targets} AS k FROM (SELECT n, n % {entries} AS e, n / {entries} AS j \
             FROM seq) a) b"
        )
    })
    .await
}

/// Sets every counter of the partner's live categories from the rows they count, as the
/// services keep them: active and pending publications, active and pending members, live
/// sub-categories, and active publications of the category and all its descendants.
pub async fn recount_counters(conn: &mut Conn, partner_id: i64) -> Result<(), SeedError> {
    #[derive(Default, Clone, Copy)]
    struct Counts {
        entries: i64,
        direct: i64,
        pending: i64,
        members: i64,
        pending_members: i64,
        children: i64,
    }
    let rows = sqlx::query(
        "SELECT id, parent_id, full_name, full_ids FROM category \
         WHERE partner_id = $1 AND status <> 3",
    )
    .bind(partner_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut counts: HashMap<i64, Counts> = HashMap::with_capacity(rows.len());
    let mut paths = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        counts.insert(id, Counts::default());
        let full_name: String = row.try_get("full_name")?;
        let full_ids: String = row.try_get("full_ids")?;
        paths.push((id, row.try_get::<i64, _>("parent_id")?, full_name, full_ids));
    }
    for (_, parent, _, _) in &paths {
        if let Some(c) = counts.get_mut(parent) {
            c.children += 1;
        }
    }
    let grouped = |table: &str| {
        format!(
            "SELECT x.category_id, x.status, COUNT(*) FROM category c \
             JOIN {table} x ON x.category_id = c.id \
             WHERE c.partner_id = $1 AND c.status <> 3 GROUP BY x.category_id, x.status"
        )
    };
    let publications = sqlx::query(sqlx::AssertSqlSafe(grouped("category_entry")))
        .bind(partner_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut active: HashMap<i64, i64> = HashMap::new();
    for row in &publications {
        let (id, status, n): (i64, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let Some(c) = counts.get_mut(&id) else {
            continue;
        };
        match status {
            crate::publications::STATUS_ACTIVE => {
                c.direct = n;
                active.insert(id, n);
            }
            crate::publications::STATUS_PENDING => c.pending = n,
            _ => {}
        }
    }
    // An active publication counts in its category and in every ancestor on its path.
    for (id, _, full_name, full_ids) in &paths {
        let Some(n) = active.get(id).copied() else {
            continue;
        };
        for ancestor in CategoryPath::parse(full_name, full_ids).ids {
            if let Some(c) = counts.get_mut(&ancestor) {
                c.entries += n;
            }
        }
    }
    let members = sqlx::query(sqlx::AssertSqlSafe(grouped("category_user")))
        .bind(partner_id)
        .fetch_all(&mut *conn)
        .await?;
    for row in &members {
        let (id, status, n): (i64, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let Some(c) = counts.get_mut(&id) else {
            continue;
        };
        match status {
            1 => c.members = n,
            2 => c.pending_members = n,
            _ => {}
        }
    }
    for (id, _, _, _) in &paths {
        let c = counts.get(id).copied().unwrap_or_default();
        sqlx::query(
            "UPDATE category SET entries_count = $1, direct_entries_count = $2, \
             pending_entries_count = $3, members_count = $4, pending_members_count = $5, \
             direct_sub_categories_count = $6 WHERE id = $7",
        )
        .bind(c.entries)
        .bind(c.direct)
        .bind(c.pending)
        .bind(c.members)
        .bind(c.pending_members)
        .bind(c.children)
        .bind(*id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A one-line summary of the phases, for logs: `users 0.1s, entries 2.3s, …`.
pub fn phases_summary(report: &SeedReport) -> String {
    let mut out = String::new();
    for (i, (name, seconds)) in report.phases.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{name} {seconds:.2}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use quad_domain::UserId;
    use quad_domain::entitlement::{EntitlementContext, ListScope};

    use super::*;
    use crate::{StoreOptions, categories, entries, partners};

    const TINY: Scale = Scale {
        users: 50,
        entries: 200,
        categories: 20,
        publications: 400,
        collaborations: 30,
    };

    fn unique(prefix: &str) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("{prefix}_{}_{nanos}", std::process::id())
    }

    async fn scalar(store: &Store, sql: &str, partner_id: i64) -> i64 {
        let mut conn = store.read().await.expect("a connection");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(partner_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn new_partner(store: &Store) -> i64 {
        let mut tx = store.write().await.expect("a transaction");
        let partner = partners::create(&mut tx, "Bench").await.expect("a partner");
        tx.commit().await.expect("commit");
        partner.id
    }

    /// Seeds the tiny scale and checks counts, the tree, the counters against recounts,
    /// and that the store's own list queries serve the data.
    async fn check_tiny_seed(store: &Store) {
        let partner_id = new_partner(store).await;
        let report = seed(store, partner_id, TINY).await.expect("the seed runs");
        let count = |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE partner_id = $1");
        assert_eq!(scalar(store, &count("users"), partner_id).await, 50);
        assert_eq!(scalar(store, &count("entry"), partner_id).await, 200);
        assert_eq!(scalar(store, &count("category"), partner_id).await, 20);
        assert_eq!(
            scalar(store, &count("category_entry"), partner_id).await,
            400
        );
        assert_eq!(
            scalar(store, &count("entry_collaborator"), partner_id).await,
            30
        );
        let members = scalar(store, &count("category_user"), partner_id).await;
        assert_eq!(members, report.members);
        assert!(members > 0);

        // Every counter equals a recount from the rows, descendants found by path.
        let wrong_counters = "SELECT COUNT(*) FROM category c WHERE c.partner_id = $1 AND ( \
             c.direct_entries_count <> (SELECT COUNT(*) FROM category_entry x \
               WHERE x.category_id = c.id AND x.status = 2) \
             OR c.pending_entries_count <> (SELECT COUNT(*) FROM category_entry x \
               WHERE x.category_id = c.id AND x.status = 1) \
             OR c.entries_count <> (SELECT COUNT(*) FROM category_entry x \
               JOIN category d ON d.id = x.category_id WHERE x.status = 2 \
               AND (d.id = c.id OR d.full_ids LIKE c.full_ids || '>%')) \
             OR c.members_count <> (SELECT COUNT(*) FROM category_user m \
               WHERE m.category_id = c.id AND m.status = 1) \
             OR c.pending_members_count <> (SELECT COUNT(*) FROM category_user m \
               WHERE m.category_id = c.id AND m.status = 2) \
             OR c.direct_sub_categories_count <> (SELECT COUNT(*) FROM category s \
               WHERE s.parent_id = c.id AND s.status <> 3))";
        assert_eq!(scalar(store, wrong_counters, partner_id).await, 0);
        let root_entries = "SELECT entries_count FROM category WHERE partner_id = $1 AND depth = 0";
        let active = "SELECT COUNT(*) FROM category_entry WHERE partner_id = $1 AND status = 2";
        let active_count = scalar(store, active, partner_id).await;
        assert_eq!(scalar(store, root_entries, partner_id).await, active_count);
        let pending = "SELECT COUNT(*) FROM category_entry WHERE partner_id = $1 AND status = 1";
        assert!(scalar(store, pending, partner_id).await > 0);
        assert!(active_count > 0);

        // The tree's derived fields agree with each parent's, as the services derive them.
        let bad_paths = "SELECT COUNT(*) FROM category c JOIN category p ON p.id = c.parent_id \
             WHERE c.partner_id = $1 AND (c.full_ids <> p.full_ids || '>' || CAST(c.id AS TEXT) \
             OR c.full_name <> p.full_name || '>' || c.name OR c.depth <> p.depth + 1 \
             OR c.privacy_contexts <> p.privacy_contexts OR c.privacy_context <> '' \
             OR (c.inheritance_type = 2 AND c.inherited_parent_id <> c.id) \
             OR (c.inheritance_type = 1 AND c.inherited_parent_id <> p.inherited_parent_id))";
        assert_eq!(scalar(store, bad_paths, partner_id).await, 0);
        let roots = "SELECT COUNT(*) FROM category WHERE partner_id = $1 AND parent_id = 0 \
             AND full_name = 'bench' AND privacy_context = 'BenchPortal' \
             AND inherited_parent_id = id AND CAST(id AS TEXT) = full_ids";
        assert_eq!(scalar(store, roots, partner_id).await, 1);
        let mixed = "SELECT COUNT(DISTINCT privacy) FROM category WHERE partner_id = $1";
        assert_eq!(scalar(store, mixed, partner_id).await, 3);

        // People exist, collaborators are never the owner, publishers are the owners.
        let orphans = "SELECT COUNT(*) FROM entry e WHERE e.partner_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM users u WHERE u.partner_id = e.partner_id AND u.id = e.owner_id)";
        assert_eq!(scalar(store, orphans, partner_id).await, 0);
        let self_collab = "SELECT COUNT(*) FROM entry_collaborator c JOIN entry e \
             ON e.id = c.entry_id WHERE c.partner_id = $1 AND (c.user_id = e.owner_id \
             OR NOT EXISTS (SELECT 1 FROM users u WHERE u.partner_id = c.partner_id \
             AND u.id = c.user_id))";
        assert_eq!(scalar(store, self_collab, partner_id).await, 0);
        let foreign_creator = "SELECT COUNT(*) FROM category_entry x JOIN entry e \
             ON e.id = x.entry_id WHERE x.partner_id = $1 AND x.creator_user_id <> e.owner_id";
        assert_eq!(scalar(store, foreign_creator, partner_id).await, 0);
        let owners = "SELECT COUNT(*) FROM category_user m JOIN category c \
             ON c.id = m.category_id WHERE m.partner_id = $1 AND m.user_id = c.owner \
             AND m.permission_level = 0 AND m.status = 1";
        let manual = "SELECT COUNT(*) FROM category WHERE partner_id = $1 \
             AND owner IS NOT NULL AND inheritance_type = 2";
        assert_eq!(
            scalar(store, owners, partner_id).await,
            scalar(store, manual, partner_id).await
        );

        // The store serves the heaviest user's My Media and the entitled category list.
        let plan = Plan::new(TINY).expect("a valid scale");
        let owned = (0..TINY.entries).filter(|e| plan.owner_of(*e) == 1).count() as i64;
        let mut conn = store.read().await.expect("a connection");
        assert_eq!(report.heaviest_user, ("user1".to_owned(), owned));
        assert!(report.typical_user.1 > 0 && report.typical_user.1 < owned);
        let user = UserId::parse(&report.heaviest_user.0).expect("a user id");
        let ctx = EntitlementContext {
            enforced: true,
            user: Some(user.clone()),
            privacy_context: Some(PRIVACY_CONTEXT.to_owned()),
            bypass_entries: Vec::new(),
            widget: false,
        };
        let filter = entries::EntryFilter::default();
        let scope = ListScope::Owned(Some(user));
        let (page, total) = entries::list(&mut conn, partner_id, &filter, &scope, &ctx, 50, 0)
            .await
            .expect("My Media");
        assert_eq!(total, owned);
        assert_eq!(page.len() as i64, owned.min(50));
        assert!(page.windows(2).all(|w| w[0].created_at >= w[1].created_at));
        assert!(
            page.iter()
                .all(|e| e.status == 2 && e.media_type == Some(1))
        );
        let (listed, total) = categories::list(
            &mut conn,
            partner_id,
            &categories::CategoryFilter::default(),
            &ctx,
            50,
            0,
        )
        .await
        .expect("category.list");
        assert!(total > 0 && total <= TINY.categories);
        assert!(!listed.is_empty());
        let sample = report.sample_entry.clone().expect("a sample entry");
        let published = crate::publications::of_entry(&mut conn, &sample)
            .await
            .expect("publications");
        assert_eq!(published.len() as i64, TINY.publications / TINY.entries);
        drop(conn);

        // A second seed into the same partner is refused and changes nothing.
        let again = seed(store, partner_id, TINY).await;
        assert!(matches!(again, Err(SeedError::NotEmpty { users: 50, .. })));
        assert_eq!(scalar(store, &count("entry"), partner_id).await, 200);
        assert!(matches!(
            seed(store, 999_999, TINY).await,
            Err(SeedError::NoPartner(999_999))
        ));

        // A second partner gets its own entry ids, and category ids above the first's.
        let other = new_partner(store).await;
        let second = seed(store, other, TINY).await.expect("a second seed");
        assert!(second.root_category_id > report.root_category_id);
        assert_eq!(scalar(store, &count("entry"), other).await, 200);
    }

    #[tokio::test]
    async fn seeds_a_tiny_partner_on_sqlite() {
        let dir = std::env::temp_dir().join(unique("quad_seed"));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let url = format!("sqlite://{}?mode=rwc", dir.join("quad.db").display());
        let store = Store::open(&url, StoreOptions::default())
            .await
            .expect("the store opens");
        check_tiny_seed(&store).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Runs on PostgreSQL at `QUAD_TEST_DATABASE_URL` when it is set, in a schema of its own.
    #[tokio::test]
    async fn seeds_a_tiny_partner_on_postgres() {
        let Ok(url) = std::env::var("QUAD_TEST_DATABASE_URL") else {
            eprintln!("QUAD_TEST_DATABASE_URL is not set: skipping the PostgreSQL seed test");
            return;
        };
        let schema = unique("seed");
        let options = StoreOptions {
            postgres_schema: Some(schema.clone()),
            max_connections: Some(2),
        };
        let opened = tokio::time::timeout(Duration::from_secs(15), Store::open(&url, options));
        let store = opened
            .await
            .expect("PostgreSQL answers in time")
            .expect("the store opens");
        check_tiny_seed(&store).await;
        let mut conn = store.read().await.expect("a connection");
        let drop_schema = format!("DROP SCHEMA \"{schema}\" CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(drop_schema))
            .execute(&mut *conn)
            .await
            .expect("the schema is dropped");
        drop(conn);
        store.close().await;
    }

    #[test]
    fn refuses_scales_that_cannot_be_laid_out() {
        let too_many = Scale {
            publications: 200 * 20,
            ..TINY
        };
        assert!(matches!(Plan::new(too_many), Err(SeedError::Scale(_))));
        let lonely = Scale { users: 1, ..TINY };
        assert!(matches!(Plan::new(lonely), Err(SeedError::Scale(_))));
        assert!(Plan::new(Scale::default()).is_ok());
        assert_eq!(partner_tag(101), "dx");
        assert_eq!(partner_tag(0), "a");
    }
}
