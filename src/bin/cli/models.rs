//! `convlab models`: every model's table from the real modules.

use burn::tensor::Device;
use convlab::model::{ModelKind, shape_string};

use super::Opts;

pub fn run(opts: &Opts) -> Result<(), String> {
    let device = Device::flex();
    let verbose = opts.flag("layers");
    println!(
        "{:<12} {:>12} {:>12} {:>14} {:>10}",
        "model", "params", "MACs (M)", "input", "output"
    );
    for kind in ModelKind::ALL {
        let s = kind.summary(&device);
        println!(
            "{:<12} {:>12} {:>12.2} {:>14} {:>10}",
            s.model,
            s.params,
            s.macs as f64 / 1e6,
            shape_string(&s.input),
            shape_string(&s.output())
        );
        if verbose {
            for l in &s.layers {
                println!(
                    "    {:<22} {:<28} {:>14} {:>10} {:>14}",
                    l.name,
                    l.kind,
                    shape_string(&l.output),
                    l.params,
                    l.macs
                );
            }
        }
    }
    Ok(())
}
