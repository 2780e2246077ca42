// Small SVG line charts: a few series over time, their last value in the legend.

const COLORS = ['#1f5fbf', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0b7285'];
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
}

/**
 * Draws `series` ([{name, points: [[t, v]...]}], NaN for a gap) into `box`, with a y axis from 0 to
 * the largest value and `format` for the labels.
 */
export function lineChart(box, title, series, format = v => v.toFixed(2)) {
  const W = 400, H = 130, L = 44, B = 16, T = 6, R = 6;
  const all = series.flatMap(s => s.points);
  const ts = all.map(p => p[0]);
  const vs = all.map(p => p[1]).filter(Number.isFinite);
  const t0 = Math.min(...ts), t1 = Math.max(...ts);
  const top = Math.max(...vs, 0) || 1;
  const x = t => L + (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * (W - L - R);
  const y = v => T + (1 - v / top) * (H - T - B);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' });
  const desc = series.map(s => `${s.name}: ${lastText(s, format)}`).join(', ');
  chart.setAttribute('aria-label', `${title}. Latest ${desc}`);
  for (const f of [0, 0.5, 1]) {
    chart.append(svg('line', { x1: L, x2: W - R, y1: y(top * f), y2: y(top * f), stroke: '#e3e3e0', 'stroke-width': 1 }));
    const label = svg('text', { x: L - 4, y: y(top * f) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6368' });
    label.textContent = format(top * f);
    chart.append(label);
  }
  if (ts.length) {
    const span = svg('text', { x: W - R, y: H - 3, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6368' });
    span.textContent = `last ${Math.round((t1 - t0) / 1000)} s`;
    chart.append(span);
  }
  series.forEach((s, i) => {
    let d = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) { pen = false; continue; }
      d += (pen ? 'L' : 'M') + x(t).toFixed(1) + ' ' + y(v).toFixed(1);
      pen = true;
    }
    if (d) chart.append(svg('path', { d, fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
  });
  const legend = document.createElement('div');
  legend.className = 'legend';
  series.forEach((s, i) => {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = COLORS[i % COLORS.length];
    item.append(swatch, `${s.name} ${lastText(s, format)}`);
    legend.append(item);
  });
  const h = document.createElement('h3');
  h.textContent = title;
  box.replaceChildren(h, chart, legend);
}

function lastText(s, format) {
  for (let i = s.points.length - 1; i >= 0; i--) {
    if (Number.isFinite(s.points[i][1])) return format(s.points[i][1]);
  }
  return '—';
}

/** Horizontal bars for a {name: value} map, largest first. */
export function bars(box, values, format, empty) {
  const entries = Object.entries(values).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  if (!entries.length) {
    box.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'muted small';
    p.textContent = empty;
    box.append(p);
    return;
  }
  const max = entries[0][1];
  const list = document.createElement('div');
  list.className = 'bars';
  for (const [name, v] of entries) {
    const row = document.createElement('div');
    row.className = 'bar';
    const label = document.createElement('span');
    label.textContent = name;
    label.title = name;
    const track = document.createElement('div');
    track.className = 'track';
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.style.width = (100 * v / max).toFixed(1) + '%';
    track.append(fill);
    const val = document.createElement('span');
    val.className = 'num';
    val.textContent = format(v);
    row.append(label, track, val);
    list.append(row);
  }
  box.replaceChildren(list);
}
