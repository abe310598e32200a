// Small inline SVG charts for the panels (no chart library, nothing fetched).
const COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#000000'];

function esc(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

// Warnings per 100 km per day, one line per type, with a legend.
export function ratesSvg(rates, emptyText) {
  const types = Object.keys(rates.per_100km);
  if (rates.days.length === 0 || types.length === 0) return `<p class="unit">${esc(emptyText)}</p>`;
  const w = 260; const h = 120; const pad = 24;
  const max = Math.max(...types.flatMap((k) => rates.per_100km[k].filter(Number.isFinite)), 1e-9);
  const x = (i) => pad + (rates.days.length === 1 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (rates.days.length - 1));
  const y = (v) => h - pad - (v / max) * (h - 2 * pad);
  const lines = types.map((k, n) => {
    const pts = rates.per_100km[k].map((v, i) => `${x(i).toFixed(1)},${y(v ?? 0).toFixed(1)}`);
    const dots = pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${COLOURS[n % COLOURS.length]}"/>`).join('');
    return `<polyline fill="none" stroke="${COLOURS[n % COLOURS.length]}" stroke-width="1.8" points="${pts.join(' ')}"/>${dots}`;
  }).join('');
  const legend = types.map((k, n) => `<li><span class="swatch" style="background:${COLOURS[n % COLOURS.length]}"></span>${esc(k)}</li>`).join('');
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="warnings per 100 km by day"><line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#999"/>`
    + `<text x="2" y="${pad}" font-size="9">${max.toFixed(1)}</text><text x="${pad}" y="${h - 6}" font-size="9">${esc(rates.days[0])}</text>`
    + `<text x="${w - pad}" y="${h - 6}" font-size="9" text-anchor="end">${esc(rates.days[rates.days.length - 1])}</text>${lines}</svg>`
    + `<ul class="legend inline">${legend}</ul>`;
}

// Rate ratios with their intervals on a log scale; 1 = no change.
export function barsSvg(rows) {
  const w = 260; const rowH = 18; const left = 70; const h = rows.length * rowH + 20;
  const lo = Math.min(0.5, ...rows.map((r) => r.ci_low)); const hi = Math.max(2, ...rows.map((r) => r.ci_high));
  const x = (v) => left + ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (w - left - 10);
  const body = rows.map((r, i) => {
    const cy = 10 + i * rowH + rowH / 2;
    return `<text x="2" y="${cy + 3}" font-size="10">${esc(r.event_type)}</text>`
      + `<line x1="${x(r.ci_low)}" x2="${x(r.ci_high)}" y1="${cy}" y2="${cy}" stroke="#0072B2" stroke-width="2"/>`
      + `<circle cx="${x(r.rate_ratio)}" cy="${cy}" r="3.5" fill="#0072B2"><title>${esc(r.event_type)}: ${r.rate_ratio.toFixed(2)} (${r.ci_low.toFixed(2)}–${r.ci_high.toFixed(2)})</title></circle>`;
  }).join('');
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="rate ratios with 95 % intervals" class="ratios">`
    + `<line x1="${x(1)}" x2="${x(1)}" y1="4" y2="${h - 4}" stroke="#5a5a55" stroke-dasharray="3 2"/>${body}</svg>`
    + `<table class="ratios-table">${rows.map((r) => `<tr><td>${esc(r.event_type)}</td><td>${r.rate_ratio.toFixed(2)}</td><td>${r.ci_low.toFixed(2)}–${r.ci_high.toFixed(2)}</td></tr>`).join('')}</table>`;
}
