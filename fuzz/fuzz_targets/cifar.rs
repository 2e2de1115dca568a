#![no_main]
// CIFAR-10 binary batches.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = convlab::data::read_cifar_bin(data);
});
