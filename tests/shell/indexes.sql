-- args: -header
-- .indexes: the indexes, of the tables matching a pattern.
CREATE TABLE a(x UNIQUE, y);
CREATE INDEX a_y ON a(y);
CREATE TABLE b(z);
CREATE INDEX b_z ON b(z);
.indexes
.indexes b
.indexes zzz
