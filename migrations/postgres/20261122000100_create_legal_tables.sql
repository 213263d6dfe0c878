-- Legal tables as dated data: the § 247 BGB base rate per half-year and the § 288 BGB margins and
-- lump sum. Administrators extend them (server base-rates set …) when the Bundesbank publishes a
-- new rate; interest for a half-year without a row is refused, never guessed.
-- Seed rows: the domain reference's table. The rows marked [U] there (2024-01-01, 2024-07-01,
-- 2025-01-01) are consistent with the ECB rates but should be confirmed against the Bundesbank's
-- publication by the operator; the source column says so.

CREATE TABLE base_rates (
    valid_from  TEXT    PRIMARY KEY,
    rate_bp     BIGINT  NOT NULL,
    source      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

INSERT INTO base_rates (valid_from, rate_bp, source, created_at, updated_at) VALUES
    ('2016-07-01',  -88, 'Deutsche Bundesbank (unchanged until 31.12.2022)', 0, 0),
    ('2023-01-01',  162, 'Deutsche Bundesbank', 0, 0),
    ('2023-07-01',  312, 'Deutsche Bundesbank', 0, 0),
    ('2024-01-01',  362, 'seed: consistent with ECB MRO 4.50 %, to be confirmed', 0, 0),
    ('2024-07-01',  337, 'seed: consistent with ECB MRO 4.25 %, to be confirmed', 0, 0),
    ('2025-01-01',  227, 'seed: consistent with ECB MRO 3.15 %, to be confirmed', 0, 0),
    ('2025-07-01',  127, 'Deutsche Bundesbank', 0, 0),
    ('2026-01-01',  127, 'Deutsche Bundesbank (unchanged)', 0, 0);

CREATE TABLE statutory_parameters (
    valid_from               TEXT    PRIMARY KEY,
    consumer_margin_bp       BIGINT  NOT NULL,
    business_margin_bp       BIGINT  NOT NULL,
    business_lump_sum_minor  BIGINT  NOT NULL,
    source                   TEXT    NOT NULL,
    created_at               BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL
);

-- § 288 BGB as amended with effect from 29 July 2014 (B2B margin 9 points, € 40 lump sum).
INSERT INTO statutory_parameters
    (valid_from, consumer_margin_bp, business_margin_bp, business_lump_sum_minor, source, created_at, updated_at)
VALUES ('2014-07-29', 500, 900, 4000, '§ 288 Abs. 1, 2, 5 BGB', 0, 0);
