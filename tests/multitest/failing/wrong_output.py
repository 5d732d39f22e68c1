# Prints something other than its .exp: a failure with a diff.


def instance0():
    multitest.next()
    print("hello")


def instance1():
    multitest.next()
    print("world")
