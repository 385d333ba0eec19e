// The playground: plain browser JavaScript served as is (no build step, no CDN). It talks to the same HTTP API
// any client uses; the API key lives only in this page's memory. Document and answer text reach the page as text
// nodes only (never through innerHTML); the charts are SVG strings that escape their own labels.
import { citationPieces, withMissingMarkers } from '/playground/citations.js';
import { barChart, waterfall } from '/playground/svg-charts.js';

const $ = (id) => document.getElementById(id);
let apiKey = '';
let lastRequest = null;
/** The AbortController of the question being answered; null when none is. */
let current = null;
/** What failed for want of an API key (by name), run again once a key is entered. */
const needsKey = new Map();

/** An element with its children; strings become text nodes, so no text is ever read as HTML. */
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) e.setAttribute(name, value);
  e.append(...children.flat());
  return e;
}

function headers(json = true) {
  const out = json ? { 'content-type': 'application/json' } : {};
  if (apiKey) out.authorization = `Bearer ${apiKey}`;
  return out;
}

/** The status line; `from` names what wrote it, so that a later success of the same thing can clear it. */
function status(text, { error = false, from = '' } = {}) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
  $('status').dataset.from = from;
}

/** A failure, said in words the reader can act on, and whether asking again may help. */
class Failure extends Error {
  constructor(message, { retry = false, status = 0 } = {}) {
    super(message);
    this.retry = retry;
    this.status = status;
  }
}

/** Whether the same request may succeed later: the server failed or asked to wait; a refused request will not. */
const transient = (code) => code >= 500 || code === 429 || code === 408;

/** The failure an unsuccessful response stands for, with the server's own reason. */
async function failureOf(res) {
  const body = await res.json().catch(() => ({}));
  const reason = body.message ?? `status ${res.status}`;
  if (res.status === 401) return new Failure(`The server needs an API key (${reason}): enter it under "API key".`, { status: 401 });
  if (res.status === 429) {
    const wait = res.headers.get('retry-after');
    return new Failure(`Too many requests (${reason})${wait ? `: retry in ${wait} s` : ''}.`, { retry: true, status: 429 });
  }
  if (res.status >= 500) return new Failure(`The server could not answer (${res.status}: ${reason}).`, { retry: true, status: res.status });
  return new Failure(`The server refused the request: ${reason}.`, { retry: transient(res.status), status: res.status });
}

/** fetch, where a server that cannot be reached is said to be so (the browser only says "Failed to fetch"). */
async function send(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new Failure('Could not reach the server: it may be down, or the network is.', { retry: true });
  }
  if (!res.ok) throw await failureOf(res);
  return res;
}

async function loadTargets() {
  try {
    const res = await send('/v1/models', { headers: headers(false) });
    const { data } = await res.json();
    const select = $('target');
    select.replaceChildren(...data.map((m) => h('option', { value: `${m.kind === 'ensemble' ? 'ensemble' : 'pipeline'}:${m.id}` }, m.kind === 'ensemble' ? `${m.id} (ensemble)` : m.id)));
    if ($('status').dataset.from === 'targets') status('');
  } catch (err) {
    if (err.status === 401) {
      needsKey.set('targets', loadTargets);
      $('api-key').closest('details').open = true;
    }
    status(`Could not list the pipelines; the default one will answer. ${err.message}`, { error: true, from: 'targets' });
  }
}

/** Reads a server-sent-events body from a fetch response, calling onEvent(name, data) per event. */
async function readEvents(res, onEvent) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new Failure('The connection to the server broke off before the answer was complete.', { retry: true });
    }
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data !== undefined) onEvent(event, JSON.parse(data));
    }
  }
}

function reset() {
  for (const id of ['answer', 'confidence', 'plan', 'sources', 'members-chart', 'waterfall']) $(id).replaceChildren();
  $('members').querySelector('tbody').replaceChildren();
  $('retry-box').hidden = true;
}

function showPlan(plan) {
  const corrections = plan.corrections.length
    ? h('p', null, 'Corrections: ', plan.corrections.map((c, i) => [i ? ', ' : '', h('del', null, c.from), ' → ', h('ins', null, c.to)]))
    : h('p', { class: 'meta' }, 'No corrections.');
  $('plan').replaceChildren(
    h('p', null, 'Searched as: ', h('q', null, plan.corrected)),
    corrections,
    h('p', null, 'Sub-queries:'),
    h('ul', null, plan.subQueries.map((q) => h('li', null, q))),
  );
}

