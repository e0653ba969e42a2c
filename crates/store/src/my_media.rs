//! My Media: a user's owned and collaborated entries, filtered, sorted and paged.

use quad_domain::my_media::{MyMediaQuery, PublishState, Sort};
use sqlx::Row;

use crate::entries::{self, Entry};
use crate::sql::{Sql, like_escape};
use crate::{Conn, Result};

fn exists_publication(sql: &mut Sql, status: i64, negate: bool) {
    sql.push(if negate {
        " AND NOT EXISTS"
    } else {
        " AND EXISTS"
    });
    sql.push(" (SELECT 1 FROM category_entry ce WHERE ce.entry_id = e.id AND ce.status = ");
    sql.bind(status).push(")");
}

fn query_sql(select: &str, partner_id: i64, q: &MyMediaQuery) -> Sql {
    let user = q.user.as_str();
    let mut sql = Sql::new(select);
    sql.push(" FROM entry e WHERE e.partner_id = ")
        .bind(partner_id);
    sql.push(" AND e.status <> ").bind(entries::STATUS_DELETED);
    // A union of two indexed lookups, rather than an OR that would scan the partner.
    sql.push(" AND e.id IN (SELECT o.id FROM entry o WHERE o.partner_id = ")
        .bind(partner_id);
    sql.push(" AND o.owner_id = ").bind(user);
    let roles = q.ownership.collaborator_roles();
    if !roles.is_empty() {
        sql.push(" UNION SELECT ec.entry_id FROM entry_collaborator ec WHERE ec.partner_id = ");
        sql.bind(partner_id).push(" AND ec.user_id = ").bind(user);
        sql.push(" AND ec.role IN ")
            .bind_list(roles.iter().copied());
    }
    sql.push(")");
    if let Some(media_type) = q.media_type {
        sql.push(" AND e.media_type = ").bind(media_type);
    }
    match q.publish_state {
        None => {}
        Some(PublishState::Published) => exists_publication(&mut sql, 2, false),
        Some(PublishState::Pending) => {
            exists_publication(&mut sql, 2, true);
            exists_publication(&mut sql, 1, false);
        }
        Some(PublishState::Rejected) => {
            exists_publication(&mut sql, 2, true);
            exists_publication(&mut sql, 1, true);
            exists_publication(&mut sql, 4, false);
        }
        Some(PublishState::Private) => {
            exists_publication(&mut sql, 2, true);
            exists_publication(&mut sql, 1, true);
        }
    }
    for word in &q.keywords {
        sql.push(
            " AND lower(e.name || ' ' || COALESCE(e.description, '') || ' ' || \
            COALESCE(e.tags, '')) LIKE ",
        );
        sql.bind(format!("%{}%", like_escape(&word.to_lowercase())))
            .push(" ESCAPE '\\'");
    }
    sql
}

/// An unfiltered My Media as `(id, created_at)` rows, `select` wrapped around them: the
/// owned part is read from the owner index alone, without reading entry rows.
fn unfiltered_sql(select: &str, partner_id: i64, q: &MyMediaQuery) -> Sql {
    let user = q.user.as_str();
    let mut sql = Sql::new(select);
    sql.push(" FROM (SELECT o.id, o.created_at FROM entry o WHERE o.partner_id = ");
    sql.bind(partner_id)
        .push(" AND o.owner_id = ")
        .bind(user)
        .push(" AND o.status <> ")
        .bind(entries::STATUS_DELETED);
    let roles = q.ownership.collaborator_roles();
    if !roles.is_empty() {
        sql.push(
            " UNION SELECT c.id, c.created_at FROM entry_collaborator ec JOIN entry c \
             ON c.id = ec.entry_id WHERE ec.partner_id = ",
        );
        sql.bind(partner_id).push(" AND ec.user_id = ").bind(user);
        sql.push(" AND ec.role IN ")
            .bind_list(roles.iter().copied());
        sql.push(" AND c.status <> ").bind(entries::STATUS_DELETED);
    }
    sql.push(") mine");
    sql
}

/// A page of the user's My Media, and how many entries it holds in all.
pub async fn list(conn: &mut Conn, partner_id: i64, q: &MyMediaQuery) -> Result<(Vec<Entry>, i64)> {
    let unfiltered = q.media_type.is_none() && q.publish_state.is_none() && q.keywords.is_empty();
    let count = if unfiltered {
        unfiltered_sql("SELECT COUNT(*)", partner_id, q)
    } else {
        query_sql("SELECT COUNT(*)", partner_id, q)
    };
    let total: i64 = count.query().fetch_one(&mut *conn).await?.try_get(0)?;
    // By date, an unfiltered page is ordered from the indexes too.
    let by_date = matches!(q.sort, Sort::Newest | Sort::Oldest);
    let mut sql = if unfiltered && by_date {
        unfiltered_sql("SELECT mine.id", partner_id, q)
    } else {
        query_sql("SELECT e.id", partner_id, q)
    };
    let column = if unfiltered && by_date { "mine" } else { "e" };
    let order = match q.sort {
        Sort::Newest => format!("{column}.created_at DESC, {column}.id DESC"),
        Sort::Oldest => format!("{column}.created_at ASC, {column}.id ASC"),
        Sort::Name => "lower(e.name) ASC, e.id ASC".to_owned(),
        Sort::Plays => "e.plays DESC, e.id DESC".to_owned(),
    };
    sql.push(&format!(" ORDER BY {order} LIMIT "))
        .bind(q.page_size.clamp(1, 500));
    sql.push(" OFFSET ").bind(q.offset());
    let ids: Vec<String> = sql
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<std::result::Result<_, _>>()?;
    // Ids first, then rows by primary key: the ordered page comes from the owner index
    // alone, which reading whole rows in the same statement would give up.
    let mut found = entries::get_many(conn, partner_id, &ids).await?;
    found.sort_by_key(|e| ids.iter().position(|id| *id == e.id));
    Ok((found, total))
}

