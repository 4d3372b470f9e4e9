//! Schema versions: `schema.sql` is version 1; each later step is one entry of [`STEPS`].
//! `PRAGMA user_version` records the version a database is at.
use rusqlite::Connection;

pub const BASELINE: &str = include_str!("../../schema.sql");

/// Numbered migrations after the baseline: STEPS[0] moves version 1 → 2, and so on.
/// Never edit a released step; append a new one (and update schema.sql for new databases
/// only through a new step, so both paths end at the same schema).
pub const STEPS: &[&str] = &[
    // 2: payments — the sandbox gateway's own records, autopay attempts, return tokens.
    r#"
CREATE TABLE sandbox_payments (
    id                TEXT PRIMARY KEY,
    idempotency_key   TEXT NOT NULL UNIQUE,
    amount_kop        INTEGER NOT NULL CHECK (amount_kop > 0),
    description       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'canceled')),
    save_method       INTEGER NOT NULL DEFAULT 0,
    payment_method_id TEXT,
    card_mask         TEXT,
    return_url        TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL
) STRICT;
CREATE TABLE autopay_attempts (
    id          INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    period      TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    payment_id  INTEGER REFERENCES payments(id),
    amount_kop  INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'declined')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (contract_id, period, attempt)
) STRICT;
-- At most one live or successful charge per contract and service period.
CREATE UNIQUE INDEX autopay_attempts_one_live ON autopay_attempts(contract_id, period)
    WHERE status IN ('pending', 'succeeded');
CREATE INDEX autopay_attempts_by_payment ON autopay_attempts(payment_id);
ALTER TABLE autopay ADD COLUMN email TEXT;
ALTER TABLE autopay ADD COLUMN declines INTEGER NOT NULL DEFAULT 0;
ALTER TABLE autopay ADD COLUMN notice TEXT;
ALTER TABLE payments ADD COLUMN return_token TEXT;
CREATE UNIQUE INDEX payments_by_return_token ON payments(return_token);
"#,
    // 3: a per-contract data version, bumped by triggers whenever what the main page's
    // services and actions blocks show changes, so their rendering can be cached safely.
    r#"
ALTER TABLE contracts ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER services_bump_ins AFTER INSERT ON services BEGIN
    UPDATE contracts SET data_version = data_version + 1 WHERE id = NEW.contract_id; END;
CREATE TRIGGER services_bump_upd AFTER UPDATE ON services BEGIN
    UPDATE contracts SET data_version = data_version + 1 WHERE id IN (OLD.contract_id, NEW.contract_id); END;
CREATE TRIGGER services_bump_del AFTER DELETE ON services BEGIN
    UPDATE contracts SET data_version = data_version + 1 WHERE id = OLD.contract_id; END;
CREATE TRIGGER internet_bump_ins AFTER INSERT ON internet_details BEGIN
    UPDATE contracts SET data_version = data_version + 1
    WHERE id = (SELECT contract_id FROM services WHERE id = NEW.service_id); END;
CREATE TRIGGER internet_bump_upd AFTER UPDATE ON internet_details BEGIN
    UPDATE contracts SET data_version = data_version + 1
    WHERE id IN (SELECT contract_id FROM services WHERE id IN (OLD.service_id, NEW.service_id)); END;
CREATE TRIGGER internet_bump_del AFTER DELETE ON internet_details BEGIN
    UPDATE contracts SET data_version = data_version + 1
    WHERE id = (SELECT contract_id FROM services WHERE id = OLD.service_id); END;
CREATE TRIGGER requests_bump_ins AFTER INSERT ON requests BEGIN
    UPDATE contracts SET data_version = data_version + 1 WHERE id = NEW.contract_id; END;
CREATE TRIGGER requests_bump_upd AFTER UPDATE ON requests BEGIN
    UPDATE contracts SET data_version = data_version + 1 WHERE id IN (OLD.contract_id, NEW.contract_id); END;
CREATE TRIGGER requests_bump_del AFTER DELETE ON requests BEGIN
    UPDATE contracts SET data_version = data_version + 1 WHERE id = OLD.contract_id; END;
