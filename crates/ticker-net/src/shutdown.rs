//! Process signals: one future for "stop now, gracefully" (Ctrl-C or SIGTERM) and a watchdog
//! that exits at once on a second signal, for operators who do not want to wait.

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received: shutting down gracefully"),
        _ = terminate => tracing::info!("SIGTERM received: shutting down gracefully"),
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
