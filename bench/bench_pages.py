"""Page load on a cheap phone: bytes transferred and time to usable, with Chromium's CPU and network throttling.

Starts the real ``run.py serve`` on 127.0.0.1 with a 15-project contest whose first roadshow is open for
scoring, then loads each page in headless Debian Chromium (the same browser the tests use) under a
throttled profile -- CPU slowed ``--cpu``× (``Emulation.setCPUThrottlingRate``) and the network shaped
by ``Network.emulateNetworkConditions`` (default: 400 ms round trip, 400 kbit/s each way, the classic
"slow 3G" of Lighthouse / WebPageTest) -- and prints per page:

* *bytes*: what went over the wire for the page load (``encodedDataLength`` of every HTTP response,
  headers included; the WebSocket's frames are not counted), cold (empty cache) and warm (a second visit:
  what revalidation costs);
* *usable*: navigation start -> the moment the page shows what its user came for, measured in the page
  (``performance.now()``): the judge page its score form for the open roadshow, the big screen the
  presenting project, a phone following the screen link the same, the console its big button labelled from the first snapshot,
  the audience page (``/a/<token>``, a second contest with ``expert_public_audience.toml``, or expert_public with an
  audience panel and a popularity vote added) its stars enabled for
  the roadshow on stage (docs/AUDIENCE.md; its budget: under 60 KB, usable within 2 s).

What it does not do: assert anything (figures only; tests assert behaviour), or count a later snapshot.

    .venv/bin/python bench/bench_pages.py                 # 3 runs per page, medians
    .venv/bin/python bench/bench_pages.py --cpu 4 --rtt 150 --kbps 1600   # Lighthouse's "slow 4G"
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-pages-organizer-key-0123456789"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 10; Redmi 8A) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/86.0 Mobile Safari/537.36 MicroMessenger/8.0.40"}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
LAPTOP = {"viewport": {"width": 1366, "height": 800}}

# page -> (device, JS condition that is true once the page is usable)
PAGES = {
    "judge": (PHONE, "document.querySelector('#task')?.dataset.view === 'score' && "
                     "!!document.querySelector('#task input, #task [role=spinbutton], #task button')"),
    "screen": (PROJECTOR, "(document.querySelector('#stage')?.textContent || '').includes('社区项目0')"),
    "watch": (PHONE, "(document.querySelector('#stage')?.textContent || '').includes('社区项目0')"),
    "audience": (PHONE, "document.querySelector('#app')?.dataset.view === 'live' && "
                        "!!document.querySelector('#stars button:not([disabled])')"),
    "console": (LAPTOP, "(() => { const b = document.querySelector('#next-step'),"
                        " l = document.querySelector('#next-label');"
                        " return !!b && !b.disabled && !!l && l.textContent.trim() !== '—'; })()"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(pages: list[str]) -> tuple[subprocess.Popen, str, dict[str, str]]:
    port = free_port()
    db = os.path.join(tempfile.mkdtemp(), "pages.db")
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--db", db, "--port", str(port), "--no-demo"],
                            cwd=ROOT, env={**os.environ, "JUDGING_ORGANIZER_KEY": KEY},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    api = httpx.Client(base_url=base, headers={"authorization": f"Bearer {KEY}"}, timeout=30)
    for _ in range(300):
        try:
            if api.get("/api/openapi.json").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    judges = [{"id": f"J{i:02d}", "name": f"评委{i}", "panel": "expert" if i < 7 else "public"} for i in range(10)]
    r = api.post("/api/contests", json={
        "name": "社区治理创新大赛决赛", "rules_preset": "expert_public.toml",
        "projects": [{"id": f"P{i:02d}", "name": f"社区项目{i}", "organization": f"社会工作服务中心{i}"}
                     for i in range(15)],
        "judges": judges, "order": [f"P{i:02d}" for i in range(15)]})
    r.raise_for_status()
    setup, cid = r.json()["setup"], r.json()["contest"]["id"]
    for action in ("start", "present", "open_scoring"):
        api.post(f"/api/contests/{cid}/actions", json={"action": action, "confirm": True}).raise_for_status()
    screen = setup["screen_link"].rsplit("/", 1)[1]
    urls = {"judge": f"{base}/j/{setup['judges'][0]['token']}", "screen": f"{base}/s/{screen}?view=screen",
            "watch": f"{base}/s/{screen}?view=watch", "console": f"{base}/console/{cid}", "base": base}
    if "audience" in pages:
        urls["audience"] = base + audience_link(api)
    return proc, base, urls


def audience_link(api: httpx.Client) -> str:
    """A second contest whose rules have an audience part, its first roadshow on stage: its audience link's path."""
    preset = ROOT / "scoring_rules" / "expert_public_audience.toml"
    if preset.exists():
        rules = {"rules_preset": preset.name}
    else:  # before the preset: expert_public.toml with an audience panel of 10 stars and a popularity vote
        text = (ROOT / "scoring_rules" / "expert_public.toml").read_text(encoding="utf-8").replace(
            "weight = 0.7", "weight = 0.6")
        text += ('\n[[panels]]\nid = "audience"\nlabel = "现场观众 Audience"\nkind = "audience"\nweight = 0.1\n'
                 'method = "mean"\nstars = 10\nmin_ballots = 20\n\n[popularity]\nlabel = "最佳人气奖"\ncount = 1\n'
                 'amount = 5000\nchoices = 3\n')
        rules = {"rules_text": text, "rules_name": "audience.toml"}
    r = api.post("/api/contests", json={
        "name": "社区治理创新大赛决赛（观众）", **rules,
        "projects": [{"id": f"P{i:02d}", "name": f"社区项目{i}", "organization": f"社会工作服务中心{i}"}
                     for i in range(15)],
        "judges": [{"id": f"J{i:02d}", "name": f"评委{i}", "panel": "expert" if i < 7 else "public"} for i in range(10)],
        "order": [f"P{i:02d}" for i in range(15)]})
    r.raise_for_status()
    cid = r.json()["contest"]["id"]
    for action in ("start", "present"):
        api.post(f"/api/contests/{cid}/actions", json={"action": action, "confirm": True}).raise_for_status()
    return api.get(f"/api/contests/{cid}").json()["audience"]["link"]["path"]


