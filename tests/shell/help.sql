-- run: --help
.help
