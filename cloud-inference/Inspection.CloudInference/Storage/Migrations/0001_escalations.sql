-- Escalations with their frames, refused frames and the cloud's totals. An escalation is one row under its
-- idempotency key (the primary key makes two replicas store a frame once); its full record is a JSON document, with
-- the fields the cloud searches by as columns of their own.
CREATE TABLE escalations (
    key                text    PRIMARY KEY,
    device_id          text    NOT NULL,
    received_ticks     bigint  NOT NULL,
    verdict            text    NOT NULL,
    edge_model_release bigint  NOT NULL,
    is_part            boolean NOT NULL,
    document           jsonb   NOT NULL
);
CREATE INDEX escalations_received_ticks ON escalations (received_ticks);
CREATE INDEX escalations_verdict ON escalations (verdict);
CREATE INDEX escalations_device_id ON escalations (device_id);

-- One JPEG per frame key: a frame escalation's own key, or a part frame's {device}/{part}/{sequence}.
CREATE TABLE frames (
    key  text  PRIMARY KEY,
    jpeg bytea NOT NULL
);

-- Refusals, one record per key and reason (the id is a hash of both), bounded by Cloud:Rejected.
CREATE TABLE refused_frames (
    id              text          PRIMARY KEY,
    device_id       text          NOT NULL,
    sequence        numeric(20,0),
    line_id         text          NOT NULL,
    kind            integer       NOT NULL,
    error           text          NOT NULL,
    jpeg_bytes      bigint        NOT NULL,
    sample          bytea         NOT NULL,
    peer            text          NOT NULL,
    first_seen      timestamptz   NOT NULL,
    last_seen       timestamptz   NOT NULL,
    last_seen_ticks bigint        NOT NULL,
    count           bigint        NOT NULL
);
CREATE INDEX refused_frames_last_seen_ticks ON refused_frames (last_seen_ticks);

-- Totals kept across restarts: duplicates answered, frames refused.
CREATE TABLE counters (
    name  text   PRIMARY KEY,
    value bigint NOT NULL
);
