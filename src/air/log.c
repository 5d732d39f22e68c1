/* log.c - the air server's log. */
#include "air/log.h"

#include <stdarg.h>
#include <string.h>

static FILE *log_file;
static enum air_log_level log_level = AIR_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void air_log_setup(FILE *f, enum air_log_level level)
{
    log_file = f;
    log_level = level;
}

int air_log_level_parse(const char *name)
{
    for (int i = 0; i <= AIR_LOG_DEBUG; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void air_log(enum air_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    FILE *f = log_file ? log_file : stderr;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(f, "mpble-air: %s%s%s\n", level <= AIR_LOG_WARN ? level_names[level] : "",
            level <= AIR_LOG_WARN ? ": " : "", line);
    fflush(f);
}
