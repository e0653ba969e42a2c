//! One API call: who is calling (the partner and the checked KS), and what they may do.

use std::path::PathBuf;

use quad_domain::entitlement::EntitlementContext;
use quad_domain::session::session_user;
use quad_domain::{Privileges, Session, SessionType};
use quad_media::MediaStorage;
use quad_store::partners::{self, Partner};
use quad_store::{Store, sessions};

use crate::error::{ApiError, ApiResult};
use crate::ks::{self, KsFields};
use crate::params::{Fields, Param};

/// Limits of the API, set at start.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The largest request body accepted, uploads excluded.
    pub max_request_bytes: usize,
    /// The largest file accepted in one upload request.
    pub max_upload_bytes: u64,
    /// Whether videos are also packaged as HLS.
    pub hls: bool,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            max_request_bytes: 10 * 1024 * 1024,
            max_upload_bytes: 8 * 1024 * 1024 * 1024,
            hls: false,
        }
    }
}

/// What every call can reach.
#[derive(Debug, Clone)]
pub struct Api {
    pub store: Store,
    pub media: MediaStorage,
    pub config: ApiConfig,
}

/// A file sent with the request, already written to a temporary file.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The param path it was sent under, e.g. `["fileData"]` or `["1", "fileData"]`.
    pub path: Vec<String>,
    pub file_name: String,
    pub temp: PathBuf,
    pub size: u64,
}

/// A KS that passed every check.
#[derive(Debug, Clone)]
pub struct Established {
    pub raw: String,
    pub fields: KsFields,
    pub session: Session,
    /// Whether the call named another partner than the KS's, which no session may act for.
    pub other_partner: bool,
}

/// The context of one service call.
#[derive(Debug)]
pub struct Call<'a> {
    pub api: &'a Api,
    pub service: String,
    pub action: String,
    pub partner: Option<Partner>,
    pub ks: Option<Established>,
    /// The URL the client reached the server at, for URLs in responses.
    pub base_url: &'a str,
    pub files: Vec<&'a UploadedFile>,
    pub now: i64,
    /// Why publications this call makes exist: `api` over HTTP, `manual` from the portal.
    pub origin: &'static str,
}

/// Actions a user (type 0) session may call; everything else needs an admin session.
const USER_ACTIONS: &[(&str, &[&str])] = &[
    (
        "media",
        &[
            "add",
            "addcontent",
            "get",
            "list",
            "count",
            "update",
            "delete",
            "getbyids",
        ],
    ),
    (
        "baseentry",
        &[
            "add",
            "addcontent",
            "get",
            "list",
            "count",
            "update",
            "delete",
            "getbyids",
            "getplaybackcontext",
        ],
    ),
    ("metadata_metadata", &["list"]),
    ("uploadtoken", &["add", "upload", "get", "list", "delete"]),
    ("category", &["get", "list"]),
    (
        "categoryentry",
        &["add", "delete", "list", "activate", "reject"],
    ),
    (
        "categoryuser",
        &[
            "add",
            "get",
            "list",
            "update",
            "delete",
            "activate",
            "deactivate",
        ],
    ),
    ("user", &["get"]),
    ("session", &["start", "end", "startwidgetsession"]),
    ("system", &["ping"]),
];

/// Actions that need no KS at all.
const OPEN_ACTIONS: &[(&str, &str)] = &[
    ("session", "start"),
    ("session", "startwidgetsession"),
    ("system", "ping"),
];

impl<'a> Call<'a> {
    /// The session asking; a call without a KS counts as an anonymous user session.
    pub fn session(&self) -> Session {
        match &self.ks {
            Some(ks) => ks.session.clone(),
            None => Session::new(SessionType::User, None, Privileges::default()),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.ks.as_ref().is_some_and(|k| k.session.is_admin())
    }

    /// The KS user's id, if the session has one.
    pub fn user_id(&self) -> Option<&str> {
        self.ks
            .as_ref()
            .and_then(|k| k.session.user.as_ref())
            .map(|u| u.as_str())
    }

    pub fn partner(&self) -> ApiResult<&Partner> {
        self.partner.as_ref().ok_or_else(ApiError::missing_ks)
    }

    pub fn partner_id(&self) -> ApiResult<i64> {
        Ok(self.partner()?.id)
    }

    /// What the session may see. A request without a KS (a media URL opened by a page)
    /// sees what a widget session sees: only what is published for anyone.
    pub fn entitlement(&self) -> EntitlementContext {
        if self.ks.is_none() {
            return EntitlementContext::without_session();
        }
        let default = self.partner.as_ref().is_some_and(|p| p.entitlement_default);
        EntitlementContext::for_session(&self.session(), default)
    }

    /// The file sent under `name`, if any.
    pub fn file(&self, name: &str) -> Option<&'a UploadedFile> {
        self.files
            .iter()
            .copied()
            .find(|f| f.path.last().is_some_and(|n| n == name))
    }

