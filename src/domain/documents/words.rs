//! Amounts in words, as the totals of Russian accounting documents spell them.

const ONES_M: [&str; 10] = [
    "",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
];
const ONES_F: [&str; 10] = [
    "",
    "одна",
    "две",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
];
const TEENS: [&str; 10] = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
];
const TENS: [&str; 10] = [
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
];
const HUNDREDS: [&str; 10] = [
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
];

/// «1 рубль», «2 рубля», «5 рублей»: the form for `n`.
pub fn plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (d10, d100) = (n % 10, n % 100);
    if (11..=14).contains(&d100) {
        many
    } else if d10 == 1 {
        one
    } else if (2..=4).contains(&d10) {
        few
    } else {
        many
    }
}

pub(super) fn triple(n: u64, feminine: bool, out: &mut Vec<&'static str>) {
    let (h, t, o) = (n / 100, (n / 10) % 10, n % 10);
    if h > 0 {
        out.push(HUNDREDS[h as usize]);
    }
    if t == 1 {
        out.push(TEENS[o as usize]);
        return;
    }
    if t > 1 {
        out.push(TENS[t as usize]);
    }
    if o > 0 {
        out.push(if feminine { ONES_F } else { ONES_M }[o as usize]);
    }
}

/// A whole number in Russian words, masculine (`1 001` → «одна тысяча один»).
pub fn number_in_words(n: u64) -> String {
    if n == 0 {
        return "ноль".into();
    }
    // (scale, feminine, forms)
    const SCALES: [(u64, bool, [&str; 3]); 4] = [
        (
            1_000_000_000_000,
            false,
            ["триллион", "триллиона", "триллионов"],
        ),
        (
            1_000_000_000,
            false,
            ["миллиард", "миллиарда", "миллиардов"],
        ),
        (1_000_000, false, ["миллион", "миллиона", "миллионов"]),
        (1_000, true, ["тысяча", "тысячи", "тысяч"]),
    ];
    let mut words: Vec<&'static str> = Vec::new();
    let mut rest = n;
    for (scale, fem, forms) in SCALES {
        let k = rest / scale;
        rest %= scale;
        if k == 0 {
            continue;
        }
        if k >= 1000 {
            // beyond trillions: not money we print
            return n.to_string();
        }
        triple(k, fem, &mut words);
        words.push(plural(k, forms[0], forms[1], forms[2]));
    }
    triple(rest, false, &mut words);
    words.join(" ")
}

/// «Одна тысяча двести рублей 00 копеек» (rouble is masculine, the first letter capital).
pub fn amount_in_words(kop: i64) -> String {
    let neg = kop < 0;
    let abs = kop.unsigned_abs();
    let (rub, k) = (abs / 100, abs % 100);
    let words = number_in_words(rub);
    let mut s = String::new();
    if neg {
        s.push_str("минус ");
    }
    s.push_str(&words);
    let mut s = capitalize(&s);
    s.push(' ');
    s.push_str(plural(rub, "рубль", "рубля", "рублей"));
    s.push_str(&format!(" {k:02} "));
    s.push_str(plural(k, "копейка", "копейки", "копеек"));
    s
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
