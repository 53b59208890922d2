//! `optlab bench`'s frame lines: the app's time per frame (egui pass plus tessellation, at the
//! window's opening size) while each kind of sweep streams in on the other threads, and where
//! the time of each frame over [`FRAME_BUDGET_MS`] went.
//!
//! A frame's wall time splits into the window thread's time on a core, its time runnable but
//! waiting for a core another thread of this machine held (Linux's scheduler account), and the
//! rest: time blocked (on a lock, say) or, on a virtual machine, time the host gave the core to
//! another guest (which a paravirtualised kernel leaves out of the thread's time on a core).

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::{Document, OptlabApp};
use optlab_core::entries::Experiment;
use optlab_core::entries::sweep::SweepLab;
use optlab_core::grid as sweep;
use optlab_core::notebook::{Entry, Notebook};
use optlab_core::optim::OptimizerConfig;
use optlab_core::runner::labs::LabRunner;

/// The frame time the window keeps to while a sweep streams (issue 20), in ms.
const FRAME_BUDGET_MS: f64 = 4.0;

/// How many frames over budget a line lists one by one (the count covers all of them).
const SLOW_FRAMES_LISTED: usize = 8;

/// Where one frame's time went, in ms.
#[derive(Clone, Copy, Debug, PartialEq)]
struct FrameTime {
    /// The frame's place in its series, from 0.
    index: usize,
    /// Whether a new report of the computation reached the window in this frame.
    new_report: bool,
    /// From the start of the frame to its end.
    wall_ms: f64,
    /// The window thread on a core, if the platform tells.
    on_core_ms: Option<f64>,
    /// The window thread's scheduler account over the frame, if the platform keeps one.
    account: Option<ThreadAccount>,
}

impl FrameTime {
    /// Wall time neither on a core nor waiting for one: blocked, or taken by a hypervisor.
    fn other_ms(&self) -> Option<f64> {
        Some(self.wall_ms - self.on_core_ms? - self.account?.waiting_ns as f64 / 1e6)
    }
}

/// A thread's scheduler account (Linux): counts since the thread started, or over a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ThreadAccount {
    /// Time runnable but waiting for a core another thread of this machine held, in ns.
    waiting_ns: u64,
    /// Times the thread gave its core up to wait (for a lock, a timer, a page from disk).
    voluntary_switches: u64,
    /// Times the scheduler took the core from the thread to run another.
    involuntary_switches: u64,
    /// Page faults (minor and major): memory touched for the first time, mostly.
    page_faults: u64,
}

impl ThreadAccount {
    /// The calling thread's account so far: the second field of
    /// `/proc/thread-self/schedstat`, the context switch lines of `/proc/thread-self/status`
    /// and the fault counts of `/proc/thread-self/stat`. `None` off Linux, or if the kernel
    /// keeps no such account.
    fn now() -> Option<Self> {
        let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        let count = |key: &str| -> Option<u64> {
            let line = status.lines().find(|line| line.starts_with(key))?;
            line[key.len()..].trim().parse().ok()
        };
        // The fields after the thread's name (which may hold spaces) start at field 3, the
        // state; field 10 counts minor faults and field 12 major ones.
        let after_name: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let field = |number: usize| -> Option<u64> { after_name.get(number - 3)?.parse().ok() };
        Some(Self {
            waiting_ns: schedstat.split_whitespace().nth(1)?.parse().ok()?,
            voluntary_switches: count("voluntary_ctxt_switches:")?,
            involuntary_switches: count("nonvoluntary_ctxt_switches:")?,
            page_faults: field(10)? + field(12)?,
        })
    }

    /// What happened between `earlier` and `self`.
    fn since(self, earlier: Self) -> Self {
        Self {
            waiting_ns: self.waiting_ns.saturating_sub(earlier.waiting_ns),
            voluntary_switches: self.voluntary_switches.saturating_sub(earlier.voluntary_switches),
            involuntary_switches: self
                .involuntary_switches
                .saturating_sub(earlier.involuntary_switches),
            page_faults: self.page_faults.saturating_sub(earlier.page_faults),
        }
    }
}

/// Time the hypervisor gave this machine's cores to others so far, summed over the cores, in
/// ms: the `steal` column of Linux's `/proc/stat` (in units of 10 ms). `None` elsewhere.
fn machine_steal_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().find(|line| line.starts_with("cpu "))?;
    let ticks: u64 = cpu.split_whitespace().nth(8)?.parse().ok()?;
    Some(ticks as f64 * 10.0)
}

