//! A small page-layout engine over krilla: measured text, word wrap, tables that continue on the
//! next page with their header repeated, page numbers. Layout first builds a display list per
//! page (so «Страница N из M» knows M), then krilla writes it (fonts subset, PDF/A-2b).
use std::{collections::HashMap, sync::OnceLock};

use krilla::{
    color::rgb,
    configure::{Archival, Configuration, ConfigurationBuilder},
    geom::{PathBuilder, Point, Rect},
    metadata::{DateTime, Metadata},
    num::NormalizedF32,
    page::PageSettings,
    paint::{Fill, Stroke},
    text::{Font, GlyphId, KrillaGlyph},
    Document, SerializeSettings,
};
use skrifa::{instance::LocationRef, prelude::Size, MetadataProvider};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 42.5;
pub const MARGIN_TOP: f32 = 36.0;
pub const MARGIN_BOTTOM: f32 = 44.0;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed-Bold.ttf");

/// A font with its character → (glyph, advance per em) table: a flat array for the Latin,
/// Cyrillic and punctuation planes documents use, a map beyond.
pub struct Face {
    pub font: Font,
    low: Vec<(u32, f32)>,
    map: HashMap<char, (u32, f32)>,
    fallback: (u32, f32),
}

const LOW: usize = 0x2200;

impl Face {
    fn load(bytes: &'static [u8]) -> Face {
        let font = Font::new(bytes.to_vec().into(), 0).expect("embedded font parses");
        let fr = skrifa::FontRef::new(bytes).expect("embedded font parses");
        let upem = font.units_per_em();
        let gm = fr.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut map = HashMap::new();
        for (cp, gid) in fr.charmap().mappings() {
            if let Some(ch) = char::from_u32(cp) {
                let adv = gm.advance_width(gid).unwrap_or(0.0) / upem;
                map.insert(ch, (gid.to_u32(), adv));
            }
        }
        let fallback = map.get(&'?').copied().unwrap_or((0, 0.5));
        let low = (0..LOW as u32)
            .map(|cp| {
                char::from_u32(cp)
                    .and_then(|c| map.get(&c).copied())
                    .unwrap_or(fallback)
            })
            .collect();
        Face {
            font,
            low,
            map,
            fallback,
        }
    }

    fn glyph(&self, ch: char) -> (u32, f32) {
        let cp = ch as usize;
        if cp < LOW {
            return self.low[cp];
        }
        self.map.get(&ch).copied().unwrap_or(self.fallback)
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }
}

pub struct Faces {
    pub regular: Face,
    pub bold: Face,
}

pub fn faces() -> &'static Faces {
    static F: OnceLock<Faces> = OnceLock::new();
    F.get_or_init(|| Faces {
        regular: Face::load(REGULAR),
        bold: Face::load(BOLD),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        grey: bool,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        shade: u8,
    },
}

/// Text style.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    pub grey: bool,
}

pub const BODY: Style = Style {
    size: 9.0,
    bold: false,
    grey: false,
};
pub const BODY_B: Style = Style {
    size: 9.0,
    bold: true,
    grey: false,
};
pub const SMALL: Style = Style {
    size: 7.5,
    bold: false,
    grey: true,
};
pub const TITLE: Style = Style {
    size: 13.0,
    bold: true,
    grey: false,
};

impl Style {
    fn face(&self) -> &'static Face {
        if self.bold {
            &faces().bold
        } else {
            &faces().regular
        }
    }
    pub fn line_h(&self) -> f32 {
        self.size * 1.3
    }
    pub fn width(&self, t: &str) -> f32 {
        self.face().width(t, self.size)
    }
}

/// Breaks `text` into lines no wider than `w` (words longer than a line are cut).
pub fn wrap(text: &str, st: Style, w: f32) -> Vec<String> {
    let face = st.face();
    let space = face.width(" ", st.size);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        let mut cur_w = 0.0f32;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let ww = face.width(word, st.size);
            let add = if cur.is_empty() { ww } else { space + ww };
            if cur_w + add <= w {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(word);
                cur_w += add;
                continue;
            }
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            if ww <= w {
                cur.push_str(word);
                cur_w = ww;
                continue;
            }
            // a word wider than the line: cut it
            let mut pw = 0.0f32;
            for ch in word.chars() {
                let cw = face.glyph(ch).1 * st.size;
                if pw + cw > w && !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                    pw = 0.0;
                }
                cur.push(ch);
                pw += cw;
            }
            cur_w = pw;
        }
        lines.push(cur);
    }
    lines
}

