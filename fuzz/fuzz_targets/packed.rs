#![no_main]
// The bundled-scene container (a damaged download must be refused, not trusted).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = convlab::data::unpack_scene(data);
});