/// The sweeps the frame benchmark draws the app beside, each named: the fast lane family
/// (Momentum, the notebook's default sweep), Adam in the lanes, an engine family (Muon, run by
/// run) and a training sweep. Surface sweeps are `side × side` runs of 20 000 steps (2 000 for
/// the engine's); the training sweep is a few spiral trainings.
fn frame_sweeps(quick: bool) -> Vec<(&'static str, SweepLab)> {
    use optlab_core::entries::training::TrainingLab;
    use optlab_core::grid::{SweepAxis, SweepField};
    let side = if quick { 120 } else { 300 };
    let axis = |field, from, to, log| SweepAxis { field, from, to, count: side, log };
    let mut momentum = SweepLab::default();
    (momentum.x.count, momentum.y.count, momentum.steps) = (side, side, 20_000);
    // `--compare`'s Adam sweep (β₁ × log lr on Rosenbrock), at this benchmark's size.
    let adam = super::work::lab(super::work::Work::AdamSweep, false).map_or_else(
        || momentum.clone(),
        |lab| SweepLab {
            x: SweepAxis { count: side, ..lab.x },
            y: SweepAxis { count: side, ..lab.y },
            steps: 20_000,
            ..lab
        },
    );
    let muon = SweepLab {
        optimizer: OptimizerConfig::catalogue()
            .into_iter()
            .find(|o| matches!(o, OptimizerConfig::Muon { .. }))
            .unwrap_or_else(|| momentum.optimizer.clone()),
        x: axis(SweepField::Noise, 0.0, 1.0, false),
        y: axis(SweepField::Lr, 1e-4, 1e-1, true),
        steps: 2_000,
        ..momentum.clone()
    };
    let cells = if quick { 3 } else { 8 };
    let training = SweepLab {
        training: Some(Box::new(TrainingLab::default())),
        x: SweepAxis { field: SweepField::L2, from: 1e-4, to: 1e-2, count: cells, log: true },
        y: SweepAxis {
            field: SweepField::DropoutKeep,
            from: 0.5,
            to: 1.0,
            count: cells,
            log: false,
        },
        ..SweepLab::default()
    };
    vec![("momentum", momentum), ("adam", adam), ("muon", muon), ("training", training)]
}

/// Frames of the app while each of [`frame_sweeps`] computes on the other threads, one sweep
/// after the other: for each, the wall-time and on-core lines and the split of the slow frames.
/// Then the control series ([`control_while`]) beside the Adam sweep.
pub(super) fn frames(out: &mut impl Write, quick: bool) -> io::Result<()> {
    let mut control = None;
    for (name, lab) in frame_sweeps(quick) {
        let kernel = match lab.configs() {
            _ if lab.training.is_some() => "training",
            Ok(configs) if sweep::lanes::applies_to_all(&configs) => "lanes",
            _ => "engine",
        };
        let label = format!("sweep={name} kernel={kernel}");
        let runs = lab.cells();
        let steal_before = machine_steal_ms();
        let frame_times = frames_while(lab.clone(), quick);
        let steal_ms = steal_before.zip(machine_steal_ms()).map(|(from, to)| to - from);
        write_series(out, "frame", runs, &frame_times, steal_ms, &label)?;
        if name == "adam" {
            control = Some((lab, median_on_core_ms(&frame_times), label));
        }
    }
    let Some((lab, Some(frame_ms), label)) = control else { return Ok(()) };
    let runs = lab.cells();
    let steal_before = machine_steal_ms();
    let frame_times = control_while(lab, quick, frame_ms);
    let steal_ms = steal_before.zip(machine_steal_ms()).map(|(from, to)| to - from);
    let label = format!("{label} fixed_work_ms={frame_ms:.2}");
    write_series(out, "frame_control", runs, &frame_times, steal_ms, &label)
}

/// The three lines of one series: wall time (`{prefix}_while_sweeping`), time on a core
/// (`{prefix}_cpu_while_sweeping`, which leaves out moments the OS gave the window's core to
/// another thread or, on a virtual machine, to another guest) and the split of the slow frames.
fn write_series(
    out: &mut impl Write,
    prefix: &str,
    runs: usize,
    frame_times: &[FrameTime],
    steal_ms: Option<f64>,
    label: &str,
) -> io::Result<()> {
    let wall_ms = frame_times.iter().map(|f| f.wall_ms).collect();
    write_frames(out, &format!("{prefix}_while_sweeping"), runs, wall_ms, label)?;
    let on_core_ms: Option<Vec<f64>> = frame_times.iter().map(|f| f.on_core_ms).collect();
    if let Some(on_core_ms) = on_core_ms {
        write_frames(out, &format!("{prefix}_cpu_while_sweeping"), runs, on_core_ms, label)?;
    }
    write_slow_frames(out, &format!("{prefix}_over_4ms_split"), frame_times, steal_ms, label)
}

