-- The latest desired state issued per device: its version as a column, the whole record as a JSON document (so a
-- field added to the record needs no migration). Replicas issue the next version with
-- UPDATE ... WHERE version = <the version they read>: of two issuing at once, one retries, so a version is never
-- issued twice and never goes backwards.
CREATE TABLE desired_states (
    device_id text   PRIMARY KEY,
    version   bigint NOT NULL,
    document  jsonb  NOT NULL
);
