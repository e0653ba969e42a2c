//! Local login credentials: password hashes, and the failed attempts that slow guessing.

use crate::{Conn, Result, now};

/// Failures older than this no longer count.
const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

/// Stores a user's password hash; `false` when the partner has no such live user.
pub async fn set_password_hash(
    conn: &mut Conn,
    partner_id: i64,
    user_id: &str,
    hash: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 \
         WHERE partner_id = $3 AND id = $4 AND status <> 2",
    )
    .bind(hash)
    .bind(now())
    .bind(partner_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A live user's password hash, if they have one.
pub async fn password_hash(
    conn: &mut Conn,
    partner_id: i64,
    user_id: &str,
) -> Result<Option<String>> {
    let hash: Option<Option<String>> = sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE partner_id = $1 AND id = $2 AND status <> 2",
    )
    .bind(partner_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(hash.flatten())
}

/// The failed attempts for a subject (a user name or an address) in the recent window.
pub async fn recent_failures(conn: &mut Conn, partner_id: i64, subject: &str) -> Result<i64> {
    let failures: Option<i64> = sqlx::query_scalar(
        "SELECT failures FROM login_failure WHERE partner_id = $1 AND subject = $2 \
         AND last_failure_at > $3",
    )
    .bind(partner_id)
    .bind(subject)
    .bind(now() - FAILURE_WINDOW_SECONDS)
    .fetch_optional(conn)
    .await?;
    Ok(failures.unwrap_or(0))
}

/// Counts one more failed attempt, starting afresh when the last one is out of the window,
/// and returns the count.
pub async fn record_failure(conn: &mut Conn, partner_id: i64, subject: &str) -> Result<i64> {
    let t = now();
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_failure (partner_id, subject, failures, last_failure_at) \
         VALUES ($1, $2, 1, $3) ON CONFLICT (partner_id, subject) DO UPDATE SET \
         failures = CASE WHEN login_failure.last_failure_at > $4 \
                         THEN login_failure.failures + 1 ELSE 1 END, \
         last_failure_at = $3 RETURNING failures",
    )
    .bind(partner_id)
    .bind(subject)
    .bind(t)
    .bind(t - FAILURE_WINDOW_SECONDS)
    .fetch_one(conn)
    .await?;
    Ok(failures)
}

/// Forgets the failures of a subject after a successful login.
pub async fn clear_failures(conn: &mut Conn, partner_id: i64, subject: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failure WHERE partner_id = $1 AND subject = $2")
        .bind(partner_id)
        .bind(subject)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions, partners, users};

    #[tokio::test]
    async fn passwords_and_failures_are_kept_per_partner_user() {
        let dir = std::env::temp_dir().join(format!("quad-credentials-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("q.db").display());
        let store = Store::open(&url, StoreOptions::default())
            .await
            .expect("store");
        let mut tx = store.write().await.expect("tx");
        let pid = partners::create(&mut tx, "p").await.expect("partner").id;
        users::ensure(&mut tx, pid, "ann").await.expect("user");

        let set = set_password_hash(&mut tx, pid, "ann", "$argon2id$x")
            .await
            .expect("set");
        let unknown = set_password_hash(&mut tx, pid, "nobody", "$argon2id$x")
            .await
            .expect("set");
        let stored = password_hash(&mut tx, pid, "ann").await.expect("get");
        let first = record_failure(&mut tx, pid, "ann").await.expect("failure");
        let second = record_failure(&mut tx, pid, "ann").await.expect("failure");
        let counted = recent_failures(&mut tx, pid, "ann").await.expect("count");
        clear_failures(&mut tx, pid, "ann").await.expect("clear");
        let cleared = recent_failures(&mut tx, pid, "ann").await.expect("count");
        tx.commit().await.expect("commit");

        assert!(set);
        assert!(!unknown);
        assert_eq!(stored.as_deref(), Some("$argon2id$x"));
        assert_eq!((first, second, counted, cleared), (1, 2, 2, 0));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
