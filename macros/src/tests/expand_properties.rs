//! Property tests of the expansion over random enum and struct shapes with random attribute
//! mixes: it never panics, it fails exactly when the input is wrong, and it reports one error per
//! problem (in particular one per unmarked variant, naming that variant).

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use proptest::prelude::*;
use quote::{format_ident, quote};
use syn::DeriveInput;

use crate::expand;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Retryable,
    Terminal,
    Delegate,
    /// `#[delegate(with = decide)]`.
    DelegateWith,
}

impl Mark {
    /// Both forms of `#[delegate]` are one attribute: two of them are a duplicate.
    fn kind(self) -> Mark {
        match self {
            Mark::DelegateWith => Mark::Delegate,
            mark => mark,
        }
    }
}

/// How a verdict attribute is written: correctly, with arguments, or with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Plain,
    Arguments,
    Value,
}

#[derive(Debug, Clone, Copy)]
struct AttrSpec {
    mark: Mark,
    form: Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldMark {
    None,
    Source,
    From,
    /// A verdict attribute where it does not belong.
    Misplaced(Mark),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Unit,
    Tuple,
    Named,
}

#[derive(Debug, Clone)]
struct FieldSpec {
    mark: FieldMark,
    /// The field's type is the type parameter `T` rather than `std::io::Error`.
    generic: bool,
}

/// A variant, or the body of a struct.
#[derive(Debug, Clone)]
struct BodySpec {
    attrs: Vec<AttrSpec>,
    shape: Shape,
    fields: Vec<FieldSpec>,
    /// With named fields, the first one is called `source` (which thiserror treats as marked).
    first_named_source: bool,
}

#[derive(Debug, Clone)]
enum Model {
    Enum {
        attrs: Vec<AttrSpec>,
        generic: bool,
        variants: Vec<BodySpec>,
    },
    Struct {
        generic: bool,
        body: BodySpec,
    },
}

fn mark() -> impl Strategy<Value = Mark> {
    prop_oneof![
        Just(Mark::Retryable),
        Just(Mark::Terminal),
        Just(Mark::Delegate),
        Just(Mark::DelegateWith),
    ]
}

fn verdict_attr() -> impl Strategy<Value = AttrSpec> {
    let form = prop_oneof![
        6 => Just(Form::Plain),
        1 => Just(Form::Arguments),
        1 => Just(Form::Value),
    ];
    (mark(), form).prop_map(|(mark, form)| AttrSpec { mark, form })
}

fn attrs(max: usize) -> impl Strategy<Value = Vec<AttrSpec>> {
    prop_oneof![
        2 => Just(Vec::new()),
        5 => prop::collection::vec(verdict_attr(), 1..=1),
        1 => prop::collection::vec(verdict_attr(), 2..=max),
    ]
}

fn field() -> impl Strategy<Value = FieldSpec> {
    let field_mark = prop_oneof![
        6 => Just(FieldMark::None),
        2 => Just(FieldMark::Source),
        1 => Just(FieldMark::From),
        1 => mark().prop_map(FieldMark::Misplaced),
    ];
    (field_mark, any::<bool>()).prop_map(|(mark, generic)| FieldSpec { mark, generic })
}

fn body() -> impl Strategy<Value = BodySpec> {
    let shape = prop_oneof![Just(Shape::Unit), Just(Shape::Tuple), Just(Shape::Named)];
    let fields = prop::collection::vec(field(), 1..=3);
    (attrs(3), shape, fields, any::<bool>()).prop_map(|(attrs, shape, fields, source)| {
        let fields = if shape == Shape::Unit {
            Vec::new()
        } else {
            fields
        };
        BodySpec {
            attrs,
            shape,
            fields,
            first_named_source: source && shape == Shape::Named,
        }
    })
}

fn model() -> impl Strategy<Value = Model> {
    prop_oneof![
        4 => (attrs(2), any::<bool>(), prop::collection::vec(body(), 0..=6)).prop_map(
            |(attrs, generic, variants)| Model::Enum {
                attrs,
                generic,
                variants,
            }
        ),
        1 => (any::<bool>(), body()).prop_map(|(generic, body)| Model::Struct { generic, body }),
    ]
}

fn verdict_attr_tokens(attr: &AttrSpec) -> TokenStream {
    let name = match attr.mark {
        Mark::Retryable => quote!(retryable),
        Mark::Terminal => quote!(terminal),
        Mark::Delegate | Mark::DelegateWith => quote!(delegate),
    };
    match (attr.form, attr.mark) {
        (Form::Plain, Mark::DelegateWith) => quote!(#[delegate(with = decide)]),
        (Form::Plain, _) => quote!(#[#name]),
        (Form::Arguments, Mark::DelegateWith) => quote!(#[delegate(with = decide, always)]),
        (Form::Arguments, _) => quote!(#[#name(always)]),
        (Form::Value, _) => quote!(#[#name = 1]),
    }
}

fn fields_tokens(body: &BodySpec, type_param: bool) -> TokenStream {
    let fields = body.fields.iter().enumerate().map(|(index, field)| {
        let marker = match field.mark {
            FieldMark::None => quote!(),
            FieldMark::Source => quote!(#[source]),
            FieldMark::From => quote!(#[from]),
            FieldMark::Misplaced(mark) => verdict_attr_tokens(&AttrSpec {
                mark,
                form: Form::Plain,
            }),
        };
        let ty = if type_param && field.generic {
            quote!(T)
        } else {
            quote!(::std::io::Error)
        };
        match body.shape {
            Shape::Named => {
                let name = if index == 0 && body.first_named_source {
                    format_ident!("source")
                } else {
                    format_ident!("field_{}", index)
                };
                quote!(#marker #name: #ty)
            }
            _ => quote!(#marker #ty),
        }
    });
    match body.shape {
        Shape::Unit => quote!(),
        Shape::Tuple => quote!((#(#fields),*)),
        Shape::Named => quote!({ #(#fields),* }),
    }
}

fn variant_name(index: usize) -> String {
    format!("Variant{index}")
}

fn tokens(model: &Model) -> TokenStream {
    match model {
        Model::Enum {
            attrs,
            generic,
            variants,
        } => {
            let attrs = attrs.iter().map(verdict_attr_tokens);
            let params = generic.then(|| quote!(<T>));
            let variants = variants.iter().enumerate().map(|(index, body)| {
                let name = format_ident!("{}", variant_name(index));
                let attrs = body.attrs.iter().map(verdict_attr_tokens);
                let fields = fields_tokens(body, *generic);
                quote!(#(#attrs)* #name #fields)
            });
            quote!(#(#attrs)* enum Generated #params { #(#variants),* })
        }
        Model::Struct { generic, body } => {
            let attrs = body.attrs.iter().map(verdict_attr_tokens);
            let params = generic.then(|| quote!(<T>));
            let fields = fields_tokens(body, *generic);
            let semi = (body.shape != Shape::Named).then(|| quote!(;));
            quote!(#(#attrs)* struct Generated #params #fields #semi)
        }
    }
}

/// Errors from reading one node's verdict attributes: one per argument or value, and one per
/// attribute after the first (a duplicate or a conflict).
fn attr_errors(attrs: &[AttrSpec]) -> usize {
    let malformed = attrs.iter().filter(|attr| attr.form != Form::Plain).count();
    malformed + attrs.len().saturating_sub(1)
}

/// The single kind of verdict among `attrs`, if there is exactly one kind.
fn single_kind(attrs: &[AttrSpec]) -> Option<Mark> {
    let first = attrs.first()?.mark.kind();
    attrs
        .iter()
        .all(|attr| attr.mark.kind() == first)
        .then_some(first)
}

/// The errors expected for one variant or struct body, besides "no verdict".
fn body_errors(body: &BodySpec) -> usize {
    let misplaced = body
        .fields
        .iter()
        .filter(|field| matches!(field.mark, FieldMark::Misplaced(_)))
        .count();
    let delegate_error =
        single_kind(&body.attrs) == Some(Mark::Delegate) && delegate_target(body).is_none();
    attr_errors(&body.attrs) + misplaced + usize::from(delegate_error)
}

/// The field `#[delegate]` refers to: the only one, else the one marked `#[source]`/`#[from]`,
/// else one named `source`; `None` when that rule finds no field or several marked ones.
fn delegate_target(body: &BodySpec) -> Option<&FieldSpec> {
    if let [only] = body.fields.as_slice() {
        return Some(only);
    }
    let marked: Vec<&FieldSpec> = body
        .fields
        .iter()
        .filter(|field| matches!(field.mark, FieldMark::Source | FieldMark::From))
        .collect();
    match marked.as_slice() {
        [one] => Some(one),
        [] if body.first_named_source => body.fields.first(),
        _ => None,
    }
}

fn is_unmarked(body: &BodySpec) -> bool {
    body.attrs.is_empty()
        && body
            .fields
            .iter()
            .all(|field| !matches!(field.mark, FieldMark::Misplaced(_)))
}

/// The number of errors the derive must report, and the names it must report as unmarked.
fn expected(model: &Model) -> (usize, BTreeSet<String>) {
    let mut unmarked = BTreeSet::new();
    let count = match model {
        Model::Enum {
            attrs, variants, ..
        } => {
            let has_default = attrs.iter().any(|attr| attr.mark.kind() != Mark::Delegate);
            let delegate_on_enum = attrs.iter().any(|attr| attr.mark.kind() == Mark::Delegate);
            let mut count = attr_errors(attrs) + usize::from(delegate_on_enum);
            for (index, body) in variants.iter().enumerate() {
                count += body_errors(body);
                if is_unmarked(body) && !has_default {
                    unmarked.insert(format!("variant `{}`", variant_name(index)));
                }
            }
            count
        }
        Model::Struct { body, .. } => {
            if is_unmarked(body) {
                unmarked.insert("struct `Generated`".to_owned());
            }
            body_errors(body)
        }
    };
    (count + unmarked.len(), unmarked)
}

fn delegates_to_type_param(model: &Model) -> bool {
    // A function given with `with` decides for any type: it needs no bound.
    let delegated_generic = |body: &BodySpec| {
        single_kind(&body.attrs) == Some(Mark::Delegate)
            && body.attrs.first().map(|attr| attr.mark) == Some(Mark::Delegate)
            && delegate_target(body).is_some_and(|field| field.generic)
    };
    match model {
        Model::Enum {
            generic, variants, ..
        } => *generic && variants.iter().any(delegated_generic),
        Model::Struct { generic, body } => *generic && delegated_generic(body),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn expansion_reports_exactly_the_expected_errors(model in model()) {
        let input: DeriveInput = syn::parse2(tokens(&model)).expect("generated input parses");
        let (expected_count, expected_unmarked) = expected(&model);

        let result = expand::try_expand(&input);
        let errors: Vec<String> = match &result {
            Ok(_) => Vec::new(),
            Err(error) => error.clone().into_iter().map(|e| e.to_string()).collect(),
        };
        prop_assert_eq!(errors.len(), expected_count, "errors: {:#?}", errors);

        let reported_unmarked: BTreeSet<String> = errors
            .iter()
            .filter(|message| message.contains("has no verdict"))
            .filter_map(|message| message.split(" has no verdict").next())
            .map(str::to_owned)
            .collect();
        prop_assert_eq!(reported_unmarked, expected_unmarked);

        // With or without errors, the derive's output is well-formed items with one impl.
        let output = expand::derive(&input);
        let file: syn::File = syn::parse2(output).expect("derive output parses as items");
        let impls = file
            .items
            .iter()
            .filter(|item| matches!(item, syn::Item::Impl(_)))
            .count();
        prop_assert_eq!(impls, 1);

        if let Ok(generated) = result {
            let text = generated.to_string();
            prop_assert_eq!(
                text.contains("T : :: triage :: Classify"),
                delegates_to_type_param(&model),
                "bounds in: {}",
                text
            );
            let generic = matches!(
                model,
                Model::Enum { generic: true, .. } | Model::Struct { generic: true, .. }
            );
            prop_assert_eq!(text.contains("__register_derived"), !generic);
        }
    }
}
