//! `media` and `baseEntry`: entries, their collaborators and their content.

use quad_domain::entitlement::{self, EntryAccess, PublicationAccess};
use quad_domain::entry::{self as rules, EntryPeople};
use quad_domain::publishing::{self, CategoryPolicy, PublishRequest};
use quad_domain::user::parse_user_list;
use quad_domain::{MediaType, Privacy, UserId};
use quad_media::ProbeOutcome;
use quad_store::entries::{
    self, Collaborators, Entry, EntryFilter, ROLE_EDITOR, ROLE_PUBLISHER, ROLE_VIEWER,
};
use quad_store::{Conn, categories, jobs, publications, uploads};

use super::{commit, ensure_users, player, read, write};
use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::objects::{self, EntryView};
use crate::params::{Field, Fields};
use crate::types::{self, Page};
use crate::wire::{Out, list_response};

pub const ACTIONS: &[&str] = &[
    "add",
    "addcontent",
    "get",
    "list",
    "count",
    "update",
    "delete",
    "getbyids",
    "getplaybackcontext",
];

/// Fields the server sets; a request may only repeat their current value.
const READ_ONLY: &[&str] = &[
    "id",
    "partnerId",
    "status",
    "moderationStatus",
    "moderationCount",
    "createdAt",
    "updatedAt",
    "rank",
    "totalRank",
    "votes",
    "downloadUrl",
    "searchText",
    "version",
    "thumbnailUrl",
    "rootEntryId",
    "capabilities",
    "plays",
    "views",
    "lastPlayedAt",
    "width",
    "height",
    "duration",
    "msDuration",
    "durationType",
    "mediaDate",
    "dataUrl",
    "flavorParamsIds",
    "replacingEntryId",
    "replacedEntryId",
    "replacementStatus",
    "defaultLanguage",
    "responseLanguage",
];

/// Fields that can be set when an entry is added but not changed afterwards.
const INSERT_ONLY: &[&str] = &[
    "creatorId",
    "mediaType",
    "templateEntryId",
    "sourceType",
    "conversionQuality",
    "application",
    "applicationVersion",
];

pub async fn handle(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.action.as_str() {
        "add" => add(call, params).await,
        "addcontent" => add_content(call, params).await,
        "get" => get(call, params).await,
        "update" => update(call, params).await,
        "delete" => delete(call, params).await,
        "getbyids" => get_by_ids(call, params).await,
        "count" => count(call, params).await,
        "getplaybackcontext" => player::playback_context(call, params).await,
        _ => list(call, params).await,
    }
}

