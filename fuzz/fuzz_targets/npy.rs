#![no_main]
// .npy uploads: any bytes give an array or a typed error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = convlab::data::read_npy(data, "x") {
        let _ = a.to_f32();
    }
});
