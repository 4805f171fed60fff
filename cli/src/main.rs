//! `keyroute`: where does this key go? Command-line front end of the core.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

mod args;
mod command;
mod hex;
mod input;
mod json;
mod load;
mod net;
mod node;
mod plan;
mod pool;
mod preshard;
mod rings;
mod slot;

use args::{Cli, Command, PlanCommand};

/// How a run went wrong, and the exit status that says so.
pub(crate) enum Failure {
    /// Bad command line or bad input: exit status 2.
    Usage(String),
    /// The question has no answer (e.g. an unserved slot, an unreachable
    /// cluster): exit status 1.
    Failed(String),
    /// Writing the output failed (e.g. a closed pipe): exit status 1.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_exit(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_exit(e),
    };
    match run(cli, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("keyroute: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("keyroute: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("keyroute: {e}");
            ExitCode::from(1)
        }
    }
}

/// Help and version go to stdout with status 0; a bad command line to
/// stderr with status 2, worded as the CLI's other errors
/// (`keyroute: ...`, then the usage line).
fn clap_exit(e: clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    let text = match text.strip_prefix("error: ") {
        Some(rest) => format!("keyroute: {rest}"),
        None => text,
    };
    let _ = io::stderr().write_all(text.replace("Usage: ", "usage: ").as_bytes());
    ExitCode::from(2)
}

fn run(cli: Cli, matches: &ArgMatches) -> Result<(), Failure> {
    match cli.command {
        Command::Slot(a) => slot::slot(&a),
        Command::Tag(a) => slot::tag(&a),
        Command::Keys(a) => command::keys(&a),
        Command::Check(a) => command::check(&a),
        Command::Node(a) => node::run(&a),
        Command::Plan(PlanCommand::Rebalance(a)) => {
            let m = matches
                .subcommand_matches("plan")
                .and_then(|p| p.subcommand_matches("rebalance"))
                .expect("the matches of plan rebalance");
            plan::rebalance(&a, plan::edits_in_order(m))
        }
        Command::Plan(PlanCommand::Load(a)) => load::report(&a),
        Command::Plan(PlanCommand::Moved(a)) => rings::moved(&a),
        Command::Plan(PlanCommand::Preshard(a)) => preshard::preshard(&a),
        Command::Completions(a) => {
            let mut out = io::stdout().lock();
            clap_complete::generate(a.shell, &mut Cli::command(), "keyroute", &mut out);
            out.flush()?;
            Ok(())
        }
    }
}
