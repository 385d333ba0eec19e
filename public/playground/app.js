// The playground: plain browser JavaScript served as is (no build step, no CDN). It talks to the same HTTP API
// any client uses; the API key lives only in this page's memory.
import { barChart, waterfall } from '/playground/svg-charts.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
let apiKey = '';
let lastRequest = null;
let current = null;

function headers(json = true) {
  const h = json ? { 'content-type': 'application/json' } : {};
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

async function loadTargets() {
  try {
    const res = await fetch('/v1/models', { headers: headers(false) });
    if (!res.ok) throw new Error(`${res.status}`);
    const { data } = await res.json();
    const select = $('target');
    select.innerHTML = '';
    for (const m of data) {
      const option = document.createElement('option');
      option.value = `${m.kind === 'ensemble' ? 'ensemble' : 'pipeline'}:${m.id}`;
      option.textContent = m.kind === 'ensemble' ? `${m.id} (ensemble)` : m.id;
      select.append(option);
    }
  } catch (err) {
    status(`Could not list pipelines (${err.message}); the default one will answer. Set an API key if the server needs one.`, true);
  }
}

/** Reads a server-sent-events body from a fetch response, calling onEvent(name, data) per event. */
async function readEvents(res, onEvent) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
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
  for (const id of ['answer', 'confidence', 'plan', 'sources', 'members-chart', 'waterfall']) $(id).innerHTML = '';
  $('members').querySelector('tbody').innerHTML = '';
  $('retry-box').hidden = true;
}

function showPlan(plan) {
  const corrections = plan.corrections.length
    ? `<p>Corrections: ${plan.corrections.map((c) => `<del>${esc(c.from)}</del> → <ins>${esc(c.to)}</ins>`).join(', ')}</p>`
    : '<p class="meta">No corrections.</p>';
  const subs = `<p>Sub-queries:</p><ul>${plan.subQueries.map((q) => `<li>${esc(q)}</li>`).join('')}</ul>`;
  $('plan').innerHTML = `<p>Searched as: <q>${esc(plan.corrected)}</q></p>${corrections}${subs}`;
}

function showSources(passages) {
  $('sources').innerHTML = passages
    .map((p, i) => {
      const path = [p.title, ...(p.headingPath ?? [])].filter(Boolean).join(' › ');
      return `<li id="source-${i + 1}"><strong>${esc(path || p.docId)}</strong> <span class="score">score ${Number(p.score).toFixed(3)}</span>
        <div class="path">${esc(p.docId)}</div><div>${esc(p.text.slice(0, 400))}${p.text.length > 400 ? '…' : ''}</div></li>`;
    })
    .join('');
}

/** The answer with its [n] markers as links to the sources they cite. */
function linkCitations(text) {
  return esc(text).replace(/\[(\d+)\]/g, (m, n) => (document.getElementById(`source-${n}`) ? `<a href="#source-${n}">[${n}]</a>` : m));
}

function addMember(member) {
  const row = document.createElement('tr');
  row.dataset.pipeline = member.pipeline;
  row.innerHTML = `<td>${esc(member.pipeline)}</td><td>${esc(member.answer)}</td><td>${Number(member.entropy ?? 0).toFixed(3)}</td><td>${member.weight === undefined ? '–' : Number(member.weight).toFixed(3)}</td>`;
  $('members').querySelector('tbody').append(row);
}