/// The median time on a core of `frame_times`, if the platform tells.
fn median_on_core_ms(frame_times: &[FrameTime]) -> Option<f64> {
    let mut on_core_ms: Vec<f64> =
        frame_times.iter().map(|f| f.on_core_ms).collect::<Option<_>>()?;
    on_core_ms.sort_by(f64::total_cmp);
    on_core_ms.get(on_core_ms.len() / 2).copied()
}

/// The control series: while `lab` computes on the app's runner and threads (kept off the
/// window's core as in the app), fixed work taking as long on a core as the app's median frame
/// (`frame_ms`) stands in for each frame, at the same pace. Its frames over budget come from
/// the machine (a hypervisor, the kernel), not from the app: the app's count reads against it.
fn control_while(lab: SweepLab, quick: bool, frame_ms: f64) -> Vec<FrameTime> {
    optlab_core::runner::keep_background_off_window();
    let mut labs = LabRunner::<()>::new(Arc::new(|| {}), Arc::new(|_| None));
    labs.sync(&Experiment::Sweep(lab));
    let mut work = FixedWork::new();
    let visits = work.visits_for(frame_ms);
    let mut frame_times = Vec::new();
    let started = Instant::now();
    let limit = Duration::from_secs(if quick { 5 } else { 30 });
    while started.elapsed() < limit && labs.busy() {
        labs.poll();
        let index = frame_times.len();
        frame_times.push(timed(index, || {
            std::hint::black_box(work.run(std::hint::black_box(visits)));
        }));
        std::thread::sleep(FRAME_PAUSE);
    }
    frame_times
}

/// The pause between two frames of a series: a 60 Hz window's.
const FRAME_PAUSE: Duration = Duration::from_millis(16);

/// The control's stand-in for a frame: the same reads and multiply-adds every time, over about
/// as many bytes as one frame of the app touches (its shapes, text layouts and the tessellated
/// vertices and indices: 1–2 MB at the window's size). Between two frames other work (on a
/// virtual machine, other guests) evicts part of that from the caches, and the control's frames
/// pay for reloading it as the app's do: here a frame after a 16 ms pause took twice as long as
/// one drawn straight after the last. A few kB of work would stay cached and miss that cost.
struct FixedWork {
    /// 1 MiB of numbers, walked in a fixed order that jumps 32 kB at a time (so a hardware
    /// prefetcher does not hide the misses).
    values: Vec<f64>,
}

impl FixedWork {
    /// Numbers the work visits: 1 MiB of them.
    const LEN: usize = 1 << 17;
    /// The jump between two visits, odd so that the walk reaches every number.
    const STRIDE: usize = 4099;

    fn new() -> Self {
        Self { values: vec![0.5; Self::LEN] }
    }

    /// `visits` steps of the walk, from its start (past the end it starts over).
    fn run(&mut self, visits: usize) -> f64 {
        let mut sum = 0.0;
        let mut at = 0;
        for i in 0..visits {
            let value = &mut self.values[at];
            *value = *value * 0.999_999 + i as f64 * 1e-12;
            sum += *value;
            at = (at + Self::STRIDE) % Self::LEN;
        }
        sum
    }

    /// The visits that take about `frame_ms` on a core when run at the frames' pace: scaled
    /// from the median time of a whole walk, then once more from the median time of that many
    /// visits (a shorter walk leaves more of its numbers cached).
    fn visits_for(&mut self, frame_ms: f64) -> usize {
        let mut visits = Self::LEN;
        for _ in 0..2 {
            let Some(median_ms) = self.paced_median_ms(visits) else { return visits };
            // At most a few million visits, far inside usize.
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "rounded, ≥ 1, and far below 2^52"
            )]
            let scaled = (frame_ms / median_ms * visits as f64).round().max(1.0) as usize;
            visits = scaled;
        }
        visits
    }

    /// The median time on a core of 20 runs of `visits`, each after a frame's pause; `None` if
    /// the platform does not tell or the time is not positive.
    fn paced_median_ms(&mut self, visits: usize) -> Option<f64> {
        let mut run_ms: Vec<f64> = (0..20)
            .filter_map(|_| {
                std::thread::sleep(FRAME_PAUSE);
                let begin = cpu_time::ThreadTime::try_now().ok()?;
                std::hint::black_box(self.run(std::hint::black_box(visits)));
                Some(begin.try_elapsed().ok()?.as_secs_f64() * 1e3)
            })
            .collect();
        run_ms.sort_by(f64::total_cmp);
        run_ms.get(run_ms.len() / 2).copied().filter(|&ms| ms > 0.0)
    }
}

