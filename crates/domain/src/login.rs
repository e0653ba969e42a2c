//! Portal logins: the rules of the `auth` module's methods, free of HTTP. A login by a
//! header is trusted only from configured proxies; a login token from the institution's
//! gateway must be signed with the shared secret, unexpired, and used once; repeated
//! failures slow further attempts down.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

use crate::user::UserId;

/// What a refused login tells the person: never whether the user exists.
pub const REFUSED: &str = "The user name or password is wrong, or the login has expired.";

/// Why a header login is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderRefusal {
    #[error("the request did not come through a trusted proxy")]
    UntrustedProxy,
    #[error("the proxy sent no user id")]
    MissingHeader,
    #[error("the proxy sent an invalid user id")]
    InvalidUserId,
}

/// Whether `addr` is among the trusted proxies: comma-separated addresses or IPv4/IPv6
/// networks (`10.0.0.0/8`).
pub fn is_trusted_proxy(addr: IpAddr, trusted: &str) -> bool {
    trusted
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .any(|entry| match entry.split_once('/') {
            None => entry.parse::<IpAddr>().is_ok_and(|ip| ip == addr),
            Some((net, bits)) => match (net.parse::<IpAddr>(), bits.parse::<u32>()) {
                (Ok(IpAddr::V4(net)), Ok(bits)) if bits <= 32 => match addr {
                    IpAddr::V4(a) => {
                        let mask = if bits == 0 {
                            0
                        } else {
                            u32::MAX << (32 - bits)
                        };
                        u32::from(a) & mask == u32::from(net) & mask
                    }
                    IpAddr::V6(_) => false,
                },
                (Ok(IpAddr::V6(net)), Ok(bits)) if bits <= 128 => match addr {
                    IpAddr::V6(a) => {
                        let mask = if bits == 0 {
                            0
                        } else {
                            u128::MAX << (128 - bits)
                        };
                        u128::from(a) & mask == u128::from(net) & mask
                    }
                    IpAddr::V4(_) => false,
                },
                _ => false,
            },
        })
}

/// A header login: the user id a trusted proxy put in the configured header.
pub fn header_login(
    peer: IpAddr,
    trusted: &str,
    header_value: Option<&str>,
) -> Result<UserId, HeaderRefusal> {
    if !is_trusted_proxy(peer, trusted) {
        return Err(HeaderRefusal::UntrustedProxy);
    }
    let value = header_value.map(str::trim).filter(|v| !v.is_empty());
    let value = value.ok_or(HeaderRefusal::MissingHeader)?;
    UserId::parse(value).ok_or(HeaderRefusal::InvalidUserId)
}

/// Why a gateway login token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("the login token is not readable")]
    Malformed,
    #[error("the login token is not signed with the shared secret")]
    BadSignature,
    #[error("the login token has expired")]
    Expired,
}

/// A verified login token: `base64(sha1hex(secret + info) "|" info)` with `info` being
/// `userId;role;extra;expiry;random`, as login gateways of video portals sign them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayLogin {
    pub user: UserId,
    pub role: String,
    /// `firstName:…,lastName:…,email:…`, as the gateway sent it.
    pub extra: String,
    pub expiry: i64,
    /// What the caller remembers until `expiry` to refuse the same token twice.
    pub replay_key: String,
}

fn sign(secret: &str, info: &str) -> String {
    hex::encode(Sha1::digest(format!("{secret}{info}").as_bytes()))
}

/// Builds a login token, as a gateway does; used by the demo gateway and the tests.
pub fn gateway_token(
    secret: &str,
    user: &str,
    role: &str,
    extra: &str,
    expiry: i64,
    random: u32,
) -> String {
    let info = format!("{user};{role};{extra};{expiry};{random}");
    STANDARD.encode(format!("{}|{info}", sign(secret, &info)))
}

/// Verifies a login token against the shared secret at time `now`. An empty secret
/// verifies nothing, so a portal whose SSO is not configured cannot be entered this way.
pub fn verify_gateway_token(
    token: &str,
    secret: &str,
    now: i64,
) -> Result<GatewayLogin, TokenRefusal> {
    let raw = STANDARD
        .decode(token.trim().as_bytes())
        .map_err(|_| TokenRefusal::Malformed)?;
    let text = String::from_utf8(raw).map_err(|_| TokenRefusal::Malformed)?;
    let (signature, info) = text.split_once('|').ok_or(TokenRefusal::Malformed)?;
    let parts: Vec<&str> = info.split(';').collect();
    let [user, role, extra, expiry, _random] = parts.as_slice() else {
        return Err(TokenRefusal::Malformed);
    };
    let expected = sign(secret, info);
    let equal = expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if secret.is_empty() || !equal {
        return Err(TokenRefusal::BadSignature);
    }
    let expiry: i64 = expiry.parse().map_err(|_| TokenRefusal::Malformed)?;
    if expiry <= now {
        return Err(TokenRefusal::Expired);
    }
    let user = UserId::parse(user).ok_or(TokenRefusal::Malformed)?;
    Ok(GatewayLogin {
        user,
        role: (*role).to_owned(),
        extra: (*extra).to_owned(),
        expiry,
        replay_key: signature.to_owned(),
    })
}

