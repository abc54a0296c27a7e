-- The model registry, shared by every replica: a package uploaded to one is listed and served by all. A release is its
-- document (the registry's record: name, version, hashes, signature, who uploaded it) and its package's files, inserted
-- in one transaction. Files are bytea: packages are a few MB, and bytea needs no large-object bookkeeping; one file
-- over 1 GB, which bytea cannot hold, is refused at upload. Each replica keeps a copy of the files in its own folder
-- (Cloud:Models:StoragePath), written from here on first use.
CREATE TABLE models (
    release  bigint PRIMARY KEY,
    document jsonb  NOT NULL
);

CREATE TABLE model_files (
    release bigint NOT NULL REFERENCES models (release),
    path    text   NOT NULL,
    bytes   bytea  NOT NULL,
    PRIMARY KEY (release, path)
);
