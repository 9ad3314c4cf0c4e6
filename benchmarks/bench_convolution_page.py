"""Convolution page: edit-to-update latency in Chromium, animation speed, bytes sent, server time per rerun.

Run from the project root: ``python benchmarks/bench_convolution_page.py [--n N]`` (needs
/usr/bin/chromium and playwright; starts its own server on a free port and stops it at the end).
``--n`` is the number of edits and of stride clicks (default 10), ``--reruns`` the AppTest reruns per
case (default 30); ``--n 3 --reruns 3`` checks that everything runs.

(a) Typing a cell of the player as a person does (click the cell, see its field open, type, see the
    field hold the text, Enter) to the updated activation map, timed from the Enter key, median over
    edits; and to the page's answer drawn (the player redrawn, nothing left pending); against a
    reference measured in the same run: a stride change through its +/- buttons.
(b) Steps a second the player achieves at the speed asked (5x5 and 16x16 inputs, 3x3 filter),
    the longest gap between two steps, and the bytes of the player's data and of the page load.
(c) Server time per rerun of the page (AppTest, cache warm and cold) against the home page, interleaved.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from cnnviz.kernel.grids import grid_to_text  # noqa: E402
from cnnviz.lecture.presets import LECTURE_FILTER  # noqa: E402
from cnnviz.views.conv import conv_player_spec  # noqa: E402
from dataclasses import replace  # noqa: E402

from cnnviz.views.player import player_data, player_html  # noqa: E402
from benchmarks.serve import launch_chromium, streamlit_server  # noqa: E402
from benchmarks.timing import Row, Timing, print_table, print_timings, race  # noqa: E402
from browser_support import type_into_player, wait_for_app  # noqa: E402

# Sets window.__took[i] to the ms from the next Enter keydown in a cell's field (mode "key") or pointer release
# (mode "pointer") to the moment checks[i](d) first holds, d being the player component's shadow root; polled
# every frame.
WATCH = """([mode, checks]) => {
  window.__took = checks.map(() => null);
  const oks = checks.map(check => new Function('d', 'return ' + check));
  let t0 = null;
  const poll = () => {  // polls only once the action started, so it cannot disturb typing
    const host = document.querySelector('[data-testid="stBidiComponentIsolated"]'), d = host && host.shadowRoot;
    const now = performance.now();
    oks.forEach((ok, i) => { if (window.__took[i] === null && d && d.getElementById('player') && ok(d))
      window.__took[i] = now - t0; });
    if (window.__took.includes(null)) requestAnimationFrame(poll);
  };
  const start = () => { if (t0 === null) { t0 = performance.now(); requestAnimationFrame(poll); } };
  const onEnter = e => { if (e.key === 'Enter' && e.composedPath()[0].classList.contains('cell-edit')) start(); };
  if (mode === 'key') window.addEventListener('keydown', onEnter, {capture: true});
  else window.addEventListener('pointerup', start, {capture: true, once: true});
}"""


def took(pg, timeout=30_000) -> list[float]:
    pg.wait_for_function("() => !window.__took.includes(null)", timeout=timeout)
    return pg.evaluate("window.__took")


# Plays from step 0 and records when each step shows (the player is in the document's shadow root).
PLAY = """() => new Promise(resolve => {
  const d = document.getElementById('host').shadowRoot;
  const root = d.getElementById('player'), n = +root.dataset.steps, times = [];
  new MutationObserver(() => {
    times.push(performance.now());
    if (root.dataset.playing === '0' && +root.dataset.step === n) resolve(times);
  }).observe(root, {attributes: true, attributeFilter: ['data-step', 'data-playing']});
  d.getElementById('btn-play').click();
})"""


def bench_edit(browser, url, n=10):
    """(a) typing a cell -> updated map (a new value each time: no cache hit), and the reference,
    a stride +/- click -> updated map."""
    edits, ref = [], []
    for i in range(n):  # a fresh browser context each time: a new session, nothing cached in the browser
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(url + "/convolution")
        wait_for_app(pg)
        pg.locator("#player").wait_for()
        shown = f"d.getElementById('out-0-0').textContent === '{22 + i}'"
        pg.evaluate(WATCH, ["key", [shown, shown + " && !d.querySelector('.pending')"]])  # the map; the answer
        type_into_player(pg, str(13 + i), "in-0-1")  # under weight 1 of the first window
        edits.append(took(pg))
        wait_for_app(pg)
        if i < n - 1:
            ctx.close()
    stride = pg.locator('[data-testid="stNumberInput"]').filter(has_text="Stride")
    for i in range(n):  # stride 1 -> 2 gives a 2x2 map, 2 -> 1 the 3x3 map again
        cells = 4 if i % 2 == 0 else 9
        pg.evaluate(WATCH, ["pointer", [f"d.querySelectorAll('.cell.out').length === {cells}"]])
        stride.get_by_test_id("stNumberInputStepUp" if i % 2 == 0 else "stNumberInputStepDown").click()
        ref.append(took(pg)[0])
        wait_for_app(pg)
    ctx.close()
    return edits, ref


def bench_play(browser, size, speed):
    """(b) achieved steps a second at ``speed``, longest gap, bytes of the player's data (JSON)."""
    rng = np.random.default_rng(size)
    spec = replace(conv_player_spec(rng.integers(0, 6, (size, size)), LECTURE_FILTER), initial_step=0, speed=speed)
    html = player_html(spec)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_content(html)
    pg.locator("#player").wait_for()  # the module has mounted the player
    times = pg.evaluate(PLAY)
    ctx.close()
    steps = len(spec.steps)
    span = (times[-1] - times[0]) / 1000
    gaps = np.diff(times)  # the first record is the press on play (step 0), the last the final step
    nbytes = len(json.dumps(player_data(spec)).encode())
    return steps, steps / span if span else float("inf"), float(gaps.max()), nbytes


