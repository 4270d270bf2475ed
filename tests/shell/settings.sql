-- SET and RESET run through db_prepare like any statement; .settings shows the registry.
SET memory_limit = '64MB';
SELECT current_setting('memory_limit') AS limit_now;
.mode line
.settings memory_limit
SET memory_limit TO '1.5GiB';
.mode csv
.headers off
SELECT value FROM duckcore_settings() WHERE name = 'memory_limit';
.settings %_decay_ms
.settings *_decay_*
SET memroy_limit = '1MB';
SET memory_limit = 'lots';
RESET memory_limit;
.settings memory_limit
.settings no_such_option
-- Boxes, as on a terminal (a pipe gets list mode):
-- args: -box
