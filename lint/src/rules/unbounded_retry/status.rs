//! Retries on an answer that says "failed": a loop that pauses and goes round when a response
//! carries an error status (429 too many requests, 503 unavailable, any server error) retries as
//! surely as one that goes round on `Err`.

use syn::{BinOp, Expr, Lit};

use crate::syntax::names::names_in;

/// HTTP statuses that mean "the request failed, try later": throttled, unavailable, gateway
/// failures.
const ERROR_STATUS_CODES: &[u16] = &[429, 500, 502, 503, 504];

/// Status names (any case, without underscores) that mean the same.
const ERROR_STATUS_NAMES: &[&str] = &[
    "toomanyrequests",
    "serviceunavailable",
    "internalservererror",
    "badgateway",
    "gatewaytimeout",
];

/// Whether a condition asks whether a response failed with an error status:
/// `resp.status() == StatusCode::TOO_MANY_REQUESTS`, `status_code == 503`,
/// `resp.status().is_server_error()`, and `||`/`&&` chains of those.
pub(super) fn checks_error_status(cond: &Expr) -> bool {
    match cond {
        Expr::Paren(paren) => checks_error_status(&paren.expr),
        Expr::Binary(binary) => match binary.op {
            BinOp::Or(_) | BinOp::And(_) => {
                checks_error_status(&binary.left) || checks_error_status(&binary.right)
            }
            BinOp::Eq(_) => {
                (names_error_status(&binary.left) && reads_a_status(&binary.right))
                    || (names_error_status(&binary.right) && reads_a_status(&binary.left))
            }
            _ => false,
        },
        Expr::MethodCall(call) => call.method == "is_server_error" && call.args.is_empty(),
        _ => false,
    }
}

/// `StatusCode::TOO_MANY_REQUESTS`, `Status::ServiceUnavailable`, `429`.
fn names_error_status(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(int) => int
                .base10_parse::<u16>()
                .is_ok_and(|code| ERROR_STATUS_CODES.contains(&code)),
            _ => false,
        },
        Expr::Path(path) => path.path.segments.last().is_some_and(|seg| {
            let name = seg.ident.to_string().replace('_', "").to_ascii_lowercase();
            ERROR_STATUS_NAMES.contains(&name.as_str())
        }),
        Expr::Paren(paren) => names_error_status(&paren.expr),
        _ => false,
    }
}

/// Whether the other side of the comparison reads a status (`resp.status()`, `status_code`,
/// `response.code`): a bare `count == 500` compares something else.
fn reads_a_status(expr: &Expr) -> bool {
    names_in(expr).iter().any(|name| {
        let name = name.to_ascii_lowercase();
        name.contains("status") || name == "code" || name.ends_with("_code")
    })
}

#[cfg(test)]
mod tests {
    use super::checks_error_status;

    fn check(source: &str) -> bool {
        checks_error_status(&syn::parse_str(source).unwrap())
    }

    #[test]
    fn throttled_and_unavailable_statuses_are_errors() {
        assert!(check(
            "response.status_code() == StatusCode::TOO_MANY_REQUESTS"
        ));
        assert!(check("503 == resp.status().as_u16()"));
        assert!(check("resp.status().is_server_error()"));
        assert!(check("ok && (status == Status::ServiceUnavailable)"));
    }

    #[test]
    fn normal_statuses_and_other_numbers_are_not() {
        assert!(!check("response.status() == StatusCode::ACCEPTED"));
        assert!(!check("processed == 500"));
        assert!(!check("status != StatusCode::TOO_MANY_REQUESTS"));
    }
}
