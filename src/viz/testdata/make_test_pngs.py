# Generates the small test PNGs embedded in src/viz/png.rs (run: python3 make_test_pngs.py;
# needs Pillow; prints the Rust constants on stdout, the Pillow check on stderr).
# Generates small test PNGs with explicit per-row filters (row y uses filter y % 5),
# independent of the Rust code, and checks each against Pillow's decoder.
import zlib, struct, io
from PIL import Image

W, H = 7, 5
def val(x, y, c):  # same formula as the Rust test
    return (x * 37 + y * 91 + c * 53 + x * y * 7) % 256

def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)

def paeth(a, b, c):
    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

def filt(rows, bpp):
    out = b''; prev = bytes(len(rows[0]))
    for y, r in enumerate(rows):
        f = y % 5; o = bytearray()
        for i, v in enumerate(r):
            a = r[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
            o.append((v - pred) & 255)
        out += bytes([f]) + bytes(o); prev = r
    return out

def png(ct, depth, rows, bpp, extra=b'', nidat=3):
    z = zlib.compress(filt(rows, bpp), 9)
    parts = [z[i * len(z) // nidat:(i + 1) * len(z) // nidat] for i in range(nidat)]
    d = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, depth, ct, 0, 0, 0))
    d += chunk(b'tEXt', b'Comment\x00made by mkpng.py') + extra
    for p in parts: d += chunk(b'IDAT', p)
    return d + chunk(b'IEND', b'')

def pack(samples, depth):
    out = bytearray(); acc = 0; n = 0
    for s in samples:
        acc = (acc << depth) | s; n += depth
        if n == 8: out.append(acc); acc = 0; n = 0
    if n: out.append(acc << (8 - n))
    return bytes(out)

cases = {}
# expected RGBA per case as function (x,y)->tuple
cases['rgb8'] = (png(2, 8, [bytes(val(x, y, c) for x in range(W) for c in range(3)) for y in range(H)], 3),
                 lambda x, y: (val(x, y, 0), val(x, y, 1), val(x, y, 2), 255))
cases['rgba8'] = (png(6, 8, [bytes(val(x, y, c) for x in range(W) for c in range(4)) for y in range(H)], 4),
                  lambda x, y: tuple(val(x, y, c) for c in range(4)))
cases['grey8'] = (png(0, 8, [bytes(val(x, y, 0) for x in range(W)) for y in range(H)], 1),
                  lambda x, y: (val(x, y, 0),) * 3 + (255,))
cases['greyalpha8'] = (png(4, 8, [bytes(val(x, y, c) for x in range(W) for c in (0, 3)) for y in range(H)], 2),
                       lambda x, y: (val(x, y, 0),) * 3 + (val(x, y, 3),))
# 16-bit RGB: high byte val, low byte x+y
cases['rgb16'] = (png(2, 16, [bytes(b for x in range(W) for c in range(3) for b in (val(x, y, c), (x + y) & 255)) for y in range(H)], 6),
                  lambda x, y: (val(x, y, 0), val(x, y, 1), val(x, y, 2), 255))
# palette, 8-bit indices into a 16-entry palette with tRNS for the first 4 entries
pal = [(i * 16, 255 - i * 16, (i * 73) % 256) for i in range(16)]
trns = bytes([0, 64, 128, 192])
ext = chunk(b'PLTE', bytes(b for p in pal for b in p)) + chunk(b'tRNS', trns)
idx = lambda x, y: (x + 3 * y) % 16
palrgba = lambda i: pal[i] + ((trns[i],) if i < 4 else (255,))
cases['pal8'] = (png(3, 8, [bytes(idx(x, y) for x in range(W)) for y in range(H)], 1, ext),
                 lambda x, y: palrgba(idx(x, y)))
cases['pal4'] = (png(3, 4, [pack([idx(x, y) for x in range(W)], 4) for y in range(H)], 1, ext),
                 lambda x, y: palrgba(idx(x, y)))
cases['pal2'] = (png(3, 2, [pack([idx(x, y) % 4 for x in range(W)], 2) for y in range(H)], 1, ext),
                 lambda x, y: palrgba(idx(x, y) % 4))
cases['grey1'] = (png(0, 1, [pack([(x + y) % 2 for x in range(W)], 1) for y in range(H)], 1),
                  lambda x, y: ((255,) * 3 if (x + y) % 2 else (0,) * 3) + (255,))
# 4-bit grey with tRNS colour key 5 → transparent
cases['grey4trns'] = (png(0, 4, [pack([idx(x, y) for x in range(W)], 4) for y in range(H)], 1, chunk(b'tRNS', b'\x00\x05')),
                      lambda x, y: (idx(x, y) * 17,) * 3 + (0 if idx(x, y) == 5 else 255,))

ok = True
for name, (data, exp) in cases.items():
    im = Image.open(io.BytesIO(data)).convert('RGBA')
    got = [[im.getpixel((x, y)) for x in range(W)] for y in range(H)]
    want = [[exp(x, y) for x in range(W)] for y in range(H)]
    # Pillow does not apply a 16-bit grey key etc.; compare all cases
    if name == 'grey4trns':  # Pillow applies a low-bit-depth grey key to the 8-bit value; compare RGB
        got = [[p[:3] for p in r] for r in got]; want = [[p[:3] for p in r] for r in want]
    if got != want:
        ok = False
        print('MISMATCH', name, got[0][:3], want[0][:3])
import sys
print('pillow agrees' if ok else 'pillow disagrees', file=sys.stderr)
if True:
    f = sys.stdout
    for name, (data, _) in cases.items():
        h = data.hex()
        f.write(f'const {name.upper()}: &str = concat!(\n')
        for i in range(0, len(h), 80):
            f.write(f'    "{h[i:i+80]}",\n')
        f.write(');\n')
