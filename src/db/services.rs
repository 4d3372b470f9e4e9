//! «Подключенные услуги»: services of a contract and their structured details.
use rusqlite::{Connection, OptionalExtension, Row};

use crate::domain::actions::ContractState;
pub use crate::domain::services::{Dashboard, Details, Device, Service, ServiceDetail, Tariff};

const COLS: &str =
    "s.id, s.kind, s.name, s.tariff_name, s.price_kop, s.period, s.status, s.paid_until";

fn from_row(r: &Row) -> rusqlite::Result<Service> {
    Ok(Service {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        tariff_name: r.get(3)?,
        price_kop: r.get(4)?,
        period: r.get(5)?,
        status: r.get(6)?,
        paid_until: r.get(7)?,
    })
}

pub fn list(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<Service>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLS} FROM services s WHERE s.contract_id = ?1 ORDER BY s.sort_order, s.id"
    ))?;
    let rows = st.query_map([contract_id], from_row)?;
    rows.collect()
}

/// One service of the contract with its details; None when it is not this contract's.
pub fn detail(
    c: &Connection,
    contract_id: i64,
    id: i64,
) -> rusqlite::Result<Option<ServiceDetail>> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {COLS}, COALESCE(t.description, '') FROM services s
             LEFT JOIN tariffs t ON t.id = s.tariff_id
             WHERE s.id = ?1 AND s.contract_id = ?2"
        ))?
        .query_row([id, contract_id], |r| {
            Ok((from_row(r)?, r.get::<_, String>(8)?))
        })
        .optional()?;
    let Some((service, tariff_description)) = found else {
        return Ok(None);
    };
    let details = match service.kind.as_str() {
        "internet" => c
            .prepare_cached(
                "SELECT speed_mbps, static_ip, equipment FROM internet_details WHERE service_id = ?1",
            )?
            .query_row([id], |r| {
                Ok(Details::Internet {
                    speed_mbps: r.get(0)?,
                    static_ip: r.get(1)?,
                    equipment: r.get(2)?,
                })
            })
            .optional()?
            .unwrap_or(Details::None),
        "tv" => c
            .prepare_cached(
                "SELECT channel_package, channel_count FROM tv_details WHERE service_id = ?1",
            )?
            .query_row([id], |r| {
                Ok(Details::Tv {
                    channel_package: r.get(0)?,
                    channel_count: r.get(1)?,
                })
            })
            .optional()?
            .unwrap_or(Details::None),
        "phone" => {
            let mut st = c.prepare_cached(
                "SELECT number FROM phone_numbers WHERE service_id = ?1 ORDER BY id",
            )?;
            let numbers = st
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Details::Phone { numbers }
        }
        _ => Details::None,
    };
    let mut st = c.prepare_cached(
        "SELECT kind, model, serial FROM service_devices WHERE service_id = ?1 ORDER BY id",
    )?;
    let devices = st
        .query_map([id], |r| {
            Ok(Device {
                kind: r.get(0)?,
                model: r.get(1)?,
                serial: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(ServiceDetail {
        service,
        tariff_description,
        details,
        devices,
    }))
}

/// What the availability of contract actions depends on.
pub fn contract_state(c: &Connection, contract_id: i64) -> rusqlite::Result<ContractState> {
    c.prepare_cached(
        "SELECT c.status,
                EXISTS (SELECT 1 FROM services s WHERE s.contract_id = c.id AND s.kind = 'internet'),
                EXISTS (SELECT 1 FROM services s JOIN internet_details d ON d.service_id = s.id
                        WHERE s.contract_id = c.id AND d.static_ip IS NOT NULL)
         FROM contracts c WHERE c.id = ?1",
    )?
    .query_row([contract_id], |r| {
        Ok(ContractState {
            status: r.get(0)?,
            has_internet: r.get(1)?,
            has_static_ip: r.get(2)?,
        })
    })
    .optional()
    .map(Option::unwrap_or_default)
}

/// Active tariffs of the contract's segment it may switch to (not the ones it already has).
pub fn tariffs_for(
    c: &Connection,
    contract_id: i64,
    segment: &crate::domain::states::Segment,
) -> rusqlite::Result<Vec<Tariff>> {
    let mut st = c.prepare_cached(
        "SELECT id, kind, name, price_kop FROM tariffs WHERE active = 1 AND segment = ?2 AND kind <> 'other'
         AND id NOT IN (SELECT tariff_id FROM services WHERE contract_id = ?1 AND tariff_id IS NOT NULL)
         ORDER BY CASE kind WHEN 'internet' THEN 0 WHEN 'tv' THEN 1 ELSE 2 END, price_kop, id",
    )?;
    let rows = st.query_map(rusqlite::params![contract_id, segment], |r| {
        Ok(Tariff {
            id: r.get(0)?,
            kind: r.get(1)?,
            name: r.get(2)?,
            price_kop: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// Tariff names by id (for showing the chosen tariff of a request).
pub fn tariff_name(c: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT name FROM tariffs WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

pub fn dashboard(c: &Connection, contract_id: i64) -> rusqlite::Result<Dashboard> {
    Ok(Dashboard {
        services: list(c, contract_id)?,
        requests: super::requests::list(c, contract_id)?,
        state: contract_state(c, contract_id)?,
    })
}
