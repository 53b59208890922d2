//! The window's frame around the entries: menu bar, status bar, entry list, the open document
//! with its autosave, and fonts.

pub mod autosave;
pub mod autosave_writer;
pub mod controls_panel;
pub mod document;
pub mod entries_panel;
pub mod fonts;
pub mod menu_bar;
pub mod menu_state;
pub mod notebook_file;
pub mod open_failure;
pub mod recovery;
pub mod save_questions;
pub mod status_bar;
