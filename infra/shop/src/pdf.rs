//! Invoices as PDF: [`render_invoice`] draws an [`Invoice`] on A4 pages in
//! the PDF's built-in Helvetica, so no font is embedded and a short invoice
//! is a few kilobytes.
//!
//! # Layout
//!
//! The first page opens with the shop (name, address, phone, GSTIN) on the
//! left and, on the right, "TAX INVOICE" with the invoice and order
//! numbers, the issue and due dates (calendar dates in the shop's time zone,
//! Asia/Kolkata unless it names another) and
//! the status; then the customer billed. The table of lines follows: item,
//! quantity, unit price, GST rate, taxable value, CGST, SGST and amount.
//! Item names wrap onto at most three lines and are cut with `…` after
//! that; an amount too wide for its column is set smaller. When the rows
//! reach the foot of a page the table goes on on the next one, under a
//! short header and the column heads again. The totals (taxable value,
//! CGST, SGST, total), the total in words and the payment terms close the
//! invoice, on a page of their own when they do not fit. Every page has the
//! invoice number and "Page n of N" at its foot; a paid or void invoice has
//! PAID or VOID across every page.
//!
//! # Characters
//!
//! The built-in fonts have only the WinAnsi characters: ASCII, Latin-1
//! (`è`, `é`, `ü`, `ñ`, …) and a few more (`€`, `–`, `…`). Every other
//! character is transliterated to ASCII with `deunicode` (`Ł` → `L`,
//! Cyrillic, Greek and Devanagari in Latin letters), the rupee sign becomes
//! `Rs.`, combining accents are dropped, and a character with no
//! transliteration becomes `?`. Amounts are printed without a currency
//! symbol (`1,25,000.00`); the table says which currency they are in.
//!
//! # Example
//!
//! ```
//! use features::invoices::{GstRate, Invoice, InvoiceLine, InvoiceNumber, InvoiceStatus, PriceBasis};
//! use features::shared::{Currency, CustomerPhone, Money, OrderId};
//! use infra_shop::pdf::{ShopDetails, render_invoice};
//!
//! let line = InvoiceLine::new(
//!     "Cement OPC 53",
//!     100,
//!     "bag",
//!     Money::new(35_000, Currency::INR),
//!     GstRate::from_basis_points(1800)?,
//!     PriceBasis::TaxInclusive,
//! )?;
//! let invoice = Invoice::restore(
//!     InvoiceNumber::new(42),
//!     OrderId::new(7),
//!     CustomerPhone::parse("+919876543210")?,
//!     Currency::INR,
//!     vec![line],
//!     Some("29ABCDE1234F1Z5".to_owned()),
//!     1_700_000_000_000,
//!     1_701_296_000_000,
//!     InvoiceStatus::Issued,
//! );
//! let shop = ShopDetails {
//!     name: "Sharma Building Materials".to_owned(),
//!     address: vec!["12 MG Road".to_owned(), "Bengaluru 560001".to_owned()],
//!     phone: Some("+91 80 1234 5678".to_owned()),
//!     gstin: None,
//!     time_zone: None,
//! };
//!
//! let pdf = render_invoice(&invoice, &shop)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::LazyLock;

use features::invoices::{Invoice, InvoiceLine, InvoiceNumber, InvoiceStatus, amount_in_words};
use features::shared::{Money, OrderNumber};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use printpdf::{
    BuiltinFont, Color, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
    TextMatrix,
};

/// The shop as its invoices name it, at the top of the first page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ShopDetails {
    /// The shop's name, as registered for GST.
    pub name: String,
    /// The address, one printed line per entry.
    pub address: Vec<String>,
    /// A number customers can call, printed as given.
    pub phone: Option<String>,
    /// The shop's GSTIN. The GSTIN the invoice was issued with
    /// ([`Invoice::gstin`]) is printed when it has one; this one only
    /// otherwise.
    pub gstin: Option<String>,
    /// The IANA time zone the dates are shown in (`CAMPANILE_TIMEZONE`);
    /// `None`: Asia/Kolkata.
    pub time_zone: Option<String>,
}

