//! What a first start creates: on an empty database, a partner with a portal and an
//! administrator to log in as; and `quad demo`'s fuller library: two portals logging in by
//! different methods, an LMS app with a course, users, sample media and publications, and
//! a planted identity mismatch for the report to find.

use quad_domain::app::AppKind;
use quad_domain::membership::{MemberStatus, PermissionLevel, UpdateMethod};
use quad_store::categories::{self, Category};
use quad_store::entries::{self, Entry};
use quad_store::members::{self, Member};
use quad_store::partners::{self, Partner};
use quad_store::users::{self, User};
use quad_store::{Conn, Store, identity, portal, publications, random_token};
use serde_json::{Value, json};

use crate::apps::{self, NewApp};

fn db(e: impl std::fmt::Display) -> String {
    format!("database error: {e}")
}

async fn add_user(
    conn: &mut Conn,
    partner: i64,
    id: &str,
    name: &str,
    email: &str,
) -> Result<(), String> {
    let user = User {
        partner_id: partner,
        id: id.to_owned(),
        screen_name: Some(name.to_owned()),
        full_name: Some(name.to_owned()),
        email: Some(email.to_owned()),
        status: users::STATUS_ACTIVE,
        ..User::default()
    };
    users::insert(conn, &user).await.map_err(db)?;
    Ok(())
}

async fn set_role(
    store: &Store,
    app: &Value,
    partner: i64,
    user: &str,
    role: &str,
) -> Result<(), String> {
    let mut tx = store.write().await.map_err(db)?;
    let app_id = app["id"].as_i64().unwrap_or_default();
    portal::set_app_role(&mut tx, app_id, partner, user, role)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)
}

/// On an empty database: a partner, a portal, and an `admin` user with a random password.
/// Returns what to tell the operator, or `None` when the database already had a partner.
pub async fn first_run(
    store: &Store,
    public_url: &str,
) -> Result<Option<(Partner, Value, String)>, String> {
    let mut tx = store.write().await.map_err(db)?;
    if partners::count(&mut tx).await.map_err(db)? > 0 {
        return Ok(None);
    }
    let partner = partners::create(&mut tx, "Default").await.map_err(db)?;
    add_user(&mut tx, partner.id, "admin", "Administrator", "").await?;
    tx.commit().await.map_err(db)?;

    let portal = apps::create(
        store,
        &NewApp {
            partner_id: partner.id,
            kind: AppKind::Portal,
            name: "Video Portal",
            slug: Some("portal"),
            public_url,
        },
    )
    .await?;
    set_role(store, &portal, partner.id, "admin", "adminRole").await?;
    let password = random_token(16);
    crate::identity::set_password(store, partner.id, "admin", &password).await?;
    Ok(Some((partner, portal, password)))
}

async fn child(
    conn: &mut Conn,
    partner: i64,
    full_name: &str,
    name: &str,
) -> Result<Category, String> {
    let parent = categories::get_by_full_name(conn, partner, full_name)
        .await
        .map_err(db)?
        .ok_or_else(|| format!("the demo expected a category {full_name:?}"))?;
    apps::create_category(conn, partner, Some(&parent), name, "").await
}

async fn sample_entry(
    conn: &mut Conn,
    partner: i64,
    owner: &str,
    name: &str,
    description: &str,
    age_days: i64,
) -> Result<Entry, String> {
    let at = quad_store::now() - age_days * 86_400;
    let entry = Entry {
        id: entries::new_entry_id(),
        partner_id: partner,
        name: name.to_owned(),
        description: Some(description.to_owned()),
        owner_id: owner.to_owned(),
        creator_id: owner.to_owned(),
        status: entries::STATUS_NO_CONTENT,
        media_type: Some(1),
        entry_type: 1,
        display_in_search: 1,
        created_at: at,
        updated_at: at,
        ..Entry::default()
    };
    entries::insert(conn, &entry).await.map_err(db)?;
    Ok(entry)
}

