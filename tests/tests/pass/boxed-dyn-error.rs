// `#[delegate]` on type-erased errors: `Box<dyn Error>` in its three forms, `Arc<dyn Error>`,
// `&dyn Error`, `anyhow::Error` and `eyre::Report`.
use std::error::Error;
use std::sync::Arc;

use triage::Classify;

#[derive(Debug, thiserror::Error, Classify)]
pub enum PluginError {
    #[error("plugin failed")]
    #[delegate]
    Boxed(#[from] Box<dyn Error + Send + Sync>),
    #[error("plugin failed")]
    #[delegate]
    Local(Box<dyn Error>),
    #[error("plugin failed")]
    #[delegate]
    SendOnly(Box<dyn Error + Send>),
    #[error("plugin failed")]
    #[delegate]
    Shared(Arc<dyn Error + Send + Sync>),
    #[error("plugin failed")]
    #[delegate]
    Anyhow(anyhow::Error),
    #[error("plugin failed")]
    #[delegate]
    Eyre(eyre::Report),
}

#[derive(Debug, Classify)]
#[delegate]
pub struct Borrowed<'a>(&'a (dyn Error + 'static));

fn main() {
    let unknown: Box<dyn Error + Send + Sync> = "no such plugin".into();
    assert!(PluginError::from(unknown).is_terminal());
    let io = std::io::Error::from(std::io::ErrorKind::TimedOut);
    assert!(Borrowed(&io).is_retryable());
}
