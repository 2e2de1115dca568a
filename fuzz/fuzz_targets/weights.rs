#![no_main]
// Weights files: header and tensor decoding with claimed sizes checked before allocating.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = convlab::data::weights_file::read_tensors(data);
});
