//! The Conv lab page: the cost calculator (standard against depthwise-separable, grouped
//! continuum), then the feature maps and the 2-D against 3-D views (their own components).

use leptos::prelude::*;

use super::conv_form::ConvForm;
use super::conv_maps::FeatureMapsView;
use super::conv_spectral::SpectralView;
use crate::cost::{ConvKind, ConvSpec, cost_table, group_options, thousands};
use crate::messages::Request;
use crate::messages::lab::LabRequest;
use crate::ui::client::send;
use crate::ui::state::{AppState, Page};
use crate::ui::url::CopyLink;

fn field(
    label: &'static str,
    testid: &'static str,
    spec: RwSignal<ConvSpec>,
    get: fn(&ConvSpec) -> usize,
    set: fn(&mut ConvSpec, usize),
    on_change: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <label>
            {label}
            " "
            <input
                type="number"
                min="0"
                data-testid=testid
                prop:value=move || get(&spec.get()).to_string()
                on:change=move |ev| {
                    match event_target_value(&ev).trim().parse::<usize>() {
                        Ok(v) => {
                            spec.update(|s| set(s, v));
                            on_change();
                        }
                        Err(_) => {
                            state.error.set(Some(format!("{label}: please enter a whole number")));
                        }
                    }
                }
            />
        </label>
    }
}

