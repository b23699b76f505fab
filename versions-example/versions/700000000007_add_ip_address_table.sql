-- revision: '700000000007'
-- down_revision: '600000000006'
-- branch_labels: []
-- depends_on: []
-- message: add ip address table
-- create_date: 2026-11-21 09:47:53.208841

-- upgrade
CREATE TABLE ip_address (
    id INTEGER NOT NULL PRIMARY KEY,
    network_id INTEGER NOT NULL REFERENCES network (id),
    address VARCHAR(45) NOT NULL UNIQUE
);
CREATE INDEX ix_ip_address_network_id ON ip_address (network_id);

-- downgrade
DROP INDEX ix_ip_address_network_id;
DROP TABLE ip_address;
