"""Connection.iterdump: the database as SQL text, line by line, in the form sqlite3 gives it:
BEGIN TRANSACTION; each table's CREATE and its rows as INSERT INTO "t" VALUES(...) (tables by
name); then indexes, triggers and views; then sqlite_sequence's rows; COMMIT."""


def _quoted(name):
    return name.replace('"', '""')


def _table_lines(cursor, table):
    """INSERTs reproducing table's rows, the values written by SQL's quote()."""
    columns = [str(info[1]) for info in
               cursor.execute(f'PRAGMA table_info("{_quoted(table)}")').fetchall()]
    values = ",".join(f"'||quote(\"{_quoted(column)}\")||'" for column in columns)
    select = f"SELECT 'INSERT INTO \"{_quoted(table)}\" VALUES({values})' FROM \"{_quoted(table)}\";"
    for (line,) in cursor.execute(select).fetchall():
        yield line + ";"


def iterdump(connection):
    cursor = connection.cursor()
    sequence = []  # sqlite_sequence's lines: last, once every table exists
    yield "BEGIN TRANSACTION;"
    tables = cursor.execute(
        'SELECT "name", "type", "sql" FROM "sqlite_master" WHERE "sql" NOT NULL AND '
        "\"type\" == 'table' ORDER BY \"name\"").fetchall()
    for name, _type, sql in tables:
        if name == "sqlite_sequence":
            rows = cursor.execute('SELECT * FROM "sqlite_sequence";').fetchall()
            sequence = ['DELETE FROM "sqlite_sequence";'] + [
                f"INSERT INTO \"sqlite_sequence\" VALUES('{row[0]}',{row[1]});" for row in rows]
            continue
        if name == "sqlite_stat1":
            yield 'ANALYZE "sqlite_master";'
        elif name.startswith("sqlite_"):
            continue
        else:
            yield sql + ";"
        yield from _table_lines(cursor, name)
    others = cursor.execute(
        'SELECT "name", "type", "sql" FROM "sqlite_master" WHERE "sql" NOT NULL AND '
        "\"type\" IN ('index', 'trigger', 'view')").fetchall()
    for _name, _type, sql in others:
        yield sql + ";"
    yield from sequence
    yield "COMMIT;"
