//! Landing a checked launch of either LTI version: the user (by the `hosted` mapping), the
//! course and its galleries, the user's membership and app role (by the `roles` mapping),
//! the login record, the embed's publication, and the page to go to. What the launch would
//! change is read first, and the write turn is taken for the changes only: a repeated
//! launch, which finds everything as it would make it, writes nothing but its nonce.

use quad_api::Api;
use quad_api::ks::{self, KsFields};
use quad_domain::embed::{self, AutoRepublish, EmbedFacts, EmbedOpening};
use quad_domain::lti::{self, Launch, LaunchRefusal, Message};
use quad_domain::membership::{MemberStatus, PermissionLevel, UpdateMethod};
use quad_domain::roles::{self, AppRole};
use quad_domain::{SessionType, UserId};
use quad_store::apps::App;
use quad_store::categories::{self, Category};
use quad_store::embeds::{self, Embed};
use quad_store::lti::{LaunchKey, Selection};
use quad_store::members::{self, Member};
use quad_store::partners::Partner;
use quad_store::{Conn, entries, portal, publications, users};

use super::courses::{self, CourseError};
use super::launch::{Checked, Failure, Landing, Once, Target, setting};

/// How long the session of an LMS page lasts.
const SESSION_SECONDS: i64 = 4 * 3600;

/// Launches of one user through one app closer together than this are one login: an LMS
/// page with three embeds launches three times at once.
const LOGIN_SECONDS: i64 = 60;

/// What a launch found already as it would make it, read before the write turn.
#[derive(Default)]
struct Found {
    /// The user exists, with the name and e-mail the launch would fill in.
    user: bool,
    /// No live user has this id yet.
    new_user: bool,
    /// The course's gallery, when the course exists under this title.
    gallery: Option<i64>,
    membership: bool,
    role: bool,
    login: bool,
    /// The embed was opened before and its entry is published in the course: it plays.
    embed_plays: bool,
}

/// A checked launch with what its roles map to: everything landing needs.
struct Arrival {
    app: App,
    partner: Partner,
    settings: serde_json::Value,
    user: UserId,
    launch: Launch,
    once: Once,
    platform: Option<(i64, String)>,
    target: Target,
    app_role: AppRole,
    course_role: Option<PermissionLevel>,
    now: i64,
}

impl Arrival {
    fn entry(&self) -> Option<&str> {
        match &self.target {
            Target::Embed(entry) => Some(entry),
            _ => None,
        }
    }

    /// Whether the launch has nothing to write but what makes it good once.
    fn changes_nothing(&self, found: &Found) -> bool {
        found.user
            && found.gallery.is_some()
            && found.membership
            && found.role
            && found.login
            && (self.entry().is_none() || found.embed_plays)
            && matches!(self.launch.message, Message::Launch { .. })
    }
}

async fn find(conn: &mut Conn, a: &Arrival) -> Result<Found, Failure> {
    let key = LaunchKey {
        partner_id: a.app.partner_id,
        app_id: a.app.id,
        user_id: a.user.as_str(),
        context_id: &a.launch.course.context_id,
        resource_link_id: a.launch.resource_link_id(),
        entry_id: a.entry(),
    };
    let facts = quad_store::lti::launch_facts(conn, &key).await?;
    let has = |field: &Option<String>| field.as_deref().is_some_and(|f| !f.is_empty());
    let course_ready = facts.course_title.as_deref() == Some(a.launch.course.title.as_str())
        && facts.in_context_id.is_some();
    Ok(Found {
        user: facts.user_exists
            && (a.launch.email.is_none() || has(&facts.email))
            && (a.launch.full_name.is_none() || has(&facts.full_name)),
        new_user: !facts.user_exists,
        gallery: facts.gallery_id.filter(|_| course_ready),
        membership: match a.course_role {
            None => true,
            Some(level) => {
                course_ready
                    && facts.member_level == Some(level.code())
                    && facts.member_status == Some(MemberStatus::Active as i64)
            }
        },
        role: facts.app_role.as_deref() == Some(a.app_role.as_str()),
        login: facts
            .last_login_at
            .is_some_and(|at| a.now - at < LOGIN_SECONDS),
        embed_plays: course_ready
            && a.entry().is_some()
            && facts.embedded_entry_id.as_deref() == a.entry()
            && facts.active_in_course > 0,
    })
}

