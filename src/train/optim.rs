//! The optimiser of every training loop: Adam, or AdamW with decoupled weight decay, as burn's
//! `AdamConfig::new()` / `AdamWConfig` compute them, in one fused pass per parameter tensor on
//! the CPU.
//!
//! burn's `Adam` runs about twelve whole-tensor operations per parameter, each allocating a
//! tensor; for HybridSN's 5.1 M parameters that was ~70 ms of a training step on 2 cores.
//! [`FusedAdam`] runs each tensor's step as one operation of [`FusedAdamOps`], a burn backend
//! extension like [`crate::model::host_conv_op::FastConv`]: on the CPU backend one loop reads
//! each element's parameter, gradient and two moments once and writes the parameter and moments
//! back (in place, unless something else holds the buffer; in parallel over chunks natively);
//! on WebGPU the trait's body runs burn's own tensor operations, the same formula.
//!
//! The arithmetic is burn's, operation by operation and in its order (f32 throughout, the
//! scalar factors computed as burn computes them), so the results are burn's: tested at the
//! bottom against `burn::optim::AdamConfig` and `AdamWConfig` over several steps.

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, Backend, Cube, Dispatch, Flex, Scalar, TensorMetadata, backend_extension,
};
use burn::config::Config;
use burn::optim::{AdamState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer};
use burn::tensor::{DType, Device, Tensor, TensorData};

/// The optimiser of every training loop. The defaults are burn's `AdamConfig::new()` (Adam,
/// no weight decay); with [`decoupled_weight_decay`](Self::decoupled_weight_decay) set, burn's
/// `AdamWConfig` with that weight decay (its formula, also at a decay of 0).
#[derive(Config, Debug)]
pub struct FusedAdamConfig {
    #[config(default = 0.9)]
    pub beta_1: f32,
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// For numerical stability (added to the root of the second moment).
    #[config(default = 1e-5)]
    pub epsilon: f32,
    /// AdamW's decoupled weight decay (the parameter shrinks by `lr · decay` each step);
    /// `None`: Adam.
    pub decoupled_weight_decay: Option<f32>,
}

impl FusedAdamConfig {
    /// The optimiser of a whole module.
    pub fn init(&self) -> ModuleOptimizer {
        ModuleOptimizer::from(self.build())
    }

    /// The optimiser of one parameter tensor at a time.
    pub fn build(&self) -> FusedAdam {
        FusedAdam {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.decoupled_weight_decay,
        }
    }
}

/// Adam or AdamW, one parameter tensor at a time (see [`FusedAdamConfig`]). Its state is
/// burn's Adam state: the two moments and the number of steps taken.
#[derive(Debug, Clone)]
pub struct FusedAdam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: Option<f32>,
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let (time, moments) = match state {
            Some(s) => (
                s.momentum.time + 1,
                Some((s.momentum.moment_1, s.momentum.moment_2)),
            ),
            None => (1, None),
        };
        let step = AdamStep {
            lr,
            time,
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay,
        };
        let (tensor, moment_1, moment_2) = adam_step(tensor, grad, moments, step);
        let momentum = AdaptiveMomentumState::new(time, moment_1, moment_2);
        (tensor, Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

/// The settings of one step of one parameter tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamStep {
    pub lr: LearningRate,
    /// The step's number, from 1 (the first step, without moments).
    pub time: usize,
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    /// `Some`: AdamW with this decoupled weight decay; `None`: Adam.
    pub weight_decay: Option<f32>,
}

/// One Adam (or AdamW) step of a parameter tensor: its new value and moments. The moments are
/// `None` at the first step.
pub fn adam_step<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    moments: Option<(Tensor<D>, Tensor<D>)>,
    step: AdamStep,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (param, grad) = (param.into_dispatch(), grad.into_dispatch());
    let (param, moment_1, moment_2) = match moments {
        Some((m, v)) => {
            Dispatch::adam_step(param, grad, m.into_dispatch(), v.into_dispatch(), step)
        }
        None => Dispatch::adam_first_step(param, grad, step),
    };
    (
        Tensor::from_dispatch(param),
        Tensor::from_dispatch(moment_1),
        Tensor::from_dispatch(moment_2),
    )
}

