//! Playback of what the worker computed: play/pause, single step, reset, speed.
//!
//! The worker computes runs as fast as it can; playback only decides how much of them is
//! shown, so animation never waits on computation and never drives it.

/// The animated step and how it moves.
#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    /// Whether the step advances on its own.
    pub playing: bool,
    /// The step the student is at (fractional while animating). It may lie beyond what is
    /// computed: after an edit the runs are computed again from step 0, and the views show
    /// them up to here as they arrive instead of going blank.
    position: f64,
    /// Steps computed at the last frame.
    computed: u64,
    /// Steps shown per second of wall time.
    pub steps_per_second: f64,
    /// Wall time of the previous frame, to turn frame time into steps.
    last_time: Option<f64>,
}

impl Default for Playback {
    fn default() -> Self {
        Self { playing: true, position: 0.0, computed: 0, steps_per_second: 60.0, last_time: None }
    }
}

impl Playback {
    /// The step whose state is shown: where the student is, within what is computed.
    #[must_use]
    pub fn step(&self) -> u64 {
        // Truncation is the point: a fractional position shows the step it has reached.
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "≥ 0, < 2^53")]
        let whole = self.position.max(0.0).floor() as u64;
        whole.min(self.computed)
    }

    /// Shows the whole run, paused (another entry was selected: its runs appear complete).
    pub fn show_end(&mut self) {
        self.position = f64::INFINITY;
        self.playing = false;
        self.last_time = None;
    }

    /// Back to step 0 (keeps playing if it was).
    pub fn reset(&mut self) {
        self.position = 0.0;
        self.last_time = None;
    }

    /// Shows `step` and pauses (the scrubber).
    pub fn seek(&mut self, step: u64) {
        self.position = step as f64;
        self.playing = false;
    }

    /// One step forward, paused.
    pub fn single_step(&mut self, computed: u64) {
        self.playing = false;
        self.computed = computed;
        self.position = (self.step() + 1).min(computed) as f64;
    }

    /// New results were requested: replay from the start so the race is seen again.
    pub fn computing_started(&mut self) {
        self.last_time = None;
    }

    /// Moves the step forward by the frame's wall time while playing. At the end of what is
    /// computed it waits for more while the worker is `still_computing`, and otherwise pauses:
    /// the race is over. Paused, the position stays where the student left it.
    pub fn advance(&mut self, computed: u64, still_computing: bool, now_seconds: f64) {
        let dt = self.last_time.map_or(0.0, |t| (now_seconds - t).clamp(0.0, 0.25));
        self.last_time = Some(now_seconds);
        self.computed = computed;
        let end = computed as f64;
        if !self.playing {
            return;
        }
        if self.position < end {
            self.position = (self.position + dt * self.steps_per_second).min(end);
        }
        if self.position >= end && !still_computing && computed > 0 {
            // Over: stay at the end, also when an edit makes the runs longer or shorter.
            self.show_end();
        }
    }

    /// Play from where it stands, or from the start when the race is over; or pause.
    pub fn toggle(&mut self, computed: u64) {
        self.computed = computed;
        if !self.playing && self.step() >= computed {
            self.reset();
        }
        self.playing = !self.playing;
    }
}

/// The play/pause/step/reset/speed bar with the step scrubber.
pub fn toolbar(ui: &mut egui::Ui, playback: &mut Playback, computed: u64) {
    let steps = playback.step();
    ui.horizontal(|ui| {
        let label = if playback.playing { "⏸ Pause" } else { "▶ Play" };
        if ui.button(label).on_hover_text("Play or pause the race (Space)").clicked() {
            playback.toggle(computed);
        }
        if ui.button("Step ⏵").on_hover_text("Show one more step (Right arrow)").clicked() {
            playback.single_step(computed);
        }
        if ui.button("⟲ Reset").on_hover_text("Back to step 0 (R)").clicked() {
            playback.reset();
        }
        ui.add(
            egui::Slider::new(&mut playback.steps_per_second, 1.0..=100_000.0)
                .logarithmic(true)
                .text("steps/s")
                .fixed_decimals(0),
        )
        .on_hover_text("Playback speed: how many steps are shown per second");
        if ui.button("⏭ End").on_hover_text("Jump to the last computed step").clicked() {
            playback.show_end();
        }
    });
    let mut shown = steps;
    let response = ui
        .add(
            egui::Slider::new(&mut shown, 0..=computed.max(1))
                .text("step")
                .clamping(egui::SliderClamping::Always),
        )
        .on_hover_text("Scrub through the computed steps; all views follow");
    if response.changed() {
        playback.seek(shown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playback_never_runs_past_what_is_computed() {
        let mut playback = Playback { steps_per_second: 1000.0, ..Playback::default() };
        playback.advance(50, true, 0.0);
        playback.advance(50, true, 0.2);
        assert_eq!(playback.step(), 50);
        assert!(playback.playing, "waits at the end while the worker computes");
        playback.advance(50, false, 0.3);
        assert!(!playback.playing, "the race is over");
        playback.toggle(50);
        assert!(playback.playing);
        assert_eq!(playback.step(), 0, "play at the end replays from the start");
        playback.toggle(50);
        assert!(!playback.playing);
        playback.single_step(50);
        assert_eq!(playback.step(), 1);
        playback.seek(50);
        playback.single_step(50);
        assert_eq!(playback.step(), 50, "never past the computed end");
        assert!(!playback.playing);
        playback.reset();
        assert_eq!(playback.step(), 0);
    }

    #[test]
    fn an_edit_keeps_the_step_the_student_was_at() {
        let mut playback = Playback::default();
        playback.advance(300, false, 0.0);
        playback.seek(200);
        // The edit: the runs are computed again from step 0 and arrive in pieces.
        playback.advance(0, true, 0.1);
        assert_eq!(playback.step(), 0);
        playback.advance(120, true, 0.2);
        assert_eq!(playback.step(), 120, "shows what has arrived, up to where the student was");
        playback.advance(300, false, 0.3);
        assert_eq!(playback.step(), 200, "back at the student's step, not at 0");
        assert!(!playback.playing, "still paused");
    }

    #[test]
    fn a_race_that_was_over_shows_its_new_end_after_an_edit() {
        let mut playback = Playback::default();
        playback.advance(300, false, 0.0);
        playback.show_end();
        playback.advance(300, false, 0.1);
        assert_eq!(playback.step(), 300);
        playback.advance(0, true, 0.2);
        playback.advance(500, false, 0.3);
        assert_eq!(playback.step(), 500, "more steps: the new end");
        playback.advance(100, false, 0.4);
        assert_eq!(playback.step(), 100, "fewer steps: the new end");
    }

    #[test]
    fn playing_waits_beyond_the_computed_end_while_the_worker_catches_up() {
        let mut playback = Playback { steps_per_second: 10.0, ..Playback::default() };
        playback.advance(300, true, 0.0);
        playback.seek(250);
        playback.playing = true;
        playback.advance(40, true, 0.1);
        assert!(playback.playing);
        assert_eq!(playback.step(), 40);
        playback.advance(300, true, 0.2);
        assert_eq!(playback.step(), 251, "plays on from the student's step");
    }
}