/// Uses up what makes the launch good once, or refuses it when that was used before.
async fn use_once(conn: &mut Conn, once: &Once, now: i64) -> Result<(), Failure> {
    let expires = now + 2 * lti::TIMESTAMP_WINDOW_SECONDS;
    let fresh = match once {
        Once::Nonce { key, nonce } => quad_store::lti::use_nonce(conn, key, nonce, expires).await?,
        Once::Login {
            state,
            issuer,
            nonce,
        } => {
            quad_store::lti13::use_login(conn, state).await?
                && quad_store::lti::use_nonce(conn, issuer, nonce, expires).await?
        }
    };
    if fresh {
        return Ok(());
    }
    Err(Failure::Refused(match once {
        Once::Nonce { .. } => LaunchRefusal::ReplayedNonce,
        Once::Login { .. } => LaunchRefusal::UnknownLogin,
    }))
}

/// Completes a checked launch: what it changes, in one transaction, then the page it opens.
pub(super) async fn land(api: &Api, checked: Checked, target: Target) -> Result<Landing, Failure> {
    if !target.takes(&checked.launch.message) {
        return Err(Failure::Refused(LaunchRefusal::NotALaunch));
    }
    let rows = roles::rows_from_setting(&checked.settings["roles"]["ltiRoles"]);
    let role_names: Vec<&str> = checked.launch.roles.iter().map(String::as_str).collect();
    let (app_role, course_role) = roles::map_lti_roles(&rows, &role_names);
    let a = Arrival {
        app: checked.app,
        partner: checked.partner,
        settings: checked.settings,
        user: checked.user,
        launch: checked.launch,
        once: checked.once,
        platform: checked.platform,
        target,
        app_role,
        course_role,
        now: quad_store::now(),
    };
    let found = {
        let mut conn = api.store.read().await?;
        find(&mut conn, &a).await?
    };

    let (plays, selection) = if a.changes_nothing(&found) {
        // One statement needs no transaction: the database makes it atomic by itself.
        let mut conn = api.store.write_single().await?;
        use_once(&mut conn, &a.once, a.now).await?;
        (true, None)
    } else {
        write_changes(api, &a, &found).await?
    };
    if !plays {
        return Ok(Landing::NotAvailable);
    }

    Ok(Landing::Page(page_of(&a, selection)))
}

