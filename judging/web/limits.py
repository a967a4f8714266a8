"""Process limits for a hall full of sockets: the open-file limit and the "too many open files" log line.

What it does: :func:`raise_open_files` lifts the soft RLIMIT_NOFILE towards ``want`` (at most the hard
limit) and returns a sentence saying what it got, in Chinese and English — the caller prints it when the
limit stays below what a full hall needs.  :class:`RateLimitedEmfile` is a logging filter that lets one
"Too many open files" line through per ``every`` seconds (asyncio logs one per failed accept, which would
flood the log at the moment the operator most needs it) and counts the rest.

What it does not do: cap sockets (:mod:`judging.web.sockets`).
"""

from __future__ import annotations

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
