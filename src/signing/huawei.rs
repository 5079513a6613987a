//! Huawei Cloud IoTDA, secret authentication.
//!
//! client id = `{deviceId}_0_{0|1}_{YYYYMMDDHH}` (UTC), username = deviceId,
//! password = hex(HMAC_SHA256(key = YYYYMMDDHH, msg = secret)) — the timestamp is the key.

use super::encoding::hex_lower;
use super::error::{require, SigningError};
use super::time::yyyymmddhh;
use super::{Credentials, SignMethod};

/// Inputs of a Huawei device login.
#[derive(Clone)]
pub struct HuaweiParams {
    pub device_id: String,
    pub secret: String,
    /// `true` sends signature type 1: the platform checks the timestamp against its clock
    /// (rejects a skewed device); `false` sends 0, no check.
    pub check_timestamp: bool,
}

impl core::fmt::Debug for HuaweiParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HuaweiParams")
            .field("device_id", &self.device_id)
            .field("secret", &super::REDACTED)
            .field("check_timestamp", &self.check_timestamp)
            .finish()
    }
}

/// Credentials for a Huawei device, signed at `now_ms` (Unix milliseconds).
pub fn huawei(params: &HuaweiParams, now_ms: u64) -> Result<Credentials, SigningError> {
    require(&params.device_id, "huawei: deviceId is empty")?;
    require(&params.secret, "huawei: secret is empty")?;
    let stamp = yyyymmddhh(now_ms);

    let mut client_id = params.device_id.clone();
    client_id.push_str(if params.check_timestamp {
        "_0_1_"
    } else {
        "_0_0_"
    });
    client_id.push_str(&stamp);

    Ok(Credentials {
        client_id: Some(client_id),
        username: params.device_id.clone(),
        password: sign(&params.secret, &stamp),
    })
}

/// Huawei's password for a `YYYYMMDDHH` timestamp.
pub fn sign(secret: &str, timestamp: &str) -> String {
    hex_lower(&SignMethod::HmacSha256.sign(timestamp.as_bytes(), secret.as_bytes()))
}

/// `wss://{host}/mqtt`, host being the device access domain the console shows
/// (e.g. `xxxx.st1.iotda-device.cn-north-4.myhuaweicloud.com`).
pub fn huawei_url(host: &str) -> Result<String, SigningError> {
    require(host, "huawei: host is empty")?;
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(SigningError::invalid("huawei: host is not a domain name"));
    }
    let mut url = String::from("wss://");
    url.push_str(host);
    url.push_str("/mqtt");
    Ok(url)
}
