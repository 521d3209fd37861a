//! What a Cloud API answer means for the sender: the mapping of Meta's
//! error codes to [`SendError`] (see [the client's docs](super#errors)).

use std::time::Duration;

use framework::provider::meta::ApiError;

use crate::transport::SendError;

/// Maps the framework's reading of an error answer to what the dispatcher does.
pub(super) fn send_error(e: &ApiError, retry_after: Option<Duration>) -> SendError {
    let code = e.code.map(|c| c.to_string());
    if e.is_rate_limited() {
        SendError::Throttled {
            message: e.to_string(),
            retry_after: retry_after.or_else(|| policy_retry_after(e.code)),
            code,
        }
    } else if e.is_retryable() {
        SendError::Retryable {
            message: e.to_string(),
            retry_after: retry_after.or_else(|| policy_retry_after(e.code)),
            code,
        }
    } else {
        SendError::Permanent {
            message: e.to_string(),
            code,
            needs_template: e.needs_template(),
        }
    }
}

/// Our least wait for codes whose cause does not clear up at once; see the
/// [client's docs](super#errors).
fn policy_retry_after(code: Option<i64>) -> Option<Duration> {
    match code? {
        131_056 => Some(Duration::from_secs(6)),
        130_429 => Some(Duration::from_secs(1)),
        4 | 80_007 | 131_057 => Some(Duration::from_secs(60)),
        _ => None,
    }
}

/// Meta said yes but the answer could not be read: the message is probably
/// created, so it is never sent again.
pub(super) fn unreadable_success(status: u16, e: &reqwest::Error) -> SendError {
    SendError::Permanent {
        message: format!(
            "meta accepted the message (HTTP {status}) but its answer could not be read \
             ({e}); it was probably sent and is not sent again"
        ),
        code: None,
        needs_template: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(http_status: u16, code: Option<i64>) -> ApiError {
        ApiError {
            http_status,
            code,
            subcode: None,
            kind: None,
            message: "m".to_owned(),
            details: None,
            fbtrace_id: None,
        }
    }

    #[test]
    fn throughput_codes_wait_by_policy_unless_told() {
        let e = send_error(&error(400, Some(131_056)), None);
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(6)));
        assert_eq!(e.code(), Some("131056"));
        let e = send_error(&error(400, Some(80_007)), Some(Duration::from_secs(2)));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        let e = send_error(&error(503, None), None);
        assert!(e.is_retryable());
        assert_eq!((e.retry_after(), e.code()), (None, None));
    }

    #[test]
    fn window_and_auth_errors_are_permanent() {
        let e = send_error(&error(400, Some(131_047)), Some(Duration::from_secs(2)));
        assert!(!e.is_retryable() && e.needs_template());
        assert_eq!(e.retry_after(), None);
        let e = send_error(&error(401, Some(190)), None);
        assert!(!e.is_retryable() && !e.needs_template());
    }
}
