//! Schedule-Free's evaluation point x beside its parameters y: the optimizer's parameters
//! (the run's path, where gradients are taken) are y = (1 − β)z + βx, while the model is
//! evaluated at the average x. On the map x's path is drawn dashed in the run's colour with a
//! ring at the shown step; in the loss plot the loss at x is a dashed curve of the same colour.
//! The worker measures x and its loss at the recorded steps (`InternalsSample::evaluation`).

use egui_plot::{Line, LineStyle, MarkerShape, PlotPoint, PlotPoints, PlotUi, Points};

use crate::app::entries::race::results::{RunResult, thin};
use crate::app::widgets::palette;
use optlab_core::entries::race::Race;
use optlab_core::run::StepRecord;

/// The map legend's and hover name of the dashed path of x.
pub const EVALUATION_NAME: &str = "evaluation point x (Schedule-Free average)";
/// The loss plot's legend name of the dashed curves.
pub const LOSS_AT_X_NAME: &str = "loss at the evaluation point x (Schedule-Free)";
/// What the dashed curves are.
pub const LOSS_AT_X_HINT: &str = "Schedule-Free takes its gradients at the parameters y (the \
    solid curve) and is evaluated at the average x: the dashed curve of the same colour is the \
    loss at x";
/// Most points of one dashed path on the map.
const MOST_DRAWN: usize = 2000;

/// The evaluation points of `result` up to `step` as records (position x, loss at x, the
/// record's lr unknown: NaN), in step order; empty for a rule without an evaluation point.
#[must_use]
pub fn evaluation_records(result: &RunResult, step: u64) -> Vec<StepRecord> {
    result
        .internals_until(step)
        .iter()
        .filter_map(|sample| {
            let evaluation = sample.evaluation?;
            Some(StepRecord {
                step: sample.step,
                position: evaluation.point,
                loss: evaluation.loss,
                lr: f64::NAN,
                grad_norm: f64::NAN,
            })
        })
        .collect()
}

/// Draws x's dashed path and a ring at the shown step for every enabled run that has an
/// evaluation point and is not in `hidden`; returns the legend name when one was drawn.
pub fn draw(
    plot_ui: &mut PlotUi<'_>,
    race: &Race,
    step: u64,
    (runs, hidden): (&[RunResult], &std::collections::BTreeSet<usize>),
) -> Option<&'static str> {
    let mut drawn = None;
    for (index, run) in race.runs.iter().enumerate() {
        if !run.enabled || hidden.contains(&index) {
            continue;
        }
        let Some(result) = runs.get(index) else { continue };
        let records = evaluation_records(result, step);
        let points: Vec<PlotPoint> = thin(&records, MOST_DRAWN)
            .filter(|r| r.position.iter().all(|c| c.is_finite()))
            .map(|r| PlotPoint::from(r.position))
            .collect();
        let Some(&last) = points.last() else { continue };
        let colour = palette::run_colour(run.color, index);
        let id = ("optlab-evaluation-point", index);
        plot_ui.line(
            Line::new(EVALUATION_NAME, PlotPoints::Owned(points))
                .id(id)
                .color(colour)
                .width(1.5)
                .style(LineStyle::Dashed { length: 6.0 })
                .allow_band(false),
        );
        plot_ui.points(
            Points::new("", [last.x, last.y])
                .id((id, "ring"))
                .shape(MarkerShape::Circle)
                .filled(false)
                .radius(5.0)
                .color(colour)
                .allow_hover(false),
        );
        drawn = Some(EVALUATION_NAME);
    }
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::optim::OptimizerConfig;
    use optlab_core::run::RunConfig;
    use optlab_core::runner::races::{Job, Worker, WorkerEvent};
    use optlab_core::schedule::Schedule;
    use optlab_core::surface::Surface;
    use std::time::Duration;

    /// A Schedule-Free run through the worker, as the app computes it.
    fn computed(optimizer: OptimizerConfig) -> RunResult {
        let config = RunConfig {
            surface: Surface::Rosenbrock { a: 1.0, b: 100.0 },
            start: [-1.2, 1.0],
            optimizer,
            schedule: Schedule::Constant,
            steps: 300,
            noise_sigma: 0.0,
            seed: 0,
        };
        let mut worker = Worker::spawn(1, || {});
        let generation = worker.submit(7, Job::Run(config.clone()));
        let mut result = RunResult { config: Some(config), generation, ..RunResult::default() };
        while result.summary.is_none() {
            match worker.next_timeout(Duration::from_mins(1)) {
                Some(WorkerEvent::Batch(batch)) => {
                    result.records.extend(batch.records);
                    result.internals.extend(batch.internals);
                    result.summary = batch.finished;
                }
                other => panic!("no batch: {other:?}"),
            }
        }
        result
    }

    #[test]
    #[expect(clippy::float_cmp, reason = "before the first step x is y itself, exactly")]
    fn schedule_free_runs_carry_their_average_and_its_loss() {
        let sgd = OptimizerConfig::ScheduleFreeSgd {
            lr: 0.0005,
            momentum: 0.9,
            weight_decay: 0.0,
            warmup_steps: 0,
            r: 0.0,
            weight_lr_power: 2.0,
        };
        let result = computed(sgd);
        let records = evaluation_records(&result, u64::MAX);
        assert_eq!(records.len(), result.internals.len());
        // Before the first step x is y; later it lags behind y (the average of the z's).
        assert_eq!(records[0].position, result.records[0].position);
        let (y, x) = (result.records[200].position, records[200].position);
        assert!((x[0] - y[0]).abs() + (x[1] - y[1]).abs() > 1e-6, "x {x:?} y {y:?}");
        let rosenbrock = |p: [f64; 2]| (1.0 - p[0]).powi(2) + 100.0 * (p[1] - p[0] * p[0]).powi(2);
        assert!((records[200].loss - rosenbrock(x)).abs() <= 1e-9 * rosenbrock(x).max(1.0));
        let adam = computed(OptimizerConfig::Adam {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            bias_correction: true,
            amsgrad: false,
            weight_decay: 0.0,
        });
        assert!(evaluation_records(&adam, u64::MAX).is_empty());
    }
}