/// One optimiser step per parameter tensor as one backend operation (two: the first step has
/// no moments yet).
#[backend_extension(Flex, Cube, Autodiff)]
pub trait FusedAdamOps: Backend {
    /// The new parameter, first and second moment (see [`adam_step`]); the trait's body is
    /// burn's tensor operations.
    fn adam_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        step: AdamStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_adam_step::<Self>(param, grad, Some((moment_1, moment_2)), step)
    }

    /// The first step (`step.time` 1), which starts the moments.
    fn adam_first_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        step: AdamStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_adam_step::<Self>(param, grad, None, step)
    }
}

fn float(x: impl Into<f64>) -> Scalar {
    Scalar::Float(x.into())
}

/// burn's `Adam` (`AdamW` with a weight decay) step, operation by operation
/// (`burn-optim` 0.22.1, `optim/adam.rs` and `optim/adamw.rs`).
fn burn_adam_step<B: Backend>(
    param: FloatTensor<B>,
    grad: FloatTensor<B>,
    moments: Option<(FloatTensor<B>, FloatTensor<B>)>,
    s: AdamStep,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    let (f1, f2) = (1.0 - s.beta_1, 1.0 - s.beta_2);
    let square = B::float_powi_scalar(grad.clone(), Scalar::from(2));
    let (m, v) = match moments {
        Some((m, v)) => (
            B::float_add(
                B::float_mul_scalar(m, float(s.beta_1)),
                B::float_mul_scalar(grad, float(f1)),
            ),
            B::float_add(
                B::float_mul_scalar(v, float(s.beta_2)),
                B::float_mul_scalar(square, float(f2)),
            ),
        ),
        None => (
            B::float_mul_scalar(grad, float(f1)),
            B::float_mul_scalar(square, float(f2)),
        ),
    };
    let t = s.time as i32;
    let (update, param) = match s.weight_decay {
        None => {
            let bias_correction2_sqrt = (1.0 - s.beta_2.powi(t)).sqrt();
            let combined = bias_correction2_sqrt / (1.0 - s.beta_1.powi(t));
            let update = B::float_div(
                B::float_mul_scalar(m.clone(), float(combined)),
                B::float_add_scalar(
                    B::float_sqrt(v.clone()),
                    float(s.epsilon * bias_correction2_sqrt),
                ),
            );
            (update, param)
        }
        Some(decay) => {
            let m_hat = B::float_div_scalar(m.clone(), float(1.0 - s.beta_1.powi(t)));
            let v_hat = B::float_div_scalar(v.clone(), float(1.0 - s.beta_2.powi(t)));
            let update = B::float_div(
                m_hat,
                B::float_add_scalar(B::float_sqrt(v_hat), float(s.epsilon)),
            );
            let rate = s.lr * decay as f64;
            let param = if rate == 0.0 {
                param
            } else {
                B::float_mul_scalar(param, float(1.0 - rate))
            };
            (update, param)
        }
    };
    let param = B::float_sub(param, B::float_mul_scalar(update, float(s.lr)));
    (param, m, v)
}

/// WebGPU: burn's tensor operations (the trait's body).
impl FusedAdamOps for Cube {}

/// The autodiff backend: the trait's body (the optimiser gets inner tensors, so this runs only
/// when [`adam_step`] is called on tensors of an autodiff device).
impl<B: FusedAdamOps, C: CheckpointStrategy> FusedAdamOps for Autodiff<B, C> {}

/// The CPU backend: [`step_elements`] over the tensors' memory, in place where a tensor's
/// buffer is not shared.
impl FusedAdamOps for Flex {
    fn adam_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        step: AdamStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        host_step(param, grad, Some((moment_1, moment_2)), step)
    }

    fn adam_first_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        step: AdamStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        host_step(param, grad, None, step)
    }
}

