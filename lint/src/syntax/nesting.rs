//! Where a walk through one loop's body stands: how many loops deep inside it, and the labels of
//! the loops it has entered, so that a `break` or `continue` can be told to reach the loop read or
//! only an inner one.

use syn::Lifetime;

/// The loops a walk has entered inside the loop it reads, innermost last.
#[derive(Clone, Default)]
pub(crate) struct Nesting<'a> {
    labels: Vec<&'a Lifetime>,
    depth: usize,
}

impl<'a> Nesting<'a> {
    /// Whether the walk stands in the loop's own body, inside no nested loop.
    pub(crate) fn at_top(&self) -> bool {
        self.depth == 0
    }

    /// Whether `target` names a loop nested inside the one read.
    pub(crate) fn is_inner(&self, target: &Lifetime) -> bool {
        self.labels.iter().any(|label| label.ident == target.ident)
    }

    /// Whether a `break` or `continue` with this label (or none) reaches past every nested loop:
    /// unlabelled at the top, or labelled with a loop that is not nested.
    pub(crate) fn reaches_out(&self, label: Option<&Lifetime>) -> bool {
        match label {
            None => self.at_top(),
            Some(target) => !self.is_inner(target),
        }
    }
}

/// A walk that keeps a [`Nesting`]: `nested` runs a walk one loop deeper.
pub(crate) trait WalksLoops<'a> {
    /// The walk's nesting.
    fn nesting(&mut self) -> &mut Nesting<'a>;

    /// Runs `walk` inside a nested loop with this label.
    fn nested(&mut self, label: Option<&'a syn::Label>, walk: impl FnOnce(&mut Self))
    where
        Self: Sized,
    {
        let nesting = self.nesting();
        nesting.labels.extend(label.map(|label| &label.name));
        nesting.depth += 1;
        walk(self);
        let nesting = self.nesting();
        nesting.depth -= 1;
        if label.is_some() {
            nesting.labels.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Walk<'a>(Nesting<'a>);

    impl<'a> WalksLoops<'a> for Walk<'a> {
        fn nesting(&mut self) -> &mut Nesting<'a> {
            &mut self.0
        }
    }

    #[test]
    fn a_jump_reaches_out_unless_an_inner_loop_takes_it() {
        let inner: syn::Label = syn::parse_quote!('inner:);
        let outer: Lifetime = syn::parse_quote!('outer);
        let mut walk = Walk(Nesting::default());
        assert!(walk.0.reaches_out(None));
        walk.nested(Some(&inner), |walk| {
            assert!(!walk.0.reaches_out(None));
            assert!(!walk.0.reaches_out(Some(&inner.name)));
            assert!(walk.0.reaches_out(Some(&outer)));
            walk.nested(None, |walk| assert!(walk.0.is_inner(&inner.name)));
        });
        assert!(walk.0.at_top());
        assert!(!walk.0.is_inner(&inner.name));
    }
}