/// Why an invoice could not be drawn. Retrying does not help with any of
/// them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// A time stored on the invoice is outside the calendar: the invoice's
    /// record is corrupt and needs fixing.
    #[error("invoice {invoice}: its {what} ({ms} ms since the epoch) is not a date")]
    Date {
        /// The invoice.
        invoice: InvoiceNumber,
        /// Which time: `issue date`, `due date` or `payment date`.
        what: &'static str,
        /// The stored value.
        ms: i64,
        /// Why jiff refused it.
        #[source]
        source: jiff::Error,
    },
    /// The shop's time zone is missing from the bundled time zone
    /// database: a build problem.
    #[error("time zone {name} is not in the bundled database")]
    TimeZone {
        /// The zone's name.
        name: String,
        /// Why jiff refused it.
        #[source]
        source: jiff::Error,
    },
    /// The PDF writer reported an error: a bug here or in printpdf.
    #[error("the PDF writer failed: {0}")]
    Write(String),
}

/// The invoice as an A4 PDF document; see the [module docs](self) for the
/// layout and which characters can be shown.
///
/// # Errors
///
/// [`PdfError::Date`] when a time on the invoice is not a date,
/// [`PdfError::TimeZone`] and [`PdfError::Write`] for bugs.
pub fn render_invoice(invoice: &Invoice, shop: &ShopDetails) -> Result<Vec<u8>, PdfError> {
    let facts = Facts::of(invoice, shop)?;
    let mut layout = Layout::new(&facts);
    layout.first_page_head();
    layout.table_head();
    for (index, line) in invoice.lines().iter().enumerate() {
        layout.row(index, line);
    }
    layout.closing();
    let pages = layout.finish();

    let mut document = PdfDocument::new(&format!("Tax invoice {}", facts.number));
    document.with_pages(pages);
    let options = PdfSaveOptions {
        image_optimization: None,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let bytes = document.save(&options, &mut warnings);
    if let Some(error) = warnings
        .iter()
        .find(|w| w.severity == PdfParseErrorSeverity::Error)
    {
        return Err(PdfError::Write(error.msg.clone()));
    }
    Ok(bytes)
}

/// The zone invoice dates are shown in when the shop names none.
const TIME_ZONE: &str = "Asia/Kolkata";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

// A4 in points (1 pt = 1/72 in), origin at the bottom left.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 40.0;
const RIGHT: f32 = PAGE_W - MARGIN;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Content stays above this line; the page foot is below it.
const BOTTOM: f32 = 56.0;
const FOOT_Y: f32 = 30.0;

const BODY: f32 = 9.0;
const TABLE: f32 = 8.0;
const SMALLEST: f32 = 5.0;
/// Width of a character the font has no metrics for, in ems (Helvetica's
/// digits are 0.556 em).
const FALLBACK_EM: f32 = 0.556;
/// Table cell padding, left and right.
const PAD: f32 = 3.0;
const PADS: f32 = 2.0 * PAD;
const ROW_LINE: f32 = 10.0;
const ITEM_LINES: usize = 3;

/// Everything printed that is not laid out: the invoice's facts as text.
struct Facts {
    number: String,
    order: String,
    issued: String,
    due: String,
    status: &'static str,
    /// Who it is billed to, one line each: the registration's name,
    /// business, GSTIN and address, then the WhatsApp number.
    billed: Vec<String>,
    shop_name: String,
    shop_lines: Vec<String>,
    currency: String,
    totals: [(&'static str, String); 4],
    words: String,
    terms: Vec<String>,
    watermark: Option<Watermark>,
}

#[derive(Clone, Copy)]
struct Watermark {
    word: &'static str,
    colour: (f32, f32, f32),
}

impl Facts {
    fn of(invoice: &Invoice, shop: &ShopDetails) -> Result<Self, PdfError> {
        let name = shop.time_zone.as_deref().unwrap_or(TIME_ZONE);
        let zone = TimeZone::get(name).map_err(|source| PdfError::TimeZone {
            name: name.to_owned(),
            source,
        })?;
        let date = |what: &'static str, ms: i64| {
            Timestamp::from_millisecond(ms)
                .map(|at| at.to_zoned(zone.clone()).date().to_string())
                .map_err(|source| PdfError::Date {
                    invoice: invoice.number(),
                    what,
                    ms,
                    source,
                })
        };
        let number = invoice.number().to_string();
        let issued = date("issue date", invoice.issued_at_ms())?;
        let due = date("due date", invoice.due_at_ms())?;

        let days = invoice.due_at_ms().saturating_sub(invoice.issued_at_ms()) / DAY_MS;
        let mut terms = vec![if days > 0 {
            format!(
                "Payment terms: {days} days from the invoice date. Please pay by {due}, quoting {number}."
            )
        } else {
            "Payment terms: due on receipt.".to_owned()
        }];
        let (status, watermark) = match invoice.status() {
            InvoiceStatus::Issued => ("ISSUED", None),
            InvoiceStatus::Paid {
                reference,
                paid_at_ms,
            } => {
                let paid = date("payment date", *paid_at_ms)?;
                terms.push(format!(
                    "Paid on {paid}, reference {reference}. Thank you for your business."
                ));
                let colour = (0.82, 0.93, 0.82);
                (
                    "PAID",
                    Some(Watermark {
                        word: "PAID",
                        colour,
                    }),
                )
            }
            InvoiceStatus::Void { reason } => {
                terms.push(if reason.is_empty() {
                    "This invoice is void: nothing is due on it.".to_owned()
                } else {
                    format!("This invoice is void ({reason}): nothing is due on it.")
                });
                let colour = (0.97, 0.83, 0.83);
                (
                    "VOID",
                    Some(Watermark {
                        word: "VOID",
                        colour,
                    }),
                )
            }
        };

        let mut shop_lines = shop.address.clone();
        if let Some(phone) = &shop.phone {
            shop_lines.push(format!("Phone: {phone}"));
        }
        if let Some(gstin) = invoice.gstin().or(shop.gstin.as_deref()) {
            shop_lines.push(format!("GSTIN: {gstin}"));
        }

        Ok(Self {
            order: OrderNumber::from(invoice.order()).to_string(),
            issued,
            due,
            status,
            billed: billed_lines(invoice),
            shop_name: shop.name.clone(),
            shop_lines,
            currency: invoice.currency().code().to_owned(),
            totals: [
                ("Taxable value", amount(invoice.taxable())),
                ("CGST", amount(invoice.cgst())),
                ("SGST", amount(invoice.sgst())),
                ("Total", amount(invoice.total())),
            ],
            words: amount_in_words(invoice.total()),
            terms,
            watermark,
            number,
        })
    }
}

/// The "Billed to" lines: the buyer's registration (a GSTIN makes it a B2B
/// invoice), then the WhatsApp number.
fn billed_lines(invoice: &Invoice) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(buyer) = invoice.buyer() {
        lines.push(buyer.name.clone());
        lines.extend(buyer.business.clone());
        lines.extend(buyer.gstin.as_ref().map(|g| format!("GSTIN: {g}")));
        lines.push(buyer.address.clone());
    }
    lines.push(format!("WhatsApp {}", invoice.customer()));
    lines
}

/// `₹1,25,000` → `1,25,000.00`: the domain's digit grouping, without the
/// symbol the built-in font cannot show, always with the minor units.
fn amount(money: Money) -> String {
    let shown = money.to_string();
    let (sign, unsigned) = match shown.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", shown.as_str()),
    };
    let digits = unsigned
        .strip_prefix(money.currency().symbol())
        .unwrap_or(unsigned);
    if digits.contains('.') {
        format!("{sign}{digits}")
    } else {
        format!("{sign}{digits}.00")
    }
}

