//! `convlab inspect FILE`: the arrays in a `.mat`/`.npy` file, or the records of a CIFAR-10
//! binary batch; bad files are refused in words with a non-zero exit.

use convlab::data::{CIFAR10_CLASSES, read_arrays, read_cifar_bin};

pub fn run(file: &str) -> Result<(), String> {
    let bytes = super::read_upload(file)?;
    if file.ends_with(".bin") {
        let set = read_cifar_bin(&bytes).map_err(|e| format!("{file}: {e}"))?;
        println!("{file}: CIFAR-10 binary batch, {} records", set.len());
        for (name, n) in CIFAR10_CLASSES.iter().zip(set.label_counts()) {
            println!("  {name:<12} {n}");
        }
        return Ok(());
    }
    let arrays = read_arrays(file, &bytes).map_err(|e| format!("{file}: {e}"))?;
    println!("{file}: {} array(s)", arrays.len());
    for a in &arrays {
        println!("  {}", a.summary());
    }
    Ok(())
}
