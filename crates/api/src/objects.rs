//! Store rows as Kaltura objects.

use quad_domain::membership::PermissionLevel;
use quad_store::categories::Category;
use quad_store::entries::{Collaborators, Entry};
use quad_store::members::Member;
use quad_store::publications::Publication;
use quad_store::uploads::UploadToken;
use quad_store::users::User;

use crate::wire::{Obj, Out};

pub fn user(u: &User) -> Out {
    let mut o = Obj::new("KalturaUser");
    o.set("id", u.id.as_str())
        .set("partnerId", u.partner_id)
        .set("screenName", u.screen_name.clone())
        .set("fullName", u.full_name.clone().or_else(|| full_name(u)))
        .set("email", u.email.clone())
        .set("description", u.description.clone())
        .set("tags", u.tags.clone())
        .set("adminTags", u.admin_tags.clone())
        .set("status", u.status)
        .set("createdAt", u.created_at)
        .set("updatedAt", u.updated_at)
        .set("partnerData", u.partner_data.clone())
        .set("storageSize", 0)
        .set("lastLoginTime", u.last_login_time)
        .set("type", u.user_type)
        .set("isAdmin", u.is_admin)
        .set("firstName", u.first_name.clone())
        .set("lastName", u.last_name.clone())
        .set("isAccountOwner", false);
    Out::Object(o)
}

