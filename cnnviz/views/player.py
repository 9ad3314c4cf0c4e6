"""A sliding-window step player: one self-contained HTML string (inline CSS and vanilla JS).

The browser plays every step itself: the page sends the grids and the steps once (a few KB) and
the player steps at up to 30 steps a second with ``requestAnimationFrame``; nothing goes back to
the server while it plays. It serves any operation where a window slides over an input grid and
writes one output cell per step: convolution (a filter), pooling (no filter, a winning cell).

What it shows
-------------
- The input grid, padding cells hatched and labelled, cells that no window reaches (a stride that
  does not divide evenly) cross-hatched; an optional filter grid; the output grid, whose cells not
  yet computed are blank.
- At each step: the covered input cells outlined (each with its filter weight as a subscript when
  there is a filter), the output cell being written, an optional "winner" cell, and the step's
  explanation (HTML) below the grids.
- Controls: reset, step back, play/pause, step forward, a slider to jump to any step, a speed
  slider (0.5 to 30 steps a second). Keys: space plays/pauses, arrows step, Home/End jump.
  Hovering an output cell shows the window that produced it; clicking jumps there.
- Every cell shows its number; colours follow the shared diverging scale, white at 0 (each grid its
  own limits, ``colour.diverging_rgb``); the controls follow the app's light or dark theme, and the
  cells shrink to fit a phone.
- When paused or stepped it writes ``step=N`` into the parent page's URL (``replaceState``), so a
  copied link reopens the same step: pass that number back as ``PlayerSpec.initial_step``.

Step numbers: step ``s`` (0 to ``len(steps)``) means the first ``s`` steps are done; the window of
step ``s`` (``steps[s - 1]``) is shown. Step 0 is the empty output, the last step the full output.

DOM hooks (for tests)
---------------------
``#player[data-step][data-steps][data-playing]``; output cells ``.cell.out`` with ``id="out-R-C"``,
``data-value`` (the final value, exactly: ``numbers.exact_number``) and ``data-shown`` ("1" once
computed); input cells ``id="in-R-C"``
(padded coordinates) with class ``win`` while covered; controls ``#btn-reset``, ``#btn-back``,
``#btn-play``, ``#btn-fwd``, ``#slider``, ``#speed``; ``#explain`` holds the explanation.

Examples
--------
>>> import numpy as np
>>> spec = PlayerSpec(input=np.array([[1, 2], [3, 4]]), output=np.array([[10]]),
...                   steps=[PlayerStep(rows=(0, 1), cols=(0, 1), out=(0, 0), value=10, explain="1+2+3+4")])
>>> html = player_html(spec)
>>> html.startswith("<!DOCTYPE html>") and 'id="out-0-0"' in html
True
"""
from __future__ import annotations

import html as _html
import json
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .colour import cell_style, diverging_rgb
from .numbers import exact_number, format_number

__all__ = ["PlayerStep", "PlayerSpec", "player_html", "player_template", "with_step", "player_height",
           "unreached_cells", "SPEEDS"]

SPEEDS = (0.5, 1, 2, 3, 5, 10, 20, 30)  # steps a second offered by the speed slider


@dataclass(frozen=True)
class PlayerStep:
    """One position of the window and the output cell it writes."""

    rows: tuple[int, ...]  # covered rows of the input grid as shown (padded coordinates)
    cols: tuple[int, ...]  # covered columns; the window is every (row, col) pair of the two
    out: tuple[int, int]  # the output cell written at this step
    value: float | int  # the value written there
    explain: str = ""  # HTML shown under the grids at this step (trusted: built by the app, not typed)
    winner: tuple[int, int] | None = None  # an input cell to single out (max pooling's winner)


@dataclass(frozen=True)
class PlayerSpec:
    """Everything the player shows. Grids are 2-D arrays, row 0 at the top."""

    input: np.ndarray  # (Hp, Wp) the grid the window slides over, padding included
    output: np.ndarray  # (H_out, W_out) the final output
    steps: Sequence[PlayerStep]  # in play order
    filter: np.ndarray | None = None  # (kh, kw): covered cell (rows[i], cols[j]) shows weight filter[i, j]
    padding: tuple[int, int] = (0, 0)  # zero rows / columns added on each side of the input
    titles: tuple[str, str, str] = ("Input", "Filter", "Activation map")  # input, filter, output
    operator: str = "∗"  # written between the input and the filter
    initial_step: int | None = None  # None: start on the last step (the full output)
    speed: float = 2.0  # steps a second when playing
    url_param: str | None = "step"  # query parameter written into the parent page; None: never
    theme: str = "auto"  # "light", "dark", or "auto" (read the app's background)
    winner_label: str = "winner"  # legend text for the winner cell, when any step has one
    max_cell: int = 60  # largest cell size in CSS pixels (a projector)


