//! The `workbook` command: parses the command line and maps results to exit codes (see `exit`).

use clap::Parser;
use workbook::{book, check, cli, compare, doctor, exit, grade, inspect, interview, learn, lint, list, verify, watch};

use cli::{Cli, Cmd};

/// A reader that stops early (`workbook list | head -1`) closes our stdout, and `println!` then panics. Rust keeps
/// SIGPIPE ignored (so a closed engine socket is an error, not a silent death); this turns the stdout case alone
/// into the quiet exit Unix tools give, status 141 (128 + SIGPIPE).
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() {
    quiet_on_closed_stdout();
    // clap exits 2 on usage errors by itself, which matches our BAD_INPUT.
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Lint { files, format } => lint::run(&files, format),
        Cmd::Check { id, file, static_only, deep, json } => {
            check::run(&check::Options { id, file, static_only, deep, json })
        }
        Cmd::List { json } => list::run(json),
        Cmd::Inspect { image, deep, shells, json } => inspect::run(&image, deep, shells, json),
        Cmd::Clean => inspect::clean(),
        Cmd::Compare { items, json } => compare::run(&items, json),
        Cmd::Doctor => doctor::run(),
        Cmd::Book { serve, open, port } => book::run(serve, open, port),
        Cmd::MdbookPreprocessor { command } => book::preprocessor_main(command.as_ref().map(|c| match c {
            cli::PreCmd::Supports { renderer } => renderer.as_str(),
        })),
        Cmd::Verify { id } => verify::run(id.as_deref()),
        Cmd::Hint { id } => learn::hint(&id),
        Cmd::Solution { id, force } => learn::solution(&id, force),
        Cmd::Reset { id, yes } => learn::reset(&id, yes),
        Cmd::Init { dir } => learn::init(&dir),
        Cmd::Watch { id } => watch::run(id.as_deref()),
        Cmd::Grade { dir, exercise, jobs, timeout, junit, json } => grade::run(&grade::Options {
            dir,
            exercise,
            jobs,
            timeout: std::time::Duration::from_secs(timeout),
            junit,
            json,
        }),
        Cmd::Interview { print, json, answers, no_demo, count } => {
            interview::run(&interview::Options { print, json, answers, no_demo, count })
        }
        Cmd::Completions { shell } => {
            cli::completions(shell);
            Ok(exit::OK)
        }
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<exit::UserError>() {
            Some(u) => {
                eprintln!("workbook: {}", u.message);
                u.code
            }
            None => {
                eprintln!("workbook: {e:#}");
                exit::BAD_INPUT
            }
        },
    };
    std::process::exit(code);
}
