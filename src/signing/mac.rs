//! HMAC over the three digests the clouds use, chosen at run time.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};

/// The HMAC digest a cloud is told to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMethod {
    HmacSha1,
    HmacSha256,
    HmacMd5,
}

impl SignMethod {
    /// Parses the names the clouds and SDKs use: `hmacsha1`/`sha1`, `hmacsha256`/`sha256`,
    /// `hmacmd5`/`md5`, any case.
    pub fn parse(name: &str) -> Option<SignMethod> {
        let lower = name.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("hmac").unwrap_or(&lower);
        match bare {
            "sha1" => Some(SignMethod::HmacSha1),
            "sha256" => Some(SignMethod::HmacSha256),
            "md5" => Some(SignMethod::HmacMd5),
            _ => None,
        }
    }

    /// Aliyun's and Tencent's name: `hmacsha1`, `hmacsha256`, `hmacmd5`.
    pub fn hmac_name(self) -> &'static str {
        match self {
            SignMethod::HmacSha1 => "hmacsha1",
            SignMethod::HmacSha256 => "hmacsha256",
            SignMethod::HmacMd5 => "hmacmd5",
        }
    }

    /// OneNET's name: `sha1`, `sha256`, `md5`.
    pub fn bare_name(self) -> &'static str {
        match self {
            SignMethod::HmacSha1 => "sha1",
            SignMethod::HmacSha256 => "sha256",
            SignMethod::HmacMd5 => "md5",
        }
    }

    /// HMAC of `msg` under `key` with this digest.
    pub fn sign(self, key: &[u8], msg: &[u8]) -> Vec<u8> {
        match self {
            SignMethod::HmacSha1 => hmac::<Hmac<sha1::Sha1>>(key, msg),
            SignMethod::HmacSha256 => hmac::<Hmac<sha2::Sha256>>(key, msg),
            SignMethod::HmacMd5 => hmac::<Hmac<md5::Md5>>(key, msg),
        }
    }
}

fn hmac<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length (long keys are hashed), so this cannot fail.
    // Matching instead of `expect` keeps the error's Debug impl out of the wasm binary.
    let mut mac = match <M as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}
