// The operations dashboard: scrapes /metrics every few seconds and computes, in the browser, what
// the PromQL in docs/observability.md computes; backend health from /readyz.
import { ApiError, request, getJson, probe, el, settings, describe } from './api.js';
import { showError } from './banner.js';
import { parse, sum, sumBy, quantile, rate } from './prom.js';
import { lineChart, bars } from './charts.js';
import { qualityTable } from './quality.js';

/** Where the rollout status would be; another part of ragway adds it. */
export const ROLLOUT_PATH = '/v1/rollouts';
const EVERY_MS = Number(new URLSearchParams(location.search).get('scrape_ms')) || 3000;
const KEEP = 120; // scrapes: six minutes at 3 s
const WINDOW_MS = 60_000;
const SMOOTH_MS = 15_000;

const $ = id => document.getElementById(id);
let timer = null;
let history = []; // [{t, samples}]

const API = { route: /^\/v1\// }; // the dashboard's own scrapes and the pages are not traffic
const CHAT = { route: '/v1/chat/completions' };

export function enter() {
  history = [];
  $('tiles').replaceChildren();
  $('charts').replaceChildren(...['rate', 'latency', 'ttft', 'tokens', 'cache', 'guard'].map(id =>
    el('div', { class: 'chart', id: 'chart-' + id })));
  rollout();
  tick();
}

export function leave() {
  clearTimeout(timer);
  timer = null;
}

async function tick() {
  clearTimeout(timer);
  try {
    const text = await (await request('/metrics', { token: settings.metricsToken || settings.key })).text();
    history.push({ t: Date.now(), samples: parse(text) });
    if (history.length > KEEP) history.shift();
    $('dash-status').textContent = `Updated ${new Date().toLocaleTimeString()}; every ${EVERY_MS / 1000} s.`;
    draw();
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      showError(`The metrics need their own token on this server: ${e.message} Set it under Settings.`, 'warn');
    } else {
      showError(e);
    }
  }
  health();
  if (!$('page-dashboard').hidden) timer = setTimeout(tick, EVERY_MS);
}

/** The scrape closest to `ms` before the last one (the first one when the page is younger). */
function ago(ms) {
  const last = history[history.length - 1];
  for (let i = history.length - 2; i >= 0; i--) {
    if (last.t - history[i].t >= ms) return history[i];
  }
  return history.length > 1 ? history[0] : null;
}

const fmt = {
  n: v => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2)) : '—'),
  ms: v => (Number.isFinite(v) ? (v >= 1 ? v.toFixed(2) + ' s' : (v * 1000).toFixed(v < 0.01 ? 1 : 0) + ' ms') : '—'),
  pct: v => (Number.isFinite(v) ? (100 * v).toFixed(0) + '%' : '—'),
  usd: v => '$' + (v >= 1 ? v.toFixed(2) : v.toFixed(4)),
};

function tile(id, label, value, note) {
  return el('div', { class: 'tile', id: 'tile-' + id },
    el('div', { class: 'label', text: label }), el('div', { class: 'value', text: value }),
    note ? el('div', { class: 'note', text: note }) : null);
}

/** A value over the last minute, or since the server started when the minute saw nothing. */
function recent(f) {
  const now = history[history.length - 1].samples;
  const before = ago(WINDOW_MS);
  const v = before ? f(before.samples, now) : NaN;
  return Number.isFinite(v) ? [v, 'last minute'] : [f(null, now), 'since start'];
}

