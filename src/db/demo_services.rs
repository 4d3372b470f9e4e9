//! Demo data: the operator's tariffs and the demo contracts' services with their details.
use rusqlite::{params, Connection};

pub(super) fn seed_services(tx: &Connection) -> rusqlite::Result<()> {
    // Tariffs and services.
    let tariffs: [(i64, &str, &str, i64, &str); 7] = [
        (1, "internet", "Бизнес 100", 90_000, "100 Мбит/с, безлимит"),
        (
            2,
            "internet",
            "Бизнес 300",
            150_000,
            "300 Мбит/с, безлимит, статический IP со скидкой",
        ),
        (
            3,
            "internet",
            "Бизнес 500",
            220_000,
            "500 Мбит/с, безлимит, приоритетная поддержка",
        ),
        (4, "tv", "ТВ Офис", 30_000, "120 каналов"),
        (5, "tv", "ТВ Офис Плюс", 55_000, "210 каналов, HD"),
        (6, "phone", "Телефония Базовый", 25_000, "1 городской номер"),
        (
            7,
            "other",
            "Статический IP",
            15_000,
            "Выделенный IPv4-адрес",
        ),
    ];
    for (id, kind, name, price, desc) in tariffs {
        tx.execute(
            "INSERT INTO tariffs(id, kind, name, price_kop, description) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, kind, name, price, desc],
        )?;
    }
    #[allow(clippy::type_complexity)]
    let services: [(
        i64,
        i64,
        &str,
        &str,
        Option<i64>,
        &str,
        i64,
        &str,
        Option<&str>,
    ); 6] = [
        (
            1,
            1,
            "internet",
            "Интернет",
            Some(1),
            "Бизнес 100",
            90_000,
            "active",
            Some("2026-12-31"),
        ),
        (
            2,
            1,
            "tv",
            "Телевидение",
            Some(4),
            "ТВ Офис",
            30_000,
            "active",
            Some("2026-12-31"),
        ),
        (
            3,
            1,
            "phone",
            "Телефония",
            Some(6),
            "Телефония Базовый",
            25_000,
            "suspended",
            None,
        ),
        (
            4,
            2,
            "internet",
            "Интернет",
            Some(2),
            "Бизнес 300",
            150_000,
            "active",
            Some("2026-12-31"),
        ),
        (
            5,
            3,
            "internet",
            "Интернет",
            Some(1),
            "Бизнес 100",
            90_000,
            "blocked_debt",
            Some("2026-11-01"),
        ),
        (
            6,
            4,
            "internet",
            "Интернет",
            Some(1),
            "Бизнес 100",
            90_000,
            "suspended",
            None,
        ),
    ];
    for (i, (id, cid, kind, name, tariff, tname, price, status, paid)) in
        services.iter().enumerate()
    {
        tx.execute(
            "INSERT INTO services(id, contract_id, kind, name, tariff_id, tariff_name, price_kop, status, paid_until, sort_order)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![id, cid, kind, name, tariff, tname, price, status, paid, i as i64],
        )?;
    }
    tx.execute("INSERT INTO internet_details(service_id, speed_mbps, static_ip, equipment) VALUES (1, 100, NULL, 'Роутер Keenetic Giga (аренда)')", [])?;
    tx.execute("INSERT INTO internet_details(service_id, speed_mbps, static_ip, equipment) VALUES (4, 300, '92.50.150.17', 'Собственное оборудование')", [])?;
    tx.execute("INSERT INTO internet_details(service_id, speed_mbps, static_ip, equipment) VALUES (5, 100, NULL, '')", [])?;
    tx.execute("INSERT INTO internet_details(service_id, speed_mbps, static_ip, equipment) VALUES (6, 100, NULL, '')", [])?;
    tx.execute("INSERT INTO tv_details(service_id, channel_package, channel_count) VALUES (2, 'Базовый офисный', 120)", [])?;
    tx.execute("INSERT INTO service_devices(service_id, kind, model, serial) VALUES (2, 'set-top box', 'Приставка UTV-4K', 'UT4K0012873')", [])?;
    tx.execute("INSERT INTO service_devices(service_id, kind, model, serial) VALUES (2, 'set-top box', 'Приставка UTV-4K', 'UT4K0012874')", [])?;
    tx.execute(
        "INSERT INTO phone_numbers(service_id, number) VALUES (3, '+7 347 200-00-12')",
        [],
    )?;
    Ok(())
}
