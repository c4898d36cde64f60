-- A withdrawal erases the account id from that person's deliveries, and /mydata lists them:
-- both find a person's deliveries by account, not by scanning every broadcast's rows.
CREATE INDEX deliveries_person ON deliveries (platform, address) WHERE kind = 'person';
