// The value under the pointer (or a tap) on the pictures st.image draws: "Row 7, column 22: 153".
// Python lists each picture group (a keyed container, .st-key-NAME) with one token per picture, in
// the order of its <img> elements. The first time the pointer enters a picture, its token goes to
// Python as the state value "want"; Python answers with that picture's packed cell texts
// (views.hover.pack_cells, base64) in the next data. Packs stay here, so moving on costs nothing.
const packs = new Map(); // token -> Promise of {H, W, texts, index}
const waiting = new Map(); // token -> resolve, while Python has not answered
let groups = [];
let ask = null;
let asked = 0;
let tip = null;
let over = null; // {img, token, x, y}: what the pointer points at now

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).arrayBuffer();
}

async function unpack(b64) {
  const raw = await inflate(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
  const head = new DataView(raw, 0, 16);
  const [H, W, width, n] = [0, 4, 8, 12].map((o) => head.getUint32(o, true));
  const texts = new TextDecoder().decode(new Uint8Array(raw, 16, n)).split("\n");
  const start = 16 + n + ((4 - (n % 4)) % 4);
  const Typed = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array }[width];
  return { H, W, texts, index: new Typed(raw.slice(start, start + H * W * width)) };
}

function pack(token) {
  if (!packs.has(token)) {
    packs.set(token, new Promise((resolve) => waiting.set(token, resolve)));
    // Unanswered (a rerun replaced the one that would have answered): ask again at the next move.
    setTimeout(() => { if (waiting.delete(token)) packs.delete(token); }, 5000);
    asked += 1;
    ask("want", { token, n: asked }); // n: a new value even when a token is asked again
  }
  return packs.get(token);
}

function tipElement() {
  if (!tip || !tip.isConnected) {
    tip = document.createElement("div");
    tip.id = "cnnviz-cell-value";
    tip.setAttribute("role", "status");
    Object.assign(tip.style, {
      position: "fixed", zIndex: 1000, pointerEvents: "none", display: "none", padding: "4px 8px",
      borderRadius: "4px", background: "rgba(20, 20, 20, 0.9)", color: "#fff", font: "600 15px sans-serif",
      fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap",
    });
    document.body.appendChild(tip);
  }
  return tip;
}

function tokenOf(img) {
  for (const g of groups) {
    const box = document.querySelector(`.st-key-${g.box}`);
    if (box && box.contains(img)) {
      const i = [...box.querySelectorAll('[data-testid="stImage"] img')].indexOf(img);
      return i >= 0 && i < g.tokens.length ? g.tokens[i] : null;
    }
  }
  return null;
}

function place(el, x, y) {
  const w = el.offsetWidth, h = el.offsetHeight;
  el.style.left = `${Math.max(4, Math.min(x + 14, window.innerWidth - w - 4))}px`;
  el.style.top = `${y + 18 + h > window.innerHeight ? y - h - 10 : y + 18}px`;
}

function show(p) {
  if (!over) return;
  const box = over.img.getBoundingClientRect();
  if (!box.width || !box.height) return;
  const r = Math.max(0, Math.min(p.H - 1, Math.floor(((over.y - box.top) / box.height) * p.H)));
  const c = Math.max(0, Math.min(p.W - 1, Math.floor(((over.x - box.left) / box.width) * p.W)));
  const el = tipElement();
  el.textContent = `Row ${r + 1}, column ${c + 1}: ${p.texts[p.index[r * p.W + c]]}`;
  el.dataset.row = r + 1;
  el.dataset.col = c + 1;
  el.style.display = "block";
  place(el, over.x, over.y);
}

function hide() {
  over = null;
  if (tip) tip.style.display = "none";
}

function point(e) {
  const img = e.target instanceof HTMLImageElement ? e.target : null;
  const token = img && tokenOf(img);
  if (!token) {
    if (e.type === "pointermove" || e.type === "pointerdown") hide();
    return;
  }
  over = { img, token, x: e.clientX, y: e.clientY };
  pack(token).then((p) => { if (over && over.token === token) show(p); });
}

export default function ({ data, setStateValue }) {
  ask = setStateValue;
  groups = (data && data.groups) || [];
  const sent = data && data.pack;
  if (sent && waiting.has(sent.token)) {
    const resolve = waiting.get(sent.token);
    waiting.delete(sent.token);
    unpack(sent.b64).then(resolve);
  }
  window.__cnnvizCells = { point, hide }; // the listeners call the latest module's handlers
  if (!window.__cnnvizCellsOn) { // one set of listeners per page, whatever the reruns
    window.__cnnvizCellsOn = true;
    const on = (name, fn) => document.addEventListener(name, (e) => window.__cnnvizCells[fn](e),
      { passive: true, capture: name === "scroll" });
    on("pointermove", "point");
    on("pointerdown", "point"); // a tap on a phone
    on("scroll", "hide");
  }
}
