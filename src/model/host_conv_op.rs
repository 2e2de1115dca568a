//! [`FastConv`]: convolutions that run convlab's own kernels on burn's CPU backend
//! ([`super::direct_conv`] where they pay, else [`super::host_conv`]; [`super::depthwise`])
//! and burn's own convolution on WebGPU. A burn backend extension: each op is routed per
//! backend by burn's dispatch, and its backward pass is written here for the autodiff graph.
//! - a valid convolution (stride 1, no padding, dilation 1, one group; bias zero when the
//!   module has none): [`valid_conv3d`], [`valid_conv2d`], [`valid_conv2d_weights`]; one
//!   backward call computes all three gradients (the weight's from one im2col matrix per tile);
//! - a depthwise convolution with symmetric padding and any stride: [`depthwise_conv2d`]
//!   ([`super::depthwise`]'s kernels on the CPU, but burn's forward when strided).
//!
//! Tested equal to the modules' `forward`, gradients included, at the bottom, in
//! `fast_conv.rs` and through the whole of HybridSN (`model::tests`).

use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::{ConvOptions, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Cube, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::nn::conv::{Conv2d, Conv3d};
use burn::nn::{PaddingConfig2d, PaddingConfig3d};
use burn::tensor::{DType, Tensor, TensorData};
use std::sync::atomic::{AtomicBool, Ordering};

use super::depthwise::{self, DepthwiseGeometry};
use super::direct_conv;
use super::host_conv::{self, ConvGeometry, ConvGrads};

/// When set, [`valid_conv3d`], [`valid_conv2d`], [`super::fast_conv::fast_conv2d`] and
/// [`super::norm_op::batch_norm`] run burn's modules instead (`convlab bench --plain` measures
/// the gain in one binary).
static PLAIN: AtomicBool = AtomicBool::new(false);

/// Runs every convolution and batch norm through burn's own modules (`true`) or the fast forms
/// (`false`, the default).
pub fn use_plain_convolutions(plain: bool) {
    PLAIN.store(plain, Ordering::Relaxed);
}

pub(crate) fn plain_convolutions() -> bool {
    PLAIN.load(Ordering::Relaxed)
}

/// A valid convolution on the CPU: a 1×1×1 kernel as one product per sample
/// ([`host_conv::pointwise_forward`]), [`direct_conv`]'s kernels where they pay, else
/// [`host_conv`]'s im2col ones.
fn cpu_forward(g: &ConvGeometry, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    if g.kernel == [1, 1, 1] {
        host_conv::pointwise_forward(g, x, weight, bias)
    } else if direct_conv::forward_pays(g) {
        direct_conv::forward(g, x, weight, bias)
    } else {
        host_conv::forward(g, x, weight, bias)
    }
}

/// Its backward pass: a 1×1×1 kernel's by [`host_conv::pointwise_backward`]; otherwise each
/// gradient by [`direct_conv`] where that pays, else by [`host_conv`] (whose im2col tile
/// serves the weight's and the input's at once).
fn cpu_backward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    input_grad: bool,
) -> ConvGrads {
    if g.kernel == [1, 1, 1] {
        return host_conv::pointwise_backward(g, x, weight, grad_out, input_grad);
    }
    let direct_input = input_grad && direct_conv::input_grad_pays(g);
    if direct_conv::weight_grad_pays(g) && (direct_input || !input_grad) {
        let (weight_grad, bias) = direct_conv::weight_grad(g, x, grad_out);
        return ConvGrads {
            input: direct_input.then(|| direct_conv::input_grad(g, weight, grad_out)),
            weight: weight_grad,
            bias,
        };
    }
    if direct_input {
        let mut grads = host_conv::backward(g, x, weight, grad_out, false);
        grads.input = Some(direct_conv::input_grad(g, weight, grad_out));
        return grads;
    }
    host_conv::backward(g, x, weight, grad_out, input_grad)
}

fn valid_options() -> ConvOptions<3> {
    ConvOptions::new([1, 1, 1], [0, 0, 0], [1, 1, 1], 1)
}

