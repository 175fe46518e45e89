//! The change notifier: never blocks the sender, coalesces pending signals, wakes a waiter.

use std::thread;
use std::time::Duration;

use triage::task::change_notifier;

#[test]
fn two_notifies_before_a_wait_yield_one_wake() {
    let (notifier, listener) = change_notifier();
    notifier.notify();
    notifier.notify();
    assert!(listener.try_take());
    assert!(!listener.try_take());
    assert!(!listener.wait_timeout(Duration::from_millis(5)));
}

#[test]
fn notify_never_blocks_even_when_nobody_listens() {
    let (notifier, listener) = change_notifier();
    // A blocking send would hang here on the second call: the slot holds one signal.
    for _ in 0..10_000 {
        notifier.notify();
    }
    assert!(listener.try_take());
    assert!(!listener.try_take());
    drop(listener);
    notifier.notify();
}

#[test]
fn a_waiting_listener_is_woken_by_a_notifier_on_another_thread() {
    let (notifier, listener) = change_notifier();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        notifier.clone().notify();
    });
    assert!(listener.wait_timeout(Duration::from_secs(10)));
    sender.join().unwrap();
    // Every notifier is gone: waiting returns instead of hanging.
    assert!(!listener.wait_timeout(Duration::from_secs(10)));
}

#[test]
fn a_signal_after_a_take_wakes_again() {
    let (notifier, listener) = change_notifier();
    notifier.notify();
    assert!(listener.try_take());
    notifier.notify();
    assert!(listener.try_take());
}
