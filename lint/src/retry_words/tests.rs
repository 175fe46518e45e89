//! The word readings on the names real code gives its classifiers and verdicts.

use super::*;

#[test]
fn names_that_ask_about_retrying() {
    for name in [
        "is_retryable",
        "need_retry",
        "should_retry_wake_compute",
        "is_retriable_error",
        "is_retryable_err",
        "can_retry_request",
        "retryable",
        "is_transient",
        "could_retry",
        "retry_on",
        "error_is_retryable",
        "is_error_recoverable",
        "is_safe_to_retry",
        "can_be_retried",
        "read_failure_is_retryable",
        "upload_errors_are_transient",
        "establish_retryable",
    ] {
        assert_eq!(name_polarity(name), Some(Polarity::Retry), "{name}");
    }
    for name in [
        "is_permanent",
        "is_fatal",
        "is_terminal",
        "non_retryable",
        "is_unrecoverable",
        "should_not_retry",
        "is_fatal_io_error",
        "read_failure_is_not_retryable",
        "quota_error_is_permanent",
        "connect_not_retryable",
    ] {
        assert_eq!(name_polarity(name), Some(Polarity::Final), "{name}");
    }
    // A question asked of something that is no failure.
    for name in [
        "stdout_is_terminal",
        "file_is_temporary",
        "state_is_terminal",
    ] {
        assert_eq!(name_polarity(name), None, "{name}");
    }
    for name in [
        "retry_with_backoff",
        "with_retries",
        "max_retries",
        "retry",
        "set_retryable",
        "into_retryable",
        "mark_as_retryable",
        "file_temporary",
        "commit_with_retry",
        "retryable_update_multi_table_meta",
        "is_empty",
        "retry_after",
        "should_attempt",
        "should_bump_start_message_retry_count",
        "is_retry_count_exceeded",
        "should_reset_retries",
    ] {
        assert_eq!(name_polarity(name), None, "{name}");
    }
}

#[test]
fn every_adjective_passes_the_quick_test() {
    for word in RETRY_ADJECTIVES.iter().chain(FINAL_ADJECTIVES) {
        assert!(name_polarity(&format!("is_{word}")).is_some(), "{word}");
    }
}

#[test]
fn trait_and_type_names() {
    assert!(trait_decides_retries("CouldRetry"));
    assert!(trait_decides_retries("ShouldRetryWakeCompute"));
    assert!(trait_decides_retries("RetryLogic"));
    assert!(!trait_decides_retries("Display"));
    assert!(verdict_like_type("RetryAction"));
    assert!(verdict_like_type("Verdict"));
    assert!(!verdict_like_type("RetryConfig"));
}

#[test]
fn variant_names() {
    assert_eq!(variant_answer("RetryIndicated"), Some(Answer::Retry));
    assert_eq!(variant_answer("transient_error"), Some(Answer::Retry));
    assert_eq!(
        variant_answer("NoActionIndicated"),
        Some(Answer::DoNotRetry)
    );
    assert_eq!(variant_answer("DoNotRetry"), Some(Answer::DoNotRetry));
    assert_eq!(variant_answer("Permanent"), Some(Answer::DoNotRetry));
    assert_eq!(variant_answer("Ok"), None);
}

#[test]
fn failover_names_turn_to_another_source() {
    assert!(names_a_failover("should_try_next_url"));
    assert!(names_a_failover("use_fallback"));
    assert!(names_a_failover("try_next_mirror"));
    assert!(!names_a_failover("should_try_next_node"));
    assert!(!names_a_failover("is_retryable"));
    assert!(!names_a_failover("next_attempt_allowed"));
}

#[test]
fn retrieving_is_not_retrying() {
    for text in [
        "// Retry later",
        "MAX_RETRIES",
        "a retriable error",
        "it was retried",
        "RETRYING",
    ] {
        assert!(mentions_retr(text.as_bytes()), "{text}");
    }
    for text in [
        "// retrieve the key",
        "Retrieval failed",
        "retr",
        "a retro",
        "retract it",
    ] {
        assert!(!mentions_retr(text.as_bytes()), "{text}");
    }
    assert!(mentions_retr(b"retrieve it, then retry"));
}
