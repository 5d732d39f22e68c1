/* main.c - mpble-air: the virtual radio server. Options, signals, then the server. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "air/server.h"
#include "common/log.h"
#include "transport/air_path.h"

#define EXIT_USAGE 2
#define EXIT_ALREADY_RUNNING 3

static const char usage[] =
    "usage: mpble-air [options]\n"
    "\n"
    "The virtual radio: every client connecting to its socket gets a fresh virtual\n"
    "Bluetooth LE controller and talks HCI to it in H4 framing; the controllers\n"
    "advertise to and scan each other on one simulated air. Runs in the foreground\n"
    "until SIGINT or SIGTERM (it never daemonizes).\n"
    "\n"
    "  --socket PATH         Unix socket to listen on. Default:\n"
    "                        $XDG_RUNTIME_DIR/mpble/air.sock if XDG_RUNTIME_DIR is a\n"
    "                        usable directory of yours, else /tmp/mpble-$UID/air.sock;\n"
    "                        that directory is created with mode 0700 and refused if\n"
    "                        another user owns it or it grants others any access.\n"
    "                        If another air accepts on PATH, exit with status 3; a\n"
    "                        stale socket is replaced. The socket's mode is 0600,\n"
    "                        whatever the umask.\n"
    "  --tcp PORT            also listen for the same protocol on 127.0.0.1:PORT\n"
    "                        (loopback only; any local user can connect there: a\n"
    "                        warning says so).\n"
    "  --timing real|fast    real (default): advertising events every advertising\n"
    "                        interval plus a random 0-10 ms advDelay, the PDUs on\n"
    "                        channels 37, 38, 39 a PDU's air time at LE 1M apart (plus\n"
    "                        room for a scan request and response); a scanner listens\n"
    "                        on one channel per scan interval (37, 38, 39 in turn) and\n"
    "                        only during the scan window; initiators likewise.\n"
    "                        Connections: a connection event every connection\n"
    "                        interval from the anchor point; in it the central and\n"
    "                        the peripheral alternate PDUs T_IFS (150 us) apart, each\n"
    "                        taking its air time (8 us per octet at LE 1M, 4 at 2M,\n"
    "                        with preamble, access address, header and CRC), for as\n"
    "                        long as either sets MD and the next exchange ends\n"
    "                        T_IFS before the next anchor.\n"
    "                        fast: for tests of logic. Enabling advertising runs an\n"
    "                        advertising event at once, then one every 1 ms whatever\n"
    "                        the interval, with no advDelay; scanners and initiators\n"
    "                        hear every channel all the time (scan interval and\n"
    "                        window ignored), so each event reaches them once per\n"
    "                        channel in the map; enabling a scan or LE Create\n"
    "                        Connection makes every advertiser advertise at once.\n"
    "                        Connections: the first connection event comes at once;\n"
    "                        whenever either side has something to send (ACL data,\n"
    "                        an LL control PDU) or an instant is pending, the next\n"
    "                        event runs at once with no air time limit, so PDUs\n"
    "                        cross as soon as they are queued (acknowledged by\n"
    "                        SN/NESN as in real timing); an idle connection still\n"
    "                        has an empty event every connection interval on the\n"
    "                        clock. Timeouts are on the clock: a connection whose\n"
    "                        peer vanished ends after the supervision timeout (0x08),\n"
    "                        one never established after 6 intervals (0x3E).\n"
    "  --seed N              make every random choice repeatable: advDelay, RSSI\n"
    "                        jitter, positions, LE Rand, the addresses, access\n"
    "                        addresses and hop increments. Default: a\n"
    "                        random seed, shown in the log so a run can be repeated.\n"
    "  --loss P              each PDU on the air (advertising and data channel alike)\n"
    "                        is lost with probability P, 0..1 (default 0), drawn from\n"
    "                        the seeded generator. A lost PDU reaches no receiver: an\n"
    "                        advertiser's event simply goes unheard; on a connection\n"
    "                        the missing answer makes the sender send it again\n"
    "                        (SN/NESN), so data still arrive complete and in order,\n"
    "                        and a link ends by its supervision timeout only if\n"
    "                        nothing gets through for that long. In fast timing an\n"
    "                        event that heard nothing is repeated at once (16 times\n"
    "                        in a row at most, then every connection interval).\n"
    "  --position N:X,Y      put the Nth client's controller (N as in the addresses\n"
    "                        below) at X,Y metres; repeatable. Unplaced ones get a\n"
    "                        random spot in a 0.7 m square at the origin.\n"
    "  --range METRES        receivers farther than METRES from a sender hear\n"
    "                        nothing. Default: unlimited.\n"
    "  --pcap FILE           write every PDU on the air to FILE (replaced), a pcap\n"
    "                        file of link type 256 (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR)\n"
    "                        for Wireshark or tshark: a pseudo-header (RF channel,\n"
    "                        signal power as transmitted, 0 dBm; the access address\n"
    "                        as reference; the PDU type: advertising, or data central\n"
    "                        to peripheral or back; the PHY; CRC left for the reader\n"
    "                        to check), then access address, PDU and CRC. Each PDU\n"
    "                        once as transmitted, lost and collided ones included\n"
    "                        (a loss shows as the missing answer and the resent PDU).\n"
    "                        Timestamps: the wall clock at the start plus the air's\n"
    "                        clock. Written PDU by PDU: a killed air leaves a\n"
    "                        readable file.\n"
    "  --exit-when-idle S    exit S seconds after the last client leaves, or if none\n"
    "                        connects within S seconds of the start.\n"
    "  --stall-timeout S     close a client whose output has waited S seconds\n"
    "                        (default 10) without it reading anything; its links\n"
    "                        then end by supervision timeout on the peers. A client\n"
    "                        that reads slowly is kept: while its output is full,\n"
    "                        the air stops reading its commands and data, and its\n"
    "                        controller stops acknowledging the data PDUs its peers\n"
    "                        send (they send them again), so nothing is lost and\n"
    "                        the senders' hosts see their buffers fill; only\n"
    "                        advertising reports are dropped meanwhile.\n"
    "  --log-level LEVEL     error, warn, info (default) or debug.\n"
    "  --log-file PATH       append the log to PATH instead of stderr.\n"
    "  --foreground          accepted for clarity: the only mode.\n"
    "  --help                this text.\n"
    "\n"
    "Controllers: the Nth client to connect (N from 1) gets the public address\n"
    "PP:PP:NN:NN:NN:NN, PPPP drawn from the seed and NNNNNNNN = N in hex (or, should\n"
    "a live client have written that one, a spare one from NNNNNNNN = 80000000 on). A\n"
    "host may write another public address with Zephyr's vendor command Write BD_ADDR\n"
    "(0xFC06): granted unless a live client has it, else refused with status 0x0D.\n"
    "The address stays across HCI Reset, while the client stays connected. All devices\n"
    "sit within a metre of each other unless placed with --position; RSSI is a\n"
    "free-space path loss from the distance (-40 dBm at 1 m, 20 dB less per tenfold\n"
    "distance, distances under 10 cm count as 10 cm) plus -2..+2 dB of jitter,\n"
    "within -127..20 dBm.\n"
    "\n"
    "Limits: clients, as many as open files allow: the air raises its soft limit of\n"
    "open files (ulimit -n) to the hard limit at start-up and needs one per client\n"
    "plus up to 11 of its own; a client beyond that is accepted and closed at once, with a\n"
    "warning in the log (its host sees the connection closed). Memory: up to 256 KiB\n"
    "of queued events per client (one that reads none of them for --stall-timeout\n"
    "seconds is closed) and the controller's own state; 512 connections on the air\n"
    "at once, 32 per controller;\n"
    "16 transmissions overlapping within one exchange (more collide);\n"
    "256 --position options.\n"
    "\n"
    "Exit status: 0 stopped or idle, 1 error, 2 bad usage, 3 another air is running.\n";

static struct air_server *volatile running;

static void on_signal(int sig)
{
    if (running)
        air_server_stop(running);
}

static int parse_number(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A finite number, all of s. */
static int parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* N:X,Y into p; N >= 1 not given before among the n in ps. */
static int parse_position(const char *s, const struct air_position *ps, unsigned n,
                          struct air_position *p)
{
    char buf[128];
    unsigned long long ordinal;
    if (strlen(s) >= sizeof(buf))
        return -1;
    strcpy(buf, s);
    char *colon = strchr(buf, ':'), *comma = colon ? strchr(colon, ',') : NULL;
    if (!comma)
        return -1;
    *colon = *comma = 0;
    if (parse_number(buf, UINT32_MAX, &ordinal) < 0 || ordinal == 0 ||
        parse_real(colon + 1, &p->x) < 0 || parse_real(comma + 1, &p->y) < 0)
        return -1;
    p->ordinal = (uint32_t)ordinal;
    for (unsigned i = 0; i < n; i++)
        if (ps[i].ordinal == p->ordinal)
            return -1;
    return 0;
}

