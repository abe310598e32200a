// roadsense dashboard: OSM roads, near-miss hotspot cells and events on one MapLibre map.
// Plain ES module, no build step. Talks to the server through relative URLs only, and draws
// nothing from the internet: the style is inline, with our GeoJSON sources and no glyphs.
import {
  LngLatBounds,
  Map as MapLibreMap,
  NavigationControl,
  Popup,
  ScaleControl,
} from './vendor/maplibre-gl.mjs';

const HOTSPOT_RESOLUTION = 10;
const EVENT_LIMIT = 5000;
const TOP_N = 10;

// Viridis, five steps, light (low rate) to dark (high rate): sequential, colour-blind safe,
// and the worst cells are the darkest on the light background.
const RATE_COLOURS = ['#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'];

// Okabe-Ito palette, one colour per family of event types.
const EVENT_FAMILIES = [
  { label: 'Forward collision', colour: '#D55E00', types: ['FCW', 'UFCW'] },
  { label: 'Pedestrian', colour: '#CC79A7', types: ['PCW', 'PED_IN_DZ'] },
  { label: 'Headway', colour: '#E69F00', types: ['HMW'] },
  { label: 'Lane departure', colour: '#56B4E9', types: ['LDW_LEFT', 'LDW_RIGHT'] },
  { label: 'Speeding', colour: '#0072B2', types: ['SPEEDING'] },
  { label: 'Harsh driving', colour: '#009E73', types: ['HARSH_BRAKE', 'HARSH_ACCEL', 'HARSH_TURN'] },
  { label: 'Road / device', colour: '#000000', types: ['POTHOLE', 'TAMPER', 'FAILSAFE'] },
];
const OTHER_EVENT_COLOUR = '#999999';

const EMPTY = { type: 'FeatureCollection', features: [] };
// OSM data is ODbL: the map must credit its contributors.
const OSM_ATTRIBUTION = 'Roads © <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

const state = {
  ready: false,
  filter: 'ALL',
  counts: { roads: 0, hotspots: 0, events: 0 },
  error: null,
  map: null,
};
window.roadsense = state;

const numberFormat = new Intl.NumberFormat('en');
const decimalFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const rateFormat = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });

function apiUrl(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  return url;
}

async function fetchJson(path, params) {
  const url = apiUrl(path, params);
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`${url.pathname} answered ${response.status} ${response.statusText}`);
  }
  return response.json();
}

function setStatus(text, isError = false) {
  const el = document.getElementById('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  el.setAttribute('role', isError ? 'alert' : 'status');
}

function eventColourExpression() {
  const match = ['match', ['get', 'type']];
  for (const family of EVENT_FAMILIES) match.push(family.types, family.colour);
  match.push(OTHER_EVENT_COLOUR);
  return match;
}

function eventColour(type) {
  const family = EVENT_FAMILIES.find((f) => f.types.includes(type));
  return family ? family.colour : OTHER_EVENT_COLOUR;
}

// Road width in pixels by OSM class, at zoom 12 and zoom 17.
function roadWidth(scale) {
  return [
    'match', ['get', 'highway'],
    ['motorway', 'trunk'], 3.2 * scale,
    ['motorway_link', 'trunk_link', 'primary'], 2.6 * scale,
    ['primary_link', 'secondary'], 2.1 * scale,
    ['secondary_link', 'tertiary'], 1.6 * scale,
    ['tertiary_link', 'residential', 'unclassified', 'living_street'], 1.0 * scale,
    ['service', 'pedestrian'], 0.6 * scale,
    0.5 * scale,
  ];
}

// Grey diagonal hatching for cells with too little exposure to be ranked.
function hatchImage() {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const on = (x + y) % size < 2;
      const i = (y * size + x) * 4;
      data.set(on ? [110, 110, 110, 200] : [200, 200, 200, 60], i);
    }
  }
  return { width: size, height: size, data };
}

// Quantile breaks over the ranked cells' rates, strictly ascending, at most 4.
function rateBreaks(features) {
  const rates = features
    .filter((f) => f.properties.eligible && Number.isFinite(f.properties.rate_per_1000_vkm))
    .map((f) => f.properties.rate_per_1000_vkm)
    .sort((a, b) => a - b);
  if (rates.length === 0) return [];
  const breaks = [];
  for (let k = 1; k < RATE_COLOURS.length; k += 1) {
    const value = rates[Math.floor((k * rates.length) / RATE_COLOURS.length)];
    if (value > rates[0] && (breaks.length === 0 || value > breaks[breaks.length - 1])) {
      breaks.push(value);
    }
  }
  return breaks;
}