/// [`step_elements`] on f32 tensors of one shape; burn's operations on any other.
fn host_step(
    param: FloatTensor<Flex>,
    grad: FloatTensor<Flex>,
    moments: Option<(FloatTensor<Flex>, FloatTensor<Flex>)>,
    step: AdamStep,
) -> (FloatTensor<Flex>, FloatTensor<Flex>, FloatTensor<Flex>) {
    let shape = param.shape();
    let fits = |t: &FloatTensor<Flex>| t.dtype() == DType::F32 && t.shape() == shape;
    let moments_fit = moments.as_ref().is_none_or(|(m, v)| fits(m) && fits(v));
    if !(fits(&param) && fits(&grad) && moments_fit) {
        return burn_adam_step::<Flex>(param, grad, moments, step);
    }
    let first = moments.is_none();
    let (mut m, mut v) = match moments {
        Some((m, v)) => (contiguous(m), contiguous(v)),
        None => {
            let zeros = || {
                FloatTensor::<Flex>::from_data(TensorData::new(
                    vec![0f32; shape.num_elements()],
                    shape.to_vec(),
                ))
            };
            (zeros(), zeros())
        }
    };
    let mut param = contiguous(param);
    let grad = contiguous(grad);
    step_elements(
        Coefficients::new(&step),
        first,
        elements_mut(&mut param),
        elements(&grad),
        elements_mut(&mut m),
        elements_mut(&mut v),
    );
    (param, m, v)
}

fn contiguous(t: FloatTensor<Flex>) -> FloatTensor<Flex> {
    if t.layout().contiguous_offsets().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

fn elements(t: &FloatTensor<Flex>) -> &[f32] {
    t.as_slice::<f32>().expect("a contiguous f32 tensor")
}

/// The tensor's elements, writable (its buffer copied first when shared).
fn elements_mut(t: &mut FloatTensor<Flex>) -> &mut [f32] {
    let (start, end) = t
        .layout()
        .contiguous_offsets()
        .expect("a contiguous tensor");
    &mut t.storage_mut::<f32>()[start..end]
}

/// The step's scalars, computed as burn computes them (f32, except the learning rate and
/// AdamW's decay rate, which burn keeps in f64 until it multiplies a tensor by them).
#[derive(Debug, Clone, Copy)]
struct Coefficients {
    beta_1: f32,
    beta_2: f32,
    /// `1 - beta_1`, `1 - beta_2`.
    f1: f32,
    f2: f32,
    lr: f32,
    rule: Rule,
}

#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Adam: `m · combined / (√v + epsilon)` with the bias corrections folded into
    /// `combined` and `epsilon`.
    Adam { combined: f32, epsilon: f32 },
    /// AdamW: `(m / c1) / (√(v / c2) + epsilon)`, the parameter first multiplied by `keep`
    /// (`None` when burn skips it: a decay rate of 0).
    AdamW {
        c1: f32,
        c2: f32,
        epsilon: f32,
        keep: Option<f32>,
    },
}

impl Coefficients {
    fn new(s: &AdamStep) -> Self {
        let t = s.time as i32;
        let rule = match s.weight_decay {
            None => {
                let bias_correction2_sqrt = (1.0 - s.beta_2.powi(t)).sqrt();
                Rule::Adam {
                    combined: bias_correction2_sqrt / (1.0 - s.beta_1.powi(t)),
                    epsilon: s.epsilon * bias_correction2_sqrt,
                }
            }
            Some(decay) => {
                let rate = s.lr * decay as f64;
                Rule::AdamW {
                    c1: 1.0 - s.beta_1.powi(t),
                    c2: 1.0 - s.beta_2.powi(t),
                    epsilon: s.epsilon,
                    keep: (rate != 0.0).then_some((1.0 - rate) as f32),
                }
            }
        };
        Self {
            beta_1: s.beta_1,
            beta_2: s.beta_2,
            f1: 1.0 - s.beta_1,
            f2: 1.0 - s.beta_2,
            lr: s.lr as f32,
            rule,
        }
    }
}

