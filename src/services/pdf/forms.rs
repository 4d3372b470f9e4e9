//! The document forms, laid out the way Russian accounting documents look.
use super::layout::{Align, Col, Doc, Style, BODY, BODY_B, CONTENT_W, MARGIN_X, SMALL, TITLE};
use super::{amount, ActData, InvoiceData, Party, ReconciliationData};
use crate::domain::documents::{amount_in_words, long_date, ru_date, saldo, Vat};

const LABEL: Style = Style {
    size: 9.0,
    bold: false,
    grey: true,
};

fn ymd(d: jiff::civil::Date) -> (i16, i8, i8) {
    (d.year(), d.month(), d.day())
}

/// «Исполнитель:  ООО «…», ИНН …» — a label column and a wrapped value.
fn labelled(doc: &mut Doc, label: &str, value: &str, bold: bool) {
    let lw = doc.label_w;
    let top = doc.y;
    doc.text_at(MARGIN_X, top, LABEL, label);
    let st = if bold { BODY_B } else { BODY };
    doc.para_in(MARGIN_X + lw, CONTENT_W - lw, st, value, Align::Left);
    doc.gap(4.0);
}

fn title(doc: &mut Doc, text: &str) {
    doc.para(TITLE, text);
    doc.gap(3.0);
    let y = doc.y;
    doc.hline(MARGIN_X, MARGIN_X + CONTENT_W, y, 1.5);
    doc.gap(9.0);
}

/// Right-aligned «label  value» total lines under a table.
fn totals(doc: &mut Doc, rows: &[(&str, String)]) {
    let vw = 90.0;
    for (label, value) in rows {
        doc.need(BODY_B.line_h());
        let top = doc.y;
        doc.text_aligned(
            MARGIN_X,
            CONTENT_W - vw - 8.0,
            top,
            BODY_B,
            label,
            Align::Right,
        );
        doc.text_aligned(
            MARGIN_X + CONTENT_W - vw,
            vw,
            top,
            BODY_B,
            value,
            Align::Right,
        );
        doc.y += BODY_B.line_h();
    }
}

/// Two signature blocks side by side: (heading, title, name) per party.
fn signatures(doc: &mut Doc, left: (&str, &str, &str), right: (&str, &str, &str), stamp: bool) {
    doc.need(96.0);
    doc.gap(14.0);
    let half = CONTENT_W / 2.0;
    let top = doc.y;
    for (i, (head, role, name)) in [left, right].into_iter().enumerate() {
        let x = MARGIN_X + i as f32 * (half + 10.0);
        let w = half - 10.0;
        let mut y = top;
        for l in super::layout::wrap(head, BODY_B, w) {
            doc.text_at(x, y, BODY_B, &l);
            y += BODY_B.line_h();
        }
        y += 4.0;
        for l in super::layout::wrap(role, BODY, w) {
            doc.text_at(x, y, BODY, &l);
            y += BODY.line_h();
        }
        y += 22.0;
        doc.hline(x, x + w * 0.45, y, 0.5);
        let n = if name.is_empty() {
            "/                              /".to_owned()
        } else {
            format!("/ {name} /")
        };
        doc.text_at(x + w * 0.5, y - BODY.size - 1.0, BODY, &n);
        doc.text_at(x, y + 2.0, SMALL, "подпись");
        if stamp {
            doc.text_at(x, y + 16.0, SMALL, "М. П.");
        }
        doc.y = doc.y.max(y + 30.0);
    }
}

fn vat_total_line(vat: Vat, vat_kop: i64) -> (String, String) {
    match vat {
        Vat::None => ("Без налога (НДС):".into(), "—".into()),
        Vat::Rate(r) => (format!("В том числе НДС ({r}%):"), amount(vat_kop)),
    }
}

