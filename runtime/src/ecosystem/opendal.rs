//! Verdicts of `opendal::Error` (feature `opendal`; the type is defined in `opendal-core`, which
//! is all this feature depends on).
//!
//! opendal marks each error with a status of its own: *temporary* when the service said it was
//! transient (HTTP 5xx and 429, timeouts, interrupted requests), *persistent* once its own retry
//! layer has retried a temporary error and given up, *permanent* otherwise.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | [`is_temporary()`](opendal_core::Error::is_temporary) | retryable | the service said the failure was transient |
//! | kind `RateLimited`, not persistent | retryable | the service throttled the request; it is served once the rate drops |
//! | [`is_persistent()`](opendal_core::Error::is_persistent) | terminal | opendal's retry layer already retried this temporary error until its own bound; retrying again multiplies the bounds |
//! | kinds `NotFound`, `PermissionDenied`, `AlreadyExists`, `IsADirectory`, `NotADirectory`, `IsSameFile`, `ConditionNotMatch`, `RangeNotSatisfied`, `ConfigInvalid`, `Unsupported` (permanent) | terminal | the path, the credentials, the precondition or the configuration is wrong: the same request gets the same answer |
//! | kind `Unexpected` (permanent), and kinds added later | terminal | unknown is never retryable |
//!
//! ```
//! use opendal_core::{Error, ErrorKind};
//! use triage::{Classify, Verdict};
//!
//! let throttled = Error::new(ErrorKind::RateLimited, "slow down");
//! assert_eq!(throttled.verdict(), Verdict::Retryable);
//! let gave_up = Error::new(ErrorKind::Unexpected, "503").set_temporary().set_persistent();
//! assert_eq!(gave_up.verdict(), Verdict::Terminal);
//! ```

use opendal_core::{Error, ErrorKind};

use crate::{Classify, Verdict};

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        if self.is_temporary() || (self.kind() == ErrorKind::RateLimited && !self.is_persistent()) {
            Verdict::Retryable
        } else {
            Verdict::Terminal
        }
    }
}

crate::register!(Error);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_kinds() {
        let missing = Error::new(ErrorKind::NotFound, "no such object");
        assert_eq!(missing.verdict(), Verdict::Terminal);
        let unexpected = Error::new(ErrorKind::Unexpected, "500 from the service");
        assert_eq!(unexpected.verdict(), Verdict::Terminal);
        assert_eq!(unexpected.set_temporary().verdict(), Verdict::Retryable);
        let throttled = Error::new(ErrorKind::RateLimited, "429");
        assert_eq!(throttled.verdict(), Verdict::Retryable);
        let given_up = throttled.set_temporary().set_persistent();
        assert!(given_up.is_persistent());
        assert_eq!(given_up.verdict(), Verdict::Terminal);
    }
}
