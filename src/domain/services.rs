//! Services of a contract as the subscriber sees them.
use super::{actions::ContractState, states::ServiceStatus};

#[derive(Debug, Clone)]
pub struct Service {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub tariff_name: String,
    pub price_kop: i64,
    pub period: String,
    pub status: ServiceStatus,
    /// `YYYY-MM-DD`
    pub paid_until: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub kind: String,
    pub model: String,
    pub serial: String,
}

/// Details per service kind, from their own tables.
#[derive(Debug, Clone)]
pub enum Details {
    Internet {
        speed_mbps: i64,
        static_ip: Option<String>,
        equipment: String,
    },
    Tv {
        channel_package: String,
        channel_count: i64,
    },
    Phone {
        numbers: Vec<String>,
    },
    None,
}

#[derive(Debug, Clone)]
pub struct ServiceDetail {
    pub service: Service,
    pub tariff_description: String,
    pub details: Details,
    pub devices: Vec<Device>,
}

#[derive(Debug, Clone)]
pub struct Tariff {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub price_kop: i64,
}

/// What the main page's «Подключенные услуги» and «Действия с договором» blocks show.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub services: Vec<Service>,
    pub requests: Vec<super::request::RequestRow>,
    pub state: ContractState,
}