/// «Акт оказанных услуг» (or УПД) for a month.
pub fn act(a: &ActData) -> Vec<u8> {
    let kind = if a.upd {
        "Универсальный передаточный документ"
    } else {
        "Акт"
    };
    let mut doc = Doc::new(
        &format!("{kind} № {} от {}", a.number, ru_date(a.date)),
        &format!("{} · {kind} № {}", a.executor.name, a.number),
    );
    if a.upd {
        doc.para(
            SMALL,
            "Статус: 2 — передаточный документ (акт). Счёт-фактура не составляется.",
        );
        doc.gap(4.0);
    }
    title(
        &mut doc,
        &format!("{kind} № {} от {}", a.number, long_date(a.date)),
    );
    labelled(&mut doc, "Исполнитель:", &a.executor.line(true), true);
    labelled(&mut doc, "Заказчик:", &a.customer.line(false), true);
    let basis = match a.contract_date {
        Some(d) => format!("Договор № {} от {}", a.contract_number, ru_date(d)),
        None => format!("Договор № {}", a.contract_number),
    };
    labelled(&mut doc, "Основание:", &basis, false);
    labelled(
        &mut doc,
        "Период:",
        &format!("Услуги связи за {}", a.period),
        false,
    );
    doc.gap(4.0);
    let total: i64 = a.lines.iter().map(|l| l.amount_kop).sum();
    let vat_total: i64 = a.lines.iter().map(|l| l.vat_kop).sum();
    let rows: Vec<Vec<String>> = a
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut r = vec![
                (i + 1).to_string(),
                l.name.clone(),
                l.qty.to_string(),
                a.unit.clone(),
                amount(l.price_kop),
            ];
            if a.upd {
                r.push(amount(l.amount_kop - l.vat_kop));
                r.push(a.vat.short());
                r.push(if a.vat == Vat::None {
                    "—".into()
                } else {
                    amount(l.vat_kop)
                });
            }
            r.push(amount(l.amount_kop));
            r
        })
        .collect();
    let c = |w: f32, align| Col { width: w, align };
    if a.upd {
        doc.table(
            &[
                c(4.0, Align::Center),
                c(28.0, Align::Left),
                c(8.0, Align::Right),
                c(6.0, Align::Center),
                c(11.0, Align::Right),
                c(12.0, Align::Right),
                c(8.0, Align::Center),
                c(10.0, Align::Right),
                c(13.0, Align::Right),
            ],
            &[],
            &[
                "№",
                "Наименование услуги",
                "Кол-во",
                "Ед.",
                "Цена, руб.",
                "Стоимость без налога, руб.",
                "Ставка",
                "Сумма налога, руб.",
                "Стоимость с налогом, руб.",
            ],
            &rows,
            &[],
        );
    } else {
        doc.table(
            &[
                c(5.0, Align::Center),
                c(51.0, Align::Left),
                c(8.0, Align::Right),
                c(8.0, Align::Center),
                c(14.0, Align::Right),
                c(14.0, Align::Right),
            ],
            &[],
            &[
                "№",
                "Наименование работ, услуг",
                "Кол-во",
                "Ед.",
                "Цена, руб.",
                "Сумма, руб.",
            ],
            &rows,
            &[],
        );
    }
    doc.gap(6.0);
    let (vl, vv) = vat_total_line(a.vat, vat_total);
    totals(&mut doc, &[("Итого:", amount(total)), (&vl, vv)]);
    doc.gap(8.0);
    let n: i64 = a.lines.len() as i64;
    doc.para(
        BODY,
        &format!("Всего наименований {n}, на сумму {} руб.", amount(total)),
    );
    doc.para(
        BODY_B,
        &format!("Всего оказано услуг на сумму: {}", amount_in_words(total)),
    );
    if let Vat::Rate(r) = a.vat {
        doc.para(
            BODY,
            &format!("в т. ч. НДС ({r}%): {}", amount_in_words(vat_total)),
        );
    }
    doc.gap(8.0);
    doc.para(
        BODY,
        "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объёму, \
         качеству и срокам оказания услуг не имеет.",
    );
    let e = &a.executor;
    signatures(
        &mut doc,
        (
            &format!("ИСПОЛНИТЕЛЬ: {}", e.name),
            &e.signatory_title,
            &e.signatory,
        ),
        (
            &format!("ЗАКАЗЧИК: {}", a.customer.name),
            "Руководитель",
            "",
        ),
        true,
    );
    doc.finish(ymd(a.date))
}