/// A table column.
struct Column {
    head: &'static str,
    width: f32,
    right: bool,
}

const fn column(head: &'static str, width: f32, right: bool) -> Column {
    Column { head, width, right }
}

/// The table's columns, 515 pt together (the width between the margins).
const COLUMNS: [Column; 9] = [
    column("#", 18.0, false),
    column("Item", 141.0, false),
    column("Qty", 46.0, true),
    column("Unit price", 56.0, true),
    column("GST", 32.0, true),
    column("Taxable value", 62.0, true),
    column("CGST", 52.0, true),
    column("SGST", 52.0, true),
    column("Amount", 56.0, true),
];

/// Builds the pages top to bottom; `y` is the top of the free space.
struct Layout<'a> {
    facts: &'a Facts,
    done: Vec<Sheet>,
    sheet: Sheet,
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(facts: &'a Facts) -> Self {
        Self {
            facts,
            done: Vec::new(),
            sheet: Sheet::default(),
            y: PAGE_H - MARGIN,
        }
    }

    fn first_page_head(&mut self) {
        let facts = self.facts;
        let top = PAGE_H - MARGIN;
        let right_w = 190.0;
        let left_w = CONTENT_W - right_w - 15.0;

        let mut y = top - 14.0;
        for line in wrap(&facts.shop_name, Face::Bold, 15.0, left_w, 2) {
            self.sheet.text(MARGIN, y, Face::Bold, 15.0, &line);
            y -= 18.0;
        }
        for entry in &facts.shop_lines {
            for line in wrap(entry, Face::Regular, BODY, left_w, 2) {
                self.sheet.text(MARGIN, y, Face::Regular, BODY, &line);
                y -= 11.0;
            }
        }
        let left_bottom = y;

        let mut y = top - 16.0;
        self.sheet
            .text_right(RIGHT, y, Face::Bold, 18.0, "TAX INVOICE");
        y -= 20.0;
        for (label, value) in [
            ("Invoice no.", facts.number.as_str()),
            ("Order no.", &facts.order),
            ("Invoice date", &facts.issued),
            ("Due date", &facts.due),
            ("Status", facts.status),
        ] {
            self.sheet.text(RIGHT - right_w, y, Face::Bold, BODY, label);
            let (value, size) = fit(value, Face::Regular, BODY, right_w - 70.0);
            self.sheet.text_right(RIGHT, y, Face::Regular, size, &value);
            y -= 12.0;
        }

        self.y = left_bottom.min(y) - 2.0;
        self.sheet.rule(MARGIN, RIGHT, self.y, 0.6, 0.0);
        self.y -= 14.0;
        self.sheet
            .text(MARGIN, self.y, Face::Bold, BODY, "Billed to");
        self.sheet.text_right(
            RIGHT,
            self.y,
            Face::Regular,
            TABLE,
            &format!("Amounts in {}", facts.currency),
        );
        for line in &facts.billed {
            let (line, size) = fit(line, Face::Regular, BODY, RIGHT - MARGIN - 160.0);
            self.sheet
                .text(MARGIN + 60.0, self.y, Face::Regular, size, &line);
            self.y -= 11.0;
        }
        self.y += 1.0;
    }

    /// A page after the first: a short header, and the table's heads when
    /// rows go on.
    fn next_page(&mut self) {
        let full = std::mem::take(&mut self.sheet);
        self.done.push(full);
        let top = PAGE_H - MARGIN;
        let number = format!("Tax invoice {} (continued)", self.facts.number);
        let number_w = text_width(&number, Face::Bold, 10.0);
        let (name, size) = fit(
            &self.facts.shop_name,
            Face::Bold,
            10.0,
            CONTENT_W - number_w - 20.0,
        );
        self.sheet.text(MARGIN, top - 10.0, Face::Bold, size, &name);
        self.sheet
            .text_right(RIGHT, top - 10.0, Face::Bold, 10.0, &number);
        self.sheet.rule(MARGIN, RIGHT, top - 16.0, 0.6, 0.0);
        self.y = top - 24.0;
    }

    fn table_head(&mut self) {
        let height = 16.0;
        self.sheet
            .fill(MARGIN, self.y - height, CONTENT_W, height, 0.9);
        let baseline = self.y - 11.0;
        let mut x = MARGIN;
        for col in &COLUMNS {
            self.sheet
                .cell(x, col, baseline, Face::Bold, TABLE, col.head);
            x += col.width;
        }
        self.y -= height;
    }

    fn row(&mut self, index: usize, line: &InvoiceLine) {
        let item_w = COLUMNS[1].width - PADS;
        let item = wrap(&line.description, Face::Regular, TABLE, item_w, ITEM_LINES);
        let lines = item.len().max(1);
        let height = ROW_LINE.mul_add(lines as f32, 6.0);
        if self.y - height < BOTTOM {
            self.next_page();
            self.table_head();
        }
        let baseline = self.y - 3.0 - TABLE;
        let cells = [
            (index + 1).to_string(),
            String::new(),
            format!("{} {}", line.quantity, line.unit),
            amount(line.unit_price),
            line.rate.to_string(),
            amount(line.taxable),
            amount(line.cgst),
            amount(line.sgst),
            amount(line.total),
        ];
        let mut x = MARGIN;
        for (col, text) in COLUMNS.iter().zip(&cells) {
            self.sheet
                .cell(x, col, baseline, Face::Regular, TABLE, text);
            x += col.width;
        }
        let mut y = baseline;
        for text in &item {
            self.sheet.text(
                MARGIN + COLUMNS[0].width + PAD,
                y,
                Face::Regular,
                TABLE,
                text,
            );
            y -= ROW_LINE;
        }
        self.y -= height;
        self.sheet.rule(MARGIN, RIGHT, self.y, 0.3, 0.75);
    }

    /// Totals, the total in words and the terms, kept together.
    fn closing(&mut self) {
        let facts = self.facts;
        let words = wrap(&facts.words, Face::Regular, BODY, CONTENT_W, 4);
        let terms: Vec<String> = facts
            .terms
            .iter()
            .flat_map(|t| wrap(t, Face::Regular, BODY, CONTENT_W, 3))
            .collect();
        // Four totals 14 pt apart, the gaps and the footnote: 112 pt; 11 per line.
        let height = 11.0_f32.mul_add((words.len() + terms.len()) as f32, 112.0);
        if self.y - height < BOTTOM {
            self.next_page();
        }

        let label_x = RIGHT - 220.0;
        let mut y = self.y - 16.0;
        for (index, (label, value)) in facts.totals.iter().enumerate() {
            let last = index + 1 == facts.totals.len();
            let (face, size) = if last {
                self.sheet.rule(label_x, RIGHT, y + 11.0, 0.6, 0.0);
                (Face::Bold, 10.0)
            } else {
                (Face::Regular, BODY)
            };
            let label = if last {
                format!("{label} ({})", facts.currency)
            } else {
                (*label).to_owned()
            };
            self.sheet.text(label_x, y, face, size, &label);
            let (value, size) = fit(value, face, size, 120.0);
            self.sheet.text_right(RIGHT, y, face, size, &value);
            y -= 14.0;
        }

        y -= 8.0;
        self.sheet
            .text(MARGIN, y, Face::Bold, BODY, "Amount in words");
        y -= 11.0;
        for line in &words {
            self.sheet.text(MARGIN, y, Face::Regular, BODY, line);
            y -= 11.0;
        }
        y -= 6.0;
        for line in &terms {
            self.sheet.text(MARGIN, y, Face::Regular, BODY, line);
            y -= 11.0;
        }
        y -= 6.0;
        self.sheet.text_grey(
            MARGIN,
            y,
            Face::Regular,
            TABLE,
            "This is a computer-generated invoice and needs no signature.",
        );
        self.y = y;
    }

    fn finish(mut self) -> Vec<PdfPage> {
        self.done.push(self.sheet);
        let count = self.done.len();
        let facts = self.facts;
        self.done
            .into_iter()
            .enumerate()
            .map(|(index, mut sheet)| {
                sheet.rule(MARGIN, RIGHT, FOOT_Y + 10.0, 0.3, 0.75);
                let ours = format!("{} / {}", facts.number, facts.order);
                sheet.text_grey(MARGIN, FOOT_Y, Face::Regular, TABLE, &ours);
                let page = format!("Page {} of {count}", index + 1);
                let x = RIGHT - text_width(&page, Face::Regular, TABLE);
                sheet.text_grey(x, FOOT_Y, Face::Regular, TABLE, &page);
                PdfPage::new(Mm(210.0), Mm(297.0), sheet.into_ops(facts.watermark))
            })
            .collect()
    }
}

