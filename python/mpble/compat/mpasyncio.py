"""MicroPython's additions to `asyncio`: ThreadSafeFlag, sleep_ms, wait_for_ms."""
import asyncio
import threading


class ThreadSafeFlag:
    """A flag one task waits on and anything sets: a BLE handler (which runs on the
    main thread between bytecodes, like a signal handler, possibly in the middle of
    wait() itself), or another thread. `set()` marks the flag and, if a task waits,
    wakes it through `loop.call_soon_threadsafe`, so the task runs at the loop's next
    turn. `wait()` returns at once if the flag is set, and clears it on return. As in
    MicroPython, only one task may wait at a time. The lock is reentrant, so a
    handler's set() inside wait() never deadlocks; wait() looks at the flag again
    once its waiter is registered, so such a set() is never missed."""

    def __init__(self):
        self._lock = threading.RLock()
        self._flag = False
        self._waiter = None  # (loop, future) of the waiting task

    def set(self):
        with self._lock:
            self._flag = True
            waiter = self._waiter
        if waiter is not None:
            loop, future = waiter
            loop.call_soon_threadsafe(_resolve, future)

    def clear(self):
        with self._lock:
            self._flag = False

    async def wait(self):
        with self._lock:
            if self._flag:
                self._flag = False
                return
            if self._waiter is not None:
                raise RuntimeError("ThreadSafeFlag: another task is waiting")
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            self._waiter = (loop, future)
        if self._flag:  # set while the waiter was being registered
            _resolve(future)
        try:
            await future
        finally:
            with self._lock:
                self._waiter = None
                self._flag = False


def _resolve(future):
    if not future.done():
        future.set_result(None)


async def sleep_ms(ms):
    await asyncio.sleep(max(0, ms) / 1000)


async def wait_for_ms(aw, ms):
    return await asyncio.wait_for(aw, ms / 1000)


def install():
    asyncio.ThreadSafeFlag = ThreadSafeFlag
    asyncio.sleep_ms = sleep_ms
    asyncio.wait_for_ms = wait_for_ms