def load(browser, page_name: str, url: str, base: str, profile: dict) -> tuple[int, int, float]:
    """(cold bytes, warm bytes, cold time to usable in ms) of one fresh visit and one repeat visit."""
    device, ready = PAGES[page_name]
    context = browser.new_context(**device)
    try:
        if page_name == "console":  # sign in first, unthrottled: the console is the organizer's laptop
            page = context.new_page()
            page.goto(base + "/console")
            page.fill("#key", KEY)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/console")
            page.close()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", profile["network"])
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile["cpu"]})
        sizes: dict[str, int] = {}
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        results = []
        for visit in ("cold", "warm"):
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": visit == "cold"})
            sizes.clear()
            page.goto(url, wait_until="commit", timeout=120_000)
            at = page.wait_for_function(f"() => ({ready}) && performance.now()", timeout=120_000,
                                        polling="raf").json_value()
            page.wait_for_load_state("load", timeout=120_000)
            page.wait_for_timeout(300)  # late responses (icons, a late module) still count
            results.append((sum(sizes.values()), at))
        return results[0][0], results[1][0], results[0][1]
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cpu", type=float, default=6, help="CPU slowdown factor (default 6)")
    ap.add_argument("--rtt", type=float, default=400, help="round trip in ms (default 400)")
    ap.add_argument("--kbps", type=float, default=400, help="throughput each way in kbit/s (default 400)")
    ap.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of {','.join(PAGES)}")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("Debian chromium is not installed: run scripts/test (it installs it) or apt-get install chromium")
    rate = args.kbps * 1000 / 8
    profile = {"cpu": args.cpu, "network": {"offline": False, "latency": args.rtt, "downloadThroughput": rate,
                                            "uploadThroughput": rate}}
    proc, base, urls = start_server(args.pages.split(","))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            print(f"profile: CPU {args.cpu:g}x slower, {args.rtt:g} ms round trip, {args.kbps:g} kbit/s; "
                  f"load average {os.getloadavg()[0]:.1f}; {args.runs} runs per page (median, then the runs)")
            print(f"{'page':8} {'cold bytes':>11} {'warm bytes':>11} {'usable ms':>10}  runs (ms)")
            for name in args.pages.split(","):
                runs = [load(browser, name, urls[name], base, profile) for _ in range(args.runs)]
                cold = statistics.median(r[0] for r in runs)
                warm = statistics.median(r[1] for r in runs)
                usable = statistics.median(r[2] for r in runs)
                print(f"{name:8} {cold:11,.0f} {warm:11,.0f} {usable:10,.0f}  "
                      + ", ".join(f"{r[2]:,.0f}" for r in runs), flush=True)
            browser.close()
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
