//! How long to wait between attempts.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::random::{unit_interval, RandomSource};
use super::PolicyError;

/// A factory of delay sequences, called once per run.
type DelaySequence = Arc<dyn Fn() -> Box<dyn Iterator<Item = Duration> + Send> + Send + Sync>;

/// The delays between attempts.
///
/// The default is exponential with full jitter: 100 ms initial delay, multiplier 2, cap 10 s.
/// Each setting is checked where it is given: a setter that can be given a bad value returns a
/// `Result`, so a backoff that exists is a valid one.
///
/// ```
/// use std::time::Duration;
/// use triage::retry::{Backoff, Jitter, PolicyError};
///
/// let backoff = Backoff::exponential(Duration::from_millis(50))
///     .with_multiplier(3.0)?
///     .with_cap(Duration::from_secs(2))?
///     .with_jitter(Jitter::Equal);
/// let constant = Backoff::constant(Duration::from_millis(10));
/// let custom = Backoff::custom(|| [1, 5, 25].map(Duration::from_millis).into_iter());
/// # let _ = (backoff, constant, custom);
///
/// let shrinking = Backoff::exponential(Duration::from_millis(50)).with_multiplier(0.5);
/// assert!(matches!(shrinking, Err(PolicyError::InvalidBackoff { .. })));
/// # Ok::<(), PolicyError>(())
/// ```
#[derive(Clone)]
pub struct Backoff {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Exponential {
        initial: Duration,
        multiplier: f64,
        cap: Duration,
        jitter: Jitter,
    },
    Constant(Duration),
    Custom(DelaySequence),
}

/// How randomness spreads an exponential delay `d`, so that callers that failed together do not
/// retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// Uniform in `[0, d]`: the widest spread, the default.
    #[default]
    Full,
    /// `d / 2` plus uniform in `[0, d / 2]`: never shorter than half the delay.
    Equal,
    /// Exactly `d`.
    None,
}

impl Backoff {
    /// Exponential backoff from `initial`: the delay before retry `n` is
    /// `min(cap, initial × multiplierⁿ⁻¹)`, jittered. Multiplier 2, full jitter, and a cap of
    /// 10 s (or `initial`, if longer) unless changed.
    #[must_use]
    pub fn exponential(initial: Duration) -> Self {
        Backoff {
            kind: Kind::Exponential {
                initial,
                multiplier: 2.0,
                cap: initial.max(Duration::from_secs(10)),
                jitter: Jitter::Full,
            },
        }
    }

    /// The same delay before every retry, without jitter.
    #[must_use]
    pub fn constant(delay: Duration) -> Self {
        Backoff {
            kind: Kind::Constant(delay),
        }
    }

    /// The delays `sequence()` yields, a new sequence for each run. A sequence that ends stops
    /// the run with [`StopReason::Exhausted`](super::StopReason::Exhausted).
    #[must_use]
    pub fn custom<I, F>(sequence: F) -> Self
    where
        F: Fn() -> I + Send + Sync + 'static,
        I: Iterator<Item = Duration> + Send + 'static,
    {
        Backoff {
            kind: Kind::Custom(Arc::new(move || Box::new(sequence()))),
        }
    }

    /// Sets the growth factor of an exponential backoff. No effect on other kinds.
    ///
    /// # Errors
    ///
    /// [`PolicyError::InvalidBackoff`] when `factor` is below 1 or not finite.
    pub fn with_multiplier(mut self, factor: f64) -> Result<Self, PolicyError> {
        if !factor.is_finite() || factor < 1.0 {
            return Err(PolicyError::InvalidBackoff {
                reason: format!("the multiplier must be finite and at least 1, got {factor}"),
            });
        }
        if let Kind::Exponential { multiplier, .. } = &mut self.kind {
            *multiplier = factor;
        }
        Ok(self)
    }

    /// Sets the longest delay of an exponential backoff. No effect on other kinds.
    ///
    /// # Errors
    ///
    /// [`PolicyError::InvalidBackoff`] when `longest` is shorter than the initial delay.
    pub fn with_cap(mut self, longest: Duration) -> Result<Self, PolicyError> {
        if let Kind::Exponential { initial, cap, .. } = &mut self.kind {
            if longest < *initial {
                return Err(PolicyError::InvalidBackoff {
                    reason: format!(
                        "the cap ({longest:?}) must not be shorter than the initial delay ({initial:?})"
                    ),
                });
            }
            *cap = longest;
        }
        Ok(self)
    }

    /// Sets the jitter of an exponential backoff. No effect on other kinds.
    #[must_use]
    pub fn with_jitter(mut self, spread: Jitter) -> Self {
        if let Kind::Exponential { jitter, .. } = &mut self.kind {
            *jitter = spread;
        }
        self
    }

    pub(crate) fn start(&self) -> Delays<'_> {
        Delays {
            backoff: self,
            sequence: match &self.kind {
                Kind::Custom(sequence) => Some(sequence()),
                Kind::Exponential { .. } | Kind::Constant(_) => None,
            },
            retries: 0,
        }
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::exponential(Duration::from_millis(100))
    }
}

impl fmt::Debug for Backoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Exponential {
                initial,
                multiplier,
                cap,
                jitter,
            } => f
                .debug_struct("Exponential")
                .field("initial", initial)
                .field("multiplier", multiplier)
                .field("cap", cap)
                .field("jitter", jitter)
                .finish(),
            Kind::Constant(delay) => f.debug_tuple("Constant").field(delay).finish(),
            Kind::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// The delays of one run.
pub(crate) struct Delays<'a> {
    backoff: &'a Backoff,
    sequence: Option<Box<dyn Iterator<Item = Duration> + Send>>,
    retries: u32,
}

impl Delays<'_> {
    /// The delay before the next retry, `None` when a custom sequence has ended.
    pub(crate) fn next_delay(&mut self, random: &dyn RandomSource) -> Option<Duration> {
        self.retries = self.retries.saturating_add(1);
        match &self.backoff.kind {
            Kind::Exponential {
                initial,
                multiplier,
                cap,
                jitter,
            } => {
                // A zero initial delay stays zero: past 1024 retries the factor is infinite, and
                // zero times infinity (NaN) would otherwise read as "past the cap".
                let base = if initial.is_zero() {
                    Duration::ZERO
                } else {
                    let exponent = i32::try_from(self.retries - 1).unwrap_or(i32::MAX);
                    let grown = initial.as_secs_f64() * multiplier.powi(exponent);
                    // Past the cap (or past what a Duration holds) the cap applies.
                    Duration::try_from_secs_f64(grown).map_or(*cap, |grown| grown.min(*cap))
                };
                Some(match jitter {
                    Jitter::Full => scale(base, unit_interval(random.next_u64())),
                    Jitter::Equal => {
                        let half = base / 2;
                        half + scale(base - half, unit_interval(random.next_u64()))
                    }
                    Jitter::None => base,
                })
            }
            Kind::Constant(delay) => Some(*delay),
            Kind::Custom(_) => self.sequence.as_mut().and_then(Iterator::next),
        }
    }
}

/// `delay × factor` for a factor in `[0, 1]`, never more than `delay`. Unlike `mul_f64` it cannot
/// panic: the round trip through `f64` may round a delay near `Duration::MAX` up past it.
fn scale(delay: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(delay.as_secs_f64() * factor)
        .map_or(delay, |scaled| scaled.min(delay))
}
