//! The assignment helper's results: the checks of pasted results with their verdicts, the
//! outputs, every intermediate value, and in multi-step mode w over the steps.

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints};

use optlab_core::entries::assignment::numpy::Array;
use optlab_core::entries::assignment::{AssignmentReport, Named};
use optlab_core::entries::assignment::{Check, DropoutStats, Verdict};

/// Rows and columns of an array shown; the rest is summarized (and in the copied text).
const SHOWN_ROWS: usize = 8;
const SHOWN_COLUMNS: usize = 10;
/// Elements of w drawn against the step in multi-step mode.
const PLOTTED_ELEMENTS: usize = 10;

/// Draws the results.
pub fn show(ui: &mut Ui, r: &AssignmentReport) {
    egui::ScrollArea::vertical().id_salt("assignment-results").show(ui, |ui| {
        for problem in &r.problems {
            ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {problem}"));
        }
        checks(ui, &r.checks);
        if let Some(stats) = &r.dropout {
            dropout_stats(ui, stats);
        }
        if r.steps.len() > 1 {
            step_plot(ui, r);
        }
        named_arrays(ui, "Outputs", "after the last step", &r.outputs);
        intermediates(ui, r);
        egui::CollapsingHeader::new("Inputs as the rule saw them (defaults filled in)")
            .id_salt("assignment-resolved")
            .show(ui, |ui| named_arrays(ui, "", "", &r.resolved));
    });
}

fn verdict_colour(verdict: Verdict) -> Color32 {
    match verdict {
        Verdict::Agrees => Color32::from_rgb(80, 200, 120),
        Verdict::Close => Color32::from_rgb(235, 180, 60),
        Verdict::Differs => Color32::from_rgb(239, 99, 81),
    }
}

fn checks(ui: &mut Ui, checks: &[Check]) {
    if checks.is_empty() {
        ui.label(RichText::new("Paste your results on the left to check them.").weak());
        return;
    }
    ui.strong("Your results").on_hover_text(
        "rel_error = max |a − b| / max(1e-8, |a| + |b|), as the assignment's notebook computes it",
    );
    egui::Grid::new("assignment-checks").striped(true).num_columns(3).show(ui, |ui| {
        for check in checks {
            ui.monospace(&check.name);
            let error = check.rel_error.map_or_else(|| "—".to_owned(), |e| format!("{e:.3e}"));
            ui.monospace(format!("rel_error {error}"));
            let (icon, colour) = match check.verdict {
                Verdict::Agrees => ("✔", verdict_colour(Verdict::Agrees)),
                Verdict::Close => ("≈", verdict_colour(Verdict::Close)),
                Verdict::Differs => ("✘", verdict_colour(Verdict::Differs)),
            };
            ui.vertical(|ui| {
                ui.colored_label(colour, format!("{icon} {}", check.verdict.describe()));
                if !check.note.is_empty() {
                    ui.label(RichText::new(&check.note).weak());
                }
                if let Some((mistake, error)) = check.mistake {
                    ui.colored_label(
                        verdict_colour(Verdict::Close),
                        format!(
                            "Your result matches this mistake (rel_error {error:.1e}): {}",
                            mistake.describe()
                        ),
                    );
                }
            });
            ui.end_row();
        }
    });
    ui.separator();
}

fn dropout_stats(ui: &mut Ui, d: &DropoutStats) {
    ui.strong("Dropout, as the notebook prints it");
    egui::Grid::new("assignment-dropout").num_columns(2).show(ui, |ui| {
        for (name, value, tip) in [
            ("Mean of input", d.mean_input, "np.mean(x)"),
            ("Mean of train-time output", d.mean_train, "≈ the input's mean: 1/p undoes the drop"),
            (
                "Mean of test-time output",
                d.mean_test,
                "exactly the input's mean: x passes unchanged",
            ),
            ("Fraction of train-time output set to zero", d.zeros_train, "≈ 1 − p"),
            ("Fraction of test-time output set to zero", d.zeros_test, "0"),
        ] {
            ui.label(name).on_hover_text(tip);
            ui.monospace(format!("{value:.6}"));
            ui.end_row();
        }
    });
    ui.label(
        RichText::new(format!(
            "p = {} is the keep probability. The mask comes from ChaCha8, so single values differ \
             from numpy's; the statistics and the pattern (0 or x/p) are what to compare.",
            d.keep
        ))
        .weak(),
    );
    ui.separator();
}

