// Debian: zlib1g-dev. Only raw inflate (no zlib/gzip wrapper) and crc32 are used: the
// members of an .npz (a zip archive) are raw deflate streams with the CRC in the zip entry.
#include <zlib.h>

/// `inflateInit2(strm, -15)`: a raw deflate stream with a 32 KiB window. zlib's
/// `inflateInit2` is a macro, which Swift does not import.
static inline int czlib_inflate_init_raw(z_streamp strm) {
    return inflateInit2(strm, -15);
}
