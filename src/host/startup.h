/* startup.h - bringing a controller up: the HCI initialisation sequence. */
#ifndef MPBLE_STARTUP_H
#define MPBLE_STARTUP_H

struct host;

/* Resets the controller and reads what the host needs (version, commands, features,
 * buffer sizes, public address), enabling the events the host handles. 0, or a
 * negative errno with a message set: -ETIMEDOUT when the controller is silent,
 * -ENODEV when it lacks LE, -EIO when it refuses a command. */
int startup_controller(struct host *h);

#endif
