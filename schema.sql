-- kabinet baseline schema (user_version 1). Later changes are numbered migrations in src/db/migrate.rs.
-- Times are INTEGER unix seconds (UTC); calendar dates are TEXT 'YYYY-MM-DD'; money is INTEGER kopecks.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE organizations (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    inn  TEXT
) STRICT;

CREATE TABLE contracts (
    id                      INTEGER PRIMARY KEY,
    number                  TEXT NOT NULL UNIQUE COLLATE NOCASE,
    segment                 TEXT NOT NULL DEFAULT 'business' CHECK (segment IN ('home', 'business')),
    organization_id         INTEGER REFERENCES organizations(id),
    address                 TEXT NOT NULL,
    password_hash           TEXT NOT NULL,
    status                  TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    balance_kop             INTEGER NOT NULL DEFAULT 0,
    recommended_payment_kop INTEGER NOT NULL DEFAULT 0 CHECK (recommended_payment_kop >= 0),
    referral_code           TEXT UNIQUE,
    password_changed_at     INTEGER,
    created_at              INTEGER NOT NULL
) STRICT;

-- An account is what a session belongs to: a contract account (login by contract number)
-- or a phone account (login by SMS code).
CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('contract', 'phone')),
    contract_id         INTEGER UNIQUE REFERENCES contracts(id) ON DELETE CASCADE,
    phone               TEXT UNIQUE,
    current_contract_id INTEGER REFERENCES contracts(id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL,
    CHECK ((kind = 'contract' AND contract_id IS NOT NULL AND phone IS NULL)
        OR (kind = 'phone' AND phone IS NOT NULL AND contract_id IS NULL))
) STRICT;

CREATE TABLE account_contracts (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    note        TEXT NOT NULL DEFAULT '',
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, contract_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX account_contracts_by_contract ON account_contracts(contract_id);

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'admin')),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
) STRICT;

-- Sessions of subscribers (account_id) and staff (staff_id). The cookie holds a random token;
-- only its SHA-256 is stored.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    account_id   INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    staff_id     INTEGER REFERENCES staff(id) ON DELETE CASCADE,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    CHECK ((account_id IS NULL) <> (staff_id IS NULL))
) STRICT;
CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE INDEX sessions_by_staff ON sessions(staff_id);

-- One-time SMS login codes (stored hashed).
CREATE TABLE login_codes (
    id         INTEGER PRIMARY KEY,
    phone      TEXT NOT NULL,
    code_hash  BLOB NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    sends      INTEGER NOT NULL DEFAULT 1,
    used       INTEGER NOT NULL DEFAULT 0,
    ip         TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX login_codes_by_phone ON login_codes(phone, created_at);

-- The balance ledger. balance_after_kop makes «На начало месяца» a single lookup.
CREATE TABLE ledger_entries (
    id                INTEGER PRIMARY KEY,
    contract_id       INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('payment', 'charge', 'offset', 'bonus', 'correction')),
    description       TEXT NOT NULL,
    amount_kop        INTEGER NOT NULL,
    balance_after_kop INTEGER NOT NULL,
    occurred_at       INTEGER NOT NULL,
    -- idempotency: whoever credits money names the source (payment id, billing import row, ...)
    source            TEXT UNIQUE,
    created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_by_contract_time ON ledger_entries(contract_id, occurred_at DESC, id DESC);

CREATE TABLE tariffs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('internet', 'tv', 'phone', 'other')),
    segment     TEXT NOT NULL DEFAULT 'business' CHECK (segment IN ('home', 'business')),
    name        TEXT NOT NULL,
    price_kop   INTEGER NOT NULL CHECK (price_kop >= 0),
    description TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE services (
    id          INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('internet', 'tv', 'phone', 'other')),
    name        TEXT NOT NULL,
    tariff_id   INTEGER REFERENCES tariffs(id),
    tariff_name TEXT NOT NULL,
    price_kop   INTEGER NOT NULL CHECK (price_kop >= 0),
    period      TEXT NOT NULL DEFAULT 'month' CHECK (period IN ('month', 'year', 'once')),
    status      TEXT NOT NULL CHECK (status IN ('active', 'blocked_debt', 'suspended', 'connecting')),
    paid_until  TEXT,
    sort_order  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX services_by_contract ON services(contract_id, sort_order);

CREATE TABLE internet_details (
    service_id INTEGER PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
    speed_mbps INTEGER NOT NULL,
    static_ip  TEXT,
    equipment  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE tv_details (
    service_id      INTEGER PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
    channel_package TEXT NOT NULL,
    channel_count   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE service_devices (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    model      TEXT NOT NULL,
    serial     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX service_devices_by_service ON service_devices(service_id);

CREATE TABLE phone_numbers (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    number     TEXT NOT NULL
) STRICT;
CREATE INDEX phone_numbers_by_service ON phone_numbers(service_id);

-- Requests filed on a contract («Действия с договором»). `kind` is an action code; fields are
-- the action form's values as JSON (validated against the action's definition before insert).
CREATE TABLE requests (
    id          INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'done', 'rejected')),
    fields_json TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
-- ascending so a reverse scan serves ORDER BY created_at DESC, id DESC without a sort
CREATE INDEX requests_by_contract ON requests(contract_id, created_at);
CREATE INDEX requests_by_status ON requests(status, created_at);

CREATE TABLE request_events (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'done', 'rejected')),
    comment    TEXT NOT NULL DEFAULT '',
    staff_id   INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX request_events_by_request ON request_events(request_id, created_at);

