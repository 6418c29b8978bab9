//! Process signals: one future for "stop now, gracefully" (Ctrl-C or SIGTERM) and a watchdog
//! that exits at once on a second signal, for operators who do not want to wait.

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled: a signal that arrives in between (a service
/// already answering its first request while its accept loop has not polled this yet) still
/// shuts down gracefully instead of killing the process with the default action.
#[cfg(unix)]
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, Signal, SignalKind};
    async fn first(installed: std::io::Result<Signal>) {
        match installed {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
    let interrupt = first(signal(SignalKind::interrupt()));
    let terminate = first(signal(SignalKind::terminate()));
    async move {
        tokio::select! {
            () = interrupt => tracing::info!("SIGINT received: shutting down gracefully"),
            () = terminate => tracing::info!("SIGTERM received: shutting down gracefully"),
        }
    }
}

/// Resolves on the first Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C received: shutting down gracefully");
    }
}

/// After the first signal, spawns a task that exits the process (status 130) on the next one.
pub fn exit_on_second_signal() {
    tokio::spawn(async {
        shutdown_signal().await;
        tracing::warn!("second signal: exiting immediately");
        std::process::exit(130);
    });
}
