//! Identity bookkeeping: logins per app, the facts of the identity report, and renaming a
//! user id everywhere it is stored.

use sqlx::Row;

use crate::{Conn, Result, categories, now};

/// Records a login of `user_id` through an app.
pub async fn record_login(
    conn: &mut Conn,
    partner_id: i64,
    user_id: &str,
    app_id: i64,
) -> Result<()> {
    let t = now();
    sqlx::query(
        "INSERT INTO user_login \
         (partner_id, user_id, app_id, logins, first_login_at, last_login_at) \
         VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (partner_id, user_id, app_id) DO UPDATE SET \
         logins = user_login.logins + 1, last_login_at = excluded.last_login_at",
    )
    .bind(partner_id)
    .bind(user_id)
    .bind(app_id)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE users SET last_login_time = $1 WHERE partner_id = $2 AND id = $3")
        .bind(t)
        .bind(partner_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// One user id with its email and the apps (by slug) it logged in through, with the last
/// login of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenUser {
    pub id: String,
    pub email: Option<String>,
    pub logins: Vec<(String, i64)>,
}

/// Every live user of the partner with their logins, for the identity report.
pub async fn seen_users(conn: &mut Conn, partner_id: i64) -> Result<Vec<SeenUser>> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, a.slug, l.last_login_at FROM users u \
         LEFT JOIN user_login l ON l.partner_id = u.partner_id AND l.user_id = u.id \
         LEFT JOIN app a ON a.id = l.app_id \
         WHERE u.partner_id = $1 AND u.status <> 2 ORDER BY u.id, a.slug",
    )
    .bind(partner_id)
    .fetch_all(conn)
    .await?;
    let mut users: Vec<SeenUser> = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        if users.last().is_none_or(|u| u.id != id) {
            users.push(SeenUser {
                id: id.clone(),
                email: row.try_get("email")?,
                logins: Vec::new(),
            });
        }
        let slug: Option<String> = row.try_get("slug")?;
        let at: Option<i64> = row.try_get("last_login_at")?;
        if let (Some(slug), Some(at), Some(user)) = (slug, at, users.last_mut()) {
            user.logins.push((slug, at));
        }
    }
    Ok(users)
}

