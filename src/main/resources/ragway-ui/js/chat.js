// The chat page: model picker, sessions, streamed answers, citations opening the cited passage.
import { ApiError, getJson, request, streamChat, probe, describe, el, settings } from './api.js';
import { showError, clearError } from './banner.js';

const MODEL = 'ragway.model';
let sessionId = null;
let busy = null; // the AbortController of the answer being streamed
let feedback = false; // whether the server takes thumbs up/down (POST /v1/feedback)

const $ = id => document.getElementById(id);

/** Sessions live on the server; this browser keeps their ids and titles, per API key. */
function sessionsKey() {
  let h = 0;
  for (const c of settings.key) h = (h * 31 + c.charCodeAt(0)) | 0;
  return 'ragway.sessions.' + (settings.key ? (h >>> 0).toString(36) : 'anonymous');
}
function storedSessions() {
  try { return JSON.parse(localStorage.getItem(sessionsKey())) || []; } catch { return []; }
}
function storeSessions(list) {
  localStorage.setItem(sessionsKey(), JSON.stringify(list.slice(0, 50)));
}

export function init() {
  $('ask-form').addEventListener('submit', ev => { ev.preventDefault(); send(); });
  $('question').addEventListener('keydown', ev => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
  });
  $('stop').addEventListener('click', () => busy?.abort());
  $('new-session').addEventListener('click', () => { openSession(null); $('question').focus(); });
  $('model').addEventListener('change', () => localStorage.setItem(MODEL, $('model').value));
  $('citation-close').addEventListener('click', closeCitation);
  $('citation-panel').addEventListener('keydown', ev => { if (ev.key === 'Escape') closeCitation(); });
}

export async function enter() {
  renderSessions();
  try {
    const models = (await getJson('/v1/models')).data.map(m => m.id);
    const select = $('model');
    const chosen = localStorage.getItem(MODEL);
    select.replaceChildren(...models.map(id => el('option', { value: id, text: id })));
    select.value = models.includes(chosen) ? chosen : models[0];
  } catch (e) {
    showError(e);
  }
  feedback = await probe('/v1/feedback');
  document.querySelectorAll('.feedback').forEach(f => { f.hidden = !feedback; });
}

function renderSessions() {
  const list = storedSessions();
  $('session-list').replaceChildren(...list.map(s => el('li', {},
    el('button', { type: 'button', class: 'session', 'aria-current': String(s.id === sessionId), title: s.title,
      onclick: () => openSession(s.id) }, s.title || 'Untitled'))));
  $('session-label').textContent = sessionId ? 'Session ' + sessionId : 'New chat: a session starts with the first question';
}

async function openSession(id) {
  if (busy) busy.abort();
  clearError();
  closeCitation();
  sessionId = id;
  $('messages').replaceChildren();
  renderSessions();
  if (!id) return;
  try {
    const s = await getJson('/v1/sessions/' + encodeURIComponent(id));
    for (const m of s.messages) {
      if (m.role === 'user' || m.role === 'assistant') addMessage(m.role, m.content || '');
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      storeSessions(storedSessions().filter(s => s.id !== id));
      sessionId = null;
      renderSessions();
      showError('That session is gone from the server (sessions are forgotten after a while unused). Start a new chat.', 'warn');
    } else {
      showError(e);
    }
  }
}

function addMessage(role, text) {
  const body = el('div', { class: 'text' });
  body.textContent = text;
  const li = el('li', { class: 'msg ' + role }, el('span', { class: 'who', text: role === 'user' ? 'You' : 'ragway' }), body);
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
  return li;
}

async function ensureSession(question) {
  if (sessionId) return;
  const s = await getJson('/v1/sessions', { method: 'POST' });
  sessionId = s.id;
  storeSessions([{ id: s.id, title: question.slice(0, 60), created: s.created_at }, ...storedSessions()]);
  renderSessions();
}

async function send() {
  const question = $('question').value.trim();
  if (!question || busy) return;
  clearError();
  const model = $('model').value;
  try {
    await ensureSession(question);
  } catch (e) {
    showError(e);
    return;
  }
  $('question').value = '';
  addMessage('user', question);
  const li = addMessage('assistant', '');
  li.classList.add('streaming');
  li.setAttribute('aria-busy', 'true');
  const text = li.querySelector('.text');
  let answer = '';
  let citations = [];
  let completionId = null;
  busy = new AbortController();
  $('send').hidden = true;
  $('stop').hidden = false;
  try {
    await streamChat({ model, session_id: sessionId, messages: [{ role: 'user', content: question }] }, chunk => {
      completionId = chunk.id || completionId;
      const delta = chunk.choices?.[0]?.delta;
      if (!delta) return;
      if (delta.content) {
        answer += delta.content;
        text.textContent = answer;
        li.scrollIntoView({ block: 'end' });
      }
      if (delta.citations) citations = delta.citations;
    }, busy.signal);
    renderAnswer(li, answer, citations);
    addFeedback(li, completionId);
  } catch (e) {
    if (e.name === 'AbortError') {
      text.textContent = answer + ' [stopped]';
    } else {
      li.classList.add('error');
      text.textContent = (answer ? answer + '\n\n' : '') + describe(e);
      showError(e);
      if (e instanceof ApiError && e.code === 'session_not_found') {
        storeSessions(storedSessions().filter(s => s.id !== sessionId));
        sessionId = null;
        renderSessions();
      }
    }
  } finally {
    li.scrollIntoView({ block: 'end' }); // the sources or an error made it taller
    li.classList.remove('streaming');
    li.removeAttribute('aria-busy');
    busy = null;
    $('send').hidden = false;
    $('stop').hidden = true;
    $('question').focus();
  }
}