/// One page's drawing: shapes go under the text, in their own layer, as a
/// text object may not contain paths.
#[derive(Default)]
struct Sheet {
    shapes: Vec<Op>,
    text: Vec<Op>,
}

impl Sheet {
    /// `text` with its baseline starting at (`x`, `y`).
    fn text(&mut self, x: f32, y: f32, face: Face, size: f32, text: &str) {
        self.text.extend([
            Op::SetFont {
                font: PdfFontHandle::Builtin(face.builtin()),
                size: Pt(size),
            },
            Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(x), Pt(y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(printable(text))],
            },
        ]);
    }

    /// `text` ending at `right`.
    fn text_right(&mut self, right: f32, y: f32, face: Face, size: f32, text: &str) {
        let x = right - text_width(text, face, size);
        self.text(x, y, face, size, text);
    }

    fn text_grey(&mut self, x: f32, y: f32, face: Face, size: f32, text: &str) {
        self.text.push(Op::SetFillColor { col: grey(0.4) });
        self.text(x, y, face, size, text);
        self.text.push(Op::SetFillColor { col: grey(0.0) });
    }

    /// `text` in the table column `col` starting at `x`, shrunk or cut to
    /// fit.
    fn cell(&mut self, x: f32, col: &Column, baseline: f32, face: Face, size: f32, text: &str) {
        let (text, size) = fit(text, face, size, col.width - PADS);
        if col.right {
            self.text_right(x + col.width - PAD, baseline, face, size, &text);
        } else {
            self.text(x + PAD, baseline, face, size, &text);
        }
    }

    /// A horizontal line `thickness` thick, `shade` from black (0) to white (1).
    fn rule(&mut self, from: f32, to: f32, y: f32, thickness: f32, shade: f32) {
        let point = |x: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.shapes.extend([
            Op::SetOutlineColor { col: grey(shade) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(from), point(to)],
                    is_closed: false,
                },
            },
        ]);
    }

    fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, shade: f32) {
        self.shapes.extend([
            Op::SetFillColor { col: grey(shade) },
            Op::DrawRectangle {
                rectangle: Rect {
                    mode: Some(PaintMode::Fill),
                    ..Rect::from_xywh(Pt(x), Pt(y), Pt(width), Pt(height))
                },
            },
        ]);
    }

    fn into_ops(self, watermark: Option<Watermark>) -> Vec<Op> {
        let mut ops = Vec::with_capacity(self.shapes.len() + self.text.len() + 16);
        if let Some(mark) = watermark {
            ops.extend(watermark_ops(mark));
        }
        ops.push(Op::SaveGraphicsState);
        ops.extend(self.shapes);
        ops.push(Op::RestoreGraphicsState);
        ops.extend([
            Op::SaveGraphicsState,
            Op::StartTextSection,
            Op::SetFillColor { col: grey(0.0) },
        ]);
        ops.extend(self.text);
        ops.extend([Op::EndTextSection, Op::RestoreGraphicsState]);
        ops
    }
}

