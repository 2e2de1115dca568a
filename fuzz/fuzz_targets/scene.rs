#![no_main]
// A whole scene upload: file sniffing, array choice and the scene checks (NaN, sizes, labels).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = convlab::data::load::scene_from_files(
        ("upload", data),
        None,
        None,
        None,
        &Default::default(),
    );
});
