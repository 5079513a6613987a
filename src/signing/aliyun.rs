//! Aliyun IoT Platform, "one device, one secret" MQTT login.
//!
//! password = hex(HMAC_method(deviceSecret, "clientId"+id+"deviceName"+dn+"productKey"+pk
//! +"timestamp"+ts)), the parameters sorted by name and concatenated. Unlike the official JS
//! SDK (which always computes SHA-1), the method written into the client id is the one used.

use super::encoding::{hex_lower, push_decimal};
use super::error::{require, SigningError};
use super::{Credentials, SignMethod};

/// Longest client id Aliyun accepts (its docs: 64 characters).
const MAX_CLIENT_ID: usize = 64;

/// Inputs of an Aliyun device login.
#[derive(Clone)]
pub struct AliyunParams {
    pub product_key: String,
    pub device_name: String,
    pub device_secret: String,
    /// The id part of the MQTT client id; `None` uses `{productKey}.{deviceName}` like the
    /// official C SDK and the console's "MQTT connection parameters".
    pub client_id: Option<String>,
    pub sign_method: SignMethod,
    /// `true` (securemode=2) for TLS, which wss is; `false` (securemode=3) for plain tcp/ws.
    pub tls: bool,
}

impl core::fmt::Debug for AliyunParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AliyunParams")
            .field("product_key", &self.product_key)
            .field("device_name", &self.device_name)
            .field("device_secret", &super::REDACTED)
            .field("client_id", &self.client_id)
            .field("sign_method", &self.sign_method)
            .field("tls", &self.tls)
            .finish()
    }
}

/// Credentials for an Aliyun device, signed at `now_ms` (Unix milliseconds).
pub fn aliyun(params: &AliyunParams, now_ms: u64) -> Result<Credentials, SigningError> {
    require(&params.product_key, "aliyun: productKey is empty")?;
    require(&params.device_name, "aliyun: deviceName is empty")?;
    require(&params.device_secret, "aliyun: deviceSecret is empty")?;
    // '&' would make the username `dn&pk` ambiguous.
    if params.product_key.contains('&') || params.device_name.contains('&') {
        return Err(SigningError::invalid(
            "aliyun: productKey and deviceName must not contain '&'",
        ));
    }

    let id = match &params.client_id {
        Some(id) => {
            require(id, "aliyun: clientId is empty")?;
            // '|' ',' '=' delimit the extension parameters that follow the id.
            if id.len() > MAX_CLIENT_ID || id.contains(['|', ',', '=']) {
                return Err(SigningError::invalid(
                    "aliyun: clientId must be at most 64 characters without '|', ',' or '='",
                ));
            }
            id.clone()
        }
        None => {
            let mut id =
                String::with_capacity(params.product_key.len() + 1 + params.device_name.len());
            id.push_str(&params.product_key);
            id.push('.');
            id.push_str(&params.device_name);
            id
        }
    };

    let mut timestamp = String::new();
    push_decimal(&mut timestamp, now_ms);

    let password = sign(
        params.sign_method,
        &params.device_secret,
        &id,
        &params.device_name,
        &params.product_key,
        &timestamp,
    );

    let mut client_id = id;
    client_id.push_str(if params.tls {
        "|securemode=2,signmethod="
    } else {
        "|securemode=3,signmethod="
    });
    client_id.push_str(params.sign_method.hmac_name());
    client_id.push_str(",timestamp=");
    client_id.push_str(&timestamp);
    client_id.push('|');

    let mut username = params.device_name.clone();
    username.push('&');
    username.push_str(&params.product_key);

    Ok(Credentials {
        client_id: Some(client_id),
        username,
        password,
    })
}

/// Aliyun's password for already-validated parts: lowercase hex (Aliyun ignores hex case).
pub fn sign(
    method: SignMethod,
    device_secret: &str,
    client_id: &str,
    device_name: &str,
    product_key: &str,
    timestamp: &str,
) -> String {
    let mut content = String::with_capacity(
        40 + client_id.len() + device_name.len() + product_key.len() + timestamp.len(),
    );
    content.push_str("clientId");
    content.push_str(client_id);
    content.push_str("deviceName");
    content.push_str(device_name);
    content.push_str("productKey");
    content.push_str(product_key);
    content.push_str("timestamp");
    content.push_str(timestamp);
    hex_lower(&method.sign(device_secret.as_bytes(), content.as_bytes()))
}

/// `wss://{productKey}.iot-as-mqtt.{region}.aliyuncs.com/` — the old public instance.
///
/// No `:443`: WeChat refuses a port that the registered socket domain does not carry.
pub fn aliyun_regional_url(product_key: &str, region: &str) -> Result<String, SigningError> {
    require(product_key, "aliyun: productKey is empty")?;
    require(region, "aliyun: region is empty")?;
    check_label(product_key, "aliyun: productKey is not a valid host label")?;
    check_label(region, "aliyun: region is not a valid host label")?;
    let mut url = String::from("wss://");
    url.push_str(product_key);
    url.push_str(".iot-as-mqtt.");
    url.push_str(region);
    url.push_str(".aliyuncs.com/");
    Ok(url)
}

/// `wss://{instanceId}.mqtt.iothub.aliyuncs.com/` — new public and enterprise instances.
pub fn aliyun_instance_url(instance_id: &str) -> Result<String, SigningError> {
    require(instance_id, "aliyun: instanceId is empty")?;
    check_label(instance_id, "aliyun: instanceId is not a valid host label")?;
    let mut url = String::from("wss://");
    url.push_str(instance_id);
    url.push_str(".mqtt.iothub.aliyuncs.com/");
    Ok(url)
}

/// A DNS label: letters, digits and '-', so the value cannot change which host is reached.
fn check_label(label: &str, message: &'static str) -> Result<(), SigningError> {
    if label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Ok(())
    } else {
        Err(SigningError::invalid(message))
    }
}
