//! UTC calendar arithmetic from a Unix millisecond timestamp, without a date crate.

use super::encoding::push_padded;

/// A UTC calendar date and hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcHour {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// Howard Hinnant's `civil_from_days`: shifting the year to start on March 1st puts the leap
/// day last, so every 400-year era has the same shape and no table is needed.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of March-based year, 0..=365
    let mp = (5 * doy + 2) / 153; // March = 0 .. February = 11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The UTC date and hour of a Unix time in milliseconds.
pub fn utc_hour(now_ms: u64) -> UtcHour {
    let secs = now_ms / 1000;
    let days = (secs / 86_400) as i64;
    let hour = ((secs % 86_400) / 3600) as u32;
    let (year, month, day) = civil_from_days(days);
    UtcHour {
        year,
        month,
        day,
        hour,
    }
}

/// `YYYYMMDDHH` in UTC, the timestamp format of Huawei IoTDA's client id and signature key.
pub fn yyyymmddhh(now_ms: u64) -> String {
    let t = utc_hour(now_ms);
    let mut out = String::with_capacity(10);
    // u64 milliseconds cannot reach a year that is negative or wider than its digits here.
    push_padded(&mut out, t.year as u64, 4);
    push_padded(&mut out, u64::from(t.month), 2);
    push_padded(&mut out, u64::from(t.day), 2);
    push_padded(&mut out, u64::from(t.hour), 2);
    out
}
