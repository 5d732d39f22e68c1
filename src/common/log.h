/* log.h - one line per message, the program's prefix first ("mpble-air: ", set by
 * log_setup; "mpble: " until then). */
#ifndef MPBLE_LOG_H
#define MPBLE_LOG_H

#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Messages at level or more important go to f (stderr until set or when NULL), each
 * after prefix and ": ". */
void log_setup(const char *prefix, FILE *f, enum log_level level);
/* Parses "error", "warn", "info", "debug"; returns -1 for anything else. */
int log_level_parse(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
