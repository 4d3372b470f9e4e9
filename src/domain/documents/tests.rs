use super::*;
use jiff::civil::date;

#[test]
fn amounts_in_words_as_accountants_write_them() {
    assert_eq!(
        amount_in_words(120_000),
        "Одна тысяча двести рублей 00 копеек"
    );
    assert_eq!(amount_in_words(101), "Один рубль 01 копейка");
    assert_eq!(amount_in_words(222), "Два рубля 22 копейки");
    assert_eq!(amount_in_words(0), "Ноль рублей 00 копеек");
    assert_eq!(amount_in_words(1_100), "Одиннадцать рублей 00 копеек");
    assert_eq!(
        amount_in_words(214_500_000),
        "Два миллиона сто сорок пять тысяч рублей 00 копеек"
    );
    assert_eq!(
        amount_in_words(1_518_000),
        "Пятнадцать тысяч сто восемьдесят рублей 00 копеек"
    );
    assert_eq!(
        amount_in_words(2_002_012),
        "Двадцать тысяч двадцать рублей 12 копеек"
    );
    assert_eq!(number_in_words(1_001), "одна тысяча один");
    assert_eq!(number_in_words(2_000_000_001), "два миллиарда один");
}

#[test]
fn vat_inside_gross_rounds_to_kopecks() {
    assert_eq!(Vat::Rate(20).of_gross(120_000), 20_000);
    assert_eq!(Vat::Rate(20).of_gross(100), 17);
    assert_eq!(Vat::None.of_gross(120_000), 0);
    assert_eq!(Vat::parse("none"), Some(Vat::None));
    assert_eq!(Vat::parse("20"), Some(Vat::Rate(20)));
    assert_eq!(Vat::parse("200"), None);
}

#[test]
fn numbers_are_fixed_width_per_series() {
    assert_eq!(number(DocKind::Invoice, 2026, 12), "С-2026-00012");
    assert_eq!(number(DocKind::Act, 2022, 1), "А-2022-00001");
    assert_eq!(
        file_name_ascii(DocKind::Invoice, "С-2026-00012"),
        "schet-S-2026-00012.pdf"
    );
    assert_eq!(
        file_name(DocKind::Act, "А-2022-00001"),
        "Акт оказанных услуг А-2022-00001.pdf"
    );
}

#[test]
fn gost_payload_has_the_fields_in_order() {
    let p = QrPayment {
        name: "ООО «Демо|Телеком»",
        personal_acc: "40702810900000000001",
        bank_name: "ПАО Банк",
        bic: "048073601",
        corresp_acc: "30101810300000000601",
        payee_inn: "0274000000",
        kpp: "027401001",
        sum_kop: 120_000,
        purpose: "Оплата по счёту № С-2026-00001",
    };
    assert_eq!(
        qr_payload(&p),
        "ST00012|Name=ООО «Демо Телеком»|PersonalAcc=40702810900000000001|BankName=ПАО Банк|BIC=048073601|CorrespAcc=30101810300000000601|PayeeINN=0274000000|KPP=027401001|Sum=120000|Purpose=Оплата по счёту № С-2026-00001"
    );
}

#[test]
fn act_lines_group_equal_charges() {
    let l = lines_from_charges(
        &[
            ("Интернет".into(), -100_000),
            ("IP".into(), -20_000),
            ("Интернет".into(), -100_000),
            ("Возврат".into(), 500),
        ],
        Vat::Rate(20),
    );
    assert_eq!(l.len(), 2);
    assert_eq!(
        (l[0].qty, l[0].amount_kop, l[0].vat_kop),
        (2, 200_000, 33_333)
    );
}

#[test]
fn periods_refuse_nonsense() {
    let today = date(2026, 12, 3);
    assert_eq!(
        period("year:2022", "", "", today),
        Ok((date(2022, 1, 1), date(2022, 12, 31)))
    );
    assert_eq!(
        period("q:2022-4", "", "", today),
        Ok((date(2022, 10, 1), date(2022, 12, 31)))
    );
    assert_eq!(
        period("", "01.02.2022", "01.01.2022", today)
            .unwrap_err()
            .field,
        "to"
    );
    assert_eq!(
        period("", "01.01.2000", "01.01.2020", today)
            .unwrap_err()
            .field,
        "to"
    );
    assert_eq!(
        period("", "01.01.2027", "01.02.2027", today)
            .unwrap_err()
            .field,
        "from"
    );
    assert_eq!(
        period("", "2026-01-01", "2027-01-01", today),
        Ok((date(2026, 1, 1), today))
    );
}

#[test]
fn reconciliation_closes_like_the_ledger() {
    let r = Reconciliation::build(
        date(2022, 1, 1),
        date(2022, 12, 31),
        1_200,
        vec![
            (date(2022, 11, 1), "a".into(), -1_000),
            (date(2022, 12, 1), "b".into(), 100),
        ],
    );
    assert_eq!(
        (r.debit_kop, r.credit_kop, r.closing_kop),
        (1_000, 100, 300)
    );
    assert_eq!(saldo(-5), (5, 0));
}

#[test]
fn generated_series_numbers_are_recognised_with_look_alikes() {
    for n in [
        "С-2026-00007",
        "C-2026-00007",
        " с-2026-7 ",
        "АС-2026-00012",
        "AC-2026-00012",
        "А-2022-00002",
        "У-2026-00001",
        "Y-2026-00001",
        "Д-2026-00003",
    ] {
        assert!(in_generated_series(n), "{n}");
    }
    for n in [
        "1С-000123",
        "С-26-00007",
        "С-2026-00007-1",
        "СЧ-2026-00007",
        "С-2026-",
        "ТК-2026-00001",
        "X-1",
    ] {
        assert!(!in_generated_series(n), "{n}");
    }
}
