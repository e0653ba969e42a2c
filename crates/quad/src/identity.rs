//! `quad identity report` and `quad user rename`: finding people who appear under
//! different user ids in different apps, and merging their ids.

use quad_domain::UserId;
use quad_domain::identity::{KnownUser, Likeness, suspected_duplicates};
use quad_store::{Store, identity, users};
use serde_json::{Value, json};

fn db(e: impl std::fmt::Display) -> String {
    format!("database error: {e}")
}

/// The identity report of a partner: pairs of user ids that look like one person, each
/// with the apps it logged in through and when last.
pub async fn report(store: &Store, partner_id: i64) -> Result<Value, String> {
    let mut conn = store.read().await.map_err(db)?;
    let seen = identity::seen_users(&mut conn, partner_id)
        .await
        .map_err(db)?;
    let known: Vec<KnownUser> = seen
        .iter()
        .map(|u| KnownUser {
            id: u.id.clone(),
            email: u.email.clone(),
            apps: u.logins.iter().map(|(app, _)| app.clone()).collect(),
        })
        .collect();
    let describe = |i: usize| {
        let u = &seen[i];
        let logins: Vec<Value> = u
            .logins
            .iter()
            .map(|(app, at)| json!({"app": app, "lastLoginAt": at}))
            .collect();
        json!({"userId": u.id, "email": u.email, "logins": logins})
    };
    let pairs: Vec<Value> = suspected_duplicates(&known)
        .into_iter()
        .map(|(a, b, likeness)| {
            let why = match likeness {
                Likeness::SameEmail => "same email",
                Likeness::SameLocalPart => "same id but for case or domain",
            };
            json!({"why": why, "users": [describe(a), describe(b)]})
        })
        .collect();
    Ok(json!({"partnerId": partner_id, "suspectedDuplicates": pairs}))
}

/// Renames (or merges) a user id in one transaction.
pub async fn rename(store: &Store, partner_id: i64, old: &str, new: &str) -> Result<Value, String> {
    let new_id = UserId::parse(new).ok_or_else(|| format!("{new:?} is not a valid user id"))?;
    if old == new {
        return Err("the old and new user ids are the same".to_owned());
    }
    let mut tx = store.write().await.map_err(db)?;
    if users::get(&mut tx, partner_id, old)
        .await
        .map_err(db)?
        .is_none()
    {
        return Err(format!("partner {partner_id} has no user {old:?}"));
    }
    let merged = users::get(&mut tx, partner_id, new_id.as_str())
        .await
        .map_err(db)?
        .is_some();
    identity::rename_user(&mut tx, partner_id, old, new_id.as_str())
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(json!({"partnerId": partner_id, "from": old, "to": new, "mergedIntoExisting": merged}))
}

/// Sets a user's portal password (local logins), stored as an Argon2id hash.
pub async fn set_password(
    store: &Store,
    partner_id: i64,
    user: &str,
    password: &str,
) -> Result<(), String> {
    use rand::RngExt;
    if password.chars().count() < 8 {
        return Err("a password needs at least 8 characters".to_owned());
    }
    let salt: [u8; 16] = rand::rng().random();
    let hash =
        quad_domain::login::hash_password(password, &salt).ok_or("could not hash the password")?;
    let mut tx = store.write().await.map_err(db)?;
    if !quad_store::credentials::set_password_hash(&mut tx, partner_id, user, &hash)
        .await
        .map_err(db)?
    {
        return Err(format!("partner {partner_id} has no user {user:?}"));
    }
    tx.commit().await.map_err(db)?;
    Ok(())
}