-- Uploaded files (request scans, story images). Stored outside the web root under `stored_name`.
CREATE TABLE uploads (
    id            INTEGER PRIMARY KEY,
    stored_name   TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    contract_id   INTEGER REFERENCES contracts(id) ON DELETE CASCADE,
    request_id    INTEGER REFERENCES requests(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE payments (
    id                  INTEGER PRIMARY KEY,
    contract_id         INTEGER NOT NULL REFERENCES contracts(id),
    account_id          INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    purpose             TEXT NOT NULL DEFAULT 'topup' CHECK (purpose IN ('topup', 'autopay', 'autopay_setup')),
    amount_kop          INTEGER NOT NULL CHECK (amount_kop > 0),
    email               TEXT,
    status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'canceled')),
    provider            TEXT NOT NULL,
    provider_payment_id TEXT,
    idempotency_key     TEXT NOT NULL UNIQUE,
    confirmation_url    TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (provider, provider_payment_id)
) STRICT;
CREATE INDEX payments_by_contract ON payments(contract_id, created_at DESC);
CREATE INDEX payments_pending ON payments(status, created_at) WHERE status = 'pending';

-- Every provider notification, once: UNIQUE(provider, event_id) makes crediting idempotent.
CREATE TABLE payment_events (
    id          INTEGER PRIMARY KEY,
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    payment_id  INTEGER REFERENCES payments(id),
    kind        TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (provider, event_id)
) STRICT;

CREATE TABLE autopay (
    contract_id       INTEGER PRIMARY KEY REFERENCES contracts(id) ON DELETE CASCADE,
    enabled           INTEGER NOT NULL DEFAULT 0,
    amount_kop        INTEGER NOT NULL CHECK (amount_kop > 0),
    provider          TEXT NOT NULL,
    payment_method_id TEXT,
    card_mask         TEXT,
    last_charge_at    INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE stories (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    image_path    TEXT NOT NULL,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    published     INTEGER NOT NULL DEFAULT 0,
    publish_from  INTEGER,
    publish_until INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE story_views (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    story_id   INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    viewed_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, story_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE referral_accruals (
    id          INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    amount_kop  INTEGER NOT NULL,
    description TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX referral_accruals_by_contract ON referral_accruals(contract_id, created_at DESC);

-- Coverage list for the self-connect wizard.
CREATE TABLE coverage (
    id     INTEGER PRIMARY KEY,
    city   TEXT NOT NULL,
    street TEXT NOT NULL,
    house  TEXT NOT NULL,
    UNIQUE (city, street, house)
) STRICT;

-- «Стать абонентом» applications from new visitors.
CREATE TABLE applications (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('specialist', 'self')),
    address              TEXT NOT NULL,
    name                 TEXT NOT NULL,
    phone                TEXT NOT NULL,
    email                TEXT,
    details_json         TEXT NOT NULL DEFAULT '{}',
    referrer_contract_id INTEGER REFERENCES contracts(id) ON DELETE SET NULL,
    consent_version      TEXT NOT NULL,
    consent_at           INTEGER NOT NULL,
    status               TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'done', 'rejected')),
    staff_comment        TEXT NOT NULL DEFAULT '',
    ip                   TEXT NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX applications_by_phone ON applications(phone, created_at);
CREATE INDEX applications_by_referrer ON applications(referrer_contract_id);

CREATE TABLE chat_conversations (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contract_id     INTEGER REFERENCES contracts(id) ON DELETE SET NULL,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    assigned_staff  INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    waiting_since   INTEGER,
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL
) STRICT;
CREATE INDEX chat_conversations_open ON chat_conversations(status, waiting_since);
CREATE INDEX chat_conversations_by_account ON chat_conversations(account_id);

CREATE TABLE chat_messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
    sender          TEXT NOT NULL CHECK (sender IN ('subscriber', 'staff', 'system')),
    staff_id        INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    client_msg_id   TEXT,
    created_at      INTEGER NOT NULL,
    UNIQUE (conversation_id, client_msg_id)
) STRICT;
CREATE INDEX chat_messages_by_conversation ON chat_messages(conversation_id, id);

CREATE TABLE chat_reads (
    conversation_id INTEGER NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
    reader          TEXT NOT NULL,
    last_read_id    INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, reader)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('staff', 'account', 'system', 'api')),
    actor_id   INTEGER,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    details    TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_log_by_time ON audit_log(created_at);

-- Outgoing e-mail and SMS. A sender delivers pending rows; without a transport they stay here.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox(status, created_at) WHERE status = 'pending';

-- Tokens for the billing integration API (stored hashed).
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
