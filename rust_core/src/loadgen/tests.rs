//! End-to-end tests of the load generator against a tiny blocking HTTP/1.1 server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use bytes::Bytes;

use super::*;

/// How the test server answers every request.
#[derive(Clone, Copy)]
enum Answer {
    Json,
    Status501,
    /// `chunks` chunked-encoding pieces, the first after `first_ms`, then `gap_ms` apart.
    Stream {
        first_ms: u64,
        chunks: u32,
        gap_ms: u64,
    },
}

fn serve_connection(stream: TcpStream, answer: Answer) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut content_length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                content_length = value.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        match answer {
            Answer::Json => {
                let payload = br#"{"ok":true}"#;
                write!(
                    writer,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    payload.len()
                )?;
                writer.write_all(payload)?;
            }
            Answer::Status501 => {
                let payload = b"proxy path not available";
                write!(
                    writer,
                    "HTTP/1.1 501 Not Implemented\r\ncontent-length: {}\r\n\r\n",
                    payload.len()
                )?;
                writer.write_all(payload)?;
            }
            Answer::Stream {
                first_ms,
                chunks,
                gap_ms,
            } => {
                writer.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                      transfer-encoding: chunked\r\n\r\n",
                )?;
                writer.flush()?;
                thread::sleep(Duration::from_millis(first_ms));
                for i in 0..chunks {
                    if i > 0 {
                        thread::sleep(Duration::from_millis(gap_ms));
                    }
                    let event = format!("data: {{\"i\":{i}}}\n\n");
                    write!(writer, "{:x}\r\n{event}\r\n", event.len())?;
                    writer.flush()?;
                }
                writer.write_all(b"0\r\n\r\n")?;
            }
        }
        writer.flush()?;
    }
}

/// Starts a server on an ephemeral loopback port; it lives until the test process exits.
fn start_server(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind test server");
    let port = listener.local_addr().expect("local addr").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve_connection(stream, answer));
        }
    });
    format!("http://127.0.0.1:{port}/v1/chat/completions")
}

fn spec(url: &str, mode: Mode, duration_ms: u64) -> Spec {
    Spec {
        template: Template::new(url, "POST", &[], Bytes::from_static(b"{\"m\":1}"))
            .expect("template"),
        mode,
        warmup: Duration::ZERO,
        duration: Duration::from_millis(duration_ms),
        max_requests: 1_000_000,
        is_streaming: false,
        threads: 1,
        timeout: Duration::from_secs(5),
    }
}

#[test]
fn closed_loop_measures_every_success() {
    let url = start_server(Answer::Json);
    let mut s = spec(&url, Mode::Closed { concurrency: 4 }, 300);
    s.threads = 2;
    s.warmup = Duration::from_millis(100);
    let report = run(s, &Arc::new(Progress::default())).expect("run");
    assert!(report.stats.measured_ok > 10, "{report:?}");
    assert!(report.stats.ok >= report.stats.measured_ok);
    assert_eq!(report.stats.error_count(), 0);
    assert_eq!(report.stats.latency.count(), report.stats.measured_ok);
    assert!(report.stats.latency.quantile_ns(0.5) > 0);
    assert!(report.requests_per_s() > 0.0);
    assert!((report.window_s - 0.3).abs() < 0.05, "{}", report.window_s);
    assert_eq!(report.unfinished, 0);
}

#[test]
fn max_requests_bounds_the_run() {
    let url = start_server(Answer::Json);
    let mut s = spec(&url, Mode::Closed { concurrency: 3 }, 10_000);
    s.max_requests = 50;
    let report = run(s, &Arc::new(Progress::default())).expect("run");
    assert_eq!(report.sent, 50);
    assert_eq!(report.stats.ok, 50);
    assert!(report.window_s < 5.0);
}

#[test]
fn streams_record_ttft_and_gaps() {
    let url = start_server(Answer::Stream {
        first_ms: 10,
        chunks: 5,
        gap_ms: 2,
    });
    let mut s = spec(&url, Mode::Closed { concurrency: 2 }, 300);
    s.is_streaming = true;
    let report = run(s, &Arc::new(Progress::default())).expect("run");
    let st = &report.stats;
    assert!(st.measured_ok >= 2, "{report:?}");
    assert_eq!(st.ttft.count(), st.measured_ok);
    // The chunked terminator carries no data, so each stream has 5 chunks and 4 gaps.
    assert_eq!(st.chunks, 5 * st.measured_ok);
    assert_eq!(st.inter_chunk.count(), 4 * st.measured_ok);
    assert!(st.ttft.quantile_ns(0.5) >= 10_000_000);
    assert!(st.inter_chunk.quantile_ns(0.5) >= 1_500_000);
    assert!(st.latency.quantile_ns(0.5) >= 18_000_000);
}

#[test]
fn error_statuses_are_counted_with_a_sample() {
    let url = start_server(Answer::Status501);
    let mut s = spec(&url, Mode::Closed { concurrency: 1 }, 10_000);
    s.max_requests = 5;
    let report = run(s, &Arc::new(Progress::default())).expect("run");
    assert_eq!(report.stats.ok, 0);
    assert_eq!(report.stats.errors["status_501"], 5);
    assert_eq!(
        report.stats.error_samples["status_501"],
        "proxy path not available"
    );
}

#[test]
fn refused_connections_are_errors_not_panics() {
    // Bind then drop to get a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let report = run(
        spec(&url, Mode::Closed { concurrency: 2 }, 100),
        &Arc::new(Progress::default()),
    )
    .expect("run");
    assert_eq!(report.stats.ok, 0);
    assert!(report.stats.errors["connect"] > 0);
    // Paced retries: nowhere near a busy loop.
    assert!(report.stats.errors["connect"] < 200);
}

#[test]
fn open_loop_follows_the_schedule() {
    let url = start_server(Answer::Json);
    let report = run(
        spec(
            &url,
            Mode::Open {
                rate_per_s: 200.0,
                connections: 4,
            },
            500,
        ),
        &Arc::new(Progress::default()),
    )
    .expect("run");
    // Sends follow the clock, not the answers; a starved machine may miss the last few.
    assert!((60..=101).contains(&report.sent), "{}", report.sent);
    assert_eq!(report.stats.error_count(), 0);
}

#[test]
fn stop_ends_the_run_early() {
    let url = start_server(Answer::Json);
    let progress = Arc::new(Progress::default());
    progress.stop();
    let report = run(
        spec(&url, Mode::Closed { concurrency: 2 }, 10_000),
        &progress,
    )
    .expect("run");
    assert_eq!(report.sent, 0);
}

#[test]
fn invalid_specs_are_rejected() {
    let url = "http://127.0.0.1:9/";
    let progress = Arc::new(Progress::default());
    assert!(run(spec(url, Mode::Closed { concurrency: 0 }, 100), &progress).is_err());
    let open = Mode::Open {
        rate_per_s: 0.0,
        connections: 1,
    };
    assert!(run(spec(url, open, 100), &progress).is_err());
    assert!(Template::new("ftp://x/", "GET", &[], Bytes::new()).is_err());
}
