//! Deciding each variant's attribute from a classifier's arms, and the edits that write them.

use std::collections::HashMap;

use crate::codegen::migrate::analyse::{byte_span, ArmAnswer, Candidate, Reason};
use crate::codegen::migrate::enums::{DeriveAt, EnumInfo};

/// The attribute one variant gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attr {
    Retryable,
    Terminal,
    Delegate,
    /// `#[delegate(with = name)]` and the function `name(binding: &field_type)` deciding by `expr`.
    With {
        name: String,
        binding: String,
        expr: String,
    },
}

/// One variant's attribute, and whether it came from a catch-all or a `matches!` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VariantPlan {
    pub(crate) attr: Attr,
    pub(crate) from_catch_all: bool,
}

/// Who answers for a type when a field asks it: `Type` → the classifier method whose answer its
/// `Classify` gives after migration (`is_retryable` for types that already derive it).
pub(crate) type Delegates = HashMap<String, String>;

/// Each variant's attribute, in the enum's order.
pub(crate) fn plan_variants(
    candidate: &Candidate,
    info: &EnumInfo,
    delegates: &Delegates,
    same_file: bool,
) -> Result<Vec<VariantPlan>, Reason> {
    for arm in &candidate.arms {
        for case in &arm.cases {
            if !info.variants.iter().any(|v| v.name == case.variant) {
                return Err(Reason::NotOverAnEnum);
            }
        }
    }
    let snake = snake_case(&info.name);
    info.variants
        .iter()
        .map(|variant| {
            let arm = candidate
                .arms
                .iter()
                .find(|arm| arm.catch_all || arm.cases.iter().any(|c| c.variant == variant.name))
                .ok_or(Reason::NotOverAnEnum)?;
            // The generated function sits beside the enum: the expression must read the same there.
            let with = |binding: &str, expr: String| {
                if !same_file {
                    return Err(Reason::ComputedInAnotherFile);
                }
                Ok(Attr::With {
                    name: format!("{snake}_{}_verdict", snake_case(&variant.name)),
                    binding: binding.to_owned(),
                    expr,
                })
            };
            let attr = match &arm.answer {
                ArmAnswer::Constant(true) => Attr::Retryable,
                ArmAnswer::Constant(false) => Attr::Terminal,
                ArmAnswer::AskField { method } => {
                    let field = variant.field_type.as_deref().ok_or(Reason::SeveralFields)?;
                    match delegates.get(&wrapped_type_name(field)) {
                        Some(answering) if answering == method => Attr::Delegate,
                        _ => with("e", format!("e.{method}()"))?,
                    }
                }
                ArmAnswer::Computed { binding, expr } => {
                    variant.field_type.as_ref().ok_or(Reason::SeveralFields)?;
                    with(binding, expr.clone())?
                }
            };
            Ok(VariantPlan {
                attr,
                from_catch_all: arm.catch_all || candidate.from_matches,
            })
        })
        .collect()
}

/// The last path segment of a type, through `Box`, `Arc` and `Rc` (for which `Classify` holds
/// when it holds for what they hold).
fn wrapped_type_name(ty: &str) -> String {
    let mut ty = ty.trim();
    loop {
        let stripped = ["Box<", "Arc<", "Rc<", "std::sync::Arc<", "std::rc::Rc<"]
            .iter()
            .find_map(|wrapper| ty.strip_prefix(wrapper).and_then(|t| t.strip_suffix('>')));
        match stripped {
            Some(inner) => ty = inner.trim(),
            None => break,
        }
    }
    ty.rsplit("::").next().unwrap_or(ty).trim().to_owned()
}

/// `StoreError` → `store_error`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// One replacement of bytes `start..end` of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ByteEdit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text: String,
}

