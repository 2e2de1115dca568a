//! Native tests of the models on the CPU backend: parameter counts, multiply-adds, shapes at
//! every stage, loss falling on a tiny batch, weights saved and reloaded bit-exactly.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};

use super::*;

fn device() -> Device {
    Device::flex()
}

fn millions(macs: u64) -> String {
    format!("{:.2}", macs as f64 / 1e6)
}

#[test]
fn seed_blocks_standard_1728_against_separable_219() {
    let d = device();
    let std = ConvBnReluConfig::new(3, 64).init(&d);
    assert_eq!(trainable_params(&std.conv), 1_728);
    let sep = DepthwiseSeparableConfig::new(3, 64).init(&d);
    assert_eq!(trainable_params(&sep.depthwise), 27);
    assert_eq!(trainable_params(&sep.pointwise), 192);
    // BN adds scale and shift per channel: 128 for the standard block, 6 + 128 for the pair.
    assert_eq!(trainable_params(&std), 1_728 + 128);
    assert_eq!(trainable_params(&sep), 27 + 6 + 192 + 128);

    let x = Tensor::<4>::random([2, 3, 16, 16], Distribution::Normal(0.0, 1.0), &d);
    assert_eq!(std.forward(x.clone()).dims(), [2, 64, 16, 16]);
    assert_eq!(sep.forward_depthwise(x.clone()).dims(), [2, 3, 16, 16]);
    assert_eq!(sep.forward(x).dims(), [2, 64, 16, 16]);
}

#[test]
fn depthwise_output_i_reads_only_input_channel_i() {
    let d = device();
    let sep = DepthwiseSeparableConfig::new(4, 8).init(&d).valid();
    let x = Tensor::<4>::random([1, 4, 8, 8], Distribution::Normal(0.0, 1.0), &d);
    let base = sep
        .depthwise
        .forward(x.clone())
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    // Change input channel 2 only.
    let bump = Tensor::<4>::random([1, 1, 8, 8], Distribution::Normal(0.0, 1.0), &d);
    let x2 = x.slice_assign([0..1, 2..3, 0..8, 0..8], bump);
    let moved = sep
        .depthwise
        .forward(x2)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    for ch in 0..4 {
        let span = ch * 64..(ch + 1) * 64;
        let changed = base[span.clone()]
            .iter()
            .zip(&moved[span])
            .any(|(a, b)| a != b);
        assert_eq!(changed, ch == 2, "channel {ch}");
    }
}

#[test]
fn mobilenet_v1_counts_and_shapes() {
    let d = device();
    let m = MobileNetV1Config::new().init(&d);
    let s = m.summary();
    assert_eq!(s.params, 3_217_226);
    assert_eq!(millions(s.macs), "46.35");
    assert_eq!(s.layers.iter().map(|l| l.params).sum::<usize>(), s.params);
    let x = Tensor::<4>::random([2, 3, 32, 32], Distribution::Normal(0.0, 1.0), &d);
    let stages = m.forward_stages(x.clone());
    assert_eq!(stages[0].dims(), [2, 32, 32, 32]);
    assert_eq!(stages.last().unwrap().dims(), [2, 1024, 2, 2]);
    // The layer table's shapes are those the real forward produces.
    let pw: Vec<_> = s
        .layers
        .iter()
        .filter(|l| l.name.ends_with("pointwise"))
        .collect();
    for (stage, row) in stages[1..].iter().zip(pw) {
        assert_eq!(stage.dims()[1..].to_vec(), row.output, "{}", row.name);
    }
    assert_eq!(m.forward(x).dims(), [2, 10]);
}

#[test]
fn plain_cnn_counts_and_shapes() {
    let d = device();
    let m = PlainCnnConfig::new().init(&d);
    let s = m.summary();
    assert_eq!(s.params, 28_279_338);
    assert_eq!(millions(s.macs), "397.26");
    assert_eq!(s.layers.iter().map(|l| l.params).sum::<usize>(), s.params);
    let x = Tensor::<4>::random([1, 3, 32, 32], Distribution::Normal(0.0, 1.0), &d);
    let stages = m.forward_stages(x.clone());
    for (stage, row) in stages.iter().zip(&s.layers) {
        assert_eq!(stage.dims()[1..].to_vec(), row.output, "{}", row.name);
    }
    assert_eq!(m.forward(x).dims(), [1, 10]);
}

