//! A document register ("Văn bản chỉ đạo điều hành", "Văn bản pháp luật") read as rows:
//! each row one document with its number (số/ký hiệu), date of issue, summary (trích yếu),
//! issuing body, field, signer, file and detail page.
//!
//! Platforms render a register as a table (NukeViet's `laws` module, a SharePoint library
//! view, a layout table with `rowspan`) or as cards. A table's columns are found by their
//! Vietnamese headers ("Số/Ký hiệu", "Ngày ban hành", "Trích yếu", "Cơ quan ban hành",
//! "Người ký", "Lĩnh vực", "Tải về"), with cells spanning rows repeated into each row they
//! span; cards by their labelled lines ("Số hiệu: …", "Ngày ban hành: …"). The file of a
//! row is any link in it that names a document or goes through a download handler
//! (`extract::file_link`). Selectors in `[source.documents]` override detection.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::{IndexError, Link, next_in, parse_list};
use crate::extract::{Article, file_link};
use crate::model::{Attachment, RegisterRules};
use crate::text::{self, collapse_space, fold_search};

/// One document of a register.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Số/ký hiệu as printed, e.g. `125/QĐ-UBND`.
    pub number: String,
    /// Ngày ban hành, at midnight +07:00.
    pub issued: Option<DateTime<FixedOffset>>,
    /// Trích yếu.
    pub summary: String,
    pub issuer: Option<String>,
    pub field: Option<String>,
    pub signer: Option<String>,
    /// The document's file, when the row links one.
    pub file: Option<Attachment>,
    /// The document's own page, when the row links one.
    pub detail: Option<Url>,
}

/// What a column holds, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Number,
    Issued,
    Summary,
    Issuer,
    Signer,
    Field,
    File,
}

/// Header labels, folded (see `text::fold_search`), most specific first.
const HEADERS: &[(&str, Column)] = &[
    ("so/ky hieu", Column::Number),
    ("so ky hieu", Column::Number),
    ("so, ky hieu", Column::Number),
    ("so hieu", Column::Number),
    ("ky hieu", Column::Number),
    ("so van ban", Column::Number),
    ("so kh", Column::Number),
    ("ngay ban hanh", Column::Issued),
    ("ngay bh", Column::Issued),
    ("ngay ky", Column::Issued),
    ("ngay van ban", Column::Issued),
    ("trich yeu", Column::Summary),
    ("noi dung", Column::Summary),
    ("ten van ban", Column::Summary),
    ("tieu de", Column::Summary),
    ("co quan ban hanh", Column::Issuer),
    ("noi ban hanh", Column::Issuer),
    ("don vi ban hanh", Column::Issuer),
    ("co quan", Column::Issuer),
    ("nguoi ky", Column::Signer),
    ("linh vuc", Column::Field),
    ("tai ve", Column::File),
    ("tep dinh kem", Column::File),
    ("file dinh kem", Column::File),
    ("dinh kem", Column::File),
    ("tep tin", Column::File),
    ("file", Column::File),
];

/// Rows read from one page at most: a register shows tens per page, and the bound keeps
/// a hostile page's cost linear (cards are matched against each other).
const MAX_ROWS: usize = 500;

/// A document number: digits, a slash, then letters (`125/QĐ-UBND`, `12/2024/NQ-HĐND`).
/// The State's form (`125/QĐ-UBND`, `12/2024/NQ-HĐND`) and the Party's (`12-KH/TU`,
/// `03-HD/BDVTU`: number, dash, type, then the issuing committee).
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b\d{1,6}\s*(/\s*(\d{4}\s*/\s*)?[\p{Lu}Đ][\p{L}Đđ0-9]*(\s*-\s*[\p{L}Đđ0-9]+)*|-\s*[\p{Lu}Đ][\p{L}Đđ]*(\s*/\s*[\p{Lu}Đ][\p{L}Đđ0-9]*)+)",
    )
    .expect("static regex")
});

/// The register's documents on one page, in page order, and its next page.
pub fn read_register(
    html: &str,
    page_url: &Url,
    rules: &RegisterRules,
) -> Result<(Vec<Row>, Option<Url>), IndexError> {
    let doc = parse_list(html)?;
    let rows = match &rules.rows {
        Some(sel) => by_selectors(&doc, page_url, sel, rules)?,
        None => {
            let tables = from_tables(&doc, page_url);
            if tables.is_empty() {
                from_cards(&doc, page_url)
            } else {
                tables
            }
        }
    };
    Ok((rows, next_in(&doc, page_url)))
}

