#![cfg(feature = "clouds")]
//! Credential signing against the clouds' published examples and the computed vectors of
//! `signing.md` (Python `hmac`, cross-checked with openssl), plus the edge cases around them.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use mpmqtt::signing::{
    aliyun, aliyun_instance_url, aliyun_regional_url, base64_decode, base64_encode,
    civil_from_days, connid_from_random, huawei, huawei_url, onenet, onenet_token, percent_encode,
    raw, tencent, utc_hour, yyyymmddhh, AliyunParams, HuaweiParams, OneNetParams, SignMethod,
    SigningError, SigningErrorKind, TencentParams, UtcHour, TENCENT_SDKAPPID,
};

// ---------------------------------------------------------------- Aliyun

const ALIYUN_OFFICIAL_SHA1: &str = "FAFD82A3D602B37FB0FA8B7892F24A477F851A14";
const ALIYUN_OFFICIAL_MD5: &str = "14B198324FE55E1D3C88F2E705E201EE";
const ALIYUN_OFFICIAL_SHA256: &str =
    "6074A46A91B1EBB2CC4EA42790AD0E80202C9843859FC292E57C4EB19FAD9E57";

fn aliyun_official(method: SignMethod) -> AliyunParams {
    AliyunParams {
        product_key: "pk".into(),
        device_name: "device".into(),
        device_secret: "secret".into(),
        client_id: Some("12345".into()),
        sign_method: method,
        tls: false,
    }
}

fn aliyun_c_sdk(method: SignMethod) -> AliyunParams {
    AliyunParams {
        product_key: "a1X2bEnP82z".into(),
        device_name: "example1".into(),
        device_secret: "ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe".into(),
        client_id: None,
        sign_method: method,
        tls: true,
    }
}

#[test]
fn aliyun_official_example_sha1() {
    let c = aliyun(&aliyun_official(SignMethod::HmacSha1), 789).unwrap();
    assert_eq!(
        c.client_id.as_deref(),
        Some("12345|securemode=3,signmethod=hmacsha1,timestamp=789|")
    );
    assert_eq!(c.username, "device&pk");
    // Aliyun compares hex case-insensitively; its example is uppercase, we emit lowercase.
    assert_eq!(c.password, ALIYUN_OFFICIAL_SHA1.to_ascii_lowercase());
}

#[test]
fn aliyun_honours_the_sign_method() {
    let cases = [
        (SignMethod::HmacSha1, "hmacsha1", ALIYUN_OFFICIAL_SHA1),
        (SignMethod::HmacMd5, "hmacmd5", ALIYUN_OFFICIAL_MD5),
        (SignMethod::HmacSha256, "hmacsha256", ALIYUN_OFFICIAL_SHA256),
    ];
    let mut passwords = Vec::new();
    for (method, name, expected) in cases {
        let c = aliyun(&aliyun_official(method), 789).unwrap();
        let mut client_id = String::from("12345|securemode=3,signmethod=");
        client_id.push_str(name);
        client_id.push_str(",timestamp=789|");
        assert_eq!(c.client_id.as_deref(), Some(client_id.as_str()));
        assert_eq!(c.password, expected.to_ascii_lowercase(), "{name}");
        passwords.push(c.password);
    }
    assert_ne!(passwords[0], passwords[1]);
    assert_ne!(passwords[1], passwords[2]);
    assert_ne!(passwords[0], passwords[2]);
}

#[test]
fn aliyun_default_client_id_is_product_key_dot_device_name() {
    let ts = 2_524_608_000_000;
    let c = aliyun(&aliyun_c_sdk(SignMethod::HmacSha256), ts).unwrap();
    assert_eq!(
        c.client_id.as_deref(),
        Some("a1X2bEnP82z.example1|securemode=2,signmethod=hmacsha256,timestamp=2524608000000|")
    );
    assert_eq!(c.username, "example1&a1X2bEnP82z");
    assert_eq!(
        c.password,
        "b8ce8f1d706dd3c61d13bfd9855def7e321b785084ca9c93f0169a2b46785dd2"
    );

    let c = aliyun(&aliyun_c_sdk(SignMethod::HmacSha1), ts).unwrap();
    assert_eq!(
        c.client_id.as_deref(),
        Some("a1X2bEnP82z.example1|securemode=2,signmethod=hmacsha1,timestamp=2524608000000|")
    );
    assert_eq!(c.password, "b2c9af96273c92315cc9eb431ed90573a6850105");
}

