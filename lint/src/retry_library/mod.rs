//! How retry libraries are called: backon's `op.retry(builder).when(..)` chains, the backoff
//! crate's `retry(policy, op)` functions and tokio-retry's `Retry::spawn(strategy, op)`.
//!
//! Which library a file uses is read from its text (`use backon`, `backoff::`, `tokio_retry`), so a
//! method merely called `retry` on a queue is not taken for one.

use syn::{Expr, ExprCall, ExprMethodCall};

pub(crate) mod backoff;

use crate::finding::Region;
use crate::retry_words::names_retrying;

/// The region of a method call from its name to its closing parenthesis (`.retry(policy)` in a
/// long chain), rather than the whole chain before it.
pub(crate) fn method_region(call: &ExprMethodCall) -> Region {
    let start = call.method.span();
    let end = call.paren_token.span.close();
    Region::from_span(start.join(end).unwrap_or(start))
}

/// The retry libraries a file mentions.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LibrariesUsed {
    /// `backon`: `op.retry(builder).when(cond)`.
    pub backon: bool,
    /// The `backoff` crate: `backoff::retry(policy, op)`, `backoff::Error::transient`.
    pub backoff: bool,
    /// `tokio-retry` (or `tokio-retry2`): `Retry::spawn(strategy, op)`, `RetryIf::spawn(.., cond)`.
    pub tokio_retry: bool,
    /// `tryhard`: `retry_fn(op).retries(n).custom_backoff(policy)`.
    pub tryhard: bool,
}

impl LibrariesUsed {
    /// The libraries `source` mentions by crate name.
    pub(crate) fn in_source(source: &str) -> LibrariesUsed {
        LibrariesUsed {
            backon: source.contains("backon"),
            backoff: source.contains("backoff::") || source.contains("backoff::{"),
            tokio_retry: source.contains("tokio_retry"),
            tryhard: source.contains("tryhard"),
        }
    }
}

/// One link of a method chain: `.name(args)`, or `.await`.
pub(crate) enum Link<'a> {
    /// A method call.
    Call(&'a ExprMethodCall),
    /// `.await`.
    Await,
}

/// A method chain from its outermost expression inwards: the links (outermost first) and the
/// expression the chain starts from.
pub(crate) fn chain(expr: &Expr) -> (Vec<Link<'_>>, &Expr) {
    let mut links = Vec::new();
    let mut current = expr;
    loop {
        match current {
            Expr::MethodCall(call) => {
                links.push(Link::Call(call));
                current = &call.receiver;
            }
            Expr::Await(await_expr) => {
                links.push(Link::Await);
                current = &await_expr.base;
            }
            Expr::Paren(paren) => current = &paren.expr,
            Expr::Try(try_expr) => current = &try_expr.expr,
            _ => return (links, current),
        }
    }
}

/// Whether a method chain is built by something named for retrying: its root (`retry(..)`,
/// `RetryPolicy::default()`, a `retryable` binding) or one of its calls (`op.retry(b)`,
/// `client.retry_config()`). A condition or a limit set on such a chain is the retry's.
pub(crate) fn built_for_retrying(expr: &Expr) -> bool {
    let (links, root) = chain(expr);
    let via_method = links
        .iter()
        .any(|link| matches!(link, Link::Call(call) if names_retrying(&call.method.to_string())));
    let via_root = match root {
        Expr::Call(call) => callee(call).is_some_and(|(before, last)| {
            names_retrying(&last) || before.is_some_and(|ty| names_retrying(&ty))
        }),
        Expr::Path(path) => path
            .path
            .segments
            .iter()
            .any(|seg| names_retrying(&seg.ident.to_string())),
        _ => false,
    };
    via_method || via_root
}

/// The method calls of a chain named `name`.
pub(crate) fn calls_named<'a>(links: &[Link<'a>], name: &str) -> Vec<&'a ExprMethodCall> {
    links
        .iter()
        .filter_map(|link| match link {
            Link::Call(call) if call.method == name => Some(*call),
            _ => None,
        })
        .collect()
}

/// The last path segment of a called function: `retry` for `backoff::future::retry(..)`, `spawn`
/// for `Retry::spawn(..)`, with the segment before it (`Retry`) when there is one.
pub(crate) fn callee(call: &ExprCall) -> Option<(Option<String>, String)> {
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    let mut segments = path.path.segments.iter().rev();
    let last = segments.next()?.ident.to_string();
    let before = segments.next().map(|seg| seg.ident.to_string());
    Some((before, last))
}

/// The body of a closure given to a retry function, looking through parentheses; `None` for
/// anything else (a function path, a variable).
pub(crate) fn closure_body(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Closure(closure) => Some(&closure.body),
        Expr::Paren(paren) => closure_body(&paren.expr),
        _ => None,
    }
}
