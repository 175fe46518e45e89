//! Reading a hand-written classifier: which enum it matches on, and what each arm answers, as
//! owned data so that files need not stay parsed.

use syn::visit::Visit;
use syn::{Expr, FnArg, Pat, Stmt, Type};

use crate::classifier::{constant_answer, Answer, Classifier, ClassifierBody};
use crate::codegen::variants::{variant_cases, VariantCase};
use crate::finding::Region;
use crate::retry_words::Polarity;

/// Why a classifier is left as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The body is not one `match` (or `matches!`) on the inspected error.
    NotASingleMatch,
    /// The match is on something other than a variant of an enum (a field, a method's result).
    NotOverAnEnum,
    /// An arm has a guard (`if ..`), which reads data the variant alone does not decide.
    Guard,
    /// An arm reads the error's message text.
    MessageText,
    /// An arm matches only some values of a variant (`Busy(0, _)`).
    PartialPattern,
    /// An arm computes its answer from several fields, or from data besides the bound field.
    SeveralFields,
    /// A catch-all arm computes its answer instead of giving a constant.
    ComputedCatchAll,
    /// The enum is not defined in the tree (or defined more than once).
    EnumDefinedElsewhere,
    /// The enum is generic or has conditionally compiled variants.
    GenericOrConditionalEnum,
    /// The enum already implements or derives `Classify`.
    AlreadyClassified,
    /// Another classifier of the same enum gives other answers.
    ConflictingClassifier,
    /// An arm computes its answer in another file than the enum's, whose imports may differ.
    ComputedInAnotherFile,
}

impl Reason {
    /// What the report says.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::NotASingleMatch => "the body is not one `match` or `matches!` on the error",
            Reason::NotOverAnEnum => "it matches on something other than the enum's variants",
            Reason::Guard => "an arm has a guard that reads data",
            Reason::MessageText => "an arm reads the error's message text",
            Reason::PartialPattern => "an arm matches only some values of a variant",
            Reason::SeveralFields => "an arm computes from several fields or from other data",
            Reason::ComputedCatchAll => "a catch-all arm computes its answer",
            Reason::EnumDefinedElsewhere => "the enum is not defined (once) in the tree",
            Reason::GenericOrConditionalEnum => "the enum is generic or has `#[cfg]` variants",
            Reason::AlreadyClassified => "the enum already implements `Classify`",
            Reason::ConflictingClassifier => "another classifier of the enum answers differently",
            Reason::ComputedInAnotherFile => {
                "an arm computes its answer in another file than the enum's"
            }
        }
    }
}

/// What one arm answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArmAnswer {
    /// `true` or `false` (already in "retry?" terms, polarity applied).
    Constant(bool),
    /// `binding.method()` on the variant's only field.
    AskField { method: String },
    /// An expression reading only the bound field; `expr` is its source text.
    Computed { binding: String, expr: String },
}

/// One arm: the variants it names (all of their values), or a catch-all.
#[derive(Debug, Clone)]
pub(crate) struct Arm {
    pub(crate) cases: Vec<VariantCase>,
    pub(crate) catch_all: bool,
    pub(crate) answer: ArmAnswer,
}

/// A classifier that may be converted, once its enum is known.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// `Type::name` or `name`.
    pub(crate) qualified_name: String,
    /// Whether `true` means "do not retry" (`is_permanent`).
    pub(crate) inverted: bool,
    /// The enum's name, from `Self` or the arms' paths.
    pub(crate) enum_name: String,
    /// The arms, in order.
    pub(crate) arms: Vec<Arm>,
    /// `true` when the answers came from a `matches!` list.
    pub(crate) from_matches: bool,
    /// The function body's region, replaced by a call of `Classify`.
    pub(crate) body: Region,
    /// The argument of that call: `self`, `err` or `&err`.
    pub(crate) argument: String,
}

/// Names that answer "is this error permanent?", the opposite question.
pub(crate) const INVERTED_NAMES: &[&str] = &[
    "is_permanent",
    "is_fatal",
    "is_non_retryable",
    "is_not_retryable",
    "is_unrecoverable",
    "is_permanent_error",
    "is_fatal_error",
];