/// Convolutions with their own backward pass: a valid 3-D convolution with bias (2-D as depth
/// 1) and a depthwise 2-D convolution.
#[backend_extension(Flex, Cube, Autodiff)]
pub trait FastConv: Backend {
    /// # Shapes
    /// - x: `[batch, in, d, h, w]`, weight: `[out, in, kd, kh, kw]`, bias: `[out]`
    /// - output: `[batch, out, d - kd + 1, h - kh + 1, w - kw + 1]`
    fn valid_conv3d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        Self::conv3d(x, weight, Some(bias), valid_options())
    }

    /// The gradients of input, weight and bias given the output's; the input's only when
    /// `input_grad` is set (a first layer's input is data and needs none).
    fn valid_conv3d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        input_grad: bool,
    ) -> (
        Option<FloatTensor<Self>>,
        FloatTensor<Self>,
        FloatTensor<Self>,
    ) {
        burn_backward::<Self>(x, weight, output_grad, input_grad)
    }

    /// A depthwise 2-D convolution without bias, zero-padded by `padding` on every side.
    ///
    /// # Shapes
    /// - x: `[batch, c, h, w]`, weight: `[c, 1, kh, kw]`
    /// - output: `[batch, c, (h + 2·padding - kh) / stride + 1, (w + 2·padding - kw) / stride + 1]`
    fn depthwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        burn_depthwise::<Self>(x, weight, stride, padding)
    }

    /// The gradients of input and weight given the output's.
    fn depthwise_conv2d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        burn_depthwise_backward::<Self>(x, weight, output_grad, stride, padding)
    }
}

fn depthwise_options<B: Backend>(
    weight: &FloatTensor<B>,
    stride: usize,
    padding: usize,
) -> ConvOptions<2> {
    ConvOptions::new(
        [stride, stride],
        [padding, padding],
        [1, 1],
        weight.shape()[0],
    )
}

/// burn's own depthwise convolution.
fn burn_depthwise<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    stride: usize,
    padding: usize,
) -> FloatTensor<B> {
    let options = depthwise_options::<B>(&weight, stride, padding);
    B::conv2d(x, weight, None, options)
}

/// burn's own backward pass of a depthwise convolution.
fn burn_depthwise_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    stride: usize,
    padding: usize,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let options = depthwise_options::<B>(&weight, stride, padding);
    (
        B::conv2d_x_backward(
            x.clone(),
            weight.clone(),
            output_grad.clone(),
            options.clone(),
        ),
        B::conv2d_weight_backward(x, weight, output_grad, options),
    )
}

/// burn's own backward pass of the convolution (what its autodiff computes for `Conv3d`).
fn burn_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    input_grad: bool,
) -> (Option<FloatTensor<B>>, FloatTensor<B>, FloatTensor<B>) {
    let channels = output_grad.shape()[1];
    let per_channel = B::float_reshape(
        B::float_swap_dims(output_grad.clone(), 0, 1),
        [channels, output_grad.shape().num_elements() / channels].into(),
    );
    let bias = B::float_reshape(B::float_sum_dim(per_channel, 1), [channels].into());
    (
        input_grad.then(|| {
            B::conv3d_x_backward(
                x.clone(),
                weight.clone(),
                output_grad.clone(),
                valid_options(),
            )
        }),
        B::conv3d_weight_backward(x, weight, output_grad, valid_options()),
        bias,
    )
}

/// WebGPU: burn's own convolution (the trait's bodies).
impl FastConv for Cube {}

/// The sizes of the convolution, when the host kernels can run it (f32, valid).
fn geometry(x: &FloatTensor<Flex>, weight: &FloatTensor<Flex>) -> Option<ConvGeometry> {
    if x.dtype() != DType::F32 || weight.dtype() != DType::F32 {
        return None;
    }
    let (xs, ws) = (x.shape(), weight.shape());
    let g = ConvGeometry {
        batch: xs[0],
        in_channels: xs[1],
        in_dims: [xs[2], xs[3], xs[4]],
        out_channels: ws[0],
        kernel: [ws[2], ws[3], ws[4]],
    };
    (ws[1] == g.in_channels && g.is_valid()).then_some(g)
}

