//! Controls of the selected race: notes, surface, start point, steps and noise, and the runs.
//!
//! Controls only edit the notebook. Each frame the app compares the configs the notebook asks
//! for with what was computed and recomputes exactly the runs that changed
//! ([`super::results::RaceResults::sync`]); nothing is computed here.

use egui::text::{LayoutJob, TextFormat};
use egui::{Button, CollapsingHeader, RichText, TextStyle, Ui};

use std::sync::Arc;

use crate::app::entries::race::copy_torch;
use crate::app::entries::race::optimizer_controls::{self, Param};
use crate::app::entries::race::schedule_controls;
use crate::app::entries::race::schedule_preview::RunContext;
use crate::app::widgets::number_field::NumberField;
use crate::app::widgets::surface_probe::{Answer, Probe};
use crate::app::widgets::{lab_widgets, numbers, palette};
use optlab_core::entries::race as notebook;
use optlab_core::entries::race::{Race, RaceRun};
use optlab_core::expr::Formula;
use optlab_core::limits::Limit;
use optlab_core::optim::OptimizerConfig;
use optlab_core::run::{NOISE_SIGMA, RunConfig};
use optlab_core::runner::Wake;
use optlab_core::schedule::Schedule;
use optlab_core::surface::{self, GradientCheck, Point, Surface};

/// Most runs one race holds: more would not be readable on the map or in the legend.
pub const MAX_RUNS: usize = 12;

/// Slider range of the number of steps, inside [`notebook::STEPS`].
const STEPS_RANGE: (u64, u64) = (10, 100_000);

/// Longest formula (bytes) edited in a text field: a longer one would be laid out and parsed
/// every frame, which costs more than a frame. It is shown as a summary instead.
pub const EDITABLE_FORMULA_BYTES: usize = 16 * 1024;

/// Characters of a long formula shown after "f(x, y) =".
const FORMULA_PREVIEW_CHARS: usize = 200;

/// Draws the race's controls: surface, start point, steps and noise, and the runs.
pub fn show(ui: &mut Ui, race: &mut Race) {
    section(ui, "Loss surface");
    surface_controls(ui, race);
    section(ui, "Start point");
    start_controls(ui, race);
    section(ui, "Steps and noise");
    steps_controls(ui, race);
    section(ui, "Runs");
    runs_controls(ui, race);
}

fn section(ui: &mut Ui, title: &str) {
    ui.separator();
    ui.strong(title);
}

// ---- Surface --------------------------------------------------------------------------------

const TACO_CONDITION: Param = Param {
    limit: surface::TACO_CONDITION,
    min: 1.0,
    max: 1000.0,
    log: true,
    label: "condition κ",
    tip: "Condition number: how many times steeper the valley is across than along. Large κ \
          makes plain SGD zig-zag",
};
const TACO_ANGLE: Param = Param {
    limit: surface::TACO_ANGLE,
    min: -90.0,
    max: 90.0,
    log: false,
    label: "angle °",
    tip: "Direction of the valley floor in degrees from the x axis. Diagonal valleys defeat \
          per-coordinate scaling (RMSprop, Adam)",
};
const ROSENBROCK_A: Param = Param {
    limit: surface::ROSENBROCK_A,
    min: -3.0,
    max: 3.0,
    log: false,
    label: "a",
    tip: "Position of the minimum (a, a²) along the banana-shaped valley",
};
const ROSENBROCK_B: Param = Param {
    limit: surface::ROSENBROCK_B,
    min: 0.1,
    max: 1000.0,
    log: true,
    label: "b",
    tip: "Steepness of the valley walls: large b makes a narrow curved valley that is hard \
          to follow",
};
const RASTRIGIN_A: Param = Param {
    limit: surface::RASTRIGIN_A,
    min: 0.0,
    max: 20.0,
    log: false,
    label: "a",
    tip: "Depth of the ripples: the larger a, the deeper the local minima that trap descent",
};
const QUADRATIC_H: Param = Param {
    limit: surface::QUADRATIC_H,
    min: -10.0,
    max: 10.0,
    log: false,
    label: "h11",
    tip: "Curvature along x (Hessian entry h11)",
};
const QUADRATIC_H12: Param = Param {
    label: "h12 = h21",
    tip: "Coupling of x and y (both off-diagonal Hessian entries, so H stays symmetric): \
          tilts the bowl's axes",
    ..QUADRATIC_H
};
const QUADRATIC_H22: Param =
    Param { label: "h22", tip: "Curvature along y (Hessian entry h22)", ..QUADRATIC_H };
