//! Shareable figures composed from [`Rgba`] panels, the built-in font and class colours:
//! white background, dark text, sizes in whole pixels.
//!
//! * [`map_figure`]: classification maps side by side with titles, a legend and a caption;
//! * [`grid_figure`]: a grid of small tiles (feature maps, filters, samples) with labels;
//! * [`heatmap`]: a confusion matrix, coloured by row-normalised value, counts in the cells.
//!
//! Figures never fail: over-long inputs produce a (clamped) image, see [`super::MAX_PIXELS`].

use super::font::{LINE_ADVANCE, draw_text, text_height, text_width};
use super::image::{Rgba, opaque};
use super::palette::heat_colour;

/// Figure background.
pub const BACKGROUND: [u8; 3] = [255, 255, 255];
/// Text colour.
pub const TEXT: [u8; 3] = [33, 33, 33];
/// Colour of the 1-pixel frame around panels, tiles and swatches.
pub const FRAME: [u8; 3] = [110, 110, 110];

/// Outer margin of every figure, in pixels.
pub const MARGIN: u32 = 16;
/// Space between panels and between the sections of a figure.
pub const GAP: u32 = 16;
/// Font scale of titles, legend and caption in [`map_figure`] (a 10×14-pixel capital).
pub const TEXT_SCALE: u32 = 2;
/// Space between a title and the panel below it.
const TITLE_PAD: u32 = 6;
/// Space between a legend swatch and its name; extra space between legend columns.
const SWATCH_PAD: u32 = 6;
const LEGEND_COL_PAD: u32 = 24;
/// At most this many legend rows before the legend widens the figure with more columns.
const MAX_LEGEND_ROWS: usize = 8;

fn sat(v: u64) -> u32 {
    v.min(u64::from(u32::MAX)) as u32
}

fn to_i32(v: u32) -> i32 {
    v.min(i32::MAX as u32) as i32
}

/// Draws `panel` with a 1-pixel frame, the frame's top-left corner at `(x, y)`.
fn framed(img: &mut Rgba, panel: &Rgba, x: u32, y: u32) {
    img.draw_rect(
        to_i32(x),
        to_i32(y),
        panel.width.saturating_add(2),
        panel.height.saturating_add(2),
        opaque(FRAME),
    );
    img.blit(
        panel,
        to_i32(x.saturating_add(1)),
        to_i32(y.saturating_add(1)),
    );
}

