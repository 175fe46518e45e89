//! A change notifier that wakes the scheduler without ever blocking the one who notifies.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::time::Duration;

/// Creates a connected notifier and listener.
///
/// The channel between them holds one signal: notifying while a signal is already pending does
/// nothing, so any number of changes before the scheduler looks wake it once.
///
/// ```
/// use std::time::Duration;
/// use triage::task::change_notifier;
///
/// let (notifier, listener) = change_notifier();
/// notifier.notify();
/// notifier.notify();
/// assert!(listener.wait_timeout(Duration::ZERO));
/// // The two notifications coalesced into that one wake.
/// assert!(!listener.wait_timeout(Duration::from_millis(1)));
/// ```
#[must_use]
pub fn change_notifier() -> (ChangeNotifier, ChangeListener) {
    let (sender, receiver) = mpsc::sync_channel(1);
    (ChangeNotifier { sender }, ChangeListener { receiver })
}

/// The sending half: tells the scheduler that tasks changed. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ChangeNotifier {
    sender: SyncSender<()>,
}

impl ChangeNotifier {
    /// Signals a change. Never blocks: a signal already pending absorbs this one, and a listener
    /// that is gone is not an error (nobody is left to wake).
    pub fn notify(&self) {
        match self.sender.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

/// The receiving half, held by the scheduler.
#[derive(Debug)]
pub struct ChangeListener {
    receiver: Receiver<()>,
}

impl ChangeListener {
    /// Takes the pending signal, if there is one, without waiting.
    pub fn try_take(&self) -> bool {
        match self.receiver.try_recv() {
            Ok(()) => true,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => false,
        }
    }

    /// Waits up to `timeout` for a signal and takes it; `false` when none came, or when every
    /// notifier is gone.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        match self.receiver.recv_timeout(timeout) {
            Ok(()) => true,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
        }
    }
}
