/* SPDX-License-Identifier: MIT */
/* One gzip member (RFC 1952) around a deflate stream (RFC 1951), decoded whole in memory. Written here
 * rather than taken from zlib: the only gzip the agent reads is a network-config of a few hundred bytes
 * on the kernel command line, and zlib is no library the agent is checked against on CentOS 7. The input
 * comes from outside, so every read is bounded, every code checked, and the output never passes max. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"
#include "macro.h"

#define MAX_BITS 15
#define MAX_LITERALS 288 /* 286 used, 2 more in the fixed code */
#define MAX_DISTANCES 30

struct bit_reader {
        const uint8_t *in;
        size_t size, pos;
        uint32_t bits;
        unsigned n_bits;
};

struct output {
        uint8_t *data;
        size_t len, max;
};

/* A canonical Huffman code: how many codes of each length, and the symbols in code order. */
struct huffman {
        uint16_t count[MAX_BITS + 1];
        uint16_t symbol[MAX_LITERALS];
};

static int read_bits(struct bit_reader *r, unsigned n, unsigned *ret) {
        while (r->n_bits < n) {
                if (r->pos >= r->size)
                        return -EBADMSG;
                r->bits |= (uint32_t) r->in[r->pos++] << r->n_bits;
                r->n_bits += 8;
        }
        *ret = r->bits & ((1U << n) - 1);
        r->bits >>= n;
        r->n_bits -= n;
        return 0;
}

/* lengths[0..n) into h. An over-subscribed set of lengths is no code; an incomplete one is allowed
 * (deflate has them, e.g. a single distance code), its unused codes are refused when read. */
static int huffman_build(struct huffman *h, const uint8_t *lengths, unsigned n) {
        uint16_t offset[MAX_BITS + 1];
        int left = 1;

        memset(h->count, 0, sizeof(h->count));
        for (unsigned i = 0; i < n; i++)
                h->count[lengths[i]]++;
        h->count[0] = 0;
        for (unsigned len = 1; len <= MAX_BITS; len++) {
                left = left * 2 - h->count[len];
                if (left < 0)
                        return -EBADMSG;
        }
        offset[1] = 0;
        for (unsigned len = 1; len < MAX_BITS; len++)
                offset[len + 1] = (uint16_t) (offset[len] + h->count[len]);
        for (unsigned i = 0; i < n; i++)
                if (lengths[i])
                        h->symbol[offset[lengths[i]]++] = (uint16_t) i;
        return 0;
}

/* Codes are sent most significant bit first: one bit at a time, compared with the first code of each
 * length. */
static int huffman_decode(struct bit_reader *r, const struct huffman *h) {
        int code = 0, first = 0, index = 0;

        for (unsigned len = 1; len <= MAX_BITS; len++) {
                unsigned bit;
                int count = h->count[len];

                if (read_bits(r, 1, &bit) < 0)
                        return -EBADMSG;
                code |= (int) bit;
                if (code - count < first)
                        return h->symbol[index + (code - first)];
                index += count;
                first = (first + count) << 1;
                code <<= 1;
        }
        return -EBADMSG;
}

static int output_byte(struct output *o, uint8_t byte) {
        if (o->len >= o->max)
                return -E2BIG;
        o->data[o->len++] = byte;
        return 0;
}

static int inflate_stored(struct bit_reader *r, struct output *o) {
        unsigned len;

        /* the rest of the current byte is padding: fewer than 8 bits are ever held */
        r->bits = 0;
        r->n_bits = 0;
        if (r->size - r->pos < 4)
                return -EBADMSG;
        len = r->in[r->pos] | (unsigned) r->in[r->pos + 1] << 8;
        if ((len ^ (r->in[r->pos + 2] | (unsigned) r->in[r->pos + 3] << 8)) != 0xffff)
                return -EBADMSG;
        r->pos += 4;
        if (r->size - r->pos < len)
                return -EBADMSG;
        if (o->max - o->len < len)
                return -E2BIG;
        memcpy(o->data + o->len, r->in + r->pos, len);
        o->len += len;
        r->pos += len;
        return 0;
}