function showSources(passages) {
  $('sources').replaceChildren(
    ...passages.map((p, i) => {
      const path = [p.title, ...(p.headingPath ?? [])].filter(Boolean).join(' › ');
      return h(
        'li',
        { id: `source-${i + 1}` },
        h('strong', null, path || p.docId),
        ' ',
        h('span', { class: 'score' }, `score ${Number(p.score).toFixed(3)}`),
        h('div', { class: 'path' }, p.docId),
        h('div', null, p.text.slice(0, 400) + (p.text.length > 400 ? '…' : '')),
      );
    }),
  );
}

/** The answer with its citation markers as links to the sources shown; numbers that point at none stay text. */
function showAnswer(text) {
  const passages = $('sources').children.length;
  $('answer').replaceChildren(
    ...citationPieces(text, passages).map((p) => (p.n === undefined ? p.text : h('a', { href: `#source-${p.n}`, 'aria-label': `source ${p.n}` }, p.text))),
  );
}

function addMember(member) {
  const weight = member.weight === undefined ? '–' : Number(member.weight).toFixed(3);
  const row = h('tr', null, h('td', null, member.pipeline), h('td', null, member.answer), h('td', null, Number(member.entropy ?? 0).toFixed(3)), h('td', null, weight));
  row.dataset.pipeline = member.pipeline;
  $('members').querySelector('tbody').append(row);
}

function showMembers(answer, candidates) {
  const members = answer.members ?? candidates.map((c) => ({ ...c, weight: c.weight ?? 1 }));
  // An ensemble names its winning cluster and the members that voted for it; a single pipeline wins alone.
  const winners = new Set(answer.winner?.members ?? [answer.pipeline]);
  const tbody = $('members').querySelector('tbody');
  tbody.replaceChildren();
  for (const m of members) addMember(m);
  for (const row of tbody.children) if (winners.has(row.dataset.pipeline)) row.className = 'winner';
  const chart = $('members-chart');
  // barChart escapes its labels: the one string read as markup here.
  chart.innerHTML = barChart(
    'Member weights (the winning cluster highlighted)',
    members.map((m) => ({ label: m.pipeline, value: Number(m.weight ?? 1), note: `w ${Number(m.weight ?? 1).toFixed(2)}, H ${Number(m.entropy ?? 0).toFixed(2)}`, highlight: winners.has(m.pipeline) })),
    { max: 1 },
  );
  // A generative ensemble: whether the LLM wrote the answer (and how sure it and the members were), or why not.
  const agg = answer.aggregation;
  if (agg) {
    chart.append(
      agg.fallback
        ? h('p', { id: 'aggregation' }, `The LLM did not write the answer (${agg.note ?? ''}): the vote's answer stands.`)
        : h('p', { id: 'aggregation' }, `Written by the LLM from ${agg.passages} of the members' passages: weight ${Number(agg.weight).toFixed(2)}, H ${Number(agg.normalizedEntropy).toFixed(2)}, members' support ${Number(agg.memberSupport).toFixed(2)}.`),
    );
  }
  const clusters = answer.distribution ?? [];
  if (clusters.length) {
    chart.append(
      h('p', null, 'Answer clusters, by share of the weighted vote:'),
      h('ol', { id: 'clusters' }, clusters.map((c) => h('li', null, `${c.answer}: ${Number(c.prob).toFixed(3)} (${c.members.join(', ')})`))),
    );
  }
}

/** Whether a question is being answered: Stop (and Escape) can stop it only then. */
function answering(on) {
  // A disabled button cannot hold the focus: hand it to the question rather than let it fall to the page.
  const refocus = !on && document.activeElement === $('stop-button');
  $('stop-button').disabled = !on;
  if (refocus) $('question').focus();
}

/** Stops the question being answered, keeping what has come so far. */
function stop() {
  current?.abort();
}