/// Classification maps side by side, with a title above each, a colour legend below and
/// caption lines at the bottom.
///
/// Each panel is enlarged by `scale` (nearest neighbour; 0 counts as 1) and framed; each
/// title is centred above its panel (a column is as wide as the wider of the two). The
/// legend lists `(name, colour)` swatches column by column, using as many columns as fit
/// under the panels (and at least enough for 8 rows). Caption lines (`'\n'` also breaks) are
/// left-aligned. Text uses the built-in font at [`TEXT_SCALE`].
pub fn map_figure(
    panels: &[(&str, &Rgba)],
    legend: &[(String, [u8; 3])],
    caption: &[String],
    scale: u32,
) -> Rgba {
    let ts = TEXT_SCALE;
    let line_h = text_height("x", ts);
    let pitch = LINE_ADVANCE * ts;
    let scaled: Vec<Rgba> = panels.iter().map(|(_, p)| p.scale_nearest(scale)).collect();

    // Panel row.
    let has_titles = panels.iter().any(|(t, _)| !t.is_empty());
    let title_h = if has_titles {
        panels
            .iter()
            .map(|(t, _)| text_height(t, ts))
            .max()
            .unwrap_or(0)
            .saturating_add(TITLE_PAD)
    } else {
        0
    };
    let col_w: Vec<u64> = panels
        .iter()
        .zip(&scaled)
        .map(|((t, _), p)| u64::from(p.width + 2).max(text_width(t, ts).into()))
        .collect();
    let panels_w = col_w.iter().sum::<u64>() + u64::from(GAP) * (col_w.len().max(1) as u64 - 1);
    let panels_h = scaled.iter().map(|p| p.height + 2).max().unwrap_or(0);

    // Legend geometry.
    let swatch = 7 * ts; // the height of a capital letter
    let entry_w = legend
        .iter()
        .map(|(name, _)| u64::from(swatch + SWATCH_PAD) + u64::from(text_width(name, ts)))
        .max()
        .unwrap_or(0);
    let col_pitch = entry_w + u64::from(LEGEND_COL_PAD);

    // Caption lines.
    let lines: Vec<&str> = caption.iter().flat_map(|l| l.split('\n')).collect();
    let caption_w = lines
        .iter()
        .map(|l| u64::from(text_width(l, ts)))
        .max()
        .unwrap_or(0);

    let mut content_w = panels_w.max(caption_w).max(entry_w);
    let (legend_cols, legend_rows) = if legend.is_empty() {
        (0, 0)
    } else {
        let fit = ((content_w + u64::from(LEGEND_COL_PAD)) / col_pitch.max(1)) as usize;
        let cols = fit
            .max(legend.len().div_ceil(MAX_LEGEND_ROWS))
            .clamp(1, legend.len());
        (cols, legend.len().div_ceil(cols))
    };
    if legend_cols > 0 {
        content_w = content_w.max(legend_cols as u64 * col_pitch - u64::from(LEGEND_COL_PAD));
    }

    // Vertical layout.
    let mut y = u64::from(MARGIN);
    let panels_y = y;
    if !panels.is_empty() {
        y += u64::from(title_h) + u64::from(panels_h);
    }
    let legend_y = if legend.is_empty() {
        y
    } else {
        if !panels.is_empty() {
            y += u64::from(GAP);
        }
        let ly = y;
        y += (legend_rows as u64 - 1) * u64::from(pitch) + u64::from(line_h);
        ly
    };
    let caption_y = if lines.is_empty() {
        y
    } else {
        if !panels.is_empty() || !legend.is_empty() {
            y += u64::from(GAP);
        }
        let cy = y;
        y += (lines.len() as u64 - 1) * u64::from(pitch) + u64::from(line_h);
        cy
    };
    let width = sat(content_w + 2 * u64::from(MARGIN));
    let height = sat(y + u64::from(MARGIN));
    let mut img = Rgba::filled(width, height, opaque(BACKGROUND));

    // Panels, centred as a group.
    let mut x = u64::from(MARGIN) + (content_w - panels_w) / 2;
    for (((title, _), panel), cw) in panels.iter().zip(&scaled).zip(&col_w) {
        let tx = x + (cw - u64::from(text_width(title, ts))) / 2;
        draw_text(
            &mut img,
            to_i32(sat(tx)),
            to_i32(sat(panels_y)),
            title,
            TEXT,
            ts,
        );
        let px = x + (cw - u64::from(panel.width + 2)) / 2;
        framed(&mut img, panel, sat(px), sat(panels_y + u64::from(title_h)));
        x += cw + u64::from(GAP);
    }

    // Legend, column-major.
    for (i, (name, colour)) in legend.iter().enumerate() {
        let (c, r) = ((i / legend_rows) as u64, (i % legend_rows) as u64);
        let ex = sat(u64::from(MARGIN) + c * col_pitch);
        let ey = sat(legend_y + r * u64::from(pitch));
        img.fill_rect(to_i32(ex), to_i32(ey), swatch, swatch, opaque(*colour));
        img.draw_rect(to_i32(ex), to_i32(ey), swatch, swatch, opaque(FRAME));
        let nx = ex.saturating_add(swatch + SWATCH_PAD);
        draw_text(&mut img, to_i32(nx), to_i32(ey), name, TEXT, ts);
    }

    // Caption.
    for (i, line) in lines.iter().enumerate() {
        let ly = sat(caption_y + i as u64 * u64::from(pitch));
        draw_text(&mut img, to_i32(MARGIN), to_i32(ly), line, TEXT, ts);
    }
    img
}

