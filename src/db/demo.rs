//! The demo data set: reproduces the screens of the operator's user guide.
//! Seeded only into a new database, and never with `--no-demo`.
use jiff::tz::TimeZone;
use rand::{distr::Alphanumeric, Rng};
use rusqlite::{params, Connection};

pub use crate::domain::demo::{PASSWORD, PHONES};
use crate::domain::time::local;

pub const MAIN_CONTRACT: &str = "72845736UL";
pub const STAFF_LOGIN: &str = "operator";
pub const ADMIN_LOGIN: &str = "admin";

fn referral_code() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect::<String>()
        .to_lowercase()
}

/// Seeds everything in one transaction. `password_hash` is the argon2 hash of [`PASSWORD`].
pub fn seed(
    c: &mut Connection,
    tz: &TimeZone,
    now: i64,
    password_hash: &str,
) -> rusqlite::Result<()> {
    let tx = super::begin_write(c)?;
    let t = |y, mo, d, h, mi| local(tz, y, mo, d, h, mi, 0);

    tx.execute("INSERT INTO organizations(id, name, inn) VALUES (1, 'ИП Служебный для теста госсектора', '027400000001')", [])?;
    tx.execute("INSERT INTO organizations(id, name, inn) VALUES (2, 'ООО «Уфимский хлебозавод №3»', '0274000002')", [])?;
    tx.execute(
        "INSERT INTO organizations(id, name, inn) VALUES (3, 'ИП Закиров Р. Ф.', '027400000003')",
        [],
    )?;

    let contracts: [(i64, &str, &str, i64, &str, i64, &str); 4] = [
        (
            1,
            MAIN_CONTRACT,
            "business",
            1,
            "г. Уфа, пр-т Октября, д. 4, офис 12",
            120_000,
            "active",
        ),
        (
            2,
            "78101424UL",
            "business",
            2,
            "г. Уфа, ул. Менделеева, д. 137, пом. 3",
            250_000,
            "active",
        ),
        (
            3,
            "72718289UL",
            "business",
            1,
            "г. Уфа, ул. Ленина, д. 26, склад",
            60_000,
            "active",
        ),
        (
            4,
            "76095454RK",
            "home",
            3,
            "г. Уфа, ул. Комсомольская, д. 15, кв. 48",
            45_000,
            "suspended",
        ),
    ];
    for (id, number, segment, org, address, recommended, status) in contracts {
        tx.execute(
            "INSERT INTO contracts(id, number, segment, organization_id, address, password_hash, status,
                recommended_payment_kop, referral_code, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![id, number, segment, org, address, password_hash, status, recommended, referral_code(), t(2021, 3, 1, 10, 0)],
        )?;
    }

    // Balance history of the main contract (the guide's December and November 2022).
    let entries: [(&str, &str, i64, i64); 9] = [
        (
            "payment",
            "Пополнение баланса",
            800,
            t(2022, 10, 14, 11, 20),
        ),
        ("payment", "Пополнение баланса", 100, t(2022, 11, 29, 9, 15)),
        ("payment", "Пополнение баланса", 100, t(2022, 11, 29, 9, 16)),
        ("payment", "Пополнение баланса", 100, t(2022, 11, 30, 10, 2)),
        ("payment", "Пополнение баланса", 100, t(2022, 11, 30, 10, 3)),
        ("payment", "Пополнение баланса", 100, t(2022, 12, 1, 12, 40)),
        ("payment", "Пополнение баланса", 100, t(2022, 12, 1, 12, 41)),
        ("offset", "Взаимозачеты", -1200, t(2022, 12, 29, 18, 0)),
        ("offset", "Взаимозачеты", -200, t(2022, 12, 29, 18, 1)),
    ];
    let mut balance = 0i64;
    for (i, (kind, desc, amount, at)) in entries.iter().enumerate() {
        balance += amount;
        tx.execute(
            "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?5)",
            params![kind, desc, amount, balance, at, format!("demo:{i}")],
        )?;
    }
    tx.execute(
        "UPDATE contracts SET balance_kop = ?1 WHERE id = 1",
        [balance],
    )?;
    for (cid, amount) in [(2i64, 310_000i64), (3, -1_500), (4, 0)] {
        tx.execute(
            "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
             VALUES (?1, 'payment', 'Пополнение баланса', ?2, ?2, ?3, ?4, ?3)",
            params![cid, amount, t(2022, 12, 5, 10, 0), format!("demo:c{cid}")],
        )?;
        tx.execute(
            "UPDATE contracts SET balance_kop = ?2 WHERE id = ?1",
            params![cid, amount],
        )?;
    }

    super::demo_services::seed_services(&tx)?;

    super::demo_requests::seed_requests(&tx, &t)?;

    // Referral bonus: 15 180 ₽.
    for (amount, desc, at) in [
        (
            506_000i64,
            "Бонус за подключение ООО «Альфа-Строй»",
            t(2022, 10, 31, 12, 0),
        ),
        (
            506_000,
            "Бонус за подключение ИП Гарипов",
            t(2022, 11, 30, 12, 0),
        ),
        (
            506_000,
            "Бонус за подключение ООО «Техносервис»",
            t(2022, 12, 30, 12, 0),
        ),
    ] {
        tx.execute(
            "INSERT INTO referral_accruals(contract_id, amount_kop, description, created_at) VALUES (1, ?1, ?2, ?3)",
            params![amount, desc, at],
        )?;
    }

    // Accounts: the main contract's own account with its linked contracts and notes.
    tx.execute(
        "INSERT INTO accounts(id, kind, contract_id, current_contract_id, created_at) VALUES (1, 'contract', 1, 1, ?1)",
        [t(2021, 3, 1, 10, 0)],
    )?;
    for (cid, note, at) in [
        (1i64, "", t(2021, 3, 1, 10, 0)),
        (2, "", t(2022, 1, 10, 9, 0)),
        (3, "тест 1", t(2022, 2, 11, 9, 0)),
        (4, "", t(2022, 3, 12, 9, 0)),
    ] {
        tx.execute(
            "INSERT INTO account_contracts(account_id, contract_id, note, added_at) VALUES (1, ?1, ?2, ?3)",
            params![cid, note, at],
        )?;
    }
    // Phone accounts that also added the main contract.
    for (i, phone) in PHONES.iter().enumerate() {
        let id = 10 + i as i64;
        tx.execute(
            "INSERT INTO accounts(id, kind, phone, current_contract_id, created_at) VALUES (?1, 'phone', ?2, 1, ?3)",
            params![id, phone, t(2022, 6, 1, 9, 0)],
        )?;
        tx.execute(
            "INSERT INTO account_contracts(account_id, contract_id, note, added_at) VALUES (?1, 1, '', ?2)",
            params![id, t(2022, 6, 1, 9, 0)],
        )?;
    }
    // The first demo phone also holds another contract, so a phone login sees several.
    tx.execute(
        "INSERT INTO account_contracts(account_id, contract_id, note, added_at) VALUES (10, 3, 'склад', ?1)",
        [t(2022, 6, 2, 9, 0)],
    )?;
    // A second device of the main account (its token is random and unknown).
    let mut token = [0u8; 32];
    rand::rng().fill(&mut token);
    tx.execute(
        "INSERT INTO sessions(token_hash, account_id, user_agent, ip, created_at, last_seen_at)
         VALUES (?1, 1, ?2, '92.50.141.12', ?3, ?4)",
        params![
            crate::domain::token::token_hash(&hex::encode(token)),
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110.0.0.0 Safari/537.36",
            now - 5 * 86_400,
            now - 3 * 3_600
        ],
    )?;

    // Staff.
    for (login, name, role) in [
        (STAFF_LOGIN, "Оператор Демо", "operator"),
        (ADMIN_LOGIN, "Администратор Демо", "admin"),
    ] {
        tx.execute(
            "INSERT INTO staff(login, name, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![login, name, password_hash, role, now],
        )?;
    }

    // Staff comments on the demo requests come from the demo operator.
    tx.execute(
        "UPDATE request_events SET staff_id = (SELECT id FROM staff WHERE login = ?1) WHERE comment <> ''",
        [STAFF_LOGIN],
    )?;

    // Coverage for the self-connect wizard.
    for (street, house) in [
        ("пр-т Октября", "4"),
        ("пр-т Октября", "6"),
        ("пр-т Октября", "10"),
        ("ул. Ленина", "26"),
        ("ул. Менделеева", "137"),
        ("ул. Комсомольская", "15"),
    ] {
        tx.execute(
            "INSERT INTO coverage(city, street, house) VALUES ('Уфа', ?1, ?2)",
            params![street, house],
        )?;
    }

    // Stories (issue 7): images are embedded assets under assets/stories/.
    let stories: [(&str, &str, &str); 5] = [
        (
            "Интернет до 500 Мбит/с",
            "Тариф «Бизнес 500»: безлимитный интернет на скорости до 500 Мбит/с и приоритетная поддержка. Сменить тариф можно в разделе «Действия с договором» — без визита в офис.",
            "stories/speed.svg",
        ),
        (
            "Статический IP",
            "Выделенный IPv4-адрес для удалённого доступа, видеонаблюдения и 1С. Подключается за один рабочий день: «Действия с договором» → «Статический IP (Подключить)».",
            "stories/static-ip.svg",
        ),
        (
            "Приглашайте партнёров",
            "Поделитесь персональной ссылкой из блока «Баланс» — за каждого подключившегося клиента мы перечислим бонус на Ваш расчетный счет.",
            "stories/referral.svg",
        ),
        (
            "Автоплатеж",
            "Подключите автоплатеж, и услуги не отключатся в самый неподходящий момент: при нехватке средств оплата пройдет автоматически.",
            "stories/autopay.svg",
        ),
        (
            "ТВ для офиса и кафе",
            "Пакет «ТВ Офис Плюс»: 210 каналов, из них 60 в HD. Одна приставка на каждый экран, настройка мастером бесплатно.",
            "stories/tv.svg",
        ),
    ];
    for (i, (title, body, image)) in stories.iter().enumerate() {
        tx.execute(
            "INSERT INTO stories(title, body, image_path, sort_order, published, publish_from, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?5)",
            params![title, body, image, i as i64, now - 86_400],
        )?;
    }
    // Clients invited by the main contract («Мои приглашения»).
    for (name, address, phone, status, at) in [
        (
            "ООО «Альфа-Строй»",
            "г. Уфа, ул. Ленина, д. 26",
            "79170000101",
            "done",
            t(2022, 10, 3, 10, 0),
        ),
        (
            "ИП Гарипов",
            "г. Уфа, пр-т Октября, д. 6",
            "79170000102",
            "done",
            t(2022, 11, 8, 15, 30),
        ),
        (
            "ООО «Техносервис»",
            "г. Уфа, ул. Менделеева, д. 137",
            "79170000103",
            "done",
            t(2022, 12, 2, 11, 15),
        ),
        (
            "ООО «Башкирский мёд»",
            "г. Уфа, пр-т Октября, д. 10",
            "79170000104",
            "in_progress",
            t(2022, 12, 20, 9, 40),
        ),
    ] {
        tx.execute(
            "INSERT INTO applications(kind, address, name, phone, referrer_contract_id, consent_version, consent_at,
                status, created_at, updated_at)
             VALUES ('specialist', ?1, ?2, ?3, 1, 'demo', ?5, ?4, ?5, ?5)",
            params![address, name, phone, status, at],
        )?;
    }

    super::set_setting(&tx, "demo", "1")?;
    tx.commit()
}
