// Keyboard access to an element that scrolls sideways (a drawing wider than a narrow screen): the element
// keyed data.key takes focus as a region named data.label, so Tab reaches it and the arrow keys scroll it.
export default function ({ data }) {
  const box = data && document.querySelector(".st-key-" + data.key);
  if (!box) return;
  box.tabIndex = 0;
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", data.label);
}