const QUADRATIC_C1: Param = Param {
    limit: surface::QUADRATIC_C,
    min: -5.0,
    max: 5.0,
    log: false,
    label: "c1",
    tip: "Linear term c1: moves the minimum H⁻¹c",
};
const QUADRATIC_C2: Param =
    Param { label: "c2", tip: "Linear term c2: moves the minimum H⁻¹c", ..QUADRATIC_C1 };

fn surface_controls(ui: &mut Ui, race: &mut Race) {
    if surface(ui, &mut race.surface) {
        race.start = None;
    }
}

/// The surface picker, its parameters and its formula; returns whether another surface was
/// picked (it then has its default parameters).
pub fn surface(ui: &mut Ui, surface: &mut Surface) -> bool {
    let mut picked = None;
    egui::ComboBox::from_label("surface")
        .selected_text(surface.name())
        .show_ui(ui, |ui| {
            for candidate in Surface::catalogue() {
                let current =
                    std::mem::discriminant(&candidate) == std::mem::discriminant(&*surface);
                if ui.selectable_label(current, candidate.name()).clicked() && !current {
                    picked = Some(candidate);
                }
            }
        })
        .response
        .on_hover_text(
            "The loss surface the optimizers race on. Switching takes that surface's default \
             parameters and start point",
        );
    let switched = picked.is_some();
    if let Some(new_surface) = picked {
        *surface = new_surface;
    }
    match surface {
        Surface::TacoShell { condition, angle } => {
            TACO_CONDITION.slider(ui, condition);
            TACO_ANGLE.slider(ui, angle);
        }
        Surface::Rosenbrock { a, b } => {
            ROSENBROCK_A.slider(ui, a);
            ROSENBROCK_B.slider(ui, b);
        }
        Surface::Rastrigin { a } => {
            RASTRIGIN_A.slider(ui, a);
        }
        Surface::Quadratic { h, c } => quadratic_controls(ui, h, c),
        Surface::Beale
        | Surface::Himmelblau
        | Surface::SixHumpCamel
        | Surface::Saddle
        | Surface::DoubleWell => {
            ui.weak("No parameters.");
        }
        Surface::Expression(formula) if formula.text().len() > EDITABLE_FORMULA_BYTES => {
            long_formula_summary(ui, formula);
        }
        Surface::Expression(formula) => formula_controls(ui, formula),
    }
    let shown = match surface {
        Surface::Expression(formula) => preview(formula.text()),
        other => other.formula(),
    };
    ui.label(RichText::new(format!("f(x, y) = {shown}")).monospace())
        .on_hover_text("The loss the optimizers minimize");
    switched
}

