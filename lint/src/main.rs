//! `cargo triage`: finds retryability hazards in a Rust codebase.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use triage_lint::config::{Config, CONFIG_FILE_NAME};
use triage_lint::engine::{lint, reportable_names, Options, Report};
use triage_lint::finding::Level;
use triage_lint::findings_baseline::{write_baseline, Baseline};
use triage_lint::render;

/// The allocator: syntax trees are built and freed node by node, which mimalloc does faster than
/// the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status when nothing at warn or deny level was found.
const EXIT_CLEAN: u8 = 0;
/// Exit status when findings were reported.
const EXIT_FINDINGS: u8 = 1;
/// Exit status for usage, configuration, I/O and parse errors.
const EXIT_ERROR: u8 = 2;

/// Find retryability hazards in a Rust codebase: errors classified by message text, unknown errors
/// retried by default, wildcard classifiers, lossy delegation, unbounded retry loops, and error
/// types without a verdict.
#[derive(Debug, Parser)]
#[command(name = "cargo-triage", bin_name = "cargo triage", version)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a rule's documentation: what it does, why it is bad, an example, what to write instead.
    Explain {
        /// The rule's name, as shown in brackets next to each finding.
        rule: String,
    },
    /// List the rules with their default levels.
    Rules,
    /// Apply every machine-applicable suggestion in place, then lint again and report what is left.
    Fix {
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Rewrite hand-written classifiers over the tree's own enums into `#[derive(triage::Classify)]`,
    /// keeping every verdict; prints a unified diff unless `--write`.
    Migrate {
        /// Directories or files to migrate.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Apply the changes instead of printing them.
        #[arg(long)]
        write: bool,
        /// Worker threads (default: one per core).
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
    },
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Directories or files to lint.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Also lint test code: tests/, benches/, folders and modules named for test support
    /// (test_utils, *-test-helpers, testing), #[cfg(test)] modules and #[test] functions.
    #[arg(long)]
    include_tests: bool,
    /// Parse every file instead of skipping those that cannot hold a hazard (same findings, slower).
    #[arg(long)]
    no_prefilter: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Configuration file (default: triage.toml in the first path, if it exists).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The SARIF run's `automationDetails` category (one per configuration uploaded to code
    /// scanning).
    #[arg(long, default_value = render::sarif::DEFAULT_CATEGORY)]
    sarif_category: String,
    /// Report only findings that are not in this baseline file (written by `--write-baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record every finding of this run in a baseline file, report nothing and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Only parse every file (the benchmark's baseline); prints what was parsed.
    #[arg(long, hide = true)]
    parse_only: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// rustc-style diagnostics with source snippets.
    Human,
    /// One JSON object per finding per line.
    Json,
    /// A SARIF 2.1.0 log.
    Sarif,
    /// rustc's JSON diagnostics, one per line, with suggested edits for rustfix-based tools.
    RustcJson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Color {
    /// Colour when stdout is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `cargo triage ARGS` runs `cargo-triage triage ARGS`.
    if args.get(1).is_some_and(|arg| arg == "triage") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            });
        }
    };
    let rules = triage_lint::rules::all();
    match cli.command {
        Some(Command::Explain { rule }) => explain(&rule, &rules),
        Some(Command::Rules) => {
            for rule in &rules {
                println!(
                    "{:<26} {:<5} {}",
                    rule.name(),
                    rule.default_level().as_str(),
                    render::summary_of_docs(rule.docs())
                );
            }
            ExitCode::from(EXIT_CLEAN)
        }
        Some(Command::Migrate { paths, write, jobs }) => migrate(paths, write, jobs),
        Some(Command::Fix { check: args }) => check(args, &rules, Mode::Fix),
        None => check(cli.check, &rules, Mode::Check),
    }
}