/// The bank block at the top of an invoice: payee's bank, BIC, accounts, INN/KPP, name.
fn bank_block(doc: &mut Doc, p: &Party) {
    let b = p.bank.clone().unwrap_or_default();
    let x0 = MARGIN_X;
    let x1 = MARGIN_X + CONTENT_W * 0.58;
    let x2 = x1 + CONTENT_W * 0.1;
    let x3 = MARGIN_X + CONTENT_W;
    let half = (x1 - x0) / 2.0;
    let top = doc.y;
    let rh = 13.0;
    let h1 = 2.0 * rh + 12.0; // bank name rows
    let h2 = 2.0 * rh + 16.0; // INN/KPP + payee
                              // outer grid
    doc.hline(x0, x3, top, 0.6);
    doc.hline(x0, x1, top + h1, 0.6);
    doc.hline(x1, x3, top + rh + 2.0, 0.6);
    doc.hline(x1, x3, top + h1, 0.6);
    doc.hline(x0, x1, top + h1 + rh + 2.0, 0.6);
    doc.hline(x0, x3, top + h1 + h2, 0.6);
    doc.vline(x0, top, top + h1 + h2, 0.6);
    doc.vline(x1, top, top + h1 + h2, 0.6);
    doc.vline(x2, top, top + h1 + h2, 0.6);
    doc.vline(x3, top, top + h1 + h2, 0.6);
    doc.vline(x0 + half, top + h1, top + h1 + rh + 2.0, 0.6);
    let pad = 3.0;
    let name_lines = super::layout::wrap(&b.name, BODY, x1 - x0 - 2.0 * pad);
    for (i, l) in name_lines.iter().take(2).enumerate() {
        doc.text_at(x0 + pad, top + pad + i as f32 * BODY.line_h(), BODY, l);
    }
    doc.text_at(
        x0 + pad,
        top + h1 - SMALL.line_h() - 1.0,
        SMALL,
        "Банк получателя",
    );
    doc.text_at(x1 + pad, top + pad, BODY, "БИК");
    doc.text_at(x2 + pad, top + pad, BODY, &b.bic);
    doc.text_at(x1 + pad, top + rh + 2.0 + pad, BODY, "Сч. №");
    doc.text_at(x2 + pad, top + rh + 2.0 + pad, BODY, &b.corr_account);
    let y2 = top + h1;
    doc.text_at(x0 + pad, y2 + pad, BODY, &format!("ИНН {}", p.inn));
    doc.text_at(x0 + half + pad, y2 + pad, BODY, &format!("КПП {}", p.kpp));
    doc.text_at(x1 + pad, y2 + pad, BODY, "Сч. №");
    doc.text_at(x2 + pad, y2 + pad, BODY, &b.account);
    let payee = super::layout::wrap(&p.name, BODY, x1 - x0 - 2.0 * pad);
    if let Some(l) = payee.first() {
        doc.text_at(x0 + pad, y2 + rh + 2.0 + pad, BODY, l);
    }
    doc.text_at(
        x0 + pad,
        top + h1 + h2 - SMALL.line_h() - 1.0,
        SMALL,
        "Получатель",
    );
    doc.y = top + h1 + h2 + 14.0;
}

