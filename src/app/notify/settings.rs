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
    /// The e-mail and the phone wait for their confirmation codes.
    pub email_pending: bool,
    pub phone_pending: bool,
}

pub async fn settings(st: &SharedState, account: i64) -> Result<Settings, AppError> {
    let vapid_public = st.push.vapid.public_key().to_owned();
    st.db
        .run(move |c| {
            let (email, phone) = q::contacts(c, account)?;
            let (ue, up) = q::unconfirmed(c, account)?;
            Ok(Settings {
                email_pending: ue.is_some(),
                phone_pending: up.is_some(),
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
    let (before_e, before_p) = st
        .db
        .run(move |c| {
            let before = q::contacts(c, account)?;
            q::save_prefs(c, account, &prefs, email.as_deref(), phone.as_deref(), now)?;
            Ok(before)
        })
        .await?;
    // A new or changed contact gets its confirmation code; notices use it once confirmed.
    let (ue, up) = st.db.run(move |c| Ok(q::unconfirmed(c, account)?)).await?;
    if let Some(e) = ue.filter(|e| Some(e) != before_e.as_ref()) {
        send_contact_code(st, account, Contact::Email(e)).await?;
    }
    if let Some(p) = up.filter(|p| Some(p) != before_p.as_ref()) {
        send_contact_code(st, account, Contact::Phone(p)).await?;
    }
    Ok(Ok(()))
}

/// A notice contact to confirm.
pub enum Contact {
    Email(String),
    Phone(String),
}

impl Contact {
    fn channel(&self) -> &'static str {
        match self {
            Contact::Email(_) => "email",
            Contact::Phone(_) => "sms",
        }
    }
    fn value(&self) -> &str {
        match self {
            Contact::Email(v) | Contact::Phone(v) => v,
        }
    }
}

/// How long a contact code stays valid.
const CONTACT_CODE_TTL: i64 = 3600;

fn contact_hash(st: &SharedState, account: i64, channel: &str, value: &str, code: &str) -> Vec<u8> {
    crate::db::phone_login::code_hash(
        &st.csrf_key,
        &format!("contact:{account}:{channel}:{value}"),
        code,
    )
}

/// Sends the confirmation code of a contact (limited like login codes: per account and, for
/// SMS, the site's daily total). False when a limit held it back.
pub async fn send_contact_code(
    st: &SharedState,
    account: i64,
    contact: Contact,
) -> Result<bool, AppError> {
    use rand::Rng;
    let key = format!("contact:{account}:{}", contact.channel());
    let limited = st
        .limits
        .check_key(&st.limits.code_phone, &key)
        .and_then(|_| match contact {
            Contact::Phone(_) => st.limits.check_daily_codes(),
            Contact::Email(_) => Ok(()),
        });
    if limited.is_err() {
        tracing::warn!(
            account,
            channel = contact.channel(),
            "contact code throttled"
        );
        return Ok(false);
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let hash = contact_hash(st, account, contact.channel(), contact.value(), &code);
    let now = st.clock.now();
    let brand = st.cfg.branding.name.clone();
    let channel = contact.channel();
    let value = contact.value().to_owned();
    let sms = st
        .db
        .write(move |tx| {
            q::put_contact_code(tx, account, channel, &value, &hash, now)?;
            Ok(if channel == "email" {
                crate::db::outbox::queue_email(
                    tx,
                    &value,
                    &format!("{brand}: подтвердите адрес для уведомлений"),
                    &format!(
                        "Код подтверждения: {code}\n\nВведите его в личном кабинете: «Уведомления». \
                         Если вы не указывали этот адрес, просто удалите письмо."
                    ),
                    now,
                )?;
                None
            } else {
                let text = format!("{code} — код подтверждения номера для уведомлений {brand}");
                Some((crate::db::outbox::queue_sms(tx, &value, &text, now)?, value, text))
            })
        })
        .await?;
    if let Some((id, phone, text)) = sms {
        crate::app::outbox::dispatch_sms(st.clone(), id, phone, text);
    }
    Ok(true)
}

/// Confirms a contact with its code. Err: the message for the code field.
pub async fn confirm_contact(
    st: &SharedState,
    account: i64,
    email: bool,
    typed: &str,
) -> Result<Result<(), &'static str>, AppError> {
    let code: String = typed
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    if code.len() != 6 {
        return Ok(Err("Введите 6 цифр кода"));
    }
    let channel = if email { "email" } else { "sms" };
    let (ue, up) = st.db.run(move |c| Ok(q::unconfirmed(c, account)?)).await?;
    let Some(value) = (if email { ue } else { up }) else {
        return Ok(Ok(()));
    };
    let hash = contact_hash(st, account, channel, &value, &code);
    let since = st.clock.now() - CONTACT_CODE_TTL;
    let r = st
        .db
        .write(move |tx| Ok(q::check_contact_code(tx, account, channel, &hash, since)?))
        .await?;
    Ok(match r {
        Ok(true) => Ok(()),
        Ok(false) => Err("Неверный код"),
        Err(()) => Err("Код устарел или попытки закончились: сохраните контакт ещё раз, чтобы получить новый код"),
    })
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