#[cfg(test)]
mod tests {
    use quad_domain::UserId;
    use quad_domain::my_media::{MyMediaQuery, Ownership, PublishState};

    use super::list;
    use crate::categories::{self, Category};
    use crate::entries::{self, Entry};
    use crate::{Store, StoreOptions, partners, publications};

    fn entry(id: &str, partner_id: i64, owner: &str, name: &str, created_at: i64) -> Entry {
        Entry {
            id: id.to_owned(),
            partner_id,
            name: name.to_owned(),
            owner_id: owner.to_owned(),
            creator_id: owner.to_owned(),
            status: entries::STATUS_READY,
            media_type: Some(1),
            entry_type: 1,
            display_in_search: 1,
            created_at,
            updated_at: created_at,
            ..Entry::default()
        }
    }

    async fn ids(store: &Store, partner_id: i64, q: &MyMediaQuery) -> (Vec<String>, i64) {
        let mut conn = store.read().await.expect("connection");
        let (found, total) = list(&mut conn, partner_id, q).await.expect("my media");
        (found.into_iter().map(|e| e.id).collect(), total)
    }

    #[tokio::test]
    async fn my_media_holds_owned_and_collaborated_entries_with_their_filters() {
        let dir = std::env::temp_dir().join(format!("quad-my-media-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("q.db").display());
        let store = Store::open(&url, StoreOptions::default())
            .await
            .expect("store");
        let mut tx = store.write().await.expect("tx");
        let partner = partners::create(&mut tx, "p").await.expect("partner");
        let pid = partner.id;
        for (id, owner, name, at) in [
            ("0_own", "ann", "Cell biology", 3),
            ("0_edit", "bob", "Genetics", 2),
            ("0_view", "bob", "Ecology", 1),
            ("0_other", "bob", "Physics", 4),
        ] {
            entries::insert(&mut tx, &entry(id, pid, owner, name, at))
                .await
                .expect("entry");
        }
        // Deleted entries never count, whether owned or collaborated on.
        for (id, owner) in [("0_gone", "ann"), ("0_gone_shared", "bob")] {
            let mut gone = entry(id, pid, owner, "Old", 5);
            gone.status = entries::STATUS_DELETED;
            entries::insert(&mut tx, &gone).await.expect("entry");
        }
        entries::set_collaborators(&mut tx, pid, "0_gone_shared", 1, &["ann".to_owned()])
            .await
            .expect("edit");
        entries::set_collaborators(&mut tx, pid, "0_edit", 1, &["ann".to_owned()])
            .await
            .expect("edit");
        entries::set_collaborators(&mut tx, pid, "0_view", 3, &["ann".to_owned()])
            .await
            .expect("view");
        let mut gallery = Category {
            partner_id: pid,
            name: "g".into(),
            full_name: "g".into(),
            privacy: 1,
            appear_in_list: 1,
            inheritance_type: 2,
            status: 2,
            ..Category::default()
        };
        gallery.id = categories::insert(&mut tx, &gallery)
            .await
            .expect("category");
        gallery.full_ids = gallery.id.to_string();
        categories::set_path(&mut tx, gallery.id, &gallery.full_ids, gallery.id)
            .await
            .expect("path");
        publications::add(&mut tx, &gallery, "0_edit", 2, Some("ann"), "manual")
            .await
            .expect("pub");
        publications::add(&mut tx, &gallery, "0_view", 1, Some("bob"), "manual")
            .await
            .expect("pub");
        tx.commit().await.expect("commit");
        let ann = UserId::parse("ann").expect("valid");

        let all = ids(&store, pid, &MyMediaQuery::new(ann.clone())).await;
        let owned = MyMediaQuery {
            ownership: Ownership::Owned,
            ..MyMediaQuery::new(ann.clone())
        };
        let can_edit = MyMediaQuery {
            ownership: Ownership::CanEdit,
            ..MyMediaQuery::new(ann.clone())
        };
        let published = MyMediaQuery {
            publish_state: Some(PublishState::Published),
            ..MyMediaQuery::new(ann.clone())
        };
        let pending = MyMediaQuery {
            publish_state: Some(PublishState::Pending),
            ..MyMediaQuery::new(ann.clone())
        };
        let private = MyMediaQuery {
            publish_state: Some(PublishState::Private),
            ..MyMediaQuery::new(ann.clone())
        };
        let searched = MyMediaQuery::new(ann.clone()).with_keywords("CELL bio");

        assert_eq!(
            all,
            (vec!["0_own".into(), "0_edit".into(), "0_view".into()], 3)
        );
        assert_eq!(ids(&store, pid, &owned).await.0, ["0_own"]);
        assert_eq!(ids(&store, pid, &can_edit).await.0, ["0_own", "0_edit"]);
        assert_eq!(ids(&store, pid, &published).await.0, ["0_edit"]);
        assert_eq!(ids(&store, pid, &pending).await.0, ["0_view"]);
        assert_eq!(ids(&store, pid, &private).await.0, ["0_own"]);
        assert_eq!(ids(&store, pid, &searched).await.0, ["0_own"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
