//! A downstream crate's error enum that wraps the foreign errors triage has verdict tables for:
//! `#[delegate]` takes each one, and the verdicts come from the tables, checked on real values.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use triage::{Classify, Verdict};

/// Stands in for a generated `aws-sdk-*` operation error (`GetObjectError`, ...): the SDK's
/// `SdkError` is generic over it.
#[derive(Debug)]
struct OperationError;

impl std::fmt::Display for OperationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("operation failed")
    }
}

impl std::error::Error for OperationError {}

impl aws_smithy_types::retry::ProvideErrorKind for OperationError {
    fn retryable_error_kind(&self) -> Option<aws_smithy_types::retry::ErrorKind> {
        None
    }

    fn code(&self) -> Option<&str> {
        Some("ThrottlingException")
    }
}

// Each variant wraps one foreign type; the test reads only the verdicts.
#[allow(dead_code)]
#[derive(Debug, Classify)]
enum AppError {
    #[delegate]
    ParseInt(std::num::ParseIntError),
    #[delegate]
    Utf8(std::string::FromUtf8Error),
    #[delegate]
    Addr(std::net::AddrParseError),
    #[delegate]
    Fmt(std::fmt::Error),
    #[delegate]
    IntRange(std::num::TryFromIntError),
    #[delegate]
    Channel(std::sync::mpsc::TryRecvError),
    #[delegate]
    Json(serde_json::Error),
    #[delegate]
    Http(reqwest::Error),
    #[delegate]
    Hyper(hyper::Error),
    #[delegate]
    Rpc(tonic::Status),
    #[delegate]
    RpcTransport(tonic::transport::Error),
    #[delegate]
    Timeout(tokio::time::error::Elapsed),
    #[delegate]
    Join(tokio::task::JoinError),
    #[delegate]
    Postgres(tokio_postgres::Error),
    #[delegate]
    Sqlx(sqlx_core::error::Error),
    #[delegate]
    Sqlite(rusqlite::Error),
    #[delegate]
    Protobuf(prost::DecodeError),
    #[delegate]
    Redis(redis::RedisError),
    #[delegate]
    Storage(opendal_core::Error),
    #[delegate]
    Arrow(arrow_schema::ArrowError),
    #[delegate]
    Parquet(parquet::errors::ParquetError),
    #[delegate]
    Aws(SdkError<OperationError, HttpResponse>),
}

fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn std_errors() {
    let not_a_number = "x1".parse::<u64>().unwrap_err();
    assert_eq!(
        AppError::ParseInt(not_a_number).verdict(),
        Verdict::Terminal
    );
    let not_utf8 = String::from_utf8(vec![0xc0, 0x80]).unwrap_err();
    assert_eq!(AppError::Utf8(not_utf8).verdict(), Verdict::Terminal);
    let not_an_address = "10.0.0.300".parse::<std::net::Ipv4Addr>().unwrap_err();
    assert_eq!(AppError::Addr(not_an_address).verdict(), Verdict::Terminal);
    assert_eq!(AppError::Fmt(std::fmt::Error).verdict(), Verdict::Terminal);
    let too_big = i8::try_from(1_000_i64).unwrap_err();
    assert_eq!(AppError::IntRange(too_big).verdict(), Verdict::Terminal);

    let (tx, rx) = std::sync::mpsc::channel::<()>();
    assert_eq!(
        AppError::Channel(rx.try_recv().unwrap_err()).verdict(),
        Verdict::Retryable
    );
    drop(tx);
    assert_eq!(
        AppError::Channel(rx.try_recv().unwrap_err()).verdict(),
        Verdict::Terminal
    );
}

#[test]
fn json() {
    let syntax = serde_json::from_str::<serde_json::Value>("{\"id\": 1,}").unwrap_err();
    assert_eq!(AppError::Json(syntax).verdict(), Verdict::Terminal);
}

#[test]
fn http_and_grpc() {
    let rt = runtime();
    let refused = rt
        .block_on(reqwest::get(format!("http://{}/", closed_port())))
        .unwrap_err();
    assert_eq!(AppError::Http(refused).verdict(), Verdict::Retryable);

    // A listener that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let timed_out = rt
        .block_on(async {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_millis(200))
                .build()?;
            client.get(format!("http://{addr}/")).send().await
        })
        .unwrap_err();
    assert!(timed_out.is_timeout());
    assert_eq!(AppError::Http(timed_out).verdict(), Verdict::Retryable);
    drop(silent);

    let unavailable = tonic::Status::unavailable("draining");
    assert_eq!(AppError::Rpc(unavailable).verdict(), Verdict::Retryable);
    let mut refused = tonic::Status::unavailable("overloaded");
    refused
        .metadata_mut()
        .insert("grpc-retry-pushback-ms", "-1".parse().unwrap());
    assert_eq!(AppError::Rpc(refused).verdict(), Verdict::Terminal);
    let mut throttled = tonic::Status::resource_exhausted("quota");
    throttled
        .metadata_mut()
        .insert("grpc-retry-pushback-ms", "40".parse().unwrap());
    let throttled = AppError::Rpc(throttled);
    assert_eq!(throttled.verdict(), Verdict::Retryable);
    assert_eq!(throttled.retry_after(), Some(Duration::from_millis(40)));
    assert_eq!(
        AppError::Rpc(tonic::Status::internal("bug")).verdict(),
        Verdict::Terminal
    );

    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{}", closed_port()));
    let transport = rt.block_on(endpoint.unwrap().connect()).unwrap_err();
    assert_eq!(
        AppError::RpcTransport(transport).verdict(),
        Verdict::Retryable
    );
}