/// A grid of tiles (e.g. the channels of a feature map), each enlarged by `scale` (0 counts as
/// 1), framed, with its label (font scale 1) above it, under a `title` (font scale 2).
///
/// `columns` 0 chooses a near-square grid. Cells are as large as the largest tile (or label);
/// tiles are centred in their cells.
pub fn grid_figure(tiles: &[(&str, &Rgba)], columns: usize, scale: u32, title: &str) -> Rgba {
    const PAD: u32 = 8;
    let n = tiles.len();
    let cols = if columns == 0 {
        (1..=n).find(|c| c * c >= n).unwrap_or(1)
    } else {
        columns.min(n.max(1))
    };
    let rows = n.div_ceil(cols.max(1));
    let scaled: Vec<Rgba> = tiles.iter().map(|(_, t)| t.scale_nearest(scale)).collect();
    let has_labels = tiles.iter().any(|(l, _)| !l.is_empty());
    let label_h = if has_labels {
        tiles
            .iter()
            .map(|(l, _)| text_height(l, 1))
            .max()
            .unwrap_or(0)
            .saturating_add(3)
    } else {
        0
    };
    let cell_w = tiles
        .iter()
        .zip(&scaled)
        .map(|((l, _), t)| u64::from(t.width + 2).max(text_width(l, 1).into()))
        .max()
        .unwrap_or(0);
    let cell_h =
        u64::from(label_h) + u64::from(scaled.iter().map(|t| t.height + 2).max().unwrap_or(0));
    let title_h = if title.is_empty() {
        0
    } else {
        u64::from(text_height(title, 2)) + u64::from(GAP / 2)
    };
    let grid_w = cols as u64 * cell_w + (cols.max(1) as u64 - 1) * u64::from(PAD);
    let grid_h = rows as u64 * cell_h + (rows.max(1) as u64 - 1) * u64::from(PAD);
    let content_w = grid_w.max(text_width(title, 2).into());
    let width = sat(content_w + 2 * u64::from(MARGIN));
    let height = sat(title_h + grid_h + 2 * u64::from(MARGIN));
    let mut img = Rgba::filled(width, height, opaque(BACKGROUND));
    draw_text(&mut img, to_i32(MARGIN), to_i32(MARGIN), title, TEXT, 2);

    let x0 = u64::from(MARGIN) + (content_w - grid_w) / 2;
    let y0 = u64::from(MARGIN) + title_h;
    for (i, ((label, _), tile)) in tiles.iter().zip(&scaled).enumerate() {
        let cx = x0 + (i % cols) as u64 * (cell_w + u64::from(PAD));
        let cy = y0 + (i / cols) as u64 * (cell_h + u64::from(PAD));
        if cx > u64::from(img.width) || cy > u64::from(img.height) {
            continue;
        }
        let lx = cx + (cell_w - u64::from(text_width(label, 1))) / 2;
        draw_text(&mut img, to_i32(sat(lx)), to_i32(sat(cy)), label, TEXT, 1);
        let tx = cx + (cell_w - u64::from(tile.width + 2)) / 2;
        framed(&mut img, tile, sat(tx), sat(cy + u64::from(label_h)));
    }
    img
}

