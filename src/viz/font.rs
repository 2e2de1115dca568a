//! A built-in 5×7 bitmap font: printable ASCII (32–126) plus `·` (middle dot), `×` and `°`.
//!
//! Each glyph is 5 pixels wide and 7 tall (capitals and digits fill rows 0–6, row 6 is the
//! baseline); `g j p q y , ; _` use two extra descender rows (7–8). Characters advance by
//! 6 pixels (one blank column) and lines by 11 (all × `scale`). Dashes, curly quotes and a
//! few look-alikes map to their ASCII forms; any other character draws as `?`.
//!
//! The glyph table below is written as pixel art (`#` = ink) and parsed at compile time; a
//! malformed table is a compile error, so drawing can never fail at run time.

use super::image::Rgba;

/// Glyph width in pixels (before scaling).
pub const GLYPH_WIDTH: u32 = 5;
/// Height of a line of text including descenders, in pixels (before scaling).
pub const GLYPH_HEIGHT: u32 = 9;
/// Horizontal advance per character (glyph + 1 blank column).
pub const ADVANCE: u32 = 6;
/// Vertical advance per line (`GLYPH_HEIGHT` + 2 blank rows).
pub const LINE_ADVANCE: u32 = 11;

/// Number of glyphs: 95 printable ASCII characters and 3 extras.
const N_GLYPHS: usize = 98;

/// The glyph table. Each glyph: a label line `@c` (`@space` for the space), 7–9 rows of five
/// `.`/`#`, then a blank line. ASCII glyphs must appear in code order; the labels are checked.
const FONT_SRC: &str = r##"
@space
.....
.....
.....
.....
.....
.....
.....

@!
..#..
..#..
..#..
..#..
..#..
.....
..#..

@"
.#.#.
.#.#.
.#.#.
.....
.....
.....
.....

@#
.#.#.
.#.#.
#####
.#.#.
#####
.#.#.
.#.#.

@$
..#..
.####
#.#..
.###.
..#.#
####.
..#..

@%
##...
##..#
...#.
..#..
.#...
#..##
...##

@&
.##..
#..#.
#.#..
.#...
#.#.#
#..#.
.##.#

@'
..#..
..#..
.#...
.....
.....
.....
.....

@(
...#.
..#..
.#...
.#...
.#...
..#..
...#.

@)
.#...
..#..
...#.
...#.
...#.
..#..
.#...

@*
.....
..#..
#.#.#
.###.
#.#.#
..#..
.....

@+
.....
..#..
..#..
#####
..#..
..#..
.....

@,
.....
.....
.....
.....
.....
.##..
.##..
..#..
.#...

@-
.....
.....
.....
.###.
.....
.....
.....

@.
.....
.....
.....
.....
.....
.##..
.##..

@/
....#
...#.
...#.
..#..
.#...
.#...
#....

@0
.###.
#...#
#..##
#.#.#
##..#
#...#
.###.

@1
..#..
.##..
..#..
..#..
..#..
..#..
.###.

@2
.###.
#...#
....#
...#.
..#..
.#...
#####

@3
#####
...#.
..#..
...#.
....#
#...#
.###.

@4
...#.
..##.
.#.#.
#..#.
#####
...#.
...#.

@5
#####
#....
####.
....#
....#
#...#
.###.

@6
..##.
.#...
#....
####.
#...#
#...#
.###.

@7
#####
....#
...#.
..#..
.#...
.#...
.#...

@8
.###.
#...#
#...#
.###.
#...#
#...#
.###.

@9
.###.
#...#
#...#
.####
....#
...#.
.##..

@:
.....
.....
.##..
.##..
.....
.##..
.##..

@;
.....
.....
.##..
.##..
.....
.##..
.##..
..#..
.#...

@<
...#.
..#..
.#...
#....
.#...
..#..
...#.

@=
.....
.....
#####
.....
#####
.....
.....

@>
.#...
..#..
...#.
....#
...#.
..#..
.#...

@?
.###.
#...#
....#
...#.
..#..
.....
..#..

@@
.###.
#...#
#.###
#.#.#
#.###
#....
.###.

@A
.###.
#...#
#...#
#####
#...#
#...#
#...#

@B
####.
#...#
#...#
####.
#...#
#...#
####.

@C
.###.
#...#
#....
#....
#....
#...#
.###.

@D
###..
#..#.
#...#
#...#
#...#
#..#.
###..

@E
#####
#....
#....
####.
#....
#....
#####

@F
#####
#....
#....
####.
#....
#....
#....

@G
.###.
#...#
#....
#.###
#...#
#...#
.####

@H
#...#
#...#
#...#
#####
#...#
#...#
#...#

@I
.###.
..#..
..#..
..#..
..#..
..#..
.###.

