# instance1 waits for a message nobody broadcasts: TIMEOUT.


def instance0():
    multitest.next()
    print("not waiting")


def instance1():
    multitest.next()
    multitest.wait("never")
    print("unreachable")
