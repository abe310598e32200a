// roadsense dashboard: OSM roads, hotspots, density, events and road layers on one MapLibre
// map, with filters and panels. Plain ES module, no build step; relative URLs only and
// nothing from the internet (inline style, our GeoJSON sources, no glyphs).
import { LngLatBounds, Map as MapLibreMap, NavigationControl, Popup, ScaleControl } from './vendor/maplibre-gl.mjs';
import { applyTranslations, pickLanguage, translator } from './i18n.js';
import { barsSvg, ratesSvg } from './charts.js';

// Viridis (sequential) and Okabe-Ito (categories): both colour-blind safe.
const VIRIDIS = ['#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'];
const EVENT_FAMILIES = [
  { colour: '#D55E00', types: ['FCW', 'UFCW'] },
  { colour: '#CC79A7', types: ['PCW', 'PED_IN_DZ'] },
  { colour: '#E69F00', types: ['HMW'] },
  { colour: '#56B4E9', types: ['LDW_LEFT', 'LDW_RIGHT'] },
  { colour: '#0072B2', types: ['SPEEDING'] },
  { colour: '#009E73', types: ['HARSH_BRAKE', 'HARSH_ACCEL', 'HARSH_TURN'] },
  { colour: '#000000', types: ['POTHOLE', 'TAMPER', 'FAILSAFE'] },
];
const EMPTY = { type: 'FeatureCollection', features: [] };
const OSM_ATTRIBUTION = 'Roads © <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
const TOP_N = 20;

// Each toggleable layer: its map layers, its legend, and whether analysts only see it.
const LAYERS = [
  { key: 'hotspots', ids: ['hotspots-fill', 'hotspots-ineligible', 'hotspots-top'], on: true,
    legend: () => VIRIDIS.map((c, i) => [c, i === 0 ? 'less' : i === VIRIDIS.length - 1 ? 'more' : ''])
      .concat([['hatch', 'lowExposure']]) },
  { key: 'density', ids: ['density-fill'], on: false,
    legend: () => VIRIDIS.map((c, i) => [c, i === 0 ? 'less' : i === VIRIDIS.length - 1 ? 'more' : '']) },
  { key: 'eventsLayer', ids: ['events-circle', 'events-clusters'], on: true,
    legend: () => EVENT_FAMILIES.map((f) => [f.colour, f.types.join(', ')]) },
  { key: 'speeds', ids: ['speeds-line'], on: false, analyst: true,
    legend: () => [['#440154', '< 20 km/h'], ['#21918c', '20–40'], ['#fde725', '> 40']] },
  { key: 'speeding', ids: ['speeding-line'], on: false, analyst: true,
    legend: () => [['#fde725', '< 10 %'], ['#21918c', '10–30 %'], ['#440154', '> 30 %']] },
  { key: 'mismatches', ids: ['mismatches-circle'], on: false, analyst: true, legend: () => [['#D55E00', 'mismatches']] },
  { key: 'potholes', ids: ['potholes-circle'], on: false, analyst: true, legend: () => [['#000000', 'potholes']] },
  { key: 'lanes', ids: ['lanes-line'], on: false, analyst: true, legend: () => [['#CC79A7', 'lanes']] },
];

const lang = pickLanguage();
const t = translator(lang);
const state = { ready: false, filter: 'ALL', ranking: 'excess', counts: { roads: 0, hotspots: 0, events: 0 }, error: null, map: null, meta: null };
window.roadsense = state;
const nf = new Intl.NumberFormat(lang);
const df = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
const sf = new Intl.NumberFormat(lang, { maximumSignificantDigits: 3 });

