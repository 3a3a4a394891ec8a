"""The runs of the Add1 completion two at a time, on a second processor core (a one-shot command's option).

Add1 (`completions.add1`) runs MES with the endowments base + k × increment, k = 1, 2, …, until one overspends
or the outcome is exhaustive; each run depends on its endowment only, so the runs for even k can be made ahead,
in a forked child process, while this process makes the runs for odd k. The child sends the winners of each of
its runs through a pipe; a run of the child that the loop adopts is made again here, to be explained. The
outcome is the same as one run after the other (the tests compare them); only the time differs.

Only for a process that counts and exits (`beffroi pb count`): `parallel_add1()` turns it on for the calls made
inside it. A web or worker process never forks here.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from fractions import Fraction

from beffroi.budgeting.rules.mes_reference import MesRun

_PARALLEL: ContextVar[bool] = ContextVar("parallel_add1", default=False)


@contextmanager
def parallel_add1() -> Iterator[None]:
    """Within this block, the Add1 loops fork a child to make half of their runs (where `os.fork` exists)."""
    token = _PARALLEL.set(True)
    try:
        yield
    finally:
        _PARALLEL.reset(token)


def enabled() -> bool:
    return _PARALLEL.get() and hasattr(os, "fork")


class RunsAhead:
    """The runs of one Add1 loop: `get(k)` is the run with endowment `endowment_of(k)`, k = 1, 2, …; the child
    makes the even k (and stops after a run for which `last(run)` holds), this process the odd k."""

    def __init__(
        self,
        runner: Callable[[Fraction], MesRun],
        endowment_of: Callable[[int], Fraction],
        last: Callable[[MesRun], bool],
    ):
        self.runner = runner
        self.endowment_of = endowment_of
        read, write = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            raise
        if self.pid == 0:  # the child: never returns
            os.close(read)
            status = 0
            try:
                _child(runner, endowment_of, last, write)
            except BaseException:  # noqa: BLE001 - the parent makes the runs the child could not
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self.pipe = os.fdopen(read, "rb")

    def get(self, k: int) -> MesRun:
        if k % 2:
            return self.runner(self.endowment_of(k))
        size = self.pipe.read(4)
        if len(size) == 4:
            step, winners = pickle.loads(self.pipe.read(int.from_bytes(size, "big")))
            if step == k and winners is not None:
                run = MesRun(self.endowment_of(k), winners, [])
                run._made_ahead = True  # type: ignore[attr-defined]
                return run
        # the child stopped (an error, or a run it thought the last): this process makes the run, and raises
        # the error if there is one
        return self.runner(self.endowment_of(k))

    def close(self) -> None:
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pipe.close()


def made_ahead(run: MesRun) -> bool:
    """Whether `run` came from the child (its winners only: make it again to explain it)."""
    return getattr(run, "_made_ahead", False)


def _child(
    runner: Callable[[Fraction], MesRun],
    endowment_of: Callable[[int], Fraction],
    last: Callable[[MesRun], bool],
    write: int,
) -> None:
    k = 2
    while True:
        try:
            run: MesRun | None = runner(endowment_of(k))
        except Exception:  # noqa: BLE001 - the parent makes this run again and raises
            run = None
        data = pickle.dumps((k, run.winners if run is not None else None))
        message = len(data).to_bytes(4, "big") + data
        while message:
            message = message[os.write(write, message) :]
        if run is None or last(run):
            return
        k += 2
