-- Console sign-ins. A knowledge manager signs in to /console/ with an API key pair once; the
-- browser then holds only a random session token in an HttpOnly cookie. Only the token's SHA-256
-- is stored, with the CSRF token the page must echo on every change. Logout deletes the row;
-- an expired row is refused and swept at the next sign-in.
CREATE TABLE console_sessions (
    token_hash      bytea PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    client_id       text NOT NULL REFERENCES api_clients (client_id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);
