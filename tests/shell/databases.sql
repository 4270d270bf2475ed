-- args: {db}
-- .databases: each database of the connection and its file ("" in memory).
.databases
ATTACH ':memory:' AS scratch;
.databases
