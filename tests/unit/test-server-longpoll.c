/* SPDX-License-Identifier: MIT */
/* kube-firstboot-server's wait list for long polls, without a network: a PUT wakes exactly the
 * waiters of its cluster, deadlines resume the waiters that are due and keep the earliest of the
 * rest, shutdown resumes all of them, a hang-up resumes its waiter alone, and the counts the loop's shutdown waits on stay right whatever
 * the order of wake-ups, re-runs and connection ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "macro.h"
#include "server-longpoll.h"

#define N 6

struct fixture {
        struct cluster clusters[2];
        struct waiter waiters[N];
        struct waitlist list;
        unsigned resumed[N];        /* resume() calls per waiter */
        size_t order[N * 2];        /* which waiter each resume() call was for */
        size_t n_calls;
};

static void on_resume(struct waiter *w, void *userdata) {
        struct fixture *f = userdata;
        size_t i = (size_t) (w - f->waiters);

        assert_true(i < N);
        /* the list has let go of it before the callback runs */
        assert_false(w->waiting);
        assert_true(w->resuming);
        f->resumed[i]++;
        f->order[f->n_calls++] = i;
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        strscpy(f->clusters[0].name, sizeof(f->clusters[0].name), "lab");
        strscpy(f->clusters[1].name, sizeof(f->clusters[1].name), "other");
        f->list.resume = on_resume;
        f->list.userdata = f;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        free(*state);
        return 0;
}

/* Waiter i waits for cluster c until deadline. */
static void wait_for(struct fixture *f, size_t i, size_t c, uint64_t deadline) {
        f->waiters[i].cluster = &f->clusters[c];
        f->waiters[i].deadline = deadline;
        waitlist_add(&f->list, &f->waiters[i]);
        assert_true(f->waiters[i].waiting);
}

/* Walks the list both ways: the same waiters, in the same order, as many as counted. */
static void assert_list(struct fixture *f, const size_t *expected, size_t n) {
        struct waiter *w = f->list.head;
        size_t i = 0;

        for (; w; w = w->next, i++) {
                assert_true(i < n);
                assert_ptr_equal(w, &f->waiters[expected[i]]);
                assert_true(w->waiting);
                assert_ptr_equal(w->prev, i ? &f->waiters[expected[i - 1]] : NULL);
        }
        assert_int_equal(i, n);
        assert_ptr_equal(f->list.tail, n ? &f->waiters[expected[n - 1]] : NULL);
        assert_int_equal(f->list.n_waiting, n);
}

static void test_wake_only_its_cluster(void **state) {
        struct fixture *f = *state;
        static const size_t others[] = { 1, 3 };

        wait_for(f, 0, 0, 1000);
        wait_for(f, 1, 1, 1000);
        wait_for(f, 2, 0, 2000);
        wait_for(f, 3, 1, 3000);
        assert_int_equal(f->clusters[0].n_waiters, 2);
        assert_int_equal(f->clusters[1].n_waiters, 2);

        waitlist_wake(&f->list, &f->clusters[0]);
        assert_int_equal(f->n_calls, 2);
        assert_int_equal(f->order[0], 0);             /* in the order they came */
        assert_int_equal(f->order[1], 2);
        assert_list(f, others, ELEMENTSOF(others));
        assert_int_equal(f->clusters[0].n_waiters, 0);
        assert_int_equal(f->clusters[1].n_waiters, 2);
        assert_int_equal(f->list.n_resuming, 2);

        /* a second PUT finds nobody left to wake */
        waitlist_wake(&f->list, &f->clusters[0]);
        assert_int_equal(f->n_calls, 2);

        waiter_resumed(&f->list, &f->waiters[0]);
        waiter_resumed(&f->list, &f->waiters[2]);
        assert_false(f->waiters[0].resuming);
        assert_int_equal(f->list.n_resuming, 0);
        /* a handler that runs again without having been resumed changes nothing */
        waiter_resumed(&f->list, &f->waiters[0]);
        assert_int_equal(f->list.n_resuming, 0);
}

static void test_deadlines(void **state) {
        struct fixture *f = *state;
        static const size_t after_first[] = { 0, 2, 3 }, after_second[] = { 2 };

        wait_for(f, 0, 0, 3000);
        assert_int_equal(f->list.next_deadline, 3000);
        wait_for(f, 1, 0, 1000);
        assert_int_equal(f->list.next_deadline, 1000);
        wait_for(f, 2, 1, 5000);
        wait_for(f, 3, 0, 2000);
        assert_int_equal(f->list.next_deadline, 1000);

        /* nothing due yet: the list is not even walked */
        waitlist_expire(&f->list, 999, false);
        assert_int_equal(f->n_calls, 0);
        assert_int_equal(f->list.next_deadline, 1000);

        waitlist_expire(&f->list, 1000, false);
        assert_int_equal(f->n_calls, 1);
        assert_int_equal(f->resumed[1], 1);
        assert_list(f, after_first, ELEMENTSOF(after_first));
        assert_int_equal(f->list.next_deadline, 2000);

        waitlist_expire(&f->list, 3500, false);
        assert_int_equal(f->n_calls, 3);
        assert_int_equal(f->resumed[0], 1);
        assert_int_equal(f->resumed[3], 1);
        assert_list(f, after_second, ELEMENTSOF(after_second));
        assert_int_equal(f->list.next_deadline, 5000);
        assert_int_equal(f->list.n_resuming, 3);

        waitlist_expire(&f->list, 5000, false);
        assert_int_equal(f->resumed[2], 1);
        assert_list(f, NULL, 0);
        assert_int_equal(f->list.next_deadline, 0);
        assert_null(f->list.head);
        assert_int_equal(f->clusters[0].n_waiters + f->clusters[1].n_waiters, 0);
}