function draw() {
  const now = history[history.length - 1].samples;
  const before = ago(WINDOW_MS);
  const seconds = before ? (history[history.length - 1].t - before.t) / 1000 : 0;
  const total = sum(now, 'ragway_requests_total', API);
  const reqRate = rate(before?.samples, now, seconds, 'ragway_requests_total', API);
  const [p50, w50] = recent((a, b) => quantile(0.5, a, b, 'ragway_request_duration_seconds', CHAT));
  const [p99] = recent((a, b) => quantile(0.99, a, b, 'ragway_request_duration_seconds', CHAT));
  const [ttft, wt] = recent((a, b) => quantile(0.5, a, b, 'ragway_time_to_first_token_seconds'));
  const [tps, wtps] = recent((a, b) => quantile(0.5, a, b, 'ragway_output_tokens_per_second'));
  const hits = sum(now, 'ragway_cache_requests_total', { kind: /^(hit|semantic)$/ });
  const lookups = sum(now, 'ragway_cache_requests_total');
  const blocks = sum(now, 'ragway_guard_decisions_total', { action: 'block' });
  const cost = sum(now, 'ragway_cost_usd_total');
  const errors = sum(now, 'ragway_requests_total', { ...API, status: /^5/ });
  $('tiles').replaceChildren(
    tile('requests', 'API requests', String(Math.round(total)), errors ? `${Math.round(errors)} server errors` : 'since start'),
    tile('rate', 'Request rate', fmt.n(reqRate) + '/s', 'last minute'),
    tile('p50', 'Chat latency p50', fmt.ms(p50), w50),
    tile('p99', 'Chat latency p99', fmt.ms(p99), w50),
    tile('ttft', 'Time to first token p50', fmt.ms(ttft), wt),
    tile('tps', 'Output tokens/s p50', fmt.n(tps), wtps),
    tile('cache', 'Cache hit rate', lookups ? fmt.pct(hits / lookups) : '—', `${Math.round(hits)} of ${Math.round(lookups)} since start`),
    tile('guard', 'Guard blocks', String(Math.round(blocks)), 'since start'),
    tile('cost', 'Cost', fmt.usd(cost), 'since start'));

  // one point per scrape, over the SMOOTH_MS before it (as rate(...[15s]) would), so a quiet
  // interval between two requests is not a gap
  const pts = f => history.slice(1).map((h, i) => {
    let j = i;
    while (j > 0 && h.t - history[j].t < SMOOTH_MS) j--;
    return [h.t, f(history[j].samples, h.samples, (h.t - history[j].t) / 1000)];
  });
  const ratio = (a, b, s, num, den) => {
    const d = rate(a, b, s, ...den);
    return d > 0 ? rate(a, b, s, ...num) / d : NaN;
  };
  lineChart($('chart-rate'), 'Requests per second', [
    { name: '2xx', points: pts((a, b, s) => rate(a, b, s, 'ragway_requests_total', { ...API, status: /^2/ })) },
    { name: '4xx', points: pts((a, b, s) => rate(a, b, s, 'ragway_requests_total', { ...API, status: /^4/ })) },
    { name: '5xx', points: pts((a, b, s) => rate(a, b, s, 'ragway_requests_total', { ...API, status: /^5/ })) },
  ], fmt.n);
  lineChart($('chart-latency'), 'Chat completion latency', [
    { name: 'p50', points: pts((a, b) => quantile(0.5, a, b, 'ragway_request_duration_seconds', CHAT)) },
    { name: 'p99', points: pts((a, b) => quantile(0.99, a, b, 'ragway_request_duration_seconds', CHAT)) },
  ], fmt.ms);
  lineChart($('chart-ttft'), 'Time to first token', [
    { name: 'p50', points: pts((a, b) => quantile(0.5, a, b, 'ragway_time_to_first_token_seconds')) },
    { name: 'p99', points: pts((a, b) => quantile(0.99, a, b, 'ragway_time_to_first_token_seconds')) },
  ], fmt.ms);
  lineChart($('chart-tokens'), 'Tokens per second', [
    { name: 'output, all answers', points: pts((a, b, s) => rate(a, b, s, 'ragway_tokens_total', { direction: 'output' })) },
    { name: 'per answer p50', points: pts((a, b) => quantile(0.5, a, b, 'ragway_output_tokens_per_second')) },
  ], fmt.n);
  lineChart($('chart-cache'), 'Cache hit rate', [
    { name: 'hits', points: pts((a, b, s) => ratio(a, b, s, ['ragway_cache_requests_total', { kind: /^(hit|semantic)$/ }], ['ragway_cache_requests_total', {}])) },
  ], fmt.pct);
  lineChart($('chart-guard'), 'Guard hits per second', [
    { name: 'block', points: pts((a, b, s) => rate(a, b, s, 'ragway_guard_decisions_total', { action: 'block' })) },
    { name: 'redact, mask, flag', points: pts((a, b, s) => rate(a, b, s, 'ragway_guard_decisions_total', { action: /^(redact|mask|pseudonymise|flag)$/ })) },
  ], fmt.n);

  const guard = {};
  for (const x of now) {
    if (x.name === 'ragway_guard_decisions_total' && x.labels.action !== 'allow') {
      const k = `${x.labels.check} ${x.labels.action} (${x.labels.tenant})`;
      guard[k] = (guard[k] || 0) + x.value;
    }
  }
  bars($('guard-hits'), guard, v => String(Math.round(v)), 'No guard hits since the server started.');
  bars($('cost-model'), sumBy(now, 'ragway_cost_usd_total', 'model'), fmt.usd, 'No cost yet: ragway\'s own models and cache hits are free.');
  bars($('cost-tenant'), sumBy(now, 'ragway_cost_usd_total', 'tenant'), fmt.usd, 'No cost yet.');
  qualityTable($('quality'), now);
}

