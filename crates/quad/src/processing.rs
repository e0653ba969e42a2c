//! The worker that runs the background media jobs of the store's queue: the web flavor of
//! a source browsers cannot play, the HLS packaging of videos (with `--hls`), and the
//! poster and seekbar sprite of each video. A job that fails is retried later, up to its
//! limit, and then leaves its entry in a status that says so; one left running by a server
//! that stopped is queued again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use quad_api::Api;
use quad_media::{FfmpegError, flavor, images};
use quad_store::entries::{self, Entry};
use quad_store::jobs::{self, Job};
use quad_store::{Backend, Store};

/// How long a job may go without a sign of life before another node takes it as abandoned
/// (PostgreSQL), and how often a running job gives one.
const LEASE_SECONDS: i64 = 60;
const HEARTBEAT: Duration = Duration::from_secs(15);

/// How long the worker waits when the queue is empty, or after a fault of its own.
const IDLE: Duration = Duration::from_millis(500);
const AFTER_FAULT: Duration = Duration::from_secs(5);

/// How old a temporary media file must be to count as left behind by a stopped server.
const LEFT_BEHIND: Duration = Duration::from_secs(24 * 3600);

/// How often abandoned jobs are looked for on PostgreSQL, where other nodes may stop.
const REQUEUE_EVERY: Duration = Duration::from_secs(30);

/// Why a job did not finish: worth another attempt, or not, or ffmpeg is not installed.
enum JobError {
    Retry(String),
    GiveUp(String),
    NoFfmpeg,
}

impl JobError {
    fn reason(&self) -> String {
        match self {
            JobError::Retry(why) | JobError::GiveUp(why) => why.clone(),
            JobError::NoFfmpeg => FfmpegError::Missing.to_string(),
        }
    }
}

fn fault(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

/// Who the worker is in the queue, and how it retries.
#[derive(Debug, Clone)]
pub struct Worker {
    /// This node's name, the same across its restarts.
    pub node: String,
    /// The wait before a failed job's second attempt; later ones wait longer.
    pub retry_seconds: i64,
}

/// Starts the worker; it runs until the task is aborted.
pub fn spawn(api: Arc<Api>, worker: Worker) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = resume_own(&api.store, &worker.node).await {
            tracing::error!(error = %e, "could not requeue the jobs left running");
        }
        match api.media.sweep_temporary(LEFT_BEHIND).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed temporary media files left behind"),
            Err(e) => tracing::error!(error = %e, "could not sweep temporary media files"),
        }
        let mut requeue_at = Instant::now() + REQUEUE_EVERY;
        loop {
            if requeue_at <= Instant::now() && api.store.backend() == Backend::Postgres {
                if let Err(e) = requeue_abandoned(&api.store).await {
                    tracing::error!(error = %e, "could not requeue abandoned jobs");
                }
                requeue_at = Instant::now() + REQUEUE_EVERY;
            }
            match next(&api, &worker).await {
                Ok(true) => {}
                Ok(false) => tokio::time::sleep(IDLE).await,
                Err(e) => {
                    tracing::error!(error = %e, "the job worker failed");
                    tokio::time::sleep(AFTER_FAULT).await;
                }
            }
        }
    })
}

/// Queues again the jobs a previous run of this node left running. On SQLite this is the
/// only worker, so that is every running job.
async fn resume_own(store: &Store, node: &str) -> Result<(), String> {
    let mut tx = store.write().await.map_err(|e| e.to_string())?;
    let requeued = match store.backend() {
        Backend::Sqlite => jobs::requeue_stale(&mut tx, quad_store::now() + 1).await,
        Backend::Postgres => jobs::requeue_of_node(&mut tx, node).await,
    }
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    if requeued > 0 {
        tracing::info!(requeued, "resuming jobs left running");
    }
    Ok(())
}

/// Queues again the jobs of other nodes that stopped giving signs of life.
async fn requeue_abandoned(store: &Store) -> Result<(), String> {
    let mut tx = store.write().await.map_err(|e| e.to_string())?;
    let requeued = jobs::requeue_stale(&mut tx, quad_store::now() - LEASE_SECONDS)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    if requeued > 0 {
        tracing::info!(requeued, "taking over jobs of a node that stopped");
    }
    Ok(())
}