    /// Refuses the call when the session may not use this action at all.
    pub fn check_permission(&self) -> ApiResult<()> {
        let (service, action) = (self.service.as_str(), self.action.as_str());
        if OPEN_ACTIONS.contains(&(service, action)) {
            return Ok(());
        }
        let Some(ks) = &self.ks else {
            return Err(ApiError::missing_ks());
        };
        if ks.other_partner {
            return Err(ApiError::service_forbidden(service, action));
        }
        if ks.session.is_admin() {
            return Ok(());
        }
        let allowed = USER_ACTIONS
            .iter()
            .any(|(s, actions)| *s == service && actions.contains(&action));
        if allowed {
            Ok(())
        } else {
            Err(ApiError::service_forbidden(service, action))
        }
    }
}

/// Finds the partner and checks the KS of a call, as the real server does: a KS that cannot
/// be read, is signed with the wrong secret, has expired, was ended, or has used up its
/// actions is refused with `INVALID_KS`.
pub async fn establish(
    store: &Store,
    params: &Param,
    ignore_ks: bool,
    now: i64,
) -> ApiResult<(Option<Partner>, Option<Established>)> {
    let fields = Fields::new("", params);
    let raw_ks = fields
        .string("ks")
        .value()
        .filter(|k| !k.is_empty() && !ignore_ks);
    let partner_param = fields
        .int("partnerId")
        .ok()
        .and_then(|f| f.value())
        .filter(|p| *p > 0);
    let mut conn = store.read().await.map_err(internal)?;

    let Some(raw) = raw_ks else {
        let partner = match partner_param {
            Some(id) => partners::get(&mut conn, id).await.map_err(internal)?,
            None => None,
        };
        return Ok((partner, None));
    };

    let invalid = || ApiError::invalid_ks(&raw, -1, "INVALID_STR");
    let unverified = ks::decode(&raw).ok_or_else(invalid)?;
    let hash = ks::ks_hash(&raw);
    let (partner, revoked) =
        partners::get_with_revocation(&mut conn, unverified.partner_id(), &hash)
            .await
            .map_err(internal)?
            .ok_or_else(invalid)?;
    let fields = verify(&raw, &partner, revoked, now)?;
    let other_partner = partner_param.is_some_and(|p| p != partner.id);
    let privileges = Privileges::parse(&fields.privileges);
    if let Some(limit) = privileges.value("actionslimit") {
        let limit: i64 = limit.parse().unwrap_or(0);
        drop(conn);
        let mut tx = store.write().await.map_err(internal)?;
        let uses = sessions::count_use(&mut tx, &hash, fields.expiry)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        if uses > limit {
            return Err(ApiError::invalid_ks(&raw, -8, "EXCEEDED_ACTIONS_LIMIT"));
        }
    }
    let kind = SessionType::from_code(fields.session_type).unwrap_or(SessionType::Admin);
    let session = Session::new(kind, session_user(&fields.user_id), privileges);
    Ok((
        Some(partner),
        Some(Established {
            raw,
            fields,
            session,
            other_partner,
        }),
    ))
}

/// Checks a KS of a known partner: signed with its admin secret (or, for a user session,
/// its user secret), unexpired, and not ended (`revoked`, which the caller looked up by the
/// KS's hash). Use limits (`actionslimit`) are the caller's to count.
pub fn verify(raw: &str, partner: &Partner, revoked: bool, now: i64) -> ApiResult<KsFields> {
    let invalid = || ApiError::invalid_ks(raw, -1, "INVALID_STR");
    let unverified = ks::decode(raw).ok_or_else(invalid)?;
    if unverified.partner_id() != partner.id {
        return Err(invalid());
    }
    let fields = unverified
        .verify(&partner.admin_secret)
        .or_else(|| {
            unverified
                .verify(&partner.secret)
                .filter(|f| f.session_type == 0)
        })
        .ok_or_else(invalid)?;
    if fields.expiry <= now {
        return Err(ApiError::invalid_ks(raw, -5, "EXPIRED"));
    }
    // Checked after the signature, so that only a genuine KS learns it was ended.
    if revoked {
        return Err(ApiError::invalid_ks(raw, -6, "LOGOUT"));
    }
    Ok(fields)
}

/// Maps a store fault to the opaque internal error, logging its cause once here.
pub fn internal(e: impl std::error::Error) -> ApiError {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    tracing::error!(error = %chain, "internal error");
    ApiError::internal()
}