/// The word across the middle of the page, rising at 45°, in a light
/// colour under everything else.
fn watermark_ops(mark: Watermark) -> Vec<Op> {
    let size = 120.0;
    let width = text_width(mark.word, Face::Bold, size);
    let cap_height = 0.72 * size;
    let (sin, cos) = std::f32::consts::FRAC_PI_4.sin_cos();
    // Rotate the word's centre, (width / 2, cap height / 2) from its
    // origin, onto the page's centre.
    let (half_w, half_h) = (width / 2.0, cap_height / 2.0);
    let x = PAGE_W / 2.0 - cos.mul_add(half_w, -(sin * half_h));
    let y = PAGE_H / 2.0 - sin.mul_add(half_w, cos * half_h);
    let (r, g, b) = mark.colour;
    vec![
        Op::SaveGraphicsState,
        Op::StartTextSection,
        Op::SetFillColor {
            col: Color::Rgb(Rgb {
                r,
                g,
                b,
                icc_profile: None,
            }),
        },
        Op::SetFont {
            font: PdfFontHandle::Builtin(BuiltinFont::HelveticaBold),
            size: Pt(size),
        },
        Op::SetTextMatrix {
            matrix: TextMatrix::Raw([cos, sin, -sin, cos, x, y]),
        },
        Op::ShowText {
            items: vec![TextItem::Text(mark.word.to_owned())],
        },
        Op::EndTextSection,
        Op::RestoreGraphicsState,
    ]
}

