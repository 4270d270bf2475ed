-- .output FILE: results and dot command output go to FILE until .output; .once FILE: only the next
-- command's. Errors still go to standard error.
.output {dir}/all.txt
SELECT 1;
.print printed
SELECT * FROM missing;
.output
SELECT 'back on stdout';
.once {dir}/once.txt
SELECT 'once'; SELECT 'same command';
SELECT 'after once';
.once {dir}/schema.txt
.schema
.output {dir}/no/such/dir.txt
.output |cat
SELECT 'still stdout';
-- show: {dir}/all.txt
-- show: {dir}/once.txt