"#,
    // 4: the billing API's change feed reads requests, applications and payments by
    // (updated_at, id).
    r#"
CREATE INDEX requests_by_update ON requests(updated_at, id);
CREATE INDEX applications_by_update ON applications(updated_at, id);
CREATE INDEX payments_by_update ON payments(updated_at, id);
"#,
    // 5: SMS send limits are counted from the outbox (they survive restarts).
    r#"
CREATE INDEX outbox_by_channel ON outbox(channel, created_at);
CREATE INDEX outbox_by_recipient ON outbox(recipient, created_at);
"#,
    // 6: documents — closing acts / УПД, «Акт сверки», invoices, documents from the billing
    // system; the company's requisites; per-contract delivery e-mail; outbox attachments.
    r#"
ALTER TABLE organizations ADD COLUMN kpp TEXT;
ALTER TABLE organizations ADD COLUMN ogrn TEXT;
ALTER TABLE organizations ADD COLUMN legal_address TEXT;
ALTER TABLE contracts ADD COLUMN documents_email TEXT;
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    contract_id   INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('act', 'upd', 'reconciliation', 'invoice', 'other')),
    origin        TEXT NOT NULL CHECK (origin IN ('generated', 'billing')),
    number        TEXT NOT NULL,
    -- generated documents: sequence number within (kind, year); gap-free via document_counters
    seq           INTEGER,
    year          INTEGER NOT NULL,
    issued_on     TEXT NOT NULL,
    period_from   TEXT,
    period_to     TEXT,
    amount_kop    INTEGER NOT NULL,
    vat_kop       INTEGER NOT NULL DEFAULT 0,
    title         TEXT NOT NULL DEFAULT '',
    external_id   TEXT UNIQUE,
    pdf           BLOB NOT NULL,
    pdf_sha256    TEXT NOT NULL,
    pdf_size      INTEGER NOT NULL,
    downloaded_at INTEGER,
    paid_at       INTEGER,
    paid_entry_id INTEGER REFERENCES ledger_entries(id) ON DELETE SET NULL,
    voided_at     INTEGER,
    void_reason   TEXT,
    created_by    TEXT NOT NULL DEFAULT 'system',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (kind, year, seq),
    UNIQUE (kind, number)
) STRICT;
CREATE INDEX documents_by_contract ON documents(contract_id, issued_on DESC, id DESC);
CREATE INDEX documents_by_update ON documents(updated_at, id);
CREATE INDEX documents_unpaid ON documents(contract_id) WHERE kind = 'invoice' AND paid_at IS NULL AND voided_at IS NULL;
-- Issued means immutable: what was issued (number, content, amount, owner) never changes.
CREATE TRIGGER documents_immutable BEFORE UPDATE OF contract_id, kind, origin, number, seq, year,
    issued_on, period_from, period_to, amount_kop, vat_kop, title, external_id, pdf, pdf_sha256
    ON documents BEGIN SELECT RAISE(ABORT, 'issued document is immutable'); END;
