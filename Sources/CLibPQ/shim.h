// Debian: libpq-dev. PostgreSQL's own C client: synchronous (like the rest of the storage
// layer), binary results and binary COPY, and no Swift package to build.
#include <postgresql/libpq-fe.h>