/// The text of an element, spaces collapsed, leaving out what is never content.
fn text_of(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    for n in el.descendants() {
        match n.value() {
            Node::Text(t) => {
                let hidden = n.ancestors().take_while(|a| a.id() != el.id()).any(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(crate::extract::rules::is_never_content)
                });
                if !hidden {
                    out.push_str(t);
                }
            }
            Node::Element(e) if matches!(e.name(), "br" | "p" | "div" | "li") => out.push(' '),
            _ => {}
        }
    }
    text::normalize(&collapse_space(&out))
}

/// The links inside an element: each resolved URL with its text and its `title`.
fn links_in(el: ElementRef<'_>, base: &Url) -> Vec<(Url, String, Option<String>)> {
    el.descendants()
        .filter_map(ElementRef::wrap)
        .filter(|a| a.value().name() == "a")
        .filter_map(|a| {
            let url = base.join(a.value().attr("href")?.trim()).ok()?;
            matches!(url.scheme(), "http" | "https")
                .then(|| (url, text_of(a), a.value().attr("title").map(collapse_space)))
        })
        .collect()
}

/// The row's file (the first link that is one) and its detail page (the first link
/// that is not, on the register's site).
fn file_and_detail(
    links: &[(Url, String, Option<String>)],
    page_url: &Url,
) -> (Option<Attachment>, Option<Url>) {
    let mut file = None;
    let mut detail = None;
    for (url, txt, title) in links {
        match file_link(url, txt, title.as_deref()) {
            Some(a) if file.is_none() => file = Some(a),
            Some(_) => {}
            None if detail.is_none()
                && text::same_site(url, page_url)
                && url.fragment().is_none()
                && url.path() != page_url.path() =>
            {
                detail = Some(url.clone())
            }
            None => {}
        }
    }
    (file, detail)
}

/// The column a header cell names.
fn column_of(header: &str) -> Option<Column> {
    // Spaces left out: a header wraps anywhere ("Số/<br>Ký hiệu", "Số / Ký hiệu").
    let squeeze = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let f = squeeze(fold_search(header).trim().trim_end_matches(':'));
    // A header is a few words; a data cell that starts like one ("Số hiệu văn bản
    // được …") is longer.
    if f.is_empty() || f.len() > 80 {
        return None;
    }
    // "Số" alone is the number; "Số TT" is not.
    if f == "so" {
        return Some(Column::Number);
    }
    HEADERS
        .iter()
        .find(|(label, _)| f.starts_with(&squeeze(label)))
        .map(|(_, c)| *c)
}

/// A table's rows as grids of cells, with `rowspan` and `colspan` spread into every
/// position they cover (`None` where a row has no cell); rows of tables nested inside it
/// are not its rows.
fn grid<'a>(table: ElementRef<'a>) -> Vec<Vec<Option<ElementRef<'a>>>> {
    let rows: Vec<ElementRef<'a>> = table
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "tr")
        .filter(|tr| {
            tr.ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().name() == "table")
                .is_some_and(|t| t.id() == table.id())
        })
        .collect();
    // Cells of earlier rows that reach down into this one: (column, rows left, cell).
    let mut carry: Vec<(usize, usize, ElementRef<'a>)> = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for tr in rows {
        let mut line: Vec<Option<ElementRef<'a>>> = Vec::new();
        let put = |line: &mut Vec<Option<ElementRef<'a>>>, c: usize, cell: ElementRef<'a>| {
            if line.len() <= c {
                line.resize(c + 1, None);
            }
            line[c] = Some(cell);
        };
        for (c, _, cell) in &carry {
            put(&mut line, *c, *cell);
        }
        let mut next: Vec<(usize, usize, ElementRef<'a>)> = carry
            .iter()
            .filter(|(_, left, _)| *left > 1)
            .map(|(c, left, cell)| (*c, left - 1, *cell))
            .collect();
        let mut col = 0;
        for cell in tr
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| matches!(c.value().name(), "td" | "th"))
        {
            while line.get(col).is_some_and(Option::is_some) {
                col += 1;
            }
            let span = |a: &str| {
                cell.value()
                    .attr(a)
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 50)
            };
            let (rowspan, colspan) = (span("rowspan"), span("colspan"));
            for c in col..col + colspan {
                put(&mut line, c, cell);
                if rowspan > 1 {
                    next.push((c, rowspan - 1, cell));
                }
            }
            col += colspan;
        }
        carry = next;
        out.push(line);
    }
    out
}

