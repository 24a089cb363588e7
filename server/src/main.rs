//! `agentwire-server`: parse the command line, start, print the one startup line, and stop
//! cleanly on Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use agentwire_server::config::{Cli, Config};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env_tokens = std::env::var("AGENTWIRE_TOKENS").ok();
    let config = match Config::from_cli(cli, env_tokens.as_deref()) {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("agentwire-server: {problem}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("agentwire-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(serve(config));
    // Tasks still running (a stuck client) must not delay the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

async fn serve(config: Config) -> ExitCode {
    let handle = match agentwire_server::start(config).await {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("agentwire-server: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Tests parse this exact line to learn the port; it must be out before anything else.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "agentwire-server listening on http://{}",
        handle.local_addr()
    );
    let _ = stdout.flush();
    drop(stdout);

    wait_for_stop_signal().await;
    handle.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
