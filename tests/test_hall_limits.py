"""Issue 11: the open-file limit is raised at start (with a clear message when it cannot be), and the
"too many open files" log line is rate-limited."""

from __future__ import annotations

import logging
import resource
import subprocess
import sys

from judging.web.limits import RateLimitedEmfile
from tests.conftest import ROOT

PROBE = ("import resource; from judging.web.limits import raise_open_files; got, warning = raise_open_files(4096); "
         "print(got, resource.getrlimit(resource.RLIMIT_NOFILE)[0]); print(warning or '')")


def run_with_limits(soft: int, hard: int) -> list[str]:
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, preexec_fn=limit,
                         check=True)
    return out.stdout.splitlines()


def test_a_low_soft_limit_is_raised_at_start():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 4096:
        hard_for_test = hard
    else:
        hard_for_test = 4096
    first, warning = run_with_limits(256, hard_for_test)
    assert first.split() == [str(hard_for_test), str(hard_for_test)]
    assert warning == "" or hard_for_test < 4096


def test_a_hard_limit_too_low_says_so_in_chinese_then_english():
    first, warning = run_with_limits(200, 300)
    assert first.split() == ["300", "300"]
    assert warning.index("打开文件数上限只有 300") < warning.index("the open-file limit is 300")
    assert "ulimit -n 4096" in warning


def test_the_too_many_open_files_line_is_rate_limited():
    now = [0.0]
    f = RateLimitedEmfile(every=10.0, clock=lambda: now[0])

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, msg, None, None)

    passed = [f.filter(record("socket.accept() out of system resource: [Errno 24] Too many open files"))
              for _ in range(500)]
    assert passed.count(True) == 1 and f.suppressed == 499
    assert f.filter(record("an unrelated error")), "other lines are never held back"
    now[0] = 11.0
    later = record("socket.accept() out of system resource: [Errno 24] Too many open files")
    assert f.filter(later) and "499" in later.getMessage() and f.suppressed == 0
