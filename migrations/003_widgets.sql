-- Embedded chat widgets: per-organization widget configurations, visitor feedback on sessions
-- and answers, and knowledge gaps raised by negative feedback.

-- A widget configuration belongs to one assistant; its look and texts are one validated JSON
-- document (the fields change with the widget, the identity and ownership do not).
CREATE TABLE widget_configs (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    assistant_id    uuid NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT '',
    settings        jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX widget_configs_organization_idx ON widget_configs (organization_id, created_at DESC, id);
CREATE INDEX widget_configs_assistant_idx ON widget_configs (assistant_id);

-- One rating per session and one thumb per message: a second feedback replaces the first
-- (the partial unique indexes are the ON CONFLICT targets). Who gave it is kept: a widget
-- visitor (client and visitor subject) or an API client.
CREATE TABLE feedback (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('session', 'message')),
    thread_id        uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    message_id       uuid REFERENCES messages (id) ON DELETE CASCADE,
    assistant_id     uuid NOT NULL,
    rating           smallint CHECK (rating BETWEEN 1 AND 5),
    feedback_type    text CHECK (feedback_type IN ('positive', 'negative')),
    comment          text NOT NULL DEFAULT '',
    author_kind      text NOT NULL CHECK (author_kind IN ('widget', 'api_client')),
    author_client_id text NOT NULL DEFAULT '',
    author_visitor   text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'session' AND message_id IS NULL AND rating IS NOT NULL AND feedback_type IS NULL)
        OR (kind = 'message' AND message_id IS NOT NULL AND feedback_type IS NOT NULL AND rating IS NULL))
);
CREATE UNIQUE INDEX feedback_session_once ON feedback (thread_id) WHERE kind = 'session';
CREATE UNIQUE INDEX feedback_message_once ON feedback (message_id) WHERE kind = 'message';
CREATE INDEX feedback_organization_idx ON feedback (organization_id, updated_at DESC, id);

-- A gap is either a question the engine could not answer or an ungrounded answer a visitor
-- marked negative; the latter names its message and is removed when the thumb turns positive.
ALTER TABLE knowledge_gaps
    ADD COLUMN reason text NOT NULL DEFAULT 'unanswered' CHECK (reason IN ('unanswered', 'negative_feedback')),
    ADD COLUMN message_id uuid,
    ADD COLUMN comment text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX knowledge_gaps_feedback_once ON knowledge_gaps (message_id) WHERE reason = 'negative_feedback';
