/* log.c - the program's log. */
#include "common/log.h"

#include <stdarg.h>
#include <string.h>

static const char *log_prefix = "mpble";
static FILE *log_file;
static enum log_level log_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_setup(const char *prefix, FILE *f, enum log_level level)
{
    log_prefix = prefix;
    log_file = f;
    log_level = level;
}

int log_level_parse(const char *name)
{
    for (int i = 0; i <= LOG_LEVEL_DEBUG; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    FILE *f = log_file ? log_file : stderr;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(f, "%s: %s%s%s\n", log_prefix, level <= LOG_LEVEL_WARN ? level_names[level] : "",
            level <= LOG_LEVEL_WARN ? ": " : "", line);
    fflush(f);
}
