//! The branches of a `select!` (tokio's, futures', or one imported unqualified): `pattern =
//! future [, if precondition] => handler`, after an optional `biased;`, with an optional
//! `else => handler`. syn leaves a macro's body as tokens, so code in the branches is invisible to
//! a walk of the tree; [`expand_selects`] rewrites a copy of a block so that each `select!` reads
//! as the `if let` chain it behaves like, one branch taken.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, Macro, Pat, Token};

/// Names of the macros read as a `select!`.
const SELECT_MACROS: &[&str] = &["select", "select_biased"];

/// One branch of a `select!`.
struct Branch {
    /// `None` for the `else` branch.
    pat: Option<Pat>,
    future: Option<Expr>,
    precondition: Option<Expr>,
    handler: Expr,
}

struct Branches(Vec<Branch>);

impl Parse for Branches {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "biased" {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
        }
        let mut branches = Vec::new();
        while !input.is_empty() {
            let (pat, future, precondition) = if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
                (None, None, None)
            } else {
                let pat = Pat::parse_multi_with_leading_vert(input)?;
                input.parse::<Token![=]>()?;
                let future = input.parse::<Expr>()?;
                let precondition = if input.peek(Token![,]) && input.peek2(Token![if]) {
                    input.parse::<Token![,]>()?;
                    input.parse::<Token![if]>()?;
                    Some(input.parse::<Expr>()?)
                } else {
                    None
                };
                (Some(pat), Some(future), precondition)
            };
            input.parse::<Token![=>]>()?;
            let handler = if input.peek(syn::token::Brace) {
                Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: input.parse()?,
                })
            } else {
                input.parse::<Expr>()?
            };
            if !input.is_empty() {
                // A block handler may omit the comma.
                if matches!(handler, Expr::Block(_)) {
                    let _ = input.parse::<Option<Token![,]>>()?;
                } else {
                    input.parse::<Token![,]>()?;
                }
            }
            branches.push(Branch {
                pat,
                future,
                precondition,
                handler,
            });
        }
        Ok(Branches(branches))
    }
}

/// Whether a macro is a `select!`, by the last segment of its path.
fn is_select(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|seg| SELECT_MACROS.iter().any(|name| seg.ident == name))
}

/// The tokens of each branch of a `select!` (its pattern, future, precondition and handler), or
/// `None` when the macro is no `select!` or its body does not parse as branches.
pub(crate) fn branch_tokens(mac: &Macro) -> Option<Vec<proc_macro2::TokenStream>> {
    use quote::ToTokens;
    if !is_select(mac) {
        return None;
    }
    let branches = mac.parse_body::<Branches>().ok()?.0;
    Some(
        branches
            .into_iter()
            .map(|branch| {
                let mut tokens = proc_macro2::TokenStream::new();
                if let Some(pat) = &branch.pat {
                    pat.to_tokens(&mut tokens);
                }
                branch.future.to_tokens(&mut tokens);
                branch.precondition.to_tokens(&mut tokens);
                branch.handler.to_tokens(&mut tokens);
                tokens
            })
            .collect(),
    )
}

/// The futures of a `select!`'s branches that hand on what they bind (`r = client.fetch() => r`):
/// what the macro yields when that branch is taken. Empty when the macro is no `select!` or its
/// body does not parse as branches.
pub(crate) fn yielded_futures(mac: &Macro) -> Vec<Expr> {
    if !is_select(mac) {
        return Vec::new();
    }
    let Ok(branches) = mac.parse_body::<Branches>() else {
        return Vec::new();
    };
    branches
        .0
        .into_iter()
        .filter_map(|branch| {
            let Some(Pat::Ident(bound)) = &branch.pat else {
                return None;
            };
            let hands_on = matches!(&branch.handler, Expr::Path(path)
                if path.path.is_ident(&bound.ident));
            hands_on.then_some(branch.future).flatten()
        })
        .collect()
}

