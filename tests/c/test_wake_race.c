/* zil_inport_wake racing a receive must not leave the port's wake-up
 * eventfd readable with no wake-up pending (every later zil_inport_recv
 * would then spin, burning a CPU until its timeout).
 *
 * The interleaving this guards against (src/waker.rs, src/stream/inport.rs):
 *   waker thread:   wake(): pending.store(true) ........... write(fd, 1)
 *   receiver:              recv: is_pending() -> take(): pending=false,
 *                          read(fd) -> EAGAIN (nothing written yet),
 *                          returns ZIL_INTERRUPTED
 * zil drains the eventfd whenever poll reports it readable, so the late
 * write is consumed by the next receive.
 *
 * The test repeats "the main thread polls recv(0) while another thread
 * wakes once", then measures the CPU time of a recv(1 ms) with nothing to
 * receive: about 0 normally, the whole millisecond when spinning. The race
 * is narrow (about 1 trial in 500) so it runs trials for up to 4 s and fails
 * at the first spin. A recv(1 ms) that used more than 0.6 ms of CPU is
 * confirmed with a recv(50 ms): a real spin burns it all, CPU-time noise on
 * a loaded machine (ctest -j4 on 2 CPUs) does not. (Under valgrind threads are serialized and the race is
 * rarely hit.) */
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

static zil_inport_t *in;
static sem_t go;
static atomic_int quit;

static void *waker_thread(void *arg)
{
    (void)arg;
    for (;;) {
        sem_wait(&go);
        if (atomic_load(&quit))
            return NULL;
        zil_inport_wake(in);
    }
}

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
    char addr[256];
    pthread_t thread;
    double end, worst = 0;
    int trials = 0, spins = 0, noise = 0;

    test_watchdog(50);
    test_bind_address(TEST_INPROC, "spin", addr, sizeof addr);
    in = zil_inport_new(addr, "t"); /* nobody publishes: recv only times out */
    CHECK(in != NULL);
    CHECK(sem_init(&go, 0, 0) == 0);
    atomic_init(&quit, 0);
    CHECK(pthread_create(&thread, NULL, waker_thread, NULL) == 0);

    end = now_ms() + 4000;
    while (now_ms() < end && spins == 0) {
        zil_msg_t *msg = NULL;
        double cpu;
        zil_result rc;
        sem_post(&go);
        /* poll until the wake-up arrives (bounded by the watchdog) */
        while ((rc = zil_inport_recv(in, &msg, 0)) == ZIL_TIMEOUT) {
        }
        CHECK_RESULT(rc, ZIL_INTERRUPTED);
        cpu = thread_cpu_ms();
        CHECK_RESULT(zil_inport_recv(in, &msg, 1), ZIL_TIMEOUT);
        cpu = thread_cpu_ms() - cpu;
        if (cpu > 0.6) {
            /* Suspicious, or just CPU-time noise on a loaded machine? The
             * spinning state stays until the next wake-up, so a longer
             * receive would spin all along: confirm with one. */
            double confirm = thread_cpu_ms();
            CHECK_RESULT(zil_inport_recv(in, &msg, 50), ZIL_TIMEOUT);
            confirm = thread_cpu_ms() - confirm;
            if (confirm > 25) {
                printf("then recv(50 ms) used %.0f ms of CPU\n", confirm);
                spins++;
                if (cpu > worst)
                    worst = cpu;
            } else {
                noise++;
            }
        } else if (cpu > worst) {
            worst = cpu;
        }
        trials++;
    }
    atomic_store(&quit, 1);
    sem_post(&go);
    CHECK(pthread_join(thread, NULL) == 0);
    sem_destroy(&go);
    zil_inport_free(in);
    printf("%d trials, %d spinning receives, %d false alarms (CPU-time noise), worst recv(1 ms) "
           "used %.2f ms of CPU\n",
           trials, spins, noise, worst);
    CHECKF(spins == 0,
           "BUG: after a wake-up raced a receive, recv(1 ms) busy-looped for %.2f ms of CPU "
           "(trial %d)",
           worst, trials);
    return 0;
}
