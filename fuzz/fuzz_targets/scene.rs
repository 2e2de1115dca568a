#![no_main]
// A whole scene upload: file sniffing, array choice, the budgets, the scene checks (NaN,
// sizes, label values and the label choice), then PCA and the projection on small scenes.
//
// The input is one upload, or a scene file and a ground-truth file joined by the 4 bytes
// `GT::`; its length picks the label choice (refuse no-data values, renumber, or treat 255 as
// unlabelled), so every path of `data::labels` is reached.
use convlab::data::{LabelChoice, load, pca};
use libfuzzer_sys::fuzz_target;

/// Largest cube (values) that goes on to PCA, so that each run stays fast.
const PCA_VALUES: usize = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let (scene, gt) = match data.windows(4).position(|w| w == b"GT::") {
        Some(i) => (&data[..i], Some(("gt", &data[i + 4..]))),
        None => (data, None),
    };
    let choice = match data.len() % 3 {
        0 => LabelChoice::default(),
        1 => LabelChoice {
            unlabelled: vec![],
            renumber: true,
        },
        _ => LabelChoice {
            unlabelled: vec![255],
            renumber: false,
        },
    };
    let Ok(s) = load::scene_from_files(("upload", scene), gt, None, None, &choice) else {
        return;
    };
    let n = s.height * s.width;
    if s.cube.len() <= PCA_VALUES && n >= 2 {
        let k = s.bands.min(3);
        for whiten in [false, true] {
            if let Ok(p) = pca::fit(&s.cube, n, s.bands, k, whiten) {
                let out = p.transform(&s.cube, n);
                assert_eq!(out.len(), n * k);
            }
        }
    }
});
