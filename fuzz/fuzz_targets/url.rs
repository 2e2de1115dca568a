#![no_main]
// Link parameters: every reader with odd ranges.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let mut q = convlab::share::Query::parse(&raw);
    let _ = q.int("pca", 30, 13, 200);
    let _ = q.odd("patch", 25, 9, 41);
    let _ = q.float("lr", 1e-3, 1e-6, 1.0);
    let _ = q.flag("spatial", false);
    let _ = q.choice("view", &["all", "labelled", "errors"], "all");
    let _ = convlab::share::to_query(&[("k", raw.to_string())]);
});
