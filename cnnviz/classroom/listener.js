// The room's listener, an st.components.v2 module a following student's page mounts (cnnviz.classroom.push).
// It keeps one EventSource per browser tab (in ``window``), whatever Streamlit does with the element between
// runs: each run hands it what the page shows (the version, the page, the poll, the hash of the player's
// data). A version heard that differs is shown in place when only the player changes (``inPlace``: the step
// player's ``window.__cnnvizPlayer.show`` takes the presenter's data, fetched from this replica by its name, or
// only the step when the data is the one shown; the presenter's link replaces the browser's); otherwise it asks
// for a rerun, and asks again every few seconds until the page shows it (a request made while the page was
// being replaced can be lost). Unmounted and not mounted again within a second (the student broke away, or
// left), the stream closes.

// The page still follows (else its player is its own), shows the event's page and poll, and has a step player
// that can take the event's view in place.
const samePage = (self, msg) => !self.off && self.root.isConnected && !!window.__cnnvizPlayer && !!msg
  && msg.page === self.page && msg.poll === self.poll && !!msg.ph;
// An event as sent (``event``), in the order heard. When its player's data is not the one shown and the page
// could show it in place, the data is fetched (the browser inflates it); a failed fetch leaves it out, and the
// page runs instead.
const read = async (self, text) => {
  if (text === 'gone') return null;
  const msg = JSON.parse(text);
  if (samePage(self, msg) && msg.ph !== self.ph) {
    try {
      const answer = await fetch(self.data + msg.ph);
      if (answer.ok) msg.player = await answer.json();
    } catch (e) { /* the page runs instead */ }
  }
  return msg;
};
const inPlace = (self, msg) => {
  if (!samePage(self, msg) || String(msg.v) !== self.heard) return false;
  if (!msg.player && msg.ph !== self.ph) return false;
  // the presenter's data, shown as the student's own player would (sized for this screen, reporting nothing),
  // at the presenter's step: its token is the one a run would send, so it is applied once
  const sent = msg.player ? {...msg.player, present: false, report: false} : null;
  if (!window.__cnnvizPlayer.show(sent, msg.step == null ? null : ['v' + msg.v, msg.step, msg.playing])) return false;
  self.shown = String(msg.v); self.ph = msg.ph;
  self.root.dataset.version = self.shown; self.root.dataset.applied = self.shown;
  const link = new URLSearchParams();
  for (const [k, v] of msg.params) link.append(k, v);
  link.set('join', self.join);
  const u = new URL(window.location.href);
  u.search = link.toString();
  window.history.replaceState(window.history.state, '', u.toString());
  return true;
};

export default function ({ data, setTriggerValue, parentElement }) {
  const root = parentElement.querySelector('.room-listener');
  // this browser's voter id, kept for a reload (a new session): one answer a question (8 hours, this site only)
  const kept = data.cookie + '=' + data.voter;
  if (data.voter && !document.cookie.split('; ').includes(kept))
    document.cookie = kept + '; path=/; max-age=28800; SameSite=Strict';
  const self = (window.__cnnvizRoom ||= { streams: 0 });
  clearTimeout(self.closing);
  clearInterval(self.again);
  self.off = false;
  self.shown = String(data.version);
  Object.assign(self, { page: data.page, poll: data.poll, ph: data.ph, join: data.join, data: data.data });
  self.ask = () => setTriggerValue('changed', self.heard + '@' + Date.now());
  self.root = root;
  const check = () => {
    clearInterval(self.again);
    if (self.off) return;  // unmounted: the next mount checks again, or the stream closes
    if (self.heard !== undefined && self.heard !== self.shown && !inPlace(self, self.last)) {
      self.ask();
      self.again = setInterval(() => self.ask(), 3000);
    }
  };
  if (!self.stream || self.url !== data.url) {
    if (self.stream) { self.stream.close(); self.streams -= 1; }
    self.url = data.url;
    self.heard = undefined;
    self.stream = new EventSource(data.url);
    self.streams += 1;
    self.stream.onopen = () => { self.root.dataset.state = 'live'; };
    self.stream.onerror = () => { self.root.dataset.state = 'reconnecting'; };  // it reconnects by itself
    self.inbox = Promise.resolve();
    self.stream.onmessage = (event) => {
      self.inbox = self.inbox.then(() => read(self, event.data)).then((msg) => {
        self.last = msg;
        self.heard = msg ? String(msg.v) : 'gone';
        self.root.dataset.heard = self.heard;
        check();
      }).catch(() => {});  // an event that cannot be read: the next one (or a rerun) shows the room
    };
  } else {
    root.dataset.state = self.stream.readyState === 1 ? 'live' : 'reconnecting';
    if (self.heard !== undefined) root.dataset.heard = self.heard;
  }
  root.dataset.version = self.shown;
  check();
  return () => {
    clearInterval(self.again);
    self.off = true;
    self.closing = setTimeout(() => {
      if (self.stream) { self.stream.close(); self.streams -= 1; }
      self.stream = null;
    }, 1000);
  };
}
