-- Reviews, their audit trail and the reviewed verdicts on their way to the devices, shared by every replica, so two
-- operators on two replicas never review the same item at once and a verdict is numbered once in its device's series.
-- A review is a JSON document; its version is a column for compare-and-set writes (a lease is taken with
-- UPDATE ... WHERE version = <the version read>, or INSERT ... ON CONFLICT DO NOTHING for an item no one opened yet).
CREATE TABLE reviews (
    key            text    PRIMARY KEY,
    version        bigint  NOT NULL,
    completed      boolean NOT NULL,
    reviewed_ticks bigint  NOT NULL,
    document       jsonb   NOT NULL
);
CREATE INDEX reviews_completed ON reviews (completed);

-- Append-only: a lease taken or released, an action, a re-open; written in the transaction of the change it records.
CREATE TABLE review_audit (
    id       bigserial PRIMARY KEY,
    key      text      NOT NULL,
    document jsonb     NOT NULL
);
CREATE INDEX review_audit_key ON review_audit (key, id);

-- The last verdict number issued per device: incremented in the transaction that inserts the verdict.
CREATE TABLE review_verdict_numbers (
    device_id text   PRIMARY KEY,
    last      bigint NOT NULL
);

-- A verdict's id derives from its review, so the same review stored on two replicas is one verdict.
CREATE TABLE review_verdicts (
    id            text    PRIMARY KEY,
    device_id     text    NOT NULL,
    number        bigint  NOT NULL,
    sent          boolean NOT NULL,
    confirmed     boolean NOT NULL,
    created_ticks bigint  NOT NULL,
    document      jsonb   NOT NULL,
    UNIQUE (device_id, number)
);
-- Confirmed verdicts pile up for good; what is read often is the unconfirmed few.
CREATE INDEX review_verdicts_unconfirmed ON review_verdicts (created_ticks) WHERE NOT confirmed;