/// The edits that derive `Classify` for an enum and give each variant its attribute.
pub(crate) fn enum_edits(
    info: &EnumInfo,
    plans: &[VariantPlan],
    classifier: &str,
    from_matches: bool,
    source: &str,
) -> Vec<ByteEdit> {
    let mut edits = Vec::new();
    match &info.derive_at {
        DeriveAt::Existing {
            close,
            trailing_comma,
        } => {
            let (at, _) = byte_span(source, *close);
            let text = if *trailing_comma {
                " triage::Classify"
            } else {
                ", triage::Classify"
            };
            edits.push(insert(at, text.to_owned()));
        }
        DeriveAt::New { item_start } => {
            let (at, _) = byte_span(source, *item_start);
            let indent = indent_at(source, at);
            edits.push(insert(at, format!("#[derive(triage::Classify)]\n{indent}")));
        }
    }
    let mut functions = String::new();
    let enum_indent = {
        let (at, _) = byte_span(source, info.end);
        indent_at(source, at).to_owned()
    };
    for (variant, plan) in info.variants.iter().zip(plans) {
        let (at, _) = byte_span(source, variant.ident);
        let indent = indent_at(source, at);
        let mut text = String::new();
        if plan.from_catch_all {
            let source = if from_matches {
                "the `matches!` list"
            } else {
                "a catch-all arm"
            };
            text.push_str(&format!(
                "// triage migrate: verdict from {source} of `{classifier}`; review it\n{indent}"
            ));
        }
        let attr = match &plan.attr {
            Attr::Retryable => "#[retryable]".to_owned(),
            Attr::Terminal => "#[terminal]".to_owned(),
            Attr::Delegate => "#[delegate]".to_owned(),
            Attr::With {
                name,
                binding,
                expr,
            } => {
                let field = variant.field_type.as_deref().unwrap_or("()");
                let expr = expr.replace('\n', &format!("\n{enum_indent}    "));
                functions.push_str(&format!(
                    "\n\n{enum_indent}/// `{}::{}` as `{classifier}` decided it.\n\
                     {enum_indent}fn {name}({binding}: &{field}) -> triage::Verdict {{\n\
                     {enum_indent}    if {expr} {{\n\
                     {enum_indent}        triage::Verdict::Retryable\n\
                     {enum_indent}    }} else {{\n\
                     {enum_indent}        triage::Verdict::Terminal\n\
                     {enum_indent}    }}\n\
                     {enum_indent}}}",
                    info.name, variant.name
                ));
                format!("#[delegate(with = {name})]")
            }
        };
        text.push_str(&format!("{attr}\n{indent}"));
        edits.push(insert(at, text));
    }
    if !functions.is_empty() {
        let (_, end) = byte_span(source, info.end);
        edits.push(insert(end, functions));
    }
    edits
}

/// The edit that makes a classifier's body a call of `Classify`.
pub(crate) fn body_edit(candidate: &Candidate, source: &str) -> ByteEdit {
    let (start, end) = byte_span(source, candidate.body);
    let indent = indent_at(source, start);
    let method = if candidate.inverted {
        "is_terminal"
    } else {
        "is_retryable"
    };
    ByteEdit {
        start,
        end,
        text: format!(
            "{{\n{indent}    triage::Classify::{method}({})\n{indent}}}",
            candidate.argument
        ),
    }
}

fn insert(at: usize, text: String) -> ByteEdit {
    ByteEdit {
        start: at,
        end: at,
        text,
    }
}

/// The leading whitespace of the line holding byte `at`.
fn indent_at(source: &str, at: usize) -> &str {
    let line_start = source[..at.min(source.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = &source[line_start..];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

/// Applies non-overlapping edits; `None` when two overlap.
pub(crate) fn apply_edits(source: &str, edits: &[ByteEdit]) -> Option<String> {
    let mut sorted: Vec<&ByteEdit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.start, edit.end));
    let mut out = String::with_capacity(source.len() + 256);
    let mut at = 0;
    for edit in sorted {
        if edit.start < at || edit.end > source.len() {
            return None;
        }
        out.push_str(source.get(at..edit.start)?);
        out.push_str(&edit.text);
        at = edit.end;
    }
    out.push_str(source.get(at..)?);
    Some(out)
}
