-- HTML: <TR> rows, <TH> headers when .headers is on, text escaped.
.mode html
SELECT 1 AS a, '<b>&"it''s"</b>' AS b, NULL AS c;
.headers on
SELECT 1 AS a, '<b>' AS "x<y";
