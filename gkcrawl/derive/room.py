"""Running derivations: in the background beside a crawl, or as one batch for reparse.

`BackgroundRoom` owns a thread and its own archive connection (sqlite connections belong
to one thread; WAL lets the crawl's connection write captures meanwhile), hands jobs to a
runner (the worker `Supervisor`) and records their outcomes as they come, so one slow
document never holds up the recording of the others. `derive_batch` is the same loop in
the caller's thread, for `gkcrawl reparse`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from .deriver import Clock, Deriver, Mode, Recorded
from .jobs import JobOutcome, WorkerJob
from .supervisor import Runner

logger = logging.getLogger(__name__)
OnRecorded = Callable[[Recorded], None]


def _step(deriver: Deriver, message: int | JobOutcome) -> WorkerJob | Recorded:
    """Prepare a job for a row id, or record an outcome; an archive error is the row's error."""
    derivation_id = message if isinstance(message, int) else message.job_id
    try:
        return deriver.prepare(message) if isinstance(message, int) else deriver.record(message)
    except Exception as exc:  # noqa: BLE001 - one bad row never stops the others
        logger.exception("derivation %s could not be recorded", derivation_id)
        return Recorded(derivation_id, "", None, unreadable=True, error=f"archive error: {type(exc).__name__}: {exc}")


def derive_batch(db: sqlite_utils.Database, warc_root: Path, derivation_ids: list[int], runner: Runner, *,
                 mode: Mode, clock: Clock | None = None, accept_regressions: bool = False) -> list[Recorded]:
    """Derive these rows with `runner`, recording each outcome as it arrives; blocks until all are done.
    A re-derivation that loses what the stored rows have is held back unless `accept_regressions`."""
    deriver = Deriver(db, warc_root, mode=mode, clock=clock, accept_regressions=accept_regressions)
    outcomes: queue.Queue[JobOutcome] = queue.Queue()
    recorded: list[Recorded] = []
    running = 0
    for derivation_id in derivation_ids:
        step = _step(deriver, derivation_id)
        if isinstance(step, WorkerJob):
            runner.submit(step, outcomes.put)
            running += 1
        else:
            recorded.append(step)
    while running:
        step = _step(deriver, outcomes.get())
        assert isinstance(step, Recorded)
        recorded.append(step)
        running -= 1
    return recorded


class BackgroundRoom:
    """Derivations beside a running crawl: `submit` never blocks, `drain` waits for all of them."""

    def __init__(self, db_path: Path, warc_root: Path, runner: Runner, on_recorded: OnRecorded, *,
                 clock: Clock | None = None) -> None:
        self.db_path = Path(db_path)
        self.warc_root = Path(warc_root)
        self.runner = runner
        self.on_recorded = on_recorded
        self.clock = clock
        self._inbox: queue.Queue[int | JobOutcome | None] = queue.Queue()
        self._outstanding = 0
        self._broken = False
        self._idle = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="gkcrawl-derive", daemon=True)
        self._thread.start()

    def submit(self, derivation_id: int) -> None:
        with self._idle:
            if self._broken:
                logger.error("derivation %s left pending: the derivation room stopped", derivation_id)
                return
            self._outstanding += 1
        self._inbox.put(derivation_id)

    @property
    def outstanding(self) -> int:
        with self._idle:
            return self._outstanding

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every submitted derivation is recorded; False if `timeout` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    def close(self) -> None:
        """Drain, stop the workers, and close the room's connection."""
        self.drain()
        self.runner.close()
        self._inbox.put(None)
        self._thread.join()

    def _loop(self) -> None:
        try:
            db = connect(self.db_path)
        except Exception:  # noqa: BLE001 - a room that cannot open the archive must not hang the crawl
            logger.exception("the derivation room cannot open %s", self.db_path)
            self._give_up()
            return
        deriver = Deriver(db, self.warc_root, mode="crawl", clock=self.clock)
        try:
            while (message := self._inbox.get()) is not None:
                step = _step(deriver, message)
                if isinstance(step, WorkerJob):
                    self.runner.submit(step, self._inbox.put)
                    continue
                try:
                    self.on_recorded(step)
                except Exception:  # noqa: BLE001 - counting must never lose the derivation
                    logger.exception("on_recorded failed for derivation %s", step.derivation_id)
                with self._idle:
                    self._outstanding -= 1
                    self._idle.notify_all()
            self._analyze(db)
        except BaseException:
            logger.exception("the derivation room stopped")
            self._give_up()
            raise
        finally:
            db.conn.close()

    @staticmethod
    def _analyze(db: sqlite_utils.Database) -> None:
        """The crawl's derivation is over: recompute the cross-report tables (never fails the crawl)."""
        # Imported here, not at the top: its MinHash (datasketch, scipy) costs every crawl ~0.9 s of CPU at start.
        from gkcrawl.analyze import analyze_archive

        try:
            analyze_archive(db)
        except Exception:  # noqa: BLE001 - the reports are stored; the analysis can be rerun by hand
            logger.exception("the cross-report analysis failed (run `gkcrawl analyze`)")

    def _give_up(self) -> None:
        """Nothing more will be recorded: release whoever drains (the rows stay pending)."""
        with self._idle:
            self._broken = True
            self._outstanding = 0
            self._idle.notify_all()


def connect(db_path: Path) -> sqlite_utils.Database:
    """A second connection to an archive the crawl already opened (and shaped)."""
    db = sqlite_utils.Database(db_path)
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA foreign_keys=ON")
    return db