fn grey(shade: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent: shade,
        icc_profile: None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
}

impl Face {
    fn builtin(self) -> BuiltinFont {
        match self {
            Self::Regular => BuiltinFont::Helvetica,
            Self::Bold => BuiltinFont::HelveticaBold,
        }
    }
}

/// The advance widths of Helvetica and Helvetica Bold, read once from the
/// metric-compatible faces printpdf ships for its built-in fonts.
static METRICS: LazyLock<[Option<ParsedFont>; 2]> = LazyLock::new(|| {
    [
        BuiltinFont::Helvetica.get_parsed_font(),
        BuiltinFont::HelveticaBold.get_parsed_font(),
    ]
});

/// The width of `text` (as [`printable`] makes it) in points.
fn text_width(text: &str, face: Face, size: f32) -> f32 {
    let font = match face {
        Face::Regular => METRICS[0].as_ref(),
        Face::Bold => METRICS[1].as_ref(),
    };
    let ems: f32 = printable(text)
        .chars()
        .map(|c| char_ems(font, c).unwrap_or(FALLBACK_EM))
        .sum();
    ems * size
}

/// The advance of `c` in ems. The shipped faces have no glyph for the
/// spaces and the soft hyphen: those come from Helvetica's AFM (the same in
/// both weights).
fn char_ems(font: Option<&ParsedFont>, c: char) -> Option<f32> {
    match c {
        ' ' | '\u{a0}' => return Some(0.278),
        '\u{ad}' => return Some(0.333),
        _ => {}
    }
    let font = font?;
    let glyph = font.lookup_glyph_index(u32::from(c))?;
    let width = font.get_glyph_width(glyph)?;
    (font.units_per_em > 0).then(|| f32::from(width) / f32::from(font.units_per_em))
}

