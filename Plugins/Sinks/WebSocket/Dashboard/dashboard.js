(() => {
'use strict';
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};
const root = document.body;
const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const needToken = root.dataset.auth === 'token' && !token;
const STORE = 'broker-dashboard';
const DEFAULTS = ['Speed', 'Gear', 'RPM', 'Throttle', 'Brake', 'Clutch', 'LapCurrentLapTime', 'LapLastLapTime',
  'LapBestLapTime', 'Lap', 'FuelLevel'];
// The race processor's per-car values (relative panel, gap columns), when a source provides them.
const RACE_VARS = ['CarIdxRelative', 'CarIdxGapToLeader', 'CarIdxGapToAhead', 'CarIdxLapsDown', 'CarIdxLivePosition',
  'CarIdxLapCompleted'];
const CAR_VARS = ['CarIdxPosition', 'CarIdxLap', 'CarIdxLapDistPct', 'CarIdxLastLapTime', 'CarIdxOnPitRoad', 'PlayerCarIdx',
  ...RACE_VARS];
const CAR_SET = new Set(CAR_VARS);
const FUEL_VARS = ['FuelLapsLeft', 'FuelToAdd'];
const RELATIVE_CARS = 3;  // cars shown ahead of and behind the player
const LABELS = {LapCurrentLapTime: 'Lap time', LapLastLapTime: 'Last lap', LapBestLapTime: 'Best lap',
  LapDistPct: 'Lap distance', FuelLevel: 'Fuel', FuelLevelPct: 'Fuel', SessionTime: 'Session time',
  PlayerCarPosition: 'Position'};
const COLOURS = {Throttle: '#35d07f', ThrottleRaw: '#35d07f', Brake: '#ff5252', BrakeRaw: '#ff5252',
  Clutch: '#4aa3ff', ClutchRaw: '#4aa3ff', RPM: '#ffb020'};
// Longest command to send: the sink closes a connection whose message exceeds max_message_bytes.
const MAX_COMMAND = Math.max(32, Math.min(3000, (Number(root.dataset.maxMessage) || 4096) - 16));
const SAMPLE_MS = 100;    // sparkline: one point per 100 ms
const POINTS = 240;       // ... 24 s of history
const dpr = Math.max(1, window.devicePixelRatio || 1);

const split = (s) => s.split(',').map((x) => x.trim()).filter((x, i, a) => x && a.indexOf(x) === i);
const stored = (() => { try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; } })();
const settings = Object.assign({speed: 'kmh'}, stored.settings);
let picks = params.has('vars') ? split(params.get('vars')) : Array.isArray(stored.picks) ? stored.picks.filter((x) => typeof x === 'string') : DEFAULTS.slice();
const save = () => { try { localStorage.setItem(STORE, JSON.stringify({picks, settings})); } catch (e) { /* private mode */ } };

const catalogue = new Map();   // name -> {name, type, count, unit, desc, min, max, sources}
let tiles = new Map();         // name -> tile
const latest = new Map();      // name -> {v, source}
const subscribed = new Set();
const carData = new Map();     // source -> {CarIdxPosition: [...], ...}
const sessions = new Map();    // source -> {track, me, redline, drivers}
let sources = {};
let anyConnected = false;
let carSource = null;
let ws = null, attempt = 0, retryAt = 0, retryTimer = 0, lastRx = 0, lastTelemetry = 0;
let fuelDirty = false;
let standingsDirty = false, standingsAt = 0, varsTimer = 0, sessionTimer = 0, noticeTimer = 0;

// ---------- connection ----------
function socketURL() {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + (root.dataset.wsPath || '/') +
    (token ? '?token=' + encodeURIComponent(token) : '');
}

function connect() {
  clearTimeout(retryTimer);
  retryTimer = 0;
  if (ws || needToken) return;
  let sock;
  try { sock = new WebSocket(socketURL()); } catch (e) { retry(); return; }
  ws = sock;
  sock.onopen = () => {
    attempt = 0;
    lastRx = lastTelemetry = Date.now();
    notice('');
    subscribed.clear();
    send('vars');
    send('events on');
    send('sessioninfo');
    updateConnection();
  };
  sock.onmessage = (e) => {
    lastRx = Date.now();
    if (typeof e.data === 'string') receive(e.data);
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    ws = null;
    retry();
  };
  updateConnection();
}