#[test]
fn aliyun_raw_signature_matches_vectors() {
    assert_eq!(
        raw::aliyun_sign(
            SignMethod::HmacSha1,
            "secret",
            "12345",
            "device",
            "pk",
            "789"
        ),
        ALIYUN_OFFICIAL_SHA1.to_ascii_lowercase()
    );
    // The variant without clientId/timestamp, signed with the bare HMAC.
    let mac = SignMethod::HmacSha1.sign(
        b"ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe",
        b"deviceNameexample1productKeya1X2bEnP82z",
    );
    assert_eq!(hex::encode(mac), "7f79cd9f2bf5f328c3e57846e3dd1b4ca5c101bb");
}

#[test]
fn aliyun_rejects_bad_parameters() {
    let mut p = aliyun_official(SignMethod::HmacSha1);
    p.device_secret.clear();
    assert_eq!(aliyun(&p, 1).unwrap_err().kind(), SigningErrorKind::Missing);

    for bad in ["a|b", "a,b", "a=b", ""] {
        let mut p = aliyun_official(SignMethod::HmacSha1);
        p.client_id = Some(bad.into());
        assert!(aliyun(&p, 1).is_err(), "{bad:?}");
    }
    let mut p = aliyun_official(SignMethod::HmacSha1);
    p.client_id = Some("x".repeat(64));
    assert!(aliyun(&p, 1).is_ok());
    p.client_id = Some("x".repeat(65));
    assert_eq!(aliyun(&p, 1).unwrap_err().kind(), SigningErrorKind::Invalid);

    let mut p = aliyun_official(SignMethod::HmacSha1);
    p.device_name = "a&b".into();
    assert_eq!(aliyun(&p, 1).unwrap_err().kind(), SigningErrorKind::Invalid);
}

#[test]
fn aliyun_endpoints() {
    assert_eq!(
        aliyun_regional_url("a1X2bEnP82z", "cn-shanghai").unwrap(),
        "wss://a1X2bEnP82z.iot-as-mqtt.cn-shanghai.aliyuncs.com/"
    );
    assert_eq!(
        aliyun_instance_url("iot-06z00ax1o4qpm4k").unwrap(),
        "wss://iot-06z00ax1o4qpm4k.mqtt.iothub.aliyuncs.com/"
    );
    // A value that would redirect the socket to another host is refused.
    assert!(aliyun_regional_url("evil.example.com/x", "cn-shanghai").is_err());
    assert!(aliyun_regional_url("pk", "cn-shanghai.evil").is_err());
    assert!(aliyun_instance_url("a@b").is_err());
    assert!(aliyun_instance_url("").is_err());
}

// ---------------------------------------------------------------- Tencent

const TENCENT_PSK: &str = "AAECAwQFBgcICQoLDA0ODw==";
const TENCENT_USERNAME: &str = "ABCDEFGHIJdev001;12010126;abcde;1700000000";
const TENCENT_SHA256: &str =
    "ee0578a13c87a73422451cef483983c7681f1e954149f82f799a29bb961ecd03;hmacsha256";
const TENCENT_SHA1: &str = "4503b73274d953b0d5cf14777dbddbd2d9ae67b6;hmacsha1";

fn tencent_params(method: SignMethod) -> TencentParams {
    TencentParams {
        product_id: "ABCDEFGHIJ".into(),
        device_name: "dev001".into(),
        device_psk: TENCENT_PSK.into(),
        sdkappid: TENCENT_SDKAPPID,
        lifetime_secs: 3600,
        sign_method: method,
    }
}

// Indices of 'a'..'e' in the connid alphabet (digits, uppercase, lowercase).
const RANDOM_ABCDE: [u8; 5] = [36, 37, 38, 39, 40];

#[test]
fn tencent_raw_signature_matches_vectors() {
    assert_eq!(
        raw::tencent_sign(SignMethod::HmacSha256, TENCENT_PSK, TENCENT_USERNAME).unwrap(),
        TENCENT_SHA256
    );
    assert_eq!(
        raw::tencent_sign(SignMethod::HmacSha1, TENCENT_PSK, TENCENT_USERNAME).unwrap(),
        TENCENT_SHA1
    );
}

