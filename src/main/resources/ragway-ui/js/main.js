// The page shell: hash routing between the four pages, the settings form, the error banner.
import { settings } from './api.js';
import { clearError } from './banner.js';
import * as chat from './chat.js';
import * as documents from './documents.js';
import * as dashboard from './dashboard.js';
import * as evals from './evals.js';

const pages = { chat, documents, dashboard, evals };
let current = null;

function route() {
  const name = (location.hash.replace('#', '') || 'chat').split('/')[0];
  const page = pages[name] ? name : 'chat';
  if (current === page) return;
  if (current) pages[current].leave?.();
  current = page;
  for (const id of Object.keys(pages)) {
    document.getElementById('page-' + id).hidden = id !== page;
  }
  document.querySelectorAll('.top nav a').forEach(a => {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  document.title = 'ragway · ' + document.querySelector(`.top nav a[data-page="${page}"]`).textContent;
  clearError();
  pages[page].enter();
}

function setUpSettings() {
  const key = document.getElementById('api-key');
  const token = document.getElementById('metrics-token');
  key.value = settings.key;
  token.value = settings.metricsToken;
  document.getElementById('settings-form').addEventListener('submit', ev => {
    ev.preventDefault();
    settings.key = key.value.trim();
    settings.metricsToken = token.value.trim();
    document.getElementById('settings').open = false;
    clearError();
    const page = current;
    current = null; // re-enter: the key changes the tenant, so what every page shows
    pages[page].leave?.();
    location.hash = '#' + page;
    route();
  });
}

document.getElementById('banner-close').addEventListener('click', clearError);
document.addEventListener('keydown', ev => {
  if (ev.key === 'Escape') {
    const s = document.getElementById('settings');
    if (s.open) { s.open = false; s.querySelector('summary').focus(); }
  }
});
for (const p of Object.values(pages)) p.init?.();
setUpSettings();
window.addEventListener('hashchange', route);
route();
