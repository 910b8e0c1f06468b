//! `dars`: the native side of Day-Ahead Risk Scout. `main` only maps the result of [`cli::run`]
//! to an exit code so that every command stays testable as library code.

mod alerts;
mod atomic;
mod audit;
mod cli;
mod config;
mod crypto;
mod demo;
mod export;
mod keys;
mod lake;
mod overrides;
mod predict;
mod pull;
mod registry;
mod runs;
mod schedule;
mod serve;
mod simulate;
mod train;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