function retry() {
  subscribed.clear();
  anyConnected = false;
  const delay = Math.min(15000, 500 * 2 ** Math.min(attempt, 5)) * (0.8 + Math.random() * 0.4);
  attempt++;
  retryAt = Date.now() + delay;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
  if (attempt >= 3) notice('Cannot reach the broker at ' + location.host + '; retrying.' + (token ? ' Check the token.' : ''));
  updateConnection();
}

function send(text) {
  if (ws && ws.readyState === 1) ws.send(text);
}

// Commands have a size limit: long lists go out in several.
function sendList(command, names) {
  let line = '';
  for (const n of names) {
    if (line && line.length + n.length + 1 > MAX_COMMAND) { send(command + ' ' + line); line = ''; }
    line += (line ? ',' : '') + n;
  }
  if (line) send(command + ' ' + line);
}

function wakeUp() {
  if (!ws && !needToken && document.visibilityState !== 'hidden') { attempt = 0; connect(); }
}

// ---------- messages ----------
function receive(text) {
  let m;
  try { m = JSON.parse(text); } catch (e) { return; }
  if (!m || typeof m !== 'object') return;
  switch (m.type) {
    case 'telemetry': onTelemetry(m); break;
    case 'status': onStatus(m); break;
    case 'vars': onCatalogue(m.data); break;
    case 'sessionInfo': onSessionInfo(m); break;
    case 'event':
      if (m.name !== 'lap' && m.name !== 'split') {
        clearTimeout(sessionTimer);
        sessionTimer = setTimeout(() => send('sessioninfo'), 800);
      }
      break;
    case 'error': notice(String(m.message || 'error'), 6000); break;
  }
}

function onTelemetry(m) {
  const data = m.data;
  if (!data || typeof data !== 'object') return;
  lastTelemetry = Date.now();
  let cars = null;
  for (const k in data) {
    const v = data[k];
    const prev = latest.get(k);
    if (CAR_SET.has(k) && v !== null) {
      if (!cars) { cars = carData.get(m.source); if (!cars) carData.set(m.source, cars = {}); }
      cars[k] = v;
    }
    // A source that lacks a variable sends null; it must not blank another source's value.
    if (v === null && prev && prev.v !== null && prev.source !== m.source) continue;
    if (prev) { prev.v = v; prev.source = m.source; } else latest.set(k, {v, source: m.source});
    const t = tiles.get(k);
    if (t) { t.dirty = true; t.fresh = true; }
    if (k === 'FuelLapsLeft' || k === 'FuelToAdd') fuelDirty = true;
  }
  if (cars) {
    standingsDirty = true;
    if (cars.CarIdxPosition || cars.CarIdxLap) carSource = m.source;
    if ('PlayerCarIdx' in data) for (const t of tiles.values()) if (t.perCar) t.dirty = true;
  }
}

function onStatus(m) {
  const was = JSON.stringify(sources);
  sources = m.sources && typeof m.sources === 'object' ? m.sources : {};
  anyConnected = !!m.connected;
  const box = $('sources');
  const pills = [];
  const down = [];
  for (const id of Object.keys(sources)) {
    const s = sources[id] || {};
    const pill = el('span', 'src' + (s.connected ? ' on' : ''));
    pill.append(el('i'), document.createTextNode(s.type && s.type !== id ? id + ' · ' + s.type : id));
    if (s.reason) pill.title = String(s.reason);
    pills.push(pill);
    if (!s.connected) down.push(id + (s.reason ? ': ' + s.reason : ''));
  }
  box.replaceChildren(...pills);
  if (!anyConnected && down.length) notice('Waiting for a source. ' + down.join('; '));
  else if (anyConnected) notice('');
  // A source that connects may declare variables beyond the catalogue.
  if (was !== JSON.stringify(sources) && catalogue.size) {
    clearTimeout(varsTimer);
    varsTimer = setTimeout(() => { send('vars'); send('sessioninfo'); }, 500);
  }
  updateConnection();
}

function onCatalogue(list) {
  if (!Array.isArray(list)) return;
  catalogue.clear();
  for (const v of list) if (v && typeof v.name === 'string') catalogue.set(v.name, v);
  buildTiles();
  subscribe();
  if (!$('picker').hidden) renderList();
}