def page_load_bytes(browser, url, query):
    """Bytes received over the WebSocket while a page loads (the scripts are cached static files)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    received = []
    pg.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    pg.goto(url + "/convolution" + query)
    wait_for_app(pg)
    pg.locator("#player").wait_for()
    ctx.close()
    return sum(received)


def bench_server(n=30) -> dict[str, Timing]:
    """(c) server time per rerun: AppTest runs of the page against the home page, interleaved."""
    from streamlit.testing.v1 import AppTest

    def rerun(page, params=None, vary=None):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        if page:
            at.switch_page(page)
        for k, v in (params or {}).items():
            at.query_params[k] = v
        at.run()
        calls = iter(range(1, 10**9))

        def once():
            if vary:
                vary(at, next(calls))
            at.run()
        return once

    def new_bias(at, i):  # every rerun builds a new player (cache miss)
        at.session_state["conv_bias"] = float(i)

    big = {"input": grid_to_text(np.random.default_rng(1).integers(0, 6, (16, 16)))}
    return race({"home": rerun(None), "warm": rerun("pages/convolution.py"),
                 "cold5": rerun("pages/convolution.py", None, new_bias),
                 "cold16": rerun("pages/convolution.py", big, new_bias)}, n, target_s=0)


def main(argv=None):
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=10, help="edits and stride clicks to time (default 10)")
    parser.add_argument("--reruns", type=int, default=30, help="AppTest reruns per case in (c) (default 30)")
    args = parser.parse_args(argv)
    n = args.n
    results = {}
    with streamlit_server() as server, sync_playwright() as p:
        url = server.url
        browser = launch_chromium(p)
        page = browser.new_page()  # the app's first visitor: afterwards deep links get the real navigation
        page.goto(url)
        wait_for_app(page)
        page.close()
        timed, ref = bench_edit(browser, url, n)
        edits = Timing(tuple(t[0] / 1000 for t in timed))
        answers = Timing(tuple(t[1] / 1000 for t in timed))
        stride = Timing(tuple(t / 1000 for t in ref))
        print_timings("(a) Typing a cell of the player to the updated map (target under 100 ms)", [
            Row("stride +/- to the updated map", stride),
            Row("type a cell to the updated map", edits, "stride +/- to the updated map"),
            Row("type a cell to the page's answer drawn (colours, written sums)", answers,
                "stride +/- to the updated map")])
        results.update(edit_ms=1000 * edits.median, answer_ms=1000 * answers.median, ref_ms=1000 * stride.median)
        rows = []
        for size in (5, 16):
            for speed in (2, 10, 30):
                steps, rate, gap, nbytes = bench_play(browser, size, speed)
                rows.append([f"{size}x{size}, 3x3 filter", steps, speed, f"{rate:.1f}", f"{rate / speed:.2f}",
                             f"{gap:.0f} ms", f"{1000 / speed:.0f} ms", f"{nbytes / 1024:.0f} KB"])
                results[f"play_{size}_{speed}"] = (rate, gap, nbytes)
        print_table("(b) The player playing: steps a second achieved against asked", [
            "input", "steps", "asked /s", "achieved /s", "ratio", "longest gap", "expected gap", "player data"], rows)
        worst = player_data(conv_player_spec(np.random.default_rng(0).normal(size=(16, 16)),
                                             np.random.default_rng(1).normal(size=(7, 7)), padding=3))
        print("\nLargest case (16x16 decimals, 7x7 filter, padding 3): player data "
              f"{len(json.dumps(worst).encode()) / 1024:.0f} KB")
        q16 = "?input=" + grid_to_text(np.random.default_rng(1).integers(0, 6, (16, 16)))
        for name, query in (("default", ""), ("16x16", q16)):
            b = page_load_bytes(browser, url, query)
            print(f"Page load over the WebSocket, {name}: {b / 1024:.0f} KB")
            results[f"ws_{name}"] = b
        browser.close()
    t = bench_server(args.reruns)
    print_timings("(c) Server time per rerun (AppTest)", [
        Row("home page", t["home"]),
        Row("Convolution page, player cached", t["warm"], "home page"),
        Row("Convolution page, a new 5x5 player", t["cold5"], "home page"),
        Row("Convolution page, a new 16x16 player", t["cold16"], "home page")])
    results.update({k: 1000 * v.median for k, v in t.items()})
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