/// Elements per parallel job (4 arrays of 128 KiB).
#[cfg(not(target_arch = "wasm32"))]
const CHUNK: usize = 1 << 15;

/// One step of every element: `param`, `m` and `v` are overwritten (`m` and `v` are not read
/// at the `first` step).
fn step_elements(
    k: Coefficients,
    first: bool,
    param: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
) {
    assert!(grad.len() == param.len() && m.len() == param.len() && v.len() == param.len());
    let lr = k.lr;
    match k.rule {
        Rule::Adam { combined, epsilon } => {
            in_chunks(first, k, param, grad, m, v, move |p, m, v| {
                p - (m * combined) / (v.sqrt() + epsilon) * lr
            })
        }
        Rule::AdamW {
            c1,
            c2,
            epsilon,
            keep: None,
        } => in_chunks(first, k, param, grad, m, v, move |p, m, v| {
            p - (m / c1) / ((v / c2).sqrt() + epsilon) * lr
        }),
        Rule::AdamW {
            c1,
            c2,
            epsilon,
            keep: Some(keep),
        } => in_chunks(first, k, param, grad, m, v, move |p, m, v| {
            p * keep - (m / c1) / ((v / c2).sqrt() + epsilon) * lr
        }),
    }
}

/// Runs [`chunk`] over the elements, in parallel natively when there are several chunks.
fn in_chunks(
    first: bool,
    k: Coefficients,
    param: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    new_param: impl Fn(f32, f32, f32) -> f32 + Copy + Send + Sync,
) {
    let run = move |p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]| {
        if first {
            chunk::<true>(k, p, g, m, v, new_param)
        } else {
            chunk::<false>(k, p, g, m, v, new_param)
        }
    };
    #[cfg(not(target_arch = "wasm32"))]
    if param.len() > CHUNK {
        use rayon::prelude::*;
        param
            .par_chunks_mut(CHUNK)
            .zip(grad.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK))
            .zip(v.par_chunks_mut(CHUNK))
            .for_each(|(((p, g), m), v)| run(p, g, m, v));
        return;
    }
    run(param, grad, m, v);
}

