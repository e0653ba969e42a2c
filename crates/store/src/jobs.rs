//! The queue of background work on media: jobs are queued with the change that needs them,
//! claimed one at a time by a worker (on PostgreSQL by several nodes at once, each job by
//! one), retried a limited number of times, and given back to the queue when the worker
//! that held one stopped without finishing it.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Backend, Conn, Result, now};

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// The job that makes an entry's poster and seekbar sprite.
pub const THUMBNAILS: &str = "thumbnails";

/// The job that makes the copy of an entry's source that browsers can play.
pub const WEB_FLAVOR: &str = "web_flavor";

/// The job that packages an entry's playable video as HLS.
pub const HLS: &str = "hls";

/// How many times a job runs before it is given up.
pub const MAX_ATTEMPTS: i64 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub partner_id: i64,
    pub entry_id: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: i64,
    pub last_error: Option<String>,
}

const COLUMNS: &str =
    "id, kind, partner_id, entry_id, status, attempts, max_attempts, run_after, last_error";

fn from_row(row: &AnyRow) -> Result<Job> {
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        partner_id: row.try_get("partner_id")?,
        entry_id: row.try_get("entry_id")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_after: row.try_get("run_after")?,
        last_error: row.try_get("last_error")?,
    })
}

/// Queues a job, to run as soon as a worker is free.
pub async fn enqueue(conn: &mut Conn, kind: &str, partner_id: i64, entry_id: &str) -> Result<i64> {
    let t = now();
    let id = sqlx::query_scalar(
        "INSERT INTO job (kind, partner_id, entry_id, status, max_attempts, run_after, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $6) RETURNING id",
    )
    .bind(kind)
    .bind(partner_id)
    .bind(entry_id)
    .bind(QUEUED)
    .bind(MAX_ATTEMPTS)
    .bind(t)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Takes the oldest job that is due and marks it running for `node`, or `None` when none
/// waits. Two workers never take the same job: on PostgreSQL a row another worker is
/// claiming is skipped, on SQLite writers take turns.
pub async fn claim(conn: &mut Conn, backend: Backend, node: &str) -> Result<Option<Job>> {
    let skip_locked = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let t = now();
    let sql = format!(
        "UPDATE job SET status = $1, attempts = attempts + 1, claimed_at = $2, updated_at = $2, \
         claimed_by = $4 WHERE id = (SELECT id FROM job WHERE status = $3 AND run_after <= $2 \
         ORDER BY id LIMIT 1{skip_locked}) RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(RUNNING)
        .bind(t)
        .bind(QUEUED)
        .bind(node)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks a claimed job done.
pub async fn finish(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE job SET status = $1, last_error = NULL, updated_at = $2 WHERE id = $3")
        .bind(DONE)
        .bind(now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records why a claimed job failed: it is queued again after `retry_in` seconds, or given
/// up once it has used its attempts or when there is no point retrying (`None`). Returns
/// whether it will run again.
pub async fn fail(conn: &mut Conn, job: &Job, error: &str, retry_in: Option<i64>) -> Result<bool> {
    let again = retry_in.is_some() && job.attempts < job.max_attempts;
    let t = now();
    sqlx::query(
        "UPDATE job SET status = $1, last_error = $2, run_after = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(if again { QUEUED } else { FAILED })
    .bind(error)
    .bind(t + retry_in.unwrap_or(0))
    .bind(t)
    .bind(job.id)
    .execute(conn)
    .await?;
    Ok(again)
}

/// Renews the lease of a running job: its worker is alive, so it is not taken as stale.
pub async fn renew(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE job SET claimed_at = $1 WHERE id = $2 AND status = $3")
        .bind(now())
        .bind(id)
        .bind(RUNNING)
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives back to the queue the running jobs whose lease was last taken or renewed before
/// `claimed_before`: their worker stopped with them. Returns how many.
pub async fn requeue_stale(conn: &mut Conn, claimed_before: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE job SET status = $1, updated_at = $2 WHERE status = $3 AND claimed_at < $4",
    )
    .bind(QUEUED)
    .bind(now())
    .bind(RUNNING)
    .bind(claimed_before)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Gives back to the queue the running jobs held by `node`: called when that node starts,
/// so they were left by its previous run. Returns how many.
pub async fn requeue_of_node(conn: &mut Conn, node: &str) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE job SET status = $1, updated_at = $2 WHERE status = $3 AND claimed_by = $4",
    )
    .bind(QUEUED)
    .bind(now())
    .bind(RUNNING)
    .bind(node)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The jobs of an entry, oldest first.
pub async fn of_entry(conn: &mut Conn, entry_id: &str) -> Result<Vec<Job>> {
    let sql = format!("SELECT {COLUMNS} FROM job WHERE entry_id = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(entry_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}
