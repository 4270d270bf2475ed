-- Where statements end: ';' outside quotes and comments, and END; of a trigger.
SELECT 'a;b' AS semicolon_in_string; SELECT "x;y" FROM (SELECT 1 AS "x;y");
SELECT 1 -- a comment; not the end
  + /* nor; this */ 1 AS two;
CREATE TABLE log(x);
CREATE TRIGGER tr AFTER INSERT ON log WHEN new.x < 3 BEGIN
  INSERT INTO log VALUES (new.x + 1);
  SELECT 'still inside';
END;
INSERT INTO log VALUES (1);
SELECT group_concat(x) AS chain FROM log;
SELECT 'it''s' AS doubled_quote
;
   ;
/* a comment alone */
-- .mode csv is SQL text here, in the middle of a statement:
SELECT 5
.mode csv
;
SELECT 'last statement without a semicolon' AS tail
-- Boxes, as on a terminal (a pipe gets list mode):
-- args: -box
