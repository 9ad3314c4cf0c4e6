// The step player on a page of its own, without Streamlit (views.player.player_html), for tests and
// offline use. The page defines `args` before this script: {data, html, css, js}, what Streamlit would
// give the component. It mounts the component's HTML in a shadow root and calls player.js's default
// export as Streamlit does; what the player sends back is collected in window.playerEvents, and
// window.remount(d) calls it again as a rerun would, d replacing keys of the component's data;
// window.mountAnother(key) mounts a second player on the same data below the first, as a page with two does.
const root = document.getElementById('host').attachShadow({ mode: 'open' });
root.innerHTML = args.html + '<style>' + args.css + '</style>';
const url = URL.createObjectURL(new Blob([args.js], { type: 'text/javascript' }));
window.playerEvents = [];
const mount = (await import(url)).default;
const send = (name, value) => window.playerEvents.push([name, value]);
window.remount = d => mount({ name: 'cnnviz.player', key: 'k', data: { ...args.data, ...d }, parentElement: root,
  setStateValue: send, setTriggerValue: send });
window.remount({});
window.mountAnother = key => {
  const other = document.body.appendChild(document.createElement('div')).attachShadow({ mode: 'open' });
  other.innerHTML = args.html + '<style>' + args.css + '</style>';
  mount({ name: 'cnnviz.player', key, data: { ...args.data, key }, parentElement: other, setStateValue: send,
    setTriggerValue: send });
};