// The palette spread over as many classes as there are breaks + 1, lightest to darkest.
function classColours(breaks) {
  const n = breaks.length + 1;
  if (n === 1) return [RATE_COLOURS[2]];
  const last = RATE_COLOURS.length - 1;
  return Array.from({ length: n }, (_, i) => RATE_COLOURS[Math.round((i * last) / (n - 1))]);
}

function rateColourExpression(breaks) {
  const colours = classColours(breaks);
  if (breaks.length === 0) return colours[0];
  const step = ['step', ['to-number', ['get', 'rate_per_1000_vkm'], 0], colours[0]];
  breaks.forEach((b, i) => step.push(b, colours[i + 1]));
  return step;
}

function legendItem(swatchClass, style, text) {
  const li = document.createElement('li');
  const swatch = document.createElement('span');
  swatch.className = `swatch ${swatchClass}`;
  swatch.setAttribute('aria-hidden', 'true');
  Object.assign(swatch.style, style);
  const label = document.createElement('span');
  label.textContent = text;
  li.append(swatch, label);
  return li;
}

function renderRateLegend(breaks) {
  const list = document.getElementById('legend-rate');
  const colours = classColours(breaks);
  const items = [];
  if (breaks.length === 0) {
    items.push(legendItem('fill', { background: colours[0] }, 'Ranked cells'));
  } else {
    colours.forEach((colour, i) => {
      let text;
      if (i === 0) text = `< ${rateFormat.format(breaks[0])}`;
      else if (i === breaks.length) text = `≥ ${rateFormat.format(breaks[i - 1])}`;
      else text = `${rateFormat.format(breaks[i - 1])} – ${rateFormat.format(breaks[i])}`;
      items.push(legendItem('fill', { background: colour }, text));
    });
  }
  items.push(legendItem('hatch', {}, 'Too little exposure to rank'));
  items.push(legendItem('outline', {}, `Top ${TOP_N} cells`));
  list.replaceChildren(...items);
}

function renderEventLegend(types) {
  const list = document.getElementById('legend-events');
  const items = [];
  for (const family of EVENT_FAMILIES) {
    const present = family.types.filter((t) => types.includes(t));
    if (present.length > 0) {
      items.push(legendItem('dot', { background: family.colour }, `${family.label} (${present.join(', ')})`));
    }
  }
  const known = new Set(EVENT_FAMILIES.flatMap((f) => f.types));
  const others = types.filter((t) => !known.has(t));
  if (others.length > 0) {
    items.push(legendItem('dot', { background: OTHER_EVENT_COLOUR }, `Other (${others.join(', ')})`));
  }
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No events stored yet.';
    items.push(li);
  }
  list.replaceChildren(...items);
}

function cellCentre(feature) {
  const ring = feature.geometry.coordinates[0];
  const n = ring.length > 1 ? ring.length - 1 : ring.length;
  let lon = 0;
  let lat = 0;
  for (let i = 0; i < n; i += 1) {
    lon += ring[i][0];
    lat += ring[i][1];
  }
  return [lon / n, lat / n];
}

// A top cell is ranked among the first TOP_N and has at least one event: a ranked cell
// without events is exposure, not a hotspot.
function isTopCell(p) {
  return Number.isInteger(p.rank) && p.rank <= TOP_N && p.events > 0;
}