def unreached_cells(shape: tuple[int, int], padding: tuple[int, int], steps: Sequence[PlayerStep]) -> np.ndarray:
    """Boolean mask ``(Hp, Wp)``: cells of the real input (not padding) that no window covers.

    Examples
    --------
    >>> s = [PlayerStep((0, 1), (0, 1), (0, 0), 0)]
    >>> unreached_cells((3, 3), (0, 0), s).astype(int).tolist()
    [[0, 0, 1], [0, 0, 1], [1, 1, 1]]
    """
    Hp, Wp = shape
    ph, pw = padding
    covered = np.zeros((Hp, Wp), dtype=bool)
    for s in steps:
        covered[np.ix_(s.rows, s.cols)] = True
    real = np.zeros((Hp, Wp), dtype=bool)
    real[ph:Hp - ph, pw:Wp - pw] = True
    return real & ~covered


def _len_class(text: str) -> str:
    """A smaller font for longer numbers, so that every number fits its cell."""
    n = len(text)
    return "" if n <= 3 else " l4" if n <= 4 else " l6" if n <= 6 else " l8" if n <= 8 else " l10"


def _grid_html(grid: np.ndarray, prefix: str, classes=None, extra_attrs=None) -> str:
    """The cells of one grid as a CSS grid of divs, numbers written in."""
    g = np.asarray(grid)
    colours = diverging_rgb(g)  # (H, W, 3) each grid on its own scale
    H, W = g.shape
    parts = [f'<div class="grid" id="{prefix}-grid" style="grid-template-columns:repeat({W},var(--cs))">']
    for r in range(H):
        for c in range(W):
            text = format_number(g[r, c])
            cls = "cell " + prefix + _len_class(text) + (classes(r, c) if classes else "")
            attrs = extra_attrs(r, c) if extra_attrs else ""
            parts.append(
                f'<div class="{cls}" id="{prefix}-{r}-{c}" style="{cell_style(colours[r, c])}"{attrs}>{_html.escape(text)}</div>'
            )
    parts.append("</div>")
    return "".join(parts)


_STEP = "__INITIAL_STEP__"  # where ``with_step`` writes the step the player opens on


def player_html(spec: PlayerSpec) -> str:
    """Build the player for ``spec`` as one HTML document (no external scripts, fonts or images)."""
    return with_step(player_template(spec), spec.initial_step)


def with_step(template: str, step: int | None) -> str:
    """Fill in the step a ``player_template`` opens on (``None``: the last step, the full output).

    Cheap (a string replace), so a page can cache the template and set each student's step per rerun.
    """
    n = int(re.search(r'data-steps="(\d+)"', template).group(1))
    try:
        k = n if step is None else max(0, min(n, int(step)))
    except (TypeError, ValueError):
        k = n
    return template.replace(f'"initial":"{_STEP}"', f'"initial":{k}').replace(_STEP, str(k))


