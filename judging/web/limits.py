"""Process limits for a hall full of sockets: the open-file limit, the "too many open files" log line, and
the start-up heap kept out of the garbage collector's full passes.

What it does: :func:`raise_open_files` lifts the soft RLIMIT_NOFILE towards ``want`` (at most the hard
limit) and returns a sentence saying what it got, in Chinese and English — the caller prints it when the
limit stays below what a full hall needs.  :class:`RateLimitedEmfile` is a logging filter that lets one
"Too many open files" line through per ``every`` seconds (asyncio logs one per failed accept, which would
flood the log at the moment the operator most needs it) and counts the rest.

:func:`freeze_start_up_heap` collects once and then moves every object alive at that moment (modules,
templates, the loaded contests) into the permanent generation (``gc.freeze``): a later full collection does
not walk them again.  Called once by ``run.py serve`` when the server is ready.  A full collection is rare
(CPython runs one only when the objects that survived since the last one reach a quarter of the heap), but
it stops the event loop for as long as it takes: at 3,000 phones watching the heap holds ~530,000 tracked
objects and one full pass took 0.3 s of CPU on the shared 2-core box (bench/README.md, *hall*).

What it does not do: cap sockets (:mod:`judging.web.sockets`); freeze objects made later (a phone's socket
lives minutes to hours and leaves cyclic garbage when it closes, which frozen objects would never free).
"""

from __future__ import annotations

import gc
import logging
import time

try:
    import resource
except ImportError:  # pragma: no cover - not on this project's platforms
    resource = None  # type: ignore[assignment]

WANT_OPEN_FILES = 16384  # 6,000 screen-link sockets + judges + consoles + the database, with room to spare


def raise_open_files(want: int = WANT_OPEN_FILES) -> tuple[int, str | None]:
    """(the soft limit now, a warning or None)."""
    if resource is None:
        return 0, None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft < want:
        return soft, (f"打开文件数上限只有 {soft}（需要 {want}），观看大屏的手机超过约 {max(0, soft - 200)} 部时新连接会被拒绝；"
                      f"请用 ulimit -n {want} 或 systemd 的 LimitNOFILE={want} 提高 / the open-file limit is {soft} "
                      f"(wanted {want}): beyond about {max(0, soft - 200)} phones new connections fail; raise it with "
                      f"ulimit -n {want} or LimitNOFILE={want}")
    return soft, None


class RateLimitedEmfile(logging.Filter):
    """One "Too many open files" record per ``every`` seconds; the others are counted in the next one."""

    def __init__(self, every: float = 10.0, clock=time.monotonic) -> None:
        super().__init__()
        self.every, self.clock = every, clock
        self._last = -float("inf")
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]}"
        if "Too many open files" not in text and "EMFILE" not in text:
            return True
        now = self.clock()
        if now - self._last < self.every:
            self.suppressed += 1
            return False
        self._last = now
        if self.suppressed:
            record.msg = f"{record.msg} (同类消息已省略 {self.suppressed} 条 / {self.suppressed} more like it suppressed)"
            self.suppressed = 0
        return True


def install_emfile_filter(every: float = 10.0) -> RateLimitedEmfile:
    f = RateLimitedEmfile(every)
    for name in ("asyncio", "uvicorn.error"):
        logging.getLogger(name).addFilter(f)
    return f


def freeze_start_up_heap() -> int:
    """Collect, then freeze what is alive (see the module docstring); returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
