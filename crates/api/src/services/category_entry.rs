//! `categoryEntry`: publications, i.e. entries in categories. The domain's publishing rules
//! decide who may publish, remove and moderate; this module finds the entry, the category
//! and the link between them, and writes the outcome.

use quad_domain::entry::EntryPeople;
use quad_domain::publishing::{self, PublicationStatus, PublishRefusal, PublishRequest};
use quad_store::categories::{self, Category};
use quad_store::publications::{self, Publication, PublicationFilter};
use quad_store::{Conn, embeds};

use super::{category, category_user, commit, entry, read, write};
use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::objects;
use crate::params::Fields;
use crate::types::{self, Page};
use crate::wire::{Out, list_response};

pub const ACTIONS: &[&str] = &["add", "delete", "list", "activate", "reject"];

const CLASS: &str = "KalturaCategoryEntry";

pub async fn handle(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.action.as_str() {
        "add" => add(call, params).await,
        "delete" => delete(call, params).await,
        "activate" => moderate(call, params, PublicationStatus::Active).await,
        "reject" => moderate(call, params, PublicationStatus::Rejected).await,
        _ => list(call, params).await,
    }
}

async fn add(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let f = types::required_object(params, "categoryEntry", CLASS)?;
    let category_id = f
        .int("categoryId")?
        .value()
        .ok_or_else(|| ApiError::cannot_be_null(CLASS, "categoryId"))?;
    let entry_id = f
        .string("entryId")
        .value()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::cannot_be_null(CLASS, "entryId"))?;
    let mut tx = write(call).await?;

    let (entry, _, people) =
        entry::load_visible(&mut tx, call, &entry_id, ApiError::invalid_entry_id).await?;
    let category = category::load_visible(&mut tx, call, category_id).await?;
    let existing = publications::get(&mut tx, category.id, &entry.id)
        .await
        .map_err(internal)?;
    // A rejected publication may be asked for again; it is replaced.
    let live = [publications::STATUS_ACTIVE, publications::STATUS_PENDING];
    if existing.is_some_and(|p| live.contains(&p.status)) {
        return Err(ApiError::category_entry_exists());
    }

    entry::publish_to(&mut tx, call, &entry, &people, &category).await?;
    let link = publications::get(&mut tx, category.id, &entry.id)
        .await
        .map_err(internal)?
        .ok_or_else(ApiError::internal)?;
    commit(tx).await?;
    Ok(objects::publication(&link))
}

/// The entry, category and publication an action names.
struct Link {
    people: EntryPeople,
    category: Category,
    publication: Publication,
}