/** Asks `request`; a question still being answered is stopped first (its answer no longer wanted). */
async function ask(request) {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  lastRequest = request;
  needsKey.delete('ask');
  reset();
  status('Asking…');
  answering(true);
  let text = '';
  const candidates = [];
  let answered = false;
  try {
    const res = await send('/v1/query', { method: 'POST', headers: headers(), body: JSON.stringify({ ...request, stream: true }), signal: controller.signal });
    await readEvents(res, (event, data) => {
      if (event === 'plan') showPlan(data);
      else if (event === 'sources') {
        showSources(data.passages);
        status('Answering…');
      } else if (event === 'token') {
        text += data.text;
        $('answer').textContent = text;
      } else if (event === 'candidate') {
        candidates.push(data);
        addMember(data);
      } else if (event === 'answer') {
        answered = true;
        if (data.passages) showSources(data.passages);
        // A marker for each citation the text lacks (an extractive answer has none of its own), as the chat route adds.
        showAnswer(data.abstained ? data.answer : withMissingMarkers(data.answer, data.citations ?? []));
        $('confidence').textContent = `confidence ${Number(data.confidence).toFixed(3)} · normalised entropy ${Number(data.normalizedEntropy ?? 0).toFixed(3)}${data.abstained ? ' · abstained' : ''}`;
        showMembers(data, candidates);
      } else if (event === 'done') {
        $('waterfall').innerHTML = waterfall(`Trace: ${Number(data.trace.totalMs).toFixed(2)} ms in all`, data.trace.spans);
        status('Done.');
      } else if (event === 'error') {
        throw new Failure(`The answer failed (${data.code}: ${data.message}).`, { retry: transient(data.statusCode), status: data.statusCode });
      }
    });
    if (!answered) throw new Failure('The stream ended before the answer.', { retry: true });
  } catch (err) {
    // Stopped: by a newer question (which now owns the page), or by the reader, which is no failure.
    if (controller.signal.aborted) {
      if (current === controller) status(answered ? 'Stopped before the trace came.' : text ? 'Stopped: the answer above is incomplete.' : 'Stopped.', { from: 'ask' });
      return;
    }
    const failure = err instanceof Failure ? err : new Failure(`Something went wrong: ${err.message}`, { retry: true });
    status(failure.message, { error: true, from: 'ask' });
    if (failure.status === 401) {
      needsKey.set('ask', () => ask(request));
      $('api-key').closest('details').open = true;
      $('api-key').focus();
    } else if (failure.retry) {
      $('retry-box').hidden = false;
      $('retry').focus();
    }
  } finally {
    if (current === controller) {
      current = null;
      answering(false);
    }
  }
}

/** A new key: the pipelines are listed again (it may see others), and what failed for want of a key runs again. */
function setKey(value) {
  if (value === apiKey) return;
  apiKey = value;
  const pending = [...needsKey.entries()].filter(([name]) => name !== 'targets').map(([, run]) => run);
  needsKey.clear();
  void loadTargets();
  for (const run of pending) void run();
}

$('ask').addEventListener('submit', (e) => {
  e.preventDefault();
  const query = $('question').value.trim();
  if (!query) return;
  const [kind, name] = $('target').value.split(/:(.*)/s);
  const request = { query };
  if (name) request[kind === 'ensemble' ? 'ensemble' : 'pipeline'] = name;
  void ask(request);
});
$('stop-button').addEventListener('click', stop);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && current) {
    e.preventDefault();
    stop();
  }
});
$('retry').addEventListener('click', () => lastRequest && void ask(lastRequest));
$('api-key').addEventListener('change', (e) => setKey(e.target.value.trim()));
// Enter in the key field sets the key; it does not ask the question (the form's default).
$('api-key').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  setKey(e.target.value.trim());
});

$('doc-file').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  $('doc-text').value = await file.text();
  if (!$('doc-id').value) $('doc-id').value = file.name;
  $('doc-format').value = /\.(md|markdown)$/i.test(file.name) ? 'markdown' : /\.html?$/i.test(file.name) ? 'html' : 'text';
});

async function ingest(doc) {
  needsKey.delete('ingest');
  $('ingest-status').textContent = 'Ingesting…';
  try {
    const res = await send('/v1/documents', { method: 'POST', headers: headers(), body: JSON.stringify({ documents: [doc] }) });
    const body = await res.json();
    $('ingest-status').textContent = `Stored "${doc.id}": ${body.chunks} chunks (index version ${body.version}). Ask away.`;
    $('question').focus();
  } catch (err) {
    if (err.status === 401) needsKey.set('ingest', () => ingest(doc));
    $('ingest-status').textContent = `Not stored. ${err instanceof Failure ? err.message : `Something went wrong: ${err.message}`}`;
  }
}

$('ingest').addEventListener('submit', (e) => {
  e.preventDefault();
  void ingest({ id: $('doc-id').value.trim(), text: $('doc-text').value, format: $('doc-format').value });
});

void loadTargets();
