//! The billing API's JSON bodies read into [`super::billing`] inputs: typed fields out of JSON
//! objects, with the field's path (`entries[2].amount_kop`) in every error.
use serde_json::{Map, Value};

use super::billing::{
    contract_number, invalid, moment, validate_batch, Checked, ContractIn, InternetIn, LedgerIn,
    OrgIn, ServiceIn, TvIn, MAX_LEDGER_BATCH, MAX_SERVICES,
};

/// A JSON object being read; `at` is the path prefix of its fields.
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    at: String,
}

impl<'a> Obj<'a> {
    pub fn new(v: &'a Value, at: &str) -> Checked<Obj<'a>> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                at: at.to_owned(),
            }),
            _ => Err(invalid(at.trim_end_matches('.'), "Ожидается JSON-объект")),
        }
    }

    pub fn path(&self, name: &str) -> String {
        format!("{}{name}", self.at)
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub fn str_opt(&self, name: &str) -> Checked<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(self.path(name), "Ожидается строка")),
        }
    }

    pub fn str(&self, name: &str) -> Checked<String> {
        self.str_opt(name)?
            .ok_or_else(|| invalid(self.path(name), "Обязательное поле"))
    }

    pub fn int_opt(&self, name: &str) -> Checked<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                invalid(
                    self.path(name),
                    "Ожидается целое число (деньги — в копейках, без дробной части)",
                )
            }),
            Some(_) => Err(invalid(
                self.path(name),
                "Ожидается целое число (деньги — в копейках, без дробной части)",
            )),
        }
    }

    pub fn bool_opt(&self, name: &str) -> Checked<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(self.path(name), "Ожидается true или false")),
        }
    }

    pub fn int(&self, name: &str) -> Checked<i64> {
        self.int_opt(name)?
            .ok_or_else(|| invalid(self.path(name), "Обязательное поле"))
    }

    pub fn obj_opt(&self, name: &str) -> Checked<Option<Obj<'a>>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => Obj::new(v, &format!("{}.", self.path(name))).map(Some),
        }
    }

    pub fn array(&self, name: &str) -> Checked<&'a Vec<Value>> {
        match self.get(name) {
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(invalid(self.path(name), "Ожидается JSON-массив")),
            None => Err(invalid(self.path(name), "Обязательное поле")),
        }
    }
}

/// A contract from `PUT /api/v1/contracts/{number}` (the number comes from the path).
pub fn contract_from_json(number: &str, v: &Value) -> Checked<ContractIn> {
    let o = Obj::new(v, "")?;
    let organization = match o.obj_opt("organization")? {
        Some(org) => Some(OrgIn {
            name: org.str("name")?,
            inn: org.str_opt("inn")?,
        }),
        None => None,
    };
    let mut c = ContractIn {
        number: contract_number("number", number)?,
        organization,
        address: o.str("address")?,
        segment: o.str("segment")?,
        status: o.str("status")?,
        recommended_payment_kop: o.int("recommended_payment_kop")?,
        password: o.str_opt("password")?,
    };
    c.validate()?;
    Ok(c)
}

/// The service list from `PUT /api/v1/contracts/{number}/services`: `{"services": [...]}`.
pub fn services_from_json(v: &Value) -> Checked<Vec<ServiceIn>> {
    let o = Obj::new(v, "")?;
    let list = o.array("services")?;
    if list.len() > MAX_SERVICES {
        return Err(invalid(
            "services",
            format!("Не больше {MAX_SERVICES} услуг у договора"),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("services[{i}].");
        let s = Obj::new(item, &at)?;
        let internet = match s.obj_opt("internet")? {
            Some(i) => Some(InternetIn {
                speed_mbps: i.int("speed_mbps")?,
                static_ip: i.str_opt("static_ip")?.filter(|s| !s.trim().is_empty()),
                equipment: i.str_opt("equipment")?.unwrap_or_default(),
            }),
            None => None,
        };
        let tv = match s.obj_opt("tv")? {
            Some(t) => Some(TvIn {
                channel_package: t.str("channel_package")?,
                channel_count: t.int_opt("channel_count")?.unwrap_or(0),
            }),
            None => None,
        };
        let mut svc = ServiceIn {
            kind: s.str("kind")?,
            name: s.str("name")?,
            tariff_name: s.str("tariff_name")?,
            price_kop: s.int("price_kop")?,
            period: s.str_opt("period")?.unwrap_or_else(|| "month".into()),
            status: s.str("status")?,
            paid_until: s.str_opt("paid_until")?.filter(|s| !s.is_empty()),
            internet,
            tv,
        };
        svc.validate(&at)?;
        out.push(svc);
    }
    Ok(out)
}

/// A ledger batch from `POST /api/v1/ledger`: `{"entries": [...]}`.
pub fn ledger_from_json(v: &Value, now: i64) -> Checked<Vec<LedgerIn>> {
    let o = Obj::new(v, "")?;
    let list = o.array("entries")?;
    let mut out = Vec::with_capacity(list.len().min(MAX_LEDGER_BATCH));
    for (i, item) in list.iter().enumerate().take(MAX_LEDGER_BATCH + 1) {
        let e = Obj::new(item, &format!("entries[{i}]."))?;
        out.push(LedgerIn {
            contract: e.str("contract")?,
            external_id: e.str("external_id")?,
            kind: e.str("kind")?,
            description: e.str_opt("description")?.unwrap_or_default(),
            amount_kop: e.int("amount_kop")?,
            occurred_at: moment(&e.path("occurred_at"), &e.str("occurred_at")?)?,
        });
    }
    validate_batch(&mut out, now)?;
    Ok(out)
}
