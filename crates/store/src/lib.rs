//! Quad's repository: one API over SQLite and PostgreSQL.
//!
//! Queries are written once, in SQL both databases accept, and run through sqlx's `Any`
//! driver. Each backend has its own migrations. Callers get a read connection or a write
//! transaction and pass it to the functions of the modules below; a request's writes go in
//! one transaction, so it commits entirely or not at all.

pub mod apps;
pub mod categories;
pub mod credentials;
pub mod embeds;
pub mod entries;
pub mod identity;
pub mod jobs;
pub mod lti;
pub mod lti13;
pub mod members;
pub mod my_media;
pub mod partners;
pub mod portal;
pub mod publications;
pub mod seed;
pub mod sessions;
mod sql;
pub mod uploads;
pub mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use sqlx::AnyConnection as Conn;

/// A pooled connection for reads.
pub type ReadConn = PoolConnection<Any>;
/// A write transaction: it commits entirely or not at all. Used as a connection (`&mut tx`)
/// by every function of this crate.
pub struct Tx {
    inner: Transaction<'static, Any>,
    /// On SQLite, this writer's turn; the next writer starts when it is dropped.
    _turn: Option<OwnedSemaphorePermit>,
}

impl Tx {
    pub async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.inner.commit().await
    }

    /// Undoes the transaction; dropping it does the same.
    pub async fn rollback(self) -> std::result::Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }
}

/// A connection holding the write turn outside a transaction, for a write of one
/// statement, which the database makes atomic by itself: it saves the round trips of
/// `BEGIN` and `COMMIT` on the most frequent writes.
pub struct SingleWrite {
    conn: PoolConnection<Any>,
    _turn: Option<OwnedSemaphorePermit>,
}

impl std::ops::Deref for SingleWrite {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for SingleWrite {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.conn
    }
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Faults of the database itself. Rule violations never surface here: callers check the
/// domain's rules and look objects up before they write.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite:… or postgres://…)")]
    UnsupportedUrl,
}

impl StoreError {
    /// Whether the error is a unique-constraint violation, e.g. two requests racing to
    /// create the same object.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to open the store.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// On PostgreSQL, the schema to use (created if missing); tests give each run its own.
    pub postgres_schema: Option<String>,
    pub max_connections: Option<u32>,
}

/// The connection pool and which database it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time. Writers queue here, in order, rather than in
    /// SQLite's busy handler, which retries at growing intervals and so lets some writers
    /// wait far longer than others.
    writers: Arc<Semaphore>,
}

impl Store {
    /// Connects, applies pending migrations and returns the store. Running it again on the
    /// same database applies nothing.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let connect = AnyConnectOptions::from_str(url)?;
        let schema = options.postgres_schema.clone();
        let pool_options = AnyPoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(match backend {
                // Each SQLite connection runs on a thread of its own; more of them than
                // cores only adds switching between them.
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            }))
            // A SQLite connection is a file handle that cannot drop away; pinging it before
            // each use costs a round trip to its thread. A PostgreSQL one can, after a
            // server restart, so it is still checked.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            // A request touches more pages than the default 2 MB cache
                            // holds; a larger cache keeps them, within bounds that keep the
                            // server's memory small. Memory-mapped reads are left off: they
                            // made no measurable difference to lists, and cost writers
                            // (each growth of the file remaps it in every connection).
                            conn.execute("PRAGMA cache_size = -8192").await?;
                        }
                        Backend::Postgres => {
                            if let Some(schema) = schema {
                                let create = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
                                conn.execute(sqlx::AssertSqlSafe(create)).await?;
                                let path = format!("SET search_path TO \"{schema}\"");
                                conn.execute(sqlx::AssertSqlSafe(path)).await?;
                            }
                        }
                    }
                    Ok(())
                })
            });
        let pool = pool_options.connect_with(connect).await?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        let store = Store {
            pool,
            backend,
            writers: Arc::new(Semaphore::new(1)),
        };
        if backend == Backend::Sqlite {
            // Refreshes the planner's statistics where they are stale, within a bounded
            // effort, so that queries by id use the primary key rather than a scan.
            let mut conn = store.pool.acquire().await?;
            conn.execute("PRAGMA analysis_limit = 1000").await?;
            conn.execute("PRAGMA optimize = 0x10002").await?;
        }
        Ok(store)
    }

    /// Gathers the planner's statistics afresh, after a bulk load.
    pub async fn analyze(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.execute("ANALYZE").await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads that need no transaction.
    pub async fn read(&self) -> Result<ReadConn> {
        Ok(self.pool.acquire().await?)
    }

    /// A write transaction. On SQLite it takes the write lock at once, so that two writers
    /// wait for each other instead of failing when one upgrades from reading.
    pub async fn write(&self) -> Result<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => {
                let turn = self.writers.clone().acquire_owned().await.ok();
                Tx {
                    inner: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: turn,
                }
            }
            Backend::Postgres => Tx {
                inner: self.pool.begin().await?,
                _turn: None,
            },
        };
        Ok(tx)
    }

    /// A connection for one write statement, taking the write turn like [`Store::write`].
    pub async fn write_single(&self) -> Result<SingleWrite> {
        let turn = match self.backend {
            Backend::Sqlite => self.writers.clone().acquire_owned().await.ok(),
            Backend::Postgres => None,
        };
        Ok(SingleWrite {
            conn: self.pool.acquire().await?,
            _turn: turn,
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.execute("SELECT 1").await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The current time in unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A random lowercase alphanumeric string, for ids and secrets.
pub fn random_token(len: usize) -> String {
    use rand::RngExt;
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
