// The step player, an st.components.v2 module: Streamlit calls the default export on mount and again
// whenever the page sends new data. What a student did (step, playing, speed, a cell being typed) lives
// in one Player per component key, so a rerun keeps it; only the grids' HTML is redrawn when it changes.
const PLAYERS = new Map();  // data.key -> Player

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const better = (a, b) => { const i = a.findIndex((v, j) => v !== b[j]); return i >= 0 && a[i] > b[i]; };  // lexicographic
const text = cell => (cell && cell.firstChild && cell.firstChild.nodeType === 3 ? cell.firstChild.textContent : '');
const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const PLAIN = /^[+\-\u2212]?\d{1,7}(\.\d{1,12})?$/;  // a number as typed, which the page reads the same way
const ASIDE = 330;  // the width the written sums take beside the grids (presenter view)
const BANK_SCALE = 0.55;  // the output volume's cells, against the grids' cells
const READABLE = 18;  // cells smaller than this are drawn as a picture, and the lens shows the window
const HALL = 40;  // the same in the presenter view: smaller cells (digits under 17 px) are too small for a hall
const NARROW = 520;  // a player narrower than this (a phone) shows the lens above the grids
const LENS_DIGITS = 0.85;  // the lens's digits against the height of its cells
const LENS_HALL = 33;  // the lens's cell a hall reads (digits of 28 px), in the presenter view
const LENS_NEAR = 28;  // and on a screen read from close by
const PICTURE_LEAST = 3;  // the smallest cell of a picture

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
    const html = [data.html, data.legend, data.tools || '', data.ack || '', data.notes || ''].join('\u0000');  // after an edit, redraw
    if (this.html !== html || !host.querySelector('#player')) {
      host.innerHTML = this.shell(data);
      this.html = html; this.bind(host); this.fitted = null;
    }
    this.attach();
    if (this.observed !== host) {  // refit when the page's column changes width (not on height changes)
      if (this.ro) this.ro.disconnect();
      this.ro = new ResizeObserver(() => { if (host.clientWidth !== this.width) this.fit(); });
      this.ro.observe(host); this.observed = host;
    }
    host.classList.toggle('present', !!data.present);
    host.classList.toggle('stamp', !!data.stamps);
    // a student looking at the whole map keeps seeing the whole map when the grids change size
    this.step = this.n != null && this.step === this.n ? data.n : clamp(this.step, 0, data.n);
    this.S = data.steps; this.n = data.n;
    // the cell each step is about: the output cell it writes; a stamp's, the input cell that stamps
    this.outs = this.S.map(s => this.$(data.stamps ? 'in-' + s[0][0] + '-' + s[1][0] : 'out-' + s[2] + '-' + s[3]));
    this.stampCells = data.stamps ? [...new Set(data.stamps.flat().map(w => 'out-' + w[0] + '-' + w[1]))].map(id => this.$(id)) : [];
    this.shown = data.n; this.lit = [];
    this.take(data.command);
    const dark = host.classList.contains('dark');
    this.theme();
    if (dark !== host.classList.contains('dark')) this.fitted = null;  // the pictures' colours
    this.fit(); this.setSpeed(this.speedIndex, false); this.render();
    if (data.present && document.fonts && !this.fontsFitted) {  // text measured in the page's own font
      this.fontsFitted = true; document.fonts.ready.then(() => { this.fitted = null; this.fit(); });
    }
    if (this.playing) { this.s0 = this.step; this.t0 = performance.now(); }
    if (this.editing) this.open(this.editing.grid, this.editing.r, this.editing.c, this.editing.text, this.editing.where);
  }

  take(command) {  // a presenter's jump ([token, step, playing]), applied once per token
    if (!command || command[0] === this.token) return;
    this.token = command[0];
    this.stop(); this.step = clamp(command[1] | 0, 0, this.n);
    if (command[2]) this.play(false);
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
      + (D.tools || '') + '<div class="legend">' + D.legend + '</div></div>'
      + (D.notes ? '<div class="notes">' + D.notes + '</div>' : '');
  }

  bind(host) {
    this.el = {
      player: host.querySelector('#player'), play: host.querySelector('#btn-play'),
      slider: host.querySelector('#slider'), speed: host.querySelector('#speed'),
      speedLabel: host.querySelector('#speed-label'), counter: host.querySelector('#counter'),
      explain: host.querySelector('#explain'), panels: host.querySelector('.panels'),
      side: host.querySelector('.side'), out: host.querySelector('[data-part="out"]'),
      eq: host.querySelector('.op.eq'), stage: host.querySelector('.stage'),
    };
    this.el.at = [...host.querySelectorAll('.notes [data-at]')].map(e => [e, e.dataset.at.split(' ').map(Number)]);
    this.buildPictures();
    this.buildLens(host);
    host.querySelector('#btn-reset').onclick = () => this.go(0);
    host.querySelector('#btn-back').onclick = () => this.go(this.step - 1);
    host.querySelector('#btn-fwd').onclick = () => this.go(this.step + 1);
    this.el.play.onclick = () => this.toggle();
    this.el.slider.oninput = () => this.go(+this.el.slider.value);
    this.el.speed.oninput = () => this.setSpeed(+this.el.speed.value, true);
    host.querySelectorAll('.cell[data-k]').forEach(o => {  // an output cell (a stamp player's: an input cell)
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
    if (this.D.stamps) this.stamped(k);
    else for (let i = 0; i < this.n; i++) this.outs[i].dataset.shown = i < k ? '1' : '0';
    this.shown = k;
    if (this.pic && this.el.picOf.has('out-grid')) this.draw(this.el.picOf.get('out-grid'));
  }
  clearLit() {
    for (const [el, cls] of this.lit) { el.classList.remove(cls); if (cls === 'win') el.removeAttribute('data-w'); }
    this.lit = [];
  }
  // The filter's slice for channel ch (-1: a channel of another group, which the filter does not see).
  slot(ch) { const S = this.D.sees; return S ? S.indexOf(ch) : ch; }
  // A stamp player's output after k stamps: each cell a stamp has reached holds the sum written by the last of
  // them (its number and colour); a cell none has reached yet is blank.
  stamped(k) {
    const last = new Map();
    for (let i = 0; i < k; i++) for (const w of this.D.stamps[i]) last.set('out-' + w[0] + '-' + w[1], w);
    this.stampCells.forEach(o => {
      const w = last.get(o.id);
      o.dataset.shown = w ? '1' : '0';
      if (w) { o.textContent = w[4]; o.style.cssText = w[5]; }
    });
  }
  light(k) {
    if (this.D.stamps) { this.lightStamp(k); return; }
    const s = this.S[k], W = this.D.weights;
    s[0].forEach((r, i) => s[1].forEach((c, j) => this.cells('in', r, c).forEach((el, ch) => {
      const slot = this.slot(ch);
      if (slot < 0) return;
      el.classList.add('win'); this.lit.push([el, 'win']);
      if (W) el.setAttribute('data-w', W[Math.min(slot, W.length - 1)][i][j]);
    })));
    const o = this.outs[k]; o.classList.add('cur'); this.lit.push([o, 'cur']);
    if (s[4] >= 0) this.cells('in', s[4], s[5]).forEach(w => { w.classList.add('best'); this.lit.push([w, 'best']); });
  }
  // Stamp k: the input cell, and each output cell it adds to with the filter's weight there in its strip.
  lightStamp(k) {
    const cell = this.outs[k], W = this.D.weights[0];
    cell.classList.add('win'); this.lit.push([cell, 'win']);
    for (const [r, c, i, j] of this.D.stamps[k]) {
      const o = this.$('out-' + r + '-' + c);
      o.classList.add('win'); o.setAttribute('data-w', W[i][j]); this.lit.push([o, 'win']);
    }
  }
  paint() {
    this.clearLit();
    const k = this.peek >= 0 ? this.peek : this.step - 1, n = this.n;
    if (k >= 0 && k < n) { this.light(k); this.el.explain.innerHTML = this.D.explain[k] || ''; }
    else this.el.explain.innerHTML = n ? '<span class="mut">Step 0 of ' + n
      + ': nothing computed yet. Press ▶ or → to ' + (this.D.stamps ? 'stamp the first cell' : 'slide the window')
      + '.</span>' : '';
    if (this.peek >= 0) { const o = this.outs[this.peek]; o.classList.add('peek'); this.lit.push([o, 'peek']); }
    const P = this.D.partials;  // each channel's partial sum, written by Python, under its pair
    if (P) for (let c = 0; c < this.D.channels; c++) {
      const el = this.$('psum-' + c);
      if (el) el.textContent = k >= 0 && k < n && P[k][c] != null ? P[k][c] : '';
    }
    this.frames(k >= 0 && k < n ? k : -1);
    this.paintLens(k >= 0 && k < n ? k : -1);
    for (const [e, at] of this.el.at) e.classList.toggle('at', k < n && at.includes(k));  // the notes' part in it
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
  // The field covers the cell, or (``where`` 'lens') the lens's cell showing it: a picture's blocks are
  // too small to type into.
  open(grid, r, c, text, where) {
    const cell = this.$(grid + '-' + r + '-' + c);
    const lensCell = this.lensShown ? this.el.lens.querySelector('.lz[data-of="' + grid + '-' + r + '-' + c + '"]') : null;
    const at = where === 'lens' || this.pic ? lensCell : cell;
    if (!cell || !at || !cell.classList.contains('edit')) { this.editing = null; return; }
    this.root.querySelectorAll('input.cell-edit, .cell-sign').forEach(el => el.remove());
    const box = document.createElement('input');
    box.className = 'cell-edit'; box.type = 'text'; box.inputMode = 'decimal'; box.enterKeyHint = 'done';
    box.autocomplete = 'off'; box.spellcheck = false;
    box.setAttribute('aria-label', (grid === 'in' ? 'input' : 'filter') + ' row ' + (r + 1) + ', column ' + (c + 1));
    box.value = text != null ? text : (cell.dataset.value || '');
    this.editing = {grid, r, c, text: box.value, cell, where: at === cell ? 'grid' : 'lens'};
    at.appendChild(box);
    box.focus();
    if (text == null) box.select();
    box.oninput = () => { if (this.editing) this.editing.text = box.value; };
    box.onkeydown = e => this.editKey(e, box);
    box.onblur = () => setTimeout(() => {
      if (this.editing && this.editing.box === box && !this.editing.keep) this.close(true);
    }, 0);
    this.editing.box = box;
    if (window.matchMedia && window.matchMedia('(pointer: coarse)').matches) this.signKey(at, box);
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
      this.fitText(ed.cell.parentElement);
      this.send('edit', {grid: ed.grid, row: inp ? ed.r - ph : ed.r, col: inp ? ed.c - pw : ed.c, text: ed.text,
                         seq: Date.now() + '-' + (++this.seq)});
      this.preview(ed.cell, ed.text);
      this.paint();  // the lens shows what was typed
    }
  }
  // A grid's type size after its numbers changed: --tw, the width of its longest number in ems (grid.css), measured
  // as the page measures it (views.grid.text_em, D.em).
  fitText(grid) {
    const em = this.D.em, width = t => [...t].reduce((w, ch) => w + (em[ch] || em['']), 0);
    grid.style.setProperty('--tw', Math.max(1, ...[...grid.children].map(c => width(text(c)))));
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
          if (F.op === 'sum') { if (this.slot(ch) >= 0) acc += val(x) * val(ws[this.slot(ch)]); }
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
    map.forEach((y, k) => {
      const o = this.outs[k];
      o.dataset.value = String(y); o.textContent = (y < 0 ? F.minus : '') + Math.abs(y);
    });
    this.fitText(this.outs[0].parentElement);
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
      if (next) this.open(grid, next[0], next[1], null, ed.where);
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
  // Cell size. The grids alone when their cells are big enough to read (fitGrids, fitChannels); else, and
  // always on a phone, the lens with the grids drawn small (fitLens).
  fit() {
    if (!this.el || !this.el.player.isConnected) return;
    const host = this.el.player.parentElement, narrow = host.clientWidth < NARROW;
    // a rerun on the same grids and screen (and, in the presenter view, place) changes nothing: no measuring again
    const key = [host.clientWidth, window.innerWidth, window.innerHeight, !!this.D.present,
                 this.D.present ? Math.round(host.getBoundingClientRect().top + window.scrollY) : 0].join();
    if (this.fitted === key) return;
    this.fitted = key;
    this.width = host.clientWidth;
    const least = this.D.present ? HALL : READABLE, lens = !!this.el.lens;
    if (!lens || (!narrow && (!this.D.channels || this.reach() >= least))) {
      this.lensOff();
      if (this.D.channels) this.fitChannels(); else this.fitGrids();
      if (this.cs >= least || !lens) return;
    }
    // beside grids that leave it too little space, the lens goes above them (the page scrolls)
    if (this.fitLens(narrow) < LENS_NEAR && !narrow && !this.D.present) this.fitLens(true);
  }
  // The largest cell the channels' layouts could give (from their rows and columns alone, an upper bound):
  // when even that is too small to read, their many cells are not measured.
  reach() {
    const D = this.D, [Hp, Wp, kh, kw, Ho, Wo] = D.dims, C = D.channels, host = this.el.player.parentElement;
    const high = D.present ? window.innerHeight - Math.max(0, host.getBoundingClientRect().top) : 2 * 680;
    const wide = C * Math.max(Wp, kw);
    const layouts = [[wide + Wo, Math.max(Hp + kh, Ho)], [Math.max(wide, Wo), Hp + kh + Ho],
                     [Math.max(Wp, kw, Wo), C * (Hp + kh) + Ho]];  // [columns, rows]: row, split, wrap
    return Math.max(...layouts.map(([cols, rows]) => Math.min(host.clientWidth / cols, high / rows)));
  }
  // Side by side when the grids fit (input ∗ filter = map); else the map beside the explanation under the
  // input and filter; else stacked. The presenter view fills the screen's width and height with no cap on
  // the cell.
  fitGrids() {
    const D = this.D, [Hp, Wp, kh, kw, Ho, Wo] = D.dims, C = Math.max(1, D.channels || 0);
    const host = this.el.player.parentElement, present = !!D.present;
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
      if (split >= READABLE && split > cs) { cs = split; mode = 'split'; }
      else {
        mode = 'wrap'; cs = Math.floor((W - 8 - gap(Math.max(Wp, kw, Wo))) / Math.max(Wp, kw, Wo));
        // a stamp's input and filter share a line, the output under them: the stamp nearer its buttons and sum
        if (D.stamps) cs = Math.min(cs, Math.floor((W - 18 - gap(Wp) - gap(kw)) / (Wp + kw)));
      }
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
      this.size(host, cs);
      ex.style.minHeight = ex.offsetHeight + 'px'; ex.innerHTML = shown;
    } else {
      cs = Math.max(14, Math.min(D.max_cell || 60, cs, Math.floor(540 / rows)));
    }
    this.size(host, cs);
  }
  // Every channel side by side (R | G | B), each filter slice under its channel, then = the map and the
  // output volume on the same line ('row') or on the next ('split'); else (a phone) one channel a line
  // ('wrap'). The parts' widths are measured at two cell sizes: each grows linearly with the cell.
  fitChannels() {
    const D = this.D, [Hp, , kh, , Ho] = D.dims, present = !!D.present, floor = 14;
    const host = this.el.player.parentElement, panels = this.el.panels;
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
    const least = 24;
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
  // -- the lens ---------------------------------------------------------------------------------
  // The window on each channel, the filter and the output cell, magnified (cells .lz whose data-of names
  // the cell they show), beside the written sum: built once per grids, filled at each step (paintLens),
  // shown when fit() asks for it. On a picture the window and the output cell are outlined (.frame).
  buildLens(host) {
    const D = this.D, el = this.el;
    el.lens = null;
    if (!D.n || D.stamps) return;  // a stamp player's page keeps its grids large enough to read
    const C = D.channels || 0, [, , kh, kw] = D.dims, kr = D.steps[0][0].length, kc = D.steps[0][1].length;
    const esc = t => String(t).replace(/[&<>"]/g, ch => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[ch]));
    const grid = (rows, cols, of) => '<div class="grid" style="grid-template-columns:repeat(' + cols + ',var(--cw))">'
      + Array.from({length: rows * cols}, (_, i) => '<div class="cell lz"'
        + (of ? ' data-of="' + of(i / cols | 0, i % cols) + '"' : '') + '></div>').join('') + '</div>';
    const [, tFilter] = D.titles || ['', 'Filter'];
    el.lensCh = C ? (D.sees || D.names.map((_, k) => k)) : [0];  // the channels the lens shows: those the filter sees
    const chans = el.lensCh.map(k => {
      const name = C ? D.names[k] : '', suffix = C ? '-' + k : '', label = t => (C ? '' : '<div class="ttl">' + esc(t) + '</div>');
      const filter = kh ? '<div class="op">' + esc(D.operator || '∗') + '</div><div class="panel lgrid">'
        + label(tFilter) + grid(kh, kw, (i, j) => 'flt-' + i + '-' + j + suffix) + '</div>' : '';
      return '<div class="lch">' + (C ? '<div class="lttl">' + esc(name) + '</div>' : '')
        + '<div class="lpair"><div class="panel lgrid">' + label('Window') + grid(kr, kc) + '</div>' + filter + '</div></div>';
    }).join('');
    el.side.insertAdjacentHTML('afterbegin', '<div class="lens" role="group" aria-label="the window, magnified">'
      + chans + '</div>');
    // the output cell, magnified, after the written sum that makes it
    el.side.insertAdjacentHTML('beforeend', '<div class="lout"><div class="lhead"></div><div class="cell lz"></div></div>');
    el.lens = el.side.querySelector('.lens');
    el.lensWin = [...el.lens.querySelectorAll('.lpair')].map(p => [...p.querySelector('.grid').children]);
    el.lensFlt = [...el.lens.querySelectorAll('.lpair')].map(p => [...p.querySelectorAll('.grid')].slice(1)
      .flatMap(g => [...g.children]));
    el.lensTitles = [...el.lens.querySelectorAll('.lttl')];
    el.lensOut = el.side.querySelector('.lout .cell');
    el.lensHead = el.side.querySelector('.lout .lhead');
    // the lens's cells are as wide as the longest number they may show
    const longest = sel => [...el.panels.querySelectorAll(sel)].reduce((n, c) => Math.max(n, text(c).length), 1);
    host.style.setProperty('--lch', longest('.cell.in, .cell.flt'));
    host.style.setProperty('--loch', longest('.cell.out'));
    el.lens.onclick = e => {  // a cell typed into from the lens: the cell it shows
      const z = e.target;
      if (!z.classList || !z.classList.contains('edit') || !z.dataset.of) return;
      const [g, r, c] = z.dataset.of.split('-'); this.open(g, +r, +c, null, 'lens');
    };
  }
  paintLens(k) {
    const el = this.el, D = this.D;
    if (!el.lens || !this.lensShown) return;
    const s = this.S[Math.max(0, k)], kc = s[1].length;
    const copy = (z, src) => {  // the cell's number, colour and marks; an open field in it stays
      const t = src ? text(src) : '';
      if (z.firstChild && z.firstChild.nodeType === 3) z.firstChild.textContent = t;
      else z.insertBefore(document.createTextNode(t), z.firstChild);
      z.style.cssText = src ? src.style.cssText : '';
      for (const c of ['pad', 'edit', 'pending', 'best']) z.classList.toggle(c, !!src && src.classList.contains(c));
      if (src && src.id) z.dataset.of = src.id;
    };
    el.lensWin.forEach((cells, n) => cells.forEach((z, i) => copy(z, this.cells('in', s[0][i / kc | 0], s[1][i % kc])[el.lensCh[n]])));
    el.lensFlt.forEach(cells => cells.forEach(z => copy(z, this.$(z.dataset.of))));
    copy(el.lensOut, k >= 0 ? this.outs[k] : null);
    // the output cell's place in the map; a sequence's is its position
    el.lensHead.textContent = D.dims[0] === 1 && D.dims[4] === 1 ? 'output ' + (s[3] + 1) : 'row ' + (s[2] + 1) + ', column ' + (s[3] + 1);
    el.lens.classList.toggle('ahead', k < 0);  // step 0: the first window, nothing computed yet
    el.lensTitles.forEach((t, n) => { const ch = el.lensCh[n]; t.textContent = k >= 0 && D.partials ? D.partials[k][ch] : D.names[ch]; });
  }
  // -- pictures -----------------------------------------------------------------------------------
  // Each grid of the panels has a picture (.pict#P-pic, shown instead of the grid #P-grid in pic mode): a
  // canvas with a block of each cell's colour, the window's or the output cell's outline (.frame) and marks
  // every few rows and columns (.marks). The cells stay the page's data (numbers, colours, what is typed);
  // the canvas is drawn from them, and a block's number shows when the pointer rests on it.
  buildPictures() {
    const D = this.D, el = this.el;  // the window is outlined on the channels the filter sees
    const ins = new Set(D.channels ? D.names.map((_, k) => k).filter(k => this.slot(k) >= 0).map(k => 'in-grid-' + k) : ['in-grid']);
    el.pics = [...el.panels.querySelectorAll('.grid')].map(grid => {
      const cells = [...grid.children], W = +((grid.getAttribute('style') || '').match(/repeat\((\d+)/) || [0, 1])[1];
      const H = Math.ceil(cells.length / W), pict = document.createElement('div');
      const title = grid.parentElement.querySelector('.ttl');
      pict.className = H === 1 && D.dims[0] === 1 ? 'pict strip' : 'pict'; pict.id = grid.id.replace(/-grid/, '-pic');  // a sequence's row
      pict.style.setProperty('--w', W); pict.style.setProperty('--h', H);
      const canvas = document.createElement('canvas');
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', (title ? title.textContent + ': ' : '') + H + ' by ' + W
        + ' numbers drawn as colours; the lens shows the window’s numbers');
      pict.appendChild(canvas);
      grid.after(pict);
      const p = {grid, cells, W, H, pict, canvas, ruled: ins.has(grid.id) || grid.id === 'out-grid',
                 bank: !!grid.closest('.bankmap')};
      if (p.ruled) {
        p.frame = document.createElement('div');
        p.frame.className = 'frame' + (ins.has(grid.id) ? '' : ' cur');
        pict.appendChild(p.frame);
      }
      const at = e => {  // the cell under the pointer
        const r = Math.floor(e.offsetY / (canvas.clientHeight / H)), c = Math.floor(e.offsetX / (canvas.clientWidth / W));
        return cells[clamp(r, 0, H - 1) * W + clamp(c, 0, W - 1)];
      };
      canvas.onmousemove = e => {
        const cell = at(e), i = cells.indexOf(cell);
        canvas.title = 'row ' + ((i / W | 0) + 1) + ', column ' + (i % W + 1) + ': ' + text(cell);
        const k = cell.dataset.k == null ? -1 : +cell.dataset.k;  // an output cell: its window, as on the grid
        if (k >= 0 && k !== this.peek) { this.peek = k; this.paint(); }
      };
      canvas.onmouseleave = () => { if (this.peek >= 0) { this.peek = -1; this.paint(); } };
      canvas.onclick = e => {
        const k = at(e).dataset.k == null ? -1 : +at(e).dataset.k;
        if (k >= 0) { this.peek = -1; this.go(k + 1); }
      };
      return p;
    });
    el.picOf = new Map(el.pics.map(p => [p.grid.id, p]));
  }
  // Pictures for the grids (on), and for the output volume's maps when their cells (--bs) are too small to
  // read too (bank).
  pictures(on, bank = on) {
    this.pic = on; this.bankPic = bank;
    this.el.player.parentElement.classList.toggle('pic', on);
    this.el.player.parentElement.classList.toggle('bankpic', bank);
    this.marks();
  }
  draw(p) {  // a picture's canvas from its cells: padding, cells not computed yet and unreached cells as drawn
    const canvas = p.canvas, dpr = window.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) return;
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d'), sx = canvas.width / p.W, sy = canvas.height / p.H;
    const look = getComputedStyle(this.el.player.parentElement);
    const pad = look.getPropertyValue('--pad').trim(), mask = look.getPropertyValue('--mask').trim();
    p.cells.forEach((cell, i) => {
      const r = i / p.W | 0, c = i % p.W, x = Math.round(c * sx), y = Math.round(r * sy);
      const cls = cell.classList, box = [x, y, Math.round((c + 1) * sx) - x, Math.round((r + 1) * sy) - y];
      ctx.fillStyle = cls.contains('pad') ? pad : cell.dataset.shown === '0' ? mask : cell.style.backgroundColor || '#fff';
      ctx.fillRect(...box);
      if (cls.contains('unr')) { ctx.fillStyle = 'rgba(128,128,128,.55)'; ctx.fillRect(...box); }
    });
  }
  drawAll() { this.el.pics.forEach(p => { if (p.bank ? this.bankPic : this.pic) this.draw(p); }); }
  // The window's outline on each channel's picture, and the output cell's on the map's.
  frames(k) {
    const el = this.el, on = this.pic && k >= 0;
    if (!el.pics) return;
    const framed = el.pics.filter(p => p.frame);
    framed.forEach(p => p.frame.classList.toggle('on', on));
    if (!on) return;
    const s = this.S[k], last = a => a[a.length - 1];
    const box = (p, r0, c0, r1, c1) => {
      const cw = p.pict.clientWidth / p.W, ch = p.pict.clientHeight / p.H;  // a strip's blocks are taller than wide
      Object.assign(p.frame.style, {left: c0 * cw + 'px', top: r0 * ch + 'px', width: (c1 - c0 + 1) * cw + 'px',
                                    height: (r1 - r0 + 1) * ch + 'px'});
    };
    framed.forEach(p => {
      if (p.grid.id === 'out-grid') box(p, s[2], s[3], s[2], s[3]);
      else box(p, s[0][0], s[1][0], last(s[0]), last(s[1]));
    });
  }
  // Marks every few rows and columns of the input's and the map's pictures, numbered as the app counts
  // (from 1), so that where the window is can be read off.
  marks() {
    const el = this.el;
    if (!el.pics) return;
    el.pics.forEach(p => { const m = p.pict.querySelector('.marks'); if (m) m.remove(); p.pict.classList.remove('ruled'); });
    if (!this.pic) return;
    const cs = this.cs || 1;
    el.pics.forEach(p => {
      const side = Math.max(p.W, p.H);
      if (!p.ruled || side < 8) return;
      const box = document.createElement('div');
      box.className = 'marks'; box.setAttribute('aria-hidden', 'true');
      p.pict.classList.add('ruled'); p.pict.appendChild(box);
      // marks at least their widest number and a gap apart (player.css sizes their type: larger on a phone)
      const wide = String(side).length * 0.52 * parseFloat(getComputedStyle(box).fontSize) + 4;
      const apart = Math.max(wide, p.pict.classList.contains('strip') && this.D.present ? 80 : 24);  // a hall reads a strip's marks in large type: fewer
      let m = side % 5 === 0 && side % 4 ? 5 : 4;
      while (m * cs < apart) m *= 2;
      let html = '';
      const mark = (cls, side, n) => '<span class="' + cls + '" style="' + side + ':calc(var(--cs) * ' + (n - 0.5) + ')">' + n + '</span>';
      for (let c = m; c <= p.W; c += m) html += mark('mc', 'left', c);
      for (let r = m; r <= p.H; r += m) html += mark('mr', 'top', r);
      box.style.setProperty('--m', m);
      box.innerHTML = html;
    });
  }
  lensOff() {
    const el = this.el;
    this.lensShown = false;
    if (this.pic || this.bankPic) this.pictures(false);
    el.stage.classList.remove('narrow', 'sumbelow');
    el.stage.style.gridTemplateColumns = '';
    el.side.style.width = '';
    el.panels.style.display = ''; el.side.style.display = '';
  }
  // The lens beside the grids (a wide screen), or above them (narrow: a phone), its written sum under it or,
  // beside the grids, under the lens and the grids both (a long sum). Its cell is the largest that fits, up
  // to half again the one a hall reads (LENS_HALL) or one read from close by (LENS_NEAR); a smaller lens
  // leaves the grids their numbers when it can. The presenter view keeps the whole player on one screen, a
  // phone the buttons, the lens and the written sum; the grids get the rest, drawn as pictures when their
  // digits would be too small. The grids and the lens are measured alone at a few sizes each (their sizes
  // grow about linearly with the cell). Returns the lens's cell.
  fitLens(narrow) {
    const D = this.D, el = this.el, host = el.player.parentElement, present = !!D.present;
    const stage = el.stage, side = el.side, panels = el.panels, lens = el.lens, ex = el.explain, GAP = 24;
    const lout = side.querySelector('.lout'), readable = present ? HALL : READABLE, cap = D.max_cell || 60;
    this.layout('lens');
    this.lensShown = true;
    stage.classList.toggle('narrow', narrow);
    stage.classList.remove('sumbelow');
    stage.style.gridTemplateColumns = side.style.width = '';
    const W = Math.max(200, host.clientWidth - 8), shown = ex.innerHTML;
    ex.style.minHeight = '';  // measured with the longest written sum: stepping moves nothing
    ex.innerHTML = (D.explain || []).reduce((l, e) => (e.length > l.length ? e : l), shown);
    this.paintLens(Math.max(0, this.step - 1));
    const top = Math.max(0, host.getBoundingClientRect().top + window.scrollY);
    // a phone: the buttons, the lens and the written sum under what the page keeps at the screen's top (its header)
    const header = document.querySelector('[data-testid="stHeader"]');
    const covered = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
    const bar = el.player.querySelector('.bar').offsetHeight + 8;
    side.style.display = 'none';
    const grids = this.gridsModel(cap);
    side.style.display = '';
    const rest = el.player.offsetHeight - stage.offsetHeight;  // the buttons and the legend
    const high = present ? window.innerHeight - top - rest - 12 : Math.max(420, window.innerHeight - 80);
    panels.style.display = 'none';
    // A way is [each window beside ('row') or above ('col') its filter, the channels side by side ('row') or
    // one under another ('col'), the written sum's size against the cell, where the sum goes: 'under' the
    // lens or 'below' the lens and the grids].
    const efOf = (L, ratio) => clamp(Math.round(L * ratio), 16, present ? 32 : 22);
    const setLens = (L, [unit, across, ratio, place]) => {
      side.style.setProperty('--ls', L + 'px');
      side.style.setProperty('--lf', Math.round(L * LENS_DIGITS) + 'px');
      side.style.setProperty('--ef', efOf(L, ratio) + 'px');
      lens.dataset.unit = unit; lens.dataset.across = across;
      stage.classList.toggle('sumbelow', place === 'below');
    };
    const sumAt = this.sumModel();
    ex.style.display = 'none';
    const measured = new Map();
    const boxAt = (L, way) => {  // the lens's and the output cell's [width, height, width, height]: linear in L
      const key = way.slice(0, 3).join();
      if (!measured.has(key)) {
        const at = l => {
          setLens(l, [...way.slice(0, 3), 'under']);
          return [lens.offsetWidth, lens.offsetHeight, lout.offsetWidth, lout.offsetHeight];
        };
        const a = at(20), b = at(40);
        measured.set(key, l => a.map((v, i) => v + (b[i] - v) * (l - 20) / 20));
      }
      return measured.get(key)(L);
    };
    const wide = narrow ? W : W - GAP - grids.least, tall = narrow ? window.innerHeight - covered - bar - 16 : high;
    const dims = (L, way) => {  // [width beside the grids, height beside them, height below them and the lens]
      const [lw, lh, ow, oh] = boxAt(L, way), ef = efOf(L, way[2]);
      if (way[3] === 'below') return [lw, lh, Math.max(sumAt(ef, W - ow - GAP)[1], oh) + 10];
      if (narrow) return [lw, lh + 10 + Math.max(sumAt(ef, W - ow - 14)[1], oh), 0];  // the sum as wide as the screen
      const S = Math.max(lw, Math.min(sumAt(ef, Infinity)[0] + ow + 18, wide));  // the sum's line beside the cell
      return [S, lh + 10 + Math.max(sumAt(ef, S - ow - 14)[1], oh), 0];
    };
    const gridsBeside = (L, way) => {
      const [w, , u] = dims(L, way);
      return narrow ? grids.at(W, Infinity) : grids.at(W - GAP - w, high - u);
    };
    const target = present ? LENS_HALL : LENS_NEAR, most = Math.round(1.5 * target);  // the rest to the grids
    const fitted = way => {  // the largest cell of this way, and what it leaves the grids
      let L = most;
      for (; L > 12; L--) { const [w, h, u] = dims(L, way); if (w <= wide && h + u <= tall) break; }
      let g = gridsBeside(L, way);
      for (let l = L - 1; !narrow && g.cs < readable && l >= Math.min(L, target); l--) {  // a smaller lens, readable grids
        if (gridsBeside(l, way).cs >= readable) { L = l; g = gridsBeside(l, way); break; }
      }
      // grids drawn at all first, then the cell a hall reads, grids with their numbers, the written sum as big
      // as the cells, then the biggest cells
      return {L, way, g, score: [+(g.cs >= PICTURE_LEAST), Math.min(L, target), Math.min(g.cs, readable), way[2], L, g.cs]};
    };
    const arrangements = D.channels ? (narrow ? [['row', 'col'], ['col', 'row']] : [['col', 'row']])
      : [['row', 'row'], ['col', 'row']];
    let best = null;
    search: for (const arrangement of arrangements) {
      for (const ratio of [LENS_DIGITS, 0.55]) {
        for (const place of narrow ? ['under'] : ['under', 'below']) {
          const f = fitted([...arrangement, ratio, place]);
          if (!best || better(f.score, best.score)) best = f;
          if (f.score[0] && f.score[1] >= target && f.score[2] >= readable && f.score[3] === LENS_DIGITS) break search;
        }
      }
    }
    const place = (L, way) => {  // the lens at L as the way puts it, beside the grids or above them
      setLens(L, way);
      const w = Math.max(dims(L, way)[0], lens.offsetWidth);  // no narrower than drawn
      side.style.width = way[3] === 'under' ? (narrow ? W : w) + 'px' : '';
      stage.style.gridTemplateColumns = way[3] === 'below' ? Math.max(0, W - GAP - w) + 'px minmax(0,1fr) auto' : '';
    };
    ex.style.display = panels.style.display = '';
    let L = best.L;
    place(L, best.way);
    stage.dataset.ov = best.g.ov;
    this.size(host, Math.max(PICTURE_LEAST, best.g.cs));
    this.pictures(this.cs < readable, this.bs < readable);
    const wrap = narrow && best.g.cs < PICTURE_LEAST;  // not even on two lines: the channels wrap
    if (wrap) this.fitUnder(readable, cap);
    // what the models leave out (numbered cells' gaps, a title wrapping): smaller until the player fits the
    // screen's width (and, in the presenter view, its height)
    for (let i = 0; i < 10; i++) {
      const overW = !wrap && grids.wrapped() ? 2 : stage.scrollWidth - stage.clientWidth;
      const bottom = host.getBoundingClientRect().top + window.scrollY + el.player.offsetHeight + 12;
      const overH = present && !narrow ? bottom - window.innerHeight : 0;
      if (overW <= 1 && overH <= 0) break;
      const lensTaller = (best.way[3] === 'under' ? side : lens).offsetHeight >= panels.offsetHeight;
      if (L > 12 && (overW <= 1 ? lensTaller : this.cs <= PICTURE_LEAST)) {
        const tallAt = l => { const [, h, u] = dims(l, best.way); return h + u; };
        L = Math.max(12, L - Math.max(1, Math.ceil(overH / Math.max(1, (tallAt(L) - tallAt(L - 4)) / 4))));
        place(L, best.way);
      } else if (this.cs > PICTURE_LEAST) {
        this.size(host, this.cs - (this.cs > 12 ? 2 : 1));
        this.pictures(this.cs < readable, this.bs < readable);
      } else break;
    }
    if (present || narrow) ex.style.minHeight = ex.offsetHeight + 'px';
    ex.innerHTML = shown;
    this.drawAll();
    return L;
  }
  // The grids drawn as pictures at a few cells (the side hidden): their width and height on one line ('row')
  // or with the map on a line under the input ('below'), from the parts' sizes on one line. ``at(width,
  // height, cap)`` is the largest cell, and its layout, at which they fit (between the cells measured, a
  // straight line; under PICTURE_LEAST: they do not fit); ``least`` their narrowest width; ``wrapped()`` tells
  // a line broken where the layout does not break it.
  gridsModel(cap) {
    const host = this.el.player.parentElement, panels = this.el.panels, stage = this.el.stage;
    this.pictures(true);
    panels.style.width = 'max-content';
    stage.dataset.ov = 'row';
    const parts = [...panels.children], brk = parts.findIndex(e => e.classList.contains('brk'));
    const look = getComputedStyle(panels), gx = parseFloat(look.columnGap) || 0, gy = parseFloat(look.rowGap) || 0;
    const line = list => {  // the width and the height of parts on one line
      const seen = list.filter(([w]) => w > 0);
      return [seen.reduce((t, [w]) => t + w, 0) + gx * Math.max(0, seen.length - 1), Math.max(0, ...seen.map(([, h]) => h))];
    };
    const box = (ov, sizes) => {
      if (ov === 'row') return line(sizes);
      const [w1, h1] = line(sizes.slice(0, brk)), [w2, h2] = line(sizes.slice(brk + 1));
      return [Math.max(w1, w2), h1 + gy + h2];
    };
    const samples = [1, 2, 4, 8, 16].map(k => {
      this.size(host, k * PICTURE_LEAST); this.marks();
      return [k * PICTURE_LEAST, parts.map(e => [e.offsetWidth, e.offsetHeight])];
    });
    panels.style.width = '';
    const models = ['row', 'below'].map(ov => ({ov, at: samples.map(([cs, sizes]) => [cs, ...box(ov, sizes)])}));
    const cellFor = (m, width, height) => {
      const [[c0, w0, h0]] = m.at;
      if (w0 > width || h0 > height) return PICTURE_LEAST - 1;
      for (let i = 1; i < m.at.length; i++) {
        const [a, wa, ha] = m.at[i - 1], [b, wb, hb] = m.at[i], last = i === m.at.length - 1;
        if (wb <= width && hb <= height && !last) continue;
        const t = Math.min(wb > wa ? (width - wa) / (wb - wa) : Infinity, hb > ha ? (height - ha) / (hb - ha) : Infinity);
        return Math.floor(a + (b - a) * t);
      }
      return c0;
    };
    return {
      least: Math.min(...models.map(m => m.at[0][1])),
      at: (width, height) => models.map(m => ({ov: m.ov, cs: Math.min(cap, cellFor(m, width, height))}))
        .reduce((x, y) => (y.cs > x.cs ? y : x)),
      wrapped: () => {
        const seen = parts.slice(0, stage.dataset.ov === 'below' ? brk : parts.length).filter(e => e.offsetWidth > 0);
        return seen.some(e => e.offsetTop !== seen[0].offsetTop);
      },
    };
  }
  // The written sum (the explanation shown, the side's --ef set to 20 px): each block's lines and width
  // measured once; ``(ef, width)`` -> its [natural width, height] at the size ef within width, the text
  // growing with its size and each block's lines wrapping.
  sumModel() {
    const ex = this.el.explain, EF = 20;
    this.el.side.style.setProperty('--ef', EF + 'px');
    ex.style.width = 'max-content';
    const lineHeight = parseFloat(getComputedStyle(ex).lineHeight) / EF;
    const blocks = [...ex.children].map(b => {
      const r = document.createRange();
      r.selectNodeContents(b);
      return [Math.round(b.offsetHeight / (lineHeight * EF)), r.getBoundingClientRect().width];  // [lines, width]
    });
    const padW = ex.offsetWidth - Math.max(0, ...blocks.map(([, w]) => w));
    const padH = ex.offsetHeight - [...ex.children].reduce((t, b) => t + b.offsetHeight, 0);
    ex.style.width = '';
    return (ef, width) => {
      const k = ef / EF, inner = Math.max(1, width - padW);
      return [padW + Math.max(0, ...blocks.map(([, w]) => w * k)),
              padH + blocks.reduce((t, [n, w]) => t + n * Math.max(1, Math.ceil(w * k / inner - 1e-3)) * lineHeight * ef, 0)];
    };
  }
  // The grids under the lens on a phone, the channels wrapping: the largest cell whose grids fit the width,
  // two pictures a line (the lens above shows the numbers).
  fitUnder(readable, cap) {
    const host = this.el.player.parentElement, stage = this.el.stage;
    const fitsAt = cs => {
      this.size(host, cs); this.pictures(cs < readable, this.bs < readable);
      return stage.scrollWidth <= stage.clientWidth + 1;
    };
    const largest = (lo, hi) => {  // fitsAt(lo) holds
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (fitsAt(mid)) lo = mid; else hi = mid - 1; }
      return lo;
    };
    const [, Wp, , , , Wo] = this.D.dims;
    if (cap >= readable && Math.max(Wp, Wo) * readable < stage.clientWidth && fitsAt(readable)) {
      fitsAt(largest(readable, cap));
      return;
    }
    const half = Math.max(PICTURE_LEAST, Math.min(readable - 1, Math.floor((stage.clientWidth / 2 - 40) / Math.max(Wp, Wo))));
    fitsAt(fitsAt(PICTURE_LEAST) ? largest(PICTURE_LEAST, half) : PICTURE_LEAST);
  }
  size(host, cs) {
    this.cs = cs; this.bs = Math.max(PICTURE_LEAST, Math.floor(cs * BANK_SCALE));
    host.style.setProperty('--cs', cs + 'px');
    host.style.setProperty('--bs', this.bs + 'px');
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
    if (sent) p.update({...unpack(sent), command}, p.root, p.send);
    else { p.take(command); p.render(); }  // a step alone: the grids as they are (a big grid redraws slowly)
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