function subscribe() {
  const want = new Set();
  for (const n of picks) if (catalogue.has(n)) want.add(n);
  for (const n of CAR_VARS.concat(FUEL_VARS)) if (provided(n)) want.add(n);
  const drop = [...subscribed].filter((n) => !want.has(n));
  const add = [...want].filter((n) => !subscribed.has(n));
  drop.forEach((n) => subscribed.delete(n));
  add.forEach((n) => subscribed.add(n));
  sendList('unsub', drop);
  sendList('sub', add);
}

// A variable some connected source declares (`vars`): the race panels show only for those.
function provided(name) {
  const v = catalogue.get(name);
  return !!(v && v.sources && v.sources.length);
}

function onSessionInfo(m) {
  const d = m.data && typeof m.data === 'object' ? m.data : {};
  const di = d.DriverInfo || {};
  const wi = d.WeekendInfo || {};
  const drivers = new Map();
  if (Array.isArray(di.Drivers)) {
    for (const x of di.Drivers) {
      if (!x || typeof x.CarIdx !== 'number') continue;
      drivers.set(x.CarIdx, {
        name: String(x.UserName || x.AbbrevName || 'Car ' + x.CarIdx),
        number: x.CarNumber != null ? String(x.CarNumber) : '',
        skip: x.CarIsPaceCar == 1 || x.IsSpectator == 1,
      });
    }
  }
  sessions.set(m.source, {
    track: String(wi.TrackDisplayName || wi.TrackName || ''),
    me: typeof di.DriverCarIdx === 'number' ? di.DriverCarIdx : null,
    redline: Number(di.DriverCarRedLine) || 0,
    drivers,
  });
  const s = sessions.get(carSource) || [...sessions.values()].find((x) => x.track) || {};
  $('track').textContent = s.track || '';
  standingsDirty = true;
  for (const t of tiles.values()) t.dirty = true;
}

