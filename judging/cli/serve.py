"""run.py subcommands that need the server: serve, demo, verify (export and import: :mod:`judging.cli.export`).

What it does: argument handling and printing.  What it does not do: any logic
of its own (see :mod:`judging.web.app`, :mod:`judging.storage.store`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys

DEFAULT_DB = "judging.db"


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="run the live server (default: ./judging.db with a demo contest)")
    s.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to let phones on the venue Wi-Fi connect")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--db", default=DEFAULT_DB)
    s.add_argument("--no-demo", action="store_true", help="do not create the demo contest on first start")
    s.add_argument("--new-key", action="store_true",
                   help="replace the organizer key (prints the new one) and sign out every console")
    s.add_argument("--public-url", type=_public_url, default=None, metavar="URL",
                   help="the address phones reach this server at, e.g. http://192.168.1.20:8000 (what the QR "
                        "cards encode; default: the LAN address with --host 0.0.0.0, else the console's address)")
    s.add_argument("--print-links", action="store_true",
                   help="also print the judge and screen links (they carry tokens: keep them out of shared logs)")
    s.set_defaults(func=cmd_serve)
    d = sub.add_parser("demo", help="add another demo contest to the database")
    d.add_argument("--db", default=DEFAULT_DB)
    d.add_argument("--name", default=None)
    d.set_defaults(func=cmd_demo)
    v = sub.add_parser("verify", help="check the audit log's hash chain")
    v.add_argument("--db", default=DEFAULT_DB)
    v.set_defaults(func=cmd_verify)


def _public_url(text: str) -> str:
    from judging.web.links import parse_public_url

    try:
        return parse_public_url(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _lan_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            return s.getsockname()[0]
    except OSError:
        return None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from judging.web.app import create_app
    from judging.web.slow_clients import http_protocol

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from judging.web.limits import freeze_start_up_heap, install_emfile_filter, raise_open_files
    from judging.web.links import unreachable_warning

    _, nofile_warning = raise_open_files()   # every phone watching the screen holds one open file
    if nofile_warning:
        print(f"  ⚠ {nofile_warning}", file=sys.stderr, flush=True)
    install_emfile_filter()

    host_for_links = args.host
    lan = _lan_address() if args.host in ("0.0.0.0", "::") else None
    if args.host in ("0.0.0.0", "::"):
        host_for_links = lan or "127.0.0.1"
    # what the QR cards encode: --public-url, else the LAN address when listening on every interface, else
    # (None) the address the console is opened on
    public_url = args.public_url or (f"http://{lan}:{args.port}" if lan else None)
    base = public_url or f"http://{host_for_links}:{args.port}"

    env_key = os.environ.get("JUDGING_ORGANIZER_KEY") or None

    def ready(app, new_key: str | None) -> None:
        print(banner(app, base, args.db, new_key, env_key, args.print_links), flush=True)
        freeze_start_up_heap()   # what start-up made stays out of every later full GC pass (judging.web.limits)
        if public_url is None and (warning := unreachable_warning(base)):
            print(f"  ⚠ {warning}", flush=True)

    app = create_app(args.db, organizer_key=env_key, rotate_key=args.new_key, demo=not args.no_demo, on_ready=ready,
                     public_url=public_url)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning",
                ws_ping_interval=20, ws_ping_timeout=20, http=http_protocol(), loop="uvloop")
    return 0


def banner(app, base: str, db: str, new_key: str | None, env_key: str | None, print_links: bool) -> str:
    """What ``serve`` prints at start.  Under a service manager this lands in a log, so it holds no secret
    the operator did not just need: the organizer key only when it was generated now (a key supplied in
    JUDGING_ORGANIZER_KEY is never echoed), judge and screen links (their tokens are credentials) only with
    ``--print-links``; the QR cards page is where they belong."""
    out = [f"\n路演评审 server — database {os.path.abspath(db)}", f"  控制台 console:  {base}/console"]
    if new_key and new_key != env_key:
        out.append(f"  组织者密钥 organizer key (shown once, keep it safe): {new_key}")
    elif new_key:
        out.append("  组织者密钥已设为 JUDGING_ORGANIZER_KEY 的值（不显示）/ organizer key set from "
                   "JUDGING_ORGANIZER_KEY (not shown)")
    for rt in app.state.service.runtimes.values():
        c = rt.contest
        out.append(f"  [{c.id}] {c.name} — phase {rt.state.phase}")
        out.append(f"      评委二维码与大屏链接 judge QR cards and screen link: {base}/console/{c.id}/cards")
        if getattr(rt, "audience", None) is not None and c.rules.has_audience:  # public: it is on the poster
            out.append(f"      观众扫码投票 audience link: {base}/a/{rt.audience.token}")
        if print_links:
            out.append(f"      大屏 screen: {base}/s/{c.screen_token}")
            out.extend(f"      评委 {j.name} ({j.panel}): {base}/j/{j.token}" for j in c.judges)
    if app.state.service.runtimes and not print_links:
        out.append("  评委与大屏链接只在二维码页显示（含令牌，不写入日志）；需要在此打印请加 --print-links / "
                   "judge and screen links are on the QR cards page (they carry tokens); --print-links prints them here")
    for cid, why in app.state.service.unloadable.items():
        out.append(f"  [{cid}] 无法载入，已跳过 could not be loaded, left out: {why}")
    return "\n".join(out) + "\n"


def cmd_demo(args: argparse.Namespace) -> int:
    from judging.app.demo import create_demo
    from judging.app.service import Service
    from judging.storage.store import Store

    async def run() -> str:
        store = Store(args.db)
        await store.open()
        try:
            svc = Service(store)  # nothing to publish to: no server runs here
            await svc.load()
            rt = await create_demo(svc, args.name)
            return rt.contest.id
        finally:
            await store.close()

    cid = asyncio.run(run())
    print(f"demo contest {cid} created in {args.db} (restart a running server to see it)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from judging.storage.repository import verify_chain

    if not os.path.exists(args.db):
        print(f"error: {args.db}: no such database", file=sys.stderr)
        return 2
    ok, message = verify_chain(args.db)
    print(message if ok else f"TAMPERED: {message}", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