#[component]
pub fn ConvLab() -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = expect_context::<ConvForm>();
    let spec = form.spec;
    let link_pairs = Callback::new(move |()| form.to_pairs());
    // Keeps the groups valid for the channel counts, then asks the worker.
    let request = move || {
        spec.update(|s| {
            let opts = group_options(s.in_channels.max(1), s.out_channels.max(1));
            if !opts.contains(&s.groups) {
                s.groups = 1;
            }
        });
        let sp = spec.get_untracked();
        if sp.validate().is_ok() {
            send(&Request::Lab(LabRequest::ConvCost(sp)));
        }
    };
    if state.lab.conv_cost.get_untracked().map(|t| t.spec) != Some(spec.get_untracked()) {
        request();
    }
    let invalid = move || spec.get().validate().err().map(|e| e.to_string());
    let current = move || {
        state
            .lab
            .conv_cost
            .get()
            .filter(|t| t.spec == spec.get() && invalid().is_none())
    };
    let options = move || {
        let s = spec.get();
        group_options(s.in_channels.max(1), s.out_channels.max(1))
    };

    view! {
        <section data-testid="conv-lab">
            <h2>"Conv lab"</h2>
            <CopyLink pairs=link_pairs />
            <p>
                "A standard convolution gives every output channel its own k×k filter over every input channel. "
                "A depthwise-separable convolution splits that in two: a depthwise k×k filter per input channel "
                "(groups = Cin), then a pointwise 1×1 convolution that mixes the channels. MobileNets are built "
                "from such pairs."
            </p>

            <h3>"Cost calculator"</h3>
            <div class="controls">
                {field("Input channels", "cost-in", spec, |s| s.in_channels, |s, v| s.in_channels = v, request)}
                {field("Output channels", "cost-out", spec, |s| s.out_channels, |s, v| s.out_channels = v, request)}
                {field("Kernel", "cost-kernel", spec, |s| s.kernel, |s, v| s.kernel = v, request)}
                {field("Height", "cost-height", spec, |s| s.height, |s, v| s.height = v, request)}
                {field("Width", "cost-width", spec, |s| s.width, |s, v| s.width = v, request)}
                {field("Stride", "cost-stride", spec, |s| s.stride, |s, v| s.stride = v, request)}
                {field("Padding", "cost-padding", spec, |s| s.padding, |s, v| s.padding = v, request)}
            </div>
            <div class="controls">
                <label>
                    "Groups of the grouped row "
                    <input
                        type="range"
                        min="0"
                        data-testid="cost-groups"
                        max=move || options().len().saturating_sub(1).to_string()
                        prop:value=move || {
                            let g = spec.get().groups;
                            options().iter().position(|&o| o == g).unwrap_or(0).to_string()
                        }
                        on:input=move |ev| {
                            if let Ok(i) = event_target_value(&ev).parse::<usize>()
                                && let Some(&g) = options().get(i)
                            {
                                spec.update(|s| s.groups = g);
                                request();
                            }
                        }
                    />
                    <span data-testid="cost-groups-value">
                        {move || {
                            let o = options();
                            format!(
                                " g = {} (possible: {})",
                                spec.get().groups,
                                o.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ")
                            )
                        }}
                    </span>
                </label>
            </div>
            <Show when=move || { options().len() == 1 && spec.get().in_channels > 1 }>
                <p class="note" data-testid="groups-note">
                    {move || {
                        let s = spec.get();
                        format!(
                            "{} and {} share no divisor above 1, so only groups = 1 is possible: try 32 → 64 to see \
                             the continuum from a standard (g = 1) to a depthwise (g = Cin) convolution.",
                            s.in_channels, s.out_channels
                        )
                    }}
                </p>
            </Show>
            {move || invalid().map(|e| view! { <p class="error" data-testid="cost-error">{e}</p> })}
            {move || current().map(|t| {
                let row = |k: ConvKind| t.row(k).cloned().expect("every kind has a row");
                let (std, sep) = (row(ConvKind::Standard), row(ConvKind::Separable));
                view! {
                    <p class="headline" data-testid="cost-headline">
                        "Standard: " <strong data-testid="std-params">{thousands(std.params)}</strong>
                        " parameters against " <strong data-testid="sep-params">{thousands(sep.params)}</strong>
                        {format!(
                            " for depthwise + pointwise: {:.2}× fewer parameters and {:.2}× fewer multiply-adds.",
                            t.param_ratio(), t.mac_ratio()
                        )}
                    </p>
                    <p class="formula" data-testid="cost-formula">
                        {std.formula.clone()} " against " {sep.formula.clone()}
                        {format!(
                            ". Ratio separable / standard = 1/Cout + 1/k² = 1/{} + 1/{} = {:.4}.",
                            t.spec.out_channels, t.spec.kernel * t.spec.kernel, t.theory()
                        )}
                    </p>
                    <table class="summary" data-testid="cost-table">
                        <thead>
                            <tr><th>"Layer"</th><th>"Parameters"</th><th>"With bias"</th><th>"Multiply-adds"</th><th>"Output"</th><th>"Formula"</th></tr>
                        </thead>
                        <tbody>
                            {t.rows.iter().map(|r| {
                                let name = if r.kind == ConvKind::Grouped {
                                    format!("grouped (g = {})", t.spec.groups)
                                } else {
                                    r.kind.name().to_string()
                                };
                                let id = match r.kind {
                                    ConvKind::Standard => "standard",
                                    ConvKind::Depthwise => "depthwise",
                                    ConvKind::Pointwise => "pointwise",
                                    ConvKind::Separable => "separable",
                                    ConvKind::Grouped => "grouped",
                                };
                                view! {
                                    <tr data-testid=format!("cost-row-{id}")>
                                        <td>{name}</td>
                                        <td data-testid="params">{thousands(r.params)}</td>
                                        <td data-testid="params-bias">{thousands(r.params_bias)}</td>
                                        <td data-testid="macs">{thousands(r.macs)}</td>
                                        <td data-testid="output">{format!("{}×{}×{}", r.output[0], r.output[1], r.output[2])}</td>
                                        <td class="formula">{r.formula.clone()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="note">{format!(
                        "Parameter counts: {} (the worker builds each layer as a burn Conv2d and counts its parameters). \
                         Multiply-adds count every output element once per weight it reads, without the bias.",
                        t.source
                    )}</p>
                    <Continuum spec=t.spec />
                }
            })}
            <FeatureMapsView />
            <SpectralView />
            <h3>"Layer walkthrough"</h3>
            <p>
                "Every model's layers, output shapes, parameters and multiply-adds, with each layer's share of the "
                "total, are on the "
                <a href="?page=models" data-testid="to-models" on:click=move |ev| {
                    ev.prevent_default();
                    state.page.set(Page::Models);
                }>"Models page"</a>
                "."
            </p>
        </section>
    }
}

/// Parameters of the grouped k×k convolution for every possible group count (formula), as
/// bars: from the standard convolution (g = 1) down to the depthwise end.
#[component]
fn Continuum(spec: ConvSpec) -> impl IntoView {
    let rows: Vec<(usize, u64)> = group_options(spec.in_channels, spec.out_channels)
        .into_iter()
        .filter_map(|g| {
            let t = cost_table(&ConvSpec { groups: g, ..spec }).ok()?;
            Some((g, t.row(ConvKind::Grouped)?.params))
        })
        .collect();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    view! {
        <table class="layers" data-testid="groups-continuum">
            <thead><tr><th>"Groups"</th><th>"Parameters (k·k·Cin/g·Cout)"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(g, p)| view! {
                    <tr class:active=move || g == spec.groups>
                        <td>{g}</td>
                        <td>
                            <span class="share" style=format!("width:{:.0}px", 240.0 * p as f64 / max)></span>
                            {format!(" {}", thousands(p))}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
