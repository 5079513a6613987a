//! Cloud credentials for the glue's built-in providers (`options.aliyun`, `.tencent`,
//! `.huawei`, `.onenet`; `.easemob` signs nothing and is the glue's alone). Called before
//! every connection attempt with the current time, so timestamps and signatures are always
//! fresh.

use alloc::string::String;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::signing::{self, Credentials, SignMethod, SigningError};

fn method(name: Option<String>, default: SignMethod) -> Result<SignMethod, JsError> {
    match name {
        None => Ok(default),
        Some(n) => SignMethod::parse(&n)
            .ok_or_else(|| JsError::new("signMethod must be hmacsha1, hmacsha256 or hmacmd5")),
    }
}

fn js_error(e: SigningError) -> JsError {
    JsError::new(e.message())
}

fn credentials_js(c: Credentials) -> JsValue {
    let o = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    };
    if let Some(id) = &c.client_id {
        set("clientId", id);
    }
    set("username", &c.username);
    set("password", &c.password);
    o.into()
}

fn params<T: for<'de> Deserialize<'de>>(v: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(v).map_err(|e| {
        let mut m = String::from(what);
        m.push_str(": ");
        m.push_str(&e.to_string());
        JsError::new(&m)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Aliyun {
    product_key: String,
    device_name: String,
    device_secret: String,
    client_id: Option<String>,
    sign_method: Option<String>,
    tls: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tencent {
    product_id: String,
    device_name: String,
    device_psk: String,
    sdkappid: Option<u32>,
    lifetime: Option<u32>,
    sign_method: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Huawei {
    device_id: String,
    secret: String,
    check_timestamp: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OneNet {
    product_id: String,
    device_name: String,
    key: String,
    res: Option<String>,
    lifetime: Option<u32>,
    sign_method: Option<String>,
}

/// `{clientId?, username, password}` for `cloud` at `now` (ms); `random` feeds Tencent's connid.
#[wasm_bindgen]
pub fn cloud_credentials(
    cloud: &str,
    options: JsValue,
    now: f64,
    random: &[u8],
) -> Result<JsValue, JsError> {
    let now = if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    };
    let creds = match cloud {
        "aliyun" => {
            let p: Aliyun = params(options, "aliyun")?;
            let params = signing::AliyunParams {
                product_key: p.product_key,
                device_name: p.device_name,
                device_secret: p.device_secret,
                client_id: p.client_id,
                sign_method: method(p.sign_method, SignMethod::HmacSha1)?,
                tls: p.tls.unwrap_or(true),
            };
            signing::aliyun(&params, now)
        }
        "tencent" => {
            let p: Tencent = params(options, "tencent")?;
            let mut connid = [0u8; signing::CONNID_LEN];
            for (d, s) in connid.iter_mut().zip(random.iter()) {
                *d = *s;
            }
            let params = signing::TencentParams {
                product_id: p.product_id,
                device_name: p.device_name,
                device_psk: p.device_psk,
                sdkappid: p.sdkappid.unwrap_or(signing::TENCENT_SDKAPPID),
                lifetime_secs: p.lifetime.unwrap_or(3600) as u64,
                sign_method: method(p.sign_method, SignMethod::HmacSha256)?,
            };
            signing::tencent(&params, now, connid)
        }
        "huawei" => {
            let p: Huawei = params(options, "huawei")?;
            let params = signing::HuaweiParams {
                device_id: p.device_id,
                secret: p.secret,
                check_timestamp: p.check_timestamp.unwrap_or(true),
            };
            signing::huawei(&params, now)
        }
        "onenet" => {
            let p: OneNet = params(options, "onenet")?;
            let params = signing::OneNetParams {
                product_id: p.product_id,
                device_name: p.device_name,
                key: p.key,
                res: p.res,
                lifetime_secs: p.lifetime.unwrap_or(3600) as u64,
                sign_method: method(p.sign_method, SignMethod::HmacSha256)?,
            };
            signing::onenet(&params, now)
        }
        _ => {
            return Err(JsError::new(
                "unknown cloud: expected aliyun, tencent, huawei or onenet",
            ))
        }
    };
    creds.map(credentials_js).map_err(js_error)
}
