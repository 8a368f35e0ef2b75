//! The `certsift` binary: a thin shell over the library (see `cli`).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,lopdf=off,certsift=info")
            }),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("certsift: {err:#}");
            // One scheme for every command: 0 done, 1 done with problems or nothing found (a
            // `Failure` says so), 2 could not run.
            let code = err.downcast_ref::<cli::Failure>().map_or(2, |f| f.code);
            ExitCode::from(code)
        }
    }
}
