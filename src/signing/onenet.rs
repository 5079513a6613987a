//! China Mobile OneNET (new "OneNET Studio" MQTT), token authentication.
//!
//! sign = base64(HMAC_method(base64decode(key), et+"\n"+method+"\n"+res+"\n"+version));
//! token = `version=..&res=..&et=..&method=..&sign=..`, every value percent-encoded.

use super::encoding::{base64_decode, base64_encode, percent_encode, push_decimal};
use super::error::{require, SigningError};
use super::{Credentials, SignMethod};

/// The token format version OneNET documents.
pub const ONENET_VERSION: &str = "2018-10-31";

/// Inputs of a OneNET device login.
#[derive(Clone)]
pub struct OneNetParams {
    pub product_id: String,
    pub device_name: String,
    /// Base64 key: the device key (res = the device) or the product access key
    /// (res = the product) — the latter can sign for every device and belongs on a server.
    pub key: String,
    /// `None` signs for the device: `products/{productId}/devices/{deviceName}`.
    pub res: Option<String>,
    /// How long the token stays valid, in seconds from `now_ms`.
    pub lifetime_secs: u64,
    pub sign_method: SignMethod,
}

impl core::fmt::Debug for OneNetParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OneNetParams")
            .field("product_id", &self.product_id)
            .field("device_name", &self.device_name)
            .field("key", &super::REDACTED)
            .field("res", &self.res)
            .field("lifetime_secs", &self.lifetime_secs)
            .field("sign_method", &self.sign_method)
            .finish()
    }
}

/// Credentials for a OneNET device: client id = deviceName, username = productId,
/// password = a token expiring `lifetime_secs` after `now_ms` (Unix milliseconds).
pub fn onenet(params: &OneNetParams, now_ms: u64) -> Result<Credentials, SigningError> {
    require(&params.product_id, "onenet: productId is empty")?;
    require(&params.device_name, "onenet: deviceName is empty")?;
    if params.lifetime_secs == 0 {
        return Err(SigningError::invalid(
            "onenet: lifetime must be at least one second",
        ));
    }
    let res = match &params.res {
        Some(res) => res.clone(),
        None => {
            let mut res = String::from("products/");
            res.push_str(&params.product_id);
            res.push_str("/devices/");
            res.push_str(&params.device_name);
            res
        }
    };
    let et = (now_ms / 1000).saturating_add(params.lifetime_secs);
    let password = onenet_token(&res, &params.key, et, params.sign_method)?;
    Ok(Credentials {
        client_id: Some(params.device_name.clone()),
        username: params.product_id.clone(),
        password,
    })
}

/// A OneNET token for resource `res`, expiring at `et` (Unix seconds).
pub fn onenet_token(
    res: &str,
    key: &str,
    et: u64,
    method: SignMethod,
) -> Result<String, SigningError> {
    require(res, "onenet: res is empty")?;
    require(key, "onenet: key is empty")?;
    let key = base64_decode(key, "onenet: key is not valid base64")?;

    let mut et_text = String::new();
    push_decimal(&mut et_text, et);
    let method_name = method.bare_name();

    let mut to_sign = String::with_capacity(et_text.len() + method_name.len() + res.len() + 16);
    to_sign.push_str(&et_text);
    to_sign.push('\n');
    to_sign.push_str(method_name);
    to_sign.push('\n');
    to_sign.push_str(res);
    to_sign.push('\n');
    to_sign.push_str(ONENET_VERSION);
    let sign = base64_encode(&method.sign(&key, to_sign.as_bytes()));

    let mut token = String::from("version=");
    token.push_str(&percent_encode(ONENET_VERSION));
    token.push_str("&res=");
    token.push_str(&percent_encode(res));
    token.push_str("&et=");
    token.push_str(&et_text);
    token.push_str("&method=");
    token.push_str(method_name);
    token.push_str("&sign=");
    token.push_str(&percent_encode(&sign));
    Ok(token)
}
