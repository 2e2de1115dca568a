//! convlab's native command line: the same `data/ → train/ → model/ → viz/` code the browser
//! worker runs. It prints model tables, benchmarks, inspects data files, and trains the
//! weights that ship with the app.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli::run(&args) {
        Ok(()) => {}
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    }
}

/// glibc's allocator gives every large block (from 128 KiB, adapting up to 32 MiB) back to the
/// kernel when it is freed, so each training step faulted its activations and gradients in
/// again page by page and the kernel zeroed them: about 240,000 page faults in a few bench
/// steps, and HybridSN trained at batch 64 at 46–53 samples/s instead of 72–80 (two threads,
/// the same sitting; README, Training speed). Large blocks now come from the heap, and freed
/// memory stays in the process for the next step.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only sets the allocator's parameters; called before any other thread
    // exists. An older glibc refuses thresholds over 32 MiB: then 32 MiB.
    unsafe {
        if libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 30) == 0 {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        }
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
