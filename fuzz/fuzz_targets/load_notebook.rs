//! Any bytes given to the notebook loader give a notebook or a positioned error, never a panic;
//! whatever loads also saves and reloads to the same notebook.
#![no_main]

use libfuzzer_sys::fuzz_target;
use optlab_core::notebook::Notebook;

fuzz_target!(|data: &[u8]| {
    match Notebook::from_bytes(data) {
        Ok(notebook) => {
            let text = notebook.to_ron();
            let reloaded = Notebook::from_ron(&text);
            assert_eq!(reloaded.as_ref().ok(), Some(&notebook), "round trip of\n{text}");
        }
        Err(e) => assert!(e.line >= 1 && e.col >= 1 && !e.message.is_empty(), "{e}"),
    }
});
