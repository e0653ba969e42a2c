//! Calls from the server's other adapters (the portal, the LMS apps), made with the KS of
//! the person using them: the same session checks, permission table, rules and single
//! transaction per call as a request over HTTP.

use quad_domain::Session;
use quad_domain::publishing::{self, PublishRequest};
use quad_store::entries::{Collaborators, Entry};
use quad_store::publications;
use quad_store::{categories, embeds};

use crate::call::{Api, Call, UploadedFile, establish, internal};
use crate::error::{ApiError, ApiResult};
use crate::params::{Fields, Param};
use crate::services::{self, category, category_user, commit, entry, read, write};
use crate::wire::Out;

/// Someone acting through another adapter: their KS, and why the publications they make
/// exist (`manual` from the portal).
pub struct Caller<'a> {
    pub api: &'a Api,
    pub ks: &'a str,
    pub origin: &'static str,
    pub base_url: &'a str,
}

impl<'a> Caller<'a> {
    async fn establish(
        &self,
        service: &str,
        action: &str,
        tree: &Param,
        files: &[&'a UploadedFile],
    ) -> ApiResult<Call<'a>> {
        let now = quad_store::now();
        let (partner, ks) = establish(&self.api.store, tree, false, now).await?;
        Ok(Call {
            api: self.api,
            service: service.to_ascii_lowercase(),
            action: action.to_ascii_lowercase(),
            partner,
            ks,
            base_url: self.base_url,
            files: files.to_vec(),
            now,
            origin: self.origin,
        })
    }

    fn tree(&self, params: &[(&str, &str)]) -> Param {
        let mut tree = Param::default();
        tree.set_flat("ks", self.ks);
        for (key, value) in params {
            tree.set_flat(key, value);
        }
        tree
    }

    /// The session the KS stands for, when it is genuine, unexpired and not ended.
    pub async fn session(&self) -> ApiResult<Session> {
        let (_, ks) = establish(&self.api.store, &self.tree(&[]), false, quad_store::now()).await?;
        ks.map(|k| k.session).ok_or_else(ApiError::missing_ks)
    }

    /// Ends the KS everywhere, as `session.end` does.
    pub async fn end_session(&self) -> ApiResult<()> {
        self.call("session", "end", &[], &[]).await.map(|_| ())
    }

    /// One service action. `params` are flat Kaltura keys (`entry:name`), exactly as a
    /// client would send them.
    pub async fn call(
        &self,
        service: &str,
        action: &str,
        params: &[(&str, &str)],
        files: &[&'a UploadedFile],
    ) -> ApiResult<Out> {
        let tree = self.tree(params);
        let call = self.establish(service, action, &tree, files).await?;
        services::check(&call)?;
        services::run(&call, &Fields::new("", &tree)).await
    }

    /// An entry with its collaborators, if the caller may see it.
    pub async fn visible_entry(&self, id: &str) -> ApiResult<(Entry, Collaborators)> {
        let tree = self.tree(&[]);
        let call = self.establish("media", "get", &tree, &[]).await?;
        let mut conn = read(&call).await?;
        let (entry, collaborators, _) =
            entry::load_visible(&mut conn, &call, id, ApiError::entry_not_found).await?;
        Ok((entry, collaborators))
    }

    /// Publishes an entry to several categories in one transaction: to all of them, or to
    /// none when any one refuses it. Returns each publication's status.
    pub async fn publish(&self, entry_id: &str, category_ids: &[i64]) -> ApiResult<Vec<i64>> {
        let tree = self.tree(&[]);
        let call = self.establish("categoryentry", "add", &tree, &[]).await?;
        let mut tx = write(&call).await?;
        let (entry, _, people) =
            entry::load_visible(&mut tx, &call, entry_id, ApiError::entry_not_found).await?;
        let mut statuses = Vec::new();
        for category_id in category_ids {
            let category = category::load_visible(&mut tx, &call, *category_id).await?;
            let existing = publications::get(&mut tx, category.id, &entry.id)
                .await
                .map_err(internal)?;
            let live = [publications::STATUS_ACTIVE, publications::STATUS_PENDING];
            if existing.is_some_and(|p| live.contains(&p.status)) {
                return Err(ApiError::category_entry_exists());
            }
            statuses.push(entry::publish_to(&mut tx, &call, &entry, &people, &category).await?);
        }
        commit(tx).await?;
        Ok(statuses)
    }

    /// Removes an entry from several categories in one transaction: all of them, or none
    /// when the caller may not remove it from any one.
    pub async fn unpublish(&self, entry_id: &str, category_ids: &[i64]) -> ApiResult<usize> {
        let tree = self.tree(&[]);
        let call = self
            .establish("categoryentry", "delete", &tree, &[])
            .await?;
        let session = call.session();
        let mut tx = write(&call).await?;
        let (_, _, people) =
            entry::load_visible(&mut tx, &call, entry_id, ApiError::entry_not_found).await?;
        let mut removed = 0;
        for category_id in category_ids {
            let category = categories::get(&mut tx, call.partner_id()?, *category_id)
                .await
                .map_err(internal)?
                .ok_or_else(|| ApiError::category_not_found(&category_id.to_string()))?;
            let Some(publication) = publications::get(&mut tx, category.id, entry_id)
                .await
                .map_err(internal)?
            else {
                continue;
            };
            let request = PublishRequest {
                session: &session,
                enforced: call.entitlement().enforced,
                people: &people,
                category: entry::category_policy(&category),
                level: category_user::active_level(&mut tx, &category, call.user_id()).await?,
            };
            publishing::unpublish(&request).map_err(|_| ApiError::cannot_remove_entry())?;
            publications::remove(&mut tx, &category, &publication)
                .await
                .map_err(internal)?;
            embeds::record_removal(&mut tx, category.id, entry_id, call.user_id())
                .await
                .map_err(internal)?;
            removed += 1;
        }
        commit(tx).await?;
        Ok(removed)
    }
}
