"""Real images page: a 512x512 RGB picture through 8 3x3x3 filters and 2x2 max pooling.

    python benchmarks/bench_images.py [--repeats N] [--clicks N] [--no-browser]

Three measurements, each against a reference taken in the same run:

1. Server compute, one thread (NumPy's BLAS and PyTorch each limited to one thread), runs
   interleaved (``benchmarks.timing.race``):
   - kernel: ``conv2d`` + ReLU + ``pool2d`` on ``(512, 512, 3)`` float32, against PyTorch's
     ``F.conv2d`` + ``relu`` + ``F.max_pool2d`` on NCHW tensors made before timing (skipped when
     PyTorch is missing);
   - everything the page computes for a picture it has not seen (8 filters, each cached on its
     own: activation map, pooled map, both coloured and encoded as PNG; the selected filter split by
     channel; the picture and its channels), and for a new bias of the filter shown (that filter
     and the detail again, the rest from the cache), against the kernel alone.
2. Server time of one rerun of the page script (AppTest, bare mode), with the results cached
   (another student, same setting), against a rerun with a new bias (nothing cached), interleaved.
3. Chromium against ``streamlit run``: from typing a new bias and pressing Enter to the page
   showing the new maps (caption changed, every image decoded); and the bytes the browser
   received for it (WebSocket frames plus the PNGs fetched from /media).
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
logging.getLogger("streamlit").setLevel(logging.ERROR)

from benchmarks.serve import launch_chromium, streamlit_server  # noqa: E402
from benchmarks.timing import Row, Timing, load_average, print_table, print_timings, race  # noqa: E402
from cnnviz import conv2d, pool2d  # noqa: E402
from cnnviz.images import resize_max_side, sample_image  # noqa: E402
from cnnviz.lecture.presets import filter_from_spec  # noqa: E402

FILTERS = ("Vertical edge", "Horizontal edge", "Sobel x@R", "Sobel x@B", "Outline (Laplacian)", "Sharpen",
           "Emboss", "Sobel y@G")

def compute(repeats: int) -> None:
    from cnnviz.ui import images as ui  # the page's functions, each cached on its own

    x8 = resize_max_side(np.asarray(sample_image("House", 512)), 512)  # (512, 512, 3) uint8
    x8.flags.writeable = False  # as the page's picture is: digested once, not on every call
    x = x8.astype(np.float32)
    bank = np.stack([filter_from_spec(s, 3, 3) for s in FILTERS], axis=-1).astype(np.float32)  # (3, 3, 3, 8)

    def ours():
        return pool2d(np.maximum(conv2d(x, bank), 0))

    calls = iter(range(10**9))
    cached = (ui.filter_map, ui._partials, ui.detail_maps, ui.channel_detail, ui._picture_png, ui._channel_png)

    def page_new_picture():
        """Everything the page computes for a picture it has not seen (every cache misses)."""
        for fn in cached:
            fn.cache_clear()
        r = ui.apply_bank(x8, 3, FILTERS, (0,) * 8, True, True)
        ui.channel_detail(x8, FILTERS[0], 3, 0, True, (200, 200))
        ui.input_pngs(x8, (200, 200), 3)
        return r

    def page_new_bias():
        """What a new bias for the filter shown costs: that filter's maps and the detail, the rest cached."""
        b = float(next(calls))
        r = ui.apply_bank(x8, 3, FILTERS, (b,) + (0,) * 7, True, True)
        ui.channel_detail(x8, FILTERS[0], 3, b, True, (200, 200))
        ui.input_pngs(x8, (200, 200), 3)
        return r

    cases = {"ours": ours, "page": page_new_picture, "bias": page_new_bias}
    try:
        import torch
        import torch.nn.functional as TF

        torch.set_num_threads(1)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]  # (1, 3, 512, 512)
        wt = torch.from_numpy(np.ascontiguousarray(bank.transpose(3, 2, 0, 1)))  # (8, 3, 3, 3)

        def theirs():
            with torch.no_grad():
                return TF.max_pool2d(torch.relu(TF.conv2d(xt, wt)), 2)

        ref = theirs()[0].numpy().transpose(1, 2, 0)
        assert np.allclose(ours(), ref, rtol=1e-4, atol=1e-2), "cnnviz and PyTorch disagree"
        cases["torch"] = theirs
    except ImportError:
        print("PyTorch is not installed: its column is skipped.")
    r = page_new_picture()
    png_bytes = sum(map(len, r.volume_png + r.pooled_png))
    t = race(cases, repeats, target_s=0.02)
    kernel = "cnnviz conv2d + ReLU + pool2d"
    rows = [Row("PyTorch conv2d + ReLU + max_pool2d", t["torch"])] if "torch" in t else []
    rows += [Row(kernel, t["ours"], rows[0].label if rows else None),
             Row("page, a new picture: 8 filters one by one, colouring and PNG encoding of every map", t["page"],
                 kernel),
             Row("page, a new bias for the filter shown: its maps and the detail again", t["bias"], kernel)]
    print_timings("Server compute, one thread", rows)
    print(f"\n16 maps (8 activation, 8 pooled) as PNG: {png_bytes / 1024:.0f} KB; the same maps as JSON numbers "
          f"(float32 printed to 4 decimals) would be about {(510 * 510 + 255 * 255) * 8 * 9 / 2**20:.0f} MB.")


