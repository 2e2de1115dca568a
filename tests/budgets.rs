//! Small files that ask for huge memory are refused from their declared sizes, quickly and
//! in words, by the library and by the CLI.
//!
//! The two fixtures are generated here (not committed): a ~1 MB MAT v5 file whose compressed
//! variable of class `double` holds 1008 Mi `uint8` values (under the 1 GiB decompression
//! budget inflated, 7.9 GiB as float64),
//! and a 2×2×40,000 `.npy` cube (640 KB; its PCA would need a 40,000² covariance, 12.8 GB).
//!
//! Checked against the code with the protection switched off (once, by hand, under
//! `ulimit -v 4000000` so that nothing else on the machine is starved):
//! - `mat_bomb_*`: with `precheck_compressed` and `check_array` removed from `data::mat`,
//!   the reader inflates the whole gigabyte and aborts on allocating the 8 GiB widened copy
//!   (`memory allocation of 8589934592 bytes failed`); with only the precheck removed, the
//!   same message comes after inflating 1 GiB and the time assertion fails.
//! - `npy_40000_bands_*`: with `check_scene` removed from `Scene::from_arrays` and
//!   `scene_from_files`, the 40,000-band scene loads and the test fails there; with only
//!   `pca::fit`'s band check removed, PCA aborts allocating its covariance
//!   (`memory allocation of 12800000000 bytes failed`).
//! - `a_cifar_batch_*`: with the record check removed from `read_cifar_bin`, the 50,001
//!   records are read and the test fails.

use std::process::Command;
use std::time::{Duration, Instant};

use convlab::data::budget::{MAX_ARRAY_BYTES, MAX_BANDS, MAX_SCENE_BYTES};
use convlab::data::{DataError, LabelChoice, NdArray, Values, load, pca, read_arrays, write_npy};

/// How long a refusal may take (it reads a few kilobytes; a debug build on a loaded machine).
const QUICK: Duration = Duration::from_secs(3);

/// A MAT v5 file with one compressed variable `bomb` of class double, 1024×1024×1008, whose
/// values are stored as miUINT8 zeros (1008 MiB inflated, under the 1 GiB decompression
/// budget; 7.9 GiB as float64): the zlib stream is one stored block holding the variable's
/// head, then 63 copies of one deflate block of 16 MiB of zeros (each block only
/// refers to itself, so copies chain), then an empty final block and the Adler-32.
fn mat_bomb() -> Vec<u8> {
    const ZEROS: usize = 16 << 20;
    const COPIES: usize = 63;
    let data_len = ZEROS * COPIES; // 1008 MiB: under the 1 GiB decompression budget
    // The miMATRIX body up to the data: flags (class 6 = double), dims, name, data tag.
    let mut head = Vec::new();
    let el = |out: &mut Vec<u8>, ty: u32, data: &[u8]| {
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(8) * 8, 0);
    };
    el(&mut head, 6, &[6, 0, 0, 0, 0, 0, 0, 0]);
    let dims: Vec<u8> = [1024u32, 1024, 1008]
        .iter()
        .flat_map(|d| d.to_le_bytes())
        .collect();
    el(&mut head, 5, &dims);
    el(&mut head, 1, b"bomb");
    head.extend_from_slice(&2u32.to_le_bytes()); // miUINT8
    head.extend_from_slice(&(data_len as u32).to_le_bytes());
    let mut inflated_head = Vec::new();
    inflated_head.extend_from_slice(&14u32.to_le_bytes()); // miMATRIX
    inflated_head.extend_from_slice(&((head.len() + data_len) as u32).to_le_bytes());
    inflated_head.extend_from_slice(&head);

    // One raw deflate block of zeros, ended by a sync flush (byte-aligned, not final).
    use miniz_oxide::deflate::core::{
        CompressorOxide, TDEFLFlush, compress, create_comp_flags_from_zip_params,
    };
    let mut c = CompressorOxide::new(create_comp_flags_from_zip_params(9, -15, 0));
    let mut block = vec![0u8; 1 << 20];
    let (_, used, written) = compress(&mut c, &vec![0u8; ZEROS], &mut block, TDEFLFlush::Sync);
    assert_eq!(used, ZEROS);
    block.truncate(written);

    let mut z = vec![0x78, 0x01];
    z.push(0x00); // stored block, not final
    let n = inflated_head.len() as u16;
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&(!n).to_le_bytes());
    z.extend_from_slice(&inflated_head);
    for _ in 0..COPIES {
        z.extend_from_slice(&block);
    }
    z.extend_from_slice(&[0x03, 0x00]); // empty final block
    // Adler-32 of the head then 2^30 zeros: zeros leave `a` and add `a` to `b` each.
    let (mut a, mut b) = (1u64, 0u64);
    for &x in &inflated_head {
        a = (a + x as u64) % 65521;
        b = (b + a) % 65521;
    }
    b = (b + a * (data_len as u64 % 65521)) % 65521;
    z.extend_from_slice(&(((b << 16) | a) as u32).to_be_bytes());

    let mut file = b"MATLAB 5.0 MAT-file, written by convlab's budget test".to_vec();
    file.resize(116, b' ');
    file.extend_from_slice(&[0; 8]);
    file.extend_from_slice(&[0x00, 0x01, b'I', b'M']);
    file.extend_from_slice(&15u32.to_le_bytes()); // miCOMPRESSED
    file.extend_from_slice(&(z.len() as u32).to_le_bytes());
    file.extend_from_slice(&z);
    file
}

