//! Built-in MQTT credentials for the Chinese IoT clouds: Aliyun IoT, Tencent IoT Hub /
//! Explorer, Huawei IoTDA and OneNET. (Easemob's REST token flow signs nothing: the glue runs
//! it, js-glue/client/easemob.js.)
//!
//! Everything here is pure: no I/O, no clock, no random source. The caller passes the time
//! (`now_ms`, Unix milliseconds) and, for Tencent, the random bytes of the connection id.
//! Secrets never appear in an error message or in `Debug` output.
//!
//! Putting a device secret in a mini-program ships it to every user; see `docs/clouds.md`
//! for which keys may live in the page and which must stay on a server.

mod aliyun;
mod encoding;
mod error;
mod huawei;
mod mac;
mod onenet;
mod tencent;
mod time;

pub use aliyun::{aliyun, aliyun_instance_url, aliyun_regional_url, AliyunParams};
pub use encoding::{base64_decode, base64_encode, percent_encode};
pub use error::{SigningError, SigningErrorKind};
pub use huawei::{huawei, huawei_url, HuaweiParams};
pub use mac::SignMethod;
pub use onenet::{onenet, onenet_token, OneNetParams, ONENET_VERSION};
pub use tencent::{connid_from_random, tencent, TencentParams, CONNID_LEN, TENCENT_SDKAPPID};
pub use time::{civil_from_days, utc_hour, yyyymmddhh, UtcHour};

/// The low-level signatures, for checking against the clouds' published examples.
pub mod raw {
    pub use super::aliyun::sign as aliyun_sign;
    pub use super::huawei::sign as huawei_sign;
    pub use super::tencent::sign as tencent_sign;
}

/// What `Debug` prints in place of a secret.
const REDACTED: &str = "<redacted>";

/// MQTT CONNECT credentials. `client_id` is `None` when the cloud leaves it to the page.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: Option<String>,
    pub username: String,
    pub password: String,
}

impl core::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("password", &REDACTED)
            .finish()
    }
}