def reruns(repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "images.py"), default_timeout=120)
    at.query_params["size"] = "512"
    at.query_params["f"] = list(FILTERS)
    at.run()
    assert not at.exception, at.exception
    bias = iter(range(1, 10**9))

    def new_bias():
        at.number_input(key="img_b0").set_value(float(next(bias)))
        at.run()
        assert not at.exception, at.exception

    t = race({"cached": at.run, "new bias": new_bias}, repeats)
    print_timings("One rerun of the page script on the server (AppTest)", [
        Row("new bias: nothing cached", t["new bias"]),
        Row("results cached (another student, same setting)", t["cached"], "new bias: nothing cached")])


def browser(clicks: int) -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser_support import wait_for_app

    with streamlit_server() as server, sync_playwright() as p:
        b = launch_chromium(p)
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        received = {"ws": 0, "media": 0}
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda payload: received.__setitem__("ws", received["ws"] + len(payload))))

        def on_response(resp):
            if "/media/" in resp.url:
                try:
                    received["media"] += len(resp.body())
                except Exception:  # a response the page navigated away from
                    pass
        page.on("response", on_response)
        query = "&".join(f"f={urllib.request.quote(f)}" for f in FILTERS)
        page.goto(f"{server.url}/images?sample=House&size=512&{query}")
        page.wait_for_selector("h3:has-text('512x512x3 → 510x510x8 → 255x255x8')")
        bias = page.get_by_label("Bias of filter 1")
        bias.wait_for()
        wait_for_app(page)
        times, sent = [], []
        for i in range(clicks):
            value = f"{(i + 1) * 7}"
            bias.fill(value)
            received.update(ws=0, media=0)
            t0 = time.perf_counter()
            bias.press("Enter")
            page.wait_for_function(
                """v => { const c = [...document.querySelectorAll('[data-testid="stImageCaption"]')]
                            .map(e => e.innerText).join(' ');
                          return c.includes('+ bias (' + v + ')')
                            && [...document.images].every(i => i.complete && i.naturalWidth > 0)
                            && !document.querySelector('[data-testid="stStatusWidget"]'); }""",
                arg=value, polling=5)
            times.append(time.perf_counter() - t0)
            page.wait_for_timeout(300)  # late frames of this rerun count for it
            sent.append(received["ws"] + received["media"])
            wait_for_app(page)
        b.close()
    print_timings("Chromium: typing a new bias (nothing cached) to the updated page; target under 300 ms",
                  [Row("interaction to updated page", Timing(tuple(times)))])
    print_table("Bytes received per interaction", ["median", "most"],
                [[f"{statistics.median(sent) / 1024:.0f} KB", f"{max(sent) / 1024:.0f} KB"]])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--clicks", type=int, default=8)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    print(f"Before: {load_average()}")
    compute(args.repeats)
    reruns(args.repeats)
    if not args.no_browser:
        browser(args.clicks)
    print(f"\nAfter: {load_average()}")


if __name__ == "__main__":
    main()