function showMembers(answer, candidates) {
  const members = answer.members ?? candidates.map((c) => ({ ...c, weight: c.weight ?? 1 }));
  // An ensemble names its winning cluster and the members that voted for it; a single pipeline wins alone.
  const winners = new Set(answer.winner?.members ?? [answer.pipeline]);
  const tbody = $('members').querySelector('tbody');
  tbody.innerHTML = '';
  for (const m of members) addMember(m);
  for (const row of tbody.children) if (winners.has(row.dataset.pipeline)) row.className = 'winner';
  const clusters = (answer.distribution ?? []).map((c) => `<li>${esc(c.answer)}: ${Number(c.prob).toFixed(3)} (${c.members.map(esc).join(', ')})</li>`).join('');
  // A generative ensemble: whether the LLM wrote the answer (and how sure it and the members were), or why not.
  const agg = answer.aggregation;
  const how = !agg
    ? ''
    : agg.fallback
      ? `<p id="aggregation">The LLM did not write the answer (${esc(agg.note ?? '')}): the vote's answer stands.</p>`
      : `<p id="aggregation">Written by the LLM from ${agg.passages} of the members' passages: weight ${Number(agg.weight).toFixed(2)}, H ${Number(agg.normalizedEntropy).toFixed(2)}, members' support ${Number(agg.memberSupport).toFixed(2)}.</p>`;
  $('members-chart').innerHTML =
    barChart(
      'Member weights (the winning cluster highlighted)',
      members.map((m) => ({ label: m.pipeline, value: Number(m.weight ?? 1), note: `w ${Number(m.weight ?? 1).toFixed(2)}, H ${Number(m.entropy ?? 0).toFixed(2)}`, highlight: winners.has(m.pipeline) })),
      { max: 1 },
    ) + how + (clusters ? `<p>Answer clusters, by share of the weighted vote:</p><ol id="clusters">${clusters}</ol>` : '');
}

async function ask(request) {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  lastRequest = request;
  reset();
  status('Asking…');
  $('ask-button').disabled = true;
  let text = '';
  const candidates = [];
  let answered = false;
  try {
    const res = await fetch('/v1/query', { method: 'POST', headers: headers(), body: JSON.stringify({ ...request, stream: true }), signal: controller.signal });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body.message ?? `the server answered ${res.status}`);
    }
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
        // An extractive answer carries its citations beside the text: show them as markers too.
        const markers = /\[\d+\]/.test(data.answer) ? '' : (data.citations ?? []).map((c) => ` [${c.n}]`).join('');
        $('answer').innerHTML = linkCitations(data.answer + markers);
        $('confidence').textContent = `confidence ${Number(data.confidence).toFixed(3)} · normalised entropy ${Number(data.normalizedEntropy ?? 0).toFixed(3)}${data.abstained ? ' · abstained' : ''}`;
        showMembers(data, candidates);
      } else if (event === 'done') {
        $('waterfall').innerHTML = waterfall(`Trace: ${Number(data.trace.totalMs).toFixed(2)} ms in all`, data.trace.spans);
        status('Done.');
      } else if (event === 'error') throw new Error(`${data.code}: ${data.message}`);
    });
    if (!answered) throw new Error('the stream ended before the answer');
  } catch (err) {
    if (controller.signal.aborted && current !== controller) return;
    status(`Something went wrong: ${err.message}`, true);
    $('retry-box').hidden = false;
    $('retry').focus();
  } finally {
    if (current === controller) $('ask-button').disabled = false;
  }
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
$('retry').addEventListener('click', () => lastRequest && void ask(lastRequest));
$('api-key').addEventListener('change', (e) => {
  apiKey = e.target.value.trim();
  void loadTargets();
});

$('doc-file').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  $('doc-text').value = await file.text();
  if (!$('doc-id').value) $('doc-id').value = file.name;
  $('doc-format').value = /\.(md|markdown)$/i.test(file.name) ? 'markdown' : /\.html?$/i.test(file.name) ? 'html' : 'text';
});

$('ingest').addEventListener('submit', async (e) => {
  e.preventDefault();
  const doc = { id: $('doc-id').value.trim(), text: $('doc-text').value, format: $('doc-format').value };
  $('ingest-status').textContent = 'Ingesting…';
  try {
    const res = await fetch('/v1/documents', { method: 'POST', headers: headers(), body: JSON.stringify({ documents: [doc] }) });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message ?? res.status);
    $('ingest-status').textContent = `Stored "${doc.id}": ${body.chunks} chunks (index version ${body.version}). Ask away.`;
    $('question').focus();
  } catch (err) {
    $('ingest-status').textContent = `Not stored: ${err.message}`;
  }
});

void loadTargets();
