//! Verdicts of `redis::RedisError` (feature `redis`), by its [`kind`](redis::RedisError::kind),
//! its connection accessors, and the server's error code as Redis defines it.
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `is_timeout()`, `is_connection_refusal()`, `is_connection_dropped()` | retryable | the server was slow, restarting or dropped the connection; a new connection can serve the command |
//! | any other I/O error | as the `std::io::Error` table, by the error's source | the I/O kind says whether it was transient |
//! | `TRYAGAIN` | retryable | a multi-key command met a slot being resharded; Redis asks to try again later |
//! | `LOADING` (`BusyLoading`) | retryable | the server is loading its dataset after a restart |
//! | `CLUSTERDOWN`, `MASTERDOWN` | retryable | the cluster or the replica's master is down, typically during a failover |
//! | `MOVED`, `ASK` | terminal | the cluster client follows redirects itself; one that reaches the application came through a connection that cannot, and the same command on it gets the same redirect |
//! | `ERR`, `EXECABORT`, `NOSCRIPT`, `CROSSSLOT`, `NOTBUSY`, `NOSUB`, `NOPERM`, `READONLY` | terminal | a wrong command, an aborted transaction, a missing script, keys in different slots, no permission, a write to a replica: the same command gets the same answer |
//! | an unknown server code (`Extension`) | terminal | unknown is never retryable |
//! | sentinel: master name not found, no valid replica | retryable | a failover is under way; the sentinels name the new master soon |
//! | `ClusterConnectionNotFound` | retryable | the client reconnects from its initial nodes and finds one |
//! | `AuthenticationFailed` | terminal | wrong credentials stay wrong (the crate itself says reconnect; a new connection meets the same password) |
//! | `Parse` | terminal | conservative: the reply could not be parsed; the crate drops the connection, but a server sending a reply this client cannot read will send it again |
//! | `Client`, `InvalidClientConfig`, `UnexpectedReturnType`, `EmptySentinelList`, `RESP3NotSupported`, `Serialize`, and any kind added later | terminal | the application's or the configuration's mistake, or unknown |
//!
//! ```
//! use triage::{Classify, Verdict};
//!
//! let reply = redis::parse_redis_value(b"-LOADING Redis is loading the dataset in memory\r\n");
//! let err = reply.and_then(|value| value.extract_error()).unwrap_err();
//! assert_eq!(err.verdict(), Verdict::Retryable);
//! ```

use redis::{ErrorKind, ServerErrorKind};

use super::chain_verdict;
use crate::{Classify, Verdict};

impl Classify for redis::RedisError {
    fn verdict(&self) -> Verdict {
        if self.is_timeout() || self.is_connection_refusal() || self.is_connection_dropped() {
            return Verdict::Retryable;
        }
        match self.kind() {
            ErrorKind::Io => chain_verdict(std::error::Error::source(self)),
            ErrorKind::Server(code) => server_code_verdict(code),
            ErrorKind::MasterNameNotFoundBySentinel
            | ErrorKind::NoValidReplicasFoundBySentinel
            | ErrorKind::ClusterConnectionNotFound => Verdict::Retryable,
            _ => Verdict::Terminal,
        }
    }
}

/// The verdict of a Redis server error code, as tabled in [this module](self).
#[must_use]
pub fn server_code_verdict(code: ServerErrorKind) -> Verdict {
    match code {
        ServerErrorKind::TryAgain
        | ServerErrorKind::BusyLoading
        | ServerErrorKind::ClusterDown
        | ServerErrorKind::MasterDown => Verdict::Retryable,
        _ => Verdict::Terminal,
    }
}

crate::register!(redis::RedisError);

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(reply: &[u8]) -> redis::RedisError {
        redis::parse_redis_value(reply)
            .and_then(|value| value.extract_error())
            .unwrap_err()
    }

    #[test]
    fn server_codes() {
        for reply in [
            &b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n"[..],
            b"-LOADING Redis is loading the dataset in memory\r\n",
            b"-CLUSTERDOWN The cluster is down\r\n",
            b"-MASTERDOWN Link with MASTER is down\r\n",
        ] {
            assert_eq!(server_error(reply).verdict(), Verdict::Retryable);
        }
        for reply in [
            &b"-ERR unknown command 'FLUSH'\r\n"[..],
            b"-MOVED 3999 127.0.0.1:6381\r\n",
            b"-NOSCRIPT No matching script\r\n",
            b"-READONLY You can't write against a read only replica.\r\n",
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ] {
            assert_eq!(server_error(reply).verdict(), Verdict::Terminal);
        }
    }

    #[test]
    fn a_refused_connection_is_retryable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
        let Err(err) = client.get_connection() else {
            panic!("connected to a closed port");
        };
        assert!(err.is_connection_refusal(), "{err:?}");
        assert_eq!(err.verdict(), Verdict::Retryable);
    }

    #[test]
    fn a_malformed_url_is_terminal() {
        let err = redis::Client::open("redis://127.0.0.1:notaport/").unwrap_err();
        assert_eq!(err.verdict(), Verdict::Terminal);
    }
}
