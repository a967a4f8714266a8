"""What the season's tests share: a settable clock and a two-criterion review rubric (书面评审)."""

from __future__ import annotations

NOW = 1_800_000_000.0

# a review stage's rubric: two criteria of 50, one expert panel
REVIEW_RUBRIC = '''name = "初审：专家评分"
[marks]
min = 0
max = 100
step = 0.5
[[criteria]]
id = "need"
max = 50
[[criteria]]
id = "plan"
max = 50
[[panels]]
id = "expert"
label = "专家评审团 Expert panel"
weight = 1
method = "mean"
'''
ADVANCE_TWO = '[advance]\ncount = 2\nbreakers = ["shared"]\n'


class Clock:
    """A clock the test moves by hand (``clock.now = …``), handed to make_client(clock=…)."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
