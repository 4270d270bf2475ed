/* SQLite's speedtest1.c, unchanged, with its engine calls renamed to go through duckcore. */
#include "speedtest1_duckcore.h"
#include "speedtest1.c"
