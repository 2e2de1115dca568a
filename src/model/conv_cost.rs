//! The conv lab's cost table with parameter counts taken from real burn `Conv2d` modules.
//!
//! burn creates parameters lazily, so counting them (`Module::num_params`, which reads
//! `lazy_shape`) allocates nothing: even a 4096→4096 15×15 layer is counted instantly.

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::Device;

use crate::cost::{ConvKind, ConvSpec, CostTable, cost_table};

/// A `k×k` convolution module as the calculator describes it.
#[allow(clippy::too_many_arguments)]
pub fn conv_module(
    cin: usize,
    cout: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    groups: usize,
    bias: bool,
    device: &Device,
) -> Conv2d {
    Conv2dConfig::new([cin, cout], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(
            padding, padding, padding, padding,
        ))
        .with_groups(groups)
        .with_bias(bias)
        .init(device)
}

/// The burn modules behind one row of the table (one module, or two for the separable pair).
pub fn row_modules(spec: &ConvSpec, kind: ConvKind, bias: bool, device: &Device) -> Vec<Conv2d> {
    let ConvSpec {
        in_channels: ci,
        out_channels: co,
        kernel: k,
        stride: s,
        padding: p,
        groups: g,
        ..
    } = *spec;
    let dw = || conv_module(ci, ci, k, s, p, ci, bias, device);
    let pw = || conv_module(ci, co, 1, 1, 0, 1, bias, device);
    match kind {
        ConvKind::Standard => vec![conv_module(ci, co, k, s, p, 1, bias, device)],
        ConvKind::Depthwise => vec![dw()],
        ConvKind::Pointwise => vec![pw()],
        ConvKind::Separable => vec![dw(), pw()],
        ConvKind::Grouped => vec![conv_module(ci, co, k, s, p, g, bias, device)],
    }
}

/// The cost table with every parameter count (with and without bias) read from burn modules
/// built on `device`. Fails, in words, on an invalid spec, or if a module disagrees with the
/// formula (which the tests rule out).
pub fn measured_table(spec: &ConvSpec, device: &Device) -> Result<CostTable, String> {
    let mut table = cost_table(spec).map_err(|e| e.to_string())?;
    for row in &mut table.rows {
        let count = |bias| -> usize {
            row_modules(spec, row.kind, bias, device)
                .iter()
                .map(|m| m.num_params())
                .sum()
        };
        let (plain, with_bias) = (count(false) as u64, count(true) as u64);
        if plain != row.params || with_bias != row.params_bias {
            return Err(format!(
                "{}: burn counts {plain} / {with_bias} parameters but the formula gives {} / {}",
                row.kind.name(),
                row.params,
                row.params_bias
            ));
        }
        row.params = plain;
        row.params_bias = with_bias;
    }
    table.source = crate::cost::CountSource::BurnModules;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Distribution, Tensor};

    use super::*;
    use crate::cost::group_options;

    /// A small deterministic generator (SplitMix64) for the random settings.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn range(&mut self, lo: usize, hi: usize) -> usize {
            lo + (self.next() % (hi - lo + 1) as u64) as usize
        }
    }

    #[test]
    fn default_modules_give_1728_against_219() {
        let t = measured_table(&ConvSpec::default(), &Device::flex()).unwrap();
        assert_eq!(t.source, crate::cost::CountSource::BurnModules);
        assert_eq!(t.row(ConvKind::Standard).unwrap().params, 1_728);
        assert_eq!(t.row(ConvKind::Separable).unwrap().params, 219);
    }

    #[test]
    fn modules_agree_with_the_formula_for_many_random_settings() {
        let device = Device::flex();
        let mut rng = Rng(20_240_601);
        let mut checked_shapes = 0;
        for case in 0..300 {
            let ci = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 512][rng.range(0, 14)];
            let co = [1, 2, 3, 4, 8, 16, 32, 64, 96, 100, 128, 256, 1024][rng.range(0, 12)];
            let kernel = rng.range(1, 7);
            let padding = rng.range(0, kernel - 1);
            let side = rng.range(kernel.max(2), 40);
            let opts = group_options(ci, co);
            let spec = ConvSpec {
                in_channels: ci,
                out_channels: co,
                kernel,
                height: side,
                width: rng.range(kernel, 40),
                stride: rng.range(1, 3),
                padding,
                groups: opts[rng.range(0, opts.len() - 1)],
            };
            let formula = cost_table(&spec).unwrap();
            let measured =
                measured_table(&spec, &device).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
            for (f, m) in formula.rows.iter().zip(&measured.rows) {
                assert_eq!(f.params, m.params, "case {case} {spec:?} {:?}", f.kind);
                assert_eq!(
                    f.params_bias, m.params_bias,
                    "case {case} {spec:?} {:?}",
                    f.kind
                );
            }
            // Output shapes from real forward passes, where the layer is small.
            if ci * co <= 4096 {
                let x = Tensor::<4>::random(
                    [1, ci, spec.height, spec.width],
                    Distribution::Normal(0.0, 1.0),
                    &device,
                );
                for kind in ConvKind::ALL {
                    // The pointwise row works on the depthwise output.
                    let mut y = match kind {
                        ConvKind::Pointwise => {
                            row_modules(&spec, ConvKind::Depthwise, true, &device)[0]
                                .forward(x.clone())
                        }
                        _ => x.clone(),
                    };
                    for m in row_modules(&spec, kind, true, &device) {
                        y = m.forward(y);
                    }
                    let [_, c, h, w] = y.dims();
                    assert_eq!(
                        [c, h, w],
                        formula.row(kind).unwrap().output,
                        "case {case} {spec:?} {kind:?}"
                    );
                }
                checked_shapes += 1;
            }
        }
        assert!(
            checked_shapes > 50,
            "only {checked_shapes} shape checks ran"
        );
    }

    #[test]
    fn huge_layers_are_counted_without_allocating() {
        let spec = ConvSpec {
            in_channels: 4096,
            out_channels: 4096,
            kernel: 15,
            height: 64,
            width: 64,
            stride: 1,
            padding: 7,
            groups: 4096,
        };
        let t = measured_table(&spec, &Device::flex()).unwrap();
        assert_eq!(t.row(ConvKind::Standard).unwrap().params, 225 * 4096 * 4096);
        assert_eq!(t.row(ConvKind::Grouped).unwrap().params, 225 * 4096);
    }
}