CREATE TABLE document_counters (
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (kind, year)
) STRICT, WITHOUT ROWID;
-- The monthly closing job: one row per contract and month it has issued (never twice).
CREATE TABLE closing_runs (
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    period      TEXT NOT NULL,
    document_id INTEGER REFERENCES documents(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (contract_id, period)
) STRICT, WITHOUT ROWID;
-- A payment whose description or source (billing external id) carries an unpaid invoice's
-- number marks that invoice paid, whichever path stored the payment. A generated number is
-- matched without its Cyrillic prefix (`2026-00012` of `С-2026-00012`: banks and billing
-- systems often transliterate it); a received one whole, when long enough to be unambiguous.
CREATE TRIGGER ledger_pays_invoice AFTER INSERT ON ledger_entries WHEN NEW.amount_kop > 0 BEGIN
    UPDATE documents SET paid_at = NEW.occurred_at, paid_entry_id = NEW.id, updated_at = NEW.created_at
    WHERE id = (
        SELECT d.id FROM documents d
        WHERE d.contract_id = NEW.contract_id AND d.kind = 'invoice' AND d.paid_at IS NULL
          AND d.voided_at IS NULL
          AND ((d.origin = 'generated'
                AND (instr(NEW.description, substr(d.number, instr(d.number, '-') + 1)) > 0
                  OR instr(COALESCE(NEW.source, ''), substr(d.number, instr(d.number, '-') + 1)) > 0))
            OR (d.origin = 'billing' AND length(d.number) >= 5
                AND (instr(NEW.description, d.number) > 0 OR instr(COALESCE(NEW.source, ''), d.number) > 0)))
        ORDER BY d.id LIMIT 1);
END;
ALTER TABLE outbox ADD COLUMN document_id INTEGER REFERENCES documents(id);
"#,
    // 7 (issue 17, scale): the staff lookup without full scans at 100 000 contracts — a
    // trigram index over each contract's organization name and address (substring search,
    // Unicode case folded), kept by triggers; INN and organization lookups by index.
    r#"
CREATE INDEX organizations_by_inn ON organizations(inn);
CREATE INDEX contracts_by_organization ON contracts(organization_id);
CREATE VIRTUAL TABLE contract_search USING fts5(org, address, tokenize = 'trigram');
INSERT INTO contract_search(rowid, org, address)
    SELECT c.id, COALESCE(o.name, ''), c.address FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id;
CREATE TRIGGER contract_search_ins AFTER INSERT ON contracts BEGIN
    INSERT INTO contract_search(rowid, org, address)
    VALUES (NEW.id, COALESCE((SELECT name FROM organizations WHERE id = NEW.organization_id), ''), NEW.address);
END;
CREATE TRIGGER contract_search_upd AFTER UPDATE OF address, organization_id ON contracts BEGIN
    DELETE FROM contract_search WHERE rowid = OLD.id;
    INSERT INTO contract_search(rowid, org, address)
    VALUES (NEW.id, COALESCE((SELECT name FROM organizations WHERE id = NEW.organization_id), ''), NEW.address);
END;
CREATE TRIGGER contract_search_del AFTER DELETE ON contracts BEGIN
    DELETE FROM contract_search WHERE rowid = OLD.id;
END;
CREATE TRIGGER contract_search_org AFTER UPDATE OF name ON organizations BEGIN
    UPDATE contract_search SET org = NEW.name
    WHERE rowid IN (SELECT id FROM contracts WHERE organization_id = NEW.id);
END;
"#,
    // 8: notifications (issue 16) — events recorded by triggers inside the transaction that
    // made them (exactly once per source row), the notices fanned out from them per channel and
    // address, per-account settings and contacts, Web Push subscriptions, staff broadcasts.
    r#"
CREATE TABLE notice_events (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    contract_id  INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    ref_id       INTEGER,
    detail       TEXT NOT NULL DEFAULT '',
    occurred_at  INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'done', 'capped', 'stale')),
    processed_at INTEGER
) STRICT;
CREATE INDEX notice_events_new ON notice_events(id) WHERE state = 'new';
CREATE INDEX notice_events_by_contract ON notice_events(contract_id, processed_at);
CREATE INDEX notice_events_by_ref ON notice_events(kind, ref_id);
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES notice_events(id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    contract_id INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    target      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    url         TEXT NOT NULL DEFAULT '/',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    UNIQUE (event_id, channel, target)
) STRICT;
CREATE INDEX notices_due ON notices(channel, next_at) WHERE status = 'pending';
CREATE TABLE notice_prefs (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, channel)
) STRICT, WITHOUT ROWID;
CREATE TABLE notice_contacts (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    email      TEXT,
    phone      TEXT,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_ok_at INTEGER
) STRICT;
CREATE INDEX push_subscriptions_by_account ON push_subscriptions(account_id);
CREATE TABLE broadcasts (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    to_all     INTEGER NOT NULL,
    contracts  INTEGER NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    staff_id   INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE broadcast_contracts (
    contract_id  INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    PRIMARY KEY (contract_id, broadcast_id)
) STRICT, WITHOUT ROWID;
-- The last status each service was seen with (the billing API replaces a contract's services
-- as a whole, so a change is found by kind and name).
CREATE TABLE notice_service_state (
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    changes     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (contract_id, kind, name)
) STRICT, WITHOUT ROWID;
INSERT INTO notice_service_state(contract_id, kind, name, status)
    SELECT contract_id, kind, name, status FROM services WHERE true
    ON CONFLICT DO NOTHING;
-- A status change, not a comment within the same status.
CREATE TRIGGER notice_request_status AFTER INSERT ON request_events
WHEN NEW.status <> COALESCE((SELECT e.status FROM request_events e
        WHERE e.request_id = NEW.request_id AND e.id < NEW.id ORDER BY e.id DESC LIMIT 1), 'new')
BEGIN
    INSERT INTO notice_events(key, kind, contract_id, ref_id, detail, occurred_at)
    SELECT 'request:' || NEW.id, 'request_status', r.contract_id, NEW.request_id, NEW.status, NEW.created_at
    FROM requests r WHERE r.id = NEW.request_id
    ON CONFLICT(key) DO NOTHING;
END;
CREATE TRIGGER notice_payment AFTER INSERT ON ledger_entries
WHEN NEW.kind = 'payment' AND NEW.amount_kop > 0
 AND (COALESCE(NEW.source, '') NOT LIKE 'payment:%'
      OR COALESCE((SELECT purpose FROM payments WHERE id = CAST(substr(NEW.source, 9) AS INTEGER)), '') <> 'autopay')
BEGIN
    INSERT INTO notice_events(key, kind, contract_id, ref_id, detail, occurred_at)
    VALUES ('ledger:' || NEW.id, 'payment', NEW.contract_id, NEW.id, NEW.amount_kop, NEW.occurred_at)
    ON CONFLICT(key) DO NOTHING;
END;
CREATE TRIGGER notice_autopay AFTER UPDATE OF status ON autopay_attempts
WHEN NEW.status IN ('succeeded', 'declined') AND OLD.status <> NEW.status BEGIN
    INSERT INTO notice_events(key, kind, contract_id, ref_id, detail, occurred_at)
    VALUES ('autopay:' || NEW.id || ':' || NEW.status,
            CASE NEW.status WHEN 'succeeded' THEN 'autopay_ok' ELSE 'autopay_declined' END,
            NEW.contract_id, NEW.id, NEW.amount_kop, NEW.updated_at)
    ON CONFLICT(key) DO NOTHING;
END;
CREATE TRIGGER notice_document AFTER INSERT ON documents WHEN NEW.kind IN ('act', 'upd') BEGIN
    INSERT INTO notice_events(key, kind, contract_id, ref_id, detail, occurred_at)
    VALUES ('document:' || NEW.id, 'document', NEW.contract_id, NEW.id, NEW.number, NEW.created_at)
    ON CONFLICT(key) DO NOTHING;
END;
CREATE TRIGGER notice_service AFTER INSERT ON services BEGIN
    INSERT INTO notice_events(key, kind, contract_id, ref_id, detail, occurred_at)
    SELECT 'service:' || NEW.contract_id || ':' || NEW.kind || ':' || NEW.name || ':' || (s.changes + 1),
           'service_status', NEW.contract_id, NEW.id, NEW.status || ':' || NEW.name, unixepoch()
    FROM notice_service_state s
    WHERE s.contract_id = NEW.contract_id AND s.kind = NEW.kind AND s.name = NEW.name
      AND s.status <> NEW.status
      AND (NEW.status IN ('suspended', 'blocked_debt') OR s.status IN ('suspended', 'blocked_debt'))
    ON CONFLICT(key) DO NOTHING;
    INSERT INTO notice_service_state(contract_id, kind, name, status)
    VALUES (NEW.contract_id, NEW.kind, NEW.name, NEW.status)
    ON CONFLICT DO UPDATE SET status = excluded.status,
        changes = changes + (notice_service_state.status <> excluded.status);
END;
CREATE TRIGGER notice_service_update AFTER UPDATE OF status ON services WHEN OLD.status <> NEW.status BEGIN
    INSERT INTO notice_events(key, kind, contract_id, ref_id, detail, occurred_at)
    SELECT 'service:' || NEW.contract_id || ':' || NEW.kind || ':' || NEW.name || ':' || (s.changes + 1),
           'service_status', NEW.contract_id, NEW.id, NEW.status || ':' || NEW.name, unixepoch()
    FROM notice_service_state s
    WHERE s.contract_id = NEW.contract_id AND s.kind = NEW.kind AND s.name = NEW.name
      AND (NEW.status IN ('suspended', 'blocked_debt') OR OLD.status IN ('suspended', 'blocked_debt'))
    ON CONFLICT(key) DO NOTHING;
    INSERT INTO notice_service_state(contract_id, kind, name, status)
    VALUES (NEW.contract_id, NEW.kind, NEW.name, NEW.status)
    ON CONFLICT DO UPDATE SET status = excluded.status,
        changes = changes + (notice_service_state.status <> excluded.status);
END;
"#,
    // 9: company users (issue 15) — the role of each account on each linked contract; whoever
    // holds a contract today knew its password, so every existing link is an owner's.
    r#"
ALTER TABLE account_contracts ADD COLUMN role TEXT NOT NULL DEFAULT 'owner'
    CHECK (role IN ('owner', 'accountant', 'engineer', 'viewer'));
ALTER TABLE account_contracts ADD COLUMN invited_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL;
-- «Журнал действий»: the contract an entry is about (NULL for entries about no contract).
ALTER TABLE audit_log ADD COLUMN contract_id INTEGER;
CREATE INDEX audit_log_by_contract ON audit_log(contract_id, id) WHERE contract_id IS NOT NULL;
"#,
    // 10: two-factor login (issue 15) — TOTP per account (secret, the last step used: a code is
    // never accepted twice), hashed single-use recovery codes, the owner's switch per contract,
    // and sessions that still wait for the second factor. The trigger holds every way a
    // subscriber session starts (contract, phone, later ones) until the second factor is given.
    r#"
CREATE TABLE account_totp (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    secret     BLOB NOT NULL,
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    used_at    INTEGER,
    UNIQUE (account_id, code_hash)
) STRICT;
ALTER TABLE contracts ADD COLUMN require_second_factor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN second_factor_pending INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER sessions_wait_for_second_factor AFTER INSERT ON sessions
WHEN NEW.account_id IS NOT NULL AND NEW.second_factor_pending = 0 AND (
    EXISTS (SELECT 1 FROM account_totp WHERE account_id = NEW.account_id AND enabled_at IS NOT NULL)
    OR EXISTS (SELECT 1 FROM account_contracts ac JOIN contracts c ON c.id = ac.contract_id
               WHERE ac.account_id = NEW.account_id AND c.require_second_factor = 1))
BEGIN
    UPDATE sessions SET second_factor_pending = 1 WHERE id = NEW.id;
END;
"#,
    // 11: passkeys (issue 15) — an account's WebAuthn credentials as webauthn-rs stores them
    // (JSON with the public key and the signature counter).
    r#"
CREATE TABLE passkeys (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    cred_id      TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;
CREATE INDEX passkeys_by_account ON passkeys(account_id);
"#,
    // 12: the account lifecycle (issue 24). `fresh_at`: when the session last proved a secret
    // (a login, or the step-up screen) — binding a new authenticator needs it to be recent.
    // A TOTP enrolment belongs to the session that opened it until its first code confirms
    // it (an unconfirmed secret is never the account's). `device_epoch`: device cookies carry
    // it in their MAC, so a reset ends them all. Invitations wait for the invitee's consent.
    r#"
ALTER TABLE sessions ADD COLUMN fresh_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET fresh_at = created_at;
CREATE TABLE totp_enrolments (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX totp_enrolments_by_account ON totp_enrolments(account_id);
DELETE FROM account_totp WHERE enabled_at IS NULL;
ALTER TABLE accounts ADD COLUMN device_epoch INTEGER NOT NULL DEFAULT 0;
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    phone       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'accountant', 'engineer', 'viewer')),
    invited_by  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    UNIQUE (contract_id, phone)
) STRICT;
CREATE INDEX invitations_by_phone ON invitations(phone);
"#,
    // 13: notice contacts are confirmed by a code before use (issue 24). Contacts stored before
    // this step count as confirmed (their owners set them); a new or changed one waits for its
    // code. One pending code per account and channel, stored hashed.
    r#"
