//! The command line: clap definitions and dispatch. Each command's work lives in its own module.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::exit;

#[derive(Parser)]
#[command(
    name = "workbook",
    version,
    about = "Learn Docker multi-stage builds and distroless images by doing: lint, build and check your Dockerfiles.",
    after_help = exit::HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Subcommand)]
pub enum Cmd {
    #[command(display_order = 10)]
    /// Lint Dockerfiles with stage-aware rules (no engine needed).
    #[command(after_help = exit::HELP)]
    Lint {
        /// Dockerfiles to lint.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    #[command(display_order = 2)]
    /// Check an exercise: lint, build, measure, look for shells, run.
    #[command(after_help = exit::HELP)]
    Check {
        /// Exercise id: 03, 3, multi-stage or 03-multi-stage.
        id: String,
        /// Check this Dockerfile instead of the exercise's, with the exercise's build context.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Only the checks that need no engine (lint, stages, final base).
        #[arg(long = "static")]
        static_only: bool,
        /// Look for shells in every file of every layer instead of the usual places.
        #[arg(long)]
        deep: bool,
        #[arg(long)]
        json: bool,
    },
    #[command(display_order = 1)]
    /// List the exercises and your progress.
    List {
        #[arg(long)]
        json: bool,
    },
    #[command(display_order = 11)]
    /// Show what an image holds: size, layers, shells, user, packages.
    #[command(after_help = exit::HELP)]
    Inspect {
        image: String,
        /// Look for shells in every file of every layer (slower, exhaustive).
        #[arg(long)]
        deep: bool,
        /// Only look for shells: print one path per line; exit 1 if any is found.
        #[arg(long)]
        shells: bool,
        #[arg(long)]
        json: bool,
    },
    #[command(display_order = 16)]
    /// Authors: build every starter (must fail as intended) and every solution (must pass).
    Verify {
        /// Only this exercise.
        id: Option<String>,
    },
    #[command(display_order = 8)]
    /// Build the book into target/book (and serve it on 127.0.0.1 with --serve).
    Book {
        /// Serve it and rebuild when book/ or exercises/ change.
        #[arg(long)]
        serve: bool,
        /// Open it in a browser.
        #[arg(long)]
        open: bool,
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    #[command(display_order = 18)]
    /// mdBook's preprocessor protocol (book.toml runs this; you do not need to).
    #[command(hide = true)]
    MdbookPreprocessor {
        #[command(subcommand)]
        command: Option<PreCmd>,
    },
    #[command(display_order = 13)]
    /// Check this machine: engine, API version, builder, disk use, base images.
    Doctor,
    #[command(display_order = 12)]
    /// Compare images side by side (exercise ids or image references), and show what the biggest has that the
    /// smallest does not.
    #[command(after_help = exit::HELP)]
    Compare {
        #[arg(required = true, num_args = 2..)]
        items: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    #[command(display_order = 14)]
    /// Remove every container and image workbook created (they carry the label org.workbook.managed=true).
    Clean,
    #[command(display_order = 4)]
    /// Show the next hint for an exercise (one more each time).
    Hint { id: String },
    #[command(display_order = 5)]
    /// Show the reference solution (after the exercise passes, or with --force).
    Solution {
        id: String,
        #[arg(long)]
        force: bool,
    },
    #[command(display_order = 6)]
    /// Put the starter Dockerfile back (asks first; keeps your version as a .bak file).
    Reset {
        id: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
    #[command(display_order = 3)]
    /// Re-check an exercise every time you save (n: next, h: hint, l: list, q: quit).
    Watch {
        /// Exercise to start with; by default the first one not done yet.
        id: Option<String>,
    },
    #[command(display_order = 9)]
    /// Interview practice: answer in your own words, compare with the model answer, then a live demo.
    Interview {
        /// Print the questions, model answers and key points (a cheat sheet) and exit.
        #[arg(long)]
        print: bool,
        /// With --print: as JSON.
        #[arg(long, requires = "print")]
        json: bool,
        /// Answers (and demo predictions) from a JSON file instead of the keyboard.
        #[arg(long)]
        answers: Option<PathBuf>,
        /// Skip the live demo (it needs the engine).
        #[arg(long)]
        no_demo: bool,
        /// Ask only this many questions (weakest first).
        #[arg(long)]
        count: Option<usize>,
    },
    #[command(display_order = 15)]
    /// Instructors: check every submission in DIR against an exercise, concurrently.
    #[command(after_help = exit::HELP)]
    Grade {
        /// One Dockerfile per student (alice.Dockerfile) or one folder each (alice/Dockerfile).
        dir: PathBuf,
        /// The exercise the submissions answer.
        #[arg(long, short)]
        exercise: String,
        /// Submissions checked at once (DOCKER_HOST can point at a bigger remote engine).
        #[arg(long, default_value_t = 4)]
        jobs: usize,
        /// Seconds one submission may take before it is given up (build included).
        #[arg(long, default_value_t = 900)]
        timeout: u64,
        /// Also write JUnit XML here, for CI systems.
        #[arg(long)]
        junit: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    #[command(display_order = 7)]
    /// Create a new workspace with all the exercises in DIR.
    Init { dir: PathBuf },
    #[command(display_order = 17)]
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand)]
pub enum PreCmd {
    /// Answers whether a renderer is supported (all are).
    Supports { renderer: String },
}

pub fn completions(shell: clap_complete::Shell) {
    clap_complete::generate(shell, &mut Cli::command(), "workbook", &mut std::io::stdout());
}