/// «Счёт на оплату» with the bank block, the payment QR and the purpose of payment.
pub fn invoice(v: &InvoiceData) -> Vec<u8> {
    let mut doc = Doc::new(
        &format!("Счёт на оплату № {} от {}", v.number, ru_date(v.date)),
        &format!("{} · Счёт № {}", v.supplier.name, v.number),
    );
    doc.para(
        SMALL,
        "Внимание! Оплата данного счёта означает согласие с условиями договора. Счёт действителен \
         до указанной даты; в назначении платежа обязательно укажите номер счёта.",
    );
    doc.gap(6.0);
    bank_block(&mut doc, &v.supplier);
    doc.label_w = 128.0;
    title(
        &mut doc,
        &format!("Счёт на оплату № {} от {}", v.number, long_date(v.date)),
    );
    labelled(
        &mut doc,
        "Поставщик (исполнитель):",
        &v.supplier.line(false),
        true,
    );
    labelled(
        &mut doc,
        "Покупатель (заказчик):",
        &v.payer.line(false),
        true,
    );
    labelled(
        &mut doc,
        "Основание:",
        &format!("Договор № {}", v.contract_number),
        false,
    );
    doc.gap(4.0);
    let c = |w: f32, align| Col { width: w, align };
    doc.table(
        &[
            c(5.0, Align::Center),
            c(51.0, Align::Left),
            c(8.0, Align::Right),
            c(8.0, Align::Center),
            c(14.0, Align::Right),
            c(14.0, Align::Right),
        ],
        &[],
        &[
            "№",
            "Товары (работы, услуги)",
            "Кол-во",
            "Ед.",
            "Цена, руб.",
            "Сумма, руб.",
        ],
        &[vec![
            "1".into(),
            v.item.clone(),
            "1".into(),
            v.unit.clone(),
            amount(v.amount_kop),
            amount(v.amount_kop),
        ]],
        &[],
    );
    doc.gap(6.0);
    let (vl, vv) = vat_total_line(v.vat, v.vat_kop);
    totals(
        &mut doc,
        &[
            ("Итого:", amount(v.amount_kop)),
            (&vl, vv),
            ("Всего к оплате:", amount(v.amount_kop)),
        ],
    );
    doc.gap(8.0);
    doc.para(
        BODY,
        &format!(
            "Всего наименований 1, на сумму {} руб.",
            amount(v.amount_kop)
        ),
    );
    doc.para(BODY_B, &amount_in_words(v.amount_kop));
    doc.gap(6.0);
    labelled(&mut doc, "Назначение платежа:", &v.purpose, false);
    labelled(
        &mut doc,
        "Счёт действителен до:",
        &ru_date(v.valid_until),
        false,
    );
    // the payment QR with its caption
    let qs = 118.0;
    doc.need(qs + 12.0);
    doc.gap(4.0);
    let top = doc.y;
    doc.qr(MARGIN_X, top, qs, &v.qr_payload);
    let tx = MARGIN_X + qs + 14.0;
    let tw = CONTENT_W - qs - 14.0;
    doc.y = top + 6.0;
    doc.para_in(tx, tw, BODY_B, "Оплата по QR-коду", Align::Left);
    doc.gap(2.0);
    doc.para_in(
        tx,
        tw,
        BODY,
        "Отсканируйте код в приложении своего банка (раздел «Оплата по QR» или «Платёж по \
         реквизитам»): получатель, счёт, сумма и назначение платежа заполнятся сами \
         (ГОСТ Р 56042-2014).",
        Align::Left,
    );
    doc.y = doc.y.max(top + qs + 6.0);
    let s = &v.supplier;
    signatures(
        &mut doc,
        ("Руководитель", &s.signatory_title, &s.signatory),
        ("Главный бухгалтер", "", &s.accountant),
        true,
    );
    doc.finish(ymd(v.date))
}

