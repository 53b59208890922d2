//! The DropConnect lab's views: per unit, the moment-matched Gaussian against Monte Carlo, and
//! inference three ways (mean inference, the paper's Gaussian sampling, the closed form)
//! against the training-time truth E[relu((M⊙W)v)].

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, Corner, GridMark, Legend, Plot};

use super::mask_picture;

use optlab_core::entries::drop_connect::DropConnectReport;

/// The four estimates of E[relu(u)] per unit, with their colours.
const SERIES: [(&str, Color32); 4] = [
    ("training truth (Monte Carlo)", Color32::from_rgb(230, 230, 230)),
    ("mean inference relu(pWv)", Color32::from_rgb(239, 99, 81)),
    ("Gaussian sampling (paper)", Color32::from_rgb(80, 200, 120)),
    ("closed form μΦ(μ/σ)+σφ(μ/σ)", Color32::from_rgb(90, 160, 245)),
];

/// Draws the lab.
pub fn show(ui: &mut Ui, r: &DropConnectReport) {
    ui.label(
        RichText::new(format!(
            "Each weight is kept with p = {:.2}. The pre-activation u = (M⊙W)v has mean pWv and \
             variance p(1−p)(W⊙W)(v⊙v); relu of the mean is not the mean of relu.",
            r.keep
        ))
        .weak(),
    );
    let height = (ui.available_height() * 0.55).max(160.0);
    ui.columns(2, |columns| {
        columns[0].vertical(|ui| inference_chart(ui, r, height));
        columns[1].vertical(|ui| mask_picture::show(ui, &r.mask, height));
    });
    ui.separator();
    egui::ScrollArea::both().id_salt("dropconnect-table").show(ui, |ui| unit_table(ui, r));
}

fn inference_chart(ui: &mut Ui, r: &DropConnectReport, height: f32) {
    ui.strong("E[relu(u)] per unit, four ways");
    let pick: [fn(&optlab_core::entries::drop_connect::UnitInference) -> f64; 4] = [
        |u| u.monte_carlo.relu_mean,
        |u| u.mean_inference,
        |u| u.gaussian_sampled,
        |u| u.closed_form,
    ];
    let units = r.units.len();
    let tallest = r
        .units
        .iter()
        .map(|u| u.monte_carlo.relu_mean.max(u.gaussian_sampled))
        .fold(0.0, |m: f64, v| if v.is_finite() { m.max(v) } else { m });
    Plot::new("dropconnect-inference")
        .height(height - 40.0)
        .legend(Legend::default().position(Corner::LeftTop))
        // Headroom above the bars for the legend.
        .include_y(tallest * 1.7)
        .include_y(0.0)
        .x_axis_label("unit")
        .y_axis_label("activation")
        .x_grid_spacer(move |_| unit_marks(units))
        .show(ui, |plot| {
            for (k, ((name, colour), value)) in SERIES.iter().zip(pick).enumerate() {
                let bars = r
                    .units
                    .iter()
                    .enumerate()
                    .map(|(i, u)| {
                        Bar::new((i + 1) as f64 + (k as f64 - 1.5) * 0.2, value(u)).width(0.18)
                    })
                    .collect();
                plot.bar_chart(BarChart::new(*name, bars).color(*colour));
            }
        });
    let m = r.means;
    ui.label(format!(
        "Layer means: training {:.4} · mean inference {:.4} · Gaussian sampling {:.4} · closed \
         form {:.4}",
        m.train, m.mean_inference, m.gaussian_sampled, m.closed_form
    ));
}

/// Marks on the unit axis at whole unit numbers (from 1): every unit up to five units, then
/// every 2nd, 5th, 10th … so that at most five are labelled (`egui_plot` hides x labels closer
/// than 60 points).
fn unit_marks(units: usize) -> Vec<GridMark> {
    let step = [1, 2, 5, 10, 20, 50].into_iter().find(|step| units <= 5 * step).unwrap_or(100);
    let first = if step == 1 { 1 } else { step };
    (first..=units)
        .step_by(step)
        .map(|unit| GridMark { value: unit as f64, step_size: step as f64 })
        .collect()
}

fn unit_table(ui: &mut Ui, r: &DropConnectReport) {
    egui::Grid::new("dropconnect-units").striped(true).num_columns(8).show(ui, |ui| {
        for (title, tip) in [
            ("unit", "Row of W, numbered from 1 as in the chart and the picture"),
            ("mean pWv", "Moment-matched mean of u"),
            ("MC mean", "Sample mean of u over training masks"),
            ("var", "Moment-matched variance p(1−p)(W⊙W)(v⊙v)"),
            ("MC var", "Sample variance of u over training masks"),
            ("relu(mean)", "Mean inference: relu of the mean"),
            ("Gaussian", "The paper: mean of relu over Z Gaussian samples"),
            ("truth", "Monte Carlo E[relu(u)] over training masks"),
        ] {
            ui.strong(title).on_hover_text(tip);
        }
        ui.end_row();
        for (i, u) in r.units.iter().enumerate() {
            ui.monospace(format!("{}", i + 1));
            for value in [
                u.moments.mean,
                u.monte_carlo.mean,
                u.moments.variance,
                u.monte_carlo.variance,
                u.mean_inference,
                u.gaussian_sampled,
                u.monte_carlo.relu_mean,
            ] {
                ui.monospace(format!("{value:.4}"));
            }
            ui.end_row();
        }
    });
}