static void test_shutdown_resumes_all(void **state) {
        struct fixture *f = *state;

        for (size_t i = 0; i < N; i++)
                wait_for(f, i, i % 2, 1000000 + i);
        waitlist_expire(&f->list, 1, true);
        assert_int_equal(f->n_calls, N);
        for (size_t i = 0; i < N; i++) {
                assert_int_equal(f->resumed[i], 1);
                assert_int_equal(f->order[i], i);
        }
        assert_list(f, NULL, 0);
        assert_int_equal(f->list.n_resuming, N);
        assert_int_equal(f->list.next_deadline, 0);
        for (size_t i = 0; i < N; i++)
                waiter_resumed(&f->list, &f->waiters[i]);
        assert_int_equal(f->list.n_resuming, 0);
}

static void test_forget(void **state) {
        struct fixture *f = *state;
        static const size_t rest[] = { 0, 2 }, last[] = { 0 };

        wait_for(f, 0, 0, 1000);
        wait_for(f, 1, 0, 1000);
        wait_for(f, 2, 1, 1000);
        wait_for(f, 3, 1, 1000);

        /* a client that goes away while waiting: off the list, from the middle and from the end */
        waiter_forget(&f->list, &f->waiters[1]);
        waiter_forget(&f->list, &f->waiters[3]);
        assert_list(f, rest, ELEMENTSOF(rest));
        assert_int_equal(f->clusters[0].n_waiters, 1);
        assert_int_equal(f->clusters[1].n_waiters, 1);
        assert_int_equal(f->n_calls, 0);

        /* one that goes away after its wake-up, before its handler ran again */
        waitlist_wake(&f->list, &f->clusters[1]);
        assert_int_equal(f->list.n_resuming, 1);
        waiter_forget(&f->list, &f->waiters[2]);
        assert_int_equal(f->list.n_resuming, 0);
        assert_false(f->waiters[2].resuming);
        assert_list(f, last, ELEMENTSOF(last));

        /* and one that was answered without ever waiting */
        waiter_forget(&f->list, &f->waiters[4]);
        assert_list(f, last, ELEMENTSOF(last));
        assert_int_equal(f->list.n_resuming, 0);

        /* the head */
        waiter_forget(&f->list, &f->waiters[0]);
        assert_list(f, NULL, 0);
        assert_int_equal(f->clusters[0].n_waiters, 0);
        /* forgetting leaves next_deadline early: a stale hint costs one walk that resumes nothing
         * and then holds the true earliest deadline */
        wait_for(f, 0, 0, 2000);
        assert_int_equal(f->list.next_deadline, 1000);
        waitlist_expire(&f->list, 1500, false);
        assert_int_equal(f->n_calls, 1);
        assert_int_equal(f->list.next_deadline, 2000);
}

/* A client that hangs up while it waits: that waiter alone is resumed (so its connection can be
 * closed), the others of its cluster keep waiting, and a second hang-up event for it changes nothing. */
static void test_cancel_one(void **state) {
        struct fixture *f = *state;
        static const size_t rest[] = { 0, 2 };

        wait_for(f, 0, 0, 1000);
        wait_for(f, 1, 0, 1000);
        wait_for(f, 2, 0, 1000);

        waiter_cancel(&f->list, &f->waiters[1]);
        assert_int_equal(f->n_calls, 1);
        assert_int_equal(f->resumed[1], 1);
        assert_list(f, rest, ELEMENTSOF(rest));
        assert_int_equal(f->clusters[0].n_waiters, 2);
        assert_int_equal(f->list.n_resuming, 1);

        waiter_cancel(&f->list, &f->waiters[1]);
        assert_int_equal(f->n_calls, 1);
        assert_int_equal(f->list.n_resuming, 1);

        /* its handler runs and the connection ends */
        waiter_resumed(&f->list, &f->waiters[1]);
        waiter_forget(&f->list, &f->waiters[1]);
        assert_int_equal(f->list.n_resuming, 0);
        assert_list(f, rest, ELEMENTSOF(rest));

        /* a record for the cluster wakes the two still waiting, not the one that left */
        waitlist_wake(&f->list, &f->clusters[0]);
        assert_int_equal(f->n_calls, 3);
        assert_int_equal(f->resumed[1], 1);
        assert_list(f, NULL, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_wake_only_its_cluster, setup, teardown),
                cmocka_unit_test_setup_teardown(test_deadlines, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shutdown_resumes_all, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_one, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
