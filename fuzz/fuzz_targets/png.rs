#![no_main]
// Image uploads (PNG).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = convlab::viz::decode_png(data);
});