/// `text`, cut after [`FORMULA_PREVIEW_CHARS`] characters with "…".
fn preview(text: &str) -> String {
    match text.char_indices().nth(FORMULA_PREVIEW_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A formula too long for a text field: its size and number of terms, and where to edit it.
/// The summary is computed once per formula (counting a megabyte of text takes a while).
fn long_formula_summary(ui: &mut Ui, formula: &Formula) {
    let id = ui.make_persistent_id("long-formula-summary");
    let key = (formula.text().as_ptr() as usize, formula.text().len());
    let cached = ui.data(|d| d.get_temp::<((usize, usize), String)>(id));
    let summary = match cached {
        Some((k, summary)) if k == key => summary,
        _ => {
            let summary = formula_summary(formula.text());
            ui.data_mut(|d| d.insert_temp(id, (key, summary.clone())));
            summary
        }
    };
    ui.label(summary).on_hover_text(format!(
        "Formulas longer than {} KB are not edited here: laying out and parsing them in every \
         frame would freeze the window. Edit the notebook's RON file and open it again",
        EDITABLE_FORMULA_BYTES / 1024
    ));
}

/// "formula of 1.2 MB, 64 000 terms: edit it in the notebook file".
fn formula_summary(text: &str) -> String {
    let terms = 1 + text.bytes().filter(|&b| b == b'+' || b == b'-').count();
    #[expect(clippy::cast_precision_loss, reason = "a size shown with one decimal")]
    let size = if text.len() >= 1_000_000 {
        format!("{:.1} MB", text.len() as f64 / 1e6)
    } else {
        format!("{:.0} KB", text.len() as f64 / 1e3)
    };
    format!("formula of {size}, about {} terms: edit it in the notebook file", grouped(terms))
}

/// `n` with a thin space between groups of three digits: `64 000`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A text field for a typed formula. The text being typed is kept aside; the surface changes
/// only when it parses, and otherwise the error shows with its column.
fn formula_controls(ui: &mut Ui, formula: &mut Formula) {
    let id = ui.make_persistent_id("formula-draft");
    let mut draft =
        ui.data(|d| d.get_temp::<String>(id)).unwrap_or_else(|| formula.text().to_owned());
    ui.add(egui::TextEdit::singleline(&mut draft).code_editor().desired_width(f32::INFINITY))
        .on_hover_text(
            "f(x, y) with + − * / ^, parentheses, sin cos tan exp log sqrt abs tanh, pi, e. \
             Gradient and Hessian by automatic differentiation",
        );
    // Parsed only when it differs from the formula (not again every frame).
    if draft != formula.text() {
        match Formula::new(&draft) {
            Ok(parsed) => *formula = parsed,
            Err(e) => {
                ui.colored_label(ui.visuals().error_fg_color, e.to_string());
            }
        }
    }
    ui.data_mut(|d| d.insert_temp(id, draft));
}

/// ½pᵀHp − cᵀp: three Hessian entries (h12 sets both off-diagonals) and c.
fn quadratic_controls(ui: &mut Ui, h: &mut ((f64, f64), (f64, f64)), c: &mut (f64, f64)) {
    QUADRATIC_H.slider(ui, &mut h.0.0);
    let mut h12 = h.0.1;
    if QUADRATIC_H12.slider(ui, &mut h12) {
        h.0.1 = h12;
        h.1.0 = h12;
    }
    QUADRATIC_H22.slider(ui, &mut h.1.1);
    QUADRATIC_C1.slider(ui, &mut c.0);
    QUADRATIC_C2.slider(ui, &mut c.1);
}

// ---- Start, steps, noise --------------------------------------------------------------------

fn start_controls(ui: &mut Ui, race: &mut Race) {
    let mut start = race.start_point();
    let mut changed = false;
    for (name, value) in ["start x", "start y"].into_iter().zip(start.iter_mut()) {
        changed |=
            NumberField::new(Limit::finite(name), name, "Where every run starts: type a number")
                .format(numbers::coordinate)
                .show(ui, value);
    }
    if changed {
        race.start = Some(start);
    }
    if ui
        .add_enabled(race.start.is_some(), Button::new("Default start"))
        .on_hover_text("Go back to the surface's own start point, chosen to show its trap")
        .on_disabled_hover_text("The runs already start at the surface's default start")
        .clicked()
    {
        race.start = None;
    }
    ui.weak("or click/drag on the map");
    gradient_check(ui, &race.surface, start);
}

/// The analytic gradient at the start against central differences, with the relative error.
fn gradient_check(ui: &mut Ui, surface: &Surface, at: surface::Point) {
    CollapsingHeader::new("Gradient check")
        .id_salt("gradient-check")
        .show(ui, |ui| gradient_check_text(ui, surface, at));
}

fn gradient_check_text(ui: &mut Ui, surface: &Surface, at: surface::Point) {
    let id = ui.make_persistent_id("gradient-check-probe");
    let ctx = ui.ctx().clone();
    let probe = ui.data_mut(|d| {
        d.get_temp_mut_or_insert_with(id, || {
            let wake: Wake = Arc::new(move || ctx.request_repaint());
            Probe::<GradientCheck>::new(Surface::gradient_check, wake)
        })
        .clone()
    });
    let check = match probe.get(surface, at) {
        Answer::Ready(check) => check,
        Answer::Pending => {
            ui.weak("computing the gradient check…");
            return;
        }
        Answer::Failed => {
            ui.colored_label(ui.visuals().error_fg_color, "the gradient check failed");
            return;
        }
    };
    let [a, n] = [check.analytic, check.numeric];
    let verdict = match (check.defined(), check.agrees()) {
        (false, _) => "undefined here (NaN or infinite): nothing to check",
        (true, true) => "agree",
        (true, false) => "DIFFER",
    };
    ui.label(
        RichText::new(format!(
            "∇f = ({:.4e}, {:.4e})\nnumeric ({:.4e}, {:.4e})\nrelative error {:.1e} (absolute {:.1e}): {verdict}",
            a[0], a[1], n[0], n[1], check.relative_error, check.absolute_error
        ))
        .monospace(),
    )
    .on_hover_text(
        "Gradient check at the start point: the analytic gradient against central differences \
         (f(p + h) − f(p − h)) / 2h with h = 1e-5·max(1, |p|). Relative error \
         ‖a − n‖ / max(1e-8, ‖a‖ + ‖n‖) of the two gradient vectors",
    );
}

const NOISE: Param = Param {
    limit: NOISE_SIGMA,
    min: 0.0,
    max: 5.0,
    log: false,
    label: "SGD noise σ",
    tip: "Standard deviation of Gaussian noise added to every gradient, like the noise of a \
          mini-batch gradient. 0 = exact gradients",
};
const TOLERANCE: Param = Param {
    limit: notebook::TOLERANCE,
    min: 1e-12,
    max: 1e-1,
    log: true,
    label: "tolerance",
    tip: "A run counts as having reached the minimum once its loss is within this of the \
          global minimum",
};

fn steps_controls(ui: &mut Ui, race: &mut Race) {
    optimizer_controls::count_slider(
        ui,
        &mut race.steps,
        STEPS_RANGE.0..=STEPS_RANGE.1,
        notebook::STEPS,
        "steps",
        "Number of updates every run makes",
    );
    NOISE.slider(ui, &mut race.noise);
    lab_widgets::seed_field(
        ui,
        &mut race.seed,
        "Seed of the gradient noise: the same seed gives the same noisy runs (run i uses seed + i)",
    );
    TOLERANCE.slider(ui, &mut race.tolerance);
}

// ---- Runs -----------------------------------------------------------------------------------

/// What a run's buttons asked for (applied after the list is drawn).
#[derive(Clone, Copy)]
enum RunAction {
    Duplicate,
    Remove,
    Up,
    Down,
}

fn runs_controls(ui: &mut Ui, race: &mut Race) {
    // A run just added or duplicated opens once (its index, kept for one frame).
    let open_id = ui.make_persistent_id("open-run");
    let open_new: Option<usize> = ui.data_mut(|d| d.remove_temp(open_id));
    let count = race.runs.len();
    let mut action = None;
    let exports: Vec<_> = (0..count).map(|i| race.run_config(i)).collect();
    let at = (&race.surface, race.start_point(), race.steps);
    for (index, run) in race.runs.iter_mut().enumerate() {
        ui.push_id(index, |ui| {
            let open = (open_new == Some(index)).then_some(true);
            let export = exports[index].as_ref();
            if let Some(a) = run_controls(ui, (run, at, export), index, count, open) {
                action = Some((index, a));
            }
        });
    }
    if let Some((index, action)) = action
        && let Some(opened) = apply(race, index, action)
    {
        ui.data_mut(|d| d.insert_temp(open_id, opened));
    }
    let room = race.runs.len() < MAX_RUNS;
    if ui
        .add_enabled(room, Button::new("➕ Add run"))
        .on_hover_text("Add an Adam run (lr 0.05) to the race")
        .on_disabled_hover_text(format!(
            "A race holds at most {MAX_RUNS} runs: more would not be readable on the map. \
             Remove a run first"
        ))
        .clicked()
    {
        race.runs.push(new_run(race));
        ui.data_mut(|d| d.insert_temp(open_id, race.runs.len() - 1));
    }
}

/// Applies a run button; returns the index of a new run to open.
fn apply(race: &mut Race, index: usize, action: RunAction) -> Option<usize> {
    let count = race.runs.len();
    match action {
        RunAction::Duplicate if count < MAX_RUNS => {
            let mut copy = race.runs[index].clone();
            copy.name = format!("{} (copy)", copy.name);
            race.runs.insert(index + 1, copy);
            return Some(index + 1);
        }
        RunAction::Remove => {
            race.runs.remove(index);
        }
        RunAction::Up if index > 0 => race.runs.swap(index, index - 1),
        RunAction::Down if index + 1 < count => race.runs.swap(index, index + 1),
        // Disabled buttons: nothing to do.
        RunAction::Duplicate | RunAction::Up | RunAction::Down => {}
    }
    None
}

/// An Adam run with lr 0.05 named "Run N", N not yet used.
fn new_run(race: &Race) -> RaceRun {
    let mut optimizer = OptimizerConfig::catalogue()
        .into_iter()
        .find(|o| matches!(o, OptimizerConfig::Adam { .. }))
        .unwrap_or(OptimizerConfig::Sgd { lr: 0.05, weight_decay: 0.0 });
    optimizer.set_lr(0.05);
    // Among n + 1 candidates at most n are taken.
    let count = race.runs.len();
    let name = (count + 1..=2 * count + 1)
        .map(|n| format!("Run {n}"))
        .find(|name| race.runs.iter().all(|r| r.name != *name))
        .unwrap_or_default();
    RaceRun { name, enabled: true, color: None, optimizer, schedule: Schedule::Constant }
}

/// One run as a collapsible block; returns the button the user pressed.
fn run_controls(
    ui: &mut Ui,
    (run, (surface, start, steps), export): (
        &mut RaceRun,
        (&Surface, Point, u64),
        Option<&RunConfig>,
    ),
    index: usize,
    count: usize,
    open: Option<bool>,
) -> Option<RunAction> {
    let colour = palette::run_colour(run.color, index);
    let block = CollapsingHeader::new(run_title(ui, run, colour))
        .id_salt(("run", index))
        .default_open(index == 0)
        .open(open)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.checkbox(&mut run.enabled, "enabled").on_hover_text(
                    "Disabled runs stay in the notebook but are neither computed nor drawn",
                );
                let mut rgb = [colour.r(), colour.g(), colour.b()];
                let response = egui::color_picker::color_edit_button_srgb(ui, &mut rgb)
                    .on_hover_text("The run's colour on the map and in the plots");
                if response.changed() {
                    run.color = Some((rgb[0], rgb[1], rgb[2]));
                }
            });
            ui.add(
                egui::TextEdit::singleline(&mut run.name)
                    .hint_text("run name")
                    .char_limit(optlab_core::names::MAX_NAME_CHARS),
            )
            .on_hover_text("The run's name in the legend and the table");
            optimizer_controls::race_optimizer(ui, &mut run.optimizer, index, (surface, start));
            ui.add_space(4.0);
            let context = RunContext::new(&run.optimizer, steps, false);
            schedule_controls::schedule_for_run(ui, &mut run.schedule, index, &context);
            let action = run_buttons(ui, index, count);
            copy_torch::button(ui, export);
            action
        });
    block.header_response.on_hover_text("Show or hide this run's settings");
    block.body_returned.flatten()
}

