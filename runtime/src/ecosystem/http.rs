//! HTTP status codes and `Retry-After`, as RFC 9110 (HTTP semantics), RFC 6585 (429) and
//! RFC 8470 (425) define them. No feature needed; the `reqwest` and `aws-smithy-runtime-api`
//! tables use it, and so can a hand-written error that keeps a response's status.
//!
//! | status | verdict | why |
//! |---|---|---|
//! | 1xx, 2xx, 3xx | terminal | not a failure the same request can cure: an error built from one is a protocol or redirect problem of the caller |
//! | 408 Request Timeout | retryable | the server gave up waiting for the request; RFC 9110 §15.5.9 lets the client repeat it |
//! | 425 Too Early | retryable | RFC 8470: the server refuses early (0-RTT) data; the same request after the handshake can succeed |
//! | 429 Too Many Requests | retryable | RFC 6585 §4: rate limited; honour `Retry-After` when sent |
//! | every other 4xx | terminal | the request itself is wrong (400), not allowed (401, 403), absent (404, 410), conflicting (409), too large (413), ...: repeating it unchanged gets the same answer |
//! | 500 Internal Server Error | terminal | conservative: the server says only that it failed, as often for a request it can never serve as for a passing fault; real clients disagree (the AWS SDKs retry it). Override with `#[delegate(with = ..)]` where the service is known to recover |
//! | 502 Bad Gateway, 503 Service Unavailable, 504 Gateway Timeout | retryable | RFC 9110 §15.6.3-5: an upstream failed or timed out, or the server is overloaded or in maintenance, "likely to be alleviated after some delay" (503); honour `Retry-After` |
//! | every other 5xx (501, 505, 506, 507, 508, 510, 511, unassigned) | terminal | the server cannot do this at all (not implemented, version, configuration, storage, loop, network login), or says nothing that suggests a delay helps |
//! | a code outside 100-599 | terminal | not a status HTTP defines |
//!
//! `Retry-After` (RFC 9110 §10.2.3) is read in its delay-seconds form and in its HTTP-date form
//! (relative to the current system time); a value in neither form is no hint.
//!
//! ```
//! use std::time::Duration;
//! use triage::ecosystem::http::{parse_retry_after, status_verdict};
//! use triage::Verdict;
//!
//! assert_eq!(status_verdict(503), Verdict::Retryable);
//! assert_eq!(status_verdict(404), Verdict::Terminal);
//! assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
//! assert_eq!(parse_retry_after("soon"), None);
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Verdict;

/// The verdict of an HTTP response status code, as tabled in [this module](self).
#[must_use]
pub const fn status_verdict(status: u16) -> Verdict {
    match status {
        408 | 425 | 429 | 502 | 503 | 504 => Verdict::Retryable,
        _ => Verdict::Terminal,
    }
}

/// The wait a `Retry-After` header value asks for: delay-seconds (`"120"`) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, measured from now; a date in the past is no wait at all).
/// `None` for anything else.
#[must_use]
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let at = parse_imf_fixdate(value)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    Some(Duration::from_secs(at).saturating_sub(now))
}

/// Seconds since the Unix epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form
/// RFC 9110 §5.6.7 requires senders to use.
fn parse_imf_fixdate(value: &str) -> Option<u64> {
    let mut parts = value.split(' ');
    let weekday = parts.next()?;
    if weekday.len() != 4 || !weekday.ends_with(',') {
        return None;
    }
    let day: u64 = two_digits(parts.next()?)?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = parts.next()?;
    if year.len() != 4 {
        return None;
    }
    let year: u64 = year.parse().ok()?;
    let mut clock = parts.next()?.split(':');
    let hour = two_digits(clock.next()?)?;
    let minute = two_digits(clock.next()?)?;
    let second = two_digits(clock.next()?)?;
    if clock.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    Some(days_since_epoch(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn two_digits(text: &str) -> Option<u64> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (year >= 1970).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    const BEFORE_MONTH: [u64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = |y: u64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let leap_days_before = |y: u64| (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
    let years = year - 1970;
    let mut days = years * 365 + leap_days_before(year) - leap_days_before(1970);
    days += BEFORE_MONTH[(month - 1) as usize] + day - 1;
    if month > 2 && leap(year) {
        days += 1;
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        for retryable in [408, 425, 429, 502, 503, 504] {
            assert_eq!(status_verdict(retryable), Verdict::Retryable, "{retryable}");
        }
        for terminal in [
            0, 200, 301, 400, 401, 403, 404, 409, 410, 500, 501, 505, 511, 599, 600,
        ] {
            assert_eq!(status_verdict(terminal), Verdict::Terminal, "{terminal}");
        }
    }

    #[test]
    fn http_dates_are_read_as_seconds_since_the_epoch() {
        assert_eq!(parse_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        // RFC 9110's own example.
        assert_eq!(
            parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_imf_fixdate("Tue, 29 Feb 2000 12:00:00 GMT"),
            Some(951_825_600)
        );
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_imf_fixdate("Sun, 6 Nov 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("99999999999999999999999"), None);
        // A date in the past asks for no wait.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let soon = SystemTime::now() + Duration::from_secs(3_600);
        let wait = parse_retry_after(&imf_fixdate(soon)).expect("a date an hour ahead");
        assert!(wait > Duration::from_secs(3_590) && wait <= Duration::from_secs(3_600));
    }

    /// Formats a time as an IMF-fixdate, the inverse of the parser (for the test above).
    fn imf_fixdate(at: SystemTime) -> String {
        let secs = at.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let (mut days, rest) = (secs / 86_400, secs % 86_400);
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
        let mut year = 1970;
        loop {
            let len = if days_since_epoch(year + 1, 1, 1) - days_since_epoch(year, 1, 1) == 366 {
                366
            } else {
                365
            };
            if days < len {
                break;
            }
            days -= len;
            year += 1;
        }
        let mut month = 12;
        while days_since_epoch(year, month, 1) - days_since_epoch(year, 1, 1) > days {
            month -= 1;
        }
        let day = days - (days_since_epoch(year, month, 1) - days_since_epoch(year, 1, 1)) + 1;
        let name = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][(month - 1) as usize];
        format!(
            "{weekday}, {day:02} {name} {year} {:02}:{:02}:{:02} GMT",
            rest / 3_600,
            rest % 3_600 / 60,
            rest % 60
        )
    }
}
