// Talking to ragway: the API key from local storage, OpenAI-shaped errors, SSE streams.

const KEY = 'ragway.apiKey';
const METRICS = 'ragway.metricsToken';

export const settings = {
  get key() { return localStorage.getItem(KEY) || ''; },
  set key(v) { v ? localStorage.setItem(KEY, v) : localStorage.removeItem(KEY); },
  get metricsToken() { return localStorage.getItem(METRICS) || ''; },
  set metricsToken(v) { v ? localStorage.setItem(METRICS, v) : localStorage.removeItem(METRICS); },
};

/** An error as the server told it: HTTP status, OpenAI error code and message, Retry-After seconds. */
export class ApiError extends Error {
  constructor(status, code, type, message, retryAfter) {
    super(message);
    this.status = status; this.code = code; this.type = type; this.retryAfter = retryAfter;
  }
}

function headers(extra = {}, token = settings.key) {
  const h = { ...extra };
  if (token) h.Authorization = 'Bearer ' + token;
  return h;
}

async function toError(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: say so below */ }
  const e = body && body.error ? body.error : {};
  const retry = res.headers.get('Retry-After');
  return new ApiError(res.status, e.code || null, e.type || null,
    e.message || `The server answered HTTP ${res.status}.`, retry === null ? null : Number(retry));
}

/** fetch that throws ApiError for a non-2xx answer; network failures become status 0. */
export async function request(path, { method = 'GET', body, json, token, signal } = {}) {
  const init = { method, signal, headers: headers({}, token === undefined ? settings.key : token) };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'unreachable', null, 'ragway cannot be reached: ' + err.message, null);
  }
  if (!res.ok) throw await toError(res);
  return res;
}

export async function getJson(path, opts) {
  return (await request(path, opts)).json();
}

/** Whether the server has an endpoint: any answer but the unknown-URL 404 says it has. */
export async function probe(path) {
  try {
    await request(path);
    return true;
  } catch (e) {
    // unreachable, or refused before routing (no key yet): say absent and probe again later
    if (!(e instanceof ApiError) || e.status === 0 || e.status === 401 || e.status === 403) return false;
    return !(e.status === 404 && e.code === 'unknown_url');
  }
}

/**
 * Posts a streamed chat completion and calls onChunk with each parsed event as it arrives.
 * An error event inside the stream (a guard block after the answer began, an upstream cut) is thrown as ApiError.
 */
export async function streamChat(body, onChunk, signal) {
  const res = await request('/v1/chat/completions', { method: 'POST', json: { ...body, stream: true }, signal });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    // SSE: events end with a blank line; a data line holds one JSON chunk or [DONE]
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      const data = event.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n');
      if (!data) continue;
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data);
      if (chunk.error) {
        throw new ApiError(200, chunk.error.code || null, chunk.error.type || null, chunk.error.message || 'The stream failed.', null);
      }
      onChunk(chunk);
    }
  }
  throw new ApiError(0, 'stream_cut', null, 'The answer stream ended before it was complete.', null);
}

/** One sentence a person can act on, for an error of any endpoint. */
export function describe(e) {
  if (!(e instanceof ApiError)) return String(e && e.message || e);
  const said = /[.!?]$/.test(e.message.trim()) ? e.message.trim() : e.message.trim() + '.';
  if (e.status === 429) {
    return `Rate limited: ${said}` + (e.retryAfter != null ? ` Try again in ${e.retryAfter} s.` : '');
  }
  if (e.code === 'content_policy_violation') return `Blocked by a guard: ${said}`;
  if (e.status === 401) return `Not authorised: ${said} Set the API key under Settings.`;
  if (e.status === 502 || e.status === 503 || e.status === 504) return `Upstream unavailable (HTTP ${e.status}): ${said}`;
  if (e.status === 0) return e.message;
  return `${e.message}` + (e.status >= 400 ? ` (HTTP ${e.status}${e.code ? ', ' + e.code : ''})` : '');
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c);
  }
  return node;
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}
