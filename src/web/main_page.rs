//! The main page.
use maud::Markup;
use poem::{
    handler,
    web::{CsrfToken, Data, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use super::referral;
use crate::{
    db,
    db::{autopay::Autopay, contracts::ContractSummary},
    domain::role::Role,
    state::SharedState,
    views,
    web::auth::CurrentContract,
    web::page_cache,
};

/// Everything on the main page beyond the contract summary, rendered.
#[derive(Clone)]
pub struct Dashboard {
    autopay: Option<Autopay>,
    /// «Подключенные услуги» and «Действия с договором».
    blocks: Arc<str>,
    /// The stories strip in this account's order.
    stories: Arc<str>,
    /// The referral section.
    referral: Arc<str>,
}

/// Rendered services and actions blocks per contract, valid while the contract's
/// `data_version` (bumped by triggers on services, internet details and requests) and its
/// status are unchanged. Bounded: cleared when full.
#[derive(Default)]
pub struct BlocksCache(Mutex<HashMap<BlocksKey, CachedBlocks>>);

/// (data version, contract status, rendered HTML)
type CachedBlocks = (i64, crate::domain::states::ContractStatus, Arc<str>);

/// Blocks are rendered per contract and per what the role may do (its actions).
type BlocksKey = (i64, Role);

const BLOCKS_CACHE_MAX: usize = 512;

impl BlocksCache {
    fn get(&self, k: &ContractSummary, role: Role) -> Option<Arc<str>> {
        let m = self.0.lock().ok()?;
        match m.get(&(k.id, role)) {
            Some((v, status, html)) if *v == k.data_version && *status == k.status => {
                Some(html.clone())
            }
            _ => None,
        }
    }

    fn put(&self, k: &ContractSummary, role: Role, html: Arc<str>) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= BLOCKS_CACHE_MAX {
                m.clear();
            }
            m.insert((k.id, role), (k.data_version, k.status, html));
        }
    }
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    /// The return token of the payment the checkout just sent the payer back from.
    #[serde(default)]
    payment: Option<String>,
}

#[handler]
pub async fn index(
    req: &Request,
    Data(st): Data<&SharedState>,
    Data(web): Data<&super::SharedWeb>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Query(q): Query<HomeQuery>,
) -> poem::Result<Response> {
    let base = referral::public_base(req, &st.cfg);
    if let Some(t) = q.payment {
        // Back from the checkout: the payment's notice on top, rendered for this view only.
        let notice = super::payments::own_payment(st, &cur, t.clone())
            .await?
            .map(|p| {
                views::payment_result::notice(&crate::web::ctx(st), &p.status, p.amount_kop, &t)
            });
        let d = dashboard(st, web, &cur, base).await?;
        return Ok(render(st, &csrf.0, &cur.contract, cur.role, &d, notice).into_response());
    }
    // Nothing written to the account or the contract since the last view: the page comes from
    // memory (and the extractor's session from its cache), with this request's CSRF token.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&base, &mut h);
    let key = page_cache::Key::of(
        page_cache::Screen::Main,
        &cur,
        std::hash::Hasher::finish(&h),
    );
    let html = web
        .pages
        .get_or_render(key, &page_cache::scopes_with_money(&cur), async {
            let d = dashboard(st, web, &cur, base).await?;
            let page = render(st, page_cache::CSRF_SLOT, &cur.contract, cur.role, &d, None);
            Ok(page.into_string())
        })
        .await?;
    Ok(page_cache::respond_owned(html.with_csrf(&csrf.0)))
}

/// The main page's data in one database trip; the services and actions blocks come from
/// their cache while the contract's data is unchanged.
async fn dashboard(
    st: &SharedState,
    web: &super::SharedWeb,
    cur: &CurrentContract,
    base: String,
) -> Result<Dashboard, crate::error::AppError> {
    let st2 = st.clone();
    let web2 = web.clone();
    let now = st.clock.now();
    let k = cur.contract.clone();
    let account_id = cur.account.account_id;
    let role = cur.role;
    st.db
        .read(move |c| {
            let autopay = db::autopay::get(c, k.id)?;
            let blocks = match web2.blocks_cache.get(&k, role) {
                Some(html) => html,
                None => {
                    let dash = db::services::dashboard(c, k.id)?;
                    let html: Arc<str> =
                        views::main_page::dashboard_blocks(&crate::web::ctx(&st2), &dash, role)
                            .into_string()
                            .into();
                    web2.blocks_cache.put(&k, role, html.clone());
                    html
                }
            };
            let strip = db::stories::strip(c, account_id, now)?;
            Ok(Dashboard {
                autopay,
                blocks,
                stories: views::stories::strip(&strip, false).into_string().into(),
                referral: referral::card_html(&st2, c, k.id, &base)?.into(),
            })
        })
        .await
}

fn render(
    st: &SharedState,
    csrf: &str,
    k: &ContractSummary,
    role: Role,
    d: &Dashboard,
    notice: Option<Markup>,
) -> Markup {
    let banners = crate::app::notify::banners_for(st, k.id);
    views::main_page::main_page(
        &crate::web::ctx(st),
        csrf,
        k,
        role,
        d.autopay.as_ref(),
        &views::main_page::Parts {
            blocks: &d.blocks,
            stories: &d.stories,
            referral: &d.referral,
            banners: &banners,
            notice,
            support_closed: {
                let sh = &st.cfg.support_hours;
                sh.auto_reply
                    .then(|| crate::chat::hours::closed_until(sh, &st.tz, st.clock.now()))
                    .flatten()
            },
        },
    )
}