/// Moves everything `old` owns, co-edits, co-publishes, co-views, manages or belongs to over
/// to `new`, and their logins. When `new` already exists the two merge: where both have a
/// collaboration or membership on the same object, `new`'s stays. The caller runs this in
/// one transaction.
pub async fn rename_user(conn: &mut Conn, partner_id: i64, old: &str, new: &str) -> Result<()> {
    let moves = [
        "UPDATE entry SET owner_id = $3 WHERE partner_id = $1 AND owner_id = $2",
        "UPDATE entry SET creator_id = $3 WHERE partner_id = $1 AND creator_id = $2",
        "DELETE FROM entry_collaborator WHERE partner_id = $1 AND user_id = $2 AND EXISTS \
         (SELECT 1 FROM entry_collaborator n WHERE n.entry_id = entry_collaborator.entry_id \
          AND n.role = entry_collaborator.role AND n.user_id = $3)",
        "UPDATE entry_collaborator SET user_id = $3 WHERE partner_id = $1 AND user_id = $2",
        "UPDATE category SET owner = $3 WHERE partner_id = $1 AND owner = $2",
        "UPDATE category_entry SET creator_user_id = $3 WHERE partner_id = $1 AND \
            creator_user_id = $2",
        "UPDATE upload_token SET user_id = $3 WHERE partner_id = $1 AND user_id = $2",
        "DELETE FROM user_login WHERE partner_id = $1 AND user_id = $2 AND EXISTS \
         (SELECT 1 FROM user_login n WHERE n.partner_id = $1 AND n.user_id = $3 \
          AND n.app_id = user_login.app_id)",
        "UPDATE user_login SET user_id = $3 WHERE partner_id = $1 AND user_id = $2",
        // A role the new id already has in an app wins over the old id's.
        "DELETE FROM app_role WHERE partner_id = $1 AND user_id = $2 AND EXISTS \
         (SELECT 1 FROM app_role n WHERE n.partner_id = $1 AND n.user_id = $3 \
          AND n.app_id = app_role.app_id)",
        "UPDATE app_role SET user_id = $3 WHERE partner_id = $1 AND user_id = $2",
    ];
    let doubled: Vec<i64> = sqlx::query_scalar(
        "SELECT category_id FROM category_user WHERE partner_id = $1 AND user_id = $2 AND \
         category_id IN (SELECT category_id FROM category_user \
         WHERE partner_id = $1 AND user_id = $3)",
    )
    .bind(partner_id)
    .bind(old)
    .bind(new)
    .fetch_all(&mut *conn)
    .await?;
    for sql in moves {
        sqlx::query(sql)
            .bind(partner_id)
            .bind(old)
            .bind(new)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "DELETE FROM category_user WHERE partner_id = $1 AND user_id = $2 AND \
         category_id IN (SELECT category_id FROM category_user \
         WHERE partner_id = $1 AND user_id = $3)",
    )
    .bind(partner_id)
    .bind(old)
    .bind(new)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE category_user SET user_id = $3 WHERE partner_id = $1 AND user_id = $2")
        .bind(partner_id)
        .bind(old)
        .bind(new)
        .execute(&mut *conn)
        .await?;
    for category in doubled {
        categories::recount_members(conn, category).await?;
    }
    let new_exists: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE partner_id = $1 AND id = $2")
            .bind(partner_id)
            .bind(new)
            .fetch_one(&mut *conn)
            .await?;
    if new_exists > 0 {
        sqlx::query(
            "UPDATE users SET status = 1, deleted_at = NULL WHERE partner_id = $1 AND id = $2",
        )
        .bind(partner_id)
        .bind(new)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM users WHERE partner_id = $1 AND id = $2")
            .bind(partner_id)
            .bind(old)
            .execute(conn)
            .await?;
    } else {
        sqlx::query("UPDATE users SET id = $3, updated_at = $4 WHERE partner_id = $1 AND id = $2")
            .bind(partner_id)
            .bind(old)
            .bind(new)
            .bind(now())
            .execute(conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entries::{self, Entry};
    use crate::members::{self, Member};
    use crate::users::{self, User};
    use crate::{Store, StoreOptions, partners};

    async fn store(name: &str) -> Store {
        let dir = std::env::temp_dir().join(format!("quad-identity-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("q.db").display());
        Store::open(&url, StoreOptions::default())
            .await
            .expect("store")
    }

    fn member(category_id: i64, user: &str, partner_id: i64, level: i64) -> Member {
        Member {
            category_id,
            user_id: user.to_owned(),
            partner_id,
            permission_level: level,
            permission_names: String::new(),
            status: 1,
            update_method: 0,
            category_full_ids: String::new(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[tokio::test]
    async fn renaming_moves_ownership_collaboration_and_memberships_and_merges_into_an_existing_id()
    {
        let store = store("rename").await;
        let mut tx = store.write().await.expect("tx");
        let pid = partners::create(&mut tx, "p").await.expect("partner").id;
        for id in ["jdoe", "JDoe@uni.example", "bob"] {
            users::ensure(&mut tx, pid, id).await.expect("user");
        }
        let entry = |id: &str, owner: &str| Entry {
            id: id.to_owned(),
            partner_id: pid,
            owner_id: owner.to_owned(),
            creator_id: owner.to_owned(),
            status: 2,
            entry_type: 1,
            ..Entry::default()
        };
        entries::insert(&mut tx, &entry("0_a", "JDoe@uni.example"))
            .await
            .expect("entry");
        entries::insert(&mut tx, &entry("0_b", "bob"))
            .await
            .expect("entry");
        entries::set_collaborators(&mut tx, pid, "0_b", 1, &["JDoe@uni.example".into()])
            .await
            .expect("collab");
        let category = crate::categories::Category {
            partner_id: pid,
            name: "c".into(),
            full_name: "c".into(),
            status: 2,
            ..Default::default()
        };
        let cid = crate::categories::insert(&mut tx, &category)
            .await
            .expect("category");
        members::put(&mut tx, &member(cid, "JDoe@uni.example", pid, 0))
            .await
            .expect("member");
        members::put(&mut tx, &member(cid, "jdoe", pid, 3))
            .await
            .expect("member");

        rename_user(&mut tx, pid, "JDoe@uni.example", "jdoe")
            .await
            .expect("rename");
        tx.commit().await.expect("commit");

        let mut conn = store.read().await.expect("conn");
        let moved = entries::get(&mut conn, pid, "0_a")
            .await
            .expect("get")
            .expect("entry");
        assert_eq!(
            (moved.owner_id.as_str(), moved.creator_id.as_str()),
            ("jdoe", "jdoe")
        );
        let collaborators = entries::collaborators(&mut conn, &["0_b".into()])
            .await
            .expect("collab");
        assert_eq!(collaborators["0_b"].editors, ["jdoe"]);
        let kept = members::get(&mut conn, cid, "jdoe")
            .await
            .expect("get")
            .expect("member");
        assert_eq!(kept.permission_level, 3);
        assert!(
            members::get(&mut conn, cid, "JDoe@uni.example")
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            users::get(&mut conn, pid, "JDoe@uni.example")
                .await
                .expect("get")
                .is_none()
        );
        let c = crate::categories::get(&mut conn, pid, cid)
            .await
            .expect("get")
            .expect("category");
        assert_eq!(c.members_count, 1);
    }

    #[tokio::test]
    async fn renaming_to_a_new_id_renames_the_user() {
        let store = store("fresh").await;
        let mut tx = store.write().await.expect("tx");
        let pid = partners::create(&mut tx, "p").await.expect("partner").id;
        let user = User {
            partner_id: pid,
            id: "old".into(),
            email: Some("o@x".into()),
            status: 1,
            ..User::default()
        };
        users::insert(&mut tx, &user).await.expect("user");

        rename_user(&mut tx, pid, "old", "new")
            .await
            .expect("rename");
        tx.commit().await.expect("commit");

        let mut conn = store.read().await.expect("conn");
        let renamed = users::get(&mut conn, pid, "new")
            .await
            .expect("get")
            .expect("user");
        assert_eq!(renamed.email.as_deref(), Some("o@x"));
        assert!(
            users::get(&mut conn, pid, "old")
                .await
                .expect("get")
                .is_none()
        );
    }
}