/// `text` at `size` if it fits in `width`, else smaller (down to 5 pt),
/// else cut with `…`.
fn fit(text: &str, face: Face, size: f32, width: f32) -> (String, f32) {
    let text = printable(text);
    let natural = text_width(&text, face, size);
    if natural <= width {
        return (text, size);
    }
    let smaller = size * width / natural;
    if smaller >= SMALLEST {
        return (text, smaller);
    }
    (ellipsize(text, face, SMALLEST, width), SMALLEST)
}

/// `text` cut so that it and a trailing `…` fit in `width`.
fn ellipsize(text: String, face: Face, size: f32, width: f32) -> String {
    let mut text = text;
    while !text.is_empty() && text_width(&format!("{text}…"), face, size) > width {
        text.pop();
    }
    format!("{}…", text.trim_end())
}

/// `text` broken into lines no wider than `width`, at spaces where it can
/// be and inside a word too long for a line; at most `max_lines`, the last
/// cut with `…` when there was more.
fn wrap(text: &str, face: Face, size: f32, width: f32, max_lines: usize) -> Vec<String> {
    let text = printable(text);
    let fits = |s: &str| text_width(s, face, size) <= width;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let joined = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if fits(&joined) {
            current = joined;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        for c in word.chars() {
            current.push(c);
            if !fits(&current) && current.chars().count() > 1 {
                current.pop();
                lines.push(std::mem::take(&mut current));
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines.max(1) {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.pop() {
            lines.push(ellipsize(last, face, size, width));
        }
    }
    lines
}

/// `text` in characters the built-in fonts have (WinAnsi): the others
/// transliterated, `₹` as `Rs.`, control characters as spaces, `?` for
/// what has no transliteration. See the [module docs](self).
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_win_ansi(c) {
            out.push(c);
        } else if c.is_control() || c.is_whitespace() {
            out.push(' ');
        } else if c == '₹' {
            out.push_str("Rs.");
        } else {
            match deunicode::deunicode_char(c) {
                Some(ascii) if ascii.chars().all(is_win_ansi) => out.push_str(ascii),
                _ => out.push('?'),
            }
        }
    }
    out
}

/// Whether WinAnsiEncoding (PDF 32000-1, Annex D) has `c`.
fn is_win_ansi(c: char) -> bool {
    matches!(
        c,
        ' '..='~'
            | '\u{a0}'..='\u{ff}'
            | '€'
            | '‚'
            | 'ƒ'
            | '„'
            | '…'
            | '†'
            | '‡'
            | 'ˆ'
            | '‰'
            | 'Š'
            | '‹'
            | 'Œ'
            | 'Ž'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201c}'
            | '\u{201d}'
            | '•'
            | '–'
            | '—'
            | '˜'
            | '™'
            | 'š'
            | '›'
            | 'œ'
            | 'ž'
            | 'Ÿ'
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use features::shared::Currency;

    use super::*;

    #[test]
    fn pdf_text_keeps_latin1_and_transliterates_the_rest() {
        assert_eq!(printable("Ciment Père ₹"), "Ciment Père Rs.");
        assert_eq!(printable("Łódź"), "Lódz");
        assert_eq!(printable("a\tb\nc"), "a b c");
        assert_eq!(printable("e\u{301}"), "e", "combining accents are dropped");
        assert_eq!(printable("€ – …"), "€ – …");
        assert!(printable("цемент").is_ascii());
        assert!(printable("सीमेंट").chars().all(is_win_ansi));
    }

    #[test]
    fn pdf_amounts_drop_the_symbol_and_keep_the_paise() {
        let inr = |minor| Money::new(minor, Currency::INR);
        assert_eq!(amount(inr(12_500_000)), "1,25,000.00");
        assert_eq!(amount(inr(125_050)), "1,250.50");
        assert_eq!(amount(inr(-500)), "-5.00");
        assert_eq!(
            amount(Money::new(125_000_000, Currency::USD)),
            "1,250,000.00"
        );
        let aed = Currency::parse("AED").unwrap();
        assert_eq!(amount(Money::new(100_000, aed)), "1,000.00");
    }

    #[test]
    fn pdf_widths_come_from_helvetica_metrics() {
        // Helvetica: digits 556/1000 em, "i" 222/1000 em; bold is wider.
        let digits = text_width("0000000000", Face::Regular, 10.0);
        assert!((digits - 55.6).abs() < 1.0, "{digits}");
        assert!(text_width("iiii", Face::Regular, 10.0) < digits / 2.0);
        // Regression: the space had no metrics and was measured as wide as
        // a digit, so right-aligned labels fell short of the margin.
        assert!((text_width("a b", Face::Regular, 10.0) - 13.9).abs() < 0.01);
        assert!(text_width("Total", Face::Bold, 10.0) > text_width("Total", Face::Regular, 10.0));
    }

    #[test]
    fn pdf_wrap_breaks_at_spaces_then_inside_words_and_cuts_with_an_ellipsis() {
        let lines = wrap(
            "Portland Pozzolana Cement 50 kg bag",
            Face::Regular,
            8.0,
            60.0,
            10,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| text_width(l, Face::Regular, 8.0) <= 60.0)
        );
        assert_eq!(lines.join(" "), "Portland Pozzolana Cement 50 kg bag");

        let long = "x".repeat(500);
        let lines = wrap(&long, Face::Regular, 8.0, 60.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        assert!(
            lines
                .iter()
                .all(|l| text_width(l, Face::Regular, 8.0) <= 60.0)
        );

        assert!(wrap("", Face::Regular, 8.0, 60.0, 3).is_empty());
    }

    #[test]
    fn pdf_fit_shrinks_then_cuts() {
        assert_eq!(
            fit("12.00", Face::Regular, 8.0, 50.0),
            ("12.00".to_owned(), 8.0)
        );
        let (text, size) = fit("1,23,45,67,890.00", Face::Regular, 8.0, 50.0);
        assert_eq!(text, "1,23,45,67,890.00");
        assert!((SMALLEST..8.0).contains(&size), "{size}");
        let (text, size) = fit(&"9".repeat(80), Face::Regular, 8.0, 50.0);
        assert_eq!(size, SMALLEST);
        assert!(text.ends_with('…'));
        assert!(text_width(&text, Face::Regular, size) <= 50.0);
    }
}