/// A confusion matrix as a heatmap: `counts` is `n × n`, row-major, rows = true class,
/// columns = predicted class (missing entries count as 0).
///
/// Each `cell × cell` square (0 counts as 1) is coloured by its share of the row total
/// (ColorBrewer Blues, white = 0 %, dark blue = 100 %), and shows its count when the number
/// fits (font scale 2 or 1; white text on dark cells). Row labels are on the left, column
/// labels above (vertical); `labels[i]` names class `i`, missing labels show the index.
/// Axis titles "true" and "predicted" are drawn too.
pub fn heatmap(counts: &[u64], n: usize, labels: &[String], cell: u32) -> Rgba {
    let cell = cell.max(1);
    let c64 = u64::from(cell);
    let ts = if cell >= 20 { 2 } else { 1 };
    let label = |i: usize| -> String { labels.get(i).cloned().unwrap_or_else(|| i.to_string()) };
    // Widest label without formatting every index of a huge n.
    let digits = n.saturating_sub(1).to_string().len();
    let label_w = labels
        .iter()
        .take(n)
        .map(|l| text_width(l, ts))
        .chain((labels.len() < n).then(|| text_width(&"0".repeat(digits), ts)))
        .max()
        .unwrap_or(0);
    let axis_h = text_height("predicted", ts);
    let side = (n as u64).saturating_mul(c64);
    // Matrix origin: room for the axis title and the labels on the left and on top.
    let m = u64::from(MARGIN) + u64::from(axis_h) + 6 + u64::from(label_w) + 6;
    let text_right = m + u64::from(text_width("predicted", ts));
    let width = sat(m
        .saturating_add(side)
        .max(text_right)
        .saturating_add(u64::from(MARGIN)));
    let height = sat(m.saturating_add(side).saturating_add(u64::from(MARGIN)));
    let mut img = Rgba::filled(width, height, opaque(BACKGROUND));
    let at = |v: u64| to_i32(sat(v));

    // Axis titles: "predicted" above, "true" on the left (reading upwards).
    let pw = u64::from(text_width("predicted", ts));
    let px = m + side.saturating_sub(pw) / 2;
    draw_text(&mut img, at(px), to_i32(MARGIN), "predicted", TEXT, ts);
    let mut t = Rgba::filled(text_width("true", ts), axis_h, opaque(BACKGROUND));
    draw_text(&mut t, 0, 0, "true", TEXT, ts);
    let t = t.rotate_ccw();
    let ty = m + side.saturating_sub(t.height.into()) / 2;
    img.blit(&t, to_i32(MARGIN), at(ty));

    // Only cells that can appear in the (possibly clamped) image are visited.
    let visible =
        |extent: u32| ((u64::from(extent).saturating_sub(m) / c64 + 1).min(n as u64)) as usize;
    let (visible_rows, visible_cols) = (visible(img.height), visible(img.width));
    let glyph_h = 7u32; // digits have no descenders
    let numbers = cell >= glyph_h + 4;
    for r in 0..visible_rows {
        let y = m + r as u64 * c64;
        // Row label, right-aligned, vertically centred.
        let name = label(r);
        let lw = u64::from(text_width(&name, ts));
        let ly = y + u64::from(cell.saturating_sub(glyph_h * ts) / 2);
        draw_text(&mut img, at(m - 6 - lw), at(ly), &name, TEXT, ts);
        // Row total over the entries that exist.
        let start = r.saturating_mul(n).min(counts.len());
        let row = &counts[start..start.saturating_add(n).min(counts.len())];
        let total: u128 = row.iter().map(|&c| u128::from(c)).sum();
        for c in 0..visible_cols {
            let x = m + c as u64 * c64;
            let count = row.get(c).copied().unwrap_or(0);
            let v = if total > 0 {
                (count as f64 / total as f64) as f32
            } else {
                0.0
            };
            img.fill_rect(at(x), at(y), cell, cell, opaque(heat_colour(v)));
            if !numbers {
                continue;
            }
            let text = count.to_string();
            let fits = |s: u32| text_width(&text, s) + 4 <= cell && glyph_h * s + 4 <= cell;
            let Some(s) = [2, 1].into_iter().find(|&s| fits(s)) else {
                continue;
            };
            let colour = if v > 0.5 { [255, 255, 255] } else { TEXT };
            let nx = x + u64::from((cell - text_width(&text, s)) / 2);
            let ny = y + u64::from((cell - glyph_h * s) / 2);
            draw_text(&mut img, at(nx), at(ny), &text, colour, s);
        }
    }
    // Column labels, vertical (reading upwards), bottom-aligned just above the matrix.
    for c in 0..visible_cols {
        let name = label(c);
        let mut l = Rgba::filled(
            text_width(&name, ts).max(1),
            text_height(&name, ts),
            opaque(BACKGROUND),
        );
        draw_text(&mut l, 0, 0, &name, TEXT, ts);
        let l = l.rotate_ccw();
        let x = m + c as u64 * c64 + u64::from(cell.saturating_sub(7 * ts) / 2);
        let y = i64::try_from(m).unwrap_or(i64::MAX) - 6 - i64::from(l.height);
        img.blit(&l, at(x), y.clamp(i32::MIN.into(), i32::MAX.into()) as i32);
    }
    img.draw_rect(
        at(m - 1),
        at(m - 1),
        sat(side.saturating_add(2)),
        sat(side.saturating_add(2)),
        opaque(FRAME),
    );
    img
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::viz::palette::{class_colour, labels_to_rgba};

    fn is_ink(p: Option<[u8; 4]>) -> bool {
        p == Some(opaque(TEXT))
    }

    fn count_ink(img: &Rgba, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| is_ink(img.get(x, y)))
            .count()
    }

    #[test]
    fn map_figure_layout() {
        let labels: Vec<u16> = (0..80).map(|i| (i % 4) as u16).collect();
        let a = labels_to_rgba(&labels, 10, 8);
        let b = labels_to_rgba(&[2; 80], 10, 8);
        let legend: Vec<(String, [u8; 3])> = (1..=3)
            .map(|c| (format!("class {c}"), class_colour(c)))
            .collect();
        let caption = vec!["OA 98.7 %".to_string()];
        let fig = map_figure(&[("a", &a), ("b", &b)], &legend, &caption, 3);

        // Panels: 30×24 each, framed 32×26; columns 32 wide; 2·32 + 16 = 80 wide.
        // Legend entry: 14 + 6 + text_width("class 1", 2) = 20 + 82 = 102; the caption is
        // text_width("OA 98.7 %", 2) = 106 wide → content width 106.
        assert_eq!(fig.width, 106 + 2 * MARGIN);
        // Heights: 16 + (18 + 6) + 26 + 16 + legend (3 rows: 2·22 + 18) + 16 + 18 + 16.
        assert_eq!(fig.height, 16 + 24 + 26 + 16 + 62 + 16 + 18 + 16);
        assert_eq!(fig.get(0, 0), Some([255, 255, 255, 255]));

        // Panel group is centred: x0 = 16 + (106 − 80) / 2 = 29; frame at y 40.
        let (x0, y0) = (29, 16 + 24);
        assert_eq!(fig.get(x0, y0), Some(opaque(FRAME)));
        // Panel a pixel (1, 0) = class 1 → red block at (x0 + 1 + 3, y0 + 1).
        assert_eq!(fig.get(x0 + 1 + 3, y0 + 1), Some(opaque(class_colour(1))));
        assert_eq!(fig.get(x0 + 1 + 5, y0 + 3), Some(opaque(class_colour(1))));
        // Panel b starts one column (32) + gap (16) further: all class 2.
        assert_eq!(
            fig.get(x0 + 48 + 1 + 15, y0 + 1 + 12),
            Some(opaque(class_colour(2)))
        );

        // Legend swatches: one column ((106 + 24) / (102 + 24) = 1), three rows.
        let ly = y0 + 26 + GAP;
        for r in 0..3u32 {
            let c = fig.get(MARGIN + 7, ly + r * 22 + 7);
            assert_eq!(c, Some(opaque(class_colour(r as usize + 1))), "swatch {r}");
            assert_eq!(fig.get(MARGIN, ly + r * 22), Some(opaque(FRAME)));
        }
        // Titles and caption have ink where expected, none in the margin.
        assert!(count_ink(&fig, x0, 16, x0 + 32, 34) > 20);
        let cy = ly + 62 + GAP;
        assert!(count_ink(&fig, MARGIN, cy, MARGIN + 106, cy + 18) > 40);
        assert_eq!(count_ink(&fig, 0, 0, fig.width, MARGIN), 0);
    }

    #[test]
    fn legend_wraps_into_columns() {
        let panel = Rgba::filled(100, 50, [0, 0, 0, 255]);
        let legend: Vec<(String, [u8; 3])> = (1..=16)
            .map(|c| (format!("c{c:02}"), class_colour(c)))
            .collect();
        let fig = map_figure(&[("", &panel)], &legend, &[], 4);
        // Content width 402; entries 14 + 6 + 34 = 54, pitch 78 → 5 columns fit, so
        // ceil(16 / 5) = 4 rows, filled column by column (4 columns used).
        assert_eq!(fig.width, 402 + 2 * MARGIN);
        assert_eq!(fig.height, 16 + 202 + 16 + (3 * 22 + 18) + 16);
        let ly = 16 + 202 + 16;
        // Class 5 opens column 1; class 16 ends column 3 (row 3).
        assert_eq!(
            fig.get(MARGIN + 78 + 7, ly + 7),
            Some(opaque(class_colour(5)))
        );
        assert_eq!(
            fig.get(MARGIN + 7, ly + 22 + 7),
            Some(opaque(class_colour(2)))
        );
        assert_eq!(
            fig.get(MARGIN + 234 + 7, ly + 66 + 7),
            Some(opaque(class_colour(16)))
        );
        assert_eq!(fig.get(MARGIN + 312 + 7, ly + 7), Some(opaque(BACKGROUND)));
    }

    #[test]
    fn empty_and_extreme_inputs() {
        let fig = map_figure(&[], &[], &[], 0);
        assert_eq!((fig.width, fig.height), (2 * MARGIN, 2 * MARGIN));
        let tiny = Rgba::new(1, 1);
        let big = map_figure(&[("x", &tiny)], &[], &[], u32::MAX);
        assert!(u64::from(big.width) * u64::from(big.height) <= crate::viz::MAX_PIXELS);
        let g = grid_figure(&[], 0, 0, "");
        assert_eq!((g.width, g.height), (2 * MARGIN, 2 * MARGIN));
        let h = heatmap(&[], 0, &[], 0);
        assert!(h.width > 0 && h.height > 0);
        let h = heatmap(&[1, 2, 3], 100_000, &[], 8);
        assert!(u64::from(h.width) * u64::from(h.height) <= crate::viz::MAX_PIXELS);
        let h = heatmap(&[1], usize::MAX, &["x".repeat(100)], u32::MAX);
        assert!(u64::from(h.width) * u64::from(h.height) <= crate::viz::MAX_PIXELS);
        let long = "m".repeat(10_000);
        let g = grid_figure(&[(long.as_str(), &tiny)], 5, 3, &long);
        assert_eq!(g.width, text_width(&long, 2) + 2 * MARGIN);
    }

    #[test]
    fn grid_layout() {
        let t = Rgba::filled(4, 3, [200, 0, 0, 255]);
        let tiles: Vec<(&str, &Rgba)> = vec![("c0", &t), ("c1", &t), ("c2", &t)];
        let g = grid_figure(&tiles, 0, 2, "layer 1");
        // 2 columns (near square), 2 rows; cells 11×(12 + 8) → 10 + 3 label + 8 + 2 frame.
        // cell_w = max(8 + 2, text_width("c0", 1) = 11) = 11.
        let cell_h = 12 + 8;
        let grid_w = 2 * 11 + 8;
        assert_eq!(g.width, (grid_w.max(text_width("layer 1", 2))) + 2 * MARGIN);
        assert_eq!(g.height, 26 + (2 * cell_h + 8) + 2 * MARGIN);
        // Tile 2 (row 1, col 0): frame at x0 + 0, y0 + 28 + 12.
        let x0 = MARGIN + (text_width("layer 1", 2) - grid_w) / 2;
        let y0 = MARGIN + 26 + cell_h + 8 + 12;
        assert_eq!(g.get(x0, y0), Some(opaque(FRAME)));
        assert_eq!(g.get(x0 + 1, y0 + 1), Some([200, 0, 0, 255]));
        assert_eq!(g.get(x0 + 8, y0 + 6), Some([200, 0, 0, 255]));
        assert_eq!(g.get(x0 + 10, y0 + 1), Some([255, 255, 255, 255]));
        // Explicit columns.
        let g1 = grid_figure(&tiles, 3, 1, "");
        assert_eq!(g1.height, (12 + 5) + 2 * MARGIN);
    }

    #[test]
    fn heatmap_cells_and_numbers() {
        // Rows: [8, 2], [0, 0].
        let names = vec!["a".to_string(), "b".to_string()];
        let h = heatmap(&[8, 2, 0, 0], 2, &names, 30);
        let axis = text_height("predicted", 2);
        let lw = text_width("a", 2);
        let m = MARGIN + axis + 6 + lw + 6;
        assert_eq!(h.height, m + 60 + MARGIN);
        assert_eq!(
            h.width,
            (m + 60 + MARGIN).max(m + text_width("predicted", 2) + MARGIN)
        );
        // Cell corners carry the row-normalised colour: 80 %, 20 %, 0 %.
        assert_eq!(h.get(m + 1, m + 1), Some(opaque(heat_colour(0.8))));
        assert_eq!(h.get(m + 31, m + 1), Some(opaque(heat_colour(0.2))));
        assert_eq!(
            h.get(m + 31, m + 31),
            Some(opaque(crate::viz::palette::BLUES[0]))
        );
        // The "8" is drawn in white on the dark cell, the "2" in dark text.
        let white = (m..m + 30)
            .flat_map(|y| (m..m + 30).map(move |x| (x, y)))
            .filter(|&(x, y)| h.get(x, y) == Some([255, 255, 255, 255]))
            .count();
        assert!(white > 20, "white digit pixels: {white}");
        assert!(count_ink(&h, m + 30, m, m + 60, m + 30) > 20);
        // Small cells: no numbers, just colours.
        let s = heatmap(&[5, 5, 5, 5], 2, &[], 4);
        let ms = MARGIN + text_height("predicted", 1) + 6 + text_width("0", 1) + 6;
        assert_eq!(s.get(ms + 1, ms + 1), Some(opaque(heat_colour(0.5))));
    }

    /// Writes a demo figure to /tmp/viz_demo.png for a visual check:
    /// `cargo test --no-default-features --lib viz::figure::tests::write_demo -- --ignored`.
    #[test]
    #[ignore]
    fn write_demo() {
        let (w, h) = (60u32, 45u32);
        let truth: Vec<u16> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if (x + y) % 17 == 0 {
                    0
                } else {
                    (1 + x / 8 + 8 * (y / 23)) as u16
                }
            })
            .collect();
        let pred: Vec<u16> = truth
            .iter()
            .enumerate()
            .map(|(i, &t)| if i % 23 == 0 && t > 0 { t % 16 + 1 } else { t })
            .collect();
        let names = [
            "Alfalfa",
            "Corn-notill",
            "Corn-mintill",
            "Corn",
            "Grass-pasture",
            "Grass-trees",
            "Grass-pasture-mowed",
            "Hay-windrowed",
            "Oats",
            "Soybean-notill",
            "Soybean-mintill",
            "Soybean-clean",
            "Wheat",
            "Woods",
            "Buildings-Grass-Trees-Drives",
            "Stone-Steel-Towers",
        ];
        let legend: Vec<(String, [u8; 3])> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), class_colour(i + 1)))
            .collect();
        let t = labels_to_rgba(&truth, w, h);
        let p = labels_to_rgba(&pred, w, h);
        let e = crate::viz::palette::error_view(&pred, &truth, w, h);
        let caption = vec![
            "Indian Pines · HybridSN · OA 98.7 % · AA 96.1 % · Kappa 0.985 · seed 0".to_string(),
            "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789".to_string(),
            "%.,:;-+=()/×[]{}<>!?@#$&*_'\"~^`|\\ 25×25×30 °".to_string(),
        ];
        let fig = map_figure(
            &[("Ground truth", &t), ("Prediction", &p), ("Errors", &e)],
            &legend,
            &caption,
            4,
        );
        std::fs::write("/tmp/viz_demo.png", crate::viz::encode_png(&fig)).unwrap();
        let conf: Vec<u64> = (0..36)
            .map(|i| if i % 7 == 0 { 90 + i } else { i % 5 })
            .collect();
        let hm = heatmap(
            &conf,
            6,
            &names[..6].iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            36,
        );
        std::fs::write("/tmp/viz_heatmap.png", crate::viz::encode_png(&hm)).unwrap();
        let tiles: Vec<Rgba> = (0..6)
            .map(|k| {
                let v: Vec<f32> = (0..64).map(|i| ((i * (k + 1)) % 17) as f32).collect();
                crate::viz::array_to_rgba(&v, 8, 8, crate::viz::Colormap::Viridis, 0.0, 16.0)
            })
            .collect();
        let labelled: Vec<(String, &Rgba)> = tiles
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("ch {i}"), t))
            .collect();
        let refs: Vec<(&str, &Rgba)> = labelled.iter().map(|(s, t)| (s.as_str(), *t)).collect();
        let g = grid_figure(&refs, 0, 4, "conv1 feature maps");
        std::fs::write("/tmp/viz_grid.png", crate::viz::encode_png(&g)).unwrap();
    }
}