function renderTopCells(map, features) {
  const list = document.getElementById('top-cells');
  const top = features
    .filter((f) => isTopCell(f.properties))
    .sort((a, b) => a.properties.rank - b.properties.rank);
  if (top.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No ranked cell has events of this type.';
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(...top.map((f) => {
    const p = f.properties;
    const li = document.createElement('li');
    li.value = p.rank;
    const button = document.createElement('button');
    button.type = 'button';
    const events = `${numberFormat.format(p.events)} event${p.events === 1 ? '' : 's'}`;
    button.textContent = `${rateFormat.format(p.rate_per_1000_vkm)} / 1,000 vkm · ${events}`;
    button.setAttribute('aria-label',
      `Rank ${p.rank}: ${rateFormat.format(p.rate_per_1000_vkm)} events per 1,000 vehicle-km, `
      + `${events}; show on map`);
    button.addEventListener('click', () => {
      const centre = cellCentre(f);
      map.easeTo({ center: centre, zoom: Math.max(map.getZoom(), 16) });
      showCellPopup(map, centre, p);
    });
    li.append(button);
    return li;
  }));
}

function popupContent(title, rows) {
  const root = document.createElement('div');
  root.className = 'popup';
  const h = document.createElement('h3');
  h.textContent = title;
  const dl = document.createElement('dl');
  for (const [key, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = key;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dl.append(dt, dd);
  }
  root.append(h, dl);
  return root;
}

function orDash(value, format) {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : format(value);
}

let popup = null;

function openPopup(map, lngLat, content) {
  if (popup) popup.remove();
  popup = new Popup({ maxWidth: '280px', focusAfterOpen: true })
    .setLngLat(lngLat)
    .setDOMContent(content)
    .addTo(map);
}

function showEventPopup(map, lngLat, p) {
  const time = new Date(p.time);
  const timeText = Number.isNaN(time.getTime())
    ? String(p.time)
    : time.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
  openPopup(map, lngLat, popupContent(p.type, [
    ['Time', timeText],
    ['Level', orDash(p.level, String)],
    ['Speed', orDash(p.speed_kmh, (v) => `${decimalFormat.format(v)} km/h`)],
    ['TTC', orDash(p.ttc_s, (v) => `${decimalFormat.format(v)} s`)],
    ['Headway', orDash(p.headway_s, (v) => `${decimalFormat.format(v)} s`)],
    ['Vehicle', String(p.vehicle)],
  ]));
}

function showCellPopup(map, lngLat, p) {
  openPopup(map, lngLat, popupContent(p.rank ? `Cell rank ${p.rank}` : 'Cell (not ranked)', [
    ['Events', orDash(p.events, (v) => numberFormat.format(v))],
    ['Vehicle-km', orDash(p.vehicle_km, (v) => decimalFormat.format(v))],
    ['Rate', orDash(p.rate_per_1000_vkm, (v) => `${rateFormat.format(v)} / 1,000 vkm`)],
    ['H3 cell', String(p.cell)],
  ]));
}

function addLayers(map) {
  map.addImage('hatch', hatchImage(), { pixelRatio: 1 });
  map.addSource('roads', { type: 'geojson', data: EMPTY, attribution: OSM_ATTRIBUTION });
  map.addSource('hotspots', { type: 'geojson', data: EMPTY });
  map.addSource('events', { type: 'geojson', data: EMPTY });

  map.addLayer({
    id: 'hotspots-ineligible',
    type: 'fill',
    source: 'hotspots',
    filter: ['!=', ['get', 'eligible'], true],
    paint: { 'fill-pattern': 'hatch', 'fill-opacity': 0.45 },
  });
  map.addLayer({
    id: 'hotspots-fill',
    type: 'fill',
    source: 'hotspots',
    filter: ['==', ['get', 'eligible'], true],
    paint: { 'fill-color': RATE_COLOURS[0], 'fill-opacity': 0.62, 'fill-outline-color': '#ffffff' },
  });
  map.addLayer({
    id: 'roads-line',
    type: 'line',
    source: 'roads',
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: {
      'line-color': ['match', ['get', 'highway'],
        ['motorway', 'trunk', 'primary', 'motorway_link', 'trunk_link'], '#5f5f5f',
        ['secondary', 'tertiary', 'primary_link', 'secondary_link'], '#7a7a7a',
        '#9a9a9a'],
      'line-width': ['interpolate', ['exponential', 1.6], ['zoom'],
        12, roadWidth(0.6), 17, roadWidth(4)],
    },
  });
  const topFilter = ['all',
    ['<=', ['coalesce', ['get', 'rank'], 1e9], TOP_N],
    ['>', ['coalesce', ['get', 'events'], 0], 0]];
  map.addLayer({
    id: 'hotspots-top-halo',
    type: 'line',
    source: 'hotspots',
    filter: topFilter,
    paint: { 'line-color': '#ffffff', 'line-width': 5 },
  });
  map.addLayer({
    id: 'hotspots-top',
    type: 'line',
    source: 'hotspots',
    filter: topFilter,
    paint: { 'line-color': '#1a1a1a', 'line-width': 2.2 },
  });
  map.addLayer({
    id: 'events-circle',
    type: 'circle',
    source: 'events',
    paint: {
      'circle-color': eventColourExpression(),
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 3, 17, 7],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1,
    },
  });

  map.on('click', (e) => {
    const pad = 4;
    const box = [[e.point.x - pad, e.point.y - pad], [e.point.x + pad, e.point.y + pad]];
    const events = map.queryRenderedFeatures(box, { layers: ['events-circle'] });
    if (events.length > 0) {
      showEventPopup(map, events[0].geometry.coordinates, events[0].properties);
      return;
    }
    const cells = map.queryRenderedFeatures(e.point, { layers: ['hotspots-fill', 'hotspots-ineligible'] });
    if (cells.length > 0) showCellPopup(map, e.lngLat, cells[0].properties);
  });
  map.on('mouseenter', 'events-circle', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'events-circle', () => { map.getCanvas().style.cursor = ''; });
}

function boundsOf(collection) {
  const bounds = new LngLatBounds();
  const visit = (coords) => {
    if (typeof coords[0] === 'number') bounds.extend(coords);
    else coords.forEach(visit);
  };
  for (const f of collection.features) if (f.geometry) visit(f.geometry.coordinates);
  return bounds.isEmpty() ? null : bounds;
}

function drawnCount(collection) {
  return collection.features.filter((f) => f.geometry).length;
}

function waitIdle(map) {
  return new Promise((resolve) => { map.once('idle', resolve); });
}

async function fetchLayers(eventType) {
  const [hotspots, events] = await Promise.all([
    fetchJson('v1/map/hotspots', { event_type: eventType, resolution: HOTSPOT_RESOLUTION }),
    fetchJson('v1/map/events', { event_type: eventType, limit: EVENT_LIMIT }),
  ]);
  return { hotspots, events };
}

function drawLayers(map, { hotspots, events }) {
  const breaks = rateBreaks(hotspots.features);
  map.setPaintProperty('hotspots-fill', 'fill-color', rateColourExpression(breaks));
  renderRateLegend(breaks);
  renderTopCells(map, hotspots.features);
  map.getSource('hotspots').setData(hotspots);
  map.getSource('events').setData(events);
}

function fillSummary(summary) {
  document.getElementById('sum-vehicles').textContent = numberFormat.format(summary.vehicles);
  document.getElementById('sum-positions').textContent = numberFormat.format(summary.positions);
  document.getElementById('sum-events').textContent = numberFormat.format(summary.events);
  document.getElementById('sum-vkm').textContent = decimalFormat.format(summary.vehicle_km);
  const select = document.getElementById('event-type');
  const byType = summary.events_by_type || {};
  for (const type of summary.event_types) {
    const option = document.createElement('option');
    option.value = type;
    option.textContent = byType[type] === undefined ? type : `${type} (${numberFormat.format(byType[type])})`;
    select.append(option);
  }
  renderEventLegend(summary.event_types);
}

function describe(counts, eventType) {
  const what = eventType === 'ALL' ? 'all event types' : eventType;
  return `${numberFormat.format(counts.events)} events and ${numberFormat.format(counts.hotspots)} `
    + `cells shown for ${what}.`;
}

function fail(error) {
  state.error = String(error && error.message ? error.message : error);
  setStatus(`Could not load the dashboard: ${state.error}`, true);
  console.error(error);
}

async function main() {
  const map = new MapLibreMap({
    container: 'map',
    style: {
      version: 8,
      sources: {},
      layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f2f1ec' } }],
    },
    center: [24.944, 60.171],
    zoom: 13,
    attributionControl: { compact: false },
  });
  state.map = map;
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('error', (e) => fail(e.error || e));

  const loaded = new Promise((resolve) => { map.once('load', resolve); });
  const [summary, roads] = await Promise.all([
    fetchJson('v1/summary'),
    fetchJson('v1/map/roads'),
    loaded,
  ]);
  addLayers(map);
  fillSummary(summary);
  map.getSource('roads').setData(roads);
  const bounds = boundsOf(roads);
  if (bounds) map.fitBounds(bounds, { padding: 24, animate: false });

  const select = document.getElementById('event-type');
  const { hotspots, events } = await fetchLayers('ALL');
  drawLayers(map, { hotspots, events });
  await waitIdle(map);
  state.counts = { roads: drawnCount(roads), hotspots: drawnCount(hotspots), events: drawnCount(events) };
  state.ready = true;
  setStatus(describe(state.counts, 'ALL'));
  select.disabled = false;

  let pending = 0;
  select.addEventListener('change', async () => {
    const eventType = select.value;
    pending += 1;
    const mine = pending;
    state.ready = false;
    state.filter = eventType;
    setStatus(`Loading ${eventType === 'ALL' ? 'all event types' : eventType}…`);
    if (popup) popup.remove();
    try {
      const loadedData = await fetchLayers(eventType);
      if (mine !== pending) return; // a later change is on its way
      drawLayers(map, loadedData);
      await waitIdle(map);
      if (mine !== pending) return;
      state.counts = {
        roads: state.counts.roads,
        hotspots: drawnCount(loadedData.hotspots),
        events: drawnCount(loadedData.events),
      };
      state.ready = true;
      setStatus(describe(state.counts, eventType));
    } catch (error) {
      fail(error);
    }
  });
}

main().catch(fail);
