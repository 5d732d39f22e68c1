/* startup.h - bringing a controller up: the HCI initialisation sequence. */
#ifndef MPBLE_STARTUP_H
#define MPBLE_STARTUP_H

struct host;

/* Where the public address start-up asks for (host.h: want_addr) comes from. */
enum startup_addr {
    STARTUP_ADDR_OWN,       /* none asked for: the controller's own */
    STARTUP_ADDR_KEPT,      /* the device's from its last activation: if it can be had */
    STARTUP_ADDR_REQUESTED, /* mpble_set_address or MPBLE_ADDR: that one, or fail */
};

/* Resets the controller, sets the public address asked for (Zephyr's vendor Write
 * BD_ADDR, hci_defs.h), and reads what the host needs (version, commands, features,
 * buffer sizes, public address), enabling the events the host handles. 0, or a
 * negative errno with a message set: -ETIMEDOUT when the controller is silent,
 * -ENODEV when it lacks LE, -EIO when it refuses a command; for a requested address,
 * -EADDRINUSE when another device has it, -EOPNOTSUPP when the controller cannot
 * set its address. A kept address that cannot be had leaves the controller's own. */
int startup_controller(struct host *h);

#endif