fn named_arrays(ui: &mut Ui, title: &str, subtitle: &str, arrays: &[Named]) {
    if !title.is_empty() {
        ui.horizontal(|ui| {
            ui.strong(title);
            ui.label(RichText::new(subtitle).weak());
        });
    }
    for named in arrays {
        ui.horizontal(|ui| {
            ui.monospace(RichText::new(&named.name).strong());
            ui.label(RichText::new(named.value.shape_text()).weak());
            if ui
                .small_button("📋 Copy")
                .on_hover_text("Copy as numpy text (np.array([...]), full precision)")
                .clicked()
            {
                ui.ctx().copy_text(named.value.to_numpy_text());
            }
        });
        array_grid(ui, &named.name, &named.value);
    }
}

fn intermediates(ui: &mut Ui, r: &AssignmentReport) {
    if r.intermediates.is_empty() {
        return;
    }
    ui.separator();
    egui::CollapsingHeader::new("Intermediate values (last step)")
        .id_salt("assignment-intermediates")
        .default_open(true)
        .show(ui, |ui| {
            let shape = r.outputs.first().map(|o| o.value.shape().to_vec()).unwrap_or_default();
            for part in &r.intermediates {
                let value = Array::new(shape.clone(), part.values.clone())
                    .unwrap_or_else(|| Array::vector(part.values.clone()));
                ui.monospace(RichText::new(part.name).strong());
                array_grid(ui, part.name, &value);
            }
        });
}

/// The first rows and columns of an array with 8 decimals, as numpy prints; full precision on
/// hover.
fn array_grid(ui: &mut Ui, id: &str, array: &Array) {
    if let Some(value) = array.as_scalar().filter(|_| array.shape().iter().all(|&d| d == 1)) {
        ui.monospace(format!("{value:.8}")).on_hover_text(format!("{value:?}"));
        return;
    }
    let columns = array.shape().last().copied().unwrap_or(1).max(1);
    let rows = array.len() / columns;
    egui::Grid::new(("assignment-array", id)).spacing([10.0, 2.0]).show(ui, |ui| {
        for row in 0..rows.min(SHOWN_ROWS) {
            for column in 0..columns.min(SHOWN_COLUMNS) {
                let value = array.data()[row * columns + column];
                ui.monospace(format!("{value:+.8}")).on_hover_text(format!("{value:?}"));
            }
            if columns > SHOWN_COLUMNS {
                ui.weak(format!("… {} more", columns - SHOWN_COLUMNS));
            }
            ui.end_row();
        }
    });
    if rows > SHOWN_ROWS {
        ui.weak(format!("… {} more rows (📋 Copy has them all)", rows - SHOWN_ROWS));
    }
}

/// w's first elements against the step, from the initial w at step 0.
fn step_plot(ui: &mut Ui, r: &AssignmentReport) {
    let Some(initial) = r.resolved.iter().find(|n| n.name == "w") else { return };
    ui.horizontal(|ui| {
        ui.strong(format!("w over {} steps (first {PLOTTED_ELEMENTS} elements)", r.steps.len()));
        if ui
            .small_button("📋 Copy steps as CSV")
            .on_hover_text(
                "step, element and every output after each step (what `optlab run --out` writes \
                 as steps.csv); np.loadtxt(..., delimiter=',', skiprows=1) reads it",
            )
            .clicked()
        {
            ui.ctx().copy_text(optlab_core::entries::assignment::steps_csv(r));
        }
    });
    Plot::new("assignment-steps")
        .height(220.0)
        .legend(Legend::default())
        .x_axis_label("step")
        .y_axis_label("w")
        .show(ui, |plot| {
            for element in 0..initial.value.len().min(PLOTTED_ELEMENTS) {
                let start = [0.0, initial.value.data()[element]];
                let points: Vec<[f64; 2]> = std::iter::once(start)
                    .chain(r.steps.iter().filter_map(|record| {
                        let w = record.values.first()?;
                        Some([f64::from(record.step), *w.value.data().get(element)?])
                    }))
                    .collect();
                plot.line(Line::new(format!("w[{element}]"), PlotPoints::from(points)));
            }
        });
    ui.separator();
}
