"""Voila's kernel manager for the workbook: the preheated pool is refilled without starving the pages served.

Voila keeps a pool of kernels that have run the app ahead of time and hands one to each student who opens
it. When a room opens the app together, the pool empties at once, and Voila starts every replacement at
the same moment (after `fill_delay`): thirty kernel starts, each a second or more of CPU, land on the same
two cores as the thirty pages being served, and every student waits. Here a replacement for the pool
starts only once the room has its pages: no page has been asked for during the last `quiet_seconds`, and
the server itself is no longer busy serving them (its own process used less than `busy_share` of a core
over the last second: the page's scripts and styles, the kernels' websockets), or `hold_limit` has passed.
Replacements start one at a time: the next once the last has finished running the app (or after
`ready_timeout`). A kernel a student is waiting for is never held back: neither one started for a student
when the pool was empty, nor a replacement a student has already been handed because the room was larger
than the pool.

This runs in the Voila server process (`selfexplore serve` names it with
`--VoilaConfiguration.multi_kernel_manager_class`); a student's kernel never imports it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float

POLL = 0.05


class PacedKernelManager(AsyncMappingKernelManager):
    quiet_seconds = Float(
        2.0, config=True, help="Start a kernel for the pool only after this long without a page being asked for."
    )
    ready_timeout = Float(
        30.0, config=True, help="Start the next kernel for the pool after this long even if the last is not ready."
    )
    busy_share = Float(
        0.25, config=True, help="The server counts as busy serving pages while it uses more of a core than this."
    )
    hold_limit = Float(
        120.0, config=True, help="Start a kernel for the pool after this long held back, however busy the server."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._last_demand = 0.0
        self._refill: asyncio.Semaphore | None = None
        self._claimed_turn: asyncio.Semaphore | None = None
        self._waiting: set[asyncio.Future[None]] = set()  # held: the loop keeps only weak references
        self._stopping = False

    def _one_at_a_time(self) -> asyncio.Semaphore:
        if self._refill is None:
            self._refill = asyncio.Semaphore(1)
        return self._refill

    def _claimed_one_at_a_time(self) -> asyncio.Semaphore:
        if self._claimed_turn is None:
            self._claimed_turn = asyncio.Semaphore(1)
        return self._claimed_turn

    # jupyter_client types these as synchronous; the server's async manager overrides them with coroutines.
    async def start_kernel(self, *, kernel_name: str | None = None, **kwargs: Any) -> str:  # type: ignore[override]
        # Every start is a sign of demand: a page was just served from the pool (Voila asks for its
        # replacement at once) or a student is waiting for a kernel of their own.
        self._last_demand = time.monotonic()
        env = kwargs.get("env") or {}
        if env.get("VOILA_PREHEAT") != "True":
            kernel_id: str = await super().start_kernel(kernel_name=kernel_name, **kwargs)
            return kernel_id
        turn = self._one_at_a_time()
        held = await self._take_turn(turn)
        if not held:
            # Handed to a student already: these start one after another as well (each is a second or more
            # of CPU, which the students served from the pool meanwhile need too), but without waiting for
            # the room to be quiet.
            turn = self._claimed_one_at_a_time()
            await turn.acquire()
        try:
            if held:
                await self._until_the_room_is_served()
            if self._stopping:
                raise RuntimeError("the server is stopping: no kernel is started for the pool")
            kernel_id = await super().start_kernel(kernel_name=kernel_name, **kwargs)
        except BaseException:
            turn.release()
            raise
        self._release_when_ready(kernel_id, turn)
        return kernel_id

    def _claimed(self) -> bool:
        """True when a student is already waiting for the kernel this refill starts: Voila hands out the
        pool's entries in order, finished or not, so a room larger than the pool takes refills that have
        not started yet. Such a refill is no longer in the pool, and it must not wait its turn."""
        pools = getattr(self, "_pools", None)  # Voila's pool manager (a subclass) keeps them
        task = asyncio.current_task()
        return pools is not None and task is not None and not any(task in pool for pool in pools.values())

    async def _take_turn(self, turn: asyncio.Semaphore) -> bool:
        """Wait for this refill's turn (True), or until a student claims it (False: it starts at once)."""
        while True:
            if self._stopping:
                raise RuntimeError("the server is stopping: no kernel is started for the pool")
            if self._claimed():
                return False
            if not turn.locked():
                await turn.acquire()  # free: taken at once, nothing else runs in between
                return True
            await asyncio.sleep(POLL)

    async def _until_the_room_is_served(self) -> None:
        """Wait until no page was asked for in `quiet_seconds` and this process is not busy serving pages."""
        samples: list[tuple[float, float]] = []  # (wall clock, this process's CPU time)
        held = time.monotonic()
        while True:
            if self._stopping:
                raise RuntimeError("the server is stopping: no kernel is started for the pool")
            now = time.monotonic()
            samples = [*[s for s in samples if now - s[0] <= 1.0], (now, time.process_time())]
            span = samples[-1][0] - samples[0][0]
            busy = span >= 0.5 and (samples[-1][1] - samples[0][1]) / span > self.busy_share
            if self._claimed() or (now - self._last_demand >= self.quiet_seconds and span >= 0.5 and not busy):
                return
            if now - held >= self.hold_limit:
                return  # a server that is always this busy still gets its pool back
            await asyncio.sleep(POLL)

    def _release_when_ready(self, kernel_id: str, turn: asyncio.Semaphore) -> None:
        """Let the next pool kernel start once this one has run the app: it has been busy (Voila runs the
        notebook in it right after the start) and is idle again, or `ready_timeout` has passed."""

        async def wait() -> None:
            deadline = time.monotonic() + self.ready_timeout
            busy = False
            try:
                while time.monotonic() < deadline and not self._stopping:
                    kernel = self._kernels.get(kernel_id)
                    if kernel is None:
                        return
                    state = getattr(kernel, "execution_state", "starting")
                    if state == "busy":
                        busy = True
                    elif busy and state == "idle":
                        return
                    await asyncio.sleep(POLL)
            finally:
                turn.release()

        self._waiting.add(asyncio.ensure_future(wait()))
        self._waiting = {task for task in self._waiting if not task.done()}

    async def shutdown_all(self, now: bool = False) -> None:  # type: ignore[override]
        self._stopping = True
        await super().shutdown_all(now=now)
