//! Ended sessions and use counts of limited ones, kept in the database so that every node
//! of a cluster sees them.

use crate::{Conn, Result, now};

/// Marks a KS as ended until it would have expired.
pub async fn revoke(
    conn: &mut Conn,
    ks_hash: &str,
    partner_id: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO revoked_session (ks_hash, partner_id, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (ks_hash) DO NOTHING",
    )
    .bind(ks_hash)
    .bind(partner_id)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM revoked_session WHERE expires_at < $1")
        .bind(now())
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts one use of a KS with `actionslimit` and returns the uses so far, this one
/// included.
pub async fn count_use(conn: &mut Conn, ks_hash: &str, expires_at: i64) -> Result<i64> {
    let uses: i64 = sqlx::query_scalar(
        "INSERT INTO session_use (ks_hash, uses, expires_at) VALUES ($1, 1, $2) \
         ON CONFLICT (ks_hash) DO UPDATE SET uses = session_use.uses + 1 RETURNING uses",
    )
    .bind(ks_hash)
    .bind(expires_at)
    .fetch_one(conn)
    .await?;
    Ok(uses)
}