/// Writes what the launch changes, in one transaction. Returns whether the embed plays
/// and the picker's waiting request.
async fn write_changes(
    api: &Api,
    a: &Arrival,
    found: &Found,
) -> Result<(bool, Option<String>), Failure> {
    let (app, user, launch) = (&a.app, &a.user, &a.launch);
    let mut tx = api.store.write().await?;
    use_once(&mut tx, &a.once, a.now).await?;
    if !found.user {
        remember_user(&mut tx, app, user, launch, found.new_user).await?;
    }
    let made = match found.gallery {
        Some(_) => None,
        None => Some(course_gallery_of(&mut tx, app, launch).await?),
    };
    let gallery_id = match (&made, found.gallery) {
        (Some(gallery), _) => gallery.id,
        (None, Some(id)) => id,
        (None, None) => return Err(Failure::Fault("a course without its gallery".to_owned())),
    };
    if let (false, Some(level)) = (found.membership, a.course_role) {
        refresh_membership(&mut tx, app, gallery_id, user, level).await?;
    }
    if !found.role {
        let role = a.app_role.as_str();
        portal::set_app_role(&mut tx, app.id, app.partner_id, user.as_str(), role).await?;
    }
    if !found.login {
        quad_store::identity::record_login(&mut tx, app.partner_id, user.as_str(), app.id).await?;
    }
    let plays = match a.entry() {
        None => true,
        Some(_) if found.embed_plays => true,
        Some(entry) => {
            let gallery = match made {
                Some(gallery) => gallery,
                None => categories::get(&mut tx, app.partner_id, gallery_id)
                    .await?
                    .ok_or_else(|| {
                        Failure::Fault(format!("the course gallery {gallery_id} is gone"))
                    })?,
            };
            let rule = setting(&a.settings, "browseandembed", "autoRepublish");
            let rule = AutoRepublish::parse(&rule).unwrap_or(AutoRepublish::Yes);
            let course = Course {
                app,
                gallery: &gallery,
                context: &launch.course.context_id,
            };
            open_embed(&mut tx, &course, user, launch, entry, rule).await?
        }
    };
    let selection = match &launch.message {
        Message::Selection { return_url, data } => {
            let waiting = Selection {
                id: quad_store::random_token(24),
                app_id: app.id,
                user_id: user.to_string(),
                context_id: launch.course.context_id.clone(),
                return_url: return_url.clone(),
                data: data.clone(),
                expires_at: a.now + SESSION_SECONDS,
                platform_id: a.platform.as_ref().map(|(id, _)| *id),
                deployment_id: a
                    .platform
                    .as_ref()
                    .map(|(_, d)| d.clone())
                    .unwrap_or_default(),
            };
            quad_store::lti::put_selection(&mut tx, &waiting).await?;
            Some(waiting.id)
        }
        Message::Launch { .. } => None,
    };
    tx.commit()
        .await
        .map_err(|e| Failure::Fault(e.to_string()))?;
    Ok((plays, selection))
}

/// The page a landed launch opens, with the session of the pages inside the LMS.
fn page_of(a: &Arrival, selection: Option<String>) -> String {
    let token = session_token(&a.partner, &a.user, a.now);
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let context: String =
        form_urlencoded::byte_serialize(a.launch.course.context_id.as_bytes()).collect();
    let slug = &a.app.slug;
    match (&a.target, a.app_role >= AppRole::PrivateOnly) {
        (Target::Embed(entry), _) => format!("/{slug}/lti/pages/player/{entry}?t={encoded}"),
        (Target::BrowseAndEmbed, _) => format!(
            "/{slug}/lti/pages/pick/{}?t={encoded}",
            selection.unwrap_or_default()
        ),
        (Target::MyMedia, true) => format!("/{slug}/lti/pages/my-media?t={encoded}"),
        _ => format!("/{slug}/lti/pages/course/{context}?t={encoded}"),
    }
}

/// A user KS for the pages inside the LMS.
fn session_token(partner: &Partner, user: &UserId, now: i64) -> String {
    let fields = KsFields {
        partner_id: partner.id,
        expiry: now + SESSION_SECONDS,
        session_type: SessionType::User.code(),
        user_id: user.as_str().to_owned(),
        privileges: String::new(),
    };
    ks::encode_v2(&fields, &partner.admin_secret, rand::random())
}

/// Creates the user on first launch and fills in the name and e-mail the LMS sent when
/// Quad has none, so that the identity report can compare people across apps.
async fn remember_user(
    conn: &mut Conn,
    app: &App,
    user: &UserId,
    launch: &Launch,
    new: bool,
) -> Result<(), Failure> {
    // A user the launch found missing is inserted at once; should a launch of the same
    // person at the same moment insert them too, the second insert writes the same fields.
    let known = if new {
        None
    } else {
        users::get(conn, app.partner_id, user.as_str()).await?
    };
    let Some(mut known) = known else {
        let new = users::User {
            partner_id: app.partner_id,
            id: user.to_string(),
            screen_name: Some(user.to_string()),
            email: launch.email.clone(),
            full_name: launch.full_name.clone(),
            status: users::STATUS_ACTIVE,
            ..users::User::default()
        };
        users::insert(conn, &new).await?;
        return Ok(());
    };
    let mut changed = false;
    if known.email.as_deref().is_none_or(str::is_empty) && launch.email.is_some() {
        known.email = launch.email.clone();
        changed = true;
    }
    if known.full_name.as_deref().is_none_or(str::is_empty) && launch.full_name.is_some() {
        known.full_name = launch.full_name.clone();
        changed = true;
    }
    if changed {
        users::update(conn, &known).await?;
    }
    Ok(())
}

