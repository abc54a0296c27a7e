-- Edge agent releases, shared by every replica: a bundle uploaded to one is listed and served by all. A release is its
-- document (version, bundle SHA-256 and size, signing key, who uploaded it) and its bundle, inserted in one
-- transaction. The bundle is one bytea value, streamed in and out by the cloud: a few hundred MB in practice, and
-- bytea ends at 1 GB, so a larger bundle is refused at upload. Each replica keeps a copy in its own folder
-- (Cloud:AgentReleases:StoragePath), written from here on first request.
CREATE TABLE agent_releases (
    version  text  PRIMARY KEY,
    document jsonb NOT NULL
);

CREATE TABLE agent_release_bundles (
    version text  PRIMARY KEY REFERENCES agent_releases (version),
    bundle  bytea NOT NULL
);

-- A bundle is a zip, compressed already: kept out of line without PostgreSQL trying to compress it again.
ALTER TABLE agent_release_bundles ALTER COLUMN bundle SET STORAGE EXTERNAL;