/// Rows from every table whose header names a number column and a summary or a date.
fn from_tables(doc: &Html, page_url: &Url) -> Vec<Row> {
    let Ok(sel) = Selector::parse("table") else {
        return Vec::new();
    };
    let mut best: Vec<Row> = Vec::new();
    for table in doc.select(&sel) {
        let grid = grid(table);
        let by_header = grid.iter().enumerate().take(5).find_map(|(i, cells)| {
            let cols: Vec<Option<Column>> = cells
                .iter()
                .map(|c| c.and_then(|c| column_of(&text_of(c))))
                .collect();
            let has = |c: Column| cols.contains(&Some(c));
            (has(Column::Number) && (has(Column::Summary) || has(Column::Issued)))
                .then_some((i + 1, cols))
        });
        let Some((first, columns)) = by_header.or_else(|| by_shape(&grid)) else {
            continue;
        };
        let mut rows = Vec::new();
        for cells in grid[first..].iter().take(MAX_ROWS) {
            let cell = |c: Column| {
                columns
                    .iter()
                    .position(|x| *x == Some(c))
                    .and_then(|i| cells.get(i).copied().flatten())
            };
            let value = |c: Column| cell(c).map(text_of).filter(|t| !t.is_empty());
            let Some(number) = value(Column::Number).and_then(|n| number_in(&n)) else {
                continue;
            };
            let links: Vec<_> = cells
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.map(|c| (i, c)))
                // Each cell once (a colspan covers several positions), and none that
                // spans several rows (an issuer, a date): it links no one row's document.
                .filter(|(i, c)| {
                    cells
                        .iter()
                        .position(|x| x.is_some_and(|x| x.id() == c.id()))
                        == Some(*i)
                        && c.value().attr("rowspan").is_none_or(|r| r.trim() == "1")
                })
                .flat_map(|(_, c)| links_in(c, page_url))
                .collect();
            let (file, detail) = file_and_detail(&links, page_url);
            rows.push(Row {
                summary: value(Column::Summary).unwrap_or_default(),
                issued: value(Column::Issued).and_then(|d| crate::extract::dates::parse_text(&d)),
                issuer: value(Column::Issuer),
                field: value(Column::Field),
                signer: value(Column::Signer),
                number,
                file,
                detail,
            });
        }
        if rows.len() > best.len() {
            best = rows;
        }
    }
    best
}

/// The columns of a table without headers, by the shape of their cells: the column
/// whose cells are mostly document numbers, the one whose cells are mostly dates, and the
/// one with the longest text as the summary. Three rows at least, so that a layout table
/// holding one document reference is not a register.
fn by_shape(grid: &[Vec<Option<ElementRef<'_>>>]) -> Option<(usize, Vec<Option<Column>>)> {
    let rows: Vec<&Vec<Option<ElementRef<'_>>>> = grid.iter().take(MAX_ROWS).collect();
    if rows.len() < 3 {
        return None;
    }
    let width = rows.iter().map(|r| r.len()).max()?;
    let texts: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            (0..width)
                .map(|i| r.get(i).copied().flatten().map(text_of).unwrap_or_default())
                .collect()
        })
        .collect();
    let share = |i: usize, test: &dyn Fn(&str) -> bool| {
        texts.iter().filter(|r| test(&r[i])).count() * 10 >= texts.len() * 8
    };
    let is_number = |t: &str| t.chars().count() < 40 && number_in(t).is_some();
    let is_date =
        |t: &str| t.chars().count() < 30 && crate::extract::dates::parse_text(t).is_some();
    let number = (0..width).find(|&i| share(i, &is_number))?;
    let issued = (0..width).find(|&i| i != number && share(i, &is_date));
    let summary = (0..width)
        .filter(|&i| i != number && Some(i) != issued)
        .max_by_key(|&i| texts.iter().map(|r| r[i].chars().count()).sum::<usize>())
        .filter(|&i| {
            texts.iter().map(|r| r[i].chars().count()).sum::<usize>() >= 20 * texts.len()
        })?;
    let mut cols = vec![None; width];
    cols[number] = Some(Column::Number);
    cols[summary] = Some(Column::Summary);
    if let Some(d) = issued {
        cols[d] = Some(Column::Issued);
    }
    Some((0, cols))
}