/// Runs the next due job, if any; false when the queue had none.
async fn next(api: &Api, worker: &Worker) -> Result<bool, String> {
    let claimed = {
        let mut tx = api.store.write().await.map_err(|e| e.to_string())?;
        let job = jobs::claim(&mut tx, api.store.backend(), &worker.node)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        job
    };
    let Some(job) = claimed else {
        return Ok(false);
    };

    tracing::info!(
        job = job.id,
        kind = job.kind,
        entry = job.entry_id,
        "job started"
    );
    let started = Instant::now();
    let outcome = with_heartbeat(&api.store, &job, HEARTBEAT, run(api, &job)).await;

    let mut tx = api.store.write().await.map_err(|e| e.to_string())?;
    let ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(()) => {
            jobs::finish(&mut tx, job.id)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(job = job.id, kind = job.kind, ms, "job done");
        }
        Err(error) => {
            let why = error.reason();
            let retry_in =
                matches!(error, JobError::Retry(_)).then_some(worker.retry_seconds * job.attempts);
            let again = jobs::fail(&mut tx, &job, &why, retry_in)
                .await
                .map_err(|e| e.to_string())?;
            if !again {
                gave_up(&mut tx, &job, &error).await?;
            }
            tracing::warn!(
                job = job.id,
                kind = job.kind,
                entry = job.entry_id,
                again,
                ms,
                reason = why,
                "job failed"
            );
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(true)
}

/// Runs a job while telling the queue, every little while, that its worker is alive. The
/// heartbeat runs beside the job, not inside it: on SQLite it waits for the write turn,
/// which the job itself may be holding.
async fn with_heartbeat<T>(
    store: &Store,
    job: &Job,
    every: Duration,
    work: impl Future<Output = T>,
) -> T {
    let (store, id) = (store.clone(), job.id);
    let _heartbeat = StopOnDrop(tokio::spawn(async move {
        let mut every = tokio::time::interval(every);
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(e) = beat_once(&store, id).await {
                tracing::error!(job = id, error = %e, "could not renew a job's lease");
            }
        }
    }));
    work.await
}

