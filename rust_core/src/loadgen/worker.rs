//! One OS thread of the load generator: a current-thread tokio runtime driving its share of the
//! connections, each an HTTP/1.1 keep-alive connection sending one request at a time.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::stats::{Stats, SAMPLE_BYTES};
use super::{Mode, Progress, Spec};

/// Shared, read-only plan of the run plus the cross-thread counters.
pub struct Plan {
    pub spec: Spec,
    pub progress: Arc<Progress>,
    pub start: Instant,
    pub warmup_end: Instant,
    pub deadline: Instant,
    /// After this every unfinished request is abandoned.
    pub hard_deadline: Instant,
}

enum Failure {
    Connect(String),
    Io(String),
    Status(u16, String),
}

struct Timing {
    first_chunk: Option<Instant>,
    chunks: u64,
    body_bytes: u64,
}

/// Runs `connections` connection loops on this thread until the plan says stop.
pub fn run_thread(plan: &Arc<Plan>, connections: usize) -> Result<Stats, std::io::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    let stats = Rc::new(RefCell::new(Stats::default()));
    local.block_on(&runtime, async {
        let handles: Vec<_> = (0..connections)
            .map(|_| tokio::task::spawn_local(connection_loop(Arc::clone(plan), Rc::clone(&stats))))
            .collect();
        let hard = tokio::time::Instant::from_std(plan.hard_deadline);
        for handle in handles {
            // A task still running at the hard deadline is dropped with the runtime.
            let _ = tokio::time::timeout_at(hard, handle).await;
        }
    });
    drop(local);
    drop(runtime);
    let taken = std::mem::take(&mut *stats.borrow_mut());
    Ok(taken)
}

async fn connect(plan: &Plan) -> Result<SendRequest<Full<Bytes>>, Failure> {
    let stream = TcpStream::connect(plan.spec.template.addr)
        .await
        .map_err(|e| Failure::Connect(e.to_string()))?;
    // Nagle would add up to 40 ms to small requests on a keep-alive connection.
    stream
        .set_nodelay(true)
        .map_err(|e| Failure::Connect(e.to_string()))?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Failure::Connect(e.to_string()))?;
    tokio::task::spawn_local(connection);
    Ok(sender)
}

async fn ready_sender<'a>(
    plan: &Plan,
    slot: &'a mut Option<SendRequest<Full<Bytes>>>,
) -> Result<&'a mut SendRequest<Full<Bytes>>, Failure> {
    // A kept-alive connection the server closed is replaced once, silently; a fresh one that
    // is not ready is a failure.
    for attempt in 0..2 {
        let is_usable = match slot.as_mut() {
            Some(sender) if !sender.is_closed() => sender.ready().await.is_ok(),
            _ => false,
        };
        if is_usable {
            break;
        }
        if attempt == 1 {
            *slot = None;
            return Err(Failure::Io("connection not ready".to_owned()));
        }
        *slot = Some(connect(plan).await?);
    }
    slot.as_mut()
        .ok_or_else(|| Failure::Io("no connection".to_owned()))
}

async fn one_request(
    plan: &Plan,
    slot: &mut Option<SendRequest<Full<Bytes>>>,
    on_gap: &mut impl FnMut(Duration),
) -> Result<Timing, Failure> {
    let sender = ready_sender(plan, slot).await?;
    let response = sender
        .send_request(plan.spec.template.request())
        .await
        .map_err(|e| Failure::Io(e.to_string()))?;
    let status = response.status();
    let mut body = response.into_body();
    let mut timing = Timing {
        first_chunk: None,
        chunks: 0,
        body_bytes: 0,
    };
    let mut sample = Vec::new();
    let mut last_chunk: Option<Instant> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::Io(e.to_string()))?;
        let Some(data) = frame.data_ref() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        let now = Instant::now();
        if let Some(previous) = last_chunk {
            on_gap(now - previous);
        } else {
            timing.first_chunk = Some(now);
        }
        last_chunk = Some(now);
        timing.chunks += 1;
        timing.body_bytes += data.len() as u64;
        if !status.is_success() && sample.len() < SAMPLE_BYTES {
            sample.extend_from_slice(&data[..data.len().min(SAMPLE_BYTES - sample.len())]);
        }
    }
    if status.is_success() {
        Ok(timing)
    } else {
        Err(Failure::Status(
            status.as_u16(),
            String::from_utf8_lossy(&sample).into_owned(),
        ))
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// When ticket `ticket` is due: now (closed loop) or on the fixed open-loop schedule.
#[allow(clippy::cast_precision_loss)]
fn due_time(plan: &Plan, ticket: u64) -> Instant {
    match plan.spec.mode {
        Mode::Closed { .. } => Instant::now(),
        Mode::Open { rate_per_s, .. } => {
            let offset = Duration::from_secs_f64(ticket as f64 / rate_per_s);
            plan.start + offset
        }
    }
}

async fn connection_loop(plan: Arc<Plan>, stats: Rc<RefCell<Stats>>) {
    let mut slot: Option<SendRequest<Full<Bytes>>> = None;
    let mut gaps: Vec<Duration> = Vec::new();
    let progress = &plan.progress;
    loop {
        if progress.is_stopped() {
            break;
        }
        let ticket = progress.next_ticket.fetch_add(1, Ordering::Relaxed);
        if ticket >= plan.spec.max_requests {
            break;
        }
        let due = due_time(&plan, ticket);
        if due >= plan.deadline {
            break;
        }
        if matches!(plan.spec.mode, Mode::Open { .. }) {
            tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        }
        if Instant::now() >= plan.deadline {
            break;
        }
        progress.sent.fetch_add(1, Ordering::Relaxed);
        let is_measured = due >= plan.warmup_end;
        gaps.clear();
        let outcome = tokio::time::timeout(
            plan.spec.timeout,
            one_request(&plan, &mut slot, &mut |gap| gaps.push(gap)),
        )
        .await;
        let done = Instant::now();
        let mut is_connect_failure = false;
        {
            let mut s = stats.borrow_mut();
            match outcome {
                Ok(Ok(timing)) => {
                    progress.ok.fetch_add(1, Ordering::Relaxed);
                    s.ok += 1;
                    if is_measured {
                        s.measured_ok += 1;
                        s.latency.record(nanos(done - due));
                        if plan.spec.is_streaming {
                            if let Some(first) = timing.first_chunk {
                                s.ttft.record(nanos(first - due));
                            }
                            for gap in &gaps {
                                s.inter_chunk.record(nanos(*gap));
                            }
                        }
                        s.chunks += timing.chunks;
                        s.body_bytes += timing.body_bytes;
                        s.last_completion = Some(s.last_completion.map_or(done, |t| t.max(done)));
                    }
                }
                Ok(Err(failure)) => {
                    progress.errors.fetch_add(1, Ordering::Relaxed);
                    match failure {
                        Failure::Connect(text) => {
                            slot = None;
                            is_connect_failure = true;
                            s.error("connect", || text);
                        }
                        Failure::Io(text) => {
                            slot = None;
                            s.error("io", || text);
                        }
                        Failure::Status(code, body) => s.error(&format!("status_{code}"), || body),
                    }
                }
                Err(_elapsed) => {
                    progress.errors.fetch_add(1, Ordering::Relaxed);
                    slot = None;
                    s.error("timeout", || {
                        format!("no answer within {:?}", plan.spec.timeout)
                    });
                }
            }
        }
        if is_connect_failure {
            // A refused connection fails in microseconds: pace retries so a dead target does
            // not turn the run into a busy loop.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
