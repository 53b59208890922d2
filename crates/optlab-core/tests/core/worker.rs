//! The background worker: batches equal a direct run, stale jobs are cancelled, a panicking
//! job is reported and the worker keeps serving.

use std::time::{Duration, Instant};

use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{self, Outcome, RunConfig, Trace};
use optlab_core::runner::races::{Job, MAX_POINTS_PER_RUN, RunBatch, Worker, WorkerEvent};
use optlab_core::schedule::Schedule;
use optlab_core::surface::Surface;

fn config(steps: u64, lr: f64) -> RunConfig {
    RunConfig {
        surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
        start: [-1.2, 1.0],
        optimizer: OptimizerConfig::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            bias_correction: true,
            amsgrad: false,
            weight_decay: 0.0,
        },
        schedule: Schedule::Constant,
        steps,
        noise_sigma: 0.0,
        seed: 0,
    }
}

/// Collects the batches of one key/generation until its final batch arrives.
fn collect(worker: &Worker, key: u64, generation: u64) -> Vec<RunBatch> {
    let deadline = Instant::now() + Duration::from_mins(1);
    let mut batches = Vec::new();
    while Instant::now() < deadline {
        match worker.next_timeout(Duration::from_millis(100)) {
            Some(WorkerEvent::Batch(batch))
                if batch.key == key && batch.generation == generation =>
            {
                let done = batch.finished.is_some();
                batches.push(batch);
                if done {
                    return batches;
                }
            }
            Some(WorkerEvent::Failed { message, .. }) => panic!("job failed: {message}"),
            _ => {}
        }
    }
    panic!("the worker did not finish in time");
}

#[test]
fn batches_carry_exactly_the_steps_of_a_direct_run() {
    let mut worker = Worker::spawn(2, || {});
    let job = config(5000, 0.01);
    let generation = worker.submit(7, Job::Run(job.clone()));
    let batches = collect(&worker, 7, generation);
    let records: Vec<_> = batches.iter().flat_map(|b| b.records.clone()).collect();
    let internals: Vec<_> = batches.iter().flat_map(|b| b.internals.clone()).collect();
    let mut direct = Trace::with_capacity(10_000);
    let summary = run::execute(&job, &mut direct);
    assert_eq!(records, direct.records());
    assert_eq!(internals.len(), records.len());
    assert!(internals.iter().zip(&records).all(|(i, r)| i.step == r.step));
    // Adam's second moment v: zero before the first update, positive after it.
    assert!(internals[0].second_moment.iter().all(|v| *v == 0.0));
    assert!(internals[1..].iter().all(|i| i.second_moment.iter().all(|v| *v > 0.0)));
    assert_eq!(batches.last().and_then(|b| b.finished), Some(summary));
}

#[test]
fn long_runs_are_decimated_for_drawing_but_end_on_the_last_step() {
    let mut worker = Worker::spawn(1, || {});
    let steps = 3 * MAX_POINTS_PER_RUN + 17;
    let generation = worker.submit(1, Job::Run(config(steps, 1e-4)));
    let batches = collect(&worker, 1, generation);
    let records: Vec<_> = batches.iter().flat_map(|b| b.records.clone()).collect();
    assert!(records.len() as u64 <= MAX_POINTS_PER_RUN + 2, "{} records", records.len());
    assert_eq!(records.last().map(|r| r.step), Some(steps));
    assert!(batches.len() > 1, "results arrive in several batches");
}

#[test]
fn resubmitting_a_key_cancels_the_stale_job() {
    let mut worker = Worker::spawn(1, || {});
    let stale = worker.submit(3, Job::Run(config(5_000_000, 1e-4)));
    let fresh = worker.submit(3, Job::Run(config(100, 0.01)));
    assert!(fresh > stale);
    let batches = collect(&worker, 3, fresh);
    assert_eq!(batches.last().and_then(|b| b.finished).map(|s| s.outcome), Some(Outcome::Finished));
    // The stale job stopped early instead of computing its five million steps.
    let deadline = Instant::now() + Duration::from_secs(20);
    while worker.jobs_in_flight() > 0 {
        assert!(Instant::now() < deadline, "the cancelled job kept running");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_panicking_job_is_reported_and_the_worker_keeps_serving() {
    let mut worker = Worker::spawn(1, || {});
    let crashed = worker.submit(9, Job::Panic("injected fault".into()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let message = loop {
        assert!(Instant::now() < deadline, "no failure reported");
        if let Some(WorkerEvent::Failed { key: 9, generation, message }) =
            worker.next_timeout(Duration::from_millis(100))
        {
            assert_eq!(generation, crashed);
            break message;
        }
    };
    assert!(message.contains("injected fault"), "{message}");
    let generation = worker.submit(10, Job::Run(config(50, 0.01)));
    let batches = collect(&worker, 10, generation);
    assert!(batches.last().and_then(|b| b.finished).is_some());
}
