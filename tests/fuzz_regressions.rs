//! Inputs that fuzzing found (tests/fixtures/fuzz/<target>/) and hostile hand-made ones:
//! every decoder must return (a value or a typed error), never panic.

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Hand-made hostile inputs shared by every decoder: empty, tiny, magic-only, huge claims.
fn hostile() -> Vec<Vec<u8>> {
    let mut v = vec![
        Vec::new(),
        vec![0],
        b"\x93NUMPY".to_vec(),
        b"\x93NUMPY\x01\x00\xff\xff{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }".to_vec(),
        b"MATLAB 5.0 MAT-file".to_vec(),
        b"CONVLAB-WEIGHTS\n\xff\xff\xff\xff".to_vec(),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x06\x00\x00\x00".to_vec(),
    ];
    let mut mat = vec![b' '; 128];
    mat[..10].copy_from_slice(b"MATLAB 5.0");
    mat[124..128].copy_from_slice(&[0, 1, b'I', b'M']);
    mat.extend_from_slice(&[14, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]);
    v.push(mat);
    v
}

#[test]
fn decoders_never_panic_on_found_or_hostile_inputs() {
    let mut tried = 0;
    for (target, decode) in [
        (
            "npy",
            (|b: &[u8]| {
                let _ = convlab::data::read_npy(b, "x");
            }) as fn(&[u8]),
        ),
        ("mat", |b| {
            let _ = convlab::data::read_mat(b);
        }),
        ("scene", |b| {
            let _ = convlab::data::load::scene_from_files(
                ("f", b),
                None,
                None,
                None,
                &Default::default(),
            );
        }),
        ("cifar", |b| {
            let _ = convlab::data::read_cifar_bin(b);
        }),
        ("png", |b| {
            let _ = convlab::viz::decode_png(b);
        }),
        ("packed", |b| {
            let _ = convlab::data::unpack_scene(b);
        }),
        ("weights", |b| {
            let _ = convlab::data::weights_file::read_tensors(b);
        }),
        ("url", |b| {
            let mut q = convlab::share::Query::parse(&String::from_utf8_lossy(b));
            let _ = (
                q.int("a", 1, 0, 9),
                q.float("b", 0.5, 0.0, 1.0),
                q.odd("c", 3, 1, 9),
            );
        }),
    ] {
        for (_, bytes) in inputs(target) {
            decode(&bytes);
            tried += 1;
        }
        for bytes in hostile() {
            decode(&bytes);
            tried += 1;
        }
    }
    assert!(tried >= 8 * 8);
}

/// The committed seed corpus of a fuzz target (`fuzz/seeds/<target>/`); a missing folder
/// fails loudly, since `tools/fuzz.sh` would then start that target from nothing.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let rd = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the seed folder {} is missing: {e}", dir.display()));
    let mut v: Vec<(String, Vec<u8>)> = rd
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "the seed folder {} is empty", dir.display());
    v
}

#[test]
fn every_fuzz_target_has_seeds_that_reach_past_the_header() {
    for target in [
        "npy", "mat", "scene", "cifar", "png", "packed", "weights", "url", "photos",
    ] {
        seeds(target);
    }
    // The seeds made for the targets without fixtures decode whole.
    for (name, b) in seeds("weights") {
        let (_, tensors) = convlab::data::weights_file::read_tensors(&b)
            .unwrap_or_else(|e| panic!("weights seed {name}: {e}"));
        assert!(!tensors.is_empty());
    }
    for (name, b) in seeds("packed") {
        let (cube, gt, h, w, bands) =
            convlab::data::unpack_scene(&b).unwrap_or_else(|e| panic!("packed seed {name}: {e}"));
        assert_eq!((cube.len(), gt.len()), (h * w * bands, h * w));
    }
    for (name, b) in seeds("png") {
        convlab::viz::decode_png(&b).unwrap_or_else(|e| panic!("png seed {name}: {e:?}"));
    }
    // The scene pairs reach PCA: a clean pair loads, the one with 255 at two pixels is
    // refused until a choice is made.
    let split = |b: &[u8]| {
        let i = b.windows(4).position(|w| w == b"GT::").unwrap();
        (b[..i].to_vec(), b[i + 4..].to_vec())
    };
    let pairs = seeds("scene");
    let get = |n: &str| &pairs.iter().find(|(name, _)| name == n).unwrap().1;
    let (cube, gt) = split(get("pair_4x5x6.npy2"));
    let load = |gt: &[u8], choice: &convlab::data::LabelChoice| {
        convlab::data::load::scene_from_files(("cube", &cube), Some(("gt", gt)), None, None, choice)
    };
    let s = load(&gt, &Default::default()).unwrap();
    assert_eq!((s.height, s.width, s.bands, s.num_classes), (4, 5, 6, 3));
    let (_, gt255) = split(get("pair_255.npy2"));
    assert!(matches!(
        load(&gt255, &Default::default()).unwrap_err(),
        convlab::data::DataError::SuspiciousLabels { .. }
    ));
    let renumber = convlab::data::LabelChoice {
        unlabelled: vec![],
        renumber: true,
    };
    assert_eq!(load(&gt255, &renumber).unwrap().num_classes, 4);
}
