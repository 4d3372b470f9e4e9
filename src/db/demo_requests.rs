//! Demo data: the guide's active requests with their fields and status history.
use rusqlite::{params, Connection};

pub(super) fn seed_requests(
    tx: &Connection,
    t: &dyn Fn(i16, i8, i8, i8, i8) -> i64,
) -> rusqlite::Result<()> {
    // The guide's active requests, with their fields and status history. The tariff changes
    // are closed, so a new «Смена тарифа» can be filed on the demo contract.
    type Step<'a> = (&'a str, &'a str, i64);
    let phone = r#""phone":"+73472000012""#;
    let email = r#""email":"buh@sluzhebny.ru""#;
    let requests: [(&str, &str, i64, String, Vec<Step>); 6] = [
        (
            "contract_copy",
            "Выдача копии договора",
            t(2022, 9, 19, 14, 5),
            format!(r#"{{"delivery":"office",{phone},{email}}}"#),
            vec![(
                "in_progress",
                "Копия готовится. Заберите её в офисе на пр-те Октября, 4 после 23.09.22.",
                t(2022, 9, 20, 10, 0),
            )],
        ),
        (
            "call_details",
            "Детализация вызовов",
            t(2022, 9, 9, 11, 30),
            format!(r#"{{"period_from":"2022-08-01","period_to":"2022-08-31",{email}}}"#),
            vec![],
        ),
        (
            "tariff_change",
            "Смена тарифа",
            t(2022, 9, 9, 11, 10),
            format!(
                r#"{{"tariff":"2","call_date":"2022-09-12",{phone},{email},"from_date":"2022-10-01"}}"#
            ),
            vec![
                (
                    "in_progress",
                    "Позвоним 12.09.22 для уточнения деталей.",
                    t(2022, 9, 9, 15, 0),
                ),
                (
                    "rejected",
                    "После звонка клиент решил остаться на текущем тарифе.",
                    t(2022, 9, 12, 12, 30),
                ),
            ],
        ),
        (
            "call_details",
            "Детализация вызовов",
            t(2022, 8, 31, 16, 45),
            format!(r#"{{"period_from":"2022-07-01","period_to":"2022-07-31",{email}}}"#),
            vec![(
                "done",
                "Детализация отправлена на buh@sluzhebny.ru.",
                t(2022, 9, 1, 9, 40),
            )],
        ),
        (
            "tariff_change",
            "Смена тарифа",
            t(2022, 8, 31, 16, 20),
            format!(
                r#"{{"tariff":"3","call_date":"2022-09-01",{phone},{email},"from_date":"2022-09-15"}}"#
            ),
            vec![(
                "rejected",
                "Дубликат заявки от 24.08.22.",
                t(2022, 9, 1, 9, 30),
            )],
        ),
        (
            "tariff_change",
            "Смена тарифа",
            t(2022, 8, 24, 10, 0),
            format!(
                r#"{{"tariff":"3","call_date":"2022-08-25",{phone},{email},"from_date":"2022-09-01"}}"#
            ),
            vec![
                (
                    "in_progress",
                    "Проверяем техническую возможность по адресу.",
                    t(2022, 8, 24, 13, 0),
                ),
                (
                    "rejected",
                    "Тариф «Бизнес 500» по этому адресу пока недоступен.",
                    t(2022, 8, 26, 11, 0),
                ),
            ],
        ),
    ];
    for (kind, title, at, fields, steps) in requests {
        let status = steps.last().map_or("new", |s| s.0);
        let updated = steps.last().map_or(at, |s| s.2);
        tx.execute(
            "INSERT INTO requests(contract_id, account_id, kind, title, status, fields_json, created_at, updated_at)
             VALUES (1, NULL, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![kind, title, status, fields, at, updated],
        )?;
        let rid = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO request_events(request_id, status, comment, created_at) VALUES (?1, 'new', '', ?2)",
            params![rid, at],
        )?;
        for (st, comment, when) in steps {
            tx.execute(
                "INSERT INTO request_events(request_id, status, comment, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![rid, st, comment, when],
            )?;
        }
    }

    Ok(())
}
