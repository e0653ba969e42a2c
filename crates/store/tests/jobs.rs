//! The background job queue, on both databases: claimed once, retried up to a limit, and
//! given back when the worker holding a job stopped.

mod common;

use common::on_each_backend;
use quad_store::jobs::{self, DONE, FAILED, MAX_ATTEMPTS, QUEUED, RUNNING};
use quad_store::now;

#[tokio::test]
async fn a_job_is_claimed_once_and_then_done() {
    on_each_backend("jobs_claim", |db| async move {
        // Arrange
        let backend = db.store.backend();
        let mut tx = db.store.write().await.expect("tx");
        let id = jobs::enqueue(&mut tx, jobs::THUMBNAILS, 1, "0_a")
            .await
            .expect("job");
        tx.commit().await.expect("commit");

        // Act
        let mut tx = db.store.write().await.expect("tx");
        let first = jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim");
        let second = jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim again");
        let claimed = first.clone().expect("a job");
        jobs::finish(&mut tx, claimed.id).await.expect("finish");
        tx.commit().await.expect("commit");

        // Assert
        assert_eq!(
            (claimed.id, claimed.status.as_str(), claimed.attempts),
            (id, RUNNING, 1)
        );
        assert_eq!(second, None, "a running job is not claimed twice");
        let mut conn = db.store.read().await.expect("conn");
        let stored = jobs::of_entry(&mut conn, "0_a").await.expect("jobs");
        assert_eq!(stored[0].status, DONE);
    })
    .await;
}

#[tokio::test]
async fn a_failing_job_is_retried_later_and_given_up_after_its_attempts() {
    on_each_backend("jobs_retry", |db| async move {
        // Arrange
        let backend = db.store.backend();
        let mut tx = db.store.write().await.expect("tx");
        jobs::enqueue(&mut tx, jobs::THUMBNAILS, 1, "0_b")
            .await
            .expect("job");

        // Act: each failure asks for a retry at once, so the next claim takes it again.
        let mut outcomes = Vec::new();
        while let Some(job) = jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim")
        {
            outcomes.push(
                jobs::fail(&mut tx, &job, "ffmpeg failed", Some(0))
                    .await
                    .expect("fail"),
            );
        }
        let later = {
            jobs::enqueue(&mut tx, jobs::THUMBNAILS, 1, "0_c")
                .await
                .expect("job");
            let job = jobs::claim(&mut tx, backend, "node-a")
                .await
                .expect("claim")
                .expect("a job");
            jobs::fail(&mut tx, &job, "busy", Some(3600))
                .await
                .expect("fail");
            jobs::claim(&mut tx, backend, "node-a")
                .await
                .expect("claim")
        };
        tx.commit().await.expect("commit");

        // Assert
        let expected: Vec<bool> = (1..=MAX_ATTEMPTS).map(|n| n < MAX_ATTEMPTS).collect();
        assert_eq!(outcomes, expected);
        let mut conn = db.store.read().await.expect("conn");
        let given_up = &jobs::of_entry(&mut conn, "0_b").await.expect("jobs")[0];
        assert_eq!(given_up.status, FAILED);
        assert_eq!(given_up.last_error.as_deref(), Some("ffmpeg failed"));
        assert_eq!(later, None, "a job waits for its retry time");
    })
    .await;
}

#[tokio::test]
async fn a_job_left_running_by_a_stopped_worker_is_queued_again() {
    on_each_backend("jobs_requeue", |db| async move {
        // Arrange
        let backend = db.store.backend();
        let mut tx = db.store.write().await.expect("tx");
        jobs::enqueue(&mut tx, jobs::THUMBNAILS, 1, "0_d")
            .await
            .expect("job");
        let held = jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim")
            .expect("a job");

        // Act
        let untouched = jobs::requeue_stale(&mut tx, now() - 600)
            .await
            .expect("requeue");
        let requeued = jobs::requeue_stale(&mut tx, now() + 1)
            .await
            .expect("requeue");
        let again = jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim")
            .expect("the job");
        tx.commit().await.expect("commit");

        // Assert
        assert_eq!(
            (untouched, requeued),
            (0, 1),
            "only jobs claimed before the cut"
        );
        assert_eq!((again.id, again.attempts), (held.id, 2));
        assert_ne!(again.status, QUEUED);
    })
    .await;
}

#[tokio::test]
async fn a_job_whose_lease_is_renewed_is_not_taken_as_abandoned() {
    on_each_backend("jobs_renew", |db| async move {
        // Arrange: a job claimed long ago, as if its worker had run it for a while.
        let backend = db.store.backend();
        let mut tx = db.store.write().await.expect("tx");
        jobs::enqueue(&mut tx, jobs::WEB_FLAVOR, 1, "0_e")
            .await
            .expect("job");
        let held = jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim")
            .expect("a job");
        sqlx::query("UPDATE job SET claimed_at = claimed_at - 3600 WHERE id = $1")
            .bind(held.id)
            .execute(&mut *tx)
            .await
            .expect("age the claim");

        // Act
        jobs::renew(&mut tx, held.id).await.expect("renew");
        let requeued = jobs::requeue_stale(&mut tx, now() - 60)
            .await
            .expect("requeue");
        tx.commit().await.expect("commit");

        // Assert
        assert_eq!(requeued, 0);
        let mut conn = db.store.read().await.expect("conn");
        assert_eq!(
            jobs::of_entry(&mut conn, "0_e").await.expect("jobs")[0].status,
            RUNNING
        );
    })
    .await;
}

#[tokio::test]
async fn a_job_not_worth_retrying_is_given_up_at_once() {
    on_each_backend("jobs_give_up", |db| async move {
        // Arrange
        let backend = db.store.backend();
        let mut tx = db.store.write().await.expect("tx");
        jobs::enqueue(&mut tx, jobs::WEB_FLAVOR, 1, "0_f")
            .await
            .expect("job");
        let job = jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim")
            .expect("a job");

        // Act
        let again = jobs::fail(&mut tx, &job, "ffmpeg is not installed", None)
            .await
            .expect("fail");
        tx.commit().await.expect("commit");

        // Assert
        assert!(!again);
        let mut conn = db.store.read().await.expect("conn");
        assert_eq!(
            jobs::of_entry(&mut conn, "0_f").await.expect("jobs")[0].status,
            FAILED
        );
    })
    .await;
}

#[tokio::test]
async fn a_node_starting_again_takes_back_only_its_own_running_jobs() {
    on_each_backend("jobs_node", |db| async move {
        // Arrange: node a and node b each hold a job.
        let backend = db.store.backend();
        let mut tx = db.store.write().await.expect("tx");
        for entry in ["0_g", "0_h"] {
            jobs::enqueue(&mut tx, jobs::WEB_FLAVOR, 1, entry)
                .await
                .expect("job");
        }
        jobs::claim(&mut tx, backend, "node-a")
            .await
            .expect("claim")
            .expect("a job");
        jobs::claim(&mut tx, backend, "node-b")
            .await
            .expect("claim")
            .expect("a job");

        // Act
        let requeued = jobs::requeue_of_node(&mut tx, "node-a")
            .await
            .expect("requeue");
        tx.commit().await.expect("commit");

        // Assert
        assert_eq!(requeued, 1);
        let mut conn = db.store.read().await.expect("conn");
        let g = &jobs::of_entry(&mut conn, "0_g").await.expect("jobs")[0];
        let h = &jobs::of_entry(&mut conn, "0_h").await.expect("jobs")[0];
        assert_eq!((g.status.as_str(), h.status.as_str()), (QUEUED, RUNNING));
    })
    .await;
}