/// Stops a task when dropped: the heartbeat ends with its job, also when the worker itself
/// is stopped in the middle of one.
struct StopOnDrop(tokio::task::JoinHandle<()>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn beat_once(store: &Store, id: i64) -> Result<(), quad_store::StoreError> {
    let mut conn = store.write_single().await?;
    jobs::renew(&mut conn, id).await
}

async fn run(api: &Api, job: &Job) -> Result<(), JobError> {
    match job.kind.as_str() {
        jobs::WEB_FLAVOR => web_flavor(api, job).await,
        jobs::HLS => hls(api, job).await,
        jobs::THUMBNAILS => thumbnails(api, job).await,
        other => Err(JobError::GiveUp(format!(
            "no worker knows jobs of kind {other:?}"
        ))),
    }
}

/// What a job that will not run again leaves its entry in. An entry waiting for its web
/// flavor stops waiting: without ffmpeg it plays its source where browsers can, otherwise
/// it is in error with the reason. Other jobs leave the entry as it was.
async fn gave_up(conn: &mut quad_store::Conn, job: &Job, error: &JobError) -> Result<(), String> {
    if job.kind != jobs::WEB_FLAVOR {
        return Ok(());
    }
    let Some(mut entry) = entries::get(conn, job.partner_id, &job.entry_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    if entry.status != entries::STATUS_PRECONVERT {
        return Ok(());
    }
    if let JobError::NoFfmpeg = error {
        entry.status = entries::STATUS_READY;
        entry.status_reason = Some(
            "No converter is installed, so the video plays as uploaded, where browsers can."
                .to_owned(),
        );
    } else {
        entry.status = entries::STATUS_ERROR_CONVERTING;
        entry.status_reason = Some(format!(
            "The video could not be converted for playing in browsers ({}).",
            error.reason()
        ));
    }
    entries::update(conn, &entry)
        .await
        .map_err(|e| e.to_string())
}

/// The job's entry, unless it was deleted meanwhile.
async fn live_entry(api: &Api, job: &Job) -> Result<Option<Entry>, JobError> {
    let mut conn = api.store.read().await.map_err(fault)?;
    let entry = entries::get(&mut conn, job.partner_id, &job.entry_id)
        .await
        .map_err(fault)?;
    Ok(entry.filter(|e| e.status != entries::STATUS_DELETED))
}

fn temp_name(job: &Job, what: &str, ext: &str) -> String {
    format!("{what}-{}-{}.{ext}", job.id, quad_store::random_token(8))
}

/// Turns an ffmpeg failure into a job error: without ffmpeg, trying again is no use.
fn ffmpeg_failed(e: FfmpegError) -> JobError {
    match e {
        FfmpegError::Missing => JobError::NoFfmpeg,
        FfmpegError::Failed(_) => JobError::Retry(e.to_string()),
    }
}

/// Makes the web flavor of the entry's source, then lets the entry play it.
async fn web_flavor(api: &Api, job: &Job) -> Result<(), JobError> {
    let Some(entry) = live_entry(api, job).await? else {
        return Ok(());
    };
    let Some(source) = entry.source_key.clone() else {
        return Ok(());
    };
    let Some(copy) = api.media.work_copy(&source).await.map_err(fault)? else {
        return Err(JobError::GiveUp(
            "the source is missing from storage".to_owned(),
        ));
    };

    let out = api.media.temp_path(&temp_name(job, "flavor", "mp4"));
    let made = flavor::web_flavor(copy.path(), entry.width.is_some(), &out).await;
    drop(copy);
    if let Err(e) = made {
        let _ = tokio::fs::remove_file(&out).await;
        return Err(ffmpeg_failed(e));
    }
    let key = flavor::web_flavor_key(&source);
    let bytes = api.media.put_file(&key, &out).await.map_err(fault)?;

    // The entry is read again in the write turn: it may have changed while ffmpeg ran.
    let mut tx = api.store.write().await.map_err(fault)?;
    if let Some(mut entry) = entries::get(&mut tx, job.partner_id, &job.entry_id)
        .await
        .map_err(fault)?
    {
        entry.web_flavor_key = Some(key);
        entry.web_flavor_bytes = i64::try_from(bytes).ok();
        entry.status_reason = None;
        if entry.status == entries::STATUS_PRECONVERT {
            entry.status = entries::STATUS_READY;
        }
        entries::update(&mut tx, &entry).await.map_err(fault)?;
        if api.config.hls && entry.width.is_some() {
            jobs::enqueue(&mut tx, jobs::HLS, job.partner_id, &job.entry_id)
                .await
                .map_err(fault)?;
        }
    }
    tx.commit().await.map_err(fault)?;
    Ok(())
}

/// Packages the video the entry plays (its web flavor, or its source when browsers play
/// that) as HLS, without converting it.
async fn hls(api: &Api, job: &Job) -> Result<(), JobError> {
    let Some(entry) = live_entry(api, job).await? else {
        return Ok(());
    };
    let Some(source) = entry.source_key.clone() else {
        return Ok(());
    };
    let playable = entry.web_flavor_key.as_deref().unwrap_or(&source);
    let Some(copy) = api.media.work_copy(playable).await.map_err(fault)? else {
        return Err(JobError::GiveUp(
            "the video is missing from storage".to_owned(),
        ));
    };

    let dir = api.media.temp_path(&temp_name(job, "hls", "d"));
    tokio::fs::create_dir_all(&dir).await.map_err(fault)?;
    let packaged = flavor::hls(copy.path(), &dir).await;
    drop(copy);
    let key = flavor::hls_key(&source);
    let stored = match packaged {
        Ok(()) => store_hls(api, &dir, &key).await,
        Err(e) => Err(ffmpeg_failed(e)),
    };
    let _ = tokio::fs::remove_dir_all(&dir).await;
    stored?;

    let mut tx = api.store.write().await.map_err(fault)?;
    if let Some(mut entry) = entries::get(&mut tx, job.partner_id, &job.entry_id)
        .await
        .map_err(fault)?
    {
        entry.hls_key = Some(key);
        entries::update(&mut tx, &entry).await.map_err(fault)?;
    }
    tx.commit().await.map_err(fault)?;
    Ok(())
}

/// Stores the segments before the playlist, so that a playlist found is always whole.
async fn store_hls(api: &Api, dir: &std::path::Path, key: &str) -> Result<(), JobError> {
    let segments = dir.join(flavor::HLS_SEGMENT_FILE);
    api.media
        .put_file(&format!("{key}.m4s"), &segments)
        .await
        .map_err(fault)?;
    api.media
        .put_file(&format!("{key}.m3u8"), &dir.join("index.m3u8"))
        .await
        .map_err(fault)?;
    Ok(())
}

/// Makes the entry's poster and seekbar sprite from its source. An entry that was deleted,
/// or has no picture, needs none.
async fn thumbnails(api: &Api, job: &Job) -> Result<(), JobError> {
    let Some(entry) = live_entry(api, job).await? else {
        return Ok(());
    };
    let (Some(source), Some(_)) = (entry.source_key.as_deref(), entry.width) else {
        return Ok(());
    };
    let Some(copy) = api.media.work_copy(source).await.map_err(fault)? else {
        return Err(JobError::GiveUp(
            "the source is missing from storage".to_owned(),
        ));
    };
    let duration = entry.duration_ms.unwrap_or(0);

    let poster = api.media.temp_path(&temp_name(job, "poster", "jpg"));
    images::poster(copy.path(), duration, &poster)
        .await
        .map_err(ffmpeg_failed)?;
    api.media
        .put_file(&images::poster_key(source), &poster)
        .await
        .map_err(fault)?;
    let sprite = api.media.temp_path(&temp_name(job, "sprite", "jpg"));
    images::sprite(copy.path(), duration, &sprite)
        .await
        .map_err(ffmpeg_failed)?;
    api.media
        .put_file(&images::sprite_key(source), &sprite)
        .await
        .map_err(fault)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quad_store::StoreOptions;

    #[tokio::test]
    async fn the_heartbeat_renews_the_lease_while_the_job_holds_the_write_turn() {
        // Arrange: a SQLite store, where writers take turns, and a claimed job.
        let dir = std::env::temp_dir().join(format!("quad-heartbeat-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a folder");
        let url = format!("sqlite://{}?mode=rwc", dir.join("quad.db").display());
        let store = Store::open(&url, StoreOptions::default())
            .await
            .expect("a store");
        let mut tx = store.write().await.expect("a transaction");
        jobs::enqueue(&mut tx, jobs::HLS, 1, "0_a")
            .await
            .expect("a job");
        let job = jobs::claim(&mut tx, store.backend(), "node")
            .await
            .expect("claim")
            .expect("the job");
        sqlx::query("UPDATE job SET claimed_at = 0 WHERE id = $1")
            .bind(job.id)
            .execute(&mut *tx)
            .await
            .expect("an old claim");
        tx.commit().await.expect("commit");

        // Act: the job takes the write turn and keeps it past a few heartbeats.
        let work = async {
            let tx = store.write().await.expect("the write turn");
            tokio::time::sleep(Duration::from_millis(300)).await;
            tx.commit().await.expect("commit");
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let finished = tokio::time::timeout(
            Duration::from_secs(10),
            with_heartbeat(&store, &job, Duration::from_millis(50), work),
        )
        .await;

        // Assert: no deadlock, and the lease was renewed once the turn was free.
        assert!(
            finished.is_ok(),
            "the job and its heartbeat waited on each other"
        );
        let mut conn = store.read().await.expect("a connection");
        let claimed_at: i64 = sqlx::query_scalar("SELECT claimed_at FROM job WHERE id = $1")
            .bind(job.id)
            .fetch_one(&mut *conn)
            .await
            .expect("the job");
        assert!(claimed_at > 0, "the lease was renewed");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