@J
..###
...#.
...#.
...#.
...#.
#..#.
.##..

@K
#...#
#..#.
#.#..
##...
#.#..
#..#.
#...#

@L
#....
#....
#....
#....
#....
#....
#####

@M
#...#
##.##
#.#.#
#.#.#
#...#
#...#
#...#

@N
#...#
#...#
##..#
#.#.#
#..##
#...#
#...#

@O
.###.
#...#
#...#
#...#
#...#
#...#
.###.

@P
####.
#...#
#...#
####.
#....
#....
#....

@Q
.###.
#...#
#...#
#...#
#.#.#
#..#.
.##.#

@R
####.
#...#
#...#
####.
#.#..
#..#.
#...#

@S
.####
#....
#....
.###.
....#
....#
####.

@T
#####
..#..
..#..
..#..
..#..
..#..
..#..

@U
#...#
#...#
#...#
#...#
#...#
#...#
.###.

@V
#...#
#...#
#...#
#...#
#...#
.#.#.
..#..

@W
#...#
#...#
#...#
#.#.#
#.#.#
#.#.#
.#.#.

@X
#...#
#...#
.#.#.
..#..
.#.#.
#...#
#...#

@Y
#...#
#...#
.#.#.
..#..
..#..
..#..
..#..

@Z
#####
....#
...#.
..#..
.#...
#....
#####

@[
.###.
.#...
.#...
.#...
.#...
.#...
.###.

@\
#....
.#...
.#...
..#..
...#.
...#.
....#

@]
.###.
...#.
...#.
...#.
...#.
...#.
.###.

@^
..#..
.#.#.
#...#
.....
.....
.....
.....

@_
.....
.....
.....
.....
.....
.....
.....
#####

