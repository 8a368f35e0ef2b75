//! The `certsift` binary: a thin shell over the library (see `cli`).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,lopdf=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("certsift: {err:#}");
            ExitCode::from(1)
        }
    }
}