/// Reads one classifier of a file; `Err` says why it cannot be converted.
pub(crate) fn analyse(classifier: &Classifier<'_>, source: &str) -> Result<Candidate, Reason> {
    // Closures and inline decisions have no function body to replace.
    let (Some(sig), ClassifierBody::Block(block)) = (classifier.sig, classifier.body) else {
        return Err(Reason::NotASingleMatch);
    };
    let inverted = classifier.polarity == Polarity::Final;
    let [input] = classifier.error_inputs.as_slice() else {
        return Err(Reason::NotASingleMatch);
    };
    let argument = argument_for(sig, input).ok_or(Reason::NotASingleMatch)?;
    // `use StoreError::*;` before the match lets its arms name variants unqualified.
    let (glob, body) = match block.stmts.as_slice() {
        [Stmt::Expr(body, None)] => (None, body),
        [Stmt::Item(syn::Item::Use(import)), Stmt::Expr(body, None)] => (
            Some(glob_enum(&import.tree).ok_or(Reason::NotASingleMatch)?),
            body,
        ),
        _ => return Err(Reason::NotASingleMatch),
    };
    let (arms, from_matches) = match body {
        Expr::Match(m) if scrutinee_is(&m.expr, input) => {
            let deref = matches!(&*m.expr, Expr::Unary(_));
            let mut arms = Vec::new();
            for arm in &m.arms {
                if arm.guard.is_some() {
                    return Err(Reason::Guard);
                }
                let mut pat = arm.pat.clone();
                if let Some(glob) = &glob {
                    qualify(&mut pat, glob);
                }
                arms.push(read_arm(&pat, &arm.body, source, inverted, deref)?);
            }
            (arms, false)
        }
        Expr::Macro(mac) if mac.mac.path.is_ident("matches") => {
            let (scrutinee, pat) = mac
                .mac
                .parse_body_with(parse_matches)
                .map_err(|_| Reason::NotASingleMatch)?;
            if !scrutinee_is(&scrutinee, input) {
                return Err(Reason::NotASingleMatch);
            }
            let mut pat = pat;
            if let Some(glob) = &glob {
                qualify(&mut pat, glob);
            }
            let cases = total_cases(&pat)?;
            (
                vec![
                    Arm {
                        cases,
                        catch_all: false,
                        answer: ArmAnswer::Constant(!inverted),
                    },
                    Arm {
                        cases: Vec::new(),
                        catch_all: true,
                        answer: ArmAnswer::Constant(inverted),
                    },
                ],
                true,
            )
        }
        _ => return Err(Reason::NotASingleMatch),
    };
    let prefix = arms
        .iter()
        .flat_map(|arm| arm.cases.iter())
        .map(|case| case.prefix.clone())
        .next()
        .ok_or(Reason::NotOverAnEnum)?;
    let enum_name = match prefix.rsplit("::").next() {
        Some("Self") => classifier.self_type.clone().ok_or(Reason::NotOverAnEnum)?,
        Some(name) => name.to_owned(),
        None => return Err(Reason::NotOverAnEnum),
    };
    if arms
        .iter()
        .flat_map(|arm| arm.cases.iter())
        .any(|case| case.prefix != prefix)
    {
        return Err(Reason::NotOverAnEnum);
    }
    Ok(Candidate {
        qualified_name: classifier.qualified_name(),
        inverted,
        enum_name,
        arms,
        from_matches,
        body: Region::of(block),
        argument,
    })
}

/// The enum of a `use Enum::*;` (or `use path::Enum::*;`).
fn glob_enum(tree: &syn::UseTree) -> Option<String> {
    match tree {
        syn::UseTree::Path(path) => match &*path.tree {
            syn::UseTree::Glob(_) => Some(path.ident.to_string()),
            inner => glob_enum(inner),
        },
        _ => None,
    }
}