/// The app's frame times while `lab` computes: until it is done, or for at most 30 s (5 s when
/// `quick`).
fn frames_while(lab: SweepLab, quick: bool) -> Vec<FrameTime> {
    let notebook = Notebook {
        entries: vec![Entry {
            name: "bench sweep".to_owned(),
            notes: String::new(),
            experiment: Experiment::Sweep(lab),
        }],
        ..Notebook::default_notebook()
    };
    let ctx = egui::Context::default();
    crate::app::install_fonts(&ctx);
    let mut app = OptlabApp::new(Document::new(notebook, None), 0, &ctx, 2);
    let mut frame_times = Vec::new();
    let started = Instant::now();
    let limit = Duration::from_secs(if quick { 5 } else { 30 });
    let mut time = 0.0;
    // The first frame builds the font atlas (every glyph the views print, see
    // `fonts::prewarm`) and lays out every panel once: it is the window's launch, not a frame
    // "while a sweep runs", and is left out.
    let mut warm_up = true;
    while started.elapsed() < limit {
        let frame_time = timed_frame(&ctx, &mut app, time, frame_times.len());
        if !std::mem::take(&mut warm_up) {
            frame_times.push(frame_time);
        }
        time += 1.0 / 60.0;
        let done = matches!(app.labs.report(), Some(optlab_core::entries::LabReport::Sweep(r)) if r.progress().0 == r.progress().1);
        if done && !app.labs.busy() {
            break;
        }
        std::thread::sleep(FRAME_PAUSE);
    }
    frame_times
}

/// One frame of `app` at `time`, and where its time went.
fn timed_frame(ctx: &egui::Context, app: &mut OptlabApp, time: f64, index: usize) -> FrameTime {
    let generation = app.labs.generation;
    let mut frame_time = timed(index, || {
        app.tick(time);
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                crate::app::WINDOW_SIZE.into(),
            )),
            time: Some(time),
            ..egui::RawInput::default()
        };
        let mut output = ctx.run_ui(input, |ui| app.draw(ui));
        // No GPU here: the texture uploads a real frame would apply are dropped on purpose.
        output.textures_delta.clear();
        std::hint::black_box(ctx.tessellate(output.shapes, output.pixels_per_point));
    });
    frame_time.new_report = app.labs.generation != generation;
    frame_time
}

/// Runs `frame` (the `index`th of its series) and returns where its time went.
fn timed(index: usize, frame: impl FnOnce()) -> FrameTime {
    let account_begin = ThreadAccount::now();
    let begin = Instant::now();
    let on_core_begin = cpu_time::ThreadTime::try_now().ok();
    frame();
    let on_core = on_core_begin.and_then(|t| t.try_elapsed().ok());
    let wall_ms = begin.elapsed().as_secs_f64() * 1e3;
    FrameTime {
        index,
        new_report: false,
        wall_ms,
        on_core_ms: on_core.map(|t| t.as_secs_f64() * 1e3),
        account: account_begin.zip(ThreadAccount::now()).map(|(from, to)| to.since(from)),
    }
}

/// One labelled line of frame-time figures.
fn write_frames(
    out: &mut impl Write,
    label: &str,
    sweep_runs: usize,
    mut frame_ms: Vec<f64>,
    sweep: &str,
) -> io::Result<()> {
    frame_ms.sort_by(f64::total_cmp);
    // Quantile `percent` among the sorted frames.
    let at = |percent: usize| {
        frame_ms.get(frame_ms.len().saturating_sub(1) * percent / 100).copied().unwrap_or(f64::NAN)
    };
    writeln!(
        out,
        "{label} frames={} sweep_runs={sweep_runs} median_ms={:.2} p95_ms={:.2} max_ms={:.2} \
         over_4ms={} {sweep}",
        frame_ms.len(),
        at(50),
        at(95),
        at(100),
        frame_ms.iter().filter(|&&ms| ms > FRAME_BUDGET_MS).count(),
    )
}

