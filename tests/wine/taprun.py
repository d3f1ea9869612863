"""What the Wine tier's Python test programs share (test-windows.py, test-g2h.py, ../msi/test-msi.py):
the check that fails a test, waiting for a condition, Wine's view of a host path, and the TAP loop."""

import time


class Failure(Exception):
    pass


def check(cond, what):
    """Fail the running test with what, unless cond holds."""
    if not cond:
        raise Failure(what)


def wait_for(pred, timeout, what):
    """Poll pred until it returns something true (returned), or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Failure("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(0.05)


def read(path):
    """A text file's content, or "" when it does not exist (yet)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def winpath(path):
    """A host path as Wine's Z: drive shows it."""
    return "Z:" + path.replace("/", "\\")


def run_tests(tests, env, end_test, prefix="/wine/"):
    """Run (name, function) pairs as TAP: function(env), then end_test(env) whatever happened.

    A failed check and an unexpected exception both fail the test; the message goes out as TAP
    comments. Returns the number of failed tests."""
    failed = 0
    print("1..%d" % len(tests), flush=True)
    for i, (name, fn) in enumerate(tests, 1):
        t0 = time.monotonic()
        try:
            fn(env)
            print("ok %d %s%s (%.1fs)" % (i, prefix, name, time.monotonic() - t0), flush=True)
        except Exception as e:  # noqa: BLE001 (a test's own failure, reported as TAP)
            failed += 1
            for line in str(e).splitlines() or [type(e).__name__]:
                print("# " + line)
            print("not ok %d %s%s" % (i, prefix, name), flush=True)
        finally:
            end_test(env)
    return failed