/// Seeds the demo library on an empty database and describes it; on a database that has
/// one already, describes what is there (without the passwords, which are only shown once).
pub async fn seed(store: &Store, public_url: &str) -> Result<Value, String> {
    let mut tx = store.write().await.map_err(db)?;
    if partners::count(&mut tx).await.map_err(db)? > 0 {
        drop(tx);
        return describe_existing(store, public_url).await;
    }
    let partner = partners::create(&mut tx, "Demo University")
        .await
        .map_err(db)?;
    let p = partner.id;
    for (id, name, email) in [
        ("lecturer", "Lena Lecturer", "lecturer@demo.example"),
        ("student", "Sam Student", "student@demo.example"),
        ("jdoe", "Jo Doe", "jdoe@demo.example"),
        ("JDoe@demo.example", "Jo Doe", "jdoe@demo.example"),
    ] {
        add_user(&mut tx, p, id, name, email).await?;
    }
    tx.commit().await.map_err(db)?;

    let app = |kind, name, slug| NewApp {
        partner_id: p,
        kind,
        name,
        slug: Some(slug),
        public_url,
    };
    let portal_app = apps::create(store, &app(AppKind::Portal, "Video Portal", "portal")).await?;
    let campus = apps::create(store, &app(AppKind::Portal, "Campus Portal", "campus")).await?;
    let canvas = apps::create(store, &app(AppKind::Kaf, "Canvas", "canvas")).await?;
    let canvas_root = canvas["rootCategoryId"].as_i64().unwrap_or_default();

    let external = json!([{"applicationName": "Canvas", "applicationRootCategory": canvas_root,
        "type": "KAF application"}])
    .to_string();
    for slug in ["portal", "campus"] {
        apps::set(store, slug, "categories.externalApplications", &external).await?;
    }
    apps::set(store, "campus", "auth.method", "header").await?;
    apps::set(store, "campus", "auth.trustedProxies", "127.0.0.1, ::1").await?;
    for (app, user) in [(&portal_app, "lecturer"), (&campus, "lecturer")] {
        set_role(store, app, p, user, "adminRole").await?;
    }

    let mut passwords = Vec::new();
    for user in ["lecturer", "student", "jdoe"] {
        let password = random_token(12);
        crate::identity::set_password(store, p, user, &password).await?;
        passwords.push((user, password));
    }

    let mut tx = store.write().await.map_err(db)?;
    let gallery = child(&mut tx, p, "portal>site>galleries", "Biology").await?;
    let mut showcase = child(&mut tx, p, "portal>site>galleries", "Student showcase").await?;
    showcase.moderation = true;
    categories::update(&mut tx, &showcase).await.map_err(db)?;
    // The lecturer moderates the showcase, so that the moderation page has someone to serve.
    let manager = Member {
        category_id: showcase.id,
        user_id: "lecturer".to_owned(),
        partner_id: p,
        permission_level: PermissionLevel::Manager.code(),
        permission_names: PermissionLevel::Manager.permission_names().join(","),
        status: MemberStatus::Active as i64,
        update_method: UpdateMethod::Manual as i64,
        ..Member::default()
    };
    members::put(&mut tx, &manager).await.map_err(db)?;
    child(&mut tx, p, "campus>site>galleries", "Campus news").await?;
    let course = child(&mut tx, p, "canvas>site>channels", "BIO-101").await?;
    let mut in_context = child(&mut tx, p, "canvas>site>channels>BIO-101", "InContext").await?;
    in_context.moderation = true;
    categories::update(&mut tx, &in_context).await.map_err(db)?;
    let canvas_id = canvas["id"].as_i64().unwrap_or_default();
    portal::put_course(&mut tx, canvas_id, "BIO-101", "Biology 101", course.id)
        .await
        .map_err(db)?;

    let cell = sample_entry(
        &mut tx,
        p,
        "lecturer",
        "The cell, part 1",
        "First lecture of BIO-101.",
        20,
    )
    .await?;
    let mitosis = sample_entry(
        &mut tx,
        p,
        "lecturer",
        "Mitosis in four minutes",
        "A short explainer.",
        12,
    )
    .await?;
    sample_entry(
        &mut tx,
        p,
        "lecturer",
        "Lab safety briefing",
        "Private draft.",
        3,
    )
    .await?;
    sample_entry(
        &mut tx,
        p,
        "student",
        "My field trip",
        "A student recording.",
        2,
    )
    .await?;
    publications::add(
        &mut tx,
        &gallery,
        &cell.id,
        publications::STATUS_ACTIVE,
        Some("lecturer"),
        "manual",
    )
    .await
    .map_err(db)?;
    publications::add(
        &mut tx,
        &course,
        &cell.id,
        publications::STATUS_ACTIVE,
        Some("lecturer"),
        "api",
    )
    .await
    .map_err(db)?;
    publications::add(
        &mut tx,
        &in_context,
        &mitosis.id,
        publications::STATUS_ACTIVE,
        Some("student"),
        "watch",
    )
    .await
    .map_err(db)?;

    // The planted mismatch: one person, known to the portal as `jdoe` and to the LMS by an
    // email-shaped id, both with the same email.
    let portal_id = portal_app["id"].as_i64().unwrap_or_default();
    identity::record_login(&mut tx, p, "jdoe", portal_id)
        .await
        .map_err(db)?;
    identity::record_login(&mut tx, p, "JDoe@demo.example", canvas_id)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;

    let users: Vec<Value> = passwords
        .iter()
        .map(|(id, password)| {
            let role = if *id == "lecturer" {
                "adminRole"
            } else {
                "privateOnlyRole"
            };
            json!({"id": id, "password": password, "role": role})
        })
        .collect();
    Ok(json!({
        "url": public_url,
        "partnerId": p,
        "adminSecret": partner.admin_secret,
        "portal": {"slug": "portal", "url": portal_app["baseUrl"]},
        "portal2": {"slug": "campus", "url": campus["baseUrl"], "auth": "header",
                    "headerName": "X-Remote-User"},
        "lms": {"slug": "canvas", "courseGalleryId": course.id, "courseTitle": "Biology 101",
                "contextId": "BIO-101",
                "testLms": format!("{}/test-lms", canvas["baseUrl"].as_str().unwrap_or_default())},
        "users": users,
        "galleryId": gallery.id,
    }))
}

async fn describe_existing(store: &Store, public_url: &str) -> Result<Value, String> {
    let mut conn = store.read().await.map_err(db)?;
    let partner = partners::first(&mut conn)
        .await
        .map_err(db)?
        .ok_or("no partner")?;
    let apps = quad_store::apps::list(&mut conn, Some(partner.id))
        .await
        .map_err(db)?;
    let described: Vec<Value> = apps.iter().map(apps::describe).collect();
    Ok(json!({
        "url": public_url,
        "partnerId": partner.id,
        "adminSecret": partner.admin_secret,
        "apps": described,
        "note": "the database was seeded before; passwords are shown only when it is seeded",
    }))
}
