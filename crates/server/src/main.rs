use clap::Parser;

// mimalloc: the API's many small, short-lived allocations are a measurable
// share of CPU with the system allocator (see bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use switchboard_server::cli::{self, Cli};
use tracing_subscriber::EnvFilter;

fn init_tracing(level: &str, json: bool) {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match cli::load_settings(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(&settings.log.level, settings.log.format == "json");
    match cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