static int inflate_codes(struct bit_reader *r, struct output *o, const struct huffman *literals,
                         const struct huffman *distances) {
        static const uint16_t length_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                                  31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
        static const uint8_t length_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                  2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
        static const uint16_t distance_base[30] = { 1,   2,   3,   4,   5,   7,    9,    13,   17,   25,
                                                    33,  49,  65,  97,  129, 193,  257,  385,  513,  769,
                                                    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
        static const uint8_t distance_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

        for (;;) {
                int symbol = huffman_decode(r, literals);
                unsigned extra, length, distance;

                if (symbol < 0)
                        return symbol;
                if (symbol < 256) {
                        if (output_byte(o, (uint8_t) symbol) < 0)
                                return -E2BIG;
                        continue;
                }
                if (symbol == 256)
                        return 0;
                symbol -= 257;
                if (symbol >= 29)
                        return -EBADMSG;
                if (read_bits(r, length_extra[symbol], &extra) < 0)
                        return -EBADMSG;
                length = length_base[symbol] + extra;

                symbol = huffman_decode(r, distances);
                if (symbol < 0)
                        return symbol;
                if (symbol >= 30)
                        return -EBADMSG;
                if (read_bits(r, distance_extra[symbol], &extra) < 0)
                        return -EBADMSG;
                distance = distance_base[symbol] + extra;
                if (distance > o->len)
                        return -EBADMSG;
                if (o->max - o->len < length)
                        return -E2BIG;
                /* byte by byte: a copy may overlap what it writes (distance < length) */
                for (unsigned i = 0; i < length; i++, o->len++)
                        o->data[o->len] = o->data[o->len - distance];
        }
}

static int inflate_fixed(struct bit_reader *r, struct output *o) {
        struct huffman literals, distances;
        uint8_t lengths[MAX_LITERALS];
        unsigned i;

        for (i = 0; i < 144; i++)
                lengths[i] = 8;
        for (; i < 256; i++)
                lengths[i] = 9;
        for (; i < 280; i++)
                lengths[i] = 7;
        for (; i < MAX_LITERALS; i++)
                lengths[i] = 8;
        if (huffman_build(&literals, lengths, MAX_LITERALS) < 0)
                return -EBADMSG;
        for (i = 0; i < MAX_DISTANCES; i++)
                lengths[i] = 5;
        if (huffman_build(&distances, lengths, MAX_DISTANCES) < 0)
                return -EBADMSG;
        return inflate_codes(r, o, &literals, &distances);
}

static int inflate_dynamic(struct bit_reader *r, struct output *o) {
        static const uint8_t order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
        struct huffman code_lengths, literals, distances;
        uint8_t lengths[MAX_LITERALS + MAX_DISTANCES] = {};
        unsigned n_literals, n_distances, n_code_lengths, value;

        if (read_bits(r, 5, &n_literals) < 0 || read_bits(r, 5, &n_distances) < 0 ||
            read_bits(r, 4, &n_code_lengths) < 0)
                return -EBADMSG;
        n_literals += 257;
        n_distances += 1;
        n_code_lengths += 4;
        if (n_literals > 286 || n_distances > MAX_DISTANCES)
                return -EBADMSG;
        for (unsigned i = 0; i < n_code_lengths; i++) {
                if (read_bits(r, 3, &value) < 0)
                        return -EBADMSG;
                lengths[order[i]] = (uint8_t) value;
        }
        if (huffman_build(&code_lengths, lengths, 19) < 0)
                return -EBADMSG;

        for (unsigned i = 0; i < n_literals + n_distances;) {
                int symbol = huffman_decode(r, &code_lengths);
                unsigned repeat, extra;
                uint8_t length = 0;

                if (symbol < 0)
                        return symbol;
                if (symbol < 16) {
                        lengths[i++] = (uint8_t) symbol;
                        continue;
                }
                if (symbol == 16) {
                        if (i == 0)
                                return -EBADMSG; /* nothing to repeat */
                        length = lengths[i - 1];
                        if (read_bits(r, 2, &extra) < 0)
                                return -EBADMSG;
                        repeat = 3 + extra;
                } else if (symbol == 17) {
                        if (read_bits(r, 3, &extra) < 0)
                                return -EBADMSG;
                        repeat = 3 + extra;
                } else {
                        if (read_bits(r, 7, &extra) < 0)
                                return -EBADMSG;
                        repeat = 11 + extra;
                }
                if (i + repeat > n_literals + n_distances)
                        return -EBADMSG;
                while (repeat--)
                        lengths[i++] = length;
        }
        if (lengths[256] == 0) /* no end-of-block code: the block could never end */
                return -EBADMSG;
        if (huffman_build(&literals, lengths, n_literals) < 0 ||
            huffman_build(&distances, lengths + n_literals, n_distances) < 0)
                return -EBADMSG;
        return inflate_codes(r, o, &literals, &distances);
}

static uint32_t crc32_of(const uint8_t *data, size_t size) {
        uint32_t crc = 0xffffffffU;

        for (size_t i = 0; i < size; i++) {
                crc ^= data[i];
                for (unsigned k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
        }
        return crc ^ 0xffffffffU;
}

static uint32_t le32(const uint8_t *p) {
        return p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

bool gzip_magic(const void *data, size_t size) {
        const uint8_t *p = data;

        return size >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

int gunzip(const void *data, size_t size, size_t max, char **ret, size_t *ret_size) {
        enum { FHCRC = 1 << 1, FEXTRA = 1 << 2, FNAME = 1 << 3, FCOMMENT = 1 << 4, FRESERVED = 0xe0 };
        const uint8_t *in = data;
        struct bit_reader r = {};
        struct output o = { .max = max };
        size_t pos = 10;
        unsigned last = 0, type;
        int k;

        if (size < 18 || !gzip_magic(in, size) || in[2] != 8 /* deflate */ || (in[3] & FRESERVED))
                return -EBADMSG;
        if (in[3] & FEXTRA) {
                size_t xlen;
                if (size - pos < 2)
                        return -EBADMSG;
                xlen = in[pos] | (size_t) in[pos + 1] << 8;
                if (size - pos - 2 < xlen)
                        return -EBADMSG;
                pos += 2 + xlen;
        }
        for (unsigned flag = FNAME; flag <= FCOMMENT; flag <<= 1)
                if (in[3] & flag) {
                        const uint8_t *end = memchr(in + pos, 0, size - pos);
                        if (!end)
                                return -EBADMSG;
                        pos = (size_t) (end - in) + 1;
                }
        if (in[3] & FHCRC) {
                if (size - pos < 2 || (crc32_of(in, pos) & 0xffff) != (in[pos] | (unsigned) in[pos + 1] << 8))
                        return -EBADMSG;
                pos += 2;
        }
        if (size - pos < 8)
                return -EBADMSG;
        r.in = in + pos;
        r.size = size - pos - 8; /* the deflate stream, then CRC32 and ISIZE */

        o.data = malloc(max + 1);
        if (!o.data)
                return -ENOMEM;
        while (!last) {
                k = read_bits(&r, 1, &last) < 0 || read_bits(&r, 2, &type) < 0 ? -EBADMSG
                    : type == 0                                               ? inflate_stored(&r, &o)
                    : type == 1                                               ? inflate_fixed(&r, &o)
                    : type == 2                                               ? inflate_dynamic(&r, &o)
                                                                              : -EBADMSG;
                if (k < 0) {
                        free(o.data);
                        return k;
                }
        }
        /* one member, nothing after it: what is left of the last byte is padding */
        if (r.pos != r.size || crc32_of(o.data, o.len) != le32(in + size - 8) || (uint32_t) o.len != le32(in + size - 4)) {
                free(o.data);
                return -EBADMSG;
        }
        o.data[o.len] = 0;
        *ret = (char *) o.data;
        if (ret_size)
                *ret_size = o.len;
        return 0;
}