ALTER TABLE notice_contacts ADD COLUMN email_confirmed INTEGER NOT NULL DEFAULT 1;
ALTER TABLE notice_contacts ADD COLUMN phone_confirmed INTEGER NOT NULL DEFAULT 1;
CREATE TABLE contact_codes (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    value      TEXT NOT NULL,
    code_hash  BLOB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, channel)
) STRICT, WITHOUT ROWID;
"#,
    // 14: a push subscription belongs to the session that made it and ends with it (issue 24;
    // a push subscription belongs to the session that made it and ends with it (the ones kept
    // so far belong to no session: removed; the browser subscribes again); the express
    // payment's lookup is an opaque random token mapped to its contract here, and it may
    // start one payment (`payment_key`, the form's idempotency key).
    r#"
ALTER TABLE push_subscriptions ADD COLUMN session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE;
DELETE FROM push_subscriptions WHERE session_id IS NULL;
CREATE INDEX push_subscriptions_by_session ON push_subscriptions(session_id);
CREATE TABLE express_tokens (
    token_hash  BLOB PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    payment_key TEXT,
    used_at     INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX express_tokens_by_age ON express_tokens(created_at);
CREATE INDEX express_tokens_used ON express_tokens(contract_id, used_at) WHERE used_at IS NOT NULL;
"#,
    // 15: when the account was last sent a «new device» login notice: at most one an hour
    // (issue 24).
    r#"
ALTER TABLE accounts ADD COLUMN login_notice_at INTEGER;
"#,
    // 16: a generated document's number
    // is reserved in a short transaction and the PDF renders outside it. A reservation row
    // lives until the document is stored (then it is deleted); a number that ended up unused
    // keeps its row with `released_at` and the reason, so every number of a series is either
    // a document or an explained gap. `content_key` identifies an «Акт сверки» by contract,
    // period and ledger state (the same one asked again returns the issued document).
    r#"
CREATE TABLE document_reservations (
    kind        TEXT NOT NULL,
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    number      TEXT NOT NULL,
    contract_id INTEGER,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    released_at INTEGER,
    reason      TEXT,
    PRIMARY KEY (kind, year, seq)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX document_reservations_by_number ON document_reservations(kind, number);
ALTER TABLE documents ADD COLUMN content_key TEXT;
CREATE INDEX documents_by_content ON documents(contract_id, kind, content_key)
    WHERE content_key IS NOT NULL;
DROP TRIGGER documents_immutable;
CREATE TRIGGER documents_immutable BEFORE UPDATE OF contract_id, kind, origin, number, seq, year,
    issued_on, period_from, period_to, amount_kop, vat_kop, title, external_id, pdf, pdf_sha256,
    content_key
    ON documents BEGIN SELECT RAISE(ABORT, 'issued document is immutable'); END;
"#,
];

/// The schema version this binary writes.
pub const VERSION: i64 = 1 + STEPS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("database schema version {found} is newer than this binary's {known}")]
    TooNew { found: i64, known: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

pub fn version(c: &Connection) -> rusqlite::Result<i64> {
    c.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the database to [`VERSION`]. Returns whether the baseline was applied (a new database).
pub fn run(c: &mut Connection) -> Result<super::Opened, MigrateError> {
    let found = version(c)?;
    if found > VERSION {
        return Err(MigrateError::TooNew {
            found,
            known: VERSION,
        });
    }
    let created = found == 0;
    if created {
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(BASELINE)?;
        tx.pragma_update(None, "user_version", 1)?;
        tx.commit()?;
    }
    let mut v = version(c)?;
    while v < VERSION {
        let step = STEPS[(v - 1) as usize];
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", v + 1)?;
        tx.commit()?;
        tracing::info!(from = v, to = v + 1, "database migrated");
        v += 1;
    }
    Ok(super::Opened { created })
}