/// Hashes a password with Argon2id (the algorithm's recommended parameters) and a salt the
/// caller draws at random, as a PHC string to store.
pub fn hash_password(password: &str, salt: &[u8; 16]) -> Option<String> {
    use argon2::password_hash::PasswordHasher;
    let hash = argon2::Argon2::default().hash_password_with_salt(password.as_bytes(), salt);
    hash.ok().map(|h| h.to_string())
}

/// Whether a password matches a stored PHC string; a malformed one matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// How long to hold a login attempt after `recent_failures` failures for the same user name
/// or address: nothing for the first three, then doubling from one second up to thirty.
pub fn login_delay(recent_failures: u32) -> Duration {
    match recent_failures {
        0..=2 => Duration::ZERO,
        n => Duration::from_secs((1u64 << (n - 3).min(5)).min(30)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn headers_count_only_from_trusted_proxies() {
        let trusted = "127.0.0.1, 10.1.0.0/16";
        assert_eq!(
            header_login(ip("127.0.0.1"), trusted, Some("jdoe")).map(|u| u.to_string()),
            Ok("jdoe".into())
        );
        assert_eq!(
            header_login(ip("10.1.2.3"), trusted, Some("jdoe")).map(|u| u.to_string()),
            Ok("jdoe".into())
        );
        assert_eq!(
            header_login(ip("10.2.0.1"), trusted, Some("jdoe")),
            Err(HeaderRefusal::UntrustedProxy)
        );
        assert_eq!(
            header_login(ip("127.0.0.1"), trusted, None),
            Err(HeaderRefusal::MissingHeader)
        );
        assert_eq!(
            header_login(ip("127.0.0.1"), trusted, Some("a b")),
            Err(HeaderRefusal::InvalidUserId)
        );
        assert!(is_trusted_proxy(ip("::1"), "::1"));
        assert!(!is_trusted_proxy(ip("::1"), "10.0.0.0/8"));
    }

    #[test]
    fn gateway_tokens_need_the_secret_and_time() {
        let token = gateway_token(
            "s3cret",
            "jdoe",
            "privateOnlyRole",
            "email:j@uni.example",
            2_000,
            7,
        );
        let login = verify_gateway_token(&token, "s3cret", 1_000).expect("valid");
        assert_eq!(login.user.as_str(), "jdoe");
        assert_eq!(login.role, "privateOnlyRole");
        assert_eq!(
            verify_gateway_token(&token, "other", 1_000),
            Err(TokenRefusal::BadSignature)
        );
        assert_eq!(
            verify_gateway_token(&token, "", 1_000),
            Err(TokenRefusal::BadSignature)
        );
        assert_eq!(
            verify_gateway_token(&token, "s3cret", 2_000),
            Err(TokenRefusal::Expired)
        );
        assert_eq!(
            verify_gateway_token("not base64!", "s3cret", 0),
            Err(TokenRefusal::Malformed)
        );
    }

    #[test]
    fn a_forged_token_with_changed_fields_is_refused() {
        let token = gateway_token("s3cret", "jdoe", "privateOnlyRole", "", 2_000, 7);
        let text = String::from_utf8(STANDARD.decode(&token).expect("base64")).expect("utf-8");
        let forged = STANDARD.encode(text.replace(";privateOnlyRole;", ";adminRole;"));
        assert_eq!(
            verify_gateway_token(&forged, "s3cret", 1_000),
            Err(TokenRefusal::BadSignature)
        );
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let stored = hash_password("correct horse", &[7; 16]).expect("hashes");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("Correct horse", &stored));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn repeated_failures_slow_logins_down_up_to_thirty_seconds() {
        assert_eq!(login_delay(2), Duration::ZERO);
        assert_eq!(login_delay(3), Duration::from_secs(1));
        assert_eq!(login_delay(5), Duration::from_secs(4));
        assert_eq!(login_delay(40), Duration::from_secs(30));
    }
}