fn explain(name: &str, rules: &[&'static dyn triage_lint::rule::Rule]) -> ExitCode {
    match rules.iter().find(|rule| rule.name() == name) {
        Some(rule) => {
            println!(
                "# {} (default level: {})\n\n{}",
                rule.name(),
                rule.default_level().as_str(),
                rule.docs()
            );
            ExitCode::from(EXIT_CLEAN)
        }
        None => {
            eprintln!(
                "error: unknown rule `{name}`; known rules: {}",
                reportable_names(rules).join(", ")
            );
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn migrate(paths: Vec<PathBuf>, write: bool, jobs: Option<usize>) -> ExitCode {
    use triage_lint::codegen::migrate;

    let mut options = Options::new(paths);
    options.jobs = jobs;
    let migration = migrate::migrate(&options);
    let mut errors = migration.errors.clone();
    if write {
        errors.extend(migrate::write(&migration));
    } else {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let written = migration
            .changes
            .iter()
            .try_for_each(|change| out.write_all(change.diff().as_bytes()))
            .and_then(|()| out.flush());
        if let Err(err) = written {
            if err.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: cannot write the output: {err}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    for left in &migration.left {
        eprintln!(
            "{}:{}: `{}` left as it is: {}",
            render::portable_path(&left.path),
            left.line,
            left.classifier,
            left.reason.describe()
        );
    }
    for error in &errors {
        eprintln!("error: {error}");
    }
    eprintln!(
        "cargo triage migrate: {} classifier{} converted, {} left as {}; {} file{} {}",
        migration.converted.len(),
        if migration.converted.len() == 1 {
            ""
        } else {
            "s"
        },
        migration.left.len(),
        if migration.left.len() == 1 {
            "it is"
        } else {
            "they are"
        },
        migration.changes.len(),
        if migration.changes.len() == 1 {
            ""
        } else {
            "s"
        },
        if write {
            "written"
        } else {
            "would change (--write applies)"
        },
    );
    ExitCode::from(if errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}

/// What `check` does before it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Lint.
    Check,
    /// Apply the machine-applicable suggestions, then lint.
    Fix,
}

fn check(args: CheckArgs, rules: &[&'static dyn triage_lint::rule::Rule], mode: Mode) -> ExitCode {
    let known = reportable_names(rules);
    let config_path = args.config.clone().unwrap_or_else(|| {
        let first = args
            .paths
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = if first.is_file() {
            first.parent().map(PathBuf::from).unwrap_or_default()
        } else {
            first
        };
        dir.join(CONFIG_FILE_NAME)
    });
    if args.config.is_some() && !config_path.is_file() {
        eprintln!(
            "error: {}: no such configuration file",
            config_path.display()
        );
        return ExitCode::from(EXIT_ERROR);
    }
    let config = match Config::load(&config_path, &known) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let options = Options {
        roots: args.paths,
        include_tests: args.include_tests,
        prefilter: !args.no_prefilter,
        jobs: args.jobs,
        config,
    };
    if args.parse_only {
        let outcome = triage_lint::baseline::parse_only(&options);
        for err in &outcome.errors {
            eprintln!("error: {err}");
        }
        eprintln!(
            "cargo triage: parsed {} files ({} bytes), {} errors",
            outcome.parsed,
            outcome.bytes,
            outcome.errors.len()
        );
        return ExitCode::from(if outcome.errors.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_ERROR
        });
    }
    // A baseline that cannot be used is a usage error before any work is done.
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut report = if mode == Mode::Fix {
        let outcome = triage_lint::codegen::fix::fix(&options, rules);
        for (path, applied) in &outcome.fixed {
            eprintln!(
                "cargo triage: fixed {applied} finding{} in {}",
                if *applied == 1 { "" } else { "s" },
                path.display()
            );
        }
        for error in &outcome.errors {
            eprintln!("error: {error}");
        }
        if !outcome.errors.is_empty() {
            return ExitCode::from(EXIT_ERROR);
        }
        outcome.remaining
    } else {
        lint(&options, rules)
    };
    if let Some(path) = &args.write_baseline {
        print_problems(&report);
        if let Err(err) = write_baseline(&report, path) {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
        eprintln!(
            "cargo triage: wrote {} finding{} to the baseline {}",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" },
            path.display()
        );
        return ExitCode::from(if report.errors.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_ERROR
        });
    }
    let accepted = baseline.map_or(0, |baseline| baseline.remove_accepted(&mut report));

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Human => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal(),
            };
            render::human::render(&report, color, &mut out)
        }
        Format::Json => render::json::render(&report, &mut out),
        Format::RustcJson => render::rustc_json::render(&report, &mut out),
        Format::Sarif => render::sarif::render_in(&report, rules, &args.sarif_category, &mut out),
    };
    if let Err(err) = written.and_then(|()| out.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the output: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    print_problems(&report);
    if matches!(args.format, Format::Human) {
        eprintln!("{}", render::human::summary(&report));
    }
    if accepted > 0 {
        eprintln!(
            "cargo triage: {accepted} finding{} accepted by the baseline not shown",
            if accepted == 1 { "" } else { "s" }
        );
    }
    if !report.errors.is_empty() {
        ExitCode::from(EXIT_ERROR)
    } else if report.findings.iter().any(|f| f.level >= Level::Warn) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::from(EXIT_CLEAN)
    }
}

/// Prints the files that could not be read or parsed, and after them the files that could not be
/// parsed but needed no parse (see [`Report::unparsed_idle`]).
fn print_problems(report: &Report) {
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    for unparsed in &report.unparsed_idle {
        eprintln!(
            "note: {unparsed} (not an error: the file holds nothing any rule looks for, \
             so it need not be parsed)"
        );
    }
}
