// AntiNex Cluster dashboard: plain browser JavaScript, no framework, no outside resources.
// Every value from the server reaches the page through textContent or an attribute set by the DOM API, never as
// HTML, so a label like "<img onerror=...>" shows as text.
'use strict';

const KEY_ITEM = 'antinex.apiKey';
const REFRESH_MS = 3000;
// A read the service has not answered by then counts as failed: a stalled gateway or a dropped connection would otherwise
// hold the refresh loop while the page still says "connected". The service's own cluster asks give up after a minute.
const READ_TIMEOUT_MS = 15000;
const state = { key: sessionStorage.getItem(KEY_ITEM) || '', models: [], selected: null, shownPlots: '', timer: 0, blobs: [],
  cards: new Map(), streams: new Map() };
// Live event streams open at once. A browser holds six connections to one plain-http host, shared by its tabs: more
// streams would leave the page's own requests waiting until a training ends. Other cards follow the job list.
const MAX_STREAMS = 2;

const $ = id => document.getElementById(id);

/** Builds an element: el('td', {className: 'num'}, 'text', childNode). Strings become text nodes. */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fixed(value, digits) {
  return typeof value === 'number' && isFinite(value) ? value.toFixed(digits) : '';
}

// ---- talking to the service -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function authHeaders(extra) {
  return Object.assign({ Authorization: 'Bearer ' + state.key }, extra || {});
}

async function api(path, options) {
  const read = !options || !options.method || options.method === 'GET';
  const signal = read ? AbortSignal.timeout(READ_TIMEOUT_MS) : undefined;
  let response;
  try {
    response = await fetch(path, Object.assign({ cache: 'no-store', signal }, options, { headers: authHeaders(options && options.headers) }));
  } catch (e) {
    if (e && e.name === 'TimeoutError') throw new ApiError(0, `no answer within ${READ_TIMEOUT_MS / 1000} s`);
    throw e;
  }
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, describeIssues(message, body));
  }
  return body;
}

function describeIssues(message, body) {
  const issues = body && Array.isArray(body.issues) ? body.issues : [];
  const lines = issues.map(i => (i && typeof i === 'object') ? `${i.field || ''}: ${i.problem || i.message || JSON.stringify(i)}` : String(i));
  // A message that already spells an issue out (often the only one) is not repeated under it.
  return [message, ...lines.filter(line => !String(message).includes(line))].join('\n');
}

/** Reads Server-Sent Events over fetch (EventSource cannot send the Authorization header); after lastId (the id of
 * the last event handled) only what came later is sent. */
