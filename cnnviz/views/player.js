// The step player, an st.components.v2 module: Streamlit calls the default export on mount and again
// whenever the page sends new data. What a student did (step, playing, speed, a cell being typed) lives
// in one Player per component key, so a rerun keeps it; only the grids' HTML is redrawn when it changes.
const PLAYERS = new Map();  // data.key -> Player

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const PLAIN = /^[+\-\u2212]?\d{1,7}(\.\d{1,12})?$/;  // a number as typed, which the page reads the same way
const ASIDE = 330;  // the width the written sums take beside the grids (presenter view)
const BANK_SCALE = 0.55;  // the output volume's cells, against the grids' cells

class Player {
  constructor(data) {
    this.step = data.initial == null ? data.n : clamp(data.initial | 0, 0, data.n);
    this.playing = false; this.peek = -1; this.lit = []; this.raf = 0; this.t0 = 0; this.s0 = 0;
    let si = 0;  // the offered speed nearest to the one asked
    data.speeds.forEach((v, i) => { if (Math.abs(v - data.speed) < Math.abs(data.speeds[si] - data.speed)) si = i; });
    this.speedIndex = si; this.html = null; this.token = null; this.editing = null; this.seq = 0;
    this.onKey = e => this.key(e);
    this.onResize = () => this.fit();
    this.attached = false;
  }
  attach() {  // one document-level key listener per player, removed when the player leaves the page
    if (this.attached) return;
    document.addEventListener('keydown', this.onKey);
    window.addEventListener('resize', this.onResize);
    this.attached = true;
  }
  detach() {
    this.stop();
    document.removeEventListener('keydown', this.onKey);
    window.removeEventListener('resize', this.onResize);
    if (this.ro) this.ro.disconnect();
    this.attached = false;
  }

  // Called on every mount and rerun with the page's data.
  update(data, root, send) {
    this.D = data; this.root = root; this.send = send;
    const host = root.querySelector('.cnnviz-host');
    const html = [data.html, data.legend, data.tools || '', data.ack || ''].join('\u0000');  // after an edit, redraw
    if (this.html !== html || !host.querySelector('#player')) {
      host.innerHTML = this.shell(data);
      this.html = html; this.bind(host);
    }
    this.attach();
    if (this.observed !== host) {  // refit when the page's column changes width (not on height changes)
      if (this.ro) this.ro.disconnect();
      this.ro = new ResizeObserver(() => { if (host.clientWidth !== this.width) this.fit(); });
      this.ro.observe(host); this.observed = host;
    }
    host.classList.toggle('present', !!data.present);
    // a student looking at the whole map keeps seeing the whole map when the grids change size
    this.step = this.n != null && this.step === this.n ? data.n : clamp(this.step, 0, data.n);
    this.S = data.steps; this.n = data.n;
    this.outs = this.S.map(s => this.$('out-' + s[2] + '-' + s[3]));
    this.shown = data.n; this.lit = [];
    if (data.command && data.command[0] !== this.token) {  // a presenter's jump, applied once
      this.token = data.command[0];
      this.stop(); this.step = clamp(data.command[1] | 0, 0, this.n);
      if (data.command[2]) this.play(false);
    }
    this.theme(); this.fit(); this.setSpeed(this.speedIndex, false); this.render();
    if (data.present && document.fonts && !this.fontsFitted) {  // text measured in the page's own font
      this.fontsFitted = true; document.fonts.ready.then(() => this.fit());
    }
    if (this.playing) { this.s0 = this.step; this.t0 = performance.now(); }
    if (this.editing) this.open(this.editing.grid, this.editing.r, this.editing.c, this.editing.text);
  }

  $(id) { return this.root.getElementById ? this.root.getElementById(id) : this.root.querySelector('#' + id); }

