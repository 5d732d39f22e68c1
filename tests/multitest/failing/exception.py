# instance1 raises: its traceback is in its output, which fails the comparison.


def instance0():
    multitest.next()
    print("fine")


def instance1():
    multitest.next()
    raise ValueError("boom")