@`
.#...
..#..
...#.
.....
.....
.....
.....

@a
.....
.....
.###.
....#
.####
#...#
.####

@b
#....
#....
####.
#...#
#...#
#...#
####.

@c
.....
.....
.###.
#....
#....
#...#
.###.

@d
....#
....#
.####
#...#
#...#
#...#
.####

@e
.....
.....
.###.
#...#
#####
#....
.###.

@f
..##.
.#..#
.#...
###..
.#...
.#...
.#...

@g
.....
.....
.####
#...#
#...#
#...#
.####
....#
.###.

@h
#....
#....
#.##.
##..#
#...#
#...#
#...#

@i
..#..
.....
.##..
..#..
..#..
..#..
.###.

@j
...#.
.....
..##.
...#.
...#.
...#.
...#.
#..#.
.##..

@k
#....
#....
#..#.
#.#..
##...
#.#..
#..#.

@l
.##..
..#..
..#..
..#..
..#..
..#..
.###.

@m
.....
.....
##.#.
#.#.#
#.#.#
#.#.#
#.#.#

@n
.....
.....
#.##.
##..#
#...#
#...#
#...#

@o
.....
.....
.###.
#...#
#...#
#...#
.###.

@p
.....
.....
####.
#...#
#...#
#...#
####.
#....
#....

@q
.....
.....
.####
#...#
#...#
#...#
.####
....#
....#

@r
.....
.....
#.##.
##..#
#....
#....
#....

@s
.....
.....
.####
#....
.###.
....#
####.

@t
.#...
.#...
###..
.#...
.#...
.#..#
..##.

@u
.....
.....
#...#
#...#
#...#
#..##
.##.#

@v
.....
.....
#...#
#...#
#...#
.#.#.
..#..

@w
.....
.....
#...#
#...#
#.#.#
#.#.#
.#.#.

@x
.....
.....
#...#
.#.#.
..#..
.#.#.
#...#

@y
.....
.....
#...#
#...#
#...#
#...#
.####
....#
.###.

@z
.....
.....
#####
...#.
..#..
.#...
#####

@{
...##
..#..
..#..
.#...
..#..
..#..
...##

@|
..#..
..#..
..#..
..#..
..#..
..#..
..#..

@}
##...
..#..
..#..
...#.
..#..
..#..
##...

@~
.....
.....
.#...
#.#.#
...#.
.....
.....

@·
.....
.....
.....
.##..
.##..
.....
.....

@×
.....
#...#
.#.#.
..#..
.#.#.
#...#
.....

@°
.##..
#..#.
#..#.
.##..
.....
.....
.....
"##;

/// Bit rows per glyph (bit 4 = leftmost column), parsed from [`FONT_SRC`] at compile time.
static GLYPHS: [[u8; 9]; N_GLYPHS] = parse_font(FONT_SRC);

const fn parse_font(src: &str) -> [[u8; 9]; N_GLYPHS] {
    let b = src.as_bytes();
    let mut out = [[0u8; 9]; N_GLYPHS];
    let mut g = 0usize; // glyphs completed
    let mut row = 0usize;
    let mut in_glyph = false;
    let mut i = 0usize;
    while i <= b.len() {
        let mut j = i;
        while j < b.len() && b[j] != b'\n' {
            j += 1;
        }
        let len = j - i;
        if len == 0 {
            if in_glyph {
                assert!(row >= 7, "font: glyph with fewer than 7 rows");
                g += 1;
                in_glyph = false;
            }
        } else if b[i] == b'@' {
            assert!(!in_glyph, "font: missing blank line between glyphs");
            assert!(g < N_GLYPHS, "font: too many glyphs");
            if g == 0 {
                assert!(
                    len == 6 && b[i + 1] == b's' && b[i + 5] == b'e',
                    "font: first glyph must be @space"
                );
            } else if g < 95 {
                assert!(
                    len == 2 && b[i + 1] == 32 + g as u8,
                    "font: ASCII glyph out of order"
                );
            }
            in_glyph = true;
            row = 0;
        } else {
            assert!(in_glyph && len == 5 && row < 9, "font: bad glyph row");
            let mut bits = 0u8;
            let mut k = 0;
            while k < 5 {
                bits <<= 1;
                match b[i + k] {
                    b'#' => bits |= 1,
                    b'.' => {}
                    _ => panic!("font: rows may only contain '.' and '#'"),
                }
                k += 1;
            }
            out[g][row] = bits;
            row += 1;
        }
        i = j + 1;
    }
    if in_glyph {
        assert!(row >= 7, "font: glyph with fewer than 7 rows");
        g += 1;
    }
    assert!(g == N_GLYPHS, "font: wrong number of glyphs");
    out
}

/// Index into [`GLYPHS`] for a character (unknown characters → `?`).
fn glyph_index(c: char) -> usize {
    let c = match c {
        '\t' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' => '"',
        '\u{2022}' | '\u{2219}' | '\u{22C5}' => '\u{00B7}',
        '\u{00A0}' => ' ',
        c => c,
    };
    match c {
        ' '..='~' => c as usize - 32,
        '\u{00B7}' => 95,
        '\u{00D7}' => 96,
        '\u{00B0}' => 97,
        _ => '?' as usize - 32,
    }
}

/// The 9 bit rows of the glyph for `c` (bit 4 = leftmost column); unknown characters give `?`.
pub fn glyph(c: char) -> [u8; 9] {
    GLYPHS[glyph_index(c)]
}

/// Width in pixels of `text` drawn at `scale` (0 counts as 1): the widest line if `text`
/// contains `'\n'`; 0 for empty text.
pub fn text_width(text: &str, scale: u32) -> u32 {
    let s = scale.max(1);
    text.split('\n')
        .map(|line| line.chars().count() as u64)
        .max()
        .filter(|&n| n > 0)
        .map_or(0, |n| {
            ((n * u64::from(ADVANCE) - 1) * u64::from(s)).min(u64::from(u32::MAX)) as u32
        })
}

/// Height in pixels of `text` drawn at `scale` (0 counts as 1), descenders included:
/// `GLYPH_HEIGHT × scale` for one line, plus `LINE_ADVANCE × scale` per extra line.
pub fn text_height(text: &str, scale: u32) -> u32 {
    let s = u64::from(scale.max(1));
    let lines = text.split('\n').count() as u64;
    (((lines - 1) * u64::from(LINE_ADVANCE) + u64::from(GLYPH_HEIGHT)) * s).min(u64::from(u32::MAX))
        as u32
}

/// Draws `text` with its top-left corner at `(x, y)`, each font pixel a `scale × scale` block
/// (0 counts as 1) of the opaque `colour`. `'\n'` starts a new line. Only ink is drawn (the
/// background is left alone) and everything outside the image is clipped.
pub fn draw_text(img: &mut Rgba, x: i32, y: i32, text: &str, colour: [u8; 3], scale: u32) {
    let s = i64::from(scale.max(1));
    let rgba = [colour[0], colour[1], colour[2], 255];
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    for (line_no, line) in text.split('\n').enumerate() {
        let top = i64::from(y) + line_no as i64 * i64::from(LINE_ADVANCE) * s;
        if top >= h {
            break;
        }
        if top + i64::from(GLYPH_HEIGHT) * s <= 0 {
            continue;
        }
        for (k, c) in line.chars().enumerate() {
            let left = i64::from(x) + k as i64 * i64::from(ADVANCE) * s;
            if left >= w {
                break;
            }
            if left + i64::from(GLYPH_WIDTH) * s <= 0 {
                continue;
            }
            for (r, bits) in glyph(c).iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) == 0 {
                        continue;
                    }
                    let px = left + col * s;
                    let py = top + r as i64 * s;
                    // Clip here so the coordinates handed on always fit in i32.
                    let (x0, x1) = (px.max(0), (px + s).min(w));
                    let (y0, y1) = (py.max(0), (py + s).min(h));
                    if x1 > x0 && y1 > y0 {
                        let (cw, ch) = ((x1 - x0) as u32, (y1 - y0) as u32);
                        img.fill_rect(x0 as i32, y0 as i32, cw, ch, rgba);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders one glyph back to pixel art for comparison.
    fn art(c: char) -> Vec<String> {
        glyph(c)
            .iter()
            .map(|bits| {
                (0..5)
                    .map(|k| if bits & (0x10 >> k) != 0 { '#' } else { '.' })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn table_parsed_as_written() {
        assert_eq!(
            art('A')[..7],
            [
                ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"
            ]
        );
        assert_eq!(art('g')[7..], ["....#", ".###."]);
        assert_eq!(glyph(' '), [0; 9]);
        assert_eq!(glyph('~')[3], 0b10101);
        assert_eq!(glyph('×'), glyph('\u{00D7}'));
        assert_eq!(glyph('×')[3], 0b00100);
        // Look-alikes and unknown characters.
        assert_eq!(glyph('–'), glyph('-'));
        assert_eq!(glyph('’'), glyph('\''));
        assert_eq!(glyph('€'), glyph('?'));
    }

    #[test]
    fn every_visible_glyph_has_ink_and_glyphs_differ() {
        let mut seen = std::collections::HashMap::new();
        for c in ('!'..='~').chain(['·', '×', '°']) {
            let g = glyph(c);
            assert!(g.iter().any(|&r| r != 0), "{c:?} is blank");
            assert!(g.iter().all(|&r| r < 32), "{c:?} wider than 5");
            if let Some(other) = seen.insert(g, c) {
                panic!("{c:?} and {other:?} look the same");
            }
        }
        // Only descender glyphs use rows 7–8.
        for c in ' '..='~' {
            let uses = glyph(c)[7..].iter().any(|&r| r != 0);
            assert_eq!(uses, "gjpqy,;_".contains(c), "{c:?}");
        }
    }

    #[test]
    fn widths_and_heights() {
        assert_eq!(text_width("", 3), 0);
        assert_eq!(text_width("A", 1), 5);
        assert_eq!(text_width("OA 98.7 %", 2), (9 * 6 - 1) * 2);
        assert_eq!(text_width("ab\nabcd", 1), 23);
        assert_eq!(text_width("×·", 1), 11); // counts characters, not bytes
        assert_eq!(text_width("x", 0), 5);
        assert_eq!(text_height("x", 2), 18);
        assert_eq!(text_height("x\ny", 1), 20);
    }

    #[test]
    fn draws_scaled_ink_only() {
        let mut img = Rgba::filled(20, 20, [9, 9, 9, 255]);
        draw_text(&mut img, 1, 1, "I", [200, 0, 0], 2);
        // 'I' row 0 is ".###." → x = 1 + 2..8, y = 1..3.
        assert_eq!(img.get(3, 1), Some([200, 0, 0, 255]));
        assert_eq!(img.get(8, 2), Some([200, 0, 0, 255]));
        assert_eq!(img.get(2, 1), Some([9, 9, 9, 255]));
        assert_eq!(img.get(9, 1), Some([9, 9, 9, 255]));
        // Stem at column 2 → x 5..7, rows 1..6 → y 3..13.
        assert_eq!(img.get(5, 10), Some([200, 0, 0, 255]));
        assert_eq!(img.get(3, 10), Some([9, 9, 9, 255]));
        let ink = img.pixels.chunks(4).filter(|p| p[0] == 200).count();
        assert_eq!(ink, (3 + 5 + 3) * 4);
    }

    #[test]
    fn clipping_never_panics() {
        let mut img = Rgba::new(10, 10);
        draw_text(&mut img, -7, -3, "Hello, world ×·°\nline 2", [1, 2, 3], 1);
        draw_text(&mut img, i32::MAX, i32::MAX, "x", [1, 2, 3], u32::MAX);
        draw_text(&mut img, i32::MIN, i32::MIN, "xyz", [1, 2, 3], u32::MAX);
        draw_text(&mut img, 0, 0, "W", [1, 2, 3], 1 << 20);
        assert_eq!(img.get(0, 0), Some([1, 2, 3, 255])); // 'W' top-left pixel is ink
        let mut empty = Rgba::new(0, 0);
        draw_text(&mut empty, 0, 0, "abc", [0, 0, 0], 1);
        assert_eq!(text_width(&"m".repeat(1000), u32::MAX), u32::MAX);
    }
}