/// "● name" with the dot in the run's colour; a disabled run's name is dimmed.
fn run_title(ui: &Ui, run: &RaceRun, colour: egui::Color32) -> LayoutJob {
    let font = TextStyle::Body.resolve(ui.style());
    let text_colour =
        if run.enabled { ui.visuals().text_color() } else { ui.visuals().weak_text_color() };
    let name = if run.name.is_empty() { "(unnamed)" } else { &run.name };
    let mut job = LayoutJob::default();
    job.append("● ", 0.0, TextFormat::simple(font.clone(), colour));
    job.append(name, 0.0, TextFormat::simple(font, text_colour));
    job
}

fn run_buttons(ui: &mut Ui, index: usize, count: usize) -> Option<RunAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        let room = count < MAX_RUNS;
        let buttons = [
            (room, "Duplicate", "Copy this run below it", RunAction::Duplicate),
            (true, "Remove", "Delete this run (Ctrl+Z brings it back)", RunAction::Remove),
            (index > 0, "⬆", "Move the run up the list", RunAction::Up),
            (index + 1 < count, "⬇", "Move the run down the list", RunAction::Down),
        ];
        for (enabled, text, tip, this) in buttons {
            if ui.add_enabled(enabled, Button::new(text)).on_hover_text(tip).clicked() {
                action = Some(this);
            }
        }
    });
    action
}

