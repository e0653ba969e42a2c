//! The worker that runs the background media jobs of the store's queue: for now the poster
//! and the seekbar sprite of each uploaded video. A job that fails is retried later, up to
//! its limit; one left running by a server that stopped is queued again.

use std::sync::Arc;
use std::time::Duration;

use quad_api::Api;
use quad_media::images;
use quad_store::jobs::{self, Job};
use quad_store::{Backend, entries};

/// How long a claimed job may run before another node takes it as abandoned.
const LEASE_SECONDS: i64 = 600;

/// How long the worker waits when the queue is empty, or after a fault of its own.
const IDLE: Duration = Duration::from_millis(500);
const AFTER_FAULT: Duration = Duration::from_secs(5);

/// Starts the worker; it runs until the task is aborted.
pub fn spawn(api: Arc<Api>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = requeue_abandoned(&api).await {
            tracing::error!(error = %e, "could not requeue abandoned jobs");
        }
        loop {
            match next(&api).await {
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

/// Queues again the jobs a stopped server left running. On SQLite only this server works
/// the queue, so every running job was left; on PostgreSQL only those past their lease.
async fn requeue_abandoned(api: &Api) -> Result<(), String> {
    let now = quad_store::now();
    let before = match api.store.backend() {
        Backend::Sqlite => now + 1,
        Backend::Postgres => now - LEASE_SECONDS,
    };
    let mut tx = api.store.write().await.map_err(|e| e.to_string())?;
    let requeued = jobs::requeue_stale(&mut tx, before)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    if requeued > 0 {
        tracing::info!(requeued, "resuming jobs left running");
    }
    Ok(())
}

/// Runs the next due job, if any; false when the queue had none.
async fn next(api: &Api) -> Result<bool, String> {
    let claimed = {
        let mut tx = api.store.write().await.map_err(|e| e.to_string())?;
        let job = jobs::claim(&mut tx, api.store.backend())
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        job
    };
    let Some(job) = claimed else {
        return Ok(false);
    };

    let outcome = match job.kind.as_str() {
        jobs::THUMBNAILS => thumbnails(api, &job).await,
        other => Err(format!("no worker knows jobs of kind {other:?}")),
    };

    let mut tx = api.store.write().await.map_err(|e| e.to_string())?;
    match outcome {
        Ok(()) => jobs::finish(&mut tx, job.id)
            .await
            .map_err(|e| e.to_string())?,
        Err(why) => {
            let again = jobs::fail(&mut tx, &job, &why, 30 * job.attempts)
                .await
                .map_err(|e| e.to_string())?;
            tracing::warn!(
                job = job.id,
                entry = job.entry_id,
                again,
                reason = why,
                "job failed"
            );
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(true)
}

/// Makes the entry's poster and seekbar sprite from its source. An entry that was deleted,
/// or has no picture, needs none.
async fn thumbnails(api: &Api, job: &Job) -> Result<(), String> {
    let entry = {
        let mut conn = api.store.read().await.map_err(|e| e.to_string())?;
        entries::get(&mut conn, job.partner_id, &job.entry_id)
            .await
            .map_err(|e| e.to_string())?
    };
    let Some(entry) = entry.filter(|e| e.status != entries::STATUS_DELETED) else {
        return Ok(());
    };
    let (Some(source), Some(_)) = (entry.source_key.as_deref(), entry.width) else {
        return Ok(());
    };
    let Some(copy) = api
        .media
        .work_copy(source)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Err("the entry's source is missing from storage".to_owned());
    };
    let video = copy.path();
    let duration = entry.duration_ms.unwrap_or(0);
    let temp = |what: &str| {
        api.media.temp_path(&format!(
            "{what}-{}-{}.jpg",
            job.id,
            quad_store::random_token(8)
        ))
    };

    let poster = temp("poster");
    images::poster(video, duration, &poster)
        .await
        .map_err(|e| e.to_string())?;
    api.media
        .put_file(&images::poster_key(source), &poster)
        .await
        .map_err(|e| e.to_string())?;
    let sprite = temp("sprite");
    images::sprite(video, duration, &sprite)
        .await
        .map_err(|e| e.to_string())?;
    api.media
        .put_file(&images::sprite_key(source), &sprite)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