/// The moments' update, then the parameter's (`new_param(p, m, v)`), element by element.
#[inline(always)]
fn chunk<const FIRST: bool>(
    k: Coefficients,
    param: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    new_param: impl Fn(f32, f32, f32) -> f32,
) {
    for (((p, &g), m), v) in param.iter_mut().zip(grad).zip(m).zip(v) {
        let square = g * g;
        if FIRST {
            *m = g * k.f1;
            *v = square * k.f2;
        } else {
            *m = *m * k.beta_1 + g * k.f1;
            *v = *v * k.beta_2 + square * k.f2;
        }
        *p = new_param(*p, *m, *v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::{Module, Param};
    use burn::nn::conv::{Conv2d, Conv2dConfig};
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::{AdamConfig, AdamWConfig, GradientsParams};
    use burn::tensor::Distribution;

    /// Parameters of ranks 1, 2 and 4; the largest (300 × 200) spans several of the kernel's
    /// parallel chunks.
    #[derive(Module, Debug)]
    struct Net {
        a: Linear,
        b: Linear,
        conv: Conv2d,
    }

    fn net(device: &Device) -> Net {
        Net {
            a: LinearConfig::new(300, 200).init(device),
            b: LinearConfig::new(7, 3).init(device),
            conv: Conv2dConfig::new([4, 6], [3, 3]).init(device),
        }
    }

    fn float_params(net: &Net) -> Vec<Vec<f32>> {
        let data = |t: burn::tensor::TensorData| t.convert::<f32>().try_to_vec::<f32>().unwrap();
        vec![
            data(net.a.weight.val().into_data()),
            data(net.a.bias.as_ref().unwrap().val().into_data()),
            data(net.b.weight.val().into_data()),
            data(net.b.bias.as_ref().unwrap().val().into_data()),
            data(net.conv.weight.val().into_data()),
            data(net.conv.bias.as_ref().unwrap().val().into_data()),
        ]
    }

    /// Gradients equal to `upstream` (the gradient of Σ param · upstream), the same for any
    /// parameter values.
    fn grads(net: &Net, upstream: &[Tensor<1>]) -> GradientsParams {
        fn dot<const D: usize>(p: &Param<Tensor<D>>, u: &Tensor<1>) -> Tensor<1> {
            (p.val().flatten::<1>(0, D - 1) * u.clone()).sum()
        }
        let loss = dot(&net.a.weight, &upstream[0])
            + dot(net.a.bias.as_ref().unwrap(), &upstream[1])
            + dot(&net.b.weight, &upstream[2])
            + dot(net.b.bias.as_ref().unwrap(), &upstream[3])
            + dot(&net.conv.weight, &upstream[4])
            + dot(net.conv.bias.as_ref().unwrap(), &upstream[5]);
        GradientsParams::from_grads(loss.backward(), net)
    }

    /// Equal within 1e-6 relative or 1e-7 absolute; returns the largest difference. (The
    /// arithmetic is burn's, in its order, so the difference measures 0 today; the tolerance
    /// leaves room for a backend that rounds a square root or division differently.)
    fn assert_close(fused: &[Vec<f32>], burn: &[Vec<f32>], what: &str) -> f32 {
        let mut worst = 0f32;
        for (i, (f, b)) in fused.iter().zip(burn).enumerate() {
            assert_eq!(f.len(), b.len());
            for (j, (&x, &y)) in f.iter().zip(b).enumerate() {
                let d = (x - y).abs();
                assert!(
                    d <= 1e-7 + 1e-6 * y.abs(),
                    "{what}: tensor {i}, element {j}: fused {x}, burn {y}"
                );
                worst = worst.max(d);
            }
        }
        worst
    }

    /// Five steps of the fused optimiser and of burn's, from equal parameters, with equal
    /// random gradients of varied scale and varied learning rates, through `ModuleOptimizer`
    /// on an autodiff device as the training loops run them; the parameters after each step
    /// (the first, without moments, included) must agree.
    fn five_steps(mut fused_optim: ModuleOptimizer, mut burn_optim: ModuleOptimizer, what: &str) {
        let device = Device::flex().autodiff();
        device.seed(7);
        let mut fused = net(&device);
        let mut reference = fused.clone();
        let sizes: Vec<usize> = float_params(&fused).iter().map(Vec::len).collect();
        let mut worst = 0f32;
        for (step, (lr, scale)) in [
            (1e-3, 1.0),
            (3e-3, 0.01),
            (1e-2, 30.0),
            (2e-3, 1.0),
            (5e-4, 1e-4),
        ]
        .into_iter()
        .enumerate()
        {
            let upstream: Vec<Tensor<1>> = sizes
                .iter()
                .map(|&n| Tensor::random([n], Distribution::Normal(0.0, scale), &device))
                .collect();
            let (gf, gr) = (grads(&fused, &upstream), grads(&reference, &upstream));
            fused = fused_optim.step(lr, fused, gf);
            reference = burn_optim.step(lr, reference, gr);
            let what = format!("{what}, step {}", step + 1);
            worst = worst.max(assert_close(
                &float_params(&fused),
                &float_params(&reference),
                &what,
            ));
        }
        eprintln!("{what}: largest difference {worst:e}");
    }

    // Checked once that these fail: with beta_2 for beta_1 in `chunk`'s update of `m`, both
    // failed at step 2; with `1 - beta_1` for `1 - beta_2` in its first step's `v`, at step 1.
    // Restored.
    #[test]
    fn fused_adam_equals_burn_adam_over_five_steps() {
        five_steps(
            FusedAdamConfig::new().init(),
            AdamConfig::new().init(),
            "Adam",
        );
    }

    /// The CIFAR-10 loop's AdamW: its default decay, and 0 (its setting for "plain Adam",
    /// still AdamW's formula).
    #[test]
    fn fused_adamw_equals_burn_adamw_over_five_steps() {
        for decay in [5e-4, 0.0] {
            five_steps(
                FusedAdamConfig::new()
                    .with_decoupled_weight_decay(Some(decay))
                    .init(),
                AdamWConfig::new().with_weight_decay(decay).init(),
                &format!("AdamW {decay}"),
            );
        }
    }

    /// Steps of the fused optimiser and of burn's called directly on one tensor: parameters,
    /// moments and step count after each.
    fn direct_steps<O: Optimizer>(
        fused: FusedAdam,
        burn: O,
        momentum: impl Fn(&O::State<2>) -> &AdaptiveMomentumState<2>,
        param: Tensor<2>,
        what: &str,
    ) {
        let device = param.device();
        let values =
            |t: &Tensor<2>| vec![t.to_data().convert::<f32>().try_to_vec::<f32>().unwrap()];
        let (mut pf, mut pb) = (param.clone(), param);
        let (mut sf, mut sb) = (None, None);
        for (step, (lr, scale)) in [(1e-3, 1.0), (1e-2, 0.1), (3e-3, 10.0), (2e-3, 1e-3)]
            .into_iter()
            .enumerate()
        {
            let grad = Tensor::<2>::random(pf.dims(), Distribution::Normal(0.0, scale), &device);
            (pf, sf) = fused.step(lr, pf, grad.clone(), sf);
            (pb, sb) = burn.step(lr, pb, grad, sb);
            let (f, b) = (
                &sf.as_ref().unwrap().momentum,
                momentum(sb.as_ref().unwrap()),
            );
            let what = format!("{what}, step {}", step + 1);
            assert_eq!(f.time, b.time, "{what}: step count");
            assert!(b.max_moment_2.is_none() && f.max_moment_2.is_none());
            assert_close(&values(&pf), &values(&pb), &format!("{what}: parameter"));
            assert_close(
                &values(&f.moment_1),
                &values(&b.moment_1),
                &format!("{what}: m"),
            );
            assert_close(
                &values(&f.moment_2),
                &values(&b.moment_2),
                &format!("{what}: v"),
            );
        }
    }

    fn both_rules(param: impl Fn() -> Tensor<2>, what: &str) {
        let burn_adam = AdamConfig::new().build();
        let fused = FusedAdamConfig::new().build();
        direct_steps(
            fused,
            burn_adam,
            |s| &s.momentum,
            param(),
            &format!("{what} Adam"),
        );
        let burn_adamw = AdamWConfig::new().with_weight_decay(5e-4).build();
        let fused = FusedAdamConfig::new()
            .with_decoupled_weight_decay(Some(5e-4))
            .build();
        direct_steps(
            fused,
            burn_adamw,
            |s| &s.momentum,
            param(),
            &format!("{what} AdamW"),
        );
    }

    /// The trait's body (what WebGPU runs: burn's tensor operations): tensors of an autodiff
    /// device route to it.
    // Checked once that this fails (at step 2) with beta_2 for beta_1 in `burn_adam_step`'s
    // update of `m`, and not at step 1 with the host kernel's first step perturbed; restored.
    #[test]
    fn generic_body_equals_burn_adam_and_adamw() {
        let device = Device::flex().autodiff();
        device.seed(3);
        both_rules(
            || Tensor::random([20, 30], Distribution::Normal(0.0, 1.0), &device),
            "autodiff",
        );
    }

    /// The host kernel on a transposed view (not contiguous) of a tensor whose buffer is
    /// shared: the step equals burn's and leaves the original tensor as it was (the update is
    /// in place only in a buffer nothing else holds).
    #[test]
    fn host_kernel_on_shared_and_strided_tensors_equals_burn() {
        let device = Device::flex();
        device.seed(5);
        let original = Tensor::<2>::random([200, 300], Distribution::Normal(0.0, 1.0), &device);
        let before = original.to_data();
        both_rules(|| original.clone().transpose(), "strided");
        original.to_data().assert_eq(&before, true);
    }
}