#[cfg(test)]
mod tests {
    use super::*;
    use optlab_core::notebook::Notebook;

    #[test]
    fn every_slider_range_lies_inside_its_limit() {
        let params = [
            TACO_CONDITION,
            TACO_ANGLE,
            ROSENBROCK_A,
            ROSENBROCK_B,
            RASTRIGIN_A,
            QUADRATIC_H,
            QUADRATIC_H12,
            QUADRATIC_H22,
            QUADRATIC_C1,
            QUADRATIC_C2,
            NOISE,
            TOLERANCE,
        ];
        for p in params {
            assert!(p.limit.contains(p.min) && p.limit.contains(p.max), "{}", p.label);
            assert!(p.min < p.max && (!p.log || p.min > 0.0), "{}", p.label);
        }
        assert!(notebook::STEPS.contains(STEPS_RANGE.0 as f64));
        assert!(notebook::STEPS.contains(STEPS_RANGE.1 as f64));
    }

    /// The default notebook's first race.
    fn default_race() -> Race {
        let entry = Notebook::default_notebook().entries.remove(0);
        entry.experiment.race().cloned().expect("a race")
    }

    #[test]
    fn long_formulas_are_summarised() {
        assert_eq!(grouped(64_000), "64 000");
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(1_234_567), "1 234 567");
        let text = "0.1*(x-1)^2+".repeat(100_000) + "y";
        assert_eq!(
            formula_summary(&text),
            "formula of 1.2 MB, about 200 001 terms: edit it in the notebook file"
        );
        assert_eq!(preview("x+y"), "x+y");
        assert_eq!(preview(&text).chars().count(), FORMULA_PREVIEW_CHARS + 1);
    }

    #[test]
    fn new_runs_get_unused_names_and_validate() {
        let mut race = default_race();
        race.runs[0].name = "Run 6".to_owned();
        let run = new_run(&race);
        assert_eq!(run.name, "Run 7");
        assert!(
            matches!(run.optimizer, OptimizerConfig::Adam { lr, .. } if (lr - 0.05).abs() < 1e-15)
        );
        race.runs.push(run);
        assert!(race.validate().is_ok());
    }

    #[test]
    fn run_buttons_edit_the_list() {
        let mut race = default_race();
        let first = race.runs[0].name.clone();
        assert_eq!(apply(&mut race, 0, RunAction::Duplicate), Some(1));
        assert_eq!(race.runs[1].name, format!("{first} (copy)"));
        apply(&mut race, 0, RunAction::Down);
        assert_eq!(race.runs[1].name, first);
        apply(&mut race, 0, RunAction::Up);
        assert_eq!(race.runs[0].name, format!("{first} (copy)"));
        apply(&mut race, 0, RunAction::Remove);
        assert_eq!(race.runs[0].name, first);
        while race.runs.len() < MAX_RUNS {
            race.runs.push(new_run(&race));
        }
        assert_eq!(apply(&mut race, 0, RunAction::Duplicate), None);
        assert_eq!(race.runs.len(), MAX_RUNS);
    }
}