/* One client takes one descriptor: the hard limit, not the soft, bounds them. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        log_msg(LOG_LEVEL_WARN, "cannot raise the open files limit from %llu: %s",
                (unsigned long long)was, strerror(errno));
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mpble-air: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see mpble-air --help)\n");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'},
        {"tcp", required_argument, NULL, 't'},
        {"timing", required_argument, NULL, 'T'},
        {"seed", required_argument, NULL, 'S'},
        {"exit-when-idle", required_argument, NULL, 'i'},
        {"log-level", required_argument, NULL, 'l'},
        {"log-file", required_argument, NULL, 'f'},
        {"loss", required_argument, NULL, 'L'},
        {"position", required_argument, NULL, 'P'},
        {"range", required_argument, NULL, 'R'},
        {"pcap", required_argument, NULL, 'c'},
        {"stall-timeout", required_argument, NULL, 'X'},
        {"foreground", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct air_position positions[AIR_MAX_POSITIONS];
    struct air_server_config cfg = {
        .timing = MEDIUM_TIMING_REAL, .exit_when_idle_s = -1, .positions = positions};
    int level = LOG_LEVEL_INFO, have_seed = 0;
    const char *log_path = NULL;
    unsigned long long v;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            cfg.socket_path = optarg;
            break;
        case 't':
            if (parse_number(optarg, 65535, &v) < 0 || v == 0)
                return usage_error("--tcp wants a port 1..65535, not '%s'", optarg);
            cfg.tcp_port = (int)v;
            break;
        case 'T':
            if (strcmp(optarg, "real") == 0)
                cfg.timing = MEDIUM_TIMING_REAL;
            else if (strcmp(optarg, "fast") == 0)
                cfg.timing = MEDIUM_TIMING_FAST;
            else
                return usage_error("--timing wants real or fast, not '%s'", optarg);
            break;
        case 'S':
            if (parse_number(optarg, UINT64_MAX, &v) < 0)
                return usage_error("--seed wants a non-negative integer, not '%s'", optarg);
            cfg.seed = v;
            have_seed = 1;
            break;
        case 'i':
            if (parse_number(optarg, INT_MAX / 1000000, &v) < 0)
                return usage_error("--exit-when-idle wants seconds, not '%s'", optarg);
            cfg.exit_when_idle_s = (int)v;
            break;
        case 'l':
            if ((level = log_level_parse(optarg)) < 0)
                return usage_error("--log-level wants error, warn, info or debug, not '%s'",
                                   optarg);
            break;
        case 'f':
            log_path = optarg;
            break;
        case 'L':
            if (parse_real(optarg, &cfg.loss) < 0 || cfg.loss < 0 || cfg.loss > 1)
                return usage_error("--loss wants a probability 0..1, not '%s'", optarg);
            break;
        case 'P':
            if (cfg.npositions == AIR_MAX_POSITIONS)
                return usage_error("%s", "too many --position options");
            if (parse_position(optarg, positions, cfg.npositions, &positions[cfg.npositions]) < 0)
                return usage_error("--position wants N:X,Y (N >= 1 once, X and Y in "
                                   "metres), not '%s'",
                                   optarg);
            cfg.npositions++;
            break;
        case 'R':
            if (parse_real(optarg, &cfg.range) < 0 || cfg.range <= 0)
                return usage_error("--range wants metres above 0, not '%s'", optarg);
            break;
        case 'c':
            cfg.pcap_path = optarg;
            break;
        case 'X':
            if (parse_real(optarg, &cfg.stall_timeout_s) < 0 || cfg.stall_timeout_s <= 0 ||
                cfg.stall_timeout_s > 1e6)
                return usage_error("--stall-timeout wants seconds above 0, not '%s'", optarg);
            break;
        case 'F':
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return usage_error("%s", "unknown option");
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);

    FILE *log = stderr;
    if (log_path && !(log = fopen(log_path, "a"))) {
        fprintf(stderr, "mpble-air: cannot open log file %s: %s\n", log_path, strerror(errno));
        return 1;
    }
    log_setup("mpble-air", log, (enum log_level)level);

    char path[108] = "";
    if (!cfg.socket_path) {
        int rc = air_default_socket_path(path, sizeof(path));
        if (rc < 0) {
            char dir[sizeof(path)];
            snprintf(dir, sizeof(dir), "%s", path);
            if (rc == -EPERM)
                log_msg(LOG_LEVEL_ERROR,
                        "refusing socket directory %s: it must belong to "
                        "you and have mode 0700",
                        dirname(dir));
            else
                log_msg(LOG_LEVEL_ERROR, "no usable socket directory %s: %s", dirname(dir),
                        strerror(-rc));
            return 1;
        }
        cfg.socket_path = path;
    }
    if (!have_seed && RAND_bytes((unsigned char *)&cfg.seed, sizeof(cfg.seed)) != 1) {
        log_msg(LOG_LEVEL_ERROR, "no randomness for a seed");
        return 1;
    }

    raise_fd_limit();
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct air_server *s;
    int rc = air_server_open(&s, &cfg);
    if (rc == -EADDRINUSE)
        return EXIT_ALREADY_RUNNING;
    if (rc < 0)
        return 1;
    running = s;
    rc = air_server_run(s);
    running = NULL;
    air_server_close(s);
    return rc < 0 ? 1 : 0;
}