/// The class an entry param is bound as on this service.
fn entry_class(call: &Call<'_>) -> &'static str {
    if call.service == "media" {
        "KalturaMediaEntry"
    } else {
        "KalturaBaseEntry"
    }
}

/// Every entry Quad holds is a media clip, so it is answered as `KalturaMediaEntry` on both
/// services; the client accepts the subclass where it expects a base entry.
pub(super) const OUT_CLASS: &str = "KalturaMediaEntry";

pub(super) fn people(e: &Entry, c: &Collaborators) -> EntryPeople {
    let ids = |list: &[String]| list.iter().filter_map(|u| UserId::parse(u)).collect();
    EntryPeople {
        owner: UserId::parse(&e.owner_id),
        editors: ids(&c.editors),
        publishers: ids(&c.publishers),
        viewers: ids(&c.viewers),
    }
}

/// A live entry and its people, whether or not the session may see it.
pub(super) async fn load(
    conn: &mut Conn,
    partner_id: i64,
    id: &str,
) -> ApiResult<Option<(Entry, Collaborators)>> {
    let Some(entry) = entries::get(conn, partner_id, id).await.map_err(internal)? else {
        return Ok(None);
    };
    let mut collaborators = entries::collaborators(conn, std::slice::from_ref(&entry.id))
        .await
        .map_err(internal)?;
    let c = collaborators.remove(&entry.id).unwrap_or_default();
    Ok(Some((entry, c)))
}

/// Whether the session may see the entry, by the domain's entitlement rule.
pub(super) async fn may_see(
    conn: &mut Conn,
    call: &Call<'_>,
    entry: &Entry,
    people: &EntryPeople,
) -> ApiResult<bool> {
    let ctx = call.entitlement();
    if !ctx.enforced {
        return Ok(true);
    }
    let facts = entries::publication_facts(conn, &entry.id, call.user_id())
        .await
        .map_err(internal)?;
    let publications: Vec<PublicationAccess> = facts
        .into_iter()
        .map(|f| PublicationAccess {
            active: f.status == publications::STATUS_ACTIVE,
            category_contexts: split_contexts(&f.privacy_contexts),
            privacy: Privacy::from_code(f.privacy).unwrap_or(Privacy::MembersOnly),
            viewer_is_member: f.viewer_is_member,
        })
        .collect();
    let access = EntryAccess {
        entry_id: &entry.id,
        people,
        publications: &publications,
    };
    Ok(entitlement::may_see_entry(&ctx, &access))
}

pub(super) fn split_contexts(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A live entry the session may see, or `not_found`.
pub(crate) async fn load_visible(
    conn: &mut Conn,
    call: &Call<'_>,
    id: &str,
    not_found: fn(&str) -> ApiError,
) -> ApiResult<(Entry, Collaborators, EntryPeople)> {
    let (entry, c) = load(conn, call.partner_id()?, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let people = people(&entry, &c);
    if !may_see(conn, call, &entry, &people).await? {
        return Err(not_found(id));
    }
    Ok((entry, c, people))
}

/// Renders entries with their collaborators and public categories, read in one query.
async fn render(
    conn: &mut Conn,
    call: &Call<'_>,
    class: &'static str,
    found: &[Entry],
) -> ApiResult<Vec<Out>> {
    let ids: Vec<String> = found.iter().map(|e| e.id.clone()).collect();
    let (collaborators, categories) = entries::extras(conn, &ids).await.map_err(internal)?;
    let none = Vec::new();
    Ok(found
        .iter()
        .map(|e| {
            let view = EntryView {
                collaborators: collaborators.get(&e.id),
                categories: categories.get(&e.id).unwrap_or(&none),
                show_admin_fields: call.is_admin(),
                base_url: call.base_url,
            };
            objects::entry(class, e, &view)
        })
        .collect())
}

pub(super) async fn render_one(conn: &mut Conn, call: &Call<'_>, e: &Entry) -> ApiResult<Out> {
    let mut out = render(conn, call, OUT_CLASS, std::slice::from_ref(e)).await?;
    out.pop().ok_or_else(ApiError::internal)
}

fn parse_users(fields: &Fields<'_>, name: &str) -> ApiResult<Field<Vec<String>>> {
    Ok(match fields.string(name) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Set(Vec::new()),
        Field::Set(raw) => {
            let users = parse_user_list(&raw).map_err(|_| ApiError::invalid_field_value(name))?;
            Field::Set(users.into_iter().map(|u| u.to_string()).collect())
        }
    })
}

/// The editable fields of an entry param, applied to an entry.
fn apply_fields(
    call: &Call<'_>,
    class: &'static str,
    f: &Fields<'_>,
    e: &mut Entry,
) -> ApiResult<()> {
    let admin_only = ["adminTags", "startDate", "endDate"];
    if !call.is_admin()
        && let Some(field) = admin_only.iter().find(|name| f.has(name))
    {
        return Err(ApiError::admin_property(class, field));
    }
    if let Field::Set(name) = f.string("name") {
        if name.chars().count() > 256 {
            return Err(ApiError::max_length(class, "name", 256));
        }
        e.name = name;
    } else if let Field::Null = f.string("name") {
        e.name.clear();
    }
    f.string("description").apply(&mut e.description);
    f.string("tags").apply(&mut e.tags);
    f.string("adminTags").apply(&mut e.admin_tags);
    f.string("partnerData").apply(&mut e.partner_data);
    f.string("referenceId").apply(&mut e.reference_id);
    f.string("creditUserName").apply(&mut e.credit_user_name);
    f.string("creditUrl").apply(&mut e.credit_url);
    f.time("startDate", call.now)?.apply(&mut e.start_date);
    f.time("endDate", call.now)?.apply(&mut e.end_date);
    f.int("conversionProfileId")?
        .apply(&mut e.conversion_profile_id);
    if let Field::Set(v) = f.int("partnerSortValue")? {
        e.partner_sort_value = v;
    }
    if let Field::Set(v) = f.int_enum(
        "displayInSearch",
        "KalturaEntryDisplayInSearchType",
        &[-2, -1, 0, 1, 2],
    )? {
        e.display_in_search = v;
    }
    Ok(())
}

/// The categories an `entry` param asks to be published in, by id or by full name.
async fn requested_categories(
    conn: &mut Conn,
    partner_id: i64,
    f: &Fields<'_>,
) -> ApiResult<Option<Vec<categories::Category>>> {
    let mut found = Vec::new();
    if let Some(ids) = f.int_list("categoriesIds")? {
        for id in ids {
            let c = categories::get(conn, partner_id, id)
                .await
                .map_err(internal)?;
            found.push(c.ok_or_else(|| ApiError::category_not_found(&id.to_string()))?);
        }
        return Ok(Some(found));
    }
    if let Some(names) = f.list("categories") {
        for name in names {
            let c = categories::get_by_full_name(conn, partner_id, &name)
                .await
                .map_err(internal)?;
            found.push(c.ok_or_else(|| ApiError::category_not_found(&name))?);
        }
        return Ok(Some(found));
    }
    Ok(None)
}

/// The category side of a publishing decision; an unknown contribution policy counts as
/// the stricter one.
pub(crate) fn category_policy(category: &categories::Category) -> CategoryPolicy {
    CategoryPolicy {
        moderated: category.moderation,
        contribution: quad_domain::category::ContributionPolicy::from_code(
            category.contribution_policy,
        )
        .unwrap_or(quad_domain::category::ContributionPolicy::MembersWithContributionPermission),
    }
}

/// Publishes an entry to a category by the domain's publishing rule.
pub(crate) async fn publish_to(
    conn: &mut Conn,
    call: &Call<'_>,
    entry: &Entry,
    people: &EntryPeople,
    category: &categories::Category,
) -> ApiResult<i64> {
    let limit = call.partner()?.categories_per_entry;
    if publications::count_for_entry(conn, &entry.id)
        .await
        .map_err(internal)?
        >= limit
    {
        return Err(ApiError::max_categories_for_entry(limit));
    }
    let session = call.session();
    let ctx = call.entitlement();
    let level = super::category_user::active_level(conn, category, call.user_id()).await?;
    let request = PublishRequest {
        session: &session,
        enforced: ctx.enforced,
        people,
        category: category_policy(category),
        level,
    };
    let status = publishing::publish(&request).map_err(|_| ApiError::cannot_assign_entry())? as i64;
    publications::add(
        conn,
        category,
        &entry.id,
        status,
        call.user_id(),
        call.origin,
    )
    .await
    .map_err(internal)?;
    Ok(status)
}

async fn set_collaborators(
    conn: &mut Conn,
    partner_id: i64,
    entry_id: &str,
    c: &Collaborators,
) -> ApiResult<()> {
    for (role, users) in [
        (ROLE_EDITOR, &c.editors),
        (ROLE_PUBLISHER, &c.publishers),
        (ROLE_VIEWER, &c.viewers),
    ] {
        ensure_users(conn, partner_id, users).await?;
        entries::set_collaborators(conn, partner_id, entry_id, role, users)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

async fn add(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let class = entry_class(call);
    let f = types::required_object(params, "entry", class)?;
    if let Some(field) = READ_ONLY.iter().find(|name| f.has(name)) {
        return Err(ApiError::not_updatable(class, field));
    }
    let media_type = match f.int("mediaType")? {
        Field::Set(code) => Some(MediaType::from_code(code).ok_or_else(|| {
            ApiError::invalid_enum(&code.to_string(), "mediaType", "KalturaMediaType")
        })?),
        _ if class == "KalturaMediaEntry" => {
            return Err(ApiError::cannot_be_null(class, "mediaType"));
        }
        _ => None,
    };
    let partner_id = call.partner_id()?;
    let caller = call.user_id().unwrap_or("").to_owned();
    let mut tx = write(call).await?;

    let mut entry = Entry {
        id: entries::new_entry_id(),
        partner_id,
        owner_id: caller.clone(),
        creator_id: caller.clone(),
        status: entries::STATUS_NO_CONTENT,
        media_type: media_type.map(MediaType::code),
        entry_type: 1,
        display_in_search: 1,
        created_at: call.now,
        updated_at: call.now,
        ..Entry::default()
    };
    let mut collaborators = Collaborators::default();
    let mut template_categories = Vec::new();
    if let Some(template_id) = f
        .string("templateEntryId")
        .value()
        .filter(|t| !t.is_empty())
    {
        let (template, c, _) =
            load_visible(&mut tx, call, &template_id, ApiError::entry_not_found).await?;
        copy_template(&mut entry, &template);
        collaborators = c;
        template_categories = publications::of_entry(&mut tx, &template.id)
            .await
            .map_err(internal)?;
    }
    apply_fields(call, class, &f, &mut entry)?;
    if let Field::Set(owner) = f.string("userId") {
        if owner != entry.owner_id && !rules::may_change_owner(&call.session()) {
            return Err(ApiError::not_owner());
        }
        UserId::parse(&owner).ok_or_else(|| ApiError::invalid_field_value("userId"))?;
        entry.owner_id = owner;
    }
    if entry.owner_id.is_empty() {
        return Err(ApiError::cannot_be_null(class, "userId"));
    }
    parse_users(&f, "entitledUsersEdit")?.apply_vec(&mut collaborators.editors);
    parse_users(&f, "entitledUsersPublish")?.apply_vec(&mut collaborators.publishers);
    parse_users(&f, "entitledUsersView")?.apply_vec(&mut collaborators.viewers);
    let requested = requested_categories(&mut tx, partner_id, &f).await?;

    ensure_users(&mut tx, partner_id, &[entry.owner_id.clone()]).await?;
    entries::insert(&mut tx, &entry).await.map_err(internal)?;
    set_collaborators(&mut tx, partner_id, &entry.id, &collaborators).await?;
    let people = people(&entry, &collaborators);
    for p in template_categories.iter().filter(|p| {
        p.status == publications::STATUS_ACTIVE || p.status == publications::STATUS_PENDING
    }) {
        if let Some(category) = categories::get(&mut tx, partner_id, p.category_id)
            .await
            .map_err(internal)?
        {
            publications::add(
                &mut tx,
                &category,
                &entry.id,
                p.status,
                call.user_id(),
                "schedule",
            )
            .await
            .map_err(internal)?;
        }
    }
    for category in requested.unwrap_or_default() {
        publish_to(&mut tx, call, &entry, &people, &category).await?;
    }
    let out = render_one(&mut tx, call, &entry).await?;
    commit(tx).await?;
    Ok(out)
}

trait ApplyVec {
    fn apply_vec(self, target: &mut Vec<String>);
}

impl ApplyVec for Field<Vec<String>> {
    fn apply_vec(self, target: &mut Vec<String>) {
        if let Field::Set(v) = self {
            *target = v;
        }
    }
}

/// What an entry made from a template takes from it (the recording flow of lecture capture).
fn copy_template(entry: &mut Entry, template: &Entry) {
    entry.name = template.name.clone();
    entry.description = template.description.clone();
    entry.tags = template.tags.clone();
    entry.admin_tags = template.admin_tags.clone();
    entry.owner_id = template.owner_id.clone();
    entry.partner_data = template.partner_data.clone();
    entry.start_date = template.start_date;
    entry.end_date = template.end_date;
    entry.reference_id = template.reference_id.clone();
    entry.template_entry_id = Some(template.id.clone());
    if entry.media_type.is_none() {
        entry.media_type = template.media_type;
    }
}

async fn get(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("entryId")?;
    let mut conn = read(call).await?;
    let (entry, _, _) = load_visible(&mut conn, call, &id, ApiError::entry_not_found).await?;
    render_one(&mut conn, call, &entry).await
}

async fn get_by_ids(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let ids = params
        .list("entryIds")
        .ok_or_else(|| ApiError::missing_parameter("entryIds"))?;
    let mut conn = read(call).await?;
    let mut visible = Vec::new();
    for id in ids.iter().take(500) {
        if let Some((entry, c)) = load(&mut conn, call.partner_id()?, id).await?
            && may_see(&mut conn, call, &entry, &people(&entry, &c)).await?
        {
            visible.push(entry);
        }
    }
    Ok(Out::Array(
        render(&mut conn, call, OUT_CLASS, &visible).await?,
    ))
}

/// Checks a read-only or insert-only field: it may be sent back unchanged, not altered.
fn unchanged(current: &Out, f: &Fields<'_>, class: &'static str) -> ApiResult<()> {
    let Out::Object(obj) = current else {
        return Ok(());
    };
    for name in READ_ONLY.iter().chain(INSERT_ONLY) {
        if let Field::Set(given) = f.string(name) {
            let stored = obj.get(name).map(Out::as_text).unwrap_or_default();
            if given != stored && !(given.is_empty() && stored.is_empty()) {
                return Err(ApiError::not_updatable(class, name));
            }
        }
    }
    Ok(())
}

async fn update(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let class = entry_class(call);
    let id = params.required("entryId")?;
    let param_name = if call.service == "media" {
        "mediaEntry"
    } else {
        "baseEntry"
    };
    let f = types::required_object(params, param_name, class)?;
    let partner_id = call.partner_id()?;
    let mut tx = write(call).await?;

    let (mut entry, mut collaborators, people) =
        load_visible(&mut tx, call, &id, ApiError::entry_not_found).await?;
    let session = call.session();
    if !rules::may_edit(&session, &entry.id, &people) {
        return Err(ApiError::not_owner());
    }
    let current = render_one(&mut tx, call, &entry).await?;
    unchanged(&current, &f, class)?;
    apply_fields(call, class, &f, &mut entry)?;
    if let Field::Set(owner) = f.string("userId")
        && owner != entry.owner_id
    {
        if !rules::may_change_owner(&session) {
            return Err(ApiError::not_owner());
        }
        UserId::parse(&owner).ok_or_else(|| ApiError::invalid_field_value("userId"))?;
        ensure_users(&mut tx, partner_id, std::slice::from_ref(&owner)).await?;
        entry.owner_id = owner;
    }
    let editors = parse_users(&f, "entitledUsersEdit")?;
    let publishers = parse_users(&f, "entitledUsersPublish")?;
    let changes_owners_list = matches!(&editors, Field::Set(v) if *v != collaborators.editors)
        || matches!(&publishers, Field::Set(v) if *v != collaborators.publishers);
    if changes_owners_list && !rules::may_change_collaborators(&session, &people) {
        return Err(ApiError::not_owner());
    }
    editors.apply_vec(&mut collaborators.editors);
    publishers.apply_vec(&mut collaborators.publishers);
    parse_users(&f, "entitledUsersView")?.apply_vec(&mut collaborators.viewers);
    let requested = requested_categories(&mut tx, partner_id, &f).await?;

    entry.version += 1;
    entries::update(&mut tx, &entry).await.map_err(internal)?;
    set_collaborators(&mut tx, partner_id, &entry.id, &collaborators).await?;
    if let Some(wanted) = requested {
        replace_public_categories(&mut tx, call, &entry, &collaborators, &wanted).await?;
    }
    let stored = entries::get(&mut tx, partner_id, &entry.id)
        .await
        .map_err(internal)?;
    let out = render_one(&mut tx, call, &stored.ok_or_else(ApiError::internal)?).await?;
    commit(tx).await?;
    Ok(out)
}

/// Sets the categories without a privacy context (those `categoriesIds` shows) to `wanted`.
async fn replace_public_categories(
    conn: &mut Conn,
    call: &Call<'_>,
    entry: &Entry,
    collaborators: &Collaborators,
    wanted: &[categories::Category],
) -> ApiResult<()> {
    let people = people(entry, collaborators);
    let current = publications::of_entry(conn, &entry.id)
        .await
        .map_err(internal)?;
    for p in &current {
        let Some(category) = categories::get(conn, entry.partner_id, p.category_id)
            .await
            .map_err(internal)?
        else {
            continue;
        };
        if category.privacy_contexts.is_empty() && !wanted.iter().any(|w| w.id == category.id) {
            publications::remove(conn, &category, p)
                .await
                .map_err(internal)?;
        }
    }
    for category in wanted {
        if !current.iter().any(|p| p.category_id == category.id) {
            publish_to(conn, call, entry, &people, category).await?;
        }
    }
    Ok(())
}

async fn delete(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("entryId")?;
    let mut tx = write(call).await?;
    let (mut entry, _, people) =
        load_visible(&mut tx, call, &id, ApiError::entry_not_found).await?;
    if !rules::may_edit(&call.session(), &entry.id, &people) {
        return Err(ApiError::not_owner());
    }
    for p in publications::of_entry(&mut tx, &entry.id)
        .await
        .map_err(internal)?
    {
        if let Some(category) = categories::get(&mut tx, entry.partner_id, p.category_id)
            .await
            .map_err(internal)?
        {
            publications::remove(&mut tx, &category, &p)
                .await
                .map_err(internal)?;
        }
    }
    entry.status = entries::STATUS_DELETED;
    entries::update(&mut tx, &entry).await.map_err(internal)?;
    commit(tx).await?;
    Ok(Out::Void)
}

async fn add_content(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("entryId")?;
    let resource = types::required_object(params, "resource", "KalturaResource")?;
    if resource.class != "KalturaUploadedFileTokenResource" {
        return Err(ApiError::resource_type_not_supported(resource.class));
    }
    let token_id = resource.required("token")?;
    let partner_id = call.partner_id()?;

    // Probing may take a while, so it runs before the transaction, on the token's bytes.
    let token = {
        let mut conn = read(call).await?;
        uploads::get(&mut conn, partner_id, &token_id)
            .await
            .map_err(internal)?
    };
    let token = token.ok_or_else(ApiError::upload_token_not_found)?;
    let key = super::upload_token::object_key(&token.id);
    let upload = call.api.media.work_copy(&key).await.map_err(internal)?;
    let probe = match &upload {
        Some(upload) => quad_media::probe_file(upload.path()).await,
        None => ProbeOutcome::NotMedia,
    };
    drop(upload);
    // The bytes become a stored object before the entry names them; should the change
    // below be refused, the token still holds them and a later attempt finds them sealed.
    call.api.media.seal(&key).await.map_err(internal)?;

    let mut tx = write(call).await?;
    let (mut entry, _, people) =
        load_visible(&mut tx, call, &id, ApiError::entry_not_found).await?;
    if !rules::may_edit(&call.session(), &entry.id, &people) {
        return Err(ApiError::not_owner());
    }
    if entry.status != entries::STATUS_NO_CONTENT {
        return Err(ApiError::entry_already_with_content());
    }
    let mut token = uploads::get(&mut tx, partner_id, &token_id)
        .await
        .map_err(internal)?
        .ok_or_else(ApiError::upload_token_not_found)?;
    if !call.session().acts_for(&token.user_id) {
        return Err(ApiError::upload_token_not_found());
    }
    if token.status != uploads::STATUS_FULL {
        return Err(ApiError::upload_token_invalid_status_for_add_entry());
    }

    entry.source_key = Some(key);
    entry.source_file_name = token.file_name.clone();
    entry.size_bytes = Some(token.uploaded_size);
    let pictures = matches!(&probe, ProbeOutcome::Media(p) if p.has_video);
    let web_flavor = matches!(&probe, ProbeOutcome::Media(p) if !p.plays_in_browsers());
    // A source that needs a web flavor is packaged once that is made.
    let hls = call.api.config.hls && matches!(&probe, ProbeOutcome::Media(p) if p.packs_as_hls());
    (entry.status, entry.status_reason) = match probe {
        ProbeOutcome::Media(p) => {
            entry.duration_ms = p.duration_ms;
            entry.width = p.width;
            entry.height = p.height;
            // A source browsers cannot play waits for its web flavor.
            let status = match web_flavor {
                true => entries::STATUS_PRECONVERT,
                false => entries::STATUS_READY,
            };
            (status, None)
        }
        // Without ffprobe nothing is known: the source plays wherever the browser can.
        ProbeOutcome::Unavailable => (entries::STATUS_READY, None),
        ProbeOutcome::NotMedia => (
            entries::STATUS_ERROR_CONVERTING,
            Some("The file holds no audio or video that Quad can read.".to_owned()),
        ),
    };
    token.status = uploads::STATUS_CLOSED;
    token.attached_object_type = Some("1".to_owned());
    token.attached_object_id = Some(entry.id.clone());
    uploads::update(&mut tx, &token).await.map_err(internal)?;
    entries::update(&mut tx, &entry).await.map_err(internal)?;
    if web_flavor {
        jobs::enqueue(&mut tx, jobs::WEB_FLAVOR, partner_id, &entry.id)
            .await
            .map_err(internal)?;
    }
    if hls {
        jobs::enqueue(&mut tx, jobs::HLS, partner_id, &entry.id)
            .await
            .map_err(internal)?;
    }
    if pictures {
        // The poster and the seekbar sprite are made in the background; the entry plays
        // without them meanwhile.
        jobs::enqueue(&mut tx, jobs::THUMBNAILS, partner_id, &entry.id)
            .await
            .map_err(internal)?;
    }
    let stored = entries::get(&mut tx, partner_id, &entry.id)
        .await
        .map_err(internal)?;
    let out = render_one(&mut tx, call, &stored.ok_or_else(ApiError::internal)?).await?;
    commit(tx).await?;
    Ok(out)
}

fn filter(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<EntryFilter> {
    let Some(f) = types::object(params, "filter", "KalturaBaseEntryFilter")? else {
        return Ok(EntryFilter::default());
    };
    let now = call.now;
    let statuses = |name: &str| -> ApiResult<Option<Vec<i64>>> { f.int_list(name) };
    let mut entitled_users = Vec::new();
    for (role, prefix) in [
        (ROLE_EDITOR, "entitledUsersEdit"),
        (ROLE_PUBLISHER, "entitledUsersPublish"),
        (ROLE_VIEWER, "entitledUsersView"),
    ] {
        if let Some(users) = f.list(&format!("{prefix}MatchAnd")) {
            entitled_users.push((role, users, true));
        }
        if let Some(users) = f.list(&format!("{prefix}MatchOr")) {
            entitled_users.push((role, users, false));
        }
    }
    let words = |name: &str| {
        f.string(name)
            .value()
            .map(|v| v.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    };
    let allowed_order: &[&str] = &[
        "createdAt",
        "updatedAt",
        "name",
        "duration",
        "plays",
        "views",
        "rank",
        "totalRank",
        "startDate",
        "endDate",
        "partnerSortValue",
        "recent",
        "weight",
        "lastPlayedAt",
        "mediaType",
        "moderationCount",
    ];
    Ok(EntryFilter {
        id_equal: f.string("idEqual").value(),
        id_in: f.list("idIn"),
        id_not_in: f.list("idNotIn"),
        name_equal: f.string("nameEqual").value(),
        name_like: f.string("nameLike").value(),
        name_multi_like_or: f.list("nameMultiLikeOr"),
        name_multi_like_and: f.list("nameMultiLikeAnd"),
        user_id_equal: f.string("userIdEqual").value(),
        user_id_in: f.list("userIdIn"),
        user_id_not_in: f.list("userIdNotIn"),
        creator_id_equal: f.string("creatorIdEqual").value(),
        tags_like: f.string("tagsLike").value(),
        tags_multi_like_or: f.list("tagsMultiLikeOr"),
        tags_multi_like_and: f.list("tagsMultiLikeAnd"),
        admin_tags_like: f.string("adminTagsLike").value(),
        categories_ids_match_or: f.int_list("categoriesIdsMatchOr")?,
        categories_ids_match_and: f.int_list("categoriesIdsMatchAnd")?,
        categories_ids_not_contains: f.int_list("categoriesIdsNotContains")?,
        categories_ids_empty: f
            .int("categoriesIdsEmpty")?
            .value()
            .filter(|v| *v >= 0)
            .map(|v| v == 1),
        categories_match_or: f.list("categoriesMatchOr"),
        categories_match_and: f.list("categoriesMatchAnd"),
        categories_full_name_in: f.list("categoriesFullNameIn"),
        category_ancestor_id_in: f.int_list("categoryAncestorIdIn")?,
        status_equal: f.int("statusEqual")?.value(),
        status_not_equal: f.int("statusNotEqual")?.value(),
        status_in: statuses("statusIn")?,
        status_not_in: statuses("statusNotIn")?,
        media_type_equal: f.int("mediaTypeEqual")?.value(),
        media_type_in: f.int_list("mediaTypeIn")?,
        type_equal: f.int("typeEqual")?.value(),
        type_in: f.int_list("typeIn")?,
        created_at_gte: f.time("createdAtGreaterThanOrEqual", now)?.value(),
        created_at_lte: f.time("createdAtLessThanOrEqual", now)?.value(),
        updated_at_gte: f.time("updatedAtGreaterThanOrEqual", now)?.value(),
        updated_at_lte: f.time("updatedAtLessThanOrEqual", now)?.value(),
        reference_id_equal: f.string("referenceIdEqual").value(),
        reference_id_in: f.list("referenceIdIn"),
        entitled_users,
        free_text: f.string("freeText").value().filter(|v| !v.is_empty()),
        search_text_match_and: words("searchTextMatchAnd"),
        search_text_match_or: words("searchTextMatchOr"),
        description_like: f.string("descriptionLike").value(),
        duration_less_than: f.int("durationLessThan")?.value(),
        duration_greater_than: f.int("durationGreaterThan")?.value(),
        duration_less_than_or_equal: f.int("durationLessThanOrEqual")?.value(),
        duration_greater_than_or_equal: f.int("durationGreaterThanOrEqual")?.value(),
        order_by: types::order_by(&f, allowed_order, "KalturaMediaEntryOrderBy")?,
    })
}

async fn list(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    if let Some(id) = player::redirect_from(params)? {
        return player::redirect_list(call, &id).await;
    }
    let filter = filter(call, params)?;
    let page = Page::from_params(params, 30)?;
    let scope = entitlement::list_scope(&call.session(), filter.names_entries());
    let mut conn = read(call).await?;
    let (found, total) = entries::list(
        &mut conn,
        call.partner_id()?,
        &filter,
        &scope,
        &call.entitlement(),
        page.limit,
        page.offset,
    )
    .await
    .map_err(internal)?;
    let objects = render(&mut conn, call, OUT_CLASS, &found).await?;
    let list_class = if call.service == "media" {
        "KalturaMediaListResponse"
    } else {
        "KalturaBaseEntryListResponse"
    };
    Ok(list_response(list_class, objects, total))
}

async fn count(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let filter = filter(call, params)?;
    let scope = entitlement::list_scope(&call.session(), filter.names_entries());
    let mut conn = read(call).await?;
    let n = entries::count(
        &mut conn,
        call.partner_id()?,
        &filter,
        &scope,
        &call.entitlement(),
    )
    .await
    .map_err(internal)?;
    Ok(Out::Int(n))
}
