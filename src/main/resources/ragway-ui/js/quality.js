// Quality signals per model, prompt version and rollout arm: the four rates of the PromQL in
// docs/observability.md ("Quality signals"), since the server started.
import { el } from './api.js';

const DOWN = /^(down|1|2)$/;

/**
 * Rows {model, prompt_version, arm, answers, ratings, thumbsDown, correction, abstention, guardHit}
 * from one scrape's samples; a rate is NaN when its denominator is 0.
 */
export function qualityRows(samples) {
  const rows = new Map();
  const row = l => {
    const k = `${l.model}\u0000${l.prompt_version}\u0000${l.arm}`;
    if (!rows.has(k)) {
      rows.set(k, { model: l.model, prompt_version: l.prompt_version, arm: l.arm, answers: 0, abstained: 0, guard: 0,
        ratings: 0, downs: 0, corrections: 0 });
    }
    return rows.get(k);
  };
  for (const x of samples) {
    if (x.labels.prompt_version === undefined) continue;
    if (x.name === 'ragway_answers_total') {
      const r = row(x.labels);
      r.answers += x.value;
      if (x.labels.abstained === 'true') r.abstained += x.value;
    } else if (x.name === 'ragway_guard_hits_total') {
      row(x.labels).guard += x.value;
    } else if (x.name === 'ragway_feedback_total') {
      const r = row(x.labels);
      r.ratings += x.value;
      if (DOWN.test(x.labels.rating)) r.downs += x.value;
    } else if (x.name === 'ragway_feedback_corrections_total') {
      row(x.labels).corrections += x.value;
    }
  }
  const ratio = (a, b) => (b > 0 ? a / b : NaN);
  return [...rows.values()].map(r => ({
    ...r,
    thumbsDown: ratio(r.downs, r.ratings),
    correction: ratio(r.corrections, r.answers),
    abstention: ratio(r.abstained, r.answers),
    guardHit: ratio(r.guard, r.answers),
  })).sort((a, b) => (a.model + a.prompt_version + a.arm).localeCompare(b.model + b.prompt_version + b.arm));
}

const pct = v => (Number.isFinite(v) ? (100 * v).toFixed(1) + '%' : '—');

/** Draws the rows as a table in `box`. */
export function qualityTable(box, samples) {
  const rows = qualityRows(samples);
  if (!rows.length) {
    box.replaceChildren(el('p', { class: 'muted small', text: 'No answers since the server started.' }));
    return;
  }
  const head = ['Model', 'Prompt', 'Arm', 'Answers', 'Thumbs down', 'Corrections', 'Abstentions', 'Guard hits'];
  box.replaceChildren(el('div', { class: 'table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, ...head.map(h => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map(r => el('tr', {},
      el('td', { text: r.model }), el('td', { text: r.prompt_version }), el('td', { text: r.arm }),
      el('td', { class: 'num', text: String(Math.round(r.answers)) }),
      el('td', { class: 'num', text: `${pct(r.thumbsDown)} of ${Math.round(r.ratings)}` }),
      el('td', { class: 'num', text: pct(r.correction) }),
      el('td', { class: 'num', text: pct(r.abstention) }),
      el('td', { class: 'num', text: pct(r.guardHit) }))))),
    el('p', { class: 'muted small', text: 'Since the server started. Thumbs down: down, 1 or 2 of all ratings; '
      + 'corrections, abstentions and guard hits: of answers.' })));
}