async function readEvents(path, onEvent, signal, lastId) {
  const headers = authHeaders({ Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) });
  const response = await fetch(path, { headers, cache: 'no-store', signal });
  if (!response.ok || !response.body) throw new ApiError(response.status, `progress stream: ${response.status} ${response.statusText}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message', id = null;
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        else if (line.startsWith('id:')) id = line.slice(3).trim();
      }
      if (data.length === 0 || type === 'keepalive') continue;
      let parsed = null;
      try { parsed = JSON.parse(data.join('\n')); } catch { parsed = data.join('\n'); }
      if (onEvent(type, parsed, id) === false) { reader.cancel(); return; }
    }
  }
}

// ---- connection -------------------------------------------------------------------------------------------------

function setStatus(text, kind) {
  const status = $('status');
  status.textContent = text;
  status.className = 'status' + (kind ? ' ' + kind : '');
}

async function connect(key) {
  clearTimeout(state.timer);
  state.key = key;
  try {
    await refresh();
    sessionStorage.setItem(KEY_ITEM, key);
    $('main').hidden = false;
    $('disconnect').hidden = false;
    $('key-entry').hidden = true;
    $('api-key').value = '';
    schedule();
  } catch (e) {
    showDisconnected(e);
    // Not a refused key but a service that is away (restarting, its cluster not up yet): try again, as a refresh would.
    if (!refused(e)) state.timer = setTimeout(() => { if (state.key === key) connect(key); }, REFRESH_MS);
  }
}

/** The service refused the key itself (unknown, revoked, or no longer allowed to read). */
function refused(e) {
  return e instanceof ApiError && (e.status === 401 || e.status === 403);
}

function disconnect() {
  clearTimeout(state.timer);
  forgetJobs();
  sessionStorage.removeItem(KEY_ITEM);
  state.key = '';
  state.selected = null;
  $('main').hidden = true;
  $('disconnect').hidden = true;
  $('key-entry').hidden = false;
  setStatus('not connected');
}

function showDisconnected(e) {
  clearTimeout(state.timer);
  $('main').hidden = true;
  $('key-entry').hidden = false;
  setStatus(refused(e) ? 'key refused: ' + e.message : 'cannot reach the service (trying again): ' + e.message, 'bad');
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    try { await refresh(); } catch (e) {
      if (refused(e)) { showDisconnected(e); return; }
      setStatus('refresh failed, showing the data of the last refresh: ' + e.message, 'bad');
    }
    schedule();
  }, REFRESH_MS);
}

async function refresh() {
  // The cluster view is the key check: it needs only the 'read' scope.
  const cluster = await api('/api/cluster');
  const [models, stats] = await Promise.all([
    // A failed list keeps the last one on the page (and the selected model, and the predict choice), with a note.
    api('/api/models').catch(e => ({ models: null, unreachable: [], error: e.message })),
    api('/api/dashboard/predict-stats').catch(() => null),
  ]);
  if (!models || models.models) state.models = (models && models.models) || [];
  renderMembers(cluster, state.models);
  renderModels(models);
  renderPredictStats(stats);
  renderPredictChoices();
  await refreshJobs();
  await renderDetail();
  setStatus('connected', 'ok');
  $('refreshed').textContent = 'updated ' + new Date().toLocaleTimeString();
}

// ---- cluster and models -----------------------------------------------------------------------------------------

function nodeOf(address) {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1) : address;
}

// A node may hold hundreds of models: its row names a few and counts the rest (the models table lists them all), so the
// cluster view stays one screen.
const NAMED_PER_NODE = 5;

function renderMembers(cluster, models) {
  const body = $('members').tBodies[0];
  body.replaceChildren();
  for (const m of (cluster && cluster.members) || []) {
    const here = models.filter(d => d.node && nodeOf(m.address) === d.node).map(d => d.label).sort();
    const stateCell = el('td', {},
      el('span', { className: 'pill ' + (m.unreachable ? 'down' : m.status === 'Up' ? 'up' : '') }, m.unreachable ? 'unreachable' : m.status),
      m.leader ? el('span', { className: 'pill leader' }, 'leader') : null);
    body.append(el('tr', { dataset: { address: m.address } },
      el('td', {}, m.address),
      el('td', {}, (m.roles || []).map(r => el('span', { className: 'pill' }, r))),
      stateCell,
      el('td', { className: 'num' }, m.shards ?? ''),
      el('td', { className: 'num' }, m.entities ?? ''),
      el('td', {}, here.slice(0, NAMED_PER_NODE).map(l => el('span', { className: 'pill model' }, l)),
        here.length > NAMED_PER_NODE ? el('span', { className: 'muted more' }, `and ${here.length - NAMED_PER_NODE} more`) : null)));
  }
  $('cluster-note').textContent = cluster && cluster.shard_stats_error ? 'shard statistics incomplete: ' + cluster.shard_stats_error : '';
}

function quality(metrics) {
  if (!metrics) return '';
  const parts = [];
  if (metrics.accuracy != null) parts.push(`accuracy ${fixed(metrics.accuracy, 2)} %`);
  if (metrics.f1 != null) parts.push(`F1 ${fixed(metrics.f1, 3)}`);
  if (metrics.roc_auc != null) parts.push(`AUC ${fixed(metrics.roc_auc, 3)}`);
  if (metrics.r2 != null) parts.push(`R² ${fixed(metrics.r2, 4)}`);
  if (metrics.mse != null) parts.push(`MSE ${fixed(metrics.mse, 4)}`);
  if (metrics.mae != null) parts.push(`MAE ${fixed(metrics.mae, 4)}`);
  return parts.join(' · ');
}

function renderModels(list) {
  const body = $('models').tBodies[0];
  body.replaceChildren();
  const models = [...state.models].sort((a, b) => a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
  for (const d of models) {
    const row = el('tr', { className: 'model-row' + (d.label === state.selected ? ' selected' : ''), dataset: { label: d.label } },
      el('td', {}, d.label),
      el('td', { className: 'num' }, d.trained ? d.version : '-'),
      el('td', {}, (d.summary && d.summary.ml_type) || ''),
      el('td', { className: 'quality' }, quality(d.metrics)),
      el('td', {}, d.node || ''),
      el('td', {}, (d.state || '') + (d.loaded ? '' : ' (unloaded)')),
      el('td', { className: 'num' }, d.predictions_served ?? ''),
      el('td', {}, d.trained_utc ? d.trained_utc.replace('T', ' ').slice(0, 19) : ''));
    row.addEventListener('click', () => { state.selected = d.label; state.shownPlots = ''; renderModels(list); renderDetail(); });
    body.append(row);
  }
  const notes = [];
  if (models.length === 0) notes.push('No model yet: train one below, or run deploy/demo.sh.');
  if (list && list.error) notes.push(`models: ${list.error} (the last list is shown)`);
  if (list && list.unreachable && list.unreachable.length) notes.push('did not answer: ' + list.unreachable.join(', '));
  $('models-note').textContent = notes.join(' ');
}

function renderPredictStats(stats) {
  const dl = $('predict-stats');
  dl.replaceChildren();
  if (!stats) { dl.append(el('dt', {}, 'not available')); return; }
  const rows = [
    // A key limited to some labels sees their traffic only: name them, so nobody reads it as the gateway's.
    ...(stats.labels && stats.labels !== '*' ? [['models', stats.labels]] : []),
    ['requests / s', fixed(stats.per_second, 2)],
    ['latency p50', stats.p50_ms == null ? '-' : fixed(stats.p50_ms, 2) + ' ms'],
    ['latency p99', stats.p99_ms == null ? '-' : fixed(stats.p99_ms, 2) + ' ms'],
    ['requests', stats.requests],
    ['errors', stats.errors],
  ];
  for (const [name, value] of rows) dl.append(el('dt', {}, name), el('dd', {}, value));
}

// ---- one model: metrics, confusion matrix, plots ----------------------------------------------------------------

async function renderDetail() {
  const d = state.models.find(m => m.label === state.selected);
  const section = $('model-detail');
  if (!d) { section.hidden = true; return; }
  section.hidden = false;
  $('detail-label').textContent = `${d.label} (version ${d.version}, on ${d.node || 'no node'})`;
  let m = d.metrics || {};
  // The model list carries summary metrics only; the confusion matrix comes with the model's own description.
  if (!m.confusion_matrix && !(d.summary && d.summary.ml_type === 'regression')) {
    try {
      const full = await api(`/api/models/${encodeURIComponent(d.label)}`);
      if (full && full.metrics && state.selected === d.label) m = full.metrics;
    } catch { /* the list's metrics still show */ }
  }
  const facts = [
    ['accuracy', m.accuracy != null ? fixed(m.accuracy, 2) + ' %' : null], ['precision', fixed(m.precision, 3) || null],
    ['recall', fixed(m.recall, 3) || null], ['F1', fixed(m.f1, 3) || null], ['ROC AUC', fixed(m.roc_auc, 3) || null],
    ['MSE', fixed(m.mse, 4) || null], ['MAE', fixed(m.mae, 4) || null], ['R²', fixed(m.r2, 4) || null],
    ['cross-validation', m.cv_mean != null ? `${cvNumber(m.cv_mean)} ± ${cvNumber(m.cv_std)}` : null],
    ['train / test rows', m.train_rows != null ? `${m.train_rows} / ${m.test_rows}` : null],
  ].filter(([, v]) => v !== null && v !== '');
  $('detail-metrics').replaceChildren(...facts.map(([k, v]) => el('span', {}, k + ' ', el('b', {}, v))));
  renderConfusion(m);
  const key = `${d.label}@${d.version}`;
  if (state.shownPlots === key) return;
  state.shownPlots = key;
  await renderPlots(d.label);
}

// Cross-validation scores are accuracy in percent for classification, a fraction-sized error or R² for regression.
function cvNumber(value) {
  return Math.abs(value) >= 10 ? fixed(value, 2) : fixed(value, 4);
}

function renderConfusion(m) {
  const box = $('confusion');
  box.replaceChildren();
  const matrix = m && m.confusion_matrix;
  if (!Array.isArray(matrix) || matrix.length === 0) return;
  const names = matrix.map((_, i) => (m.class_names && m.class_names[i] != null) ? m.class_names[i] : String(i));
  // Long class names stand upright over their column, so sixteen classes fit the page instead of scrolling sideways.
  const upright = names.some(n => n.length > 8);
  const head = el('tr', {}, el('th', {}, 'actual \\ predicted'),
    names.map(n => el('th', { className: upright ? 'upright' : '', title: n }, n)));
  const rows = matrix.map((r, i) => el('tr', {}, el('th', {}, names[i]),
    r.map((count, j) => el('td', { className: i === j ? 'diag' : count === 0 ? 'zero' : 'miss' }, count))));
  box.append(el('table', { id: 'confusion-table' }, el('thead', {}, head), el('tbody', {}, rows)));
}

async function renderPlots(label) {
  const box = $('plots');
  for (const url of state.blobs) URL.revokeObjectURL(url);
  state.blobs = [];
  box.replaceChildren();
  $('plots-note').textContent = '';
  let listing;
  try {
    listing = await api(`/api/models/${encodeURIComponent(label)}/plots`);
  } catch (e) {
    $('plots-note').textContent = 'plots: ' + e.message;
    return;
  }
  if (state.selected !== label) return;
  $('plots-note').textContent = listing.note || '';
  for (const plot of listing.plots || []) {
    const response = await fetch(plot.url, { headers: authHeaders(), cache: 'no-store' });
    if (!response.ok || state.selected !== label) continue;
    const url = URL.createObjectURL(await response.blob());
    state.blobs.push(url);
    box.append(el('figure', {}, el('img', { src: url, alt: plot.title, className: 'plot-' + plot.kind }), el('figcaption', {}, plot.title)));
  }
}

// ---- training ---------------------------------------------------------------------------------------------------

async function submitTraining(event) {
  event.preventDefault();
  const error = $('train-error');
  error.textContent = '';
  const text = $('train-json').value.trim();
  try { JSON.parse(text); } catch (e) { error.textContent = 'not JSON: ' + e.message; return; }
  $('train-submit').disabled = true;
  try {
    const job = await api('/api/train', { method: 'POST', body: text, headers: { 'Content-Type': 'application/json' } });
    if (!state.cards.has(job.job_id)) watchJob(job);
  } catch (e) {
    error.textContent = e.message;
  } finally {
    $('train-submit').disabled = false;
  }
}

/** Follows trainings run through this service (from this page or any API client the key may see). */
async function refreshJobs() {
  let list;
  try { list = await api('/api/jobs?limit=8'); } catch { return; }
  const jobs = ((list && list.jobs) || []).slice(0, 8).reverse(); // oldest first: each new card goes on top
  // A card the list showed before and no longer does: the key lost the job's label (or eight newer jobs came). A card
  // from this page's own train form stays until a list has shown it: the list may have been read before the job began.
  const listed = new Set(jobs.map(job => job.job_id));
  for (const [id, card] of [...state.cards]) if (card.listed && !listed.has(id)) dropCard(id);
  for (const job of jobs) {
    const card = state.cards.get(job.job_id);
    const finished = job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
    if (!card) {
      if (finished) showFinishedJob(job);
      else watchJob(job);
    } else if (card.final || state.streams.has(job.job_id)) continue;
    else if (finished) showFinal(card, job);
    else if (state.streams.size < MAX_STREAMS) watchJob(job); // a stream is free again: follow it live
    else followListed(card, job);
  }
  for (const id of listed) { const card = state.cards.get(id); if (card) card.listed = true; }
}

/** A card without a stream, updated from the job list at each refresh. */
function followListed(card, job) {
  if (job.progress) showProgress(job.progress, card);
  else card.phase.textContent = job.state;
}

/** The list leaves results out (each carries up to 10,000 sample predictions): a succeeded job's comes from its own URL. */
async function showFinal(card, job) {
  if (job.error) { failed(card, job.error); return; }
  if (job.state !== 'succeeded') return;
  card.final = true; // asked once, even while the answer is on its way
  let full = job;
  if (!full.result) {
    try { full = await api(`/api/jobs/${encodeURIComponent(job.job_id)}`); } catch { card.final = false; return; }
  }
  if (full && full.result) completed(card, full.result);
}

function forgetJobs() {
  for (const controller of state.streams.values()) controller.abort();
  state.streams.clear();
  state.cards.clear();
  $('jobs').replaceChildren();
}

function jobCard(job) {
  const list = $('jobs');
  if (list.querySelector('p.muted')) list.replaceChildren();
  const card = {
    phase: el('span', { className: 'phase' }, job.state || 'submitted'),
    bar: el('progress', { max: 1, value: 0 }),
    detail: el('div', { className: 'muted detail' }, ''),
  };
  card.root = el('div', { className: 'job', dataset: { job: job.job_id } },
    el('div', { className: 'title' }, el('b', { className: 'job-label' }, job.label || ''), el('span', { className: 'muted' }, job.job_id)),
    card.phase, card.bar, card.detail);
  list.prepend(card.root);
  state.cards.set(job.job_id, card);
  while (list.children.length > 8) dropCard(list.lastElementChild.dataset.job);
  return card;
}

function dropCard(jobId) {
  state.streams.get(jobId)?.abort();
  state.streams.delete(jobId);
  state.cards.get(jobId)?.root.remove();
  state.cards.delete(jobId);
  const list = $('jobs');
  if (!list.children.length) list.append(el('p', { className: 'muted' }, 'No training to show.'));
}

function completed(card, reply) {
  card.final = true;
  card.root.classList.add('done');
  card.bar.value = card.bar.max;
  card.phase.textContent = reply.version != null ? `done: version ${reply.version} on ${reply.node}` : 'done';
  card.detail.textContent = quality((reply && reply.report) || {});
}

function failed(card, error) {
  card.final = true;
  card.root.classList.add('failed');
  card.phase.textContent = error.code === 'cancelled' ? 'cancelled' : `failed (${error.code})`;
  card.detail.textContent = describeIssues(error.message, error);
}

function showFinishedJob(job) {
  showFinal(jobCard(job), job);
}

function watchJob(job) {
  const card = state.cards.get(job.job_id) || jobCard(job);
  if (state.streams.size >= MAX_STREAMS) { followListed(card, job); return; }
  const controller = new AbortController();
  state.streams.set(job.job_id, controller);
  // The first stream replays the job's events from its start, so the bar fills in order (showing the current progress
  // first would send it backwards for the replay). A later one (after a drop, or a restart of the service) goes on
  // from the card's last event rather than replaying the whole training again.
  readEvents(job.events || `/api/jobs/${encodeURIComponent(job.job_id)}/events`, (type, data, id) => {
    if (id) card.lastEventId = id;
    if (type === 'queued') card.phase.textContent = `queued (position ${data.position})`;
    else if (type === 'started') card.phase.textContent = `started on ${data.node}`;
    else if (type === 'progress') showProgress(data, card);
    else if (type === 'completed') {
      completed(card, data);
      state.selected = job.label;
      state.shownPlots = '';
      refresh().catch(() => {});
      return false;
    } else if (type === 'failed') {
      failed(card, data);
      return false;
    }
    return true;
  }, controller.signal, card.lastEventId)
    .catch(e => { if (!controller.signal.aborted) card.detail.textContent = 'progress stream ended: ' + e.message; })
    // Ended without a final event (a drop, a revoked key): the job list takes over, and a later refresh may stream it again.
    .finally(() => { if (state.streams.get(job.job_id) === controller) state.streams.delete(job.job_id); });
}

function showProgress(p, card) {
  // One bar over the whole run: each cross-validation fold and the final fit count as one stage of `epochs` epochs.
  // The fit's progress says folds = 0 (it is outside cross-validation): the card remembers how many folds ran.
  card.folds = Math.max(card.folds || 0, p.folds || 0);
  const folds = card.folds, epochs = p.epochs || 0;
  const stages = folds + 1;
  const stage = p.phase === 'cv' ? Math.max(0, p.fold - 1) : p.phase === 'fit' ? folds : p.phase === 'evaluate' ? stages : 0;
  const done = epochs > 0 ? (stage * epochs + Math.min(p.epoch, epochs)) / (stages * epochs) : 0;
  card.bar.value = Math.min(1, p.phase === 'evaluate' ? 1 : done);
  const where = p.phase === 'cv' ? `fold ${p.fold}/${p.folds}, ` : '';
  card.phase.textContent = epochs > 0 ? `${p.phase}: ${where}epoch ${p.epoch}/${epochs}` : p.phase;
  const parts = epochs > 0 ? [`loss ${fixed(p.loss, 4)}`] : [];
  if (p.accuracy != null) parts.push(`accuracy ${fixed(p.accuracy <= 1 ? p.accuracy * 100 : p.accuracy, 2)} %`);
  if (p.val_loss != null) parts.push(`val loss ${fixed(p.val_loss, 4)}`);
  if (p.message) parts.push(p.message);
  card.detail.textContent = parts.join(' · ');
}

async function loadTrainFile() {
  const file = $('train-file').files[0];
  if (file) $('train-json').value = await file.text();
}

// ---- predicting -------------------------------------------------------------------------------------------------

function renderPredictChoices() {
  const select = $('predict-label');
  const current = select.value;
  const labels = state.models.filter(d => d.trained).map(d => d.label).sort();
  const same = labels.length === select.options.length && labels.every((l, i) => select.options[i].value === l);
  if (same) return;
  select.replaceChildren(...labels.map(l => el('option', { value: l }, l)));
  if (labels.includes(current)) select.value = current;
  else if (state.selected && labels.includes(state.selected)) select.value = state.selected;
}

function predictRequest(label, text) {
  const parsed = JSON.parse(text);
  if (!Array.isArray(parsed)) return parsed; // a whole AntiNex predict request, sent as it is
  const model = state.models.find(d => d.label === label);
  const summary = (model && model.summary) || {};
  return { label, ml_type: summary.ml_type || 'classification', predict_feature: summary.predict_feature, predict_rows: parsed };
}

async function submitPredict(event) {
  event.preventDefault();
  const error = $('predict-error');
  error.textContent = '';
  let request;
  try { request = predictRequest($('predict-label').value, $('predict-rows').value.trim()); } catch (e) {
    error.textContent = 'not JSON: ' + e.message;
    return;
  }
  $('predict-submit').disabled = true;
  try {
    const reply = await api('/api/predict', { method: 'POST', body: JSON.stringify(request), headers: { 'Content-Type': 'application/json' } });
    renderPrediction(reply);
  } catch (e) {
    error.textContent = e.message;
    $('predict-result').replaceChildren();
  } finally {
    $('predict-submit').disabled = false;
  }
}

function renderPrediction(reply) {
  const result = (reply && reply.result) || {};
  const samples = result.samples || [];
  const head = el('tr', {}, el('th', {}, 'row'), el('th', {}, 'predicted'), el('th', {}, 'class'), el('th', {}, 'probability'),
    el('th', {}, 'original'));
  const rows = samples.map(s => el('tr', {},
    el('td', { className: 'num' }, s.row), el('td', { className: 'num' }, s.predicted), el('td', {}, s.label_name || ''),
    el('td', { className: 'num' }, fixed(s.probability, 4)), el('td', { className: 'num' }, s.original ?? '')));
  $('predict-result').replaceChildren(
    el('p', { className: 'muted' }, `${reply.label} version ${reply.version} on ${reply.node}: ${result.summary || ''}`),
    el('table', { id: 'predictions' }, el('thead', {}, head), el('tbody', {}, rows)));
}

// ---- start ------------------------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('key-form').addEventListener('submit', e => { e.preventDefault(); const k = $('api-key').value.trim(); if (k) connect(k); });
  $('disconnect').addEventListener('click', disconnect);
  $('train-form').addEventListener('submit', submitTraining);
  $('train-file').addEventListener('change', loadTrainFile);
  $('predict-form').addEventListener('submit', submitPredict);
  if (state.key) connect(state.key);
});
