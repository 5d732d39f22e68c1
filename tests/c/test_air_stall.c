/* test_air_stall.c - the air server on a fake clock with clients that flood it with
 * commands: one that reads a little now and then is kept, whatever its output
 * waits, and loses no event; one that reads nothing is closed once its output has
 * waited the stall time, never before. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "air/server.h"
#include "check.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "transport/h4.h"

#define STEP_US 100000u /* the fake clock's step */

static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
    return fake_now;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(fd >= 0);
    CHECK_EQ(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* Read Local Supported Commands, as many as the socket takes: each raises a
 * 71-octet Command Complete. Returns how many. */
static unsigned flood(int fd)
{
    static const uint8_t cmd[4] = {H4_CMD, 0x02, 0x10, 0};
    uint8_t buf[4 * 256];
    for (size_t i = 0; i < sizeof(buf); i += 4)
        memcpy(buf + i, cmd, 4);
    unsigned n = 0;
    for (;;) {
        ssize_t w = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
        if (w <= 0)
            break;
        CHECK_EQ(w % 4, 0); /* a stream socket takes whole chunks here or nothing */
        n += (unsigned)w / 4;
    }
    return n;
}

static unsigned events;

static int count_event(void *ctx, const uint8_t *pkt, size_t len)
{
    CHECK(len == 3u + 68 && pkt[1] == HCI_EV_CMD_COMPLETE);
    events++;
    return 0;
}

/* Reads at most max octets; returns how many. */
static size_t drain(int fd, struct h4_deframer *rx, size_t max)
{
    uint8_t buf[4096];
    size_t got = 0;
    while (got < max) {
        ssize_t n = recv(fd, buf, sizeof(buf) < max - got ? sizeof(buf) : max - got, 0);
        if (n <= 0)
            break;
        CHECK_EQ(h4_feed(rx, buf, (size_t)n, count_event, NULL), 0);
        got += (size_t)n;
    }
    return got;
}

static int hung_up(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

static int queued(int fd)
{
    int n = 0;
    CHECK_EQ(ioctl(fd, FIONREAD, &n), 0);
    return n;
}

static void turn(struct air_server *s)
{
    for (int i = 0; i < 4; i++)
        CHECK_EQ(air_server_turn(s, 0), 1);
}

/* stall_s as in the configuration (0: the default), stall_us what it means. */
static void test_stall(double stall_s, uint64_t stall_us)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/test_air_stall.%d.sock", (int)getpid());
    struct air_server_config cfg = {.socket_path = path,
                                    .timing = MEDIUM_TIMING_FAST,
                                    .seed = 5,
                                    .exit_when_idle_s = -1,
                                    .clock = fake_clock,
                                    .stall_timeout_s = stall_s};
    struct air_server *s;
    CHECK_EQ(air_server_open(&s, &cfg), 0);
    int slow = connect_to(path), dead = connect_to(path);
    struct h4_deframer rx;
    h4_init(&rx, H4_FROM_CONTROLLER, 1024);
    unsigned sent = 0;
    events = 0;
    uint64_t dead_moved = 0, dead_closed = 0;
    int dead_queue = -1;
    uint64_t end = fake_now + 60000000u;
    for (unsigned step = 0; fake_now < end; step++) {
        fake_now += STEP_US;
        sent += flood(slow);
        if (!dead_closed)
            flood(dead);
        turn(s);
        if (step % 10 == 0) /* a little, once a second */
            drain(slow, &rx, 32 * 1024);
        if (!dead_closed && queued(dead) != dead_queue) { /* the air wrote to it */
            dead_queue = queued(dead);
            dead_moved = fake_now;
        }
        if (!dead_closed && hung_up(dead))
            dead_closed = fake_now;
        CHECK(!hung_up(slow));
    }
    /* The dead one went after the stall time, within a step or two. */
    CHECK(dead_closed > 0);
    CHECK(dead_closed >= dead_moved + stall_us);
    CHECK(dead_closed <= dead_moved + stall_us + 2 * STEP_US);
    /* The slow one: its commands waited, and every one got its Command Complete. */
    CHECK(sent > 10000);
    for (int i = 0; i < 100000 && events < sent; i++) {
        fake_now += STEP_US;
        turn(s);
        drain(slow, &rx, SIZE_MAX);
    }
    CHECK_EQ(events, sent);
    close(slow);
    close(dead);
    air_server_close(s);
}

int main(void)
{
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    RUN(test_stall(0, 10000000u));
    RUN(test_stall(2.5, 2500000u));
    return check_summary("test_air_stall");
}
