-- Box (the default on a terminal) and table modes: columns sized to their content, numbers
-- right-aligned, NULL shown, wide characters counted as two columns, long text and line breaks
-- wrapped.
CREATE TABLE t(id INTEGER, name TEXT, score REAL, note TEXT);
INSERT INTO t VALUES (1, 'ada', 9.5, NULL), (22, '日本語', -0.25, 'two' || char(10) || 'lines'),
                     (333, 'tab' || char(9) || 'here', 100.0, '');
SELECT * FROM t ORDER BY id;
SELECT x'00ff' AS blob, NULL AS empty;
SELECT * FROM t WHERE id < 0;
SELECT 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.' AS long;
.mode table
SELECT * FROM t ORDER BY id;
.mode
-- Boxes, as on a terminal (a pipe gets list mode):
-- args: -box
