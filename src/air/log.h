/* log.h - the air server's log: one line per message, "mpble-air: " first. */
#ifndef MPBLE_AIR_LOG_H
#define MPBLE_AIR_LOG_H

#include <stdio.h>

enum air_log_level { AIR_LOG_ERROR, AIR_LOG_WARN, AIR_LOG_INFO, AIR_LOG_DEBUG };

/* Messages at level or more important go to f (stderr until set). */
void air_log_setup(FILE *f, enum air_log_level level);
/* Parses "error", "warn", "info", "debug"; returns -1 for anything else. */
int air_log_level_parse(const char *name);
void air_log(enum air_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
