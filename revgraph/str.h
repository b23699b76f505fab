/* temporary shim while parsers move to revgraph/str.h */
#include "revgraph/str.h"