/// The document number in a cell or a line: `125/QĐ-UBND`, spaces around the slash and
/// the dash left out.
fn number_in(text: &str) -> Option<String> {
    let m = NUMBER.find(text)?;
    let n: String = m.as_str().split_whitespace().collect();
    Some(n)
}

/// Labels of a card's lines, folded, and the field each gives.
const CARD_LABELS: &[(&str, Column)] = &[
    ("so/ky hieu", Column::Number),
    ("so ky hieu", Column::Number),
    ("so hieu", Column::Number),
    ("ky hieu", Column::Number),
    ("ngay ban hanh", Column::Issued),
    ("ngay ky", Column::Issued),
    ("ngay bh", Column::Issued),
    ("trich yeu", Column::Summary),
    ("noi dung", Column::Summary),
    ("co quan ban hanh", Column::Issuer),
    ("noi ban hanh", Column::Issuer),
    ("co quan", Column::Issuer),
    ("nguoi ky", Column::Signer),
    ("linh vuc", Column::Field),
];

/// Rows from cards: the smallest elements holding one labelled number line each
/// ("Số hiệu: 125/QĐ-UBND"), read line by line; the summary is the "Trích yếu" line or
/// the card's heading.
fn from_cards(doc: &Html, page_url: &Url) -> Vec<Row> {
    // Each labelled number line, by the element that holds it.
    let mut holders: Vec<NodeId> = Vec::new();
    for n in doc.tree.nodes() {
        if let Node::Text(t) = n.value() {
            let f = fold_search(t);
            let f = f.trim_start();
            if CARD_LABELS
                .iter()
                .any(|(l, c)| *c == Column::Number && f.starts_with(l))
                && let Some(p) = n.parent()
                && holders.last() != Some(&p.id())
            {
                holders.push(p.id());
                if holders.len() >= MAX_ROWS {
                    break;
                }
            }
        }
    }
    if holders.len() < 2 {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for h in &holders {
        // Up to the largest ancestor that holds this number line and no other.
        let Some(mut card) = doc.tree.get(*h) else {
            continue;
        };
        while let Some(p) = card.parent() {
            let others = holders
                .iter()
                .filter(|o| *o != h && is_within(doc, **o, p.id()))
                .count();
            if others > 0 || p.value().as_element().is_none_or(|e| e.name() == "body") {
                break;
            }
            card = p;
        }
        let Some(card) = ElementRef::wrap(card) else {
            continue;
        };
        if let Some(row) = card_row(card, page_url) {
            rows.push(row);
        }
    }
    rows
}

fn is_within(doc: &Html, id: NodeId, ancestor: NodeId) -> bool {
    doc.tree
        .get(id)
        .is_some_and(|n| n.ancestors().any(|a: NodeRef<'_, Node>| a.id() == ancestor))
}

/// One card's document, from its labelled lines.
fn card_row(card: ElementRef<'_>, page_url: &Url) -> Option<Row> {
    let mut fields: Vec<(Column, String)> = Vec::new();
    let blocks: Vec<ElementRef<'_>> = card
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| {
            matches!(
                e.value().name(),
                "p" | "div" | "li" | "span" | "td" | "dd" | "dt"
            )
        })
        .collect();
    for b in &blocks {
        let t = text_of(*b);
        let f = fold_search(&t);
        for (label, column) in CARD_LABELS {
            if !f.starts_with(label) || fields.iter().any(|(c, _)| c == column) {
                continue;
            }
            let value = match t.split_once(':') {
                // "Số hiệu: 125/QĐ-UBND": what follows the colon.
                Some((_, v)) => v.trim().to_string(),
                // A label alone ("Số ký hiệu" in a <dt> or a cell): the next element.
                None if f.trim() == *label => b
                    .next_siblings()
                    .find_map(ElementRef::wrap)
                    .map(text_of)
                    .unwrap_or_default(),
                None => continue,
            };
            if !value.is_empty() && value.chars().count() < 600 {
                fields.push((*column, value));
            }
        }
    }
    let get = |c: Column| fields.iter().find(|(x, _)| *x == c).map(|(_, v)| v.clone());
    let number = get(Column::Number).and_then(|n| number_in(&n))?;
    let links = links_in(card, page_url);
    let (file, detail) = file_and_detail(&links, page_url);
    let heading = card
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| {
            matches!(
                e.value().name(),
                "h1" | "h2" | "h3" | "h4" | "h5" | "strong" | "a"
            )
        })
        .map(text_of)
        .filter(|t| !t.is_empty() && !fold_search(t).starts_with("tai"));
    Some(Row {
        summary: get(Column::Summary).or(heading).unwrap_or_default(),
        issued: get(Column::Issued).and_then(|d| crate::extract::dates::parse_text(&d)),
        issuer: get(Column::Issuer),
        field: get(Column::Field),
        signer: get(Column::Signer),
        number,
        file,
        detail,
    })
}

/// Rows by the source's selectors.
fn by_selectors(
    doc: &Html,
    page_url: &Url,
    rows: &str,
    rules: &RegisterRules,
) -> Result<Vec<Row>, IndexError> {
    let compile = |s: &Option<String>| -> Result<Option<Selector>, IndexError> {
        s.as_deref()
            .map(|s| Selector::parse(s).map_err(|_| IndexError::Selector(s.to_string())))
            .transpose()
    };
    let row_sel = Selector::parse(rows).map_err(|_| IndexError::Selector(rows.to_string()))?;
    let number = compile(&rules.number)?;
    let date = compile(&rules.date)?;
    let summary = compile(&rules.summary)?;
    let issuer = compile(&rules.issuer)?;
    let signer = compile(&rules.signer)?;
    let field = compile(&rules.field)?;
    let file = compile(&rules.file)?;
    let link = compile(&rules.link)?;
    let mut out = Vec::new();
    for row in doc.select(&row_sel).take(MAX_ROWS) {
        let first = |s: &Option<Selector>| {
            s.as_ref()
                .and_then(|s| row.select(s).next())
                .map(text_of)
                .filter(|t| !t.is_empty())
        };
        let href = |s: &Option<Selector>| {
            s.as_ref()
                .and_then(|s| row.select(s).next())
                .and_then(|e| e.value().attr("href"))
                .and_then(|h| page_url.join(h.trim()).ok())
        };
        let number = match &number {
            Some(_) => first(&number),
            None => number_in(&text_of(row)),
        };
        let Some(number) = number else { continue };
        let links = links_in(row, page_url);
        let (found_file, found_detail) = file_and_detail(&links, page_url);
        let file = match href(&file) {
            Some(u) => {
                let t = first(&file).unwrap_or_default();
                file_link(&u, &t, None).or(Some(Attachment {
                    url: u.to_string(),
                    title: t,
                    media_type: None,
                    length: None,
                }))
            }
            None => found_file,
        };
        out.push(Row {
            number,
            issued: first(&date).and_then(|d| crate::extract::dates::parse_text(&d)),
            summary: first(&summary).unwrap_or_default(),
            issuer: first(&issuer),
            field: first(&field),
            signer: first(&signer),
            file,
            detail: href(&link).or(found_detail),
        });
    }
    Ok(out)
}

/// Document types by the letters after the number's slash, so that "quyết định 125"
/// finds `125/QĐ-UBND`.
const TYPES: &[(&str, &str)] = &[
    ("QD", "Quyết định"),
    ("KH", "Kế hoạch"),
    ("TB", "Thông báo"),
    ("CT", "Chỉ thị"),
    ("NQ", "Nghị quyết"),
    ("CV", "Công văn"),
    ("TT", "Thông tư"),
    ("ND", "Nghị định"),
    ("BC", "Báo cáo"),
    ("HD", "Hướng dẫn"),
    ("QC", "Quy chế"),
    ("QYD", "Quy định"),
    ("TTR", "Tờ trình"),
    ("CD", "Công điện"),
    ("KL", "Kết luận"),
];

impl Row {
    /// The document's identity: its issuer and its number, folded, so that `125/QĐ-UBND`,
    /// `125/QD-UBND` and `125 /QĐ-UBND` of one issuer are one document on every register.
    pub fn key(&self) -> String {
        text::document_key(self.issuer.as_deref().unwrap_or(""), &self.number)
    }

    /// The document's type, from its number's letters.
    pub fn kind(&self) -> Option<&'static str> {
        let folded = fold_search(&self.number).to_ascii_uppercase();
        // `125/QĐ-UBND`: the part after the slash, before its dash; `12-KH/TU`: the part
        // after the number's dash, before the slash.
        let code = match folded.split_once('/') {
            Some((head, _)) if head.contains('-') => head.split_once('-')?.1,
            Some(_) => folded
                .split('/')
                .find(|p| p.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))?
                .split('-')
                .next()?,
            None => return None,
        };
        TYPES
            .iter()
            .find(|(c, _)| *c == code.trim())
            .map(|(_, t)| *t)
    }

    /// "số/ký hiệu — trích yếu".
    pub fn title(&self) -> String {
        if self.summary.is_empty() {
            self.number.clone()
        } else {
            format!("{} — {}", self.number, self.summary)
        }
    }

    /// Where the document is: its page, else its file, else its row on the register.
    pub fn url(&self, register: &Url) -> Url {
        self.detail
            .clone()
            .or_else(|| self.file.as_ref().and_then(|f| Url::parse(&f.url).ok()))
            .unwrap_or_else(|| {
                let mut u = register.clone();
                u.set_fragment(Some(&self.number));
                u
            })
    }

    /// The row as a link to its document, titled as its item (`discover`'s sample).
    pub fn link(&self, register: &Url) -> Link {
        Link {
            url: self.url(register),
            title: self.title(),
        }
    }

    /// The feed item of this document: titled "số/ký hiệu — trích yếu", dated by its date
    /// of issue, linked to its page (else its file), the file as its attachment, the
    /// issuer, field and signer as categories and in the content.
    pub fn to_article(&self, register: &Url) -> Article {
        let title = self.title();
        let url = self.url(register).to_string();
        let mut lines: Vec<(&str, String)> = Vec::new();
        if !self.summary.is_empty() {
            lines.push(("Trích yếu", self.summary.clone()));
        }
        lines.push(("Số/Ký hiệu", self.number.clone()));
        if let Some(k) = self.kind() {
            lines.push(("Loại văn bản", k.to_string()));
        }
        if let Some(d) = self.issued {
            lines.push(("Ngày ban hành", d.format("%d/%m/%Y").to_string()));
        }
        for (label, v) in [
            ("Cơ quan ban hành", &self.issuer),
            ("Lĩnh vực", &self.field),
            ("Người ký", &self.signer),
        ] {
            if let Some(v) = v {
                lines.push((label, v.clone()));
            }
        }
        let mut html = String::from("<dl>");
        for (label, v) in &lines {
            html.push_str(&format!(
                "<dt>{label}</dt><dd>{}</dd>",
                quick_xml::escape::escape(v.as_str())
            ));
        }
        html.push_str("</dl>");
        Article {
            url,
            title,
            published: self.issued,
            author: self.signer.clone(),
            credit: None,
            paragraphs: lines.iter().map(|(l, v)| format!("{l}: {v}")).collect(),
            content_html: html,
            images: Vec::new(),
            attachments: self.file.clone().into_iter().collect(),
            categories: [&self.issuer, &self.field, &self.signer]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            document: Some(self.key()),
            profile: None,
            container: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_and_typed() {
        assert_eq!(
            number_in("Số: 125 /QĐ-UBND ngày").as_deref(),
            Some("125/QĐ-UBND")
        );
        assert_eq!(
            number_in("12/2024/NQ-HĐND").as_deref(),
            Some("12/2024/NQ-HĐND")
        );
        assert_eq!(number_in("Ngày 15/01/2024"), None);
        // The Party's form.
        assert_eq!(
            number_in("Kế hoạch số 12-KH/TU ngày").as_deref(),
            Some("12-KH/TU")
        );
        assert_eq!(number_in("03-HD/BDVTU").as_deref(), Some("03-HD/BDVTU"));
        assert_eq!(number_in("Ngày 15-01-2024"), None);
        let row = |n: &str| Row {
            number: n.into(),
            issued: None,
            summary: String::new(),
            issuer: Some("UBND tỉnh Long An".into()),
            field: None,
            signer: None,
            file: None,
            detail: None,
        };
        assert_eq!(row("125/QĐ-UBND").kind(), Some("Quyết định"));
        assert_eq!(row("45/TB-UBND").kind(), Some("Thông báo"));
        assert_eq!(row("12-KH/TU").kind(), Some("Kế hoạch"));
        assert_eq!(row("05/2024/NQ-HĐND").kind(), Some("Nghị quyết"));
        assert_eq!(row("125/QĐ-UBND").key(), row("125/QD-UBND").key());
        assert_eq!(row("125/QĐ-UBND").key(), row("125 / qđ-ubnd").key());
        assert_ne!(row("125/QĐ-UBND").key(), row("126/QĐ-UBND").key());
    }

    #[test]
    fn selectors_read_a_register_detection_cannot() {
        let html = r#"<div class="docs">
            <div class="doc"><span class="so">7/QĐ-UBND</span><i>03/03/2024</i><b>Bổ nhiệm cán bộ</b>
              <a class="f" href="/f/7.pdf">x</a><a class="p" href="/vb/7">xem</a></div>
            <div class="doc"><span class="so">8/QĐ-UBND</span><i>04/03/2024</i><b>Khen thưởng</b>
              <a class="f" href="/f/8.pdf">x</a><a class="p" href="/vb/8">xem</a></div></div>"#;
        let rules = RegisterRules {
            rows: Some("div.doc".into()),
            number: Some("span.so".into()),
            date: Some("i".into()),
            summary: Some("b".into()),
            file: Some("a.f".into()),
            link: Some("a.p".into()),
            ..Default::default()
        };
        let (rows, _) =
            read_register(html, &Url::parse("http://p.test/vb/").unwrap(), &rules).unwrap();
        let got: Vec<(&str, String, &str, String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.number.as_str(),
                    r.issued.map(|d| d.to_rfc3339()).unwrap_or_default(),
                    r.summary.as_str(),
                    r.file.as_ref().map(|f| f.url.clone()).unwrap_or_default(),
                    r.detail.as_ref().map(Url::to_string).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "7/QĐ-UBND",
                    "2024-03-03T00:00:00+07:00".into(),
                    "Bổ nhiệm cán bộ",
                    "http://p.test/f/7.pdf".into(),
                    "http://p.test/vb/7".into()
                ),
                (
                    "8/QĐ-UBND",
                    "2024-03-04T00:00:00+07:00".into(),
                    "Khen thưởng",
                    "http://p.test/f/8.pdf".into(),
                    "http://p.test/vb/8".into()
                ),
            ]
        );
        // Without the selectors nothing here reads as a register.
        let (none, _) = read_register(
            html,
            &Url::parse("http://p.test/vb/").unwrap(),
            &Default::default(),
        )
        .unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn a_page_of_many_cards_costs_what_its_size_costs() {
        let card = "<div><p>Số hiệu: 1/QĐ-UBND</p><p>Ngày ban hành: 01/01/2024</p></div>";
        let html = format!("<html><body>{}</body></html>", card.repeat(20_000));
        let (rows, _) = read_register(
            &html,
            &Url::parse("http://p.test/").unwrap(),
            &Default::default(),
        )
        .unwrap();
        assert_eq!(rows.len(), MAX_ROWS);
    }

    #[test]
    fn a_table_without_headers_is_read_by_the_shape_of_its_cells() {
        let html = r#"<table>
            <tr><td>1</td><td>15/01/2024</td><td><a href="/vb/1">125/QĐ-UBND</a></td><td>Về việc ban hành Kế hoạch cải cách hành chính năm 2024</td></tr>
            <tr><td>2</td><td>19/01/2024</td><td><a href="/vb/2">130/QĐ-UBND</a></td><td>Về việc giao chỉ tiêu phát triển kinh tế - xã hội năm 2024</td></tr>
            <tr><td>3</td><td>05/02/2024</td><td><a href="/vb/3">12/KH-UBND</a></td><td>Kế hoạch tổ chức Tết trồng cây đời đời nhớ ơn Bác Hồ</td></tr>
            </table><table><tr><td>Trang chủ</td><td>Liên hệ</td></tr></table>"#;
        let rows = from_tables(
            &Html::parse_document(html),
            &Url::parse("http://p.test/vb/").unwrap(),
        );
        let got: Vec<(&str, String, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.number.as_str(),
                    r.issued
                        .map(|d| d.date_naive().to_string())
                        .unwrap_or_default(),
                    r.detail.as_ref().map(Url::path).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("125/QĐ-UBND", "2024-01-15".to_string(), "/vb/1"),
                ("130/QĐ-UBND", "2024-01-19".to_string(), "/vb/2"),
                ("12/KH-UBND", "2024-02-05".to_string(), "/vb/3"),
            ]
        );
        assert!(rows[2].summary.starts_with("Kế hoạch tổ chức Tết"));
    }

    #[test]
    fn cards_of_label_and_value_pairs_are_read() {
        let html = r#"<div class="list">
            <div class="vb"><h4><a href="/vb/21">Kế hoạch kiểm tra công tác dân vận năm 2024</a></h4>
              <dl><dt>Số ký hiệu</dt><dd>21-KH/BDVTU</dd><dt>Ngày ban hành</dt><dd>12/03/2024</dd>
              <dt>Cơ quan</dt><dd>Ban Dân vận Tỉnh ủy</dd></dl><a href="/files/21-kh.pdf">Tải về</a></div>
            <div class="vb"><h4><a href="/vb/22">Hướng dẫn tổ chức hội nghị dân vận khéo</a></h4>
              <dl><dt>Số ký hiệu</dt><dd>03-HD/BDVTU</dd><dt>Ngày ban hành</dt><dd>20/03/2024</dd>
              <dt>Cơ quan</dt><dd>Ban Dân vận Tỉnh ủy</dd></dl><a href="/files/03-hd.pdf">Tải về</a></div></div>"#;
        let (rows, _) = read_register(
            html,
            &Url::parse("http://p.test/vb/").unwrap(),
            &Default::default(),
        )
        .unwrap();
        let got: Vec<(&str, String, &str, Option<&str>, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.number.as_str(),
                    r.issued
                        .map(|d| d.date_naive().to_string())
                        .unwrap_or_default(),
                    r.summary.as_str(),
                    r.issuer.as_deref(),
                    r.file.as_ref().map(|f| f.url.clone()).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "21-KH/BDVTU",
                    "2024-03-12".into(),
                    "Kế hoạch kiểm tra công tác dân vận năm 2024",
                    Some("Ban Dân vận Tỉnh ủy"),
                    "http://p.test/files/21-kh.pdf".into()
                ),
                (
                    "03-HD/BDVTU",
                    "2024-03-20".into(),
                    "Hướng dẫn tổ chức hội nghị dân vận khéo",
                    Some("Ban Dân vận Tỉnh ủy"),
                    "http://p.test/files/03-hd.pdf".into()
                ),
            ]
        );
        assert_eq!(rows[1].kind(), Some("Hướng dẫn"));
    }

    #[test]
    fn headers_are_read_however_they_wrap() {
        for (h, c) in [
            ("Số/\n Ký hiệu", Some(Column::Number)),
            ("Số / ký hiệu", Some(Column::Number)),
            ("Số", Some(Column::Number)),
            ("Số TT", None),
            ("STT", None),
            ("Ngày ban\nhành", Some(Column::Issued)),
            ("Trích yếu nội dung", Some(Column::Summary)),
            ("Tệp đính kèm", Some(Column::File)),
        ] {
            assert_eq!(column_of(h), c, "{h:?}");
        }
    }

    #[test]
    fn spanning_cells_repeat_into_each_row() {
        let html = r#"<table>
            <tr><td>Cơ quan ban hành</td><td>Số/Ký hiệu</td><td>Trích yếu</td></tr>
            <tr><td rowspan="2">UBND tỉnh</td><td>1/QĐ-UBND</td><td>Một</td></tr>
            <tr><td>2/QĐ-UBND</td><td>Hai</td></tr>
            <tr><td>HĐND tỉnh</td><td>3/NQ-HĐND</td><td>Ba</td></tr></table>"#;
        let rows = from_tables(
            &Html::parse_document(html),
            &Url::parse("http://p.test/van-ban/").unwrap(),
        );
        let got: Vec<(&str, Option<&str>, &str)> = rows
            .iter()
            .map(|r| (r.number.as_str(), r.issuer.as_deref(), r.summary.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("1/QĐ-UBND", Some("UBND tỉnh"), "Một"),
                ("2/QĐ-UBND", Some("UBND tỉnh"), "Hai"),
                ("3/NQ-HĐND", Some("HĐND tỉnh"), "Ba"),
            ]
        );
    }
}
