//! Tencent Cloud IoT Hub / IoT Explorer, key (PSK) authentication.
//!
//! username = `{productId}{deviceName};{sdkappid};{connid};{expiry}`,
//! password = hex(HMAC(base64decode(psk), username)) + `;hmacsha256` (or `;hmacsha1`).

use super::encoding::{base64_decode, hex_lower, push_decimal};
use super::error::{require, SigningError};
use super::{Credentials, SignMethod};

/// The sdkappid of Tencent's MQTT key-authentication docs. (Its device SDKs send 21010406;
/// the broker accepts both.)
pub const TENCENT_SDKAPPID: u32 = 12_010_126;

/// Length of the random connection id in the username.
pub const CONNID_LEN: usize = 5;

const ALNUM: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Inputs of a Tencent device login.
#[derive(Clone)]
pub struct TencentParams {
    /// 10-character product id.
    pub product_id: String,
    pub device_name: String,
    /// The device key as the console shows it (base64).
    pub device_psk: String,
    /// Usually [`TENCENT_SDKAPPID`].
    pub sdkappid: u32,
    /// How long the signature stays valid, in seconds from `now_ms`.
    pub lifetime_secs: u64,
    /// `HmacSha256` or `HmacSha1`; Tencent has no MD5 variant.
    pub sign_method: SignMethod,
}

impl core::fmt::Debug for TencentParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TencentParams")
            .field("product_id", &self.product_id)
            .field("device_name", &self.device_name)
            .field("device_psk", &super::REDACTED)
            .field("sdkappid", &self.sdkappid)
            .field("lifetime_secs", &self.lifetime_secs)
            .field("sign_method", &self.sign_method)
            .finish()
    }
}

/// Maps caller-supplied random bytes to the 5-character alphanumeric connection id.
///
/// The connid only tells concurrent connections apart (it is not secret), so the small modulo
/// bias is harmless; taking the bytes from the caller keeps signing deterministic in tests.
pub fn connid_from_random(random: [u8; CONNID_LEN]) -> String {
    random
        .iter()
        .map(|&b| ALNUM[usize::from(b) % ALNUM.len()] as char)
        .collect()
}

/// Credentials for a Tencent device, signed at `now_ms` (Unix milliseconds); `random` feeds
/// the connection id (e.g. from `crypto.getRandomValues` or `Math.random` in the glue).
pub fn tencent(
    params: &TencentParams,
    now_ms: u64,
    random: [u8; CONNID_LEN],
) -> Result<Credentials, SigningError> {
    require(&params.product_id, "tencent: productId is empty")?;
    require(&params.device_name, "tencent: deviceName is empty")?;
    require(&params.device_psk, "tencent: devicePsk is empty")?;
    if params.product_id.contains(';') || params.device_name.contains(';') {
        // ';' separates the username's fields.
        return Err(SigningError::invalid(
            "tencent: productId and deviceName must not contain ';'",
        ));
    }
    if params.lifetime_secs == 0 {
        return Err(SigningError::invalid(
            "tencent: lifetime must be at least one second",
        ));
    }
    let expiry = (now_ms / 1000).saturating_add(params.lifetime_secs);

    let mut client_id = params.product_id.clone();
    client_id.push_str(&params.device_name);

    let mut username = client_id.clone();
    username.push(';');
    push_decimal(&mut username, u64::from(params.sdkappid));
    username.push(';');
    username.push_str(&connid_from_random(random));
    username.push(';');
    push_decimal(&mut username, expiry);

    let password = sign(params.sign_method, &params.device_psk, &username)?;
    Ok(Credentials {
        client_id: Some(client_id),
        username,
        password,
    })
}

/// Tencent's password for a complete username: hex HMAC under the decoded PSK, then the
/// method suffix.
pub fn sign(method: SignMethod, device_psk: &str, username: &str) -> Result<String, SigningError> {
    let suffix = match method {
        SignMethod::HmacSha256 => ";hmacsha256",
        SignMethod::HmacSha1 => ";hmacsha1",
        SignMethod::HmacMd5 => {
            return Err(SigningError::invalid(
                "tencent: signMethod must be hmacsha256 or hmacsha1",
            ))
        }
    };
    let key = base64_decode(device_psk, "tencent: devicePsk is not valid base64")?;
    let mut password = hex_lower(&method.sign(&key, username.as_bytes()));
    password.push_str(suffix);
    Ok(password)
}
