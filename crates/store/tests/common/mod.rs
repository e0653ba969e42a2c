//! Runs a test body against each backend: SQLite in a fresh file of a temporary folder, and
//! PostgreSQL at `QUAD_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! in a fresh schema that is dropped afterwards.
//!
//! When PostgreSQL cannot be reached, the PostgreSQL run prints a line saying why and the
//! test passes on SQLite alone, unless `QUAD_REQUIRE_POSTGRES=1` is set (CI sets it): then
//! the test fails.

#![allow(dead_code)]

use std::future::Future;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use quad_store::{Store, StoreOptions};
use tokio::runtime::Runtime;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How long opening PostgreSQL may take before the run counts as impossible.
const POSTGRES_OPEN_TIMEOUT: Duration = Duration::from_secs(15);

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Why PostgreSQL was found unreachable once, so later tests do not wait for it again.
static POSTGRES_UNREACHABLE: OnceLock<String> = OnceLock::new();

/// A name no other test of any process uses: process id, a counter and the clock.
pub fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A folder under the system's temporary folder, removed with everything in it on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let path = std::env::temp_dir().join(unique_name(prefix));
        std::fs::create_dir_all(&path).expect("the temporary folder can be created");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// One backend's database for one test.
#[derive(Debug, Clone)]
pub struct TestDb {
    pub kind: Kind,
    /// `SQLite` or `PostgreSQL`, for messages.
    pub label: &'static str,
    pub url: String,
    pub options: StoreOptions,
    pub store: Store,
}

impl TestDb {
    /// Opens the same database again, as a restarted server would; this runs the
    /// migrations again.
    pub async fn reopen(&self) -> quad_store::Result<Store> {
        Store::open(&self.url, self.options.clone()).await
    }
}

/// What has to be removed once a test is done with its database.
#[derive(Debug)]
pub enum Place {
    Sqlite(TempDir),
    Postgres { schema: String },
}

pub async fn open_sqlite() -> (TestDb, Place) {
    let dir = TempDir::new("quad-store-test");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("quad.db").display());
    let options = StoreOptions::default();
    let store = Store::open(&url, options.clone())
        .await
        .expect("a fresh SQLite database opens and migrates");
    let db = TestDb {
        kind: Kind::Sqlite,
        label: "SQLite",
        url,
        options,
        store,
    };
    (db, Place::Sqlite(dir))
}

pub fn postgres_url() -> String {
    std::env::var("QUAD_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned())
}

/// `host:port` of a `postgres://` URL, when it names one.
fn postgres_address(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.is_empty() {
        return None;
    }
    if host_port.ends_with(']') || !host_port.contains(':') {
        return Some(format!("{host_port}:5432"));
    }
    Some(host_port.to_owned())
}

/// Opens PostgreSQL in a fresh schema, or says why it cannot be done.
pub async fn open_postgres() -> Result<(TestDb, Place), String> {
    let url = postgres_url();
    if let Some(reason) = POSTGRES_UNREACHABLE.get() {
        return Err(reason.clone());
    }
    let result = try_open_postgres(&url).await;
    if let Err(reason) = &result {
        let _ = POSTGRES_UNREACHABLE.set(reason.clone());
    }
    result
}

async fn try_open_postgres(url: &str) -> Result<(TestDb, Place), String> {
    if let Some(address) = postgres_address(url) {
        let connect = tokio::net::TcpStream::connect(address.clone());
        match tokio::time::timeout(Duration::from_secs(3), connect).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("nothing answers at {address} ({e})")),
            Err(_) => return Err(format!("connecting to {address} timed out")),
        }
    }
    let schema = unique_name("quad_test");
    let options = StoreOptions {
        postgres_schema: Some(schema.clone()),
        ..StoreOptions::default()
    };
    let opened = tokio::time::timeout(POSTGRES_OPEN_TIMEOUT, Store::open(url, options.clone()));
    let store = match opened.await {
        Ok(Ok(store)) => store,
        Ok(Err(e)) => return Err(format!("opening {url} failed: {}", error_chain(&e))),
        Err(_) => return Err(format!("opening {url} took over {POSTGRES_OPEN_TIMEOUT:?}")),
    };
    let db = TestDb {
        kind: Kind::Postgres,
        label: "PostgreSQL",
        url: url.to_owned(),
        options,
        store,
    };
    Ok((db, Place::Postgres { schema }))
}

/// An error with its sources, as one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Says that the PostgreSQL run of `test` was not possible, or fails the test when
/// `QUAD_REQUIRE_POSTGRES=1` asks for PostgreSQL.
pub fn postgres_not_possible(test: &str, reason: &str) {
    let required = std::env::var("QUAD_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: QUAD_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: {reason}"
    );
    let line = format!(
        "NOTE {test}: the PostgreSQL run was not possible ({reason}); tested on SQLite only. \
         Set QUAD_TEST_DATABASE_URL to a reachable database, or QUAD_REQUIRE_POSTGRES=1 to \
         fail instead."
    );
    // Written straight to the process's stderr so that it shows even when output is
    // captured, and through the test's own output as well.
    let _ = writeln!(std::io::stderr(), "{line}");
    eprintln!("{line}");
}

/// Drops a test's PostgreSQL schema or removes its SQLite folder, and closes the store.
pub async fn clean_up(db: &TestDb, place: Place) {
    if let Place::Postgres { schema } = &place {
        let dropped = async {
            let mut tx = db.store.write().await?;
            let sql = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .map_err(quad_store::StoreError::from)?;
            tx.commit().await.map_err(quad_store::StoreError::from)
        };
        if let Err(e) = dropped.await {
            eprintln!(
                "could not drop the test schema {schema}: {}",
                error_chain(&e)
            );
        }
    }
    db.store.close().await;
    drop(place);
}

/// Runs `body` once on SQLite and once on PostgreSQL, each on a fresh database. A failure
/// names the backend it happened on.
pub async fn on_each_backend<F, Fut>(test: &str, body: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (db, place) = open_sqlite().await;
    run_one(test, db, place, &body).await;
    match open_postgres().await {
        Ok((db, place)) => run_one(test, db, place, &body).await,
        Err(reason) => postgres_not_possible(test, &reason),
    }
}

async fn run_one<F, Fut>(test: &str, db: TestDb, place: Place, body: &F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(body(db.clone())).await;
    clean_up(&db, place).await;
    if let Err(e) = outcome {
        eprintln!("{test} failed on {}", db.label);
        match e.try_into_panic() {
            Ok(panic) => resume_unwind(panic),
            Err(e) => panic!("{test} on {}: the test task ended: {e}", db.label),
        }
    }
}

/// For synchronous test drivers such as a proptest runner: runs `body` once per backend
/// with a runtime to block on and the backend's database.
pub fn on_each_backend_blocking(test: &str, body: impl Fn(&Runtime, &TestDb)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let (db, place) = runtime.block_on(open_sqlite());
    run_one_blocking(test, &runtime, db, place, &body);
    match runtime.block_on(open_postgres()) {
        Ok((db, place)) => run_one_blocking(test, &runtime, db, place, &body),
        Err(reason) => postgres_not_possible(test, &reason),
    }
}

fn run_one_blocking(
    test: &str,
    runtime: &Runtime,
    db: TestDb,
    place: Place,
    body: &impl Fn(&Runtime, &TestDb),
) {
    let outcome = catch_unwind(AssertUnwindSafe(|| body(runtime, &db)));
    runtime.block_on(clean_up(&db, place));
    if let Err(panic) = outcome {
        eprintln!("{test} failed on {}", db.label);
        resume_unwind(panic);
    }
}