/// A 2×2×40,000 float32 cube and a 2×2 ground truth of two classes.
fn npy_40000_bands() -> (Vec<u8>, Vec<u8>) {
    let values: Vec<f32> = (0..2 * 2 * 40_000).map(|i| (i % 97) as f32).collect();
    let cube = NdArray::new("cube", vec![2, 2, 40_000], Values::F32(values)).unwrap();
    let gt = NdArray::new("gt", vec![2, 2], Values::U8(vec![1, 2, 1, 2])).unwrap();
    (write_npy(&cube), write_npy(&gt))
}

/// Writes a fixture under the test target's scratch folder.
fn fixture(name: &str, bytes: &[u8]) -> String {
    let path = format!("{}/{name}", env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    path
}

/// Runs the CLI; returns (success, stderr + stdout, seconds).
fn convlab(args: &[&str]) -> (bool, String, f64) {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_convlab"))
        .args(args)
        .output()
        .expect("the convlab binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    (out.status.success(), text, t.elapsed().as_secs_f64())
}

#[test]
fn mat_bomb_is_refused_before_inflating() {
    let bytes = mat_bomb();
    assert!(bytes.len() < 4 << 20, "{} bytes", bytes.len());
    let t = Instant::now();
    let e = read_arrays("bomb.mat", &bytes).unwrap_err();
    let took = t.elapsed();
    assert_eq!(
        e,
        DataError::OverBudget {
            what: "The variable 'bomb' (stored as uint8), 1024×1024×1008".into(),
            as_type: "float64".into(),
            need: 1008 << 23,
            limit: MAX_ARRAY_BYTES,
            advice: "Crop it or save it in a narrower type".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "The variable 'bomb' (stored as uint8), 1024×1024×1008 would need 7.9 GiB as float64; \
         the limit is 1 GiB. Crop it or save it in a narrower type."
    );
    assert!(took < QUICK, "refused after {took:?}");
    // The refusal comes from the head alone: the same file with the rest of its stream
    // destroyed gives the same answer (inflating first would report damage instead).
    let mut damaged = bytes.clone();
    let cut = 128 + 8 + 2 + 5 + 100;
    for b in &mut damaged[cut..cut + 4096] {
        *b = 0xff;
    }
    assert_eq!(read_arrays("bomb.mat", &damaged).unwrap_err(), e);
}

#[test]
fn npy_40000_bands_is_refused_before_pca() {
    let (cube, gt) = npy_40000_bands();
    // The array itself is small and readable (the inspector lists it)…
    let arrays = read_arrays("cube.npy", &cube).unwrap();
    assert_eq!(arrays[0].shape, vec![2, 2, 40_000]);
    // …but it is no scene: too many bands for PCA.
    let t = Instant::now();
    let Err(e) = load::scene_from_files(
        ("cube.npy", &cube),
        Some(("gt.npy", &gt)),
        None,
        None,
        &LabelChoice::default(),
    ) else {
        panic!("the 40,000-band scene was accepted");
    };
    assert!(t.elapsed() < QUICK);
    assert_eq!(
        e,
        DataError::TooManyBands {
            bands: 40_000,
            cap: MAX_BANDS
        }
    );
    assert!(
        e.to_string()
            .starts_with("The cube has 40000 bands; convlab handles at most 1024"),
        "{e}"
    );
    // PCA refuses on its own as well, before its bands² covariance.
    let flat: Vec<f32> = arrays[0].to_f32();
    let t = Instant::now();
    let e = pca::fit(&flat, 4, 40_000, 3, true).unwrap_err();
    assert!(matches!(e, DataError::TooManyBands { bands: 40_000, .. }));
    assert!(t.elapsed() < QUICK);
    // And a cube over the f32 budget is refused from its shape alone.
    let e = convlab::data::budget::check_scene(16_384, 16_384, 1).unwrap_err();
    assert!(matches!(e, DataError::OverBudget { limit, .. } if limit == MAX_SCENE_BYTES));
}

#[test]
fn a_cifar_batch_beyond_the_record_budget_is_refused_before_copying() {
    use convlab::data::budget::MAX_CIFAR_RECORDS;
    use convlab::data::{CIFAR_RECORD, read_cifar_bin};
    let bytes = vec![0u8; (MAX_CIFAR_RECORDS + 1) * CIFAR_RECORD];
    let Err(e) = read_cifar_bin(&bytes) else {
        panic!("a batch of {} records was read", MAX_CIFAR_RECORDS + 1);
    };
    assert_eq!(
        e,
        DataError::TooManyRecords {
            records: MAX_CIFAR_RECORDS + 1,
            cap: MAX_CIFAR_RECORDS
        }
    );
    assert!(
        e.to_string().starts_with(
            "The CIFAR-10 batch holds 50001 records; one upload may hold at most 50000"
        )
    );
    assert_eq!(
        read_cifar_bin(&bytes[..MAX_CIFAR_RECORDS * CIFAR_RECORD])
            .unwrap()
            .len(),
        MAX_CIFAR_RECORDS
    );
}

#[test]
fn cli_refuses_both_bombs_in_seconds() {
    let mat = fixture("bomb_7.9gib.mat", &mat_bomb());
    let (cube, gt) = npy_40000_bands();
    let cube = fixture("cube_2x2x40000.npy", &cube);
    let gt = fixture("gt_2x2.npy", &gt);
    for args in [
        vec!["inspect", mat.as_str()],
        vec![
            "train",
            "hybridsn",
            "--scene",
            mat.as_str(),
            "--epochs",
            "1",
        ],
        vec![
            "train",
            "hybridsn",
            "--scene",
            cube.as_str(),
            "--gt",
            gt.as_str(),
            "--epochs",
            "1",
        ],
    ] {
        let (ok, text, secs) = convlab(&args);
        println!("$ convlab {}\n{text}({secs:.2} s)", args.join(" "));
        assert!(!ok, "{args:?} succeeded: {text}");
        assert!(secs < QUICK.as_secs_f64(), "{args:?} took {secs:.1} s");
        let want = if args.contains(&cube.as_str()) {
            "The cube has 40000 bands; convlab handles at most 1024"
        } else {
            "would need 7.9 GiB as float64; the limit is 1 GiB"
        };
        assert!(text.contains(want), "{args:?}: {text}");
    }
}

#[test]
fn cli_refuses_a_file_beyond_the_upload_budget_before_reading_it() {
    use convlab::data::budget::MAX_UPLOAD_BYTES;
    // A sparse file: its length is over the budget, its blocks are not on the disk.
    let path = format!("{}/sparse_over_budget.npy", env!("CARGO_TARGET_TMPDIR"));
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(MAX_UPLOAD_BYTES + 1).unwrap();
    drop(f);
    let (ok, text, secs) = convlab(&["inspect", &path]);
    std::fs::remove_file(&path).ok();
    assert!(!ok);
    assert!(
        text.contains(
            "sparse_over_budget.npy” is 1.0 GiB (1073741825 bytes); uploads may be at most 1 GiB."
        ),
        "{text}"
    );
    assert!(secs < QUICK.as_secs_f64(), "took {secs:.1} s");
}

#[test]
fn cli_refuses_scene_options_without_a_scene_and_names_label_choices() {
    let (ok, text, _) = convlab(&["train", "hybridsn", "--gt", "whatever.npy"]);
    assert!(!ok);
    assert!(
        text.contains("--gt describes a scene given with --scene FILE"),
        "{text}"
    );
    // 0–2 plus the no-data value 255 at two pixels.
    let cube = NdArray::new(
        "cube",
        vec![4, 4, 3],
        Values::F32((0..48).map(|i| (i * 7 % 11) as f32).collect()),
    )
    .unwrap();
    let gt = NdArray::new(
        "gt",
        vec![4, 4],
        Values::U8(vec![0, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 255, 255, 0, 0]),
    )
    .unwrap();
    let cube = fixture("labels_cube.npy", &write_npy(&cube));
    let gt = fixture("labels_gt.npy", &write_npy(&gt));
    let (ok, text, _) = convlab(&["train", "hybridsn", "--scene", &cube, "--gt", &gt]);
    assert!(!ok);
    for want in [
        "255 (2 pixels)",
        "0 (unlabelled): 3 pixels",
        "1: 6 pixels",
        "treat 255 as unlabelled",
        "renumber the classes 1..3",
        "--unlabelled 255, or --renumber-labels",
    ] {
        assert!(text.contains(want), "missing {want:?}: {text}");
    }
}