/// The course's Media Gallery, made on the first launch in the course, its title refreshed.
async fn course_gallery_of(
    conn: &mut Conn,
    app: &App,
    launch: &Launch,
) -> Result<Category, Failure> {
    let course = &launch.course;
    courses::ensure(conn, app, &course.context_id, &course.title)
        .await
        .map(|(gallery, _)| gallery)
        .map_err(course_failure)
}

fn course_failure(e: CourseError) -> Failure {
    match e {
        CourseError::UnusableContext(_) => {
            Failure::Refused(LaunchRefusal::Missing("a usable context_id"))
        }
        CourseError::BrokenTree(why) => Failure::Fault(why),
        CourseError::Store(e) => Failure::from(e),
    }
}

/// Sets the user's membership of the course gallery to the launch's course role.
async fn refresh_membership(
    conn: &mut Conn,
    app: &App,
    gallery_id: i64,
    user: &UserId,
    level: PermissionLevel,
) -> Result<(), Failure> {
    let member = Member {
        category_id: gallery_id,
        user_id: user.to_string(),
        partner_id: app.partner_id,
        permission_level: level.code(),
        permission_names: level.permission_names().join(","),
        status: MemberStatus::Active as i64,
        // Automatic: the LMS owns this membership, and the next launch may change it.
        update_method: UpdateMethod::Automatic as i64,
        ..Member::default()
    };
    // Called only when the launch found the membership otherwise.
    members::set(conn, &member).await?;
    Ok(())
}

/// The course a launch came from, with its Media Gallery.
struct Course<'a> {
    app: &'a App,
    gallery: &'a Category,
    context: &'a str,
}

/// Opens an embed: records it on its first launch, publishes it to the course's `InContext`
/// when its owner opens it, and otherwise applies the app's auto-republish rule. Returns
/// whether the entry plays.
async fn open_embed(
    conn: &mut Conn,
    course: &Course<'_>,
    user: &UserId,
    launch: &Launch,
    entry_id: &str,
    setting: AutoRepublish,
) -> Result<bool, Failure> {
    let Some(entry) = entries::get(conn, course.app.partner_id, entry_id).await? else {
        return Ok(false);
    };
    let recorded = embeds::record(
        conn,
        &Embed {
            app_id: course.app.id,
            resource_link_id: launch.resource_link_id().to_owned(),
            context_id: course.context.to_owned(),
            entry_id: entry.id.clone(),
            embedded_by: user.to_string(),
            created_at: 0,
        },
    )
    .await?;
    let in_context = courses::in_context(conn, course.gallery)
        .await
        .map_err(course_failure)?;
    let course_categories = [course.gallery.id, in_context.id];
    let mut published = false;
    for category in course_categories {
        let link = publications::get(conn, category, &entry.id).await?;
        published |= link.is_some_and(|p| p.status == publications::STATUS_ACTIVE);
    }
    if !published && embed::embed_publishes(entry.owner_id == user.as_str()) {
        publications::add_active_if_absent(
            conn,
            &in_context,
            &entry.id,
            Some(user.as_str()),
            "embed",
        )
        .await?;
        return Ok(true);
    }
    let facts = EmbedFacts {
        published_in_course: published,
        viewer_in_course: true,
        owner_withdrew_after_embed: embeds::removed_since(
            conn,
            &entry.id,
            &course_categories,
            &entry.owner_id,
            recorded.created_at,
        )
        .await?,
        entry_exists: true,
    };
    match embed::open_embed(setting, facts) {
        EmbedOpening::Play => Ok(true),
        EmbedOpening::RepublishAndPlay => {
            publications::add_active_if_absent(
                conn,
                &in_context,
                &entry.id,
                Some(user.as_str()),
                "watch",
            )
            .await?;
            Ok(true)
        }
        EmbedOpening::NotAvailable => Ok(false),
    }
}
