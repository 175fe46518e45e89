// Raw identifiers as type, variant and field names.
#![allow(non_camel_case_types)]

use triage::Classify;

#[derive(Debug, Classify)]
enum r#match {
    #[retryable]
    r#loop,
    #[delegate]
    r#type { r#ref: std::io::Error, #[source] r#dyn: std::io::Error },
    #[terminal]
    r#async(u8),
}

#[derive(Debug, Classify)]
#[delegate]
struct r#struct {
    r#fn: r#match,
}

fn main() {
    assert!(r#match::r#loop.is_retryable());
    let typed = r#match::r#type {
        r#ref: std::io::ErrorKind::TimedOut.into(),
        r#dyn: std::io::ErrorKind::NotFound.into(),
    };
    if let r#match::r#type { r#ref, .. } = &typed {
        assert!(r#ref.is_retryable());
    }
    assert!(typed.is_terminal());
    assert!(r#match::r#async(1).is_terminal());
    assert!(r#struct { r#fn: r#match::r#loop }.is_retryable());
}
