//! The cost of one convolution layer: parameters (with and without bias), multiply-adds and
//! output shape, for a standard, a depthwise, a pointwise, a depthwise-separable (depthwise +
//! pointwise) and a grouped convolution. Plain arithmetic, no burn: the UI, the worker and the
//! CLI share it. `model::conv_cost` checks every figure against real burn modules.

use serde::{Deserialize, Serialize};

/// The largest channel count, kernel or image side the calculator accepts (keeps every
/// product far below `u64::MAX` and the burn check modules small enough to build).
pub const MAX_CHANNELS: usize = 4096;
/// The largest kernel side.
pub const MAX_KERNEL: usize = 15;
/// The largest input side.
pub const MAX_SIDE: usize = 4096;

/// One convolution's hyper-parameters (square kernel, same stride and padding on both axes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvSpec {
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub height: usize,
    pub width: usize,
    pub stride: usize,
    pub padding: usize,
    /// Groups of the "grouped" row (1 = standard; must divide both channel counts).
    pub groups: usize,
}

impl Default for ConvSpec {
    /// The lab's default: 3 → 64 channels, 3×3, on a 32×32 image, stride 1, padding 1.
    fn default() -> Self {
        Self {
            in_channels: 3,
            out_channels: 64,
            kernel: 3,
            height: 32,
            width: 32,
            stride: 1,
            padding: 1,
            groups: 1,
        }
    }
}

/// Why a [`ConvSpec`] cannot be computed (worded for people).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    #[error("{what} must be between 1 and {max} (got {got})")]
    OutOfRange {
        what: &'static str,
        got: usize,
        max: usize,
    },
    #[error("padding {padding} must be smaller than the kernel ({kernel})")]
    Padding { padding: usize, kernel: usize },
    #[error(
        "the {kernel}×{kernel} kernel does not fit the {height}×{width} input with padding {padding}"
    )]
    KernelTooLarge {
        kernel: usize,
        height: usize,
        width: usize,
        padding: usize,
    },
    #[error(
        "groups = {groups} must divide both the input ({cin}) and output ({cout}) channels; possible values: {options}"
    )]
    Groups {
        groups: usize,
        cin: usize,
        cout: usize,
        options: String,
    },
}

/// Which layer a [`ConvCost`] row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConvKind {
    /// `k×k`, `Cin → Cout`, groups 1.
    Standard,
    /// `k×k`, `Cin → Cin`, groups `Cin`: one filter per input channel.
    Depthwise,
    /// `1×1`, `Cin → Cout`, on the depthwise output.
    Pointwise,
    /// Depthwise followed by pointwise (the sum of the two rows above).
    Separable,
    /// `k×k`, `Cin → Cout`, `groups` groups.
    Grouped,
}

impl ConvKind {
    pub const ALL: [ConvKind; 5] = [
        ConvKind::Standard,
        ConvKind::Depthwise,
        ConvKind::Pointwise,
        ConvKind::Separable,
        ConvKind::Grouped,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ConvKind::Standard => "standard",
            ConvKind::Depthwise => "depthwise",
            ConvKind::Pointwise => "pointwise",
            ConvKind::Separable => "depthwise + pointwise",
            ConvKind::Grouped => "grouped",
        }
    }
}

/// One row of the cost table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvCost {
    pub kind: ConvKind,
    /// Weights only (no bias).
    pub params: u64,
    /// Weights and one bias per output channel (per stage for the separable pair).
    pub params_bias: u64,
    /// Multiply-adds over the whole output (without bias additions).
    pub macs: u64,
    /// `[channels, height, width]` of the output.
    pub output: [usize; 3],
    /// The parameter formula with the entered numbers, e.g. `3·3·3·64 = 1,728`.
    pub formula: String,
}

/// The whole table for one [`ConvSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostTable {
    pub spec: ConvSpec,
    /// Rows in [`ConvKind::ALL`] order.
    pub rows: Vec<ConvCost>,
    /// Where the parameter counts come from.
    pub source: CountSource,
}

/// Where a [`CostTable`]'s parameter counts come from (shown in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CountSource {
    /// The closed-form counts of this module.
    Formula,
    /// Counted on burn modules built with the spec (the worker and the CLI).
    BurnModules,
}

impl std::fmt::Display for CountSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CountSource::Formula => "formula",
            CountSource::BurnModules => "burn modules",
        })
    }
}

impl CostTable {
    pub fn row(&self, kind: ConvKind) -> Option<&ConvCost> {
        self.rows.iter().find(|r| r.kind == kind)
    }

    /// Standard parameters over separable parameters (no bias).
    pub fn param_ratio(&self) -> f64 {
        ratio(
            self.row(ConvKind::Standard),
            self.row(ConvKind::Separable),
            |r| r.params,
        )
    }

    /// Standard MACs over separable MACs.
    pub fn mac_ratio(&self) -> f64 {
        ratio(
            self.row(ConvKind::Standard),
            self.row(ConvKind::Separable),
            |r| r.macs,
        )
    }

