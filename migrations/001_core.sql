-- Core schema: tenants, credentials, rate-limit windows, assistants, knowledge, chunks,
-- conversation threads, messages. Every tenant-owned row carries organization_id and every
-- lookup filters on it.

CREATE TABLE organizations (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    rate_limit_per_hour integer NOT NULL DEFAULT 1000 CHECK (rate_limit_per_hour > 0),
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- An API client is a key pair. The secret is 32 random bytes shown once; only its SHA-256 is
-- stored (a slow hash adds nothing for a high-entropy random secret).
CREATE TABLE api_clients (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    client_id       text NOT NULL UNIQUE,
    secret_hash     bytea NOT NULL,
    name            text NOT NULL DEFAULT '',
    allowed_origins text[] NOT NULL DEFAULT '{}',
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_clients_organization_idx ON api_clients (organization_id);

-- Rate-limit windows counted in the database so every API replica sees the same count. A
-- window opens with a bucket's first request and lasts its period; one row per bucket.
CREATE TABLE rate_limit_windows (
    bucket       text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL
);

CREATE TABLE assistants (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    description     text NOT NULL DEFAULT '',
    tone            text NOT NULL DEFAULT 'friendly',
    language        text NOT NULL DEFAULT 'en',
    default_tasks   text[] NOT NULL DEFAULT '{}',
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistants_organization_idx ON assistants (organization_id, created_at DESC, id);

CREATE TABLE knowledge_items (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    type            text NOT NULL CHECK (type IN ('file', 'qa', 'url')),
    title           text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    error           text,
    warnings        text[] NOT NULL DEFAULT '{}',
    progress        jsonb NOT NULL DEFAULT '{}',
    -- empty: every assistant of the organization may use the item
    assistant_ids   uuid[] NOT NULL DEFAULT '{}',
    language        text NOT NULL DEFAULT '',
    -- files
    file_type       text NOT NULL DEFAULT '',
    file_name       text NOT NULL DEFAULT '',
    file_size       bigint NOT NULL DEFAULT 0,
    content_sha256  text NOT NULL DEFAULT '',
    -- urls
    url             text NOT NULL DEFAULT '',
    crawl           jsonb NOT NULL DEFAULT '{}',
    next_crawl_at   timestamptz,
    -- q&a pairs
    question        text NOT NULL DEFAULT '',
    answer          text NOT NULL DEFAULT '',
    tags            text[] NOT NULL DEFAULT '{}',
    source          text NOT NULL DEFAULT '',
    -- counts
    chunk_count     integer NOT NULL DEFAULT 0,
    page_count      integer NOT NULL DEFAULT 0,
    -- bumped by every (re)index request; a job carries the generation it was queued for and
    -- gives up when a newer one exists, so stale jobs never overwrite fresh work
    generation      integer NOT NULL DEFAULT 1,
    -- the River job processing the current generation, cancelled when the item is deleted
    job_id          bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_items_organization_idx ON knowledge_items (organization_id, created_at DESC, id);
CREATE INDEX knowledge_items_recrawl_idx ON knowledge_items (next_crawl_at) WHERE type = 'url' AND next_crawl_at IS NOT NULL;

-- Uploaded bytes live in the database so any worker machine can process any upload.
CREATE TABLE knowledge_files (
    item_id uuid PRIMARY KEY REFERENCES knowledge_items (id) ON DELETE CASCADE,
    data    bytea NOT NULL
);

-- One row per crawled page of a URL item: validators for conditional re-fetch and the hash of
-- the extracted text, so an unchanged page is never re-embedded.
CREATE TABLE crawl_pages (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id       uuid NOT NULL REFERENCES knowledge_items (id) ON DELETE CASCADE,
    url           text NOT NULL,
    title         text NOT NULL DEFAULT '',
    etag          text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    content_hash  text NOT NULL DEFAULT '',
    fetched_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, url)
);

-- Chunks: the unit of retrieval. The vector column has no fixed dimension so that the embedding
-- model can be configured; an HNSW expression index per dimension is created at start-up.
CREATE TABLE chunks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id uuid NOT NULL,
    item_id         uuid NOT NULL REFERENCES knowledge_items (id) ON DELETE CASCADE,
    page_id         bigint REFERENCES crawl_pages (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    content         text NOT NULL,
    heading_path    text[] NOT NULL DEFAULT '{}',
    page            integer NOT NULL DEFAULT 0,
    url             text NOT NULL DEFAULT '',
    token_count     integer NOT NULL DEFAULT 0,
    -- 'qa' chunks are curated question/answer pairs, matched first
    kind            text NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'qa')),
    -- copy of the item's restriction, so retrieval filters without a join
    assistant_ids   uuid[] NOT NULL DEFAULT '{}',
    -- lexical index input: text prepared for PostgreSQL's parser and the text search
    -- configuration that stems it
    search_text     text NOT NULL,
    text_config     regconfig NOT NULL DEFAULT 'simple',
    embedding       vector,
    embedding_model text NOT NULL DEFAULT '',
    embedding_dims  integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chunks_item_idx ON chunks (item_id, position);
CREATE INDEX chunks_organization_idx ON chunks (organization_id);
CREATE INDEX chunks_page_idx ON chunks (page_id) WHERE page_id IS NOT NULL;

CREATE TABLE user_contexts (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_reference  text NOT NULL,
    traits          jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, user_reference)
);

-- Sessions (anonymous visitors) and conversations (known customers) share one table: they
-- differ in who opens them and how long they live, not in how messages flow.
CREATE TABLE threads (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('session', 'conversation')),
    assistant_id     uuid NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    visitor_id       text NOT NULL DEFAULT '',
    customer_id      text NOT NULL DEFAULT '',
    title            text NOT NULL DEFAULT '',
    locale           text NOT NULL DEFAULT '',
    user_context_ref text NOT NULL DEFAULT '',
    metadata         jsonb NOT NULL DEFAULT '{}',
    -- the widget client that opened a session; a widget token may only use its own sessions
    widget_client_id text NOT NULL DEFAULT '',
    widget_subject   text NOT NULL DEFAULT '',
    expires_at       timestamptz,
    message_count    integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX threads_organization_idx ON threads (organization_id, kind, created_at DESC, id);

CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    thread_id       uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    sender          text NOT NULL CHECK (sender IN ('user', 'assistant')),
    content         text NOT NULL,
    sources         jsonb NOT NULL DEFAULT '[]',
    metadata        jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX messages_thread_idx ON messages (thread_id, created_at, id);

-- A retried POST with the same Idempotency-Key gets the first reply.
CREATE TABLE idempotency_keys (
    organization_id uuid NOT NULL,
    key             text NOT NULL,
    request_hash    text NOT NULL,
    status_code     integer,
    response        jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, key)
);

-- Questions the knowledge base could not answer, for knowledge managers.
CREATE TABLE knowledge_gaps (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    assistant_id    uuid,
    thread_id       uuid,
    question        text NOT NULL,
    language        text NOT NULL DEFAULT '',
    best_score      double precision NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_gaps_organization_idx ON knowledge_gaps (organization_id, created_at DESC, id);

-- Server-wide settings shared by every replica, e.g. the generated widget-token signing key
-- when none is configured.
CREATE TABLE server_settings (
    name       text PRIMARY KEY,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