/// A CPU tensor's f32 values, copied only when not contiguous.
pub(crate) fn f32s(t: &FloatTensor<Flex>) -> std::borrow::Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(s) => s.into(),
        None => t
            .to_contiguous()
            .as_slice::<f32>()
            .expect("f32")
            .to_vec()
            .into(),
    }
}

/// A CPU tensor of `shape` holding `values`.
pub(crate) fn flex(values: Vec<f32>, shape: Vec<usize>) -> FloatTensor<Flex> {
    FloatTensor::<Flex>::from_data(TensorData::new(values, shape))
}

/// The CPU backend: [`host_conv`]'s and [`depthwise`]'s kernels.
impl FastConv for Flex {
    fn valid_conv3d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let Some(g) = geometry(&x, &weight) else {
            return <Self as ModuleOps<Self>>::conv3d(x, weight, Some(bias), valid_options());
        };
        let out = cpu_forward(&g, &f32s(&x), &f32s(&weight), Some(&f32s(&bias)));
        let [od, oh, ow] = g.out_dims();
        flex(out, vec![g.batch, g.out_channels, od, oh, ow])
    }

    fn valid_conv3d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        input_grad: bool,
    ) -> (
        Option<FloatTensor<Self>>,
        FloatTensor<Self>,
        FloatTensor<Self>,
    ) {
        let Some(g) = geometry(&x, &weight) else {
            return burn_backward::<Self>(x, weight, output_grad, input_grad);
        };
        let grads = cpu_backward(
            &g,
            &f32s(&x),
            &f32s(&weight),
            &f32s(&output_grad),
            input_grad,
        );
        (
            grads.input.map(|gx| flex(gx, x.shape().to_vec())),
            flex(grads.weight, weight.shape().to_vec()),
            flex(grads.bias, vec![g.out_channels]),
        )
    }

    fn depthwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        // Strided, burn's own: with the host kernel for those too, MobileNetV1 and V2 trained
        // no faster and MobileNetV1 inferred 5–15 % slower (alternating runs): dealing a plane
        // into its phases costs what it saves.
        let Some(g) = depthwise_geometry(&x, &weight, stride, padding).filter(|_| stride == 1)
        else {
            return burn_depthwise::<Self>(x, weight, stride, padding);
        };
        let out = depthwise::forward(&g, &f32s(&x), &f32s(&weight));
        let [oh, ow] = g.out_dims();
        flex(out, vec![g.batch, g.channels, oh, ow])
    }

    fn depthwise_conv2d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let Some(g) = depthwise_geometry(&x, &weight, stride, padding) else {
            return burn_depthwise_backward::<Self>(x, weight, output_grad, stride, padding);
        };
        let (gx, gw) = depthwise::backward(&g, &f32s(&x), &f32s(&weight), &f32s(&output_grad));
        (
            flex(gx, x.shape().to_vec()),
            flex(gw, weight.shape().to_vec()),
        )
    }
}

/// The sizes of a depthwise convolution, when the host kernels can run it (f32).
fn depthwise_geometry(
    x: &FloatTensor<Flex>,
    weight: &FloatTensor<Flex>,
    stride: usize,
    padding: usize,
) -> Option<DepthwiseGeometry> {
    if x.dtype() != DType::F32 || weight.dtype() != DType::F32 {
        return None;
    }
    let (xs, ws) = (x.shape(), weight.shape());
    let g = DepthwiseGeometry {
        batch: xs[0],
        channels: xs[1],
        in_dims: [xs[2], xs[3]],
        kernel: [ws[2], ws[3]],
        stride,
        padding,
    };
    (ws[0] == g.channels && ws[1] == 1 && g.is_valid()).then_some(g)
}

/// The autodiff graph: forward on the inner backend, and one backward node for all three
/// gradients.
impl<B: FastConv, C: CheckpointStrategy> FastConv for Autodiff<B, C> {
    fn valid_conv3d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct Node;

        impl<B: FastConv> Backward<B, 3> for Node {
            type State = (NodeId, NodeId);

