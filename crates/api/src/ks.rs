//! Kaltura sessions (KS): reading and signing versions 1 and 2 of the token.
//!
//! Version 1 is `base64(sha1hex(secret + info) "|" info)`, where `info` is the partner,
//! expiry, type, a random number, the user and the privileges joined with `;`. Version 2 is
//! `base64url("v2|" partner "|" AES-128-CBC(sha1(random ‖ fields) ‖ random ‖ fields))`, with
//! the key taken from `sha1(secret)` and zero padding. Both are signed with a partner secret.

use aes::Aes128;
use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use sha1::{Digest, Sha1};

/// Decodes both alphabets, with or without padding, as clients vary.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The fields a KS carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KsFields {
    pub partner_id: i64,
    /// Absolute expiry, unix seconds.
    pub expiry: i64,
    /// 0 user, 2 admin.
    pub session_type: i64,
    pub user_id: String,
    pub privileges: String,
}

/// A KS that decoded, before its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unverified {
    V1 {
        signature: String,
        info: String,
        fields: KsFields,
    },
    V2 {
        partner_id: i64,
        ciphertext: Vec<u8>,
    },
}

impl Unverified {
    pub fn partner_id(&self) -> i64 {
        match self {
            Unverified::V1 { fields, .. } => fields.partner_id,
            Unverified::V2 { partner_id, .. } => *partner_id,
        }
    }

