// The evaluation page: reports from the server when it has them, and two runs compared side by side.
import { getJson, probe, el, describe } from './api.js';

/** Where the server's evaluation reports would be; another part of ragway adds them. */
export const EVALS_PATH = '/v1/evals';
const $ = id => document.getElementById(id);
const runs = { a: null, b: null };

export function init() {
  for (const side of ['a', 'b']) {
    $('eval-' + side).addEventListener('change', async ev => {
      const file = ev.target.files[0];
      runs[side] = file ? { name: file.name, rows: readRun(await file.text()) } : null;
      compare();
    });
  }
}

export async function enter() {
  const box = $('eval-server');
  box.replaceChildren(el('h2', { text: 'Reports on this server' }));
  if (!(await probe(EVALS_PATH))) {
    box.append(el('p', { class: 'placeholder', text: `Evaluation reports are not available on this server (no ${EVALS_PATH}); compare runs from files below.` }));
    return;
  }
  try {
    const body = await getJson(EVALS_PATH);
    const reports = Array.isArray(body.data) ? body.data : [];
    if (!reports.length) {
      box.append(el('p', { class: 'muted', text: 'No reports yet.' }));
      return;
    }
    const pick = side => el('label', {}, `Run ${side.toUpperCase()} `, el('select', {
      onchange: ev => { runs[side] = reports[ev.target.value] ? { name: reports[ev.target.value].id, rows: readRun(JSON.stringify(reports[ev.target.value])) } : null; compare(); },
    }, el('option', { value: '', text: '—' }), reports.map((r, i) => el('option', { value: String(i), text: r.id || r.name || 'report ' + (i + 1) }))));
    box.append(el('div', { class: 'row' }, pick('a'), pick('b')));
  } catch (e) {
    box.append(el('p', { class: 'muted', text: describe(e) }));
  }
}

/** One JSON object, an array of them, or one per line; each becomes {label, metrics} with its numbers flattened. */
export function readRun(text) {
  let objects;
  try {
    const whole = JSON.parse(text);
    objects = Array.isArray(whole) ? whole : [whole];
  } catch {
    objects = text.split('\n').filter(l => l.trim()).map(l => JSON.parse(l));
  }
  return objects.map((o, i) => ({ label: String(o.mode ?? o.name ?? o.id ?? 'run ' + (i + 1)), metrics: flatten(o) }));
}

function flatten(o, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? prefix + '.' + k : k;
    if (typeof v === 'number') out[key] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
  }
  return out;
}

function compare() {
  const box = $('eval-compare');
  const { a, b } = runs;
  if (!a && !b) { box.replaceChildren(); return; }
  const labels = [...new Set([...(a?.rows || []), ...(b?.rows || [])].map(r => r.label))];
  const tables = labels.map(label => {
    const ra = a?.rows.find(r => r.label === label)?.metrics || {};
    const rb = b?.rows.find(r => r.label === label)?.metrics || {};
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
    return el('div', { class: 'table-wrap' }, el('table', {},
      el('caption', { text: label }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Metric' }), el('th', { scope: 'col', class: 'num', text: a ? a.name : 'A' }),
        el('th', { scope: 'col', class: 'num', text: b ? b.name : 'B' }), el('th', { scope: 'col', class: 'num', text: 'B − A' }))),
      el('tbody', {}, keys.map(k => {
        const d = rb[k] - ra[k];
        return el('tr', {}, el('td', { text: k }), el('td', { class: 'num', text: num(ra[k]) }), el('td', { class: 'num', text: num(rb[k]) }),
          el('td', { class: 'num delta ' + (d > 0 ? 'up' : d < 0 ? 'down' : ''), text: Number.isFinite(d) ? (d > 0 ? '+' : '') + num(d) : '—' }));
      }))));
  });
  box.replaceChildren(...tables);
}

const num = v => (v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toFixed(4));