            fn backward(
                self,
                ops: Ops<Self::State, 3>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let [node_x, node_weight, node_bias] = ops.parents;
                let grad = grads.consume::<B>(&ops.node);
                let (x_state, weight_state) = ops.state;
                let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
                let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight_state);
                // A first layer's input is data, untracked: its gradient is not computed.
                let (gx, gw, gb) = B::valid_conv3d_backward(x, weight, grad, node_x.is_some());
                if let (Some(node), Some(gx)) = (node_x, gx) {
                    grads.register::<B>(node.id, gx);
                }
                for (node, g) in [(node_weight, gw), (node_bias, gb)] {
                    if let Some(node) = node {
                        grads.register::<B>(node.id, g);
                    }
                }
            }
        }

        match Node
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                prep.finish(
                    (x_state, weight_state),
                    B::valid_conv3d(
                        x.into_primitive(),
                        weight.into_primitive(),
                        bias.into_primitive(),
                    ),
                )
            }
            OpsKind::UnTracked(prep) => prep.finish(B::valid_conv3d(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
            )),
        }
    }

    fn depthwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct Node;

        impl<B: FastConv> Backward<B, 2> for Node {
            type State = (NodeId, NodeId, usize, usize);

            fn backward(
                self,
                ops: Ops<Self::State, 2>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let [node_x, node_weight] = ops.parents;
                let grad = grads.consume::<B>(&ops.node);
                let (x_state, weight_state, stride, padding) = ops.state;
                let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
                let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight_state);
                let (gx, gw) = B::depthwise_conv2d_backward(x, weight, grad, stride, padding);
                for (node, g) in [(node_x, gx), (node_weight, gw)] {
                    if let Some(node) = node {
                        grads.register::<B>(node.id, g);
                    }
                }
            }
        }

        match Node
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                prep.finish(
                    (x_state, weight_state, stride, padding),
                    B::depthwise_conv2d(
                        x.into_primitive(),
                        weight.into_primitive(),
                        stride,
                        padding,
                    ),
                )
            }
            OpsKind::UnTracked(prep) => prep.finish(B::depthwise_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                stride,
                padding,
            )),
        }
    }
}

/// `conv.forward(x)` for a valid `Conv3d`, through [`FastConv`]; a `Conv3d` with stride,
/// padding, dilation or groups goes to its own `forward`.
///
/// # Shapes
/// - input: `[batch, in, d, h, w]`
/// - output: `[batch, out, d - kd + 1, h - kh + 1, w - kw + 1]`
pub fn valid_conv3d(x: Tensor<5>, conv: &Conv3d) -> Tensor<5> {
    let plain = conv.stride == [1, 1, 1]
        && conv.dilation == [1, 1, 1]
        && conv.groups == 1
        && matches!(conv.padding, PaddingConfig3d::Valid);
    if !plain || plain_convolutions() {
        return conv.forward(x);
    }
    run(x, conv.weight.val(), conv.bias.as_ref().map(|b| b.val()))
}

/// `conv.forward(x)` for a valid `Conv2d` (a 3-D convolution of depth 1), through
/// [`FastConv`]; any other `Conv2d` goes to its own `forward`.
///
/// # Shapes
/// - input: `[batch, in, h, w]`
/// - output: `[batch, out, h - kh + 1, w - kw + 1]`
pub fn valid_conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let plain = conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && matches!(
            conv.padding,
            PaddingConfig2d::Valid | PaddingConfig2d::Explicit(0, 0, 0, 0)
        );
    if !plain {
        return conv.forward(x);
    }
    valid_conv2d_weights(x, conv.weight.val(), conv.bias.as_ref().map(|b| b.val()))
}

/// A valid 2-D convolution (stride 1, one group) of `x` by `weight` `[out, in, kh, kw]`.
pub fn valid_conv2d_weights(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>) -> Tensor<4> {
    run(x.unsqueeze_dim(2), weight.unsqueeze_dim(2), bias).squeeze_dim(2)
}