/// «Акт сверки взаимных расчётов»: both parties' columns, the operator's filled in from the
/// ledger; the company's left for its accountant.
pub fn reconciliation(r: &ReconciliationData) -> Vec<u8> {
    let rc = &r.recon;
    let period = format!("{} — {}", ru_date(rc.from), ru_date(rc.to));
    let mut doc = Doc::new(
        &format!("Акт сверки № {} за период {period}", r.number),
        &format!("{} · Акт сверки № {}", r.operator.name, r.number),
    );
    doc.para_in(
        MARGIN_X,
        CONTENT_W,
        TITLE,
        &format!("Акт сверки взаимных расчётов № {}", r.number),
        Align::Center,
    );
    doc.para_in(
        MARGIN_X,
        CONTENT_W,
        BODY,
        &format!("за период: {period}"),
        Align::Center,
    );
    doc.para_in(
        MARGIN_X,
        CONTENT_W,
        BODY,
        &format!(
            "между {} и {} по договору № {}",
            r.operator.name, r.company.name, r.contract_number
        ),
        Align::Center,
    );
    doc.gap(8.0);
    doc.para(
        BODY,
        &format!(
            "Мы, нижеподписавшиеся, {} {} ({}), с одной стороны, и {}, с другой стороны, \
             составили настоящий акт сверки в том, что состояние взаимных расчётов по данным \
             учёта следующее:",
            r.operator.signatory_title.to_lowercase(),
            r.operator.name,
            r.operator.signatory,
            r.company.name
        ),
    );
    doc.gap(6.0);
    let c = |w: f32, align| Col { width: w, align };
    let cols = [
        c(10.5, Align::Center),
        c(24.0, Align::Left),
        c(11.0, Align::Right),
        c(11.0, Align::Right),
        c(10.5, Align::Center),
        c(11.0, Align::Left),
        c(11.0, Align::Right),
        c(11.0, Align::Right),
    ];
    doc.body_size = 8.0;
    let money = |k: i64| if k == 0 { String::new() } else { amount(k) };
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(rc.rows.len() + 3);
    let (od, oc) = saldo(rc.opening_kop);
    rows.push(vec![
        String::new(),
        "Сальдо начальное".into(),
        money(od),
        money(oc),
        String::new(),
        "Сальдо начальное".into(),
        String::new(),
        String::new(),
    ]);
    for row in &rc.rows {
        rows.push(vec![
            ru_date(row.date),
            row.document.clone(),
            money(row.debit_kop),
            money(row.credit_kop),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    let turn = rows.len();
    rows.push(vec![
        String::new(),
        "Обороты за период".into(),
        amount(rc.debit_kop),
        amount(rc.credit_kop),
        String::new(),
        "Обороты за период".into(),
        String::new(),
        String::new(),
    ]);
    let (cd, cc) = saldo(rc.closing_kop);
    rows.push(vec![
        String::new(),
        "Сальдо конечное".into(),
        money(cd),
        money(cc),
        String::new(),
        "Сальдо конечное".into(),
        String::new(),
        String::new(),
    ]);
    let ours = format!("По данным {}, руб.", r.operator.name);
    let theirs = format!("По данным {}, руб.", r.company.name);
    doc.table(
        &cols,
        &[(4, &ours), (4, &theirs)],
        &[
            "Дата",
            "Документ",
            "Дебет",
            "Кредит",
            "Дата",
            "Документ",
            "Дебет",
            "Кредит",
        ],
        &rows,
        &[0, turn, turn + 1],
    );
    doc.gap(10.0);
    doc.para(BODY_B, &format!("По данным {}:", r.operator.name));
    doc.para(
        BODY,
        &crate::domain::documents::owes_text(
            rc.closing_kop,
            &r.operator.name,
            &r.company.name,
            rc.to,
            "руб.",
        ),
    );
    let o = &r.operator;
    signatures(
        &mut doc,
        (&format!("От {}", o.name), &o.signatory_title, &o.signatory),
        (&format!("От {}", r.company.name), "Руководитель", ""),
        true,
    );
    doc.finish(ymd(r.date))
}