// ---------- formatting ----------
function fixed(x, digits) {
  const s = x.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

function lapTime(x) {
  if (typeof x !== 'number' || x <= 0) return '–';
  const m = Math.floor(x / 60);
  const s = x - m * 60;
  return m ? m + ':' + (s < 10 ? '0' : '') + s.toFixed(3) : s.toFixed(3);
}

function clock(x) {
  if (typeof x !== 'number' || x < 0) return '–';
  const t = Math.floor(x);
  const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
  return (h ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + String(s).padStart(2, '0');
}

function decimalsFor(v) {
  if (v.type === 'int') return 0;
  const span = typeof v.max === 'number' && typeof v.min === 'number' ? v.max - v.min : NaN;
  if (!(span > 0)) return 2;
  return span >= 1000 ? 0 : span >= 50 ? 1 : span >= 2 ? 2 : 3;
}

const UNITS = {C: '°C', l: 'L', 'm/s^2': 'm/s²', 'kg/m^3': 'kg/m³', 'revs/min': 'rpm'};
const SPEEDS = {kmh: [3.6, 'km/h'], mph: [2.2369363, 'mph'], ms: [1, 'm/s']};

// How a variable is shown: its text, unit, bar and sparkline.
function kindOf(name, v) {
  if (!v) return {key: 'none', unit: '', text: () => '–'};
  const unit = UNITS[v.unit] || v.unit || '';
  const colour = COLOURS[name];
  if (v.type === 'bool') return {key: 'bool', unit: '', text: (x) => (x == null ? '–' : x ? 'ON' : 'OFF')};
  if (v.type === 'string') return {key: 'text', cls: 'text', unit: '', text: (x) => (x == null ? '–' : String(x))};
  if (v.type === 'bitfield') return {key: 'bits', unit: '', text: (x) => (typeof x === 'number' ? '0x' + (x >>> 0).toString(16) : '–')};
  if (/Gear$/.test(name) && v.type === 'int') {
    return {key: 'gear', cls: 'gear', unit: '', text: (x) => (typeof x !== 'number' ? '–' : x < 0 ? 'R' : x === 0 ? 'N' : String(x))};
  }
  if (v.unit === 's' && v.max > 3600) return {key: 'clock', cls: 'time', unit: '', text: clock};
  if (v.unit === 's' && /Time/.test(name)) return {key: 'lap', cls: 'time', unit: '', text: lapTime};
  if (v.unit === 'm/s' && /speed/i.test(name)) {
    const [factor, label] = SPEEDS[settings.speed] || SPEEDS.kmh;
    return {key: 'speed' + label, unit: label, spark: true, text: (x) => (typeof x === 'number' ? fixed(x * factor, 0) : '–')};
  }
  if (v.unit === '%' && v.min === 0 && v.max === 1) {
    return {key: 'pct', unit: '%', bar: true, spark: true, lo: 0, hi: 1, colour,
      text: (x) => (typeof x === 'number' ? fixed(x * 100, 0) : '–'), fraction: (x) => x};
  }
  if (v.unit === 'revs/min' || name === 'RPM') {
    return {key: 'rpm', unit: 'rpm', bar: true, spark: true, wide: true, colour: colour || '#ffb020', shift: true,
      text: (x) => (typeof x === 'number' ? fixed(x, 0) : '–'), fraction: (x) => x / (redline() || v.max || 10000)};
  }
  const digits = decimalsFor(v);
  return {key: 'num', unit, spark: v.type !== 'int', colour, text: (x) => (typeof x === 'number' ? fixed(x, digits) : '–')};
}

function redline() {
  const s = sessions.get((latest.get('RPM') || {}).source) || sessions.get(carSource);
  return s ? s.redline : 0;
}

function playerIndex(source) {
  const p = carData.get(source);
  if (p && typeof p.PlayerCarIdx === 'number') return p.PlayerCarIdx;
  const s = sessions.get(source);
  return s && s.me != null ? s.me : 0;
}

// ---------- tiles ----------
const sized = new Map(); // canvas -> tile
const resizer = typeof ResizeObserver === 'function' ? new ResizeObserver((entries) => {
  for (const e of entries) {
    const t = sized.get(e.target);
    if (!t) continue;
    t.w = Math.round(e.contentRect.width * dpr);
    t.h = Math.round(e.contentRect.height * dpr);
    e.target.width = t.w;
    e.target.height = t.h;
    drawSpark(t);
  }
}) : null;

function buildTiles() {
  const next = new Map();
  for (const name of picks) {
    const v = catalogue.get(name) || null;
    const kind = kindOf(name, v);
    let t = tiles.get(name);
    if (!t || t.kind.key !== kind.key) t = makeTile(name, v, kind);
    t.info = v;
    t.kind = kind;
    t.dirty = true;
    next.set(name, t);
  }
  for (const [name, t] of tiles) {
    if (next.get(name) !== t && t.canvas) { sized.delete(t.canvas); if (resizer) resizer.unobserve(t.canvas); }
  }
  tiles = next;
  const box = $('tiles');
  fuel.el.hidden = !(provided('FuelLapsLeft') || provided('FuelToAdd'));
  fuelDirty = true;
  if (!tiles.size) {
    const empty = el('div', 'empty', 'No variables picked. ');
    const b = el('button', null, 'Pick variables');
    b.type = 'button';
    b.onclick = openPicker;
    empty.append(b);
    box.replaceChildren(fuel.el, empty);
  } else {
    box.replaceChildren(fuel.el, ...[...tiles.values()].map((t) => t.el));
  }
}

// The fuel tile: laps the fuel on board lasts and the fuel to add to finish (the race processor's).
const fuel = (() => {
  const e = el('div', 'tile fuel');
  e.id = 'fuel';
  e.hidden = true;
  e.title = 'FuelLapsLeft and FuelToAdd: null until a first green lap is measured';
  const head = el('div', 'head');
  head.append(el('span', 'name', 'Fuel laps'), el('span', 'unit', 'laps'));
  const laps = el('div', 'val', '–');
  const add = el('div', 'add', '');
  e.append(head, laps, add);
  return {el: e, laps, add, lapsText: '–', addText: ''};
})();

function renderFuel() {
  if (fuel.el.hidden) return;
  const left = (latest.get('FuelLapsLeft') || {}).v, add = (latest.get('FuelToAdd') || {}).v;
  const lapsText = typeof left === 'number' ? fixed(left, 1) : '–';
  const addText = 'Add ' + (typeof add === 'number' ? fixed(add, 1) + ' L' : '–');
  if (lapsText !== fuel.lapsText) { fuel.lapsText = lapsText; fuel.laps.textContent = lapsText; }
  if (addText !== fuel.addText) { fuel.addText = addText; fuel.add.textContent = addText; }
}

function makeTile(name, v, kind) {
  const e = el('div', 'tile' + (kind.wide ? ' wide' : '') + (kind.cls ? ' ' + kind.cls : '') + (v ? '' : ' missing'));
  e.dataset.var = name;
  e.dataset.updates = '0';
  e.title = name + (v && v.desc ? ': ' + v.desc : v ? '' : ' (not in the catalogue)');
  const head = el('div', 'head');
  head.append(el('span', 'name', LABELS[name] || name), el('span', 'unit', kind.unit));
  const value = el('div', 'val', '–');
  e.append(head, value);
  const t = {name, info: v, kind, el: e, value, shown: '–', updates: 0, dirty: true, fresh: false, sampledAt: 0,
    perCar: name.startsWith('CarIdx') && v && v.count > 1, bar: null, fraction: -1, hot: false,
    canvas: null, ctx: null, points: new Float32Array(POINTS), count: 0, head: 0, w: 0, h: 0};
  if (kind.bar) {
    const track = el('div', 'bar');
    t.bar = el('i');
    if (kind.colour) t.bar.style.background = kind.colour;
    track.append(t.bar);
    e.append(track);
  }
  if (kind.spark && v && v.type !== 'string') {
    t.canvas = el('canvas');
    t.ctx = t.canvas.getContext('2d');
    e.append(t.canvas);
    sized.set(t.canvas, t);
    if (resizer) resizer.observe(t.canvas);
  }
  return t;
}

function valueOf(t) {
  const entry = latest.get(t.name);
  let x = entry ? entry.v : null;
  if (Array.isArray(x)) x = x[t.perCar ? playerIndex(entry.source) : x.length - 1];
  return x === undefined ? null : x;
}

function renderTile(t) {
  const x = valueOf(t);
  const text = t.kind.text(x);
  if (text !== t.shown) {
    t.shown = text;
    t.value.textContent = text;
    t.el.dataset.updates = String(++t.updates);
  }
  if (t.bar) {
    let f = typeof x === 'number' ? t.kind.fraction(x) : 0;
    f = Math.round(Math.min(1, Math.max(0, f || 0)) * 400) / 400;
    if (f !== t.fraction) {
      t.fraction = f;
      t.bar.style.transform = 'scaleX(' + f + ')';
      const hot = !!t.kind.shift && f >= 0.93;
      if (hot !== t.hot) { t.hot = hot; t.el.classList.toggle('hot', hot); }
    }
  }
}

function sample(t) {
  const x = valueOf(t);
  if (typeof x !== 'number') return;
  t.points[t.head] = x;
  t.head = (t.head + 1) % POINTS;
  if (t.count < POINTS) t.count++;
  drawSpark(t);
}

function drawSpark(t) {
  const c = t.ctx;
  if (!c || !t.w || !t.h) return;
  c.clearRect(0, 0, t.w, t.h);
  if (t.count < 2) return;
  const start = t.count < POINTS ? 0 : t.head;
  let lo = t.kind.lo, hi = t.kind.hi;
  if (lo == null) {
    lo = Infinity; hi = -Infinity;
    for (let i = 0; i < t.count; i++) { const v = t.points[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    if (hi - lo < 1e-6) { lo -= 1; hi += 1; }
  }
  const pad = 2 * dpr, dx = t.w / (POINTS - 1), dy = (t.h - 2 * pad) / (hi - lo);
  c.beginPath();
  for (let i = 0; i < t.count; i++) {
    const v = t.points[(start + i) % POINTS];
    const x = (POINTS - t.count + i) * dx, y = t.h - pad - (v - lo) * dy;
    if (i) c.lineTo(x, y); else c.moveTo(x, y);
  }
  c.lineWidth = 1.5 * dpr;
  c.lineJoin = 'round';
  c.strokeStyle = t.kind.colour || '#6fb6ff';
  c.stroke();
}

// ---------- standings ----------
const rows = [];

function cell(row, key, text) {
  if (row[key + 'Text'] !== text) { row[key + 'Text'] = text; row[key].textContent = text; }
}

function makeRow() {
  const r = {el: el('div', 'row'), me: false, pit: false, fraction: -1};
  for (const key of ['pos', 'num', 'name', 'lap']) r.el.append(r[key] = el('span', key));
  const track = el('span', 'prog');
  track.append(r.prog = el('i'));
  r.el.append(track, r.last = el('span', 'last'), r.gap = el('span', 'gap'), r.ahead = el('span', 'gap ahead'));
  return r;
}

// A gap in seconds, or whole laps for a car a lap or more down (its gap is null then).
function gapText(seconds, lapsDown) {
  if (typeof seconds === 'number') return fixed(seconds, 1);
  return typeof lapsDown === 'number' && lapsDown >= 1 ? '+' + lapsDown + 'L' : '–';
}

function signed(seconds) {
  return typeof seconds !== 'number' ? '–' : (seconds > 0 ? '+' : '') + fixed(seconds, 1);
}

function renderStandings() {
  const d = carSource ? carData.get(carSource) : null;
  const box = $('standings');
  const num = (a, i) => (Array.isArray(a) && typeof a[i] === 'number' ? a[i] : -1);
  const cars = [];
  if (d) {
    const s = sessions.get(carSource);
    const drivers = s ? s.drivers : new Map();
    const n = Math.max(...['CarIdxPosition', 'CarIdxLap', 'CarIdxLapDistPct'].map((k) => (Array.isArray(d[k]) ? d[k].length : 0)));
    // The race processor's live position (every frame) over the sim's (often only at the line).
    const positions = provided('CarIdxLivePosition') && Array.isArray(d.CarIdxLivePosition) ? d.CarIdxLivePosition : d.CarIdxPosition;
    for (let i = 0; i < n; i++) {
      const driver = drivers.get(i);
      const p = num(positions, i), l = num(d.CarIdxLap, i), f = num(d.CarIdxLapDistPct, i);
      if ((driver && driver.skip) || (p <= 0 && l < 0 && f < 0)) continue;
      cars.push({i, p, l, f, driver, distance: Math.max(l, 0) + Math.max(f, 0)});
    }
  }
  const show = cars.length > 0;
  if (box.hidden === show) { box.hidden = !show; root.classList.toggle('solo', !show); }
  renderRelative(d, cars);
  if (!show) return;
  const gaps = provided('CarIdxGapToLeader') && Array.isArray(d.CarIdxGapToLeader);
  if (gaps !== showingGaps) { showingGaps = gaps; box.classList.toggle('gaps', gaps); }
  cars.sort((a, b) => (a.p > 0 && b.p > 0 ? a.p - b.p : a.p > 0 ? -1 : b.p > 0 ? 1 : b.distance - a.distance));
  const list = $('rows');
  while (rows.length < cars.length) { const r = makeRow(); rows.push(r); list.append(r.el); }
  while (rows.length > cars.length) rows.pop().el.remove();
  const me = playerIndex(carSource);
  const pit = d.CarIdxOnPitRoad;
  cars.forEach((c, k) => {
    const r = rows[k];
    cell(r, 'pos', String(c.p > 0 ? c.p : k + 1));
    cell(r, 'num', c.driver && c.driver.number ? '#' + c.driver.number : '');
    cell(r, 'name', c.driver ? c.driver.name : 'Car ' + c.i);
    cell(r, 'lap', c.l >= 0 ? 'L' + c.l : '');
    cell(r, 'last', c.l >= 2 ? lapTime(num(d.CarIdxLastLapTime, c.i)) : '–'); // no last lap on the first
    if (gaps) {
      const down = Array.isArray(d.CarIdxLapsDown) ? d.CarIdxLapsDown[c.i] : null;
      cell(r, 'gap', gapText(d.CarIdxGapToLeader[c.i], down));
      cell(r, 'ahead', Array.isArray(d.CarIdxGapToAhead) ? gapText(d.CarIdxGapToAhead[c.i], null) : '–');
    }
    const f = Math.round(Math.max(0, c.f) * 200) / 200;
    if (f !== r.fraction) { r.fraction = f; r.prog.style.transform = 'scaleX(' + f + ')'; }
    const isMe = c.i === me, inPit = Array.isArray(pit) && pit[c.i] === true;
    if (isMe !== r.me) { r.me = isMe; r.el.classList.toggle('me', isMe); }
    if (inPit !== r.pit) { r.pit = inPit; r.el.classList.toggle('pit', inPit); }
  });
  const title = 'Standings' + (Object.keys(sources).length > 1 ? ' · ' + carSource : '');
  if (title !== standingsTitle) { standingsTitle = title; $('standings-title').textContent = title; }
}
let standingsTitle = '';
let showingGaps = false;

// ---------- relative ----------
const relRows = [];

function makeRelRow() {
  const r = {el: el('div', 'row'), cls: ''};
  for (const key of ['pos', 'num', 'name', 'pit', 'gap']) r.el.append(r[key] = el('span', key));
  return r;
}

// The player and the nearest cars ahead and behind on track by `CarIdxRelative` (ahead positive),
// coloured when a car is a lap or more ahead of the player in the race (lapping) or behind (lapped).
function renderRelative(d, cars) {
  const box = $('relative');
  const rel = d && provided('CarIdxRelative') && Array.isArray(d.CarIdxRelative) ? d.CarIdxRelative : null;
  const me = playerIndex(carSource);
  const player = cars.find((c) => c.i === me);
  const show = !!(rel && player);
  if (box.hidden === show) box.hidden = !show;
  if (!show) return;
  const near = cars.filter((c) => c.i !== me && typeof rel[c.i] === 'number');
  const ahead = near.filter((c) => rel[c.i] >= 0).sort((a, b) => rel[a.i] - rel[b.i]).slice(0, RELATIVE_CARS).reverse();
  const behind = near.filter((c) => rel[c.i] < 0).sort((a, b) => rel[b.i] - rel[a.i]).slice(0, RELATIVE_CARS);
  const shown = [...ahead, player, ...behind];
  const list = $('rel-rows');
  while (relRows.length < shown.length) { const r = makeRelRow(); relRows.push(r); list.append(r.el); }
  while (relRows.length > shown.length) relRows.pop().el.remove();
  const num = (name, i) => (Array.isArray(d[name]) && typeof d[name][i] === 'number' ? d[name][i] : null);
  const laps = (i) => num('CarIdxLapCompleted', i) ?? (num('CarIdxLap', i) != null ? num('CarIdxLap', i) - 1 : null);
  const distance = (i) => (laps(i) != null && num('CarIdxLapDistPct', i) != null ? laps(i) + num('CarIdxLapDistPct', i) : null);
  const pit = d.CarIdxOnPitRoad;
  shown.forEach((c, k) => {
    const r = relRows[k];
    cell(r, 'pos', c.p > 0 ? String(c.p) : '');
    cell(r, 'num', c.driver && c.driver.number ? '#' + c.driver.number : '');
    cell(r, 'name', c.driver ? c.driver.name : 'Car ' + c.i);
    cell(r, 'pit', Array.isArray(pit) && pit[c.i] === true ? 'PIT' : '');
    cell(r, 'gap', c.i === me ? '' : signed(rel[c.i]));
    // Race distance apart: laps plus lap distance, else the processor's laps down.
    let apart = distance(c.i) != null && distance(me) != null ? distance(c.i) - distance(me) : null;
    if (apart == null && num('CarIdxLapsDown', c.i) != null && num('CarIdxLapsDown', me) != null) {
      apart = num('CarIdxLapsDown', me) - num('CarIdxLapsDown', c.i);
    }
    const cls = 'row' + (c.i === me ? ' me' : apart == null ? '' : apart > 0.5 ? ' lapping' : apart < -0.5 ? ' lapped' : '');
    if (cls !== r.cls) { r.cls = cls; r.el.className = cls; }
  });
}

// ---------- status line ----------
let shownState = '';
function updateConnection() {
  let state, text;
  if (needToken) { state = 'off'; text = 'Token needed'; }
  else if (ws && ws.readyState === 1) {
    if (!anyConnected) { state = 'wait'; text = 'No source'; }
    else if (subscribed.size && Date.now() - lastTelemetry > 3000) { state = 'wait'; text = 'No data'; }
    else { state = 'live'; text = 'Live'; }
  } else if (ws) { state = 'wait'; text = 'Connecting…'; }
  else { state = 'off'; text = 'Offline · retry in ' + Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)) + ' s'; }
  const key = state + text;
  if (key === shownState) return;
  shownState = key;
  const c = $('conn');
  c.dataset.state = state;
  c.lastChild.textContent = text;
  root.classList.toggle('stale', state !== 'live');
}

function notice(text, ms) {
  const n = $('notice');
  clearTimeout(noticeTimer);
  if (n.textContent !== text) n.textContent = text;
  n.hidden = !text;
  if (text && ms) noticeTimer = setTimeout(() => { n.hidden = true; }, ms);
}

// ---------- picker ----------
function openPicker() {
  $('picker').hidden = false;
  renderList();
}

function closePicker() {
  $('picker').hidden = true;
}

function renderList() {
  const words = $('search').value.toLowerCase().split(/\s+/).filter(Boolean);
  const onlyProvided = $('provided').checked;
  const chosen = new Set(picks);
  const found = [];
  for (const v of catalogue.values()) {
    if (onlyProvided && !(v.sources && v.sources.length) && !chosen.has(v.name)) continue;
    const hay = (v.name + ' ' + (v.desc || '') + ' ' + (v.unit || '')).toLowerCase();
    if (words.every((w) => hay.includes(w))) found.push(v);
  }
  found.sort((a, b) => chosen.has(b.name) - chosen.has(a.name) || a.name.localeCompare(b.name));
  const items = found.slice(0, 250).map((v) => {
    const b = el('button', 'opt' + (chosen.has(v.name) ? ' on' : ''));
    b.type = 'button';
    b.dataset.name = v.name;
    b.append(el('b', null, v.name), el('span', 'u', (UNITS[v.unit] || v.unit || '') + (v.count > 1 ? ' [' + v.count + ']' : '')),
      el('small', null, v.desc || ''));
    return b;
  });
  if (!catalogue.size) items.push(el('p', 'muted', 'The catalogue loads once the broker is connected.'));
  $('list').replaceChildren(...items);
  $('count').textContent = picks.length + ' picked · ' + found.length + ' match' + (found.length > 250 ? ' (first 250 shown)' : '');
  for (const b of document.querySelectorAll('#speed button')) b.classList.toggle('on', b.dataset.unit === settings.speed);
}

function setPicks(next) {
  picks = next;
  save();
  buildTiles();
  subscribe();
}

// ---------- frame loop ----------
function frame(now) {
  requestAnimationFrame(frame);
  for (const t of tiles.values()) {
    if (t.dirty) { t.dirty = false; renderTile(t); }
    if (t.fresh && t.ctx && now - t.sampledAt >= SAMPLE_MS) { t.fresh = false; t.sampledAt = now; sample(t); }
  }
  if (fuelDirty) { fuelDirty = false; renderFuel(); }
  if (standingsDirty && now - standingsAt >= 250) { standingsDirty = false; standingsAt = now; renderStandings(); }
}

// ---------- wiring ----------
$('edit').onclick = openPicker;
$('done').onclick = closePicker;
$('picker').onclick = (e) => { if (e.target === $('picker')) closePicker(); };
$('search').oninput = renderList;
$('provided').onchange = renderList;
$('defaults').onclick = () => { setPicks(DEFAULTS.slice()); renderList(); };
$('list').onclick = (e) => {
  const b = e.target.closest('.opt');
  if (!b) return;
  const name = b.dataset.name;
  const on = !picks.includes(name);
  setPicks(on ? picks.concat(name) : picks.filter((n) => n !== name));
  b.classList.toggle('on', on);
  $('count').textContent = picks.length + ' picked';
};
$('speed').onclick = (e) => {
  const unit = e.target.dataset && e.target.dataset.unit;
  if (!unit) return;
  settings.speed = unit;
  save();
  buildTiles();
  renderList();
};
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closePicker(); });
document.addEventListener('visibilitychange', wakeUp);
window.addEventListener('online', wakeUp);
if (needToken) {
  const form = el('form', 'token');
  const input = el('input');
  input.name = 'token';
  input.type = 'password';
  input.placeholder = 'token';
  input.autocomplete = 'current-password';
  const go = el('button', null, 'Connect');
  form.append(el('span', null, 'This broker needs a token. '), input, go);
  $('notice').replaceChildren(form);
  $('notice').hidden = false;
}

setInterval(() => {
  if (ws && ws.readyState === 1) {
    const idle = Date.now() - lastRx;
    if (idle > 12000) { const s = ws; ws = null; s.close(); retry(); }
    else if (idle > 4000) send('ping');
  }
  updateConnection();
}, 1000);

buildTiles();
updateConnection();
connect();
requestAnimationFrame(frame);
})();