/// Qualifies the unqualified variant names of a pattern's top-level cases with `enum_name`.
fn qualify(pat: &mut Pat, enum_name: &str) {
    let enum_ident = syn::Ident::new(enum_name, proc_macro2::Span::call_site());
    let is_variant = |ident: &syn::Ident| ident.to_string().starts_with(|c: char| c.is_uppercase());
    let prefix = |path: &mut syn::Path| {
        let single = path.segments.len() == 1 && path.leading_colon.is_none();
        if single
            && path
                .segments
                .first()
                .is_some_and(|seg| is_variant(&seg.ident))
        {
            path.segments
                .insert(0, syn::PathSegment::from(enum_ident.clone()));
        }
    };
    match pat {
        Pat::Ident(ident) if ident.subpat.is_none() && is_variant(&ident.ident) => {
            let mut path = syn::Path::from(ident.ident.clone());
            prefix(&mut path);
            *pat = Pat::Path(syn::ExprPath {
                attrs: Vec::new(),
                qself: None,
                path,
            });
        }
        Pat::Path(p) => prefix(&mut p.path),
        Pat::TupleStruct(p) => prefix(&mut p.path),
        Pat::Struct(p) => prefix(&mut p.path),
        Pat::Or(or) => or
            .cases
            .iter_mut()
            .for_each(|case| qualify(case, enum_name)),
        Pat::Paren(p) => qualify(&mut p.pat, enum_name),
        Pat::Reference(r) => qualify(&mut r.pat, enum_name),
        _ => {}
    }
}

fn parse_matches(input: syn::parse::ParseStream<'_>) -> syn::Result<(Expr, Pat)> {
    let scrutinee: Expr = input.parse()?;
    input.parse::<syn::Token![,]>()?;
    let pat = Pat::parse_multi_with_leading_vert(input)?;
    if !input.is_empty() {
        return Err(input.error("a guard"));
    }
    Ok((scrutinee, pat))
}