  shell(D) {
    const last = D.speeds.length - 1;
    return '<div id="player" tabindex="-1" data-step="0" data-steps="' + D.n + '" data-playing="0">'
      + '<div class="bar">'
      + '<button id="btn-reset" title="Back to the start (Home)" aria-label="reset">Reset</button>'
      + '<button id="btn-back" title="Step back (← or PageUp)" aria-label="step back">◀ Back</button>'
      + '<button id="btn-play" title="Play / pause (space)" aria-label="play">▶ Play</button>'
      + '<button id="btn-fwd" title="Step forward (→ or PageDown)" aria-label="step forward">Next ▶</button>'
      + '<input id="slider" type="range" min="0" max="' + D.n + '" step="1" aria-label="jump to step">'
      + '<span id="counter"></span>'
      + '<label class="spd">speed <input id="speed" type="range" min="0" max="' + last + '" step="1"'
      + ' aria-label="speed"> <span id="speed-label"></span></label></div>'
      + '<div class="stage"><div class="panels">' + D.html + '</div>'
      + '<div class="side"><div id="explain" aria-live="polite"></div></div></div>'
      + (D.tools || '') + '<div class="legend">' + D.legend + '</div></div>';
  }

  bind(host) {
    this.el = {
      player: host.querySelector('#player'), play: host.querySelector('#btn-play'),
      slider: host.querySelector('#slider'), speed: host.querySelector('#speed'),
      speedLabel: host.querySelector('#speed-label'), counter: host.querySelector('#counter'),
      explain: host.querySelector('#explain'), panels: host.querySelector('.panels'),
      side: host.querySelector('.side'), out: host.querySelector('[data-part="out"]'),
      eq: host.querySelector('.op.eq'),
    };
    host.querySelector('#btn-reset').onclick = () => this.go(0);
    host.querySelector('#btn-back').onclick = () => this.go(this.step - 1);
    host.querySelector('#btn-fwd').onclick = () => this.go(this.step + 1);
    this.el.play.onclick = () => this.toggle();
    this.el.slider.oninput = () => this.go(+this.el.slider.value);
    this.el.speed.oninput = () => this.setSpeed(+this.el.speed.value, true);
    host.querySelectorAll('.cell.out').forEach(o => {
      const k = +o.dataset.k;
      if (k < 0) return;
      o.onmouseenter = () => { this.peek = k; this.paint(); };
      o.onmouseleave = () => { this.peek = -1; this.paint(); };
      o.onclick = () => { this.peek = -1; this.go(k + 1); };
    });
    host.querySelectorAll('.bankmap').forEach(m => {  // a map of the output volume: step through its filter
      const pick = () => { if (!m.classList.contains('pick')) this.send('pick', {f: +m.dataset.f, seq: Date.now() + '-' + (++this.seq)}); };
      m.onclick = pick;
      m.onkeydown = e => { if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); pick(); } };
    });
    host.querySelectorAll('.tool').forEach(group => {  // a grid's tools: its size, Randomise, Clear, a preset
      const ask = (op, value) => this.send('edit', {grid: group.dataset.grid, op, value,
                                                    seq: Date.now() + '-' + (++this.seq)});
      group.querySelectorAll('button[data-op]').forEach(b => { b.onclick = () => ask(b.dataset.op, +b.dataset.v || null); });
      group.querySelectorAll('select[data-op]').forEach(m => { m.onchange = () => { if (m.value) ask('preset', m.value); }; });
    });
    host.querySelectorAll('.cell.edit').forEach(cell => {
      cell.onclick = e => {  // not a click in its own open field or on its ± key
        if (e.target !== cell) return;
        const [g, r, c] = cell.id.split('-'); this.open(g, +r, +c);
      };
    });
  }

  // -- stepping ---------------------------------------------------------------------------------
  cells(prefix, r, c) {  // the cell (r, c) of every channel
    const C = this.D.channels;
    if (!C) { const e = this.$(prefix + '-' + r + '-' + c); return e ? [e] : []; }
    const all = [];
    for (let k = 0; k < C; k++) { const e = this.$(prefix + '-' + r + '-' + c + '-' + k); if (e) all.push(e); }
    return all;
  }
  setShown(k) {
    k = clamp(k, 0, this.n);
    for (let i = 0; i < this.n; i++) this.outs[i].dataset.shown = i < k ? '1' : '0';
    this.shown = k;
  }
  clearLit() {
    for (const [el, cls] of this.lit) { el.classList.remove(cls); if (cls === 'win') el.removeAttribute('data-w'); }
    this.lit = [];
  }
  light(k) {
    const s = this.S[k], W = this.D.weights;
    s[0].forEach((r, i) => s[1].forEach((c, j) => this.cells('in', r, c).forEach((el, ch) => {
      el.classList.add('win'); this.lit.push([el, 'win']);
      if (W) el.setAttribute('data-w', W[Math.min(ch, W.length - 1)][i][j]);
    })));
    const o = this.outs[k]; o.classList.add('cur'); this.lit.push([o, 'cur']);
    if (s[4] >= 0) this.cells('in', s[4], s[5]).forEach(w => { w.classList.add('best'); this.lit.push([w, 'best']); });
  }
  paint() {
    this.clearLit();
    const k = this.peek >= 0 ? this.peek : this.step - 1, n = this.n;
    if (k >= 0 && k < n) { this.light(k); this.el.explain.innerHTML = this.D.explain[k] || ''; }
    else this.el.explain.innerHTML = n ? '<span class="mut">Step 0 of ' + n
      + ': nothing computed yet. Press ▶ or → to slide the window.</span>' : '';
    if (this.peek >= 0) { const o = this.outs[this.peek]; o.classList.add('peek'); this.lit.push([o, 'peek']); }
    const P = this.D.partials;  // each channel's partial sum, written by Python, under its pair
    if (P) for (let c = 0; c < this.D.channels; c++) {
      const el = this.$('psum-' + c);
      if (el) el.textContent = k >= 0 && k < n && P[k][c] != null ? P[k][c] : '';
    }
  }
  render() {
    const el = this.el;
    this.setShown(this.step);
    el.player.dataset.step = this.step;
    el.slider.value = this.step;
    el.counter.textContent = 'Step ' + this.step + ' / ' + this.n;
    el.play.textContent = this.playing ? '⏸ Pause' : '▶ Play';
    el.play.setAttribute('aria-label', this.playing ? 'pause' : 'play');
    el.player.dataset.playing = this.playing ? '1' : '0';
    this.paint();
  }
  writeUrl() {
    const param = this.D.param;
    if (!param) return;
    clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => {
      const u = new URL(window.location.href);
      if (u.searchParams.get(param) === String(this.step)) return;
      u.searchParams.set(param, String(this.step));
      window.history.replaceState(window.history.state, '', u.toString());
    }, 120);
  }
  // What the student did, for a page that follows it (data.report): never per animation frame.
  report() {
    if (this.D.report) this.send('view', {step: this.step, playing: this.playing, speed: this.D.speeds[this.speedIndex]});
  }
  stop() { if (this.playing) { this.playing = false; cancelAnimationFrame(this.raf); } }
  go(k) {  // jump to step k (clamped); stops playback, and the link keeps the step
    this.stop();
    this.step = clamp(k | 0, 0, this.n);
    this.render(); this.writeUrl(); this.report();
  }
  tick(t) {
    if (!this.playing) return;
    const target = this.s0 + Math.max(0, Math.floor((t - this.t0) / 1000 * this.D.speeds[this.speedIndex]));
    if (target !== this.step) {
      if (target >= this.n) { this.step = this.n; this.playing = false; this.render(); this.writeUrl(); this.report(); return; }
      this.step = target; this.render();
    }
    this.raf = requestAnimationFrame(t2 => this.tick(t2));
  }
  play(byUser = true) {
    if (this.n === 0) return;
    if (this.step >= this.n) this.step = 0;
    cancelAnimationFrame(this.raf);
    this.playing = true; this.s0 = this.step; this.t0 = performance.now(); this.render();
    this.raf = requestAnimationFrame(t => this.tick(t));
    if (byUser) this.report();
  }
  pause() { this.stop(); this.render(); this.writeUrl(); this.report(); }
  toggle() { if (this.playing) this.pause(); else this.play(); }
  setSpeed(i, byUser) {
    const speeds = this.D.speeds;
    this.speedIndex = clamp(i | 0, 0, speeds.length - 1);
    this.el.speed.value = this.speedIndex;
    this.el.speedLabel.textContent = speeds[this.speedIndex] + ' steps/s';
    if (this.playing) { this.s0 = this.step; this.t0 = performance.now(); }
    if (byUser) this.report();
  }
  // Keys anywhere on the page, except while typing into a field (the event's real target, inside
  // any shadow root) or with a modifier; handled keys never scroll the page. Every player on the page
  // takes the key (a clicker's PageDown steps them all); a key something else handled is left alone.
  key(e) {
    if (!this.root || !this.el || !this.el.player.isConnected) return;
    if (e.ctrlKey || e.metaKey || e.altKey || (e.defaultPrevented && !e.cnnvizPlayers)) return;
    const t = e.composedPath ? e.composedPath()[0] : e.target;
    if (t && (TYPING.has(t.tagName) || t.isContentEditable)) return;
    const k = e.key;
    if (k === ' ' || k === 'Spacebar') this.toggle();
    else if (k === 'ArrowRight' || k === 'PageDown') this.go(this.step + 1);
    else if (k === 'ArrowLeft' || k === 'PageUp') this.go(this.step - 1);
    else if (k === 'Home') this.go(0);
    else if (k === 'End') this.go(this.n);
    else return;
    e.cnnvizPlayers = true;
    e.preventDefault();
  }

  // -- typing into a cell -----------------------------------------------------------------------
  open(grid, r, c, text) {
    const cell = this.$(grid + '-' + r + '-' + c);
    if (!cell || !cell.classList.contains('edit')) { this.editing = null; return; }
    this.root.querySelectorAll('input.cell-edit, .cell-sign').forEach(el => el.remove());
    const box = document.createElement('input');
    box.className = 'cell-edit'; box.type = 'text'; box.inputMode = 'decimal'; box.enterKeyHint = 'done';
    box.autocomplete = 'off'; box.spellcheck = false;
    box.setAttribute('aria-label', (grid === 'in' ? 'input' : 'filter') + ' row ' + (r + 1) + ', column ' + (c + 1));
    box.value = text != null ? text : (cell.dataset.value || '');
    this.editing = {grid, r, c, text: box.value, cell};
    cell.appendChild(box);
    box.focus();
    if (text == null) box.select();
    box.oninput = () => { if (this.editing) this.editing.text = box.value; };
    box.onkeydown = e => this.editKey(e, box);
    box.onblur = () => setTimeout(() => {
      if (this.editing && this.editing.box === box && !this.editing.keep) this.close(true);
    }, 0);
    this.editing.box = box;
    if (window.matchMedia && window.matchMedia('(pointer: coarse)').matches) this.signKey(cell, box);
  }
  // A touch screen's number keypad may have no minus (an iPhone's has none): a ± key beside the field
  // changes the sign of what is typed, the field keeping its focus.
  signKey(cell, box) {
    const sign = document.createElement('button');
    sign.type = 'button'; sign.className = 'cell-sign'; sign.textContent = '±';
    sign.setAttribute('aria-label', 'change the sign');
    const hold = e => { e.preventDefault(); if (this.editing) this.editing.keep = true; };
    sign.onpointerdown = hold; sign.onmousedown = hold;
    const back = () => { if (this.editing) this.editing.keep = false; box.focus(); };
    sign.onpointercancel = back;
    sign.onclick = e => {
      e.preventDefault(); e.stopPropagation();
      const v = box.value.trim();
      box.value = /^[-\u2212]/.test(v) ? v.slice(1) : '\u2212' + v.replace(/^\+/, '');
      if (this.editing) this.editing.text = box.value;
      back();
    };
    // beside the cell in its grid's panel (the cell clips what leaves it): under it, or over it in the lower half
    const panel = cell.closest('.panel');
    panel.appendChild(sign);
    const lower = cell.offsetTop + cell.offsetHeight / 2 > panel.offsetHeight / 2;
    sign.style.left = (cell.offsetLeft + cell.offsetWidth / 2) + 'px';
    sign.style.top = (lower ? cell.offsetTop - sign.offsetHeight - 4 : cell.offsetTop + cell.offsetHeight + 4) + 'px';
  }
  close(commit) {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    if (ed.box) ed.box.remove();
    this.root.querySelectorAll('.cell-sign').forEach(el => el.remove());
    if (commit && ed.text !== ed.cell.dataset.value) {
      const [ph, pw] = this.D.pad, inp = ed.grid === 'in';
      ed.cell.firstChild && ed.cell.firstChild.nodeType === 3 && (ed.cell.firstChild.textContent = ed.text);
      ed.cell.classList.add('pending');
      this.send('edit', {grid: ed.grid, row: inp ? ed.r - ph : ed.r, col: inp ? ed.c - pw : ed.c, text: ed.text,
                         seq: Date.now() + '-' + (++this.seq)});
      this.preview(ed.cell, ed.text);
    }
  }
  // A plain number typed into a cell changes the map before the page answers: every window is added up
  // again from the cells' exact values (data.combine: each covered cell times its weight on every channel,
  // plus the bias, then ReLU; or the window's largest value or mean) and written in when the whole map is
  // whole numbers, which the page's formatter writes digit by digit. Anything else waits for the page. The
  // written sum dims until then: the page's answer redraws the player, its colours and sums included.
  preview(cell, text) {
    const F = this.D.combine, t = text.trim();
    if (!F || !PLAIN.test(t)) return;
    const v = Number(t.replace('\u2212', '-'));
    if (!(Math.abs(v) <= F.limit)) return;
    const old = cell.dataset.value;
    cell.dataset.value = String(v);
    const val = el => +el.dataset.value;
    const map = this.S.map(s => {
      let acc = F.op === 'max' ? -Infinity : 0, n = 0;
      s[0].forEach((r, i) => s[1].forEach((c, j) => {
        const ins = this.cells('in', r, c), ws = F.op === 'sum' ? this.cells('flt', i, j) : null;
        ins.forEach((x, ch) => {
          if (F.op === 'sum') acc += val(x) * val(ws[ch]);
          else if (F.op === 'max') acc = Math.max(acc, val(x));
          else acc += val(x);
          n += 1;
        });
      }));
      if (F.op === 'avg') return acc / n;
      if (F.op === 'sum') { acc += F.bias; if (F.relu) acc = Math.max(0, acc); }
      return acc;
    });
    if (!map.every(y => Number.isInteger(y) && Math.abs(y) < F.whole)) { cell.dataset.value = old; return; }
    const sizes = F.lengths.map(l => l[1]).filter(Boolean);
    map.forEach((y, k) => {
      const o = this.outs[k], txt = (y < 0 ? F.minus : '') + Math.abs(y);
      o.dataset.value = String(y); o.textContent = txt;
      o.classList.remove(...sizes);
      const size = F.lengths.find(([most]) => most == null || txt.length <= most)[1];
      if (size) o.classList.add(size);
    });
    this.el.explain.classList.add('pending');
    this.html = null;  // the page's answer redraws it all
  }
  editKey(e, box) {
    const ed = this.editing;
    if (!ed) return;
    e.stopPropagation();
    const move = (dr, dc) => {
      e.preventDefault();
      const {grid, r, c} = ed;
      this.close(true);
      // the next editable cell of the same grid, in reading order (Tab) or in the arrow's direction
      const next = this.neighbour(grid, r, c, dr, dc);
      if (next) this.open(grid, next[0], next[1]);
    };
    if (e.key === 'Enter') { e.preventDefault(); this.close(true); }
    else if (e.key === 'Escape') { e.preventDefault(); this.close(false); }
    else if (e.key === 'Tab') move(0, e.shiftKey ? -1 : 1);
    else if (e.key === 'ArrowUp') move(-1, 0);
    else if (e.key === 'ArrowDown') move(1, 0);
    else if (e.key === 'ArrowLeft' && box.selectionStart === 0 && box.selectionEnd === 0) move(0, -1);
    else if (e.key === 'ArrowRight' && box.selectionStart === box.value.length) move(0, 1);
  }
  neighbour(grid, r, c, dr, dc) {
    const [Hp, Wp, kh, kw] = this.D.dims, H = grid === 'in' ? Hp : kh, W = grid === 'in' ? Wp : kw;
    for (let i = 0; i < H * W; i++) {
      if (dc && !dr) { c += dc; if (c >= W) { c = 0; r += 1; } if (c < 0) { c = W - 1; r -= 1; } }
      else r += dr;
      if (r < 0 || r >= H) return null;
      const cell = this.$(grid + '-' + r + '-' + c);
      if (cell && cell.classList.contains('edit')) return [r, c];
      if (dr) return null;
    }
    return null;
  }

  // -- look -------------------------------------------------------------------------------------
  theme() {
    const D = this.D;
    let dark = D.theme === 'dark';
    if (D.theme === 'auto') {
      const app = document.querySelector('.stApp') || document.body;
      const m = getComputedStyle(app).backgroundColor.match(/\d+(\.\d+)?/g);
      if (m && m.length >= 3 && !(m.length === 4 && +m[3] === 0)) dark = (0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2]) < 128;
      else dark = !!(window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches);
    }
    this.el.player.parentElement.classList.toggle('dark', dark);
  }
  // Cell size. Side by side when the grids fit (input ∗ filter = map); else the map beside the
  // explanation under the input and filter; else (a phone) stacked. The presenter view fills the
  // screen's width and height with no cap on the cell.
  fit() {
    if (!this.el || !this.el.player.isConnected) return;
    if (this.D.channels) { this.fitChannels(); return; }
    const D = this.D, [Hp, Wp, kh, kw, Ho, Wo] = D.dims, C = Math.max(1, D.channels || 0);
    const host = this.el.player.parentElement, present = !!D.present;
    this.width = host.clientWidth;
    const W = Math.max(200, host.clientWidth - 8);
    const inRows = Hp * C + (C > 1 ? C : 0), rows = Math.max(inRows, (kh + (C > 1 ? 1 : 0)) * C, Ho);
    const cols = Wp + kw + Wo, ops = (kw ? 2 : 1) * 46;
    const gap = n => n * 2 + 12;  // the gaps between n cells, and the panel's margin
    let cs = Math.floor((W - ops - gap(Wp) - gap(kw) - gap(Wo)) / cols), mode = 'row';
    const least = present ? 40 : 26;  // smaller cells than this: try the other layouts
    if (cs < least) {
      const top = Math.floor((W - (kw ? 46 : 0) - gap(Wp) - gap(kw)) / (Wp + kw));
      const low = Math.floor((W - 300 - gap(Wo)) / Wo);
      const split = Math.min(top, low);
      if (split >= 16 && split > cs) { cs = split; mode = 'split'; }
      else { mode = 'wrap'; cs = Math.floor((W - 8 - gap(Math.max(Wp, kw, Wo))) / Math.max(Wp, kw, Wo)); }
    }
    this.layout(mode);
    const stage = this.el.player.querySelector('.stage');
    stage.classList.remove('aside');
    if (present) {  // the whole player on one screen: all that is not a grid row keeps its height
      const ex = this.el.explain, shown = ex.innerHTML;  // measured with the longest written sum
      ex.style.minHeight = '';
      ex.innerHTML = (D.explain || []).reduce((l, e) => (e.length > l.length ? e : l), shown);
      const fitHeight = (m, c) => {
        host.style.setProperty('--cs', '20px');
        const gridRows = m === 'wrap' ? Hp + kh + Ho : m === 'split' ? Math.max(Hp, kh) + Ho : rows;
        const top = Math.max(0, host.getBoundingClientRect().top + window.scrollY);
        const rest = this.el.player.offsetHeight - gridRows * 22;
        return Math.max(16, Math.min(c, Math.floor((window.innerHeight - top - rest - 12) / gridRows) - 2));
      };
      cs = fitHeight(mode, cs);
      // a projector: the written sum beside the grids may leave the cells bigger
      const narrow = Math.floor((W - ASIDE - ops - gap(Wp) - gap(kw) - gap(Wo)) / cols);
      if (W > 900 && narrow > cs) {
        this.layout('row'); stage.classList.add('aside');
        const c = fitHeight('row', narrow);
        if (c > cs * 1.1) cs = c;
        else { stage.classList.remove('aside'); this.layout(mode); }
      }
      host.style.setProperty('--cs', cs + 'px');
      ex.style.minHeight = ex.offsetHeight + 'px'; ex.innerHTML = shown;
    } else {
      cs = Math.max(14, Math.min(D.max_cell || 60, cs, Math.floor(540 / rows)));
    }
    host.style.setProperty('--cs', cs + 'px');
  }
  // Every channel side by side (R | G | B), each filter slice under its channel, then = the map and the
  // output volume on the same line ('row') or on the next ('split'); else (a phone) one channel a line
  // ('wrap'). The parts' widths are measured at two cell sizes: each grows linearly with the cell.
  fitChannels() {
    const D = this.D, [Hp, , kh, , Ho] = D.dims, present = !!D.present, floor = D.numbers ? 14 : 3;
    const host = this.el.player.parentElement, panels = this.el.panels;
    this.width = host.clientWidth;
    host.classList.toggle('nonum', !D.numbers);
    const W = Math.max(200, host.clientWidth - 8);
    const parts = [panels.querySelector('[data-part="in"]'), this.el.eq, this.el.out];
    const widths = cs => {
      this.size(host, cs);
      return parts.map(p => p.offsetWidth);
    };
    const vol = this.el.out.querySelector('.outvol');
    const fitOf = below => {  // [a, b] of each part's width a + b * cs, the volume beside or under the map
      if (vol) vol.classList.toggle('below', below);
      const w40 = widths(40), w60 = widths(60);
      return [w40.map((w, i) => w - 2 * (w60[i] - w)), w40.map((w, i) => Math.max(0.01, (w60[i] - w) / 20))];
    };
    this.layout('row');
    panels.style.width = 'max-content';
    const beside = fitOf(false), under = vol ? fitOf(true) : beside;
    panels.style.width = '';
    const rowOf = ([a, b]) => Math.floor((W - a[0] - a[1] - a[2] - 20) / (b[0] + b[1] + b[2]));
    const cap = D.max_cell || 60, rowB = rowOf(beside), rowU = rowOf(under);
    const volBelow = rowB < Math.min(cap, rowU);
    const [a, b] = volBelow ? under : beside, row = volBelow ? rowU : rowB;
    if (vol) vol.classList.toggle('below', volBelow);
    const split = Math.floor(Math.min((W - a[0]) / b[0], (W - a[1] - a[2] - 10) / (b[1] + b[2])));
    const least = D.numbers ? 24 : 5;
    const rowsOf = {row: Math.max(Hp + kh, Ho), split: Hp + kh + Ho, wrap: D.channels * (Hp + kh) + Ho};
    // The cell a layout gets once its height is counted too: the presenter view's whole player on one
    // screen (all that is not a grid row keeps its height), else a cap that keeps the grids near a screen.
    const stage = this.el.player.querySelector('.stage');
    const limit = (mode, cs, aside = false) => {
      this.layout(mode);
      stage.classList.toggle('aside', aside);
      if (!present) return Math.min(D.max_cell || 60, cs, Math.floor(680 / Math.max(Hp + kh + 2, rowsOf[mode] / 2)));
      this.size(host, 20);
      const top = Math.max(0, host.getBoundingClientRect().top + window.scrollY);
      const rest = this.el.player.offsetHeight - rowsOf[mode] * 22;
      let c = Math.min(cs, Math.floor((window.innerHeight - top - rest - 12) / rowsOf[mode]) - 2);
      for (let i = 0; i < 4 && c > floor; i++) {  // what grows with the cell besides the rows: measure, shrink
        this.size(host, c);
        const over = top + this.el.player.offsetHeight + 12 - window.innerHeight;
        if (over <= 0) break;
        c -= Math.max(1, Math.ceil(over / rowsOf[mode]));
      }
      return c;
    };
    // Measured with the longest explanation, which then sets its box's height: stepping moves nothing.
    const ex = this.el.explain, shown = ex.innerHTML;
    ex.style.minHeight = '';
    if (present) ex.innerHTML = (D.explain || []).reduce((l, e) => (e.length > l.length ? e : l), shown);
    let mode = 'row', cs = row >= least ? limit('row', row) : -1;
    const other = split >= least ? limit('split', split) : -1;
    if (other > cs * 1.25 || (cs < least && other > cs)) { mode = 'split'; cs = other; }
    let aside = false;
    if (present && W > 900) {  // a projector: the written sums beside the grids may leave the cells bigger
      const [sa, sb] = [a.reduce((x, y) => x + y), b.reduce((x, y) => x + y)];
      const narrow = Math.floor((W - ASIDE - sa - 20) / sb);
      const besideCs = narrow >= least ? limit('row', narrow, true) : -1;
      if (besideCs > cs * 1.1) { mode = 'row'; cs = besideCs; aside = true; }
    }
    stage.classList.toggle('aside', aside);
    if (cs < least) {  // one channel a line: a channel is a third of the channels' part
      const C = D.channels;
      mode = 'wrap';
      if (vol) vol.classList.add('below');  // the volume under the map, each as wide as the screen allows
      const Wo = D.dims[5], wide = Math.max(Wo, D.bank ? 2 * D.bank[2] * BANK_SCALE : 0);
      cs = limit('wrap', Math.floor(Math.min((W - 16 - a[0] / C) / (b[0] / C), (W - 16) / wide - 2)));
    }
    this.layout(mode);
    this.size(host, Math.max(floor, cs));
    if (present) { ex.style.minHeight = ex.offsetHeight + 'px'; ex.innerHTML = shown; }
  }
  size(host, cs) {
    host.style.setProperty('--cs', cs + 'px');
    host.style.setProperty('--bs', Math.max(3, Math.floor(cs * BANK_SCALE)) + 'px');
  }
  layout(mode) {
    const el = this.el, stage = el.player.querySelector('.stage');
    stage.dataset.layout = mode;
    if (this.D.channels) return;  // the multi-channel layouts are CSS only
    if (mode === 'split') { if (el.out.parentElement !== el.side) el.side.prepend(el.out); }
    else if (el.out.parentElement !== el.panels) el.panels.append(el.out);
  }
}