/// Finds the publication named by `entryId` and `categoryId`. The category must be visible;
/// the entry need only exist, since a pending entry is invisible to the very moderators who
/// must act on it, and the domain rule applied next decides who may touch the link.
async fn find_link(conn: &mut Conn, call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Link> {
    let entry_id = params.required("entryId")?;
    let category_id = params.required_int("categoryId")?;
    let (entry, collaborators) = entry::load(conn, call.partner_id()?, &entry_id)
        .await?
        .ok_or_else(|| ApiError::invalid_entry_id(&entry_id))?;
    let category = category::load_visible(conn, call, category_id).await?;
    let publication = publications::get(conn, category.id, &entry.id)
        .await
        .map_err(internal)?
        .ok_or_else(ApiError::entry_not_in_category)?;
    Ok(Link {
        people: entry::people(&entry, &collaborators),
        category,
        publication,
    })
}

async fn delete(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let mut tx = write(call).await?;
    let link = find_link(&mut tx, call, params).await?;

    let session = call.session();
    let request = PublishRequest {
        session: &session,
        enforced: call.entitlement().enforced,
        people: &link.people,
        category: entry::category_policy(&link.category),
        level: category_user::active_level(&mut tx, &link.category, call.user_id()).await?,
    };
    publishing::unpublish(&request).map_err(|_| ApiError::cannot_remove_entry())?;

    publications::remove(&mut tx, &link.category, &link.publication)
        .await
        .map_err(internal)?;
    embeds::record_removal(
        &mut tx,
        link.category.id,
        &link.publication.entry_id,
        call.user_id(),
    )
    .await
    .map_err(internal)?;
    commit(tx).await?;
    Ok(Out::Void)
}

/// Approves (`to` ACTIVE) or rejects (`to` REJECTED) a pending publication.
async fn moderate(call: &Call<'_>, params: &Fields<'_>, to: PublicationStatus) -> ApiResult<Out> {
    let mut tx = write(call).await?;
    let link = find_link(&mut tx, call, params).await?;

    let level = category_user::active_level(&mut tx, &link.category, call.user_id()).await?;
    // A status the domain does not know can only be a stale row; it is not pending.
    let status =
        PublicationStatus::from_code(link.publication.status).unwrap_or(PublicationStatus::Deleted);
    publishing::moderate(call.entitlement().enforced, level, status).map_err(|r| match r {
        PublishRefusal::NotPending if to == PublicationStatus::Active => {
            ApiError::cannot_activate_not_pending()
        }
        PublishRefusal::NotPending => ApiError::cannot_reject_not_pending(),
        _ => ApiError::cannot_moderate(),
    })?;

    publications::set_status(&mut tx, &link.category, &link.publication, to as i64)
        .await
        .map_err(internal)?;
    commit(tx).await?;
    Ok(Out::Void)
}

fn filter(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<PublicationFilter> {
    let Some(f) = types::object(params, "filter", "KalturaCategoryEntryFilter")? else {
        return Ok(PublicationFilter::default());
    };
    let now = call.now;
    let text = |name: &str| f.string(name).value().filter(|v| !v.is_empty());
    Ok(PublicationFilter {
        category_id_equal: f.int("categoryIdEqual")?.value(),
        category_id_in: f.int_list("categoryIdIn")?,
        entry_id_equal: text("entryIdEqual"),
        entry_id_in: f.list("entryIdIn"),
        created_at_gte: f.time("createdAtGreaterThanOrEqual", now)?.value(),
        created_at_lte: f.time("createdAtLessThanOrEqual", now)?.value(),
        category_full_ids_starts_with: text("categoryFullIdsStartsWith"),
        status_equal: f.int("statusEqual")?.value(),
        status_in: f.int_list("statusIn")?,
        creator_user_id_equal: text("creatorUserIdEqual"),
        creator_user_id_in: f.list("creatorUserIdIn"),
        order_by: types::order_by(&f, &["createdAt"], "KalturaCategoryEntryOrderBy")?,
    })
}

fn names_entry_or_category(f: &PublicationFilter) -> bool {
    f.entry_id_equal.is_some()
        || f.entry_id_in.is_some()
        || f.category_id_equal.is_some()
        || f.category_id_in.is_some()
}

/// The categories among those a listing touches that the session may not see.
async fn hidden_categories(
    conn: &mut Conn,
    call: &Call<'_>,
    f: &PublicationFilter,
) -> ApiResult<Vec<i64>> {
    if !call.entitlement().enforced {
        return Ok(Vec::new());
    }
    let partner_id = call.partner_id()?;
    let touched = publications::categories_of(conn, partner_id, f)
        .await
        .map_err(internal)?;
    let live = categories::get_many(conn, partner_id, &touched)
        .await
        .map_err(internal)?;
    let mut hidden: Vec<i64> = touched
        .iter()
        .copied()
        .filter(|id| !live.iter().any(|c| c.id == *id))
        .collect();
    for c in &live {
        if !category::may_see(conn, call, c).await? {
            hidden.push(c.id);
        }
    }
    Ok(hidden)
}

async fn list(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let filter = filter(call, params)?;
    if (call.entitlement().enforced || !call.is_admin()) && !names_entry_or_category(&filter) {
        return Err(ApiError::must_filter_entry_or_category());
    }
    let page = Page::from_params(params, 30)?;
    let mut conn = read(call).await?;

    let hidden = hidden_categories(&mut conn, call, &filter).await?;
    let (found, total) = publications::list(
        &mut conn,
        call.partner_id()?,
        &filter,
        &hidden,
        page.limit,
        page.offset,
    )
    .await
    .map_err(internal)?;
    let objects = found.iter().map(objects::publication).collect();
    Ok(list_response(
        "KalturaCategoryEntryListResponse",
        objects,
        total,
    ))
}