    /// The textbook ratio `1/Cout + 1/k²` (separable over standard, both MACs and params).
    pub fn theory(&self) -> f64 {
        let s = &self.spec;
        1.0 / s.out_channels as f64 + 1.0 / (s.kernel * s.kernel) as f64
    }
}

fn ratio(a: Option<&ConvCost>, b: Option<&ConvCost>, f: impl Fn(&ConvCost) -> u64) -> f64 {
    match (a, b) {
        (Some(a), Some(b)) if f(b) > 0 => f(a) as f64 / f(b) as f64,
        _ => f64::NAN,
    }
}

/// `1728` → `1,728`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Output side of a convolution.
pub fn out_side(size: usize, kernel: usize, stride: usize, padding: usize) -> usize {
    (size + 2 * padding - kernel) / stride + 1
}

/// The group counts that divide both channel counts (1 … gcd), ascending.
pub fn group_options(cin: usize, cout: usize) -> Vec<usize> {
    (1..=cin.min(cout).max(1))
        .filter(|g| cin.is_multiple_of(*g) && cout.is_multiple_of(*g))
        .collect()
}

impl ConvSpec {
    /// Checks ranges, padding, kernel fit and groups.
    pub fn validate(&self) -> Result<(), CostError> {
        let ranged = [
            ("input channels", self.in_channels, MAX_CHANNELS),
            ("output channels", self.out_channels, MAX_CHANNELS),
            ("kernel size", self.kernel, MAX_KERNEL),
            ("height", self.height, MAX_SIDE),
            ("width", self.width, MAX_SIDE),
            ("stride", self.stride, MAX_KERNEL),
            ("groups", self.groups, MAX_CHANNELS),
        ];
        for (what, got, max) in ranged {
            if got == 0 || got > max {
                return Err(CostError::OutOfRange { what, got, max });
            }
        }
        if self.padding >= self.kernel {
            return Err(CostError::Padding {
                padding: self.padding,
                kernel: self.kernel,
            });
        }
        if self.kernel > self.height.min(self.width) + 2 * self.padding {
            return Err(CostError::KernelTooLarge {
                kernel: self.kernel,
                height: self.height,
                width: self.width,
                padding: self.padding,
            });
        }
        if !self.in_channels.is_multiple_of(self.groups)
            || !self.out_channels.is_multiple_of(self.groups)
        {
            let options = group_options(self.in_channels, self.out_channels)
                .iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(CostError::Groups {
                groups: self.groups,
                cin: self.in_channels,
                cout: self.out_channels,
                options,
            });
        }
        Ok(())
    }

    /// Output height and width of the `k×k` layers.
    pub fn out_hw(&self) -> (usize, usize) {
        (
            out_side(self.height, self.kernel, self.stride, self.padding),
            out_side(self.width, self.kernel, self.stride, self.padding),
        )
    }

    /// Weights of a `k×k` conv `cin → cout` with `groups` groups.
    pub fn conv_weights(cin: usize, cout: usize, kernel: usize, groups: usize) -> u64 {
        (kernel * kernel) as u64 * (cin / groups) as u64 * cout as u64
    }
}

/// Computes the table from the formulas.
pub fn cost_table(spec: &ConvSpec) -> Result<CostTable, CostError> {
    spec.validate()?;
    let ConvSpec {
        in_channels: ci,
        out_channels: co,
        kernel: k,
        groups: g,
        ..
    } = *spec;
    let (h, w) = spec.out_hw();
    let hw = (h * w) as u64;
    let kk = (k * k) as u64;
    let (ci64, co64) = (ci as u64, co as u64);

    let std_p = ConvSpec::conv_weights(ci, co, k, 1);
    let dw_p = ConvSpec::conv_weights(ci, ci, k, ci);
    let pw_p = ConvSpec::conv_weights(ci, co, 1, 1);
    let gr_p = ConvSpec::conv_weights(ci, co, k, g);
    let t = |n: u64| thousands(n);

    let rows = vec![
        ConvCost {
            kind: ConvKind::Standard,
            params: std_p,
            params_bias: std_p + co64,
            macs: std_p * hw,
            output: [co, h, w],
            formula: format!("k·k·Cin·Cout = {k}·{k}·{ci}·{co} = {}", t(std_p)),
        },
        ConvCost {
            kind: ConvKind::Depthwise,
            params: dw_p,
            params_bias: dw_p + ci64,
            macs: dw_p * hw,
            output: [ci, h, w],
            formula: format!("k·k·Cin = {k}·{k}·{ci} = {}", t(dw_p)),
        },
        ConvCost {
            kind: ConvKind::Pointwise,
            params: pw_p,
            params_bias: pw_p + co64,
            macs: pw_p * hw,
            output: [co, h, w],
            formula: format!("Cin·Cout = {ci}·{co} = {}", t(pw_p)),
        },
        ConvCost {
            kind: ConvKind::Separable,
            params: dw_p + pw_p,
            params_bias: dw_p + ci64 + pw_p + co64,
            macs: (dw_p + pw_p) * hw,
            output: [co, h, w],
            formula: format!(
                "k·k·Cin + Cin·Cout = {k}·{k}·{ci} + {ci}·{co} = {} + {} = {}",
                t(dw_p),
                t(pw_p),
                t(dw_p + pw_p)
            ),
        },
        ConvCost {
            kind: ConvKind::Grouped,
            params: gr_p,
            params_bias: gr_p + co64,
            macs: gr_p * hw,
            output: [co, h, w],
            formula: format!("k·k·(Cin/g)·Cout = {k}·{k}·({ci}/{g})·{co} = {}", t(gr_p)),
        },
    ];
    debug_assert_eq!(kk * ci64 * co64, std_p);
    Ok(CostTable {
        spec: *spec,
        rows,
        source: CountSource::Formula,
    })
}