// The page sends the player's data as one JSON text (``player``, the same for every student on these
// grids) beside this student's own keys; the text is parsed once, not on every rerun that resends it.
let shownText = null, shownData = null;
function unpack(sent) {
  const {player, ...own} = sent;
  if (player !== shownText) { shownData = JSON.parse(player); shownText = player; }
  return {...shownData, ...own};
}

// Another page's view shown in place, without a run of this page: ``sent`` (a player's data as a page sends
// it, its key naming the player; null: the data shown) at ``command`` ([token, step, playing], applied once
// per token, as a run would send it; null: none). False when no player on the page can show it.
function show(sent, command) {
  for (const p of PLAYERS.values()) {
    if (!(p.el && p.el.player.isConnected) || (sent && sent.key !== p.D.key)) continue;
    p.update({...(sent ? unpack(sent) : p.D), command}, p.root, p.send);
    return true;
  }
  return false;
}
window.__cnnvizPlayer = {show};

export default function mount(component) {
  const {parentElement, setStateValue} = component, data = unpack(component.data);
  const id = data.key || 'player';
  let p = PLAYERS.get(id);
  if (!p) { p = new Player(data); PLAYERS.set(id, p); }
  p.update(data, parentElement, setStateValue);
  // Streamlit calls the last function returned when the component leaves the page (another page is
  // shown): the keys go with it; the step and speed stay for when it comes back.
  return () => { if (!(p.el && p.el.player.isConnected)) p.detach(); };
}
