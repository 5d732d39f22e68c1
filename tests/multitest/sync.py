# The multitest API without the radio: globals from an earlier instance,
# broadcast/wait in both directions, and an output metric.


def instance0():
    multitest.globals(SECRET=(1, b"\x02", "three"))
    multitest.next()
    multitest.wait("ping")
    print("got ping")
    multitest.broadcast("pong")
    multitest.output_metric("round trips: 1")


def instance1():
    print("secret", SECRET)
    multitest.next()
    multitest.broadcast("ping")
    multitest.wait("pong")
    print("got pong")
