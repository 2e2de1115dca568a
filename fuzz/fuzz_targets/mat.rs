#![no_main]
// MATLAB v5 uploads (compressed and not), and the v7.3 detection.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(arrays) = convlab::data::read_mat(data) {
        for a in arrays {
            let _ = a.to_f32();
        }
    }
});