#[test]
fn tokio_errors() {
    let rt = runtime();
    let elapsed = rt
        .block_on(async {
            tokio::time::timeout(Duration::from_millis(1), std::future::pending::<()>()).await
        })
        .unwrap_err();
    assert_eq!(AppError::Timeout(elapsed).verdict(), Verdict::Retryable);
    let aborted = rt.block_on(async {
        let task = tokio::spawn(std::future::pending::<()>());
        task.abort();
        task.await.unwrap_err()
    });
    assert_eq!(AppError::Join(aborted).verdict(), Verdict::Terminal);
}

#[test]
fn databases() {
    let refused = runtime()
        .block_on(tokio_postgres::connect(
            &format!("host=127.0.0.1 port={} user=nobody", closed_port().port()),
            tokio_postgres::NoTls,
        ))
        .map(drop)
        .unwrap_err();
    assert_eq!(AppError::Postgres(refused).verdict(), Verdict::Retryable);

    let pool = sqlx_core::error::Error::PoolTimedOut;
    assert_eq!(AppError::Sqlx(pool).verdict(), Verdict::Retryable);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sqlite");
    let mut writer = rusqlite::Connection::open(&path).unwrap();
    writer
        .execute_batch("CREATE TABLE jobs (id INTEGER)")
        .unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.busy_timeout(Duration::ZERO).unwrap();
    let held = writer
        .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
        .unwrap();
    let busy = other
        .execute("INSERT INTO jobs VALUES (1)", [])
        .unwrap_err();
    assert_eq!(AppError::Sqlite(busy).verdict(), Verdict::Retryable);
    held.rollback().unwrap();
    let missing = other
        .execute("INSERT INTO nothing VALUES (1)", [])
        .unwrap_err();
    assert_eq!(AppError::Sqlite(missing).verdict(), Verdict::Terminal);

    let client = redis::Client::open(format!("redis://{}/", closed_port())).unwrap();
    let Err(refused) = client.get_connection() else {
        panic!("connected to a closed port");
    };
    assert_eq!(AppError::Redis(refused).verdict(), Verdict::Retryable);
    let loading = redis::parse_redis_value(b"-LOADING loading the dataset\r\n")
        .and_then(|reply| reply.extract_error())
        .unwrap_err();
    assert_eq!(AppError::Redis(loading).verdict(), Verdict::Retryable);
}

#[test]
fn data_formats_and_storage() {
    use prost::Message;

    let truncated = u32::decode(&[0x08][..]).unwrap_err();
    assert_eq!(AppError::Protobuf(truncated).verdict(), Verdict::Terminal);

    let schema = arrow_schema::Schema::empty();
    let missing = schema.field_with_name("id").unwrap_err();
    assert_eq!(AppError::Arrow(missing).verdict(), Verdict::Terminal);

    let mut file = tempfile::tempfile().unwrap();
    file.write_all(b"PAR1 but not really").unwrap();
    let Err(not_parquet) = parquet::file::reader::SerializedFileReader::new(file) else {
        panic!("read text as parquet");
    };
    assert_eq!(AppError::Parquet(not_parquet).verdict(), Verdict::Terminal);
    let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    let external = parquet::errors::ParquetError::External(Box::new(reset));
    assert_eq!(AppError::Parquet(external).verdict(), Verdict::Retryable);

    let throttled = opendal_core::Error::new(opendal_core::ErrorKind::RateLimited, "429");
    assert_eq!(AppError::Storage(throttled).verdict(), Verdict::Retryable);
    let missing = opendal_core::Error::new(opendal_core::ErrorKind::NotFound, "no object");
    assert_eq!(AppError::Storage(missing).verdict(), Verdict::Terminal);
}

#[test]
fn aws_sdk_errors() {
    let status = aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap();
    let mut raw = HttpResponse::new(status, aws_smithy_types::body::SdkBody::empty());
    raw.headers_mut().insert("retry-after", "2");
    let throttled = AppError::Aws(SdkError::service_error(OperationError, raw));
    assert_eq!(throttled.verdict(), Verdict::Retryable);
    assert_eq!(throttled.retry_after(), Some(Duration::from_secs(2)));

    let refused = std::net::TcpStream::connect(closed_port()).unwrap_err();
    let dispatch = SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)));
    assert_eq!(AppError::Aws(dispatch).verdict(), Verdict::Retryable);
    let construction = SdkError::construction_failure("missing bucket name");
    assert_eq!(AppError::Aws(construction).verdict(), Verdict::Terminal);
}
