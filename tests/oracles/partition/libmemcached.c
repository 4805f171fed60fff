/* Answers for libmemcached (Debian libmemcached-dev) with
 * MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED: reads "host port weight" lines, a line
 * "--", then one hex key per line, and prints the server index that
 * memcached_generate_hash() picks for each key, one per line. No server is
 * contacted. Built and run by tests/oracles/clients.py. */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unhex(const char *s, char *out) {
    int n = 0;
    for (; s[0] && s[1] && s[0] != '\n'; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) return -1;
        out[n++] = (char)v;
    }
    return n;
}

int main(void) {
    memcached_st *memc = memcached_create(NULL);
    static char line[1 << 16], key[1 << 15];
    if (memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1) != MEMCACHED_SUCCESS) return 2;
    while (fgets(line, sizeof line, stdin) && strcmp(line, "--\n") != 0) {
        char host[1024];
        unsigned port, weight;
        if (sscanf(line, "%1023s %u %u", host, &port, &weight) != 3) return 3;
        if (memcached_server_add_with_weight(memc, host, (in_port_t)port, weight) != MEMCACHED_SUCCESS) return 4;
    }
    while (fgets(line, sizeof line, stdin)) {
        int n = unhex(line, key);
        if (n < 0) return 5;
        printf("%u\n", memcached_generate_hash(memc, key, (size_t)n));
    }
    memcached_free(memc);
    return 0;
}
