//! The keys of LTI 1.3: the app's own RSA keys (made on first need, rotated on request,
//! published as a key set) that sign Deep Linking responses, and the platforms' key sets
//! (fetched from their URL and cached in the store) that verify their `id_token`s.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use quad_domain::lti::LaunchRefusal;
use quad_store::lti13::{self, Platform, ToolKey};
use quad_store::{Store, StoreError};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

/// How long a retired key stays in the published key set: longer than platforms cache it.
pub const RETIRED_KEY_SECONDS: i64 = 7 * 24 * 3600;

/// How long a fetched platform key set is trusted before it is fetched again.
const PLATFORM_KEYS_SECONDS: i64 = 3600;

/// The least time between two fetches prompted by an unknown key id, so that tokens naming
/// made-up keys cannot make Quad hammer the platform.
const REFETCH_SECONDS: i64 = 10;

/// When each platform's key set was last fetched because a token named a key it lacked.
/// Kept in memory: after a restart one such fetch per platform is allowed at once.
static REFETCHED_AT: Mutex<BTreeMap<i64, i64>> = Mutex::new(BTreeMap::new());

/// Whether a token naming an unknown key may prompt a fetch now, and if so, notes it.
fn may_refetch(platform_id: i64, now: i64) -> bool {
    let Ok(mut last) = REFETCHED_AT.lock() else {
        return false;
    };
    let allowed = last
        .get(&platform_id)
        .is_none_or(|at| now - at >= REFETCH_SECONDS);
    if allowed {
        last.insert(platform_id, now);
    }
    allowed
}

/// The size of the key sets Quad accepts from a platform.
const MAX_KEY_SET_BYTES: u64 = 256 * 1024;

/// Why a key operation failed; each is a fault of Quad or of its store.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("key: {0}")]
    Key(String),
}

/// Makes a new 2048-bit RSA key for an app. This takes a while, so it runs off the
/// request threads.
async fn generate(app_id: i64) -> Result<ToolKey, KeyError> {
    tokio::task::spawn_blocking(move || {
        let private = rsa::PrivateKey::new(&mut rand::rng(), 2048)
            .map_err(|e| KeyError::Key(e.to_string()))?;
        let der = private
            .to_pkcs1_der()
            .map_err(|e| KeyError::Key(e.to_string()))?;
        Ok::<_, KeyError>(ToolKey {
            kid: quad_store::random_token(16),
            app_id,
            private_der: STANDARD.encode(der.as_bytes()),
            modulus: URL_SAFE_NO_PAD.encode(private.n_bytes()),
            exponent: URL_SAFE_NO_PAD.encode(private.e_bytes()),
            created_at: quad_store::now(),
            retired_at: None,
        })
    })
    .await
    .map_err(|e| KeyError::Key(e.to_string()))?
}

/// Replaces the app's signing key with a new one; the old one stays published for
/// [`RETIRED_KEY_SECONDS`].
pub async fn rotate(store: &Store, app_id: i64) -> Result<ToolKey, KeyError> {
    let key = generate(app_id).await?;
    let mut tx = store.write().await?;
    lti13::add_tool_key(&mut tx, &key).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(key)
}

/// The key that signs the app's messages, made on first need.
pub async fn signing_key(store: &Store, app_id: i64) -> Result<ToolKey, KeyError> {
    let current = {
        let mut conn = store.read().await?;
        lti13::signing_key(&mut conn, app_id).await?
    };
    match current {
        Some(key) => Ok(key),
        None => rotate(store, app_id).await,
    }
}

/// The app's published key set, as the platforms fetch it.
pub async fn key_set(store: &Store, app_id: i64) -> Result<Value, KeyError> {
    signing_key(store, app_id).await?;
    let mut tx = store.write().await?;
    let since = quad_store::now() - RETIRED_KEY_SECONDS;
    let keys = lti13::published_keys(&mut tx, app_id, since).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({"kty": "RSA", "kid": k.kid, "alg": "RS256", "use": "sig",
                   "n": k.modulus, "e": k.exponent})
        })
        .collect();
    Ok(json!({ "keys": keys }))
}

/// Signs `claims` with the app's key, RS256, its key id in the header.
pub fn sign(key: &ToolKey, claims: &Value) -> Result<String, KeyError> {
    let der = STANDARD
        .decode(&key.private_der)
        .map_err(|e| KeyError::Key(e.to_string()))?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&der))
        .map_err(|e| KeyError::Key(e.to_string()))
}

/// Why a token's signature could not be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Unverified {
    /// The key set has no key for the token; a fresh copy may have it.
    UnknownKey,
    Refused(LaunchRefusal),
}

/// The RSA signing keys of a key set, with their ids; keys of other kinds are skipped.
fn rsa_keys(jwks: &str) -> Vec<(Option<String>, DecodingKey)> {
    let doc: Value = serde_json::from_str(jwks).unwrap_or(Value::Null);
    doc["keys"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|k| k["kty"] == "RSA" && k["use"].as_str().is_none_or(|u| u == "sig"))
        .filter_map(|k| {
            let jwk: Jwk = serde_json::from_value(k.clone()).ok()?;
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            Some((jwk.common.key_id, key))
        })
        .collect()
}