/// How the converted body passes the error to `Classify`: `self`, `err` (a reference) or `&err`.
fn argument_for(sig: &syn::Signature, input: &str) -> Option<String> {
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) if input == "self" => {
                return Some(if receiver.reference.is_some() {
                    "self".to_owned()
                } else {
                    "&self".to_owned()
                });
            }
            FnArg::Typed(typed) => {
                if let Pat::Ident(ident) = &*typed.pat {
                    if ident.ident == input {
                        return Some(if matches!(&*typed.ty, Type::Reference(_)) {
                            input.to_owned()
                        } else {
                            format!("&{input}")
                        });
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the scrutinee is the inspected error: `self`, `*self`, `err`, `&err`.
fn scrutinee_is(expr: &Expr, input: &str) -> bool {
    match expr {
        Expr::Path(path) => path.path.is_ident(input),
        Expr::Unary(unary) => {
            matches!(unary.op, syn::UnOp::Deref(_)) && scrutinee_is(&unary.expr, input)
        }
        Expr::Reference(reference) => scrutinee_is(&reference.expr, input),
        Expr::Paren(paren) => scrutinee_is(&paren.expr, input),
        _ => false,
    }
}

/// The variant cases of a pattern, each matching all of its variant's values.
fn total_cases(pat: &Pat) -> Result<Vec<VariantCase>, Reason> {
    let cases = variant_cases(pat).ok_or(Reason::NotOverAnEnum)?;
    if cases.iter().any(|case| !case.total) {
        return Err(Reason::PartialPattern);
    }
    Ok(cases)
}

fn read_arm(
    pat: &Pat,
    body: &Expr,
    source: &str,
    inverted: bool,
    deref: bool,
) -> Result<Arm, Reason> {
    let constant = constant_answer(body).map(|answer| (answer == Answer::Retry) != inverted);
    if matches!(pat, Pat::Wild(_)) {
        let answer = constant.ok_or(Reason::ComputedCatchAll)?;
        return Ok(Arm {
            cases: Vec::new(),
            catch_all: true,
            answer: ArmAnswer::Constant(answer),
        });
    }
    if let Some(answer) = constant {
        return Ok(Arm {
            cases: total_cases(pat)?,
            catch_all: false,
            answer: ArmAnswer::Constant(answer),
        });
    }
    if reads_message_text(body) {
        return Err(Reason::MessageText);
    }
    // A computed answer: one variant, one field, bound by name.
    let cases = variant_cases(pat).ok_or(Reason::NotOverAnEnum)?;
    let binding = single_binding(pat).ok_or(Reason::SeveralFields)?;
    if cases.len() != 1 || deref {
        return Err(Reason::SeveralFields);
    }
    if !reads_only(body, &binding) {
        return Err(Reason::SeveralFields);
    }
    let mut cases = cases;
    cases[0].total = true;
    if let Expr::MethodCall(call) = body {
        let on_binding = matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident(&binding));
        if on_binding && call.args.is_empty() && !inverted {
            return Ok(Arm {
                cases,
                catch_all: false,
                answer: ArmAnswer::AskField {
                    method: call.method.to_string(),
                },
            });
        }
    }
    let region = Region::of(body);
    let text = slice(source, region).ok_or(Reason::SeveralFields)?;
    // Continuation lines lose the arm's indentation; the generated function adds its own.
    let (start, _) = byte_span(source, region);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let arm_indent: String = source[line_start..start]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let expr = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| match i {
            0 => line,
            _ => line.strip_prefix(arm_indent.as_str()).unwrap_or(line),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let expr = if inverted { format!("!({expr})") } else { expr };
    Ok(Arm {
        cases,
        catch_all: false,
        answer: ArmAnswer::Computed { binding, expr },
    })
}

/// The one name a single-field variant pattern binds: `Self::Io(e)`, `Self::Io { source }`,
/// `Self::Io { source: e }`.
fn single_binding(pat: &Pat) -> Option<String> {
    let bound = |p: &Pat| match p {
        Pat::Ident(ident) if ident.subpat.is_none() && ident.by_ref.is_none() => {
            Some(ident.ident.to_string())
        }
        _ => None,
    };
    match pat {
        Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => bound(tuple.elems.first()?),
        Pat::Struct(strukt) if strukt.fields.len() == 1 && strukt.rest.is_none() => {
            bound(&strukt.fields.first()?.pat)
        }
        Pat::Reference(r) => single_binding(&r.pat),
        Pat::Paren(p) => single_binding(&p.pat),
        _ => None,
    }
}

/// Whether an expression's only local is `binding` (paths of two or more segments, constants and
/// types are allowed; `self` and other locals are not).
fn reads_only(expr: &Expr, binding: &str) -> bool {
    struct Locals<'b> {
        binding: &'b str,
        other: bool,
    }
    impl<'ast> Visit<'ast> for Locals<'_> {
        fn visit_expr_path(&mut self, node: &'ast syn::ExprPath) {
            if let Some(ident) = node.path.get_ident() {
                let name = ident.to_string();
                let local = name.starts_with(|c: char| c.is_lowercase() || c == '_');
                if local && name != self.binding {
                    self.other = true;
                }
            }
            syn::visit::visit_expr_path(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {
            self.other = true;
        }
        fn visit_macro(&mut self, node: &'ast syn::Macro) {
            // `matches!(e.kind(), A | B)`: its operands read as expressions (the pattern as an
            // or of paths); any other macro could read anything.
            let operands = node.parse_body_with(
                syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
            );
            match operands {
                Ok(operands) if node.path.is_ident("matches") => {
                    for operand in &operands {
                        self.visit_expr(operand);
                    }
                }
                _ => self.other = true,
            }
        }
    }
    let mut locals = Locals {
        binding,
        other: false,
    };
    locals.visit_expr(expr);
    !locals.other
}

/// Whether an expression reads message text: `to_string()`, `message()`, `contains("..")`.
fn reads_message_text(expr: &Expr) -> bool {
    struct Text(bool);
    impl<'ast> Visit<'ast> for Text {
        fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
            let method = node.method.to_string();
            if matches!(
                method.as_str(),
                "to_string" | "message" | "contains" | "starts_with" | "ends_with" | "msg"
            ) {
                self.0 = true;
            }
            syn::visit::visit_expr_method_call(self, node);
        }
        fn visit_macro(&mut self, node: &'ast syn::Macro) {
            if node.path.is_ident("format") {
                self.0 = true;
            }
        }
    }
    let mut text = Text(false);
    text.visit_expr(expr);
    text.0
}

/// The source text of a region.
pub(crate) fn slice(source: &str, region: Region) -> Option<&str> {
    let (start, end) = byte_span(source, region);
    source.get(start..end)
}

/// The byte offsets of a region.
pub(crate) fn byte_span(source: &str, region: Region) -> (usize, usize) {
    let start = crate::render::human::byte_offset(source, region.line, region.column);
    let end = crate::render::human::byte_offset(source, region.end_line, region.end_column);
    (start, end.max(start))
}