async function fetchJson(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) url.searchParams.set(k, String(v));
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url.pathname} answered ${response.status} ${response.statusText}`);
  return response.json();
}

function setStatus(text, isError = false) {
  const el = document.getElementById('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  el.setAttribute('role', isError ? 'alert' : 'status');
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function eventColour() {
  const m = ['match', ['get', 'type']];
  for (const f of EVENT_FAMILIES) m.push(f.types, f.colour);
  m.push('#999999');
  return m;
}

function hatchImage() {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y += 1) for (let x = 0; x < size; x += 1) {
    data.set((x + y) % size < 2 ? [110, 110, 110, 200] : [200, 200, 200, 60], (y * size + x) * 4);
  }
  return { width: size, height: size, data };
}

// Quantile steps of a property over the features, as a MapLibre 'step' expression.
function stepColour(features, prop, colours = VIRIDIS) {
  const v = features.map((f) => f.properties[prop]).filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return colours[2];
  const expr = ['step', ['to-number', ['get', prop], 0], colours[0]];
  let last = -Infinity;
  for (let k = 1; k < colours.length; k += 1) {
    const b = v[Math.floor((k * v.length) / colours.length)];
    if (b > last && b > v[0]) { expr.push(b, colours[k]); last = b; }
  }
  return expr.length > 3 ? expr : colours[2];
}

function addSourcesAndLayers(map) {
  map.addImage('hatch', hatchImage(), { pixelRatio: 1 });
  map.addSource('roads', { type: 'geojson', data: EMPTY, attribution: OSM_ATTRIBUTION });
  for (const id of ['hotspots', 'density', 'speeds', 'mismatches', 'potholes', 'lanes']) {
    map.addSource(id, { type: 'geojson', data: EMPTY });
  }
  map.addSource('events', { type: 'geojson', data: EMPTY, cluster: true, clusterRadius: 40, clusterMaxZoom: 15 });
  map.addLayer({ id: 'density-fill', type: 'fill', source: 'density', paint: { 'fill-color': VIRIDIS[2], 'fill-opacity': 0.45 } });
  map.addLayer({ id: 'hotspots-ineligible', type: 'fill', source: 'hotspots', filter: ['!=', ['get', 'eligible'], true],
    paint: { 'fill-pattern': 'hatch', 'fill-opacity': 0.45 } });
  map.addLayer({ id: 'hotspots-fill', type: 'fill', source: 'hotspots', filter: ['==', ['get', 'eligible'], true],
    paint: { 'fill-color': VIRIDIS[0], 'fill-opacity': 0.62, 'fill-outline-color': '#ffffff' } });
  map.addLayer({ id: 'roads-line', type: 'line', source: 'roads', layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#8a8a8a', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.6, 17, 4] } });
  const lineWidth = ['interpolate', ['linear'], ['zoom'], 12, 2, 17, 6];
  map.addLayer({ id: 'speeds-line', type: 'line', source: 'speeds', paint: { 'line-width': lineWidth,
    'line-color': ['step', ['get', 'mean_kmh'], '#440154', 20, '#21918c', 40, '#fde725'] } });
  map.addLayer({ id: 'speeding-line', type: 'line', source: 'speeds', paint: { 'line-width': lineWidth,
    'line-color': ['step', ['get', 'share_over_limit'], '#fde725', 0.1, '#21918c', 0.3, '#440154'] } });
  map.addLayer({ id: 'lanes-line', type: 'line', source: 'lanes', paint: { 'line-width': lineWidth, 'line-color': '#CC79A7', 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'hotspots-top', type: 'line', source: 'hotspots',
    filter: ['<=', ['coalesce', ['get', 'rank'], 1e9], TOP_N], paint: { 'line-color': '#1a1a1a', 'line-width': 2.2 } });
  map.addLayer({ id: 'mismatches-circle', type: 'circle', source: 'mismatches', paint: { 'circle-color': '#D55E00', 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({ id: 'potholes-circle', type: 'circle', source: 'potholes', paint: { 'circle-color': '#000', 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({ id: 'events-clusters', type: 'circle', source: 'events', filter: ['has', 'point_count'],
    paint: { 'circle-color': '#56B4E9', 'circle-opacity': 0.85, 'circle-stroke-color': '#0072B2', 'circle-stroke-width': 1.5,
      'circle-radius': ['step', ['get', 'point_count'], 10, 10, 14, 50, 18] } });
  map.addLayer({ id: 'events-circle', type: 'circle', source: 'events', filter: ['!', ['has', 'point_count']],
    paint: { 'circle-color': eventColour(), 'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 3, 17, 7],
      'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 } });
  map.on('click', (e) => onClick(map, e));
  for (const id of ['events-circle', 'events-clusters']) {
    map.on('mouseenter', id, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
  }
}

function details(title, rows) {
  const dl = el('dl');
  for (const [k, v] of rows) dl.append(el('dt', { textContent: k }), el('dd', { textContent: v }));
  return el('div', { className: 'popup' }, el('h3', { textContent: title }), dl);
}

const dash = (v, f) => (v === null || v === undefined || Number.isNaN(v) ? '–' : f(v));
let popup = null;
function openPopup(map, lngLat, content) {
  if (popup) popup.remove();
  popup = new Popup({ maxWidth: '300px', focusAfterOpen: true }).setLngLat(lngLat).setDOMContent(content).addTo(map);
}

function eventPopup(map, lngLat, p) {
  const time = new Date(p.time);
  openPopup(map, lngLat, details(p.type, [
    [t('time'), Number.isNaN(time.getTime()) ? String(p.time) : time.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC')],
    [t('level'), dash(p.level, String)],
    [t('speed'), dash(p.speed_kmh, (v) => `${df.format(v)} km/h`)],
    [t('ttc'), dash(p.ttc_s, (v) => `${df.format(v)} s`)],
    [t('headway'), dash(p.headway_s, (v) => `${df.format(v)} s`)],
    [t('vehicle'), String(p.vehicle)],
  ]));
}

function cellPopup(map, lngLat, p) {
  openPopup(map, lngLat, details(p.rank ? `${t('rank')} ${p.rank}` : t('notRanked'), [
    ...(p.place ? [[t('place'), String(p.place)]] : []),
    [t('events'), dash(p.events, (v) => nf.format(v))],
    [t('vkm'), dash(p.vehicle_km, (v) => df.format(v))],
    [t('rate'), dash(p.rate_per_1000_vkm, (v) => `${sf.format(v)} / 1,000 vkm`)],
    ['EB ' + t('excess'), dash(p.excess, (v) => df.format(v))],
    [t('cell'), String(p.cell)],
  ]));
}

async function onClick(map, e) {
  const box = [[e.point.x - 4, e.point.y - 4], [e.point.x + 4, e.point.y + 4]];
  const clusters = map.queryRenderedFeatures(box, { layers: ['events-clusters'] });
  if (clusters.length > 0) {
    const zoom = await map.getSource('events').getClusterExpansionZoom(clusters[0].properties.cluster_id);
    map.easeTo({ center: clusters[0].geometry.coordinates, zoom });
    return;
  }
  const events = map.queryRenderedFeatures(box, { layers: ['events-circle'] });
  if (events.length > 0) { eventPopup(map, events[0].geometry.coordinates, events[0].properties); return; }
  const cells = map.queryRenderedFeatures(e.point, { layers: ['hotspots-fill', 'hotspots-ineligible'] });
  if (cells.length > 0) cellPopup(map, e.lngLat, cells[0].properties);
}

function renderLayerList(map, analyst) {
  const list = document.getElementById('layer-list');
  list.replaceChildren(...LAYERS.filter((l) => analyst || !l.analyst).map((layer) => {
    const box = el('input', { type: 'checkbox', checked: layer.on, id: `layer-${layer.key}` });
    const setVisible = () => {
      for (const id of layer.ids) map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none');
      if (layer.key === 'speeds' || layer.key === 'speeding') {
        document.getElementById('how-box').hidden = !['speeds', 'speeding'].some((k) => document.getElementById(`layer-${k}`)?.checked);
      }
    };
    box.addEventListener('change', setVisible);
    setVisible();
    const legend = el('ul', { className: 'legend' }, ...layer.legend().map(([colour, label]) => el('li', {},
      el('span', { className: colour === 'hatch' ? 'swatch hatch' : 'swatch', style: colour === 'hatch' ? '' : `background:${colour}`, ariaHidden: 'true' }),
      el('span', { textContent: label && MESSAGES_KEYS.has(label) ? t(label) : label }))));
    return el('li', {}, el('label', { htmlFor: box.id }, box, ' ', t(layer.key)), legend);
  }));
  for (const layer of LAYERS.filter((l) => l.analyst && !analyst)) {
    for (const id of layer.ids) map.setLayoutProperty(id, 'visibility', 'none');
  }
}
const MESSAGES_KEYS = new Set(['less', 'more', 'lowExposure']);

function filters() {
  const v = (id) => document.getElementById(id).value;
  return { event_type: v('event-type'), since: v('since'), until: v('until'), hour_from: v('hour-from') || 0, hour_to: v('hour-to') || 24, fleet: v('fleet') };
}

function cellCentre(f) { return [f.properties.lon, f.properties.lat]; }

// The top-20 table: ranked by EB excess over the SPF, or by rate when no SPF could be fitted
// (the server then sends ranking 'rate' and no excess; the table says so instead of "excess 0").
function renderTop(map, features, ranking) {
  const body = document.getElementById('top-cells');
  const note = document.getElementById('top-note');
  note.hidden = ranking !== 'rate';
  note.textContent = ranking === 'rate' ? t('rankedByRate') : '';
  const top = features.filter((f) => Number.isInteger(f.properties.rank) && f.properties.rank <= TOP_N)
    .sort((a, b) => a.properties.rank - b.properties.rank);
  if (top.length === 0) { body.replaceChildren(el('tr', {}, el('td', { textContent: t('noData') }))); return; }
  body.replaceChildren(...top.map((f) => {
    const p = f.properties;
    const measure = ranking === 'rate'
      ? `${t('rate')} ${dash(p.rate_per_1000_vkm, (v) => sf.format(v))} / 1,000 vkm`
      : `${t('excess')} ${dash(p.excess, (v) => df.format(v))}`;
    const where = p.place ? `${p.place} · ` : '';
    const button = el('button', { type: 'button', textContent: `${p.rank}. ${where}${nf.format(p.events)} ${t('events')} · ${measure}` });
    button.setAttribute('aria-label', `${t('rank')} ${p.rank}: ${where}${p.events} ${t('events')}`);
    button.addEventListener('click', () => {
      map.flyTo({ center: cellCentre(f), zoom: Math.max(map.getZoom(), 16), duration: 600 });
      cellPopup(map, cellCentre(f), p);
    });
    return el('tr', {}, el('td', {}, button));
  }));
}

function renderEvaluation(evaluation) {
  const box = document.getElementById('evaluation');
  const rows = evaluation.rate_ratios || [];
  if (rows.length === 0) { box.replaceChildren(el('p', { className: 'unit', textContent: t('noEvaluation') })); return; }
  box.innerHTML = barsSvg(rows);
}

function renderScores(scores) {
  const section = document.getElementById('scores-section');
  section.hidden = false;
  const box = document.getElementById('scores');
  if (!scores.subjects.length) { box.replaceChildren(el('p', { textContent: t('noData') })); return; }
  box.replaceChildren(...scores.subjects.map((s) => el('details', { className: 'score' },
    el('summary', { textContent: `${s.subject}: ${dash(s.per_100km, (v) => df.format(v))} / 100 km (${sf.format(s.km)} km)` }),
    el('pre', { textContent: s.coaching }))));
}

async function loadFiltered(map) {
  const f = filters();
  const [hotspots, events, density, rates] = await Promise.all([
    fetchJson('v1/panels/hotspots', f), fetchJson('v1/panels/events', f),
    fetchJson('v1/panels/density', { ...f, event_type: undefined }), fetchJson('v1/panels/rates', f),
  ]);
  const ranking = hotspots.ranking === 'rate' ? 'rate' : 'excess';
  state.ranking = ranking;
  map.setPaintProperty('hotspots-fill', 'fill-color', stepColour(hotspots.features.filter((x) => x.properties.eligible),
    ranking === 'rate' ? 'rate_per_1000_vkm' : 'excess', VIRIDIS));
  map.setPaintProperty('density-fill', 'fill-color', stepColour(density.features, 'vehicle_km'));
  map.getSource('hotspots').setData(hotspots);
  map.getSource('density').setData(density);
  map.getSource('events').setData(events);
  renderTop(map, hotspots.features, ranking);
  document.getElementById('rates-chart').innerHTML = ratesSvg(rates, t('noData'));
  const fleetId = state.meta.role === 'fleet_operator' ? state.meta.fleet_id : f.fleet;
  if (fleetId) renderScores(await fetchJson('v1/panels/fleet-scores', { fleet: fleetId }));
  else document.getElementById('scores-section').hidden = true;
  return { hotspots: hotspots.features.length, events: events.features.length };
}

function fail(error) {
  state.error = String(error && error.message ? error.message : error);
  setStatus(`${t('failed')}: ${state.error}`, true);
  console.error(error);
}

async function redraw(map) {
  state.ready = false;
  state.filter = document.getElementById('event-type').value;
  setStatus(t('loading'));
  if (popup) popup.remove();
  const counts = await loadFiltered(map);
  await new Promise((resolve) => { map.once('idle', resolve); map.triggerRepaint(); });
  state.counts = { ...state.counts, ...counts };
  state.ready = true;
  setStatus(t('shown', nf.format(counts.events), nf.format(counts.hotspots)));
}

function setupControls(map, meta, summary, roadLayers) {
  const select = document.getElementById('event-type');
  for (const type of meta.event_types) select.append(el('option', { value: type, textContent: `${type} (${nf.format(summary.events_by_type[type] ?? 0)})` }));
  if (meta.first_day) {
    for (const id of ['since', 'until']) { const i = document.getElementById(id); i.min = meta.first_day; i.max = meta.last_day; }
  }
  const fleet = document.getElementById('fleet');
  if (meta.role === 'fleet_operator') {
    document.getElementById('fleet-label').hidden = true;
  } else {
    for (const f of meta.fleets) fleet.append(el('option', { value: f.fleet_id, textContent: f.name }));
  }
  document.getElementById('who').textContent = `${t('signedInAs')} ${meta.name} (${meta.role}${meta.fleet_id ? `, ${meta.fleet_id}` : ''})`;
  const run = () => redraw(map).catch(fail);
  select.addEventListener('change', run);
  document.getElementById('filter-form').addEventListener('submit', (e) => { e.preventDefault(); run(); });
  select.disabled = false;
  const how = document.getElementById('how');
  const showHour = () => {
    document.getElementById('how-out').textContent = how.value;
    const features = roadLayers.speeds.features.filter((x) => x.properties.hour_of_week === Number(how.value));
    map.getSource('speeds').setData({ type: 'FeatureCollection', features });
  };
  how.addEventListener('input', showHour);
  showHour();
}

async function main() {
  applyTranslations(t, lang);
  const langSelect = document.getElementById('lang');
  langSelect.value = lang;
  langSelect.addEventListener('change', () => { localStorage.setItem('roadsense.lang', langSelect.value); location.reload(); });
  const map = new MapLibreMap({
    container: 'map',
    style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f2f1ec' } }] },
    center: [24.944, 60.171], zoom: 13, attributionControl: { compact: false },
  });
  state.map = map;
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('error', (e) => fail(e.error || e));
  const loaded = new Promise((resolve) => { map.once('load', resolve); });
  const [meta, summary, roads, evaluation] = await Promise.all([
    fetchJson('v1/panels/meta'), fetchJson('v1/panels/summary'), fetchJson('v1/panels/osm-roads'), fetchJson('v1/panels/evaluation'), loaded,
  ]);
  state.meta = meta;
  const analyst = meta.role !== 'fleet_operator';
  const roadLayers = analyst ? await fetchJson('v1/panels/roads') : { speeds: EMPTY, mismatches: EMPTY, potholes: EMPTY, lanes: EMPTY };
  addSourcesAndLayers(map);
  for (const k of ['mismatches', 'potholes', 'lanes']) map.getSource(k).setData(roadLayers[k]);
  renderLayerList(map, analyst);
  for (const [id, value] of [['sum-vehicles', nf.format(summary.vehicles)], ['sum-positions', nf.format(summary.positions)],
    ['sum-events', nf.format(summary.events)], ['sum-vkm', df.format(summary.vehicle_km)]]) document.getElementById(id).textContent = value;
  map.getSource('roads').setData(roads);
  state.counts.roads = roads.features.length;
  const bounds = new LngLatBounds();
  for (const f of roads.features) for (const c of f.geometry.coordinates) bounds.extend(c);
  if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 24, animate: false });
  renderEvaluation(evaluation);
  setupControls(map, meta, summary, roadLayers);
  await redraw(map);
}

main().catch(fail);
