//! `convlab cost`: the conv lab's calculator table, with parameter counts from burn modules.

use burn::tensor::Device;
use convlab::cost::{ConvSpec, table_text};
use convlab::model::conv_cost::measured_table;

use super::Opts;

const KEYS: [&str; 8] = [
    "in", "out", "kernel", "height", "width", "stride", "padding", "groups",
];

pub fn run(opts: &Opts) -> Result<(), String> {
    opts.only(&KEYS)?;
    let d = ConvSpec::default();
    let kernel = opts.num("kernel", d.kernel)?;
    let spec = ConvSpec {
        in_channels: opts.num("in", d.in_channels)?,
        out_channels: opts.num("out", d.out_channels)?,
        kernel,
        height: opts.num("height", d.height)?,
        width: opts.num("width", d.width)?,
        stride: opts.num("stride", d.stride)?,
        // "same" padding for odd kernels unless given.
        padding: opts.num("padding", kernel / 2)?,
        groups: opts.num("groups", d.groups)?,
    };
    let table = measured_table(&spec, &Device::flex())?;
    print!("{}", table_text(&table));
    Ok(())
}
