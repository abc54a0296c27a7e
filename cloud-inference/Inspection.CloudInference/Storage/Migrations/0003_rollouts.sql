-- Rollouts, shared by every replica: any replica's API starts, pauses, resumes or cancels one, and the replica holding
-- the rollouts lease drives it. The whole rollout is a JSON document (a field added to it needs no migration); its
-- version, state and start time are columns, for compare-and-set writes (UPDATE ... WHERE version = <the version
-- read>), the list of rollouts still going, and the newest-first list.
CREATE TABLE rollouts (
    id         text        PRIMARY KEY,
    version    bigint      NOT NULL,
    state      text        NOT NULL,
    created_at timestamptz NOT NULL,
    document   jsonb       NOT NULL
);