#[test]
fn tencent_credentials_match_vectors() {
    // expiry = now (s) + lifetime = 1_699_996_400 + 3600 = 1_700_000_000.
    let now_ms = 1_699_996_400_999;
    for (method, expected) in [
        (SignMethod::HmacSha256, TENCENT_SHA256),
        (SignMethod::HmacSha1, TENCENT_SHA1),
    ] {
        let c = tencent(&tencent_params(method), now_ms, RANDOM_ABCDE).unwrap();
        assert_eq!(c.client_id.as_deref(), Some("ABCDEFGHIJdev001"));
        assert_eq!(c.username, TENCENT_USERNAME);
        assert_eq!(c.password, expected);
    }
}

#[test]
fn tencent_connid_is_alphanumeric_from_the_given_bytes() {
    assert_eq!(connid_from_random(RANDOM_ABCDE), "abcde");
    assert_eq!(connid_from_random([0, 10, 61, 62, 255]), "0Az07");
    let c = tencent(&tencent_params(SignMethod::HmacSha256), 0, [1, 2, 3, 4, 5]).unwrap();
    assert_eq!(c.username, "ABCDEFGHIJdev001;12010126;12345;3600");
}

#[test]
fn tencent_rejects_bad_parameters() {
    let err = tencent(&tencent_params(SignMethod::HmacMd5), 0, RANDOM_ABCDE).unwrap_err();
    assert_eq!(err.kind(), SigningErrorKind::Invalid);

    let mut p = tencent_params(SignMethod::HmacSha256);
    p.device_psk = "not base64!".into();
    let err = tencent(&p, 0, RANDOM_ABCDE).unwrap_err();
    assert_eq!(err.kind(), SigningErrorKind::BadBase64);
    assert!(!err.message().contains("not base64!"));

    let mut p = tencent_params(SignMethod::HmacSha256);
    p.device_name = "a;b".into();
    assert_eq!(
        tencent(&p, 0, RANDOM_ABCDE).unwrap_err().kind(),
        SigningErrorKind::Invalid
    );

    let mut p = tencent_params(SignMethod::HmacSha256);
    p.lifetime_secs = 0;
    assert!(tencent(&p, 0, RANDOM_ABCDE).is_err());

    let mut p = tencent_params(SignMethod::HmacSha256);
    p.product_id.clear();
    assert_eq!(
        tencent(&p, 0, RANDOM_ABCDE).unwrap_err().kind(),
        SigningErrorKind::Missing
    );
}

// ---------------------------------------------------------------- Huawei

const HUAWEI_OFFICIAL: &str = "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a";

#[test]
fn huawei_official_example() {
    assert_eq!(raw::huawei_sign("12345678", "2025041401"), HUAWEI_OFFICIAL);
}

#[test]
fn huawei_credentials_use_the_utc_hour() {
    let mut p = HuaweiParams {
        device_id: "5f1234_dev".into(),
        secret: "12345678".into(),
        check_timestamp: false,
    };
    // 2025-04-14T01:00:00Z and 01:59:59.999Z: same hour, same credentials.
    for now_ms in [1_744_592_400_000, 1_744_595_999_999] {
        let c = huawei(&p, now_ms).unwrap();
        assert_eq!(c.client_id.as_deref(), Some("5f1234_dev_0_0_2025041401"));
        assert_eq!(c.username, "5f1234_dev");
        assert_eq!(c.password, HUAWEI_OFFICIAL);
    }
    p.check_timestamp = true;
    let c = huawei(&p, 1_744_596_000_000).unwrap();
    assert_eq!(c.client_id.as_deref(), Some("5f1234_dev_0_1_2025041402"));
    assert_ne!(c.password, HUAWEI_OFFICIAL);

    p.secret.clear();
    assert_eq!(huawei(&p, 0).unwrap_err().kind(), SigningErrorKind::Missing);
}

#[test]
fn huawei_url_has_no_port() {
    assert_eq!(
        huawei_url("abc.st1.iotda-device.cn-north-4.myhuaweicloud.com").unwrap(),
        "wss://abc.st1.iotda-device.cn-north-4.myhuaweicloud.com/mqtt"
    );
    assert!(huawei_url("abc.com/x").is_err());
    assert!(huawei_url("abc.com:443").is_err());
}

