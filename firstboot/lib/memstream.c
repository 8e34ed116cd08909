/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "memstream.h"
#include "secret.h"

int memstream_open(struct memstream *m) {
        m->buf = NULL;
        m->size = 0;
        m->f = open_memstream(&m->buf, &m->size);
        return m->f ? 0 : -ENOMEM;
}

int memstream_close(struct memstream *m, bool secret, char **ret, size_t *ret_size) {
        bool failed = ferror(m->f);

        if (fclose(m->f) != 0)
                failed = true;
        m->f = NULL;
        if (failed || !m->buf) {
                if (secret)
                        erase_and_free(m->buf);
                else
                        free(m->buf);
                m->buf = NULL;
                return -ENOMEM;
        }
        *ret = m->buf;
        if (ret_size)
                *ret_size = m->size;
        return 0;
}