def player_template(spec: PlayerSpec) -> str:
    """``player_html`` without the step it opens on (which ``with_step`` fills in)."""
    x = np.asarray(spec.input)
    y = np.asarray(spec.output)
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError("The player shows 2-D grids: give the input and the output as (rows, columns).")
    Hp, Wp = x.shape
    H_out, W_out = y.shape
    for s in spec.steps:
        if not (all(0 <= r < Hp for r in s.rows) and all(0 <= c < Wp for c in s.cols)):
            raise ValueError("A step covers cells outside the input grid.")
        if not (0 <= s.out[0] < H_out and 0 <= s.out[1] < W_out):
            raise ValueError("A step writes a cell outside the output grid.")
    ph, pw = spec.padding
    unreached = unreached_cells((Hp, Wp), (ph, pw), spec.steps)
    n = len(spec.steps)
    k_of = {tuple(s.out): k for k, s in enumerate(spec.steps)}

    def in_classes(r, c):
        pad = r < ph or r >= Hp - ph or c < pw or c >= Wp - pw
        return (" pad" if pad else "") + (" unr" if unreached[r, c] else "")

    def out_attrs(r, c):
        k = k_of.get((r, c), -1)
        return f' data-value="{exact_number(y[r, c])}" data-k="{k}" data-shown="1"'

    has_winner = any(s.winner is not None for s in spec.steps)
    fgrid = None if spec.filter is None else np.asarray(spec.filter)
    weights = None if fgrid is None else [[format_number(v) for v in row] for row in fgrid]
    data = {
        "n": n,
        "initial": _STEP,
        "speed": float(spec.speed),
        "speeds": list(SPEEDS),
        "param": spec.url_param,
        "theme": spec.theme,
        "dims": [Hp, Wp, 0 if fgrid is None else fgrid.shape[0], 0 if fgrid is None else fgrid.shape[1], H_out, W_out],
        # per step: covered rows, covered cols, output row, output col, winner row, winner col
        "steps": [[list(map(int, s.rows)), list(map(int, s.cols)), int(s.out[0]), int(s.out[1]),
                   -1 if s.winner is None else int(s.winner[0]), -1 if s.winner is None else int(s.winner[1])]
                  for s in spec.steps],
        "explain": [s.explain for s in spec.steps],
        "weights": weights,
        "max_cell": int(spec.max_cell),
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    t_in, t_f, t_out = (_html.escape(t) for t in spec.titles)
    legend = []
    if ph or pw:
        legend.append('<span><i class="sw pad"></i>padding (zeros)</span>')
    if unreached.any():
        legend.append('<span><i class="sw unr"></i>no window reaches these cells</span>')
    legend.append('<span><i class="sw win"></i>window</span>')
    if has_winner:
        legend.append(f'<span><i class="sw best"></i>{_html.escape(spec.winner_label)}</span>')
    filt = ""
    if fgrid is not None:
        filt = (f'<div class="op">{_html.escape(spec.operator)}</div>'
                f'<div class="panel"><div class="ttl">{t_f}</div>{_grid_html(fgrid, "flt")}</div>')
    body = (
        f'<div id="player" data-step="{_STEP}" data-steps="{n}" data-playing="0" tabindex="0">'
        '<div class="bar">'
        '<button id="btn-reset" title="Back to the start (Home)" aria-label="reset">Reset</button>'
        '<button id="btn-back" title="Step back (←)" aria-label="step back">◀ Back</button>'
        '<button id="btn-play" title="Play / pause (space)" aria-label="play">▶ Play</button>'
        '<button id="btn-fwd" title="Step forward (→)" aria-label="step forward">Next ▶</button>'
        f'<input id="slider" type="range" min="0" max="{n}" step="1" value="{_STEP}" aria-label="jump to step">'
        '<span id="counter"></span>'
        '<label class="spd">speed <input id="speed" type="range" min="0" max="' + str(len(SPEEDS) - 1)
        + '" step="1" aria-label="speed"> <span id="speed-label"></span></label>'
        '</div>'
        '<div class="panels">'
        f'<div class="panel"><div class="ttl">{t_in}</div>{_grid_html(x, "in", classes=in_classes)}</div>'
        f'{filt}<div class="op">=</div>'
        f'<div class="panel"><div class="ttl">{t_out}</div>{_grid_html(y, "out", extra_attrs=out_attrs)}</div>'
        '</div>'
        f'<div class="legend">{"".join(legend)}</div>'
        '<div id="explain" aria-live="polite"></div>'
        '</div>'
    )
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<style>{_CSS}</style></head><body>{body}<script>const D={payload};{_JS}</script></body></html>")


def player_height(spec: PlayerSpec, width: int = 1100) -> int:
    """A height in CSS pixels that shows the whole player at ``width`` (it scrolls when narrower)."""
    Hp, Wp = np.asarray(spec.input).shape
    H_out, W_out = np.asarray(spec.output).shape
    kh, kw = (0, 0) if spec.filter is None else np.asarray(spec.filter).shape
    cols = Wp + kw + W_out
    cs = min(spec.max_cell, (width - 150) // max(cols, 1), 520 // max(Hp, 1))
    cs = max(cs, 14)
    longest = max((len(s.explain) for s in spec.steps), default=0)
    explain = 110 + 26 * min(6, longest // 1200)
    return int(60 + 30 + max(Hp, kh, H_out) * (cs + 2) + 40 + explain)


_CSS = """
:root{--cs:48px;--fg:#1f2430;--bg:transparent;--mut:#6b7080;--acc:#f59f00;--win:#ff8c00;--cur:#7b2ff7;
--mask:#e9eaee;--line:#c9ccd4;--pad:#d9dbe1;--btn:#f0f2f6;--btnfg:#1f2430}
.dark{--fg:#f2f2f2;--mut:#a3a8b8;--mask:#2b2e38;--line:#4a4f5e;--pad:#3a3d48;--btn:#262a36;--btnfg:#f2f2f2;
--acc:#ffc247;--win:#ffb02e;--cur:#c49bff}
html,body{margin:0;padding:0;background:transparent;color:var(--fg);
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
#player{padding:4px 4px 8px;outline:none}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-bottom:8px;font-size:16px}
.bar button{font-size:18px;min-width:44px;height:40px;border-radius:8px;border:1px solid var(--line);
background:var(--btn);color:var(--btnfg);cursor:pointer;padding:0 10px}
.bar button:focus-visible{outline:3px solid var(--acc)}
#btn-play{min-width:96px;font-weight:600}
#slider{flex:1 1 160px;min-width:120px;height:28px}
#counter{font-variant-numeric:tabular-nums;min-width:120px;font-weight:600}
.spd{display:flex;align-items:center;gap:4px;color:var(--mut)}
.spd input{width:110px}
#speed-label{min-width:80px;font-variant-numeric:tabular-nums;color:var(--fg)}
.panels{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.panels.wrap .op{display:none}
.panel{display:flex;flex-direction:column;align-items:flex-start}
.ttl{font-weight:600;font-size:16px;margin-bottom:4px;width:0;min-width:100%}
.op{font-size:32px;color:var(--mut);padding:0 2px}
.grid{display:grid;gap:2px;grid-auto-rows:var(--cs)}
.cell{position:relative;display:flex;align-items:center;justify-content:center;box-sizing:border-box;
width:var(--cs);height:var(--cs);border-radius:3px;
font-size:calc(var(--cs)*0.42);font-weight:600;font-variant-numeric:tabular-nums;
border:1px solid var(--line);user-select:none;overflow:hidden;white-space:nowrap}
.cell.l4{font-size:calc(var(--cs)*0.3)}
.cell.l6{font-size:calc(var(--cs)*0.22)}
.cell.l8{font-size:calc(var(--cs)*0.17)}
.cell.l10{font-size:calc(var(--cs)*0.13)}
.cell.pad{background:repeating-linear-gradient(45deg,var(--pad) 0 4px,transparent 4px 8px) !important;
color:var(--mut) !important;border-style:dashed}
.cell.unr{background-image:repeating-linear-gradient(45deg,rgba(128,128,128,.45) 0 2px,transparent 2px 7px),
repeating-linear-gradient(-45deg,rgba(128,128,128,.45) 0 2px,transparent 2px 7px);border:2px dotted var(--mut)}
.cell.win{outline:3px solid var(--win);outline-offset:-3px;z-index:1}
.cell.win[data-w]::after{content:attr(data-w);position:absolute;right:2px;bottom:1px;
font-size:calc(var(--cs)*0.26);line-height:1;padding:1px 2px;border-radius:3px;background:var(--win);color:#111}
.cell.best{box-shadow:inset 0 0 0 calc(var(--cs)*0.09) var(--cur)}
.cell.out[data-shown="0"]{background:var(--mask) !important;color:transparent !important}
.cell.out.cur{outline:4px solid var(--cur);outline-offset:-4px}
.cell.out{cursor:pointer}
.cell.out.peek{outline:3px dashed var(--acc);outline-offset:-3px}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:8px 0 4px;color:var(--mut);font-size:14px}
.legend span{display:flex;align-items:center;gap:5px}
.sw{display:inline-block;width:16px;height:16px;border-radius:3px;border:1px solid var(--line)}
.sw.pad{background:repeating-linear-gradient(45deg,var(--pad) 0 3px,transparent 3px 6px)}
.sw.unr{background:repeating-linear-gradient(45deg,rgba(128,128,128,.6) 0 2px,transparent 2px 5px)}
.sw.win{outline:3px solid var(--win);outline-offset:-3px}
.sw.best{box-shadow:inset 0 0 0 3px var(--cur)}
#explain{font-size:20px;line-height:1.6;min-height:3.2em;padding:6px 10px;border-left:4px solid var(--acc);
overflow-wrap:anywhere}
#explain i{font-style:normal;white-space:nowrap}
#explain sub{font-size:0.68em;color:var(--win);font-weight:700}
.dark #explain i{font-style:normal;white-space:nowrap}
#explain sub{color:var(--acc)}
#explain .res{font-weight:700;font-size:1.1em}
#explain .mut{color:var(--mut)}
"""

_JS = r"""
(function(){
const root=document.getElementById('player');
const n=D.n, S=D.steps, speeds=D.speeds;
const [Hp,Wp,kh,kw,Ho,Wo]=D.dims;
const cellIn=(r,c)=>document.getElementById('in-'+r+'-'+c);
const cellOut=(r,c)=>document.getElementById('out-'+r+'-'+c);
const outs=S.map(s=>cellOut(s[2],s[3]));
const btnPlay=document.getElementById('btn-play'), slider=document.getElementById('slider');
const speedIn=document.getElementById('speed'), speedLabel=document.getElementById('speed-label');
const counter=document.getElementById('counter'), explain=document.getElementById('explain');
let step=D.initial, shown=n, playing=false, lit=[], speed=D.speed, peek=-1;
// every output cell starts shown; hide those not computed yet
function setShown(k){
  k=Math.max(0,Math.min(n,k));
  if(k<shown){for(let i=k;i<shown;i++) outs[i].dataset.shown='0';}
  else{for(let i=shown;i<k;i++) outs[i].dataset.shown='1';}
  shown=k;
}
function clearLit(){for(const [el,cls] of lit){el.classList.remove(cls); if(cls==='win') el.removeAttribute('data-w');} lit=[];}
function light(k){
  const s=S[k];
  s[0].forEach((r,i)=>s[1].forEach((c,j)=>{const el=cellIn(r,c); if(!el) return; el.classList.add('win'); lit.push([el,'win']);
    if(D.weights) el.setAttribute('data-w',D.weights[i][j]);}));
  const o=outs[k]; o.classList.add('cur'); lit.push([o,'cur']);
  if(s[4]>=0){const w=cellIn(s[4],s[5]); if(w){w.classList.add('best'); lit.push([w,'best']);}}
}
function paint(){
  clearLit();
  const k=peek>=0?peek:step-1;
  if(k>=0&&k<n){light(k); explain.innerHTML=D.explain[k]||'';}
  else explain.innerHTML=n? '<span class="mut">Step 0 of '+n+': nothing computed yet. Press ▶ or → to slide the window.</span>':'';
  if(peek>=0){outs[peek].classList.add('peek'); lit.push([outs[peek],'peek']);}
}
function render(){
  setShown(step);
  root.dataset.step=step;
  slider.value=step;
  counter.textContent='Step '+step+' / '+n;
  btnPlay.textContent=playing?'⏸ Pause':'▶ Play';
  btnPlay.setAttribute('aria-label',playing?'pause':'play');
  root.dataset.playing=playing?'1':'0';
  paint();
}
let urlTimer=0;
function writeUrl(){
  if(!D.param) return;
  clearTimeout(urlTimer);
  urlTimer=setTimeout(()=>{try{
    const w=window.parent; if(!w||w===window) return;
    const u=new URL(w.location.href); u.searchParams.set(D.param,String(step));
    w.history.replaceState(w.history.state,'',u.toString());
  }catch(e){}},120);
}
function go(k,keepPlaying){
  step=Math.max(0,Math.min(n,k|0));
  if(!keepPlaying&&playing){playing=false;}
  render();
  if(!playing) writeUrl();
}
let t0=0, s0=0, raf=0;
function tick(t){
  if(!playing) return;
  const target=s0+Math.max(0,Math.floor((t-t0)/1000*speed));
  if(target!==step){
    if(target>=n){step=n; playing=false; render(); writeUrl(); return;}
    step=target; render();
  }
  raf=requestAnimationFrame(tick);
}
function play(){
  if(n===0) return;
  if(step>=n) step=0;
  playing=true; s0=step; t0=performance.now(); render(); raf=requestAnimationFrame(tick);
}
function pause(){playing=false; cancelAnimationFrame(raf); render(); writeUrl();}
function toggle(){playing?pause():play();}
function setSpeed(i){
  i=Math.max(0,Math.min(speeds.length-1,i|0)); speed=speeds[i]; speedIn.value=i;
  speedLabel.textContent=speed+' steps/s';
  if(playing){s0=step; t0=performance.now();}
}
let si=0; for(let i=0;i<speeds.length;i++) if(Math.abs(speeds[i]-D.speed)<Math.abs(speeds[si]-D.speed)) si=i;
setSpeed(si);
document.getElementById('btn-reset').onclick=()=>{pause(); go(0);};
document.getElementById('btn-back').onclick=()=>{pause(); go(step-1);};
document.getElementById('btn-fwd').onclick=()=>{pause(); go(step+1);};
btnPlay.onclick=toggle;
slider.oninput=()=>{if(playing) pause(); go(+slider.value);};
speedIn.oninput=()=>setSpeed(+speedIn.value);
outs.forEach((o,k)=>{
  o.addEventListener('mouseenter',()=>{peek=k; paint();});
  o.addEventListener('mouseleave',()=>{peek=-1; paint();});
  o.addEventListener('click',()=>{peek=-1; if(playing) pause(); go(k+1);});
});
function onKey(e){
  if(e.ctrlKey||e.metaKey||e.altKey) return false;
  if(e.key===' '||e.key==='k'){toggle();}
  else if(e.key==='ArrowRight'){if(playing) pause(); go(step+1);}
  else if(e.key==='ArrowLeft'){if(playing) pause(); go(step-1);}
  else if(e.key==='Home'){if(playing) pause(); go(0);}
  else if(e.key==='End'){if(playing) pause(); go(n);}
  else return false;
  e.preventDefault(); return true;
}
document.addEventListener('keydown',e=>{ if(e.target&&e.target.tagName==='INPUT'&&e.target.type==='range'&&e.key.startsWith('Arrow')) return; onKey(e);});
// Keys pressed on the app page itself (nothing focused) also drive the player.
try{
  const pw=window.parent;
  if(pw&&pw!==window){
    if(pw.__cnnvizPlayerKey) pw.document.removeEventListener('keydown',pw.__cnnvizPlayerKey);
    const h=e=>{const a=pw.document.activeElement; if(a&&a!==pw.document.body) return; onKey(e);};
    pw.__cnnvizPlayerKey=h; pw.document.addEventListener('keydown',h);
    window.addEventListener('pagehide',()=>{try{if(pw.__cnnvizPlayerKey===h){pw.document.removeEventListener('keydown',h); pw.__cnnvizPlayerKey=null;}}catch(e){}});
  }
}catch(e){}
// Theme: follow the app's background (same origin), else the system setting.
function isDark(){
  if(D.theme==='dark') return true; if(D.theme==='light') return false;
  try{const app=window.parent.document.querySelector('.stApp')||window.parent.document.body;
    const m=getComputedStyle(app).backgroundColor.match(/\d+(\.\d+)?/g);
    if(m&&m.length>=3&&!(m.length===4&&+m[3]===0)) return (0.299*m[0]+0.587*m[1]+0.114*m[2])<128;}catch(e){}
  return window.matchMedia&&window.matchMedia('(prefers-color-scheme: dark)').matches;
}
function theme(){document.body.classList.toggle('dark',isDark());}
theme(); setInterval(theme,1500);
// Cell size: side by side when the grids fit, else stacked; never taller than a screenful.
const panels=document.querySelector('.panels');
function fit(){
  const W=Math.max(200,document.documentElement.clientWidth-12);
  const cols=[Wp,kw,Wo].filter(c=>c>0), rows=Math.max(Hp,kh,Ho);
  const nops=cols.length-1;
  let cs=Math.floor((W-nops*46-cols.length*4-(Wp+kw+Wo)*2)/(Wp+kw+Wo));
  let wrap=false;
  if(cs<26){wrap=true; cs=Math.floor((W-8-Math.max(...cols)*2)/Math.max(...cols));}
  cs=Math.max(14,Math.min(D.max_cell||60,cs,Math.floor(540/rows)));
  panels.classList.toggle('wrap',wrap);
  document.documentElement.style.setProperty('--cs',cs+'px');
}
fit(); window.addEventListener('resize',fit);
render();
})();
"""
