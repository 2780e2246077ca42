// The documents page: drag-and-drop upload of several files, the list with ingest progress, delete, re-ingest.
import { ApiError, getJson, request, describe, el, bytes } from './api.js';
import { showError, clearError } from './banner.js';

const $ = id => document.getElementById(id);
let poll = null;
let reingestFor = null; // the document whose new version the file picker is choosing

export function init() {
  const drop = $('drop');
  drop.addEventListener('click', () => $('file-input').click());
  drop.addEventListener('keydown', ev => {
    if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('file-input').click(); }
  });
  drop.addEventListener('dragover', ev => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', ev => {
    ev.preventDefault();
    drop.classList.remove('over');
    upload([...ev.dataTransfer.files]);
  });
  $('file-input').addEventListener('change', ev => { upload([...ev.target.files]); ev.target.value = ''; });
  $('reingest-input').addEventListener('change', ev => {
    const file = ev.target.files[0];
    ev.target.value = '';
    if (file && reingestFor) upload([new File([file], reingestFor.filename, { type: file.type })]);
    reingestFor = null;
  });
  $('doc-refresh').addEventListener('click', refresh);
}

export function enter() {
  $('upload-log').replaceChildren();
  refresh();
}

export function leave() {
  clearTimeout(poll);
  poll = null;
}

/** Uploads files one by one (the server queues each for ingest) and logs each outcome. */
export async function upload(files) {
  clearError();
  for (const file of files) {
    const line = el('li', { text: `Uploading ${file.name} (${bytes(file.size)})…` });
    $('upload-log').prepend(line);
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const doc = await (await request('/v1/documents', { method: 'POST', body: form })).json();
      line.textContent = doc.status === 'ready'
        ? `${file.name}: unchanged, already ingested.`
        : `${file.name}: uploaded, ${doc.status} for ingest.`;
    } catch (e) {
      line.textContent = `${file.name}: ${describe(e)}`;
      line.classList.add('failed');
      showError(e);
    }
  }
  refresh();
}

async function refresh() {
  clearTimeout(poll);
  let docs = [];
  try {
    let after = null;
    do {
      const page = await getJson('/v1/documents?limit=1000' + (after ? '&after=' + encodeURIComponent(after) : ''));
      docs = docs.concat(page.data);
      after = page.has_more ? page.last_id : null;
    } while (after);
  } catch (e) {
    showError(e);
    return;
  }
  render(docs);
  // poll while something is still being ingested
  if (docs.some(d => d.status === 'queued' || d.status === 'processing') && !$('page-documents').hidden) {
    poll = setTimeout(refresh, 1000);
  }
}

function render(docs) {
  const chunks = docs.reduce((n, d) => n + d.chunks, 0);
  const pending = docs.filter(d => d.status === 'queued' || d.status === 'processing').length;
  $('doc-summary').textContent = `${docs.length} document${docs.length === 1 ? '' : 's'}, ${chunks} chunks`
    + (pending ? `, ${pending} being ingested` : '') + ' — those this key may read in its tenant.';
  $('doc-rows').replaceChildren(...docs.map(d => el('tr', { 'data-id': d.id },
    el('td', {}, el('span', { text: d.filename }), d.title ? el('div', { class: 'muted small', text: d.title }) : null,
      d.origin === 'folder' ? el('div', { class: 'muted small', text: 'from the served folder' }) : null),
    el('td', {}, el('span', { class: 'status ' + d.status, text: d.status }),
      d.status === 'processing' || d.status === 'queued'
        ? el('progress', { 'aria-label': `Ingesting ${d.filename}` }) : null,
      d.error ? el('div', { class: 'small', text: d.error }) : null),
    el('td', { class: 'num', text: bytes(d.bytes) }),
    el('td', { class: 'num', text: String(d.chunks) }),
    el('td', { class: 'small', text: d.created_at ? new Date(d.created_at * 1000).toLocaleString() : '—' }),
    el('td', { class: 'actions' },
      d.origin === 'upload' ? el('button', { type: 'button', class: 'secondary', 'aria-label': `Re-ingest ${d.filename} from a new version`,
        onclick: () => { reingestFor = d; $('reingest-input').click(); } }, 'Re-ingest…') : null,
      d.origin === 'upload' ? el('button', { type: 'button', class: 'secondary', 'aria-label': `Delete ${d.filename}`,
        onclick: () => remove(d) }, 'Delete') : null))));
}

async function remove(d) {
  if (!confirm(`Delete ${d.filename} and its ${d.chunks} chunks from the index?`)) return;
  try {
    await request('/v1/documents/' + encodeURIComponent(d.id), { method: 'DELETE' });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) showError(e);
  }
  refresh();
}
