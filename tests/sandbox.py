"""Run risky cases each in its own forked process, with a memory cap and a time limit.

A *zygote* process (started with ``spawn``, so it inherits nothing from pytest) imports
jerkdetect, warms the compiled kernels and builds the base files once; each case then runs in a
child forked from it (milliseconds), with ``RLIMIT_AS`` capped so that a huge allocation fails
with ``MemoryError`` instead of taking the machine, and killed after ``timeout_s``. A child that
dies from a signal (segmentation fault) is reported as a crash, not taken down with the tests.

Used by ``tests/test_mutations.py`` (CI) and ``benchmarks/mutation_sweep.py`` (the long sweep).
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OK = ("result", "error")  # the two acceptable outcomes of a mutated input


def hypothesis_settings() -> dict:
    """Settings of the property tests that draw mutation cases: reproducible, no deadline."""
    from hypothesis import HealthCheck
    return dict(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _run_child(case: dict, wfd: int, mem_bytes: int) -> None:
    import resource
    try:
        if mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + mem_bytes, resource.RLIM_INFINITY))
        import mutation_cases
        out = mutation_cases.execute(case)
    except MemoryError as e:
        out = {"status": "oom", "detail": f"MemoryError {e}"}
    except BaseException as e:  # noqa: BLE001 - reported, never raised
        out = {"status": "crash", "detail": f"{type(e).__name__} in the runner: {e}"}
    data = pickle.dumps(out)
    os.write(wfd, len(data).to_bytes(8, "little"))
    view = memoryview(data)
    while view:
        n = os.write(wfd, view[:65536])
        view = view[n:]
    os.close(wfd)
    os._exit(0)


def _read_all(fd: int, deadline: float) -> bytes | None:
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return buf
        buf += chunk


def run_forked(case: dict, timeout_s: float, mem_bytes: int) -> dict:
    """Fork, run ``mutation_cases.execute(case)`` in the child, classify how it ended."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(rfd)
        _run_child(case, wfd, mem_bytes)
    os.close(wfd)
    t0 = time.monotonic()
    raw = _read_all(rfd, t0 + timeout_s)
    os.close(rfd)
    if raw is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return {"status": "timeout", "detail": f"killed after {timeout_s:g} s", "seconds": timeout_s}
    _, st = os.waitpid(pid, 0)
    secs = time.monotonic() - t0
    if os.WIFSIGNALED(st):
        sig = os.WTERMSIG(st)
        return {"status": "crash", "detail": f"killed by signal {signal.Signals(sig).name}", "seconds": secs}
    if len(raw) < 8:
        return {"status": "crash", "detail": f"exited {os.WEXITSTATUS(st)} without a result", "seconds": secs}
    out = pickle.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    out["seconds"] = secs
    return out


def _send(fd: int, obj) -> None:
    data = pickle.dumps(obj)
    data = len(data).to_bytes(8, "little") + data
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _recv(fd: int):
    head = b""
    while len(head) < 8:
        chunk = os.read(fd, 8 - len(head))
        if not chunk:
            raise EOFError
        head += chunk
    n, buf = int.from_bytes(head, "little"), b""
    while len(buf) < n:
        chunk = os.read(fd, min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError
        buf += chunk
    return pickle.loads(buf)


def _serve(workdir: str, mem_bytes: int) -> None:
    """The zygote: protocol on the original stdin/stdout, anything printed goes to stderr."""
    rfd, wfd = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    sys.path.insert(0, HERE)
    import warnings
    warnings.simplefilter("ignore")
    import mutation_cases
    mutation_cases.setup(workdir)  # base files, base results, warm kernels: inherited by every fork
    _send(wfd, "ready")
    while True:
        try:
            msg = _recv(rfd)
        except EOFError:
            return
        if msg is None:
            return
        case, timeout_s = msg
        _send(wfd, run_forked(case, timeout_s, mem_bytes))


class Sandbox:
    """A zygote process that runs each case in a fresh fork (see the module docstring)."""

    def __init__(self, workdir: str, mem_gib: float = 1.5, timeout_s: float = 30.0):
        self.workdir, self.mem = workdir, int(mem_gib * (1 << 30))
        self.timeout_s = timeout_s
        self._start()

    def _start(self) -> None:
        import subprocess
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), self.workdir, str(self.mem)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        r, _, _ = select.select([self.proc.stdout], [], [], 600)
        if not r or _recv(self.proc.stdout.fileno()) != "ready":
            raise RuntimeError("the sandbox zygote did not start")

    def run(self, case: dict, timeout_s: float | None = None) -> dict:
        t = timeout_s or self.timeout_s
        try:
            _send(self.proc.stdin.fileno(), (case, t))
            r, _, _ = select.select([self.proc.stdout], [], [], t + 30)
            if not r:
                raise EOFError
            return _recv(self.proc.stdout.fileno())
        except (EOFError, BrokenPipeError, OSError):  # the zygote itself died: restart it
            self.close()
            self._start()
            return {"status": "crash", "detail": "the sandbox zygote died", "seconds": t}

    def close(self) -> None:
        try:
            _send(self.proc.stdin.fileno(), None)
            self.proc.stdin.close()
        except (OSError, BrokenPipeError, ValueError):
            pass
        try:
            self.proc.wait(10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