/// The line splitting each frame over [`FRAME_BUDGET_MS`] (the slowest first, at most
/// [`SLOW_FRAMES_LISTED`]), and the time the machine's cores were stolen during the series.
/// Each frame reads `#index=wall:on-core+waiting+other/swVOLUNTARY,INVOLUNTARY/pfFAULTS` (ms,
/// context switches, page faults), with `/new` when a new report reached the window in it. "Other" time without a switch was taken by a hypervisor:
/// the thread never left its core in its own kernel's eyes.
fn write_slow_frames(
    out: &mut impl Write,
    label: &str,
    frame_times: &[FrameTime],
    steal_ms: Option<f64>,
    sweep: &str,
) -> io::Result<()> {
    let mut slow: Vec<FrameTime> =
        frame_times.iter().copied().filter(|f| f.wall_ms > FRAME_BUDGET_MS).collect();
    slow.sort_by(|a, b| b.wall_ms.total_cmp(&a.wall_ms));
    let listed: Vec<String> = slow.iter().take(SLOW_FRAMES_LISTED).map(slow_frame).collect();
    let listed = if listed.is_empty() { "none".to_owned() } else { listed.join(" ") };
    writeln!(
        out,
        "{label} over_4ms={} machine_steal_ms={} {sweep} \
         frames(#index=wall:on_core+waiting+other/switches/page_faults)=[{listed}]",
        slow.len(),
        ms(steal_ms),
    )
}

/// One frame as `#index=wall:on-core+waiting+other/swVOLUNTARY,INVOLUNTARY/pfFAULTS`, `?` where
/// unknown.
fn slow_frame(frame: &FrameTime) -> String {
    let account = frame.account;
    let count = |value: Option<u64>| value.map_or_else(|| "?".to_owned(), |v| v.to_string());
    format!(
        "#{}={:.2}:{}+{}+{}/sw{},{}/pf{}{}",
        frame.index,
        frame.wall_ms,
        ms(frame.on_core_ms),
        ms(account.map(|a| a.waiting_ns as f64 / 1e6)),
        ms(frame.other_ms()),
        count(account.map(|a| a.voluntary_switches)),
        count(account.map(|a| a.involuntary_switches)),
        count(account.map(|a| a.page_faults)),
        if frame.new_report { "/new" } else { "" },
    )
}

/// `value` in ms with two decimals, or `?`.
fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "?".to_owned(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(index: usize, wall_ms: f64, on_core_ms: f64, waiting_ns: u64) -> FrameTime {
        let account = ThreadAccount {
            waiting_ns,
            voluntary_switches: 0,
            involuntary_switches: 1,
            page_faults: 7,
        };
        FrameTime {
            index,
            new_report: index == 2,
            wall_ms,
            on_core_ms: Some(on_core_ms),
            account: Some(account),
        }
    }

    #[test]
    fn a_slow_frame_is_split_into_its_parts_and_a_fast_one_is_not_listed() {
        let fast = frame(0, 1.0, 0.9, 0);
        let waited = frame(2, 6.5, 1.0, 5_000_000);
        let unknown = FrameTime {
            index: 1,
            new_report: false,
            wall_ms: 4.5,
            on_core_ms: None,
            account: None,
        };
        let mut out = Vec::new();
        write_slow_frames(&mut out, "split", &[fast, unknown, waited], Some(20.0), "sweep=x")
            .unwrap();
        let line = String::from_utf8(out).unwrap();
        assert_eq!(
            line,
            "split over_4ms=2 machine_steal_ms=20.00 sweep=x \
             frames(#index=wall:on_core+waiting+other/switches/page_faults)=\
             [#2=6.50:1.00+5.00+0.50/sw0,1/pf7/new #1=4.50:?+?+?/sw?,?/pf?]\n"
        );
    }

    #[test]
    fn without_slow_frames_the_split_says_none() {
        let fast = FrameTime {
            index: 0,
            new_report: false,
            wall_ms: 3.9,
            on_core_ms: Some(3.0),
            account: None,
        };
        let mut out = Vec::new();
        write_slow_frames(&mut out, "split", &[fast], None, "s").unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(line.contains("over_4ms=0 machine_steal_ms=? s"), "{line}");
        assert!(line.ends_with("=[none]\n"), "{line}");
    }

    #[test]
    fn an_account_over_a_frame_is_the_difference_of_two_readings() {
        let account = |waiting_ns, voluntary_switches, involuntary_switches, page_faults| {
            ThreadAccount { waiting_ns, voluntary_switches, involuntary_switches, page_faults }
        };
        let over = account(25, 5, 1, 40).since(account(10, 3, 1, 30));
        assert_eq!(over, account(15, 2, 0, 10));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_reads_the_window_threads_account() {
        // Kernels built with scheduler statistics (`CONFIG_SCHED_INFO`, as distributions ship
        // them) keep these counts; touching fresh pages between two readings adds faults.
        let before = ThreadAccount::now().expect("Linux keeps a per-thread account");
        let touched: Vec<u8> = vec![1; 64 << 20];
        std::hint::black_box(&touched);
        let after = ThreadAccount::now().expect("Linux keeps a per-thread account");
        assert!(after.since(before).page_faults > 0, "{before:?} → {after:?}");
    }
}
