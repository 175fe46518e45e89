//! Every retry and every final failure is visible as a `tracing` event.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::num::NonZeroU32;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use triage::retry::{Backoff, FakeClock, Retry, RetryPolicy, SeededRandom};
use triage::{Classify, Verdict};

/// An event as its level and its fields, `name=value`.
type Recorded = (tracing::Level, Vec<String>);

/// Keeps every event.
#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<Recorded>>>,
}

struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push(format!("{}={:?}", field.name(), value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={}", field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.events
            .lock()
            .unwrap()
            .push((*event.metadata().level(), fields.0));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[derive(Debug)]
struct Busy;

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("server is busy")
    }
}

impl Classify for Busy {
    fn verdict(&self) -> Verdict {
        Verdict::Retryable
    }
}

#[test]
fn each_retry_and_the_final_outcome_emit_an_event() {
    let recorder = Recorder::default();
    let clock = FakeClock::new();
    let policy = RetryPolicy::attempts(NonZeroU32::new(3).unwrap())
        .with_clock(clock.clone())
        .with_random(SeededRandom::new(5))
        .with_backoff(Backoff::constant(Duration::from_millis(250)));
    tracing::subscriber::with_default(recorder.clone(), || {
        let _ = (|| Err::<(), _>(Busy)).retry(&policy).call();
    });
    let events = recorder.events.lock().unwrap();
    assert_eq!(events.len(), 3, "{events:?}");
    for (attempt, (level, fields)) in events[..2].iter().enumerate() {
        assert_eq!(*level, tracing::Level::INFO);
        assert!(
            fields.contains(&format!("attempt={}", attempt + 1)),
            "{fields:?}"
        );
        assert!(fields.contains(&"delay_ms=250.0".to_string()), "{fields:?}");
        assert!(
            fields.contains(&"error=server is busy".to_string()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"verdict=retryable".to_string()),
            "{fields:?}"
        );
    }
    let (level, fields) = &events[2];
    assert_eq!(*level, tracing::Level::WARN);
    for expected in [
        "attempts=3",
        "reason=exhausted",
        "verdict=retryable",
        "error=server is busy",
    ] {
        assert!(fields.contains(&expected.to_string()), "{fields:?}");
    }
}
