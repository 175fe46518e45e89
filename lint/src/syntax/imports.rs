//! `use` declarations: which path a name in scope stands for, which enums have their variants
//! glob-imported (`use Error::*`), and which modules a scope declares.

use syn::spanned::Spanned;
use syn::{Block, Item, Stmt, UseTree};

/// The imports of one scope: a module's items or a function body's statements.
#[derive(Debug, Default)]
pub(crate) struct Imports {
    /// `(name in scope, path it stands for)`: `use a::b::C;` gives `C` -> `[a, b, C]`, and
    /// `use a::B as C;` gives `C` -> `[a, B]`.
    named: Vec<(String, Vec<String>)>,
    /// The path in front of every `::*`: `use self::Error::*;` gives `[self, Error]`.
    globs: Vec<Vec<String>>,
    /// The modules the scope declares (`mod error;`, `mod error { .. }`).
    modules: Vec<String>,
}

impl Imports {
    /// The imports and module declarations among `items`.
    pub(crate) fn of_items<'a>(items: impl IntoIterator<Item = &'a Item>) -> Imports {
        let mut imports = Imports::default();
        for item in items {
            imports.add(item);
        }
        imports
    }

    /// The imports a function body makes at its top level.
    pub(crate) fn of_block(block: &Block) -> Imports {
        Imports::of_items(block.stmts.iter().filter_map(|stmt| match stmt {
            Stmt::Item(item) => Some(item),
            _ => None,
        }))
    }

    fn add(&mut self, item: &Item) {
        match item {
            Item::Use(item) => self.add_tree(&item.tree, &mut Vec::new()),
            Item::Mod(item) => self.modules.push(item.ident.to_string()),
            _ => {}
        }
    }

    fn add_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.add_tree(&path.tree, prefix);
                prefix.pop();
            }
            UseTree::Name(name) if name.ident == "self" => {
                if let Some(last) = prefix.last() {
                    self.named.push((last.clone(), prefix.clone()));
                }
            }
            UseTree::Name(name) => {
                let mut path = prefix.clone();
                path.push(name.ident.to_string());
                self.named.push((name.ident.to_string(), path));
            }
            UseTree::Rename(rename) => {
                let mut path = prefix.clone();
                path.push(rename.ident.to_string());
                self.named.push((rename.rename.to_string(), path));
            }
            UseTree::Glob(_) => self.globs.push(prefix.clone()),
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.add_tree(tree, prefix);
                }
            }
        }
    }

    /// The path `name` was imported from in this scope.
    pub(crate) fn path_of(&self, name: &str) -> Option<&[String]> {
        self.named
            .iter()
            .rev()
            .find(|(alias, _)| alias == name)
            .map(|(_, path)| path.as_slice())
    }

    /// The glob imports whose last segment names a type (`Error` in `use crate::Error::*`): the
    /// imports that bring an enum's variants into scope. Globs of modules (`use super::*`) are
    /// left out.
    pub(crate) fn variant_globs(&self) -> impl Iterator<Item = &[String]> {
        self.globs
            .iter()
            .filter(|path| {
                path.last()
                    .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase()))
            })
            .map(Vec::as_slice)
    }

    /// Whether the scope declares a module named `name`.
    pub(crate) fn declares_module(&self, name: &str) -> bool {
        self.modules.iter().any(|module| module == name)
    }
}

/// The imports of a file's top level and of each of its inline modules, with the lines each
/// module covers, to find the imports in scope at a line.
#[derive(Debug, Default)]
pub(crate) struct ModuleImports {
    /// The file's own scope.
    file: Imports,
    /// `(first line, last line, imports)` of every inline module, outer modules first.
    inline: Vec<(usize, usize, Imports)>,
}

impl ModuleImports {
    /// The module scopes of a parsed file.
    pub(crate) fn of_file(file: &syn::File) -> ModuleImports {
        let mut modules = ModuleImports {
            file: Imports::of_items(&file.items),
            inline: Vec::new(),
        };
        modules.add_inline(&file.items);
        modules
    }

    fn add_inline(&mut self, items: &[Item]) {
        for item in items {
            if let Item::Mod(module) = item {
                if let Some((_, items)) = &module.content {
                    let span = module.span();
                    self.inline.push((
                        span.start().line,
                        span.end().line,
                        Imports::of_items(items),
                    ));
                    self.add_inline(items);
                }
            }
        }
    }

    /// The imports of the innermost module containing `line`.
    pub(crate) fn at(&self, line: usize) -> &Imports {
        self.inline
            .iter()
            .rev()
            .find(|(first, last, _)| (*first..=*last).contains(&line))
            .map_or(&self.file, |(_, _, imports)| imports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports(source: &str) -> Imports {
        let file = syn::parse_file(source).unwrap();
        Imports::of_items(&file.items)
    }

    #[test]
    fn names_renames_and_groups_are_resolved() {
        let found = imports("use a::b::{C, d::E as F, self}; use g::H;");
        assert_eq!(
            found.path_of("C"),
            Some(&["a", "b", "C"].map(String::from)[..])
        );
        assert_eq!(
            found.path_of("F"),
            Some(&["a", "b", "d", "E"].map(String::from)[..])
        );
        assert_eq!(found.path_of("b"), Some(&["a", "b"].map(String::from)[..]));
        assert_eq!(found.path_of("H"), Some(&["g", "H"].map(String::from)[..]));
        assert_eq!(found.path_of("E"), None);
    }

    #[test]
    fn only_globs_of_types_bring_variants() {
        let found = imports("use super::*; use crate::error::Error::*; use Kind::{*};");
        let globs: Vec<&[String]> = found.variant_globs().collect();
        assert_eq!(globs.len(), 2);
        assert_eq!(globs[0].last().map(String::as_str), Some("Error"));
        assert_eq!(globs[1].last().map(String::as_str), Some("Kind"));
    }

    #[test]
    fn the_innermost_module_holds_the_line() {
        let source = "use outer::Error;\nmod inner {\n    use rskafka::Error;\n    fn f() {}\n}\nfn g() {}\n";
        let file = syn::parse_file(source).unwrap();
        let modules = ModuleImports::of_file(&file);
        let head = |line| modules.at(line).path_of("Error").map(|p| p[0].clone());
        assert_eq!(head(4).as_deref(), Some("rskafka"));
        assert_eq!(head(6).as_deref(), Some("outer"));
        assert!(modules.at(6).declares_module("inner"));
    }
}