#[test]
fn mobilenet_v2_counts_and_shapes() {
    let d = device();
    let m = MobileNetV2Config::new().init(&d);
    let s = m.summary();
    assert_eq!(s.params, 2_296_922);
    assert_eq!(millions(s.macs), "91.15");
    assert_eq!(s.layers.iter().map(|l| l.params).sum::<usize>(), s.params);
    let x = Tensor::<4>::random([2, 3, 32, 32], Distribution::Normal(0.0, 1.0), &d);
    let stages = m.forward_stages(x.clone());
    assert_eq!(stages[0].dims(), [2, 32, 32, 32]);
    assert_eq!(stages[stages.len() - 2].dims(), [2, 320, 4, 4]);
    assert_eq!(stages.last().unwrap().dims(), [2, 1280, 4, 4]);
    let projects: Vec<_> = s
        .layers
        .iter()
        .filter(|l| l.name.ends_with("project"))
        .collect();
    assert_eq!(projects.len(), 17);
    for (stage, row) in stages[1..18].iter().zip(projects) {
        assert_eq!(stage.dims()[1..].to_vec(), row.output, "{}", row.name);
    }
    assert_eq!(m.forward(x).dims(), [2, 10]);
}

#[test]
fn hybridsn_counts_and_stage_shapes() {
    let d = device();
    let paper = HybridSnConfig::new().with_batch_norm(false).init(&d);
    assert_eq!(paper.summary().params, 5_122_176);
    let m = HybridSnConfig::new().init(&d);
    let s = m.summary();
    assert_eq!(s.params, 5_122_416);
    assert_eq!(millions(s.macs), "247.68");
    assert_eq!(s.layers.iter().map(|l| l.params).sum::<usize>(), s.params);

    let x = Tensor::<5>::random([2, 1, 30, 25, 25], Distribution::Normal(0.0, 1.0), &d);
    let (stages, x4) = m.conv_stages(x.clone());
    assert_eq!(stages[0].dims(), [2, 8, 24, 23, 23]);
    assert_eq!(stages[1].dims(), [2, 16, 20, 21, 21]);
    assert_eq!(stages[2].dims(), [2, 32, 18, 19, 19]);
    assert_eq!(x4.dims(), [2, 64, 17, 17]);
    let shapes: Vec<Vec<usize>> = s.layers.iter().map(|l| l.output.clone()).collect();
    assert_eq!(
        shapes,
        vec![
            vec![8, 24, 23, 23],
            vec![16, 20, 21, 21],
            vec![32, 18, 19, 19],
            vec![576, 19, 19],
            vec![64, 17, 17],
            vec![18_496],
            vec![256],
            vec![128],
            vec![16],
        ]
    );
    assert_eq!(m.forward(x).dims(), [2, 16]);
}

#[test]
fn model_kind_ids_round_trip() {
    for k in ModelKind::ALL {
        assert_eq!(ModelKind::from_id(k.id()), Some(k));
    }
    assert_eq!(ModelKind::from_id("resnet"), None);
}

/// A few Adam steps on one fixed batch must lower the loss (the model can memorise it).
fn loss_falls<M, F>(mut model: M, x_shape: Vec<usize>, forward: F)
where
    M: Module,
    F: Fn(&M, &Device) -> Tensor<2>,
{
    let _ = x_shape;
    let d = device().autodiff();
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&d);
    let targets = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 1, 2, 3], [4]), &d);
    let mut losses = Vec::new();
    for _ in 0..8 {
        let logits = forward(&model, &d);
        let loss = loss_fn.forward(logits, targets.clone());
        losses.push(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.clone().backward(), &model);
        model = optim.step(1e-3, model, grads);
    }
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(
        losses.last().unwrap() < &(losses[0] * 0.7),
        "loss did not fall: {losses:?}"
    );
}

#[test]
fn loss_falls_mobilenet_v1() {
    let d = device();
    let x = Tensor::<4>::random([4, 3, 32, 32], Distribution::Normal(0.0, 1.0), &d);
    loss_falls(
        MobileNetV1Config::new()
            .with_width(0.25)
            .init(&d.clone().autodiff()),
        vec![],
        move |m, dev| m.forward(x.clone().to_device(dev)),
    );
}

#[test]
fn loss_falls_hybridsn_small() {
    let d = device();
    let cfg = HybridSnConfig::new()
        .with_bands(15)
        .with_patch(11)
        .with_num_classes(4)
        .with_dropout(0.0);
    let x = Tensor::<5>::random([4, 1, 15, 11, 11], Distribution::Normal(0.0, 1.0), &d);
    loss_falls(cfg.init(&d.clone().autodiff()), vec![], move |m, dev| {
        m.forward(x.clone().to_device(dev))
    });
}

