#!/usr/bin/env python3
"""(Re)writes the committed seed corpora of the fuzz targets (fuzz/seeds/<target>/).

Plain Python (no numpy). Most seeds are copies of small test fixtures; the weights, png, url
and scene pair seeds are made here, and the packed scene seed is made by the CLI from
two tiny .npy files written here:

    python3 fuzz/seeds/make_seeds.py            # from the repository root
    cargo run -q -- pack-scene --src fuzz/seeds/.tiny --out fuzz/seeds/packed/tiny_4x5x6.clhs
    rm -r fuzz/seeds/.tiny
"""
import json
import os
import shutil
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
FIX = os.path.join(ROOT, "tests", "fixtures")


def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy(target, *paths):
    for p in paths:
        with open(os.path.join(FIX, p), "rb") as f:
            put(target, os.path.basename(p), f.read())


def npy(descr, shape, raw):
    """A version 1.0 .npy file of C-order data."""
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, tuple(shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + raw


def weights(precision, tensors):
    """A convlab weights file: magic, header length, JSON header, values."""
    header = {
        "format": 1, "model": "HybridSN", "config": None, "preprocessing": None,
        "metrics": {"scene": "seed"}, "precision": precision,
        "tensors": [{"path": p, "shape": s} for p, s, _ in tensors],
    }
    h = json.dumps(header, separators=(",", ":")).encode()
    out = b"CONVLAB-WEIGHTS\n" + struct.pack("<I", len(h)) + h
    for _, _, values in tensors:
        for v in values:
            out += struct.pack("<f", v) if precision == "F32" else struct.pack("<e", v)
    return out


def png(width, height):
    """An 8-bit RGB PNG of a small gradient."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 40 % 256, y * 40 % 256, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def main():
    if os.path.isdir(SEEDS):
        for t in os.listdir(SEEDS):
            p = os.path.join(SEEDS, t)
            if os.path.isdir(p) and t not in ("packed",):
                shutil.rmtree(p)
    copy("npy", "data/npy_u2_C_le.npy", "data/npy_f4_F_be.npy", "data/npy_f2.npy",
         "data/npy_4d_F.npy", "data/npy_bool.npy", "data/npy_object.npy", "data/npy_corrupt_shape.npy")
    copy("mat", "data/mat_scene_z.mat", "data/mat_scene_plain.mat", "data/mat_dtypes.mat",
         "data/mat_skipped.mat", "data/mat_v73.mat", "data/bad_truncated.mat")
    copy("scene", "data/mat_scene_z.mat", "data/ok_cube_6x7x5.npy", "data/bad_cube_nan.npy",
         "data/bad_gt_labels.npy")
    copy("cifar", "cifar/tiny_batch.bin", "cifar/bad_label.bin")
    copy("photos", "photos/one_cat.cljp")
    put("png", "gradient_5x3.png", png(5, 3))
    put("weights", "f32_two.clw", weights("F32", [("conv.weight", [2, 3], [0.5, -1, 2, 3, 4, 5]),
                                                   ("conv.bias", [2], [0.25, -0.25])]))
    put("weights", "f16_one.clw", weights("F16", [("fc.weight", [1, 4], [1, 2, 3, 4])]))
    put("url", "link", b"?page=hyperspectral&pca=20&patch=21&lr=0.001&spatial=1&view=errors")
    put("url", "odd", b"?pca=99999999999999999999&patch=8&lr=nan&view=%ZZ&&=")
    # Two tiny arrays for `convlab pack-scene` (the packed seed), in the names it reads.
    tiny = os.path.join(SEEDS, ".tiny")
    os.makedirs(tiny, exist_ok=True)
    cube = struct.pack("<120H", *[(i * 37) % 4000 for i in range(120)])
    gt = bytes([0, 1, 1, 2, 2, 0, 1, 2, 2, 3, 3, 3, 0, 0, 1, 2, 3, 1, 2, 0])
    with open(os.path.join(tiny, "Indian_pines_corrected.npy"), "wb") as f:
        f.write(npy("<u2", (4, 5, 6), cube))
    with open(os.path.join(tiny, "Indian_pines_gt.npy"), "wb") as f:
        f.write(npy("|u1", (4, 5), gt))
    # A scene in one .npy pair is not one file: the scene target reads one upload, so its
    # seeds are whole-scene MAT files (above) and cubes whose ground truth is missing.
    with open(os.path.join(tiny, "Indian_pines_corrected.npy"), "rb") as f:
        put("scene", "tiny_cube_4x5x6.npy", f.read())
    # The scene target also reads a cube and a ground truth joined by `GT::`; one with 255 as
    # a no-data value at two pixels (refused, renumbered or unlabelled by the input length).
    gt255 = bytes([0, 1, 1, 2, 2, 0, 1, 2, 2, 255, 3, 3, 0, 0, 1, 2, 3, 1, 255, 0])
    put("scene", "pair_4x5x6.npy2", npy("<u2", (4, 5, 6), cube) + b"GT::" + npy("|u1", (4, 5), gt))
    put("scene", "pair_255.npy2", npy("<u2", (4, 5, 6), cube) + b"GT::" + npy("|u1", (4, 5), gt255))
    put("scene", "pair_255_b.npy2", npy("<u2", (4, 5, 6), cube) + b"GT::" + npy("|u1", (4, 5), gt255) + b" ")


if __name__ == "__main__":
    main()