/// The `if let` chain a `select!` behaves like: `if let pat = future && precondition { handler }
/// else if ..`, ending in the `else` branch when there is one. `None` when the body does not
/// parse as branches.
fn as_if_chain(mac: &Macro) -> Option<Expr> {
    let branches = mac.parse_body::<Branches>().ok()?.0;
    let span = mac
        .path
        .segments
        .last()
        .map_or_else(Span::call_site, |seg| seg.ident.span());
    let mut chain: Option<Expr> = None;
    for branch in branches.into_iter().rev() {
        let then_branch = match branch.handler {
            Expr::Block(block) if block.label.is_none() => block.block,
            other => Block {
                brace_token: syn::token::Brace(span),
                stmts: vec![syn::Stmt::Expr(other, None)],
            },
        };
        let (Some(pat), Some(future)) = (branch.pat, branch.future) else {
            // The `else` branch runs when no other can.
            chain = Some(Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: then_branch,
            }));
            continue;
        };
        let mut cond = Expr::Let(syn::ExprLet {
            attrs: Vec::new(),
            let_token: Token![let](span),
            pat: Box::new(pat),
            eq_token: Token![=](span),
            expr: Box::new(future),
        });
        if let Some(precondition) = branch.precondition {
            cond = Expr::Binary(syn::ExprBinary {
                attrs: Vec::new(),
                left: Box::new(cond),
                op: syn::BinOp::And(Token![&&](span)),
                right: Box::new(precondition),
            });
        }
        chain = Some(Expr::If(syn::ExprIf {
            attrs: Vec::new(),
            if_token: Token![if](span),
            cond: Box::new(cond),
            then_branch,
            else_branch: chain.map(|rest| (Token![else](span), Box::new(rest))),
        }));
    }
    chain
}

/// Whether a block holds a `select!` anywhere (closures and items included).
fn holds_select(block: &Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_macro(&mut self, node: &'ast Macro) {
            if is_select(node) {
                self.0 = true;
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_block(block);
    finder.0
}

/// A copy of `block` in which every `select!` whose body parses is its `if let` chain (see
/// [`as_if_chain`]); `None` when the block holds none, so that most blocks are never copied.
pub(crate) fn expand_selects(block: &Block) -> Option<Block> {
    if !holds_select(block) {
        return None;
    }
    struct Expander;
    impl VisitMut for Expander {
        fn visit_expr_mut(&mut self, node: &mut Expr) {
            if let Expr::Macro(mac) = node {
                if is_select(&mac.mac) {
                    if let Some(chain) = as_if_chain(&mac.mac) {
                        *node = chain;
                    }
                }
            }
            syn::visit_mut::visit_expr_mut(self, node);
        }

        fn visit_stmt_mut(&mut self, node: &mut syn::Stmt) {
            if let syn::Stmt::Macro(mac) = node {
                if is_select(&mac.mac) {
                    if let Some(chain) = as_if_chain(&mac.mac) {
                        *node = syn::Stmt::Expr(chain, mac.semi_token);
                    }
                }
            }
            syn::visit_mut::visit_stmt_mut(self, node);
        }
    }
    let mut copy = block.clone();
    Expander.visit_block_mut(&mut copy);
    Some(copy)
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    fn expand(source: &str) -> String {
        let block: Block = syn::parse_str(source).unwrap();
        expand_selects(&block)
            .map(|b| b.into_token_stream().to_string())
            .unwrap_or_default()
    }

    #[test]
    fn yielded_futures_are_those_of_branches_handing_on_their_binding() {
        let mac: Macro = syn::parse_str(
            "tokio::select! {
                _ = token.cancelled() => return,
                changed = state.changed() => { if changed.is_err() { return } continue }
                r = client.poll_commands(req) => r,
                other = client.ack() => other.map(drop),
            }",
        )
        .unwrap();
        let found: Vec<String> = yielded_futures(&mac)
            .iter()
            .map(|f| f.to_token_stream().to_string())
            .collect();
        assert_eq!(found, ["client . poll_commands (req)"]);
    }

    #[test]
    fn branches_become_an_if_let_chain() {
        let text = expand(
            "{ select! { biased; _ = &mut stop => break, r = work() => { match r { Ok(()) => {} Err(_) => wait().await } } } }",
        );
        assert!(text.contains("if let _ = & mut stop { break }"), "{text}");
        assert!(text.contains("else if let r = work ()"), "{text}");
        assert!(!text.contains("select"), "{text}");
    }

    #[test]
    fn preconditions_and_else_are_kept() {
        let text =
            expand("{ let v = tokio::select! { x = rx.recv(), if open => x, else => None }; }");
        assert!(
            text.contains("if let x = rx . recv () && open { x } else { None }"),
            "{text}"
        );
    }

    #[test]
    fn other_macros_and_unparsable_bodies_are_left_alone() {
        assert_eq!(expand("{ println!(\"{}\", 1); }"), "");
        let text = expand("{ select! { this is not a select } }");
        assert!(text.contains("select !"), "{text}");
    }
}
