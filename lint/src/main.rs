//! `cargo triage`: finds retryability hazards in a Rust codebase.

fn main() {
    eprintln!("cargo triage: the lint is not built yet");
    std::process::exit(2);
}
