// Prometheus text format in, rates and histogram quantiles out, computed as PromQL would.

/** Parses exposition text into samples: [{name, labels, value}]. */
export function parse(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      }
    }
    samples.push({ name: m[1], labels, value: parseFloat(m[4]) });
  }
  return samples;
}

const matches = (labels, where) => Object.entries(where).every(([k, v]) =>
  v instanceof RegExp ? v.test(labels[k] ?? '') : labels[k] === v);

/** Sum of a metric's samples whose labels match `where` (a value, or a RegExp per label). */
export function sum(samples, name, where = {}) {
  let s = 0;
  for (const x of samples) if (x.name === name && matches(x.labels, where)) s += x.value;
  return s;
}

/** Sums grouped by one label: {labelValue: sum}. */
export function sumBy(samples, name, label, where = {}) {
  const out = {};
  for (const x of samples) {
    if (x.name === name && matches(x.labels, where)) out[x.labels[label]] = (out[x.labels[label]] || 0) + x.value;
  }
  return out;
}

/** Cumulative bucket counts by upper bound, summed over the series that match. */
function buckets(samples, name, where) {
  const byLe = new Map();
  for (const x of samples) {
    if (x.name === name + '_bucket' && matches(x.labels, where)) {
      const le = x.labels.le === '+Inf' ? Infinity : parseFloat(x.labels.le);
      byLe.set(le, (byLe.get(le) || 0) + x.value);
    }
  }
  return byLe;
}

/**
 * histogram_quantile(q, increase(name_bucket[between the two scrapes])), or NaN when nothing was
 * observed in between. With `before` null, over everything since the server started.
 */
export function quantile(q, before, after, name, where = {}) {
  const b1 = buckets(after, name, where);
  const b0 = before ? buckets(before, name, where) : new Map();
  const les = [...b1.keys()].sort((a, b) => a - b);
  const counts = les.map(le => Math.max(0, b1.get(le) - (b0.get(le) || 0)));
  const total = counts.length ? counts[counts.length - 1] : 0;
  if (!total) return NaN;
  const rank = q * total;
  for (let i = 0; i < les.length; i++) {
    if (counts[i] >= rank) {
      if (les[i] === Infinity) return i > 0 ? les[i - 1] : NaN; // as Prometheus: the highest finite bound
      const lower = i > 0 ? les[i - 1] : 0;
      const below = i > 0 ? counts[i - 1] : 0;
      const inBucket = counts[i] - below;
      return inBucket ? lower + (les[i] - lower) * (rank - below) / inBucket : les[i];
    }
  }
  return NaN;
}

/** The per-second rate of a counter sum between two scrapes taken `seconds` apart (0 after a reset). */
export function rate(before, after, seconds, name, where = {}) {
  if (!before || seconds <= 0) return NaN;
  return Math.max(0, sum(after, name, where) - sum(before, name, where)) / seconds;
}
