-- .print: its words joined by spaces; quotes keep spaces inside a word.
.print hello
.print two words "and  a quoted one"
.print
.print 'single quoted'
