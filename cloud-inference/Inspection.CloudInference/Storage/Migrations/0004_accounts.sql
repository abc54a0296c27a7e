-- Accounts and API token hashes, shared by every replica: an account or token made on one signs in on all, and one
-- disabled or revoked on one is refused by all. Each record is a JSON document; the columns are what is looked up or
-- counted. An account's id is its name in lower case, so the primary key keeps names unique whatever their case.
CREATE TABLE accounts (
    id          text        PRIMARY KEY,
    role        text        NOT NULL,
    disabled_at timestamptz,
    document    jsonb       NOT NULL
);

-- A token's id is the SHA-256 of the token (the token itself is never stored).
CREATE TABLE account_tokens (
    id         text  PRIMARY KEY,
    account_id text  NOT NULL REFERENCES accounts (id),
    document   jsonb NOT NULL
);

CREATE INDEX account_tokens_account ON account_tokens (account_id);