/// [`valid_conv2d_weights`] with the batch folded into one sample: the images stacked along
/// a depth axis that a kernel of depth 1 never mixes, so that small maps (PlainCNN's 8×8 and
/// below) are multiplied once for the whole batch instead of once per image.
///
/// # Shapes
/// - x: `[batch, in, h, w]`, weight: `[out, in, kh, kw]`, bias: `[out]`
/// - output: `[batch, out, h - kh + 1, w - kw + 1]`
pub fn valid_conv2d_folded(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>) -> Tensor<4> {
    let folded = x.swap_dims(0, 1).unsqueeze_dim(0); // [1, in, batch, h, w]
    let out = run(folded, weight.unsqueeze_dim(2), bias); // [1, out, batch, oh, ow]
    out.squeeze_dim::<4>(0).swap_dims(0, 1)
}

/// A depthwise convolution of `x` by `weight` `[c, 1, kh, kw]`, zero-padded by `padding` on
/// every side, through [`FastConv`] (on the CPU [`super::depthwise`]'s kernels, but burn's
/// forward when strided; on WebGPU burn's convolution).
///
/// # Shapes
/// - input: `[batch, c, h, w]`
/// - output: `[batch, c, (h + 2·padding - kh) / stride + 1, (w + 2·padding - kw) / stride + 1]`
pub fn depthwise_conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    stride: usize,
    padding: usize,
) -> Tensor<4> {
    Tensor::from_dispatch(Dispatch::depthwise_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        stride,
        padding,
    ))
}

fn run(x: Tensor<5>, weight: Tensor<5>, bias: Option<Tensor<1>>) -> Tensor<5> {
    // Without a bias the op adds zeros (a constant: no gradient is kept for it).
    let bias = bias.unwrap_or_else(|| Tensor::zeros([weight.dims()[0]], &weight.device()));
    Tensor::from_dispatch(Dispatch::valid_conv3d(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv2dConfig, Conv3dConfig};
    use burn::tensor::{Device, Distribution, Gradients};

    use crate::model::host_conv::tests::assert_close_tensors as assert_close;

    /// Through the autodiff graph (CPU): output and the gradients of input, weight and bias
    /// equal the module's `forward`; without autodiff the output too.
    #[test]
    fn valid_conv3d_equals_conv3d_forward_with_gradients() {
        for (device, autodiff) in [(Device::flex().autodiff(), true), (Device::flex(), false)] {
            let conv = Conv3dConfig::new([3, 5], [3, 2, 3]).init(&device);
            let x = Tensor::<5>::random([2, 3, 6, 5, 7], Distribution::Normal(0.0, 1.0), &device);
            let x = if autodiff { x.require_grad() } else { x };
            let plain = conv.forward(x.clone());
            let fast = valid_conv3d(x.clone(), &conv);
            assert_close(fast.clone(), plain.clone(), "output");
            if !autodiff {
                continue;
            }
            let upstream =
                Tensor::<5>::random(plain.dims(), Distribution::Normal(0.0, 1.0), &device);
            let gp = (plain * upstream.clone()).sum().backward();
            let gf = (fast * upstream).sum().backward();
            let check =
                |what, f: &dyn Fn(&Gradients) -> Tensor<5>| assert_close(f(&gf), f(&gp), what);
            check("input gradient", &|g| x.grad(g).unwrap());
            check("weight gradient", &|g| conv.weight.grad(g).unwrap());
            let bias = conv.bias.as_ref().unwrap();
            assert_close(
                bias.grad(&gf).unwrap(),
                bias.grad(&gp).unwrap(),
                "bias gradient",
            );
        }
    }

    #[test]
    fn valid_conv2d_equals_conv2d_forward_with_gradients() {
        let device = Device::flex().autodiff();
        let conv = Conv2dConfig::new([4, 6], [3, 3]).init(&device);
        let x = Tensor::<4>::random([3, 4, 7, 6], Distribution::Normal(0.0, 1.0), &device)
            .require_grad();
        let plain = conv.forward(x.clone());
        let fast = valid_conv2d(x.clone(), &conv);
        assert_close(fast.clone(), plain.clone(), "output");
        let gp = (plain * 1.5).sum().backward();
        let gf = (fast * 1.5).sum().backward();
        assert_close(x.grad(&gf).unwrap(), x.grad(&gp).unwrap(), "input gradient");
        assert_close(
            conv.weight.grad(&gf).unwrap(),
            conv.weight.grad(&gp).unwrap(),
            "weight gradient",
        );
    }
}