    /// Checks the signature against one secret and returns the fields it vouches for.
    pub fn verify(&self, secret: &str) -> Option<KsFields> {
        match self {
            Unverified::V1 {
                signature,
                info,
                fields,
            } => {
                let expected = hex::encode(Sha1::digest(format!("{secret}{info}").as_bytes()));
                (constant_time_eq(expected.as_bytes(), signature.as_bytes()))
                    .then(|| fields.clone())
            }
            Unverified::V2 {
                partner_id,
                ciphertext,
            } => decrypt_v2(*partner_id, ciphertext, secret),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads a KS string. `None` when it is not a KS at all.
pub fn decode(ks: &str) -> Option<Unverified> {
    let normalized: String = ks
        .trim()
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let raw = LENIENT.decode(normalized.as_bytes()).ok()?;
    if let Some(rest) = raw.strip_prefix(b"v2|") {
        let sep = rest.iter().position(|b| *b == b'|')?;
        let partner_id = std::str::from_utf8(&rest[..sep]).ok()?.parse().ok()?;
        let ciphertext = rest[sep + 1..].to_vec();
        if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
            return None;
        }
        return Some(Unverified::V2 {
            partner_id,
            ciphertext,
        });
    }
    let text = std::str::from_utf8(&raw).ok()?;
    let (signature, info) = text.split_once('|')?;
    let parts: Vec<&str> = info.split(';').collect();
    if parts.len() < 3 {
        return None;
    }
    let field = |i: usize| parts.get(i).copied().unwrap_or("");
    let fields = KsFields {
        partner_id: field(0).parse().ok()?,
        expiry: field(2).parse().ok()?,
        session_type: field(3).parse().unwrap_or(0),
        user_id: field(5).to_owned(),
        privileges: field(6).to_owned(),
    };
    Some(Unverified::V1 {
        signature: signature.to_owned(),
        info: info.to_owned(),
        fields,
    })
}

fn aes_key(secret: &str) -> [u8; 16] {
    let digest = Sha1::digest(secret.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

fn decrypt_v2(partner_id: i64, ciphertext: &[u8], secret: &str) -> Option<KsFields> {
    let cipher = Aes128::new(&aes_key(secret).into());
    let mut plain = Vec::with_capacity(ciphertext.len());
    let mut previous = [0u8; 16];
    for chunk in ciphertext.chunks_exact(16) {
        let mut block = aes::Block::default();
        block.copy_from_slice(chunk);
        cipher.decrypt_block(&mut block);
        plain.extend(block.iter().zip(previous).map(|(b, p)| b ^ p));
        previous.copy_from_slice(chunk);
    }
    while plain.last() == Some(&0) {
        plain.pop();
    }
    if plain.len() < 36 {
        return None;
    }
    let (hash, rest) = plain.split_at(20);
    if !constant_time_eq(Sha1::digest(rest).as_slice(), hash) {
        return None;
    }
    let query = &rest[16..];
    let mut fields = KsFields {
        partner_id,
        expiry: 0,
        session_type: 0,
        user_id: String::new(),
        privileges: String::new(),
    };
    let mut privileges = Vec::new();
    for (key, value) in form_urlencoded::parse(query) {
        match key.as_ref() {
            "_e" => fields.expiry = value.parse().ok()?,
            "_t" => fields.session_type = value.parse().unwrap_or(0),
            "_u" => fields.user_id = value.into_owned(),
            "_m" | "_d" => {}
            "all" if value == "*" => privileges.push("*".to_owned()),
            name if value.is_empty() => privileges.push(name.to_owned()),
            name => privileges.push(format!("{name}:{value}")),
        }
    }
    fields.privileges = privileges.join(",");
    Some(fields)
}

/// Builds a version 1 KS.
pub fn encode_v1(fields: &KsFields, secret: &str, random: u32) -> String {
    let info = format!(
        "{pid};{pid};{exp};{t};{random};{user};{privs}",
        pid = fields.partner_id,
        exp = fields.expiry,
        t = fields.session_type,
        user = fields.user_id,
        privs = fields.privileges
    );
    let signature = hex::encode(Sha1::digest(format!("{secret}{info}").as_bytes()));
    general_purpose::STANDARD.encode(format!("{signature}|{info}"))
}

/// Builds a version 2 KS.
pub fn encode_v2(fields: &KsFields, secret: &str, random: [u8; 16]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for part in fields
        .privileges
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.split_once(':') {
            Some((name, value)) => query.append_pair(name, value),
            None if part == "*" => query.append_pair("all", "*"),
            None => query.append_pair(part, ""),
        };
    }
    query.append_pair("_e", &fields.expiry.to_string());
    query.append_pair("_t", &fields.session_type.to_string());
    query.append_pair("_u", &fields.user_id);
    let query = query.finish();

    let mut body = random.to_vec();
    body.extend_from_slice(query.as_bytes());
    let mut plain = Sha1::digest(&body).to_vec();
    plain.extend_from_slice(&body);
    while plain.len() % 16 != 0 {
        plain.push(0);
    }
    let cipher = Aes128::new(&aes_key(secret).into());
    let mut previous = [0u8; 16];
    let mut encrypted = Vec::with_capacity(plain.len());
    for chunk in plain.chunks_exact(16) {
        let mut block = aes::Block::default();
        for (i, b) in block.iter_mut().enumerate() {
            *b = chunk[i] ^ previous[i];
        }
        cipher.encrypt_block(&mut block);
        previous.copy_from_slice(&block);
        encrypted.extend_from_slice(&block);
    }
    let mut token = format!("v2|{}|", fields.partner_id).into_bytes();
    token.extend_from_slice(&encrypted);
    general_purpose::URL_SAFE.encode(token)
}

/// A stable digest of a KS string, used to remember ended sessions without storing them.
pub fn ks_hash(ks: &str) -> String {
    hex::encode(Sha1::digest(ks.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields() -> KsFields {
        KsFields {
            partner_id: 123,
            expiry: 1_796_313_671,
            session_type: 0,
            user_id: "bob".into(),
            privileges: "privacycontext:MediaSpace,enableentitlement,sview:0_abc".into(),
        }
    }

    #[test]
    fn v1_round_trips_and_checks_the_secret() {
        let ks = encode_v1(&fields(), "s3cret", 31817);
        let decoded = decode(&ks).expect("decodes");
        assert_eq!(decoded.verify("s3cret"), Some(fields()));
        assert_eq!(decoded.verify("other"), None);
    }

    #[test]
    fn v2_round_trips_and_checks_the_secret() {
        let ks = encode_v2(&fields(), "s3cret", [7; 16]);
        let decoded = decode(&ks).expect("decodes");
        assert_eq!(decoded.partner_id(), 123);
        assert_eq!(decoded.verify("s3cret"), Some(fields()));
        assert_eq!(decoded.verify("other"), None);
    }

    #[test]
    fn star_privilege_survives_v2() {
        let f = KsFields {
            privileges: "*,disableentitlement".into(),
            ..fields()
        };
        let ks = encode_v2(&f, "k", [1; 16]);
        let back = decode(&ks).and_then(|d| d.verify("k")).expect("valid");
        assert_eq!(back.privileges, "*,disableentitlement");
    }

    #[test]
    fn garbage_is_not_a_ks() {
        assert_eq!(decode("not a ks"), None);
        assert_eq!(decode(""), None);
        assert_eq!(
            decode(&general_purpose::STANDARD.encode("v2|12|short")),
            None
        );
    }

    proptest! {
        #[test]
        fn any_v2_ks_round_trips(
            user in "[a-z0-9@.]{0,20}",
            exp in 0i64..4_000_000_000,
            t in 0i64..3,
            secret in "[a-z0-9]{1,40}",
        ) {
            let privileges = "list:*".to_owned();
            let f = KsFields {
                partner_id: 101,
                expiry: exp,
                session_type: t,
                user_id: user,
                privileges,
            };
            let ks = encode_v2(&f, &secret, [3; 16]);
            prop_assert_eq!(decode(&ks).and_then(|d| d.verify(&secret)), Some(f));
        }

        #[test]
        fn decoding_arbitrary_text_never_panics(text in ".{0,200}") {
            let _ = decode(&text).map(|d| d.verify("x"));
        }
    }
}
