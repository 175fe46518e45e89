// Types written by a `macro_rules!` macro derive like hand-written ones.
use triage::Classify;

macro_rules! error_enum {
    ($name:ident { $($variant:ident($inner:ty) => $verdict:ident,)* }) => {
        #[derive(Debug, Classify)]
        enum $name {
            $(#[$verdict] $variant($inner),)*
        }
    };
}

error_enum!(RpcError {
    Io(std::io::Error) => delegate,
    Status(u16) => terminal,
    Overloaded(u32) => retryable,
});

fn main() {
    assert!(RpcError::Io(std::io::ErrorKind::TimedOut.into()).is_retryable());
    assert!(RpcError::Status(404).is_terminal());
    assert!(RpcError::Overloaded(1).is_retryable());
}