const CIRCUIT = { 0: 'closed', 1: 'half_open', 2: 'open' };

async function health() {
  let ready;
  try {
    const res = await fetch('/readyz');
    ready = await res.json();
  } catch (e) {
    $('health').replaceChildren(el('p', { class: 'muted', text: 'ragway cannot be reached: ' + e.message }));
    return;
  }
  const c = ready.checks || {};
  const rows = (c.upstreams || []).map(u => el('tr', {},
    el('td', {}, el('span', { class: 'dot ' + String(u.circuit).toLowerCase().replace('-', '_') }), u.model),
    el('td', { text: u.deployment }), el('td', { text: String(u.circuit).toLowerCase() }),
    el('td', { class: 'num', text: String(u.in_flight) }),
    el('td', { class: 'num', text: u.latency_ms == null ? '—' : u.latency_ms + ' ms' })));
  const last = history[history.length - 1];
  const breakers = last ? last.samples.filter(x => x.name === 'ragway_breaker_state' && x.value > 0) : [];
  $('health').replaceChildren(
    el('p', {}, el('span', { class: 'dot ' + (ready.status === 'ready' ? 'closed' : 'open') }),
      el('strong', { id: 'ready-status', text: ready.status }),
      ` · ${c.index_chunks ?? '?'} chunks · embeddings ${c.embedding_model ?? '?'}`
      + (c.ledger ? ` · ledger ${c.ledger.database_ok ? 'ok' : 'database down, ' + c.ledger.backlog_bytes + ' bytes journalled'}` : '')),
    rows.length
      ? el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {},
          ...['Model', 'Deployment', 'Circuit', 'In flight', 'Latency'].map(h => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, rows)))
      : el('p', { class: 'muted small', text: 'No upstream models configured: ragway answers with its own models.' }),
    breakers.length
      ? el('p', { class: 'small', text: 'Breakers not closed: ' + breakers.map(b => `${b.labels.backend}/${b.labels.deployment} ${CIRCUIT[b.value]}`).join(', ') })
      : null);
}

async function rollout() {
  const box = $('rollout');
  if (!(await probe(ROLLOUT_PATH))) {
    box.replaceChildren(el('p', { class: 'placeholder', text: `Rollout status is not available on this server (no ${ROLLOUT_PATH}).` }));
    return;
  }
  try {
    const body = await getJson(ROLLOUT_PATH);
    const items = Array.isArray(body.data) ? body.data : [body];
    const arm = f => `${f.requests} requests, ${f.errors} errors, ${f.guard_hits} guard hits, p99 ${Math.round(f.p99_ms)} ms`;
    box.replaceChildren(items.length === 0
      ? el('p', { class: 'muted small', text: 'No rollouts configured.' })
      : el('ul', { class: 'small' }, items.map(r => el('li', { text:
        Object.entries(r).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}: ${v}`).join(' · ')
        + (r.stable && r.candidate ? ` · stable: ${arm(r.stable)} · candidate: ${arm(r.candidate)}` : '') }))));
  } catch (e) {
    box.replaceChildren(el('p', { class: 'muted', text: describe(e) }));
  }
}

export function init() {
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !$('page-dashboard').hidden && timer === null) tick();
  });
}