/// Asserts the walkthrough's activations are named and shaped as the layer table says, and
/// that the last one is the model's own output.
fn check_activations(s: &ModelSummary, acts: &Activations, logits: Tensor<2>) {
    let names: Vec<_> = acts.iter().map(|(n, _)| n.as_str()).collect();
    let rows: Vec<_> = s.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, rows, "{}", s.model);
    for ((name, a), row) in acts.iter().zip(&s.layers) {
        assert_eq!(a.shape(), row.output, "{} {name}", s.model);
    }
    let Some((_, Activation::Vector(last))) = acts.last() else {
        panic!("{}: the last activation is not a vector", s.model);
    };
    let a = last.clone().into_data().try_to_vec::<f32>().unwrap();
    let b = logits.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(
            (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
            "{}: {x} vs {y}",
            s.model
        );
    }
}

#[test]
fn activations_follow_the_layer_tables() {
    let d = device();
    let x = Tensor::<4>::random([1, 3, 32, 32], Distribution::Normal(0.0, 1.0), &d);
    let m = MobileNetV1Config::new().with_width(0.25).init(&d);
    check_activations(
        &m.summary(),
        &m.activations(x.clone()),
        m.forward(x.clone()),
    );
    let m = MobileNetV2Config::new().with_width(0.25).init(&d);
    check_activations(
        &m.summary(),
        &m.activations(x.clone()),
        m.forward(x.clone()),
    );
    let m = PlainCnnConfig::new().with_width(0.25).init(&d);
    check_activations(&m.summary(), &m.activations(x.clone()), m.forward(x));
    let m = HybridSnConfig::new()
        .with_bands(14)
        .with_patch(11)
        .with_num_classes(5)
        .init(&d);
    let x = Tensor::<5>::random([1, 1, 14, 11, 11], Distribution::Normal(0.0, 1.0), &d);
    check_activations(&m.summary(), &m.activations(x.clone()), m.forward(x));
}

/// The fast forward (`host_conv_op`, what training and the map run) equals the plain
/// `Conv3d`/`Conv2d` forward: logits in
/// train mode (batch statistics) and eval mode, and the gradient of every parameter.
#[test]
fn hybridsn_fast_forward_equals_plain_forward_with_gradients() {
    let d = device().autodiff();
    for batch_norm in [true, false] {
        let m = HybridSnConfig::new()
            .with_bands(16)
            .with_patch(11)
            .with_num_classes(5)
            .with_batch_norm(batch_norm)
            .with_dropout(0.0)
            .init(&d);
        let x = Tensor::<5>::random([3, 1, 16, 11, 11], Distribution::Normal(0.0, 1.0), &d);
        let close = |a: Tensor<2>, b: Tensor<2>, what: &str| {
            let (a, b) = (
                a.into_data().try_to_vec::<f32>().unwrap(),
                b.into_data().try_to_vec::<f32>().unwrap(),
            );
            let scale = b.iter().fold(1f32, |s, v| s.max(v.abs()));
            for (i, (p, q)) in a.iter().zip(&b).enumerate() {
                assert!(
                    (p - q).abs() <= 1e-4 * scale,
                    "{what} [{i}]: {p} against {q}"
                );
            }
        };
        let fast = m.forward(x.clone());
        let plain = m.forward_plain(x.clone());
        close(fast.clone(), plain.clone(), "train-mode logits");
        let g_fast = fast.powi_scalar(2).sum().backward();
        let g_plain = plain.powi_scalar(2).sum().backward();
        let grads = |g: &burn::tensor::Gradients| {
            [
                m.conv1.weight.grad(g).unwrap().flatten::<2>(1, 4),
                m.conv2.weight.grad(g).unwrap().flatten::<2>(1, 4),
                m.conv3.weight.grad(g).unwrap().flatten::<2>(1, 4),
                m.conv4.weight.grad(g).unwrap().flatten::<2>(1, 3),
                m.fc1.weight.grad(g).unwrap(),
            ]
        };
        for (i, (a, b)) in grads(&g_fast).into_iter().zip(grads(&g_plain)).enumerate() {
            close(a, b, &format!("gradient of weight {i}"));
        }
        let eval = m.valid();
        let xe = x.clone().inner();
        close(
            eval.forward(xe.clone()),
            eval.forward_plain(xe),
            "eval logits",
        );
    }
}

/// The activation sizes the batch limits are computed from are the layer table's: the
/// outputs of the real modules' three Conv3d layers and the Conv2d.
#[test]
fn hybridsn_activation_floats_are_its_conv_outputs() {
    for (bands, patch) in [(30, 25), (15, 11), (13, 9), (40, 13)] {
        let cfg = HybridSnConfig::new()
            .with_bands(bands)
            .with_patch(patch)
            .with_num_classes(5);
        let s = cfg.init(&device()).summary();
        let convs: Vec<usize> = s
            .layers
            .iter()
            .filter(|l| l.name.starts_with("conv"))
            .map(|l| l.output.iter().product())
            .collect();
        assert_eq!(
            convs,
            cfg.activation_floats(),
            "bands {bands}, patch {patch}"
        );
    }
}