/** The answer with its [n] markers as links to the cited passages, and the sources listed under it. */
function renderAnswer(li, answer, citations) {
  const text = li.querySelector('.text');
  if (!citations.length) {
    text.textContent = answer;
    return;
  }
  const byIndex = new Map(citations.map(c => [c.index, c]));
  const parts = [];
  let last = 0;
  for (const m of answer.matchAll(/\[(\d+)\]/g)) {
    const c = byIndex.get(Number(m[1]));
    if (!c) continue;
    parts.push(answer.slice(last, m.index), citeLink(c));
    last = m.index + m[0].length;
  }
  parts.push(answer.slice(last));
  text.replaceChildren(...parts);
  li.append(el('ol', { class: 'sources', 'aria-label': 'Sources' }, citations.map(c =>
    el('li', {}, citeLink(c), ' ', c.title || c.source, c.heading ? ' › ' + c.heading : ''))));
}

function citeLink(c) {
  return el('a', { href: '#chat', class: 'cite', 'data-chunk': c.id,
    'aria-label': `Source ${c.index}: ${c.title || c.source}${c.heading ? ', ' + c.heading : ''}`,
    onclick: ev => { ev.preventDefault(); openCitation(c, ev.currentTarget); } }, `[${c.index}]`);
}

/**
 * Thumbs up and down under an answer, and a "Suggest a correction" box; each posts
 * {id, rating[, correction]} to POST /v1/feedback and says so once the server has stored it.
 */
function addFeedback(li, completionId) {
  if (!completionId) return;
  let rating = null;
  const status = el('span', { class: 'feedback-status muted', role: 'status' });
  const post = async body => {
    const stored = await request('/v1/feedback', { method: 'POST', json: { id: completionId, ...body } });
    rating = body.rating;
    return stored;
  };
  const buttons = ['up', 'down'].map(r => el('button', {
    type: 'button', 'aria-pressed': 'false', 'aria-label': r === 'up' ? 'Good answer' : 'Bad answer', 'data-rating': r,
    onclick: async ev => {
      const b = ev.currentTarget;
      try {
        await post({ rating: r });
        buttons.forEach(x => x.setAttribute('aria-pressed', String(x === b)));
        status.textContent = 'Thanks, your rating is saved.';
      } catch (e) {
        showError(e);
      }
    } }, r === 'up' ? '👍' : '👎'));
  const correction = el('textarea', { class: 'correction-text', rows: '3', maxlength: '16000',
    'aria-label': 'Your correction of this answer', placeholder: 'What should the answer have said?' });
  const form = el('form', { class: 'correction', hidden: true, onsubmit: async ev => {
    ev.preventDefault();
    const text = correction.value.trim();
    if (!text) { correction.focus(); return; }
    try {
      // a correction says the answer was wrong, unless a rating was already given
      await post({ rating: rating || 'down', correction: text });
      if (!rating || rating === 'down') buttons.forEach(x => x.setAttribute('aria-pressed', String(x.dataset.rating === 'down')));
      form.hidden = true;
      status.textContent = 'Thanks, your correction is saved.';
    } catch (e) {
      showError(e);
    }
  } }, correction, el('button', { type: 'submit', class: 'send-correction', text: 'Send correction' }));
  const suggest = el('button', { type: 'button', class: 'suggest', 'aria-expanded': 'false',
    onclick: () => {
      form.hidden = !form.hidden;
      suggest.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) correction.focus();
    } }, 'Suggest a correction');
  li.append(el('div', { class: 'feedback', hidden: !feedback }, ...buttons, suggest, status, form));
}

let returnFocus = null;

async function openCitation(c, from) {
  returnFocus = from;
  const panel = $('citation-panel');
  $('citation-title').textContent = `[${c.index}] ${c.title || c.source}`;
  $('citation-meta').textContent = [c.source, c.heading, `chunk ${c.chunk}`, `characters ${c.start}–${c.end}`]
    .filter(Boolean).join(' · ');
  $('citation-body').replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
  panel.hidden = false;
  document.getElementById('page-chat').classList.add('with-panel');
  panel.focus();
  try {
    const chunk = await getJson('/v1/chunks/' + encodeURIComponent(c.id) + '?around=1');
    $('citation-body').replaceChildren(...passage(chunk));
    $('citation-body').querySelector('mark')?.scrollIntoView({ block: 'center' });
  } catch (e) {
    $('citation-body').replaceChildren(el('p', { class: 'muted', text: describe(e) }));
  }
}

/**
 * The cited chunk highlighted between its neighbours. Chunks may overlap in the source's text, so a
 * neighbour is cut at the cited chunk's offsets when its text spans exactly its own offsets.
 */
function passage(chunk) {
  const cited = chunk.passages.find(p => p.cited) || chunk;
  const exact = p => p.text.length === p.end - p.start;
  const out = [];
  for (const p of chunk.passages) {
    if (p.cited) {
      out.push(el('mark', { text: p.text }));
      continue;
    }
    let t = p.text;
    if (p.chunk < cited.chunk && exact(p) && p.end > cited.start) t = t.slice(0, Math.max(0, cited.start - p.start));
    if (p.chunk > cited.chunk && exact(p) && p.start < cited.end) t = t.slice(Math.min(t.length, cited.end - p.start));
    // the characters between two chunks (a line break, mostly) are in neither: a line break stands for them
    if (t) out.push(el('span', { class: 'context', text: p.chunk < cited.chunk ? t + '\n' : '\n' + t }));
  }
  return out;
}

function closeCitation() {
  const panel = $('citation-panel');
  if (panel.hidden) return;
  panel.hidden = true;
  document.getElementById('page-chat').classList.remove('with-panel');
  returnFocus?.focus();
  returnFocus = null;
}

export function leave() {
  busy?.abort();
}
