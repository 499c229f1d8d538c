// The page's only style sheet and script, served from this process (no build step, no third party).

export const styleSheet = `
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --ok: #15803d; --bad: #b91c1c; --wait: #a16207; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); }
header strong { font-size: 1.05rem; }
nav a { margin-right: 1rem; }
nav a[aria-current="page"] { font-weight: 600; text-decoration: none; }
main { padding: 1rem 1.25rem 3rem; max-width: 80rem; }
h1 { font-size: 1.3rem; margin: .25rem 0 .5rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p.note, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem .35rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; font-size: .85rem; color: var(--muted); }
td.why { max-width: 40rem; }
code, .mono { font-family: ui-monospace, monospace; font-size: .9em; overflow-wrap: anywhere; }
.state { font-weight: 600; }
.state-ok { color: var(--ok); }
.state-bad { color: var(--bad); }
.state-wait { color: var(--wait); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
form.filter { display: flex; gap: .75rem; align-items: end; margin: .5rem 0 1rem; flex-wrap: wrap; }
form.filter label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
ul.steps { margin: .25rem 0 0; padding-left: 1.25rem; }
`;

/**
 * Progressive enhancement: a page whose <main> names a live topic is fetched again and its <main>
 * swapped in when the server says that topic changed. Without JavaScript the page refreshes itself
 * (a <noscript> meta refresh) instead.
 */
export const liveScript = `
(() => {
  const main = document.querySelector('main[data-live]');
  if (!main || !window.EventSource) return;
  const topic = main.dataset.live;
  let fetching = false, again = false;
  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const res = await fetch(location.href, { headers: { accept: 'text/html' } });
      if (res.ok) {
        const next = new DOMParser().parseFromString(await res.text(), 'text/html').querySelector('main');
        const current = document.querySelector('main');
        if (next && current) current.replaceWith(next);
      }
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }
  const events = new EventSource('/events?topic=' + encodeURIComponent(topic));
  events.addEventListener(topic, refresh);
})();
`;