/// Checks the token's signature against a key set and returns its claims unread: what they
/// must say is the domain's to decide.
fn verify(token: &str, jwks: &str) -> Result<Value, Unverified> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| Unverified::Refused(LaunchRefusal::UnsupportedAlgorithm))?;
    if header.alg != Algorithm::RS256 {
        return Err(Unverified::Refused(LaunchRefusal::UnsupportedAlgorithm));
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let keys = rsa_keys(jwks);
    // A token without a key id may be signed by any key of the set.
    let candidates: Vec<&DecodingKey> = keys
        .iter()
        .filter(|(kid, _)| header.kid.is_none() || *kid == header.kid)
        .map(|(_, key)| key)
        .collect();
    if candidates.is_empty() {
        return Err(Unverified::UnknownKey);
    }
    let verified = candidates
        .into_iter()
        .find_map(|key| jsonwebtoken::decode::<Value>(token, key, &validation).ok())
        .map(|data| data.claims);
    match (verified, header.kid) {
        (Some(claims), _) => Ok(claims),
        // Without a key id, a token signed with a key the copy lacks looks like this too.
        (None, None) => Err(Unverified::UnknownKey),
        (None, Some(_)) => Err(Unverified::Refused(LaunchRefusal::BadTokenSignature)),
    }
}

/// Why the platform's key set could not be had.
#[derive(Debug, thiserror::Error)]
#[error("the platform's key set at {url} could not be fetched: {why}")]
pub struct FetchError {
    url: String,
    why: String,
}

/// Fetches a platform's key set. Plain HTTP is allowed because test platforms and
/// platforms behind a local proxy use it; registered URLs are an administrator's choice.
async fn fetch(url: &str) -> Result<String, FetchError> {
    let owned = url.to_owned();
    let fetched = tokio::task::spawn_blocking(move || {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .new_agent();
        let mut response = agent
            .get(&owned)
            .header("Accept", "application/json")
            .call()
            .map_err(|e| e.to_string())?;
        response
            .body_mut()
            .with_config()
            .limit(MAX_KEY_SET_BYTES)
            .read_to_string()
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let text = fetched.map_err(|why| FetchError {
        url: url.to_owned(),
        why,
    })?;
    let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !doc["keys"].is_array() {
        return Err(FetchError {
            url: url.to_owned(),
            why: "the answer is not a JSON key set".to_owned(),
        });
    }
    Ok(text)
}

/// Why a platform's token could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Refused(LaunchRefusal),
    /// The key set could not be fetched; the platform or the network is at fault.
    #[error(transparent)]
    Unreachable(FetchError),
    #[error(transparent)]
    Fault(KeyError),
}

async fn refresh(store: &Store, platform: &mut Platform) -> Result<(), TokenError> {
    let jwks = fetch(&platform.jwks_url)
        .await
        .map_err(TokenError::Unreachable)?;
    let mut tx = store
        .write()
        .await
        .map_err(|e| TokenError::Fault(e.into()))?;
    lti13::cache_platform_keys(&mut tx, platform.id, &jwks)
        .await
        .map_err(|e| TokenError::Fault(e.into()))?;
    tx.commit()
        .await
        .map_err(|e| TokenError::Fault(StoreError::from(e).into()))?;
    platform.jwks = jwks;
    platform.jwks_fetched_at = quad_store::now();
    Ok(())
}

/// Verifies a platform's token with its cached key set, fetching the set when it is
/// missing or old, and once more when the token names a key the copy does not have.
pub async fn verify_platform_token(
    store: &Store,
    platform: &mut Platform,
    token: &str,
) -> Result<Value, TokenError> {
    let now = quad_store::now();
    let fetchable = !platform.jwks_url.is_empty();
    let old = platform.jwks.is_empty() || now - platform.jwks_fetched_at > PLATFORM_KEYS_SECONDS;
    if fetchable
        && old
        && let Err(e) = refresh(store, platform).await
    {
        // An old copy still verifies the platform's current tokens in most cases.
        if platform.jwks.is_empty() {
            return Err(e);
        }
        tracing::warn!(platform = platform.issuer, "using the cached key set: {e}");
    }
    match verify(token, &platform.jwks) {
        Ok(claims) => Ok(claims),
        Err(Unverified::Refused(why)) => Err(TokenError::Refused(why)),
        Err(Unverified::UnknownKey) => {
            if !fetchable || !may_refetch(platform.id, now) {
                return Err(TokenError::Refused(LaunchRefusal::BadTokenSignature));
            }
            refresh(store, platform).await?;
            verify(token, &platform.jwks).map_err(|e| match e {
                Unverified::Refused(why) => TokenError::Refused(why),
                Unverified::UnknownKey => TokenError::Refused(LaunchRefusal::BadTokenSignature),
            })
        }
    }
}
