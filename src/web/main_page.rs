//! The main page.
use poem::{
    handler,
    web::{CsrfToken, Data, Html},
    Request,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use crate::{
    auth::guard::{cached_contract, current_contract_with},
    db,
    db::{autopay::Autopay, contracts::ContractSummary, fresh},
    state::SharedState,
    views,
};

/// Contract id → (autopay, rendered services and actions blocks), valid until the next commit
/// (see `db::fresh`): repeated views of an unchanged contract make no database trip.
pub type DashboardCache = fresh::ReadCache<i64, (Option<Autopay>, Arc<str>)>;

pub fn new_dashboard_cache() -> DashboardCache {
    fresh::ReadCache::new(1024, std::time::Duration::from_secs(1))
}

/// Rendered services and actions blocks per contract, valid while the contract's
/// `data_version` (bumped by triggers on services, internet details and requests) and its
/// status are unchanged. Bounded: cleared when full.
#[derive(Default)]
pub struct BlocksCache(Mutex<HashMap<i64, CachedBlocks>>);

/// (data version, contract status, rendered HTML)
type CachedBlocks = (i64, String, Arc<str>);

const BLOCKS_CACHE_MAX: usize = 512;

impl BlocksCache {
    fn get(&self, k: &ContractSummary) -> Option<Arc<str>> {
        let m = self.0.lock().ok()?;
        match m.get(&k.id) {
            Some((v, status, html)) if *v == k.data_version && *status == k.status => {
                Some(html.clone())
            }
            _ => None,
        }
    }

    fn put(&self, k: &ContractSummary, html: Arc<str>) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= BLOCKS_CACHE_MAX {
                m.clear();
            }
            m.insert(k.id, (k.data_version, k.status.clone(), html));
        }
    }
}

#[handler]
pub async fn index(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
) -> poem::Result<Html<String>> {
    // Nothing written since the last view: no database trip at all.
    if let Some(cur) = cached_contract(req) {
        if let Some((autopay, blocks)) = st.dashboard_cache.get(&cur.contract.id) {
            return Ok(Html(
                views::main_page::main_page(st, &csrf.0, &cur.contract, autopay.as_ref(), &blocks)
                    .into_string(),
            ));
        }
    }
    // Otherwise one trip for the session, the contract and the dashboard; the services and
    // actions blocks come from the cache while the contract's data is unchanged.
    let commits_before = fresh::commits();
    let st2 = st.clone();
    let (cur, (blocks, autopay)) = current_contract_with(req, move |c, cur| {
        let k = &cur.contract;
        let autopay = db::autopay::get(c, k.id)?;
        let blocks = match st2.blocks_cache.get(k) {
            Some(html) => html,
            None => {
                let dash = db::services::dashboard(c, k.id)?;
                let html: Arc<str> = views::main_page::dashboard_blocks(&st2, &dash)
                    .into_string()
                    .into();
                st2.blocks_cache.put(k, html.clone());
                html
            }
        };
        st2.dashboard_cache
            .put(k.id, commits_before, (autopay.clone(), blocks.clone()));
        Ok((blocks, autopay))
    })
    .await?;
    Ok(Html(
        views::main_page::main_page(st, &csrf.0, &cur.contract, autopay.as_ref(), &blocks)
            .into_string(),
    ))
}
