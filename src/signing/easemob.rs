//! Easemob (环信) MQTT: no signature, a two-step REST token flow.
//!
//! 1. POST `{restApiUrl}/openapi/rm/app/token` `{appClientId, appClientSecret}` → app token.
//! 2. POST `{restApiUrl}/openapi/rm/user/token` with `Authorization: <app token>` and
//!    `{username, expires_in, cid}` → user token, the MQTT password.
//!
//! This module builds the requests and reads the responses as plain data; the glue runs them
//! with `wx.request` / `my.request`. Step 1 needs the app secret, which belongs on a server.

use super::error::{require, SigningError};
use super::json;
use super::Credentials;

/// Longest client id Easemob accepts.
pub const EASEMOB_MAX_CLIENT_ID: usize = 64;

/// An HTTP request for the glue to send.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    pub method: &'static str,
    /// Header (name, value) pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: String,
}

impl core::fmt::Debug for HttpRequest {
    // The body may carry the app secret and the Authorization header the app token.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut headers = f.debug_list();
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case("authorization") {
                headers.entry(&(name, super::REDACTED));
            } else {
                headers.entry(&(name, value));
            }
        }
        headers.finish()?;
        f.write_str(" ")?;
        f.debug_struct("HttpRequest")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("body", &super::REDACTED)
            .finish()
    }
}

/// `{deviceId}@{appId}`, checked against Easemob's rules.
pub fn easemob_client_id(device_id: &str, app_id: &str) -> Result<String, SigningError> {
    require(device_id, "easemob: deviceId is empty")?;
    require(app_id, "easemob: appId is empty")?;
    if device_id.contains('@') || app_id.contains('@') {
        return Err(SigningError::invalid(
            "easemob: deviceId and appId must not contain '@'",
        ));
    }
    // MQTT counts the client id in bytes once encoded; so does this limit.
    if device_id.len() + 1 + app_id.len() > EASEMOB_MAX_CLIENT_ID {
        return Err(SigningError::invalid(
            "easemob: clientId (deviceId@appId) must be at most 64 characters",
        ));
    }
    let mut id = String::with_capacity(device_id.len() + 1 + app_id.len());
    id.push_str(device_id);
    id.push('@');
    id.push_str(app_id);
    Ok(id)
}

/// Checks that `client_id` has the `deviceId@appId` form and length Easemob requires.
pub fn easemob_check_client_id(client_id: &str) -> Result<(), SigningError> {
    match client_id.split_once('@') {
        Some((device_id, app_id)) => easemob_client_id(device_id, app_id).map(|_| ()),
        None => Err(SigningError::invalid(
            "easemob: clientId must be deviceId@appId",
        )),
    }
}

/// The app token request (step 1).
pub fn easemob_app_token_request(
    rest_api_url: &str,
    app_client_id: &str,
    app_client_secret: &str,
) -> Result<HttpRequest, SigningError> {
    require(app_client_id, "easemob: appClientId is empty")?;
    require(app_client_secret, "easemob: appClientSecret is empty")?;
    let url = endpoint(rest_api_url, "/openapi/rm/app/token")?;
    let mut body = String::from("{\"appClientId\":");
    json::push_string(&mut body, app_client_id);
    body.push_str(",\"appClientSecret\":");
    json::push_string(&mut body, app_client_secret);
    body.push('}');
    Ok(post(url, Vec::new(), body))
}

/// The user token request (step 2): `expires_in_secs` `None` leaves Easemob's default.
pub fn easemob_user_token_request(
    rest_api_url: &str,
    app_token: &str,
    username: &str,
    client_id: &str,
    expires_in_secs: Option<u64>,
) -> Result<HttpRequest, SigningError> {
    require(app_token, "easemob: app token is empty")?;
    require(username, "easemob: username is empty")?;
    easemob_check_client_id(client_id)?;
    if app_token.bytes().any(|b| b < 0x20 || b == 0x7f) {
        // A header value cannot carry control characters (request splitting).
        return Err(SigningError::invalid(
            "easemob: app token has control characters",
        ));
    }
    let url = endpoint(rest_api_url, "/openapi/rm/user/token")?;
    let mut body = String::from("{\"username\":");
    json::push_string(&mut body, username);
    if let Some(secs) = expires_in_secs {
        body.push_str(",\"expires_in\":");
        super::encoding::push_decimal(&mut body, secs);
    }
    body.push_str(",\"cid\":");
    json::push_string(&mut body, client_id);
    body.push('}');
    // Easemob wants the bare token, no "Bearer " prefix.
    let headers = vec![(String::from("Authorization"), String::from(app_token))];
    Ok(post(url, headers, body))
}

/// The token (`body.access_token`) of a step 1 or step 2 response, given its HTTP status and
/// its body text.
pub fn easemob_parse_token_response(status: u16, body: &str) -> Result<String, SigningError> {
    if !(200..300).contains(&status) {
        return Err(SigningError::token(
            "easemob: token request failed (HTTP status is not 2xx)",
        ));
    }
    let doc =
        json::parse(body).ok_or(SigningError::token("easemob: token response is not JSON"))?;
    match doc
        .get("body")
        .and_then(|b| b.get("access_token"))
        .and_then(json::Value::as_str)
    {
        Some(token) if !token.is_empty() => Ok(token.into()),
        _ => Err(SigningError::token(
            "easemob: token response has no body.access_token",
        )),
    }
}

/// MQTT credentials from the user token (step 2's result).
pub fn easemob_credentials(
    client_id: &str,
    username: &str,
    user_token: &str,
) -> Result<Credentials, SigningError> {
    easemob_check_client_id(client_id)?;
    require(username, "easemob: username is empty")?;
    require(user_token, "easemob: user token is empty")?;
    Ok(Credentials {
        client_id: Some(client_id.into()),
        username: username.into(),
        password: user_token.into(),
    })
}

fn endpoint(rest_api_url: &str, path: &str) -> Result<String, SigningError> {
    require(rest_api_url, "easemob: restApiUrl is empty")?;
    // https only: the first request carries the app secret, and mini-programs refuse http.
    let rest = rest_api_url
        .strip_prefix("https://")
        .ok_or(SigningError::invalid(
            "easemob: restApiUrl must start with https://",
        ))?;
    if rest.is_empty()
        || rest
            .bytes()
            .any(|b| b <= b' ' || b == 0x7f || b == b'?' || b == b'#')
    {
        return Err(SigningError::invalid(
            "easemob: restApiUrl must be an https URL without query or spaces",
        ));
    }
    let mut url = String::from(rest_api_url.trim_end_matches('/'));
    url.push_str(path);
    Ok(url)
}

fn post(url: String, mut headers: Vec<(String, String)>, body: String) -> HttpRequest {
    headers.push((
        String::from("Content-Type"),
        String::from("application/json"),
    ));
    HttpRequest {
        url,
        method: "POST",
        headers,
        body,
    }
}
