// Debian: liblz4-dev. Only the block API is used: frames would duplicate our own block header.
#include <lz4.h>
