//! «Уведомления»: settings, push subscriptions, the one-click unsubscribe link.
use super::*;

/// What «Уведомления» shows.
pub struct Settings {
    pub prefs: Prefs,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Used when `email` is not set (the contract's e-mail for documents).
    pub default_email: Option<String>,
    pub devices: i64,
    /// For the «Включить на этом устройстве» button.
    pub vapid_public: String,
}

pub async fn settings(st: &SharedState, account: i64) -> Result<Settings, AppError> {
    let vapid_public = st.push.vapid.public_key().to_owned();
    st.db
        .run(move |c| {
            let (email, phone) = q::contacts(c, account)?;
            Ok(Settings {
                prefs: q::prefs(c, account)?,
                email,
                phone,
                default_email: q::default_email(c, account)?,
                devices: q::push_sub_count(c, account)?,
                vapid_public,
            })
        })
        .await
}

/// Saves the «Уведомления» form. Err: the form names an unknown event or channel, or a bad
/// contact (nothing is stored then).
pub async fn save_settings(
    st: &SharedState,
    account: i64,
    fields: Vec<(String, String)>,
) -> Result<Result<(), PrefsError>, AppError> {
    let (prefs, email, phone) = match rules::parse_form(&fields) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let now = st.clock.now();
    st.db
        .run(move |c| {
            q::save_prefs(c, account, &prefs, email.as_deref(), phone.as_deref(), now)?;
            Ok(Ok(()))
        })
        .await
}

/// A browser's push subscription (from `PushManager.subscribe`).
#[derive(Debug, serde::Deserialize)]
pub struct Subscription {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

#[derive(Debug, serde::Deserialize)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// Stores the subscription for this session: it ends with the session (issue 24, item 8).
pub async fn subscribe(
    st: &SharedState,
    account: i64,
    session: i64,
    s: Subscription,
    user_agent: String,
) -> Result<Result<(), rules::SubscriptionError>, AppError> {
    if let Err(e) = push::check_endpoint(&st.push.client, &st.push.rules, &s.endpoint) {
        return Ok(Err(e));
    }
    if !push::keys_valid(&s.keys.p256dh, &s.keys.auth) {
        return Ok(Err(rules::SubscriptionError::Keys));
    }
    let now = st.clock.now();
    let ua: String = user_agent.chars().take(300).collect();
    st.db
        .run(move |c| {
            q::add_push_sub(
                c,
                account,
                session,
                &s.endpoint,
                &s.keys.p256dh,
                &s.keys.auth,
                &ua,
                now,
            )?;
            Ok(Ok(()))
        })
        .await
}

pub async fn unsubscribe_device(
    st: &SharedState,
    account: i64,
    endpoint: String,
) -> Result<bool, AppError> {
    st.db
        .run(move |c| Ok(q::remove_push_endpoint(c, account, &endpoint)? > 0))
        .await
}

pub(super) fn unsubscribe_key(csrf_key: &[u8; 32]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(csrf_key).expect("any key length");
    m.update(b"kabinet notice unsubscribe");
    m.finalize().into_bytes().into()
}

fn mac(key: &[u8; 32], account: i64, kind: Kind) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    m.update(format!("{account}:{}", kind.code()).as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

/// `{account}.{event}.{mac}`: unsubscribes that account from e-mail for that event.
pub fn unsubscribe_token(key: &[u8; 32], account: i64, kind: Kind) -> String {
    format!("{account}.{}.{}", kind.code(), mac(key, account, kind))
}

fn check_token(key: &[u8; 32], token: &str) -> Option<(i64, Kind)> {
    let mut it = token.splitn(3, '.');
    let account: i64 = it.next()?.parse().ok()?;
    let kind = Kind::parse(it.next()?)?;
    let given = it.next()?;
    let want = mac(key, account, kind);
    // Constant-time comparison of the hex strings.
    let same = given.len() == want.len()
        && given
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some((account, kind))
}

/// The one-click unsubscribe link: e-mail off for that event. Returns the event, or None for
/// a link that is not ours.
pub async fn unsubscribe(
    st: &SharedState,
    token: &str,
    on: bool,
) -> Result<Option<Kind>, AppError> {
    let Some((account, kind)) = check_token(&unsubscribe_key(&st.csrf_key), token) else {
        return Ok(None);
    };
    st.db
        .run(move |c| {
            q::set_pref(c, account, kind, Channel::Email, on)?;
            Ok(Some(kind))
        })
        .await
}
