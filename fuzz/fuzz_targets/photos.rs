#![no_main]
// The cats and dogs archive, and the JPEG decoding and resizing of what it holds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(photos) = convlab::data::cats_dogs::unpack(data) {
        let _ = convlab::data::cats_dogs::to_bundle(&photos, |_, _| {});
    }
});
