//! What LTI launches leave behind besides users, courses and memberships: the nonces of
//! LTI 1.1 launches, so that none is accepted twice.

use crate::{Conn, Result, now};

/// Records a launch's nonce; false when this consumer used it before. Nonces past their
/// window are dropped on the way, since a launch that old is refused by its timestamp.
pub async fn use_nonce(
    conn: &mut Conn,
    consumer_key: &str,
    nonce: &str,
    expires_at: i64,
) -> Result<bool> {
    sqlx::query("DELETE FROM lti_nonce WHERE expires_at < $1")
        .bind(now())
        .execute(&mut *conn)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO lti_nonce (consumer_key, nonce, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (consumer_key, nonce) DO NOTHING",
    )
    .bind(consumer_key)
    .bind(nonce)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