fn full_name(u: &User) -> Option<String> {
    let parts: Vec<&str> = [u.first_name.as_deref(), u.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// An entry's source at a playManifest URL in Kaltura's form, `format` being `download`
/// or `url`; `None` until the entry has content.
fn manifest_url(base_url: &str, e: &Entry, format: &str, tail: &str) -> Option<String> {
    e.source_key.as_ref()?;
    let protocol = if base_url.starts_with("https") {
        "https"
    } else {
        "http"
    };
    let (pid, id) = (e.partner_id, &e.id);
    Some(format!(
        "{base_url}/p/{pid}/sp/{pid}00/playManifest/entryId/{id}/format/{format}/protocol/\
         {protocol}{tail}"
    ))
}

/// Where an entry's source can be downloaded.
pub fn download_url(base_url: &str, e: &Entry) -> Option<String> {
    manifest_url(base_url, e, "download", "/flavorParamIds/0")
}

/// Where the entry's poster is, in the form the Kaltura player extends with a size or with
/// `vid_slices` for its seekbar sprite; `None` for an entry without a picture.
fn thumbnail_url(base_url: &str, e: &Entry) -> Option<String> {
    e.source_key.as_ref()?;
    e.width?;
    let (pid, id, version) = (e.partner_id, &e.id, e.version);
    Some(format!(
        "{base_url}/p/{pid}/sp/{pid}00/thumbnail/entry_id/{id}/version/{version}"
    ))
}

fn data_url(base_url: &str, e: &Entry) -> Option<String> {
    manifest_url(base_url, e, "url", "")
}

/// What an entry's object shows besides its own row.
pub struct EntryView<'a> {
    pub collaborators: Option<&'a Collaborators>,
    /// Categories without a privacy context that the entry is active in: (id, full name).
    pub categories: &'a [(i64, String)],
    pub show_admin_fields: bool,
    pub base_url: &'a str,
}

pub fn entry(class: &'static str, e: &Entry, view: &EntryView<'_>) -> Out {
    let join = |users: Option<&Vec<String>>| users.map(|u| u.join(",")).unwrap_or_default();
    let c = view.collaborators;
    let ids: Vec<String> = view
        .categories
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let names: Vec<&str> = view.categories.iter().map(|(_, n)| n.as_str()).collect();
    let mut o = Obj::new(class);
    o.set("id", e.id.as_str())
        .set("name", e.name.as_str())
        .set("description", e.description.clone())
        .set("partnerId", e.partner_id)
        .set("userId", e.owner_id.as_str())
        .set("creatorId", e.creator_id.as_str())
        .set("tags", e.tags.clone().unwrap_or_default());
    if view.show_admin_fields {
        o.set("adminTags", e.admin_tags.clone());
    }
    o.set("categories", names.join(","))
        .set("categoriesIds", ids.join(","))
        // Numbers, as the Kaltura player compares them with numbers (`type === 1`).
        .set("status", e.status)
        .set("moderationStatus", 6)
        .set("moderationCount", 0)
        .set("type", e.entry_type)
        .set("createdAt", e.created_at)
        .set("updatedAt", e.updated_at)
        .set("rank", 0.0)
        .set("totalRank", 0)
        .set("votes", 0)
        .set("partnerData", e.partner_data.clone())
        .set("downloadUrl", download_url(view.base_url, e))
        .set("licenseType", -1)
        .set("version", e.version)
        .set("accessControlId", 0)
        .set("referenceId", e.reference_id.clone())
        .set("partnerSortValue", e.partner_sort_value)
        .set("conversionProfileId", e.conversion_profile_id)
        .set("rootEntryId", e.id.as_str())
        .set("entitledUsersEdit", join(c.map(|c| &c.editors)))
        .set("entitledUsersPublish", join(c.map(|c| &c.publishers)))
        .set("entitledUsersView", join(c.map(|c| &c.viewers)))
        .set("capabilities", "")
        .set("templateEntryId", e.template_entry_id.clone())
        .set("displayInSearch", e.display_in_search)
        .set("blockAutoTranscript", false);
    if view.show_admin_fields {
        o.set("startDate", e.start_date).set("endDate", e.end_date);
    }
    if class == "KalturaBaseEntry" {
        return Out::Object(o);
    }
    o.set("plays", e.plays)
        .set("views", e.views)
        .set("lastPlayedAt", e.last_played_at)
        .set("width", e.width)
        .set("height", e.height)
        .set("duration", e.duration_ms.map(|ms| (ms + 500) / 1000))
        .set("msDuration", e.duration_ms)
        .set("mediaType", e.media_type)
        .set("conversionQuality", e.conversion_profile_id)
        .set(
            "sourceType",
            e.source_type.clone().unwrap_or_else(|| "1".to_owned()),
        )
        .set("creditUserName", e.credit_user_name.clone())
        .set("creditUrl", e.credit_url.clone())
        .set("dataUrl", data_url(view.base_url, e))
        .set("thumbnailUrl", thumbnail_url(view.base_url, e))
        .set("flavorParamsIds", "");
    Out::Object(o)
}

pub fn category(c: &Category) -> Out {
    let mut o = Obj::new("KalturaCategory");
    o.set("id", c.id)
        .set("parentId", c.parent_id)
        .set("depth", c.depth)
        .set("partnerId", c.partner_id)
        .set("name", c.name.as_str())
        .set("fullName", c.full_name.as_str())
        .set("fullIds", c.full_ids.as_str())
        .set("entriesCount", c.entries_count)
        .set("createdAt", c.created_at)
        .set("updatedAt", c.updated_at)
        .set("description", c.description.clone())
        .set("tags", c.tags.clone())
        .set("appearInList", c.appear_in_list)
        .set("privacy", c.privacy)
        .set("inheritanceType", c.inheritance_type)
        .set("userJoinPolicy", c.user_join_policy)
        .set("defaultPermissionLevel", c.default_permission_level)
        .set("owner", c.owner.clone())
        .set("directEntriesCount", c.direct_entries_count)
        .set("referenceId", c.reference_id.clone())
        .set("contributionPolicy", c.contribution_policy)
        .set("membersCount", c.members_count)
        .set("pendingMembersCount", c.pending_members_count)
        .set("privacyContext", c.privacy_context.as_str())
        .set("privacyContexts", c.privacy_contexts.as_str())
        .set("status", c.status)
        .set(
            "inheritedParentId",
            (c.inherited_parent_id != c.id).then_some(c.inherited_parent_id),
        )
        .set("partnerSortValue", c.partner_sort_value)
        .set("partnerData", c.partner_data.clone())
        .set("defaultOrderBy", "")
        .set("directSubCategoriesCount", c.direct_sub_categories_count)
        .set("moderation", i64::from(c.moderation))
        .set("pendingEntriesCount", c.pending_entries_count)
        .set("isAggregationCategory", false);
    Out::Object(o)
}

pub fn publication(p: &Publication) -> Out {
    let mut o = Obj::new("KalturaCategoryEntry");
    o.set("categoryId", p.category_id)
        .set("entryId", p.entry_id.as_str())
        .set("createdAt", p.created_at)
        .set("categoryFullIds", p.category_full_ids.as_str())
        .set("status", p.status)
        .set("creatorUserId", p.creator_user_id.clone());
    Out::Object(o)
}

pub fn member(m: &Member) -> Out {
    let mut o = Obj::new("KalturaCategoryUser");
    o.set("categoryId", m.category_id)
        .set("userId", m.user_id.as_str())
        .set("partnerId", m.partner_id)
        .set("permissionLevel", m.permission_level)
        .set("status", m.status)
        .set("createdAt", m.created_at)
        .set("updatedAt", m.updated_at)
        .set("updateMethod", m.update_method)
        .set("categoryFullIds", m.category_full_ids.as_str())
        .set("permissionNames", m.permission_names.as_str());
    Out::Object(o)
}

/// The permission names a level grants, comma-separated, as stored on a membership.
pub fn permission_names(level: PermissionLevel) -> String {
    level.permission_names().join(",")
}

pub fn upload_token(t: &UploadToken, base_url: &str) -> Out {
    let mut o = Obj::new("KalturaUploadToken");
    o.set("id", t.id.as_str())
        .set("partnerId", t.partner_id)
        .set("userId", t.user_id.as_str())
        .set("status", t.status)
        .set("fileName", t.file_name.clone())
        .set("fileSize", t.file_size)
        .set("uploadedFileSize", t.uploaded_size as f64)
        .set("createdAt", t.created_at)
        .set("updatedAt", t.updated_at)
        .set(
            "uploadUrl",
            format!("{base_url}/api_v3/service/uploadtoken/action/upload"),
        )
        .set("autoFinalize", i64::from(t.auto_finalize))
        .set("attachedObjectType", t.attached_object_type.clone())
        .set("attachedObjectId", t.attached_object_id.clone());
    Out::Object(o)
}