/// A table column: relative width, alignment.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub width: f32,
    pub align: Align,
}

pub const CELL_PAD: f32 = 3.0;

/// Pages being laid out, top to bottom.
pub struct Doc {
    pages: Vec<Vec<Op>>,
    /// The current baseline-independent cursor: the top of the next block.
    pub y: f32,
    title: String,
    footer: String,
    /// Width of the label column of «Исполнитель: …» lines.
    pub label_w: f32,
    /// Font size of table bodies.
    pub body_size: f32,
}

impl Doc {
    pub fn new(title: &str, footer: &str) -> Doc {
        Doc {
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
            title: title.to_owned(),
            footer: footer.to_owned(),
            label_w: 82.0,
            body_size: BODY.size,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Starts a new page unless `h` more points fit on this one.
    pub fn need(&mut self, h: f32) -> bool {
        if self.y + h > PAGE_H - MARGIN_BOTTOM {
            self.new_page();
            return true;
        }
        false
    }

    /// One line of text with its top at `top`.
    pub fn text_at(&mut self, x: f32, top: f32, st: Style, text: &str) {
        let y = top + st.size * 0.93;
        self.ops().push(Op::Text {
            x,
            y,
            size: st.size,
            bold: st.bold,
            grey: st.grey,
            text: text.to_owned(),
        });
    }

    pub fn text_aligned(&mut self, x: f32, w: f32, top: f32, st: Style, text: &str, a: Align) {
        let tw = st.width(text);
        let x = match a {
            Align::Left => x,
            Align::Center => x + (w - tw) / 2.0,
            Align::Right => x + w - tw,
        };
        self.text_at(x, top, st, text);
    }

    /// A wrapped paragraph across the content width (or `w` from `x`); moves the cursor.
    pub fn para_in(&mut self, x: f32, w: f32, st: Style, text: &str, a: Align) {
        for line in wrap(text, st, w) {
            self.need(st.line_h());
            let top = self.y;
            self.text_aligned(x, w, top, st, &line, a);
            self.y += st.line_h();
        }
    }

    pub fn para(&mut self, st: Style, text: &str) {
        self.para_in(MARGIN_X, CONTENT_W, st, text, Align::Left);
    }

    pub fn gap(&mut self, h: f32) {
        self.y += h;
    }

    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.ops().push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
        });
    }

    pub fn vline(&mut self, x: f32, y1: f32, y2: f32, width: f32) {
        self.ops().push(Op::Line {
            x1: x,
            y1,
            x2: x,
            y2,
            width,
        });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, shade: u8) {
        self.ops().push(Op::Rect { x, y, w, h, shade });
    }

    /// Wraps a row's cells: (lines per cell, row height).
    fn layout_row(cols: &[Col], cells: &[String], st: Style) -> (Vec<Vec<String>>, f32) {
        let total: f32 = cols.iter().map(|c| c.width).sum();
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(cols)
            .map(|(t, c)| wrap(t, st, c.width / total * CONTENT_W - 2.0 * CELL_PAD))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (wrapped, lines as f32 * st.line_h() + 2.0 * CELL_PAD)
    }

    /// Draws one laid-out table row (text, borders) at the cursor.
    fn draw_row(
        &mut self,
        cols: &[Col],
        wrapped: &[Vec<String>],
        h: f32,
        st: Style,
        shade: Option<u8>,
    ) {
        let total: f32 = cols.iter().map(|c| c.width).sum();
        let top = self.y;
        if let Some(s) = shade {
            self.rect(MARGIN_X, top, CONTENT_W, h, s);
        }
        let mut x = MARGIN_X;
        for (col, ls) in cols.iter().zip(wrapped) {
            let w = col.width / total * CONTENT_W;
            for (i, l) in ls.iter().enumerate() {
                if l.is_empty() {
                    continue;
                }
                let ty = top + CELL_PAD + i as f32 * st.line_h();
                self.text_aligned(x + CELL_PAD, w - 2.0 * CELL_PAD, ty, st, l, col.align);
            }
            self.vline(x, top, top + h, 0.5);
            x += w;
        }
        self.vline(MARGIN_X + CONTENT_W, top, top + h, 0.5);
        self.hline(MARGIN_X, MARGIN_X + CONTENT_W, top, 0.5);
        self.hline(MARGIN_X, MARGIN_X + CONTENT_W, top + h, 0.5);
        self.y += h;
    }

    fn row(&mut self, cols: &[Col], cells: &[String], st: Style, shade: Option<u8>) -> f32 {
        let (wrapped, h) = Self::layout_row(cols, cells, st);
        self.draw_row(cols, &wrapped, h, st, shade);
        h
    }

    fn row_height(cols: &[Col], cells: &[String], st: Style) -> f32 {
        Self::layout_row(cols, cells, st).1
    }

    /// A table: the header row (and the group row above it, when given as (columns spanned,
    /// text)) repeats at the top of every page the body runs onto. `bold_rows` (indexes of
    /// `rows`) are drawn bold: balances and totals.
    pub fn table(
        &mut self,
        cols: &[Col],
        groups: &[(usize, &str)],
        header: &[&str],
        rows: &[Vec<String>],
        bold_rows: &[usize],
    ) {
        let header: Vec<String> = header.iter().map(|s| (*s).to_owned()).collect();
        let hst = Style {
            size: 8.0,
            bold: true,
            grey: false,
        };
        let gcols: Vec<Col> = {
            let mut i = 0;
            groups
                .iter()
                .map(|(span, _)| {
                    let w = cols[i..(i + span).min(cols.len())]
                        .iter()
                        .map(|c| c.width)
                        .sum();
                    i += span;
                    Col {
                        width: w,
                        align: Align::Center,
                    }
                })
                .collect()
        };
        let gtext: Vec<String> = groups.iter().map(|(_, t)| (*t).to_owned()).collect();
        let gh = if groups.is_empty() {
            0.0
        } else {
            Self::row_height(&gcols, &gtext, hst)
        };
        let hh = Self::row_height(cols, &header, hst);
        let body = Style {
            size: self.body_size,
            bold: false,
            grey: false,
        };
        let body_b = Style { bold: true, ..body };
        let first = rows
            .first()
            .map(|r| Self::row_height(cols, r, body))
            .unwrap_or(0.0);
        let head = |d: &mut Doc| {
            if !groups.is_empty() {
                d.row(&gcols, &gtext, hst, Some(235));
            }
            d.row(cols, &header, hst, Some(235));
        };
        self.need(gh + hh + first);
        head(self);
        for (i, r) in rows.iter().enumerate() {
            let st = if bold_rows.contains(&i) { body_b } else { body };
            let (wrapped, h) = Self::layout_row(cols, r, st);
            if self.need(h) {
                head(self);
            }
            self.draw_row(cols, &wrapped, h, st, None);
        }
    }

    /// Draws a QR code (modules from the `qrcode` crate) with its top-left at (x, y).
    pub fn qr(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let Ok(code) =
            qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        else {
            return;
        };
        let n = code.width();
        let colors = code.to_colors();
        let m = size / n as f32;
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    // a hair of overlap so viewers do not show seams between modules
                    self.rect(
                        x + start as f32 * m,
                        y + row as f32 * m,
                        (col - start) as f32 * m + 0.01,
                        m + 0.01,
                        0,
                    );
                } else {
                    col += 1;
                }
            }
        }
    }

    /// Writes the PDF (PDF/A-2b; falls back to plain PDF 1.7 if the validator objects).
    pub fn finish(mut self, created: (i16, i8, i8)) -> Vec<u8> {
        let n = self.pages.len();
        let footer = self.footer.clone();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let label = format!("Страница {} из {n}", i + 1);
            let st = SMALL;
            let y = PAGE_H - MARGIN_BOTTOM + 16.0 + st.size * 0.93;
            page.push(Op::Text {
                x: PAGE_W - MARGIN_X - st.width(&label),
                y,
                size: st.size,
                bold: false,
                grey: true,
                text: label,
            });
            page.push(Op::Text {
                x: MARGIN_X,
                y,
                size: st.size,
                bold: false,
                grey: true,
                text: footer.clone(),
            });
        }
        let archival = ConfigurationBuilder::new()
            .with_archival_validator(Archival::A2_B)
            .finish()
            .ok();
        if let Some(cfg) = archival {
            if let Some(pdf) = self.write(Some(cfg), created) {
                return pdf;
            }
        }
        self.write(None, created).unwrap_or_default()
    }

    fn write(&self, cfg: Option<Configuration>, created: (i16, i8, i8)) -> Option<Vec<u8>> {
        let mut settings = SerializeSettings::default();
        if let Some(c) = cfg {
            settings.configuration = c;
        }
        settings.enable_tagging = false;
        let mut doc = Document::new_with(settings);
        let (y, m, d) = created;
        doc.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .language("ru-RU".into())
                .creator("kabinet".into())
                .producer("kabinet (krilla)".into())
                .creation_date(DateTime::new(y.max(0) as u16).month(m as u8).day(d as u8)),
        );
        let f = faces();
        for ops in &self.pages {
            let mut page = doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H)?);
            let mut s = page.surface();
            // Backgrounds and the QR first, then every rule of the page as one path per stroke
            // width (a long table is thousands of segments), then the text on top.
            let mut fills: Vec<(u8, PathBuilder)> = Vec::new();
            for op in ops {
                if let Op::Rect { x, y, w, h, shade } = op {
                    let Some(r) = Rect::from_xywh(*x, *y, *w, *h) else {
                        continue;
                    };
                    if *shade == 0 {
                        // QR modules: each its own path (a merged one rendered unreadably)
                        let mut pb = PathBuilder::new();
                        pb.push_rect(r);
                        fills.push((0, pb));
                        continue;
                    }
                    match fills.iter_mut().find(|(sh, _)| sh == shade) {
                        Some((_, pb)) => pb.push_rect(r),
                        None => {
                            let mut pb = PathBuilder::new();
                            pb.push_rect(r);
                            fills.push((*shade, pb));
                        }
                    }
                }
            }
            s.set_stroke(None);
            for (shade, pb) in fills {
                if let Some(p) = pb.finish() {
                    s.set_fill(Some(Fill {
                        paint: rgb::Color::new(shade, shade, shade).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    s.draw_path(&p);
                }
            }
            let mut strokes: Vec<(f32, PathBuilder)> = Vec::new();
            for op in ops {
                if let Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } = op
                {
                    let pb = match strokes.iter_mut().position(|(w, _)| w == width) {
                        Some(i) => &mut strokes[i].1,
                        None => {
                            strokes.push((*width, PathBuilder::new()));
                            &mut strokes.last_mut().expect("pushed").1
                        }
                    };
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                }
            }
            s.set_fill(None);
            for (width, pb) in strokes {
                if let Some(p) = pb.finish() {
                    s.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(60, 60, 60).into(),
                        width,
                        ..Default::default()
                    }));
                    s.draw_path(&p);
                }
            }
            s.set_stroke(None);
            for op in ops {
                if let Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    grey,
                    text,
                } = op
                {
                    let face = if *bold { &f.bold } else { &f.regular };
                    let glyphs = glyphs(face, text);
                    let c = if *grey { 110 } else { 20 };
                    s.set_fill(Some(Fill {
                        paint: rgb::Color::new(c, c, c).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    s.draw_glyphs(
                        Point::from_xy(*x, *y),
                        &glyphs,
                        face.font.clone(),
                        text,
                        *size,
                        false,
                    );
                }
            }
            s.finish();
            page.finish();
        }
        doc.finish().ok()
    }
}

fn glyphs(face: &Face, text: &str) -> Vec<KrillaGlyph> {
    let mut out = Vec::with_capacity(text.len());
    for (i, ch) in text.char_indices() {
        let (gid, adv) = face.glyph(ch);
        out.push(KrillaGlyph::new(
            GlyphId::new(gid),
            adv,
            0.0,
            0.0,
            0.0,
            i..i + ch.len_utf8(),
            None,
        ));
    }
    out
}
