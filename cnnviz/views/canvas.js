// An 8x8 drawing canvas for a digit: press and drag (mouse, pen or finger) to ink cells, 0..16 like the data.
// On release the 64 cells go to Python as the state value "cells" (row 0 first).
const SIDE = 8, INK = 16, SOFT = 6;  // a stroke inks its cell fully and its four neighbours a little
const boards = new WeakMap();

function paint(b, r, c) {
  if (r < 0 || c < 0 || r >= SIDE || c >= SIDE) return;
  const put = (i, v) => { b.cells[i] = b.erase ? 0 : Math.max(b.cells[i], v); };
  put(r * SIDE + c, INK);
  if (!b.erase) {
    for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
      const rr = r + dr, cc = c + dc;
      if (rr >= 0 && cc >= 0 && rr < SIDE && cc < SIDE) put(rr * SIDE + cc, SOFT);
    }
  }
  show(b);
}

function show(b) {
  b.cellEls.forEach((el, i) => {
    const v = b.cells[i], g = Math.round(255 - v * 255 / INK);
    el.style.background = `rgb(${g},${g},${g})`;
    el.style.color = g > 110 ? "#000" : "#fff";
    el.textContent = String(v);
    el.dataset.value = String(v);
  });
}

function build(root, send) {
  const wrap = document.createElement("div");
  wrap.className = "draw";
  wrap.innerHTML = `<div class="grid" id="draw-grid" role="img" aria-label="8 by 8 drawing canvas"></div>
    <div class="tools"><button type="button" id="draw-ink" aria-pressed="true">Ink</button>
    <button type="button" id="draw-erase" aria-pressed="false">Erase</button>
    <button type="button" id="draw-clear">Clear</button></div>`;
  root.appendChild(wrap);
  const grid = wrap.querySelector(".grid");
  const b = { cells: new Array(SIDE * SIDE).fill(0), cellEls: [], drawing: false, erase: false, grid, sent: "" };
  for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) {
    const el = document.createElement("div");
    el.className = "cell"; el.id = `draw-${r}-${c}`;
    grid.appendChild(el); b.cellEls.push(el);
  }
  const at = (e) => {
    const box = grid.getBoundingClientRect();
    return [Math.floor((e.clientY - box.top) / box.height * SIDE), Math.floor((e.clientX - box.left) / box.width * SIDE)];
  };
  grid.addEventListener("pointerdown", (e) => {
    b.drawing = true; grid.setPointerCapture(e.pointerId); paint(b, ...at(e)); e.preventDefault();
  });
  grid.addEventListener("pointermove", (e) => { if (b.drawing) paint(b, ...at(e)); });
  const finish = () => { if (b.drawing) { b.drawing = false; b.send(); } };
  grid.addEventListener("pointerup", finish);
  grid.addEventListener("pointercancel", finish);
  const mode = (erase) => {
    b.erase = erase;
    wrap.querySelector("#draw-ink").setAttribute("aria-pressed", String(!erase));
    wrap.querySelector("#draw-erase").setAttribute("aria-pressed", String(erase));
  };
  wrap.querySelector("#draw-ink").onclick = () => mode(false);
  wrap.querySelector("#draw-erase").onclick = () => mode(true);
  wrap.querySelector("#draw-clear").onclick = () => { b.cells.fill(0); show(b); b.send(); };
  b.send = () => { b.sent = b.cells.join(","); send([...b.cells]); };
  return b;
}

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  let b = boards.get(parentElement);
  if (!b) { b = build(parentElement, (cells) => setStateValue("cells", cells)); boards.set(parentElement, b); }
  const given = data && Array.isArray(data.cells) && data.cells.length === SIDE * SIDE ? data.cells : null;
  // Python's cells replace the board unless a stroke is under way or they are what was just sent.
  if (given && !b.drawing && given.join(",") !== b.cells.join(",")) {
    b.cells = given.map((v) => Math.max(0, Math.min(INK, Math.round(Number(v) || 0))));
  }
  show(b);
}