#[test]
fn utc_hour_formatting_edges() {
    let cases: [(u64, &str); 11] = [
        (0, "1970010100"),
        (3_599_999, "1970010100"),
        (3_600_000, "1970010101"),
        (951_865_200_000, "2000022923"), // 2000 is a leap year (divisible by 400)
        (951_868_800_000, "2000030100"), // the hour after
        (1_709_164_800_000, "2024022900"), // 2024-02-29
        (1_735_689_599_000, "2024123123"), // last second of 2024
        (1_735_689_600_000, "2025010100"), // first of 2025
        (4_107_542_399_999, "2100022823"), // 2100 is not a leap year
        (4_107_542_400_000, "2100030100"),
        (13_574_563_200_000, "2400022900"), // 2400 is
    ];
    for (ms, expected) in cases {
        assert_eq!(yyyymmddhh(ms), expected, "{ms}");
    }
    assert_eq!(
        utc_hour(1_744_592_400_000),
        UtcHour {
            year: 2025,
            month: 4,
            day: 14,
            hour: 1
        }
    );
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

#[test]
fn civil_from_days_agrees_with_day_by_day_counting() {
    // Independent reference: walk the calendar one day at a time from 1970-01-01.
    let (mut y, mut m, mut d) = (1970i64, 1u32, 1u32);
    for days in 0..=200_000i64 {
        assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
        let month_len = match m {
            2 if is_leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        d += 1;
        if d > month_len {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(civil_from_days(-719_468), (0, 3, 1));
}

// ---------------------------------------------------------------- OneNET

const ONENET_KEY: &str = "AAECAwQFBgcICQoLDA0ODw==";
const ONENET_PREFIX: &str =
    "version=2018-10-31&res=products%2F123123%2Fdevices%2Fmydev&et=1537255523";

fn onenet_expected(tail: &str) -> String {
    let mut s = String::from(ONENET_PREFIX);
    s.push_str(tail);
    s
}

#[test]
fn onenet_tokens_match_vectors() {
    let res = "products/123123/devices/mydev";
    let cases = [
        (
            SignMethod::HmacMd5,
            "&method=md5&sign=XexxBm9S2ZS2JzOJ0KyPWg%3D%3D",
        ),
        (
            SignMethod::HmacSha1,
            "&method=sha1&sign=Xmmi0NHpvdTce775y9npps8WgX8%3D",
        ),
        (
            SignMethod::HmacSha256,
            "&method=sha256&sign=XM6blaT%2BJ6FCZHr2FTXiIStg2ttHsp%2FsiD%2FC07Le1r4%3D",
        ),
    ];
    for (method, tail) in cases {
        assert_eq!(
            onenet_token(res, ONENET_KEY, 1_537_255_523, method).unwrap(),
            onenet_expected(tail)
        );
    }
}

#[test]
fn onenet_credentials_default_to_the_device_resource() {
    let p = OneNetParams {
        product_id: "123123".into(),
        device_name: "mydev".into(),
        key: ONENET_KEY.into(),
        res: None,
        lifetime_secs: 3600,
        sign_method: SignMethod::HmacSha1,
    };
    let now_ms = (1_537_255_523 - 3600) * 1000 + 999;
    let c = onenet(&p, now_ms).unwrap();
    assert_eq!(c.client_id.as_deref(), Some("mydev"));
    assert_eq!(c.username, "123123");
    assert_eq!(
        c.password,
        onenet_expected("&method=sha1&sign=Xmmi0NHpvdTce775y9npps8WgX8%3D")
    );

    let mut product_wide = p.clone();
    product_wide.res = Some("products/123123".into());
    let c = onenet(&product_wide, now_ms).unwrap();
    assert!(c.password.contains("&res=products%2F123123&"));
    assert!(!c.password.ends_with("Xmmi0NHpvdTce775y9npps8WgX8%3D"));
}

#[test]
fn onenet_rejects_bad_keys() {
    let err = onenet_token("products/1", "AAEC*", 1, SignMethod::HmacSha1).unwrap_err();
    assert_eq!(err.kind(), SigningErrorKind::BadBase64);
    assert!(!err.message().contains("AAEC"));
    assert_eq!(
        onenet_token("products/1", "", 1, SignMethod::HmacSha1)
            .unwrap_err()
            .kind(),
        SigningErrorKind::Missing
    );
}

// ---------------------------------------------------------------- encodings

#[test]
fn percent_encoding_keeps_only_unreserved_characters() {
    assert_eq!(
        percent_encode("aZ09-._~ /+=?&%#é"),
        "aZ09-._~%20%2F%2B%3D%3F%26%25%23%C3%A9"
    );
    assert_eq!(percent_encode(""), "");
}

#[test]
fn base64_rfc4648_vectors() {
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in vectors {
        assert_eq!(base64_encode(plain.as_bytes()), encoded);
        assert_eq!(base64_decode(encoded, "k").unwrap(), plain.as_bytes());
    }
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(base64_decode(&base64_encode(&all), "k").unwrap(), all);
    assert_eq!(
        base64_decode(TENCENT_PSK, "k").unwrap(),
        (0u8..16).collect::<Vec<_>>()
    );
}

#[test]
fn base64_decode_is_lenient_only_where_consoles_are() {
    // Missing padding and surrounding whitespace (pasted keys) are accepted.
    assert_eq!(base64_decode("Zm9vYg", "k").unwrap(), b"foob");
    assert_eq!(base64_decode("Zm9vYmE", "k").unwrap(), b"fooba");
    assert_eq!(base64_decode(" Zm9v\n", "k").unwrap(), b"foo");
}

#[test]
fn base64_decode_errors() {
    for bad in [
        "A",
        "AAAAA",
        "Zm9=v",
        "Zm=9v",
        "Zg=",
        "Zg===",
        "Zm9vY===",
        "==",
        "=",
        "Zm 9v",
        "Zm9v!",
        "Zm-_",
        "Zm9vYmE==",
        "é",
    ] {
        let err = base64_decode(bad, "the key is not valid base64").unwrap_err();
        assert_eq!(err.kind(), SigningErrorKind::BadBase64, "{bad:?}");
        assert_eq!(err.message(), "the key is not valid base64");
    }
}

#[test]
fn sign_method_names() {
    for (name, method) in [
        ("hmacsha1", SignMethod::HmacSha1),
        ("HmacSHA256", SignMethod::HmacSha256),
        ("md5", SignMethod::HmacMd5),
        ("sha256", SignMethod::HmacSha256),
    ] {
        assert_eq!(SignMethod::parse(name), Some(method));
    }
    assert_eq!(SignMethod::parse("sha512"), None);
    assert_eq!(SignMethod::parse("hmac"), None);
    assert_eq!(SignMethod::HmacMd5.hmac_name(), "hmacmd5");
    assert_eq!(SignMethod::HmacSha256.bare_name(), "sha256");
}

// Easemob's token flow is the glue's (js-glue/client/easemob.js); its vectors are in
// tests/js/client/easemob.test.js.

// ---------------------------------------------------------------- secrecy

fn debug<T: core::fmt::Debug>(value: &T) -> String {
    let mut out = String::new();
    core::fmt::write(&mut out, format_args!("{value:?} {value:#?}")).unwrap();
    out
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let a = aliyun_c_sdk(SignMethod::HmacSha256);
    let creds = aliyun(&a, 1).unwrap();
    assert!(!debug(&a).contains(&a.device_secret));
    assert!(debug(&a).contains("a1X2bEnP82z"));
    assert!(!debug(&creds).contains(&creds.password));
    assert!(debug(&creds).contains("example1&a1X2bEnP82z"));

    let t = tencent_params(SignMethod::HmacSha256);
    assert!(!debug(&t).contains(TENCENT_PSK));
    let creds = tencent(&t, 0, RANDOM_ABCDE).unwrap();
    assert!(!debug(&creds).contains(&creds.password));

    let h = HuaweiParams {
        device_id: "dev".into(),
        secret: "hw-secret-value".into(),
        check_timestamp: true,
    };
    assert!(!debug(&h).contains("hw-secret-value"));

    let o = OneNetParams {
        product_id: "1".into(),
        device_name: "d".into(),
        key: ONENET_KEY.into(),
        res: None,
        lifetime_secs: 1,
        sign_method: SignMethod::HmacSha1,
    };
    assert!(!debug(&o).contains(ONENET_KEY));
}

#[test]
fn secrets_never_appear_in_errors() {
    fn shown(err: SigningError) -> String {
        let mut out = String::new();
        core::fmt::write(&mut out, format_args!("{err} {err:?}")).unwrap();
        out
    }
    let mut t = tencent_params(SignMethod::HmacSha256);
    t.device_psk = "secret-psk-not-b64!".into();
    assert!(!shown(tencent(&t, 0, RANDOM_ABCDE).unwrap_err()).contains("secret-psk"));

    let mut a = aliyun_official(SignMethod::HmacSha1);
    a.device_secret = "secret-in-ali".into();
    a.client_id = Some("bad|id".into());
    let shown_err = shown(aliyun(&a, 0).unwrap_err());
    assert!(!shown_err.contains("secret-in-ali"));
    assert!(!shown_err.contains("bad|id"));
}