/// The table as fixed-width text (the CLI prints it).
pub fn table_text(t: &CostTable) -> String {
    let s = &t.spec;
    let mut out = format!(
        "{}→{} channels, {}×{} kernel, input {}×{}, stride {}, padding {}, groups {} (parameters: {})\n",
        s.in_channels,
        s.out_channels,
        s.kernel,
        s.kernel,
        s.height,
        s.width,
        s.stride,
        s.padding,
        s.groups,
        t.source
    );
    out.push_str(&format!(
        "{:<22} {:>14} {:>14} {:>16} {:>14}\n",
        "layer", "params", "params+bias", "MACs", "output"
    ));
    for r in &t.rows {
        let name = if r.kind == ConvKind::Grouped {
            format!("grouped (g={})", s.groups)
        } else {
            r.kind.name().to_string()
        };
        out.push_str(&format!(
            "{:<22} {:>14} {:>14} {:>16} {:>14}\n",
            name,
            thousands(r.params),
            thousands(r.params_bias),
            thousands(r.macs),
            format!("{}×{}×{}", r.output[0], r.output[1], r.output[2])
        ));
    }
    for r in &t.rows {
        out.push_str(&format!("{:<22} {}\n", r.kind.name(), r.formula));
    }
    out.push_str(&format!(
        "standard / separable: {:.2}× fewer parameters, {:.2}× fewer MACs (1/Cout + 1/k² = 1/{} + 1/{} = {:.4})\n",
        t.param_ratio(),
        t.mac_ratio(),
        s.out_channels,
        s.kernel * s.kernel,
        t.theory()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_1728_against_219() {
        let t = cost_table(&ConvSpec {
            padding: 0,
            ..ConvSpec::default()
        })
        .unwrap();
        assert_eq!(t.row(ConvKind::Standard).unwrap().params, 1_728);
        assert_eq!(t.row(ConvKind::Separable).unwrap().params, 219);
        assert_eq!(t.row(ConvKind::Depthwise).unwrap().params, 27);
        assert_eq!(t.row(ConvKind::Pointwise).unwrap().params, 192);
        assert_eq!(t.row(ConvKind::Standard).unwrap().params_bias, 1_792);
        assert_eq!(
            t.row(ConvKind::Separable).unwrap().params_bias,
            219 + 3 + 64
        );
        assert_eq!(t.row(ConvKind::Standard).unwrap().output, [64, 30, 30]);
        assert_eq!(t.row(ConvKind::Standard).unwrap().macs, 1_728 * 900);
        assert!((t.param_ratio() - 1728.0 / 219.0).abs() < 1e-12);
        assert!(
            t.row(ConvKind::Separable)
                .unwrap()
                .formula
                .contains("3·3·3 + 3·64 = 27 + 192 = 219")
        );
        assert!(table_text(&t).contains("1,728"));
    }

    #[test]
    fn bad_specs_are_refused_in_words() {
        let bad = ConvSpec {
            groups: 3,
            ..ConvSpec::default()
        };
        let e = cost_table(&bad).unwrap_err().to_string();
        assert!(e.contains("must divide both"), "{e}");
        assert!(e.contains("possible values: 1"), "{e}");
        let e = cost_table(&ConvSpec {
            kernel: 0,
            ..ConvSpec::default()
        })
        .unwrap_err();
        assert!(matches!(
            e,
            CostError::OutOfRange {
                what: "kernel size",
                ..
            }
        ));
        let e = cost_table(&ConvSpec {
            kernel: 7,
            height: 4,
            padding: 1,
            ..ConvSpec::default()
        })
        .unwrap_err();
        assert!(matches!(e, CostError::KernelTooLarge { .. }));
        assert_eq!(group_options(32, 64), vec![1, 2, 4, 8, 16, 32]);
        assert_eq!(group_options(3, 64), vec![1]);
    }

    #[test]
    fn grouped_spans_standard_to_depthwise() {
        let spec = ConvSpec {
            in_channels: 32,
            out_channels: 32,
            ..ConvSpec::default()
        };
        let at = |g| {
            cost_table(&ConvSpec { groups: g, ..spec })
                .unwrap()
                .row(ConvKind::Grouped)
                .unwrap()
                .params
        };
        let t = cost_table(&spec).unwrap();
        assert_eq!(at(1), t.row(ConvKind::Standard).unwrap().params);
        assert_eq!(at(32), t.row(ConvKind::Depthwise).unwrap().params);
        // Each doubling of the groups halves the weights.
        for g in [1, 2, 4, 8, 16] {
            assert_eq!(at(g), 2 * at(2 * g));
        }
    }
}
