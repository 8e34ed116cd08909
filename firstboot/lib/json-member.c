/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "json-member.h"

const char *json_member_string(json_object *o, const char *key, size_t max) {
        json_object *v;
        int len;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        len = json_object_get_string_len(v);
        if (len < 0 || (size_t) len > max || strlen(json_object_get_string(v)) != (size_t) len)
                return NULL;
        return json_object_get_string(v);
}

int json_member_int64(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v;
        int64_t i;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -EINVAL;
        i = json_object_get_int64(v);
        if (i < min || i > max)
                return -EINVAL;
        *ret = i;
        return 0;
}
