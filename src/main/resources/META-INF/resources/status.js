// The status page: every rollout with its charts, history and controls, refreshed every 2 s from Aviary's own API.
'use strict';

(() => {
  const { esc } = AviaryCharts;
  const TOKEN_KEY = 'aviary.token';
  // Buttons appear in this order; any other action the API lists (a newer Aviary's) follows.
  const ORDER = ['pause', 'resume', 'approve', 'promote', 'abort', 'restart'];
  // Controls that move traffic at once ask before they are sent.
  const CONFIRM = { promote: 'send the canary to 100% now', abort: 'roll the canary back to 0% now', restart: 'start the rollout over' };
  let controls = { enabled: false, actions: [] };

  // The token lives in this tab's sessionStorage only: never in the URL, a cookie or a log.
  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';
  function showToken() {
    document.getElementById('token-state').textContent = token() ? 'token set for this tab' : 'no token: the controls will answer 401';
  }

  async function json(url) {
    const r = await fetch(url, { cache: 'no-store' });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  }

  /** One line with the API's answer, at the top and next to the rollout's buttons (where the person clicked). */
  function answer(rollout, text, ok) {
    const near = document.querySelector(`section[data-rollout="${CSS.escape(rollout)}"] .answer`);
    for (const el of [document.getElementById('answer'), near].filter(Boolean)) {
      el.textContent = text;
      el.classList.toggle('ok', ok);
      el.classList.toggle('refused', !ok);
    }
  }

  /** POST a control with the token; the API's answer (202, 401, 403, 409...) is shown in one line. */
  async function control(rollout, action) {
    if (CONFIRM[action] && !confirm(`${action} ${rollout}: ${CONFIRM[action]}?`)) return;
    const headers = token() ? { Authorization: `Bearer ${token()}` } : {};
    let r, body = {};
    try {
      r = await fetch(`/api/rollouts/${rollout}/${action}`, { method: 'POST', headers });
      body = await r.json().catch(() => ({}));
    } catch (e) {
      answer(rollout, `${action} ${rollout}: Aviary did not answer (${e.message})`, false);
      return;
    }
    const said = r.status === 202 ? `requested by ${body.requestedBy}; Aviary acts on its next tick` : body.error || r.statusText;
    answer(rollout, `${r.status} ${action} ${rollout}: ${said}`, r.status === 202);
    refresh();
  }

  function buttons(r) {
    if (!controls.enabled) return '<p class="note">Controls are switched off on this Aviary; kubectl annotate still works.</p>';
    const known = controls.actions.filter(a => ORDER.includes(a)).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    const rest = controls.actions.filter(a => !ORDER.includes(a));
    const key = `${r.namespace}/${r.name}`;
    return `<div class="controls">${[...known, ...rest].map(a =>
      `<button type="button" data-rollout="${esc(key)}" data-action="${esc(a)}">${esc(a)}</button>`).join('')}</div>`;
  }

  /** Decisions (by Aviary) and the requests people made through this API (by them), newest first. */
  function history(r, series) {
    const rows = (r.history || []).map(h => ({ at: h.at, what: h.decision, step: h.stepNumber, weight: `${h.canaryWeight}%`,
      by: 'aviary', message: h.message }))
      .concat((series.requests || []).map(q => ({ at: q.at, what: `${q.action} asked`, step: '', weight: '', by: q.by,
        message: `${q.by} asked to ${q.action} through the API`, request: true })))
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    if (!rows.length) return '<p class="note">No decision yet.</p>';
    return `<table class="history"><thead><tr><th>time (UTC)</th><th>decision</th><th>step</th><th>canary</th><th>by</th><th>why</th></tr></thead>
      <tbody>${rows.map(h => `<tr class="${h.request ? 'request' : 'decision'}"><td>${esc(String(h.at).replace('T', ' ').substring(0, 19))}</td>
        <td class="${esc(h.what)}">${esc(h.what)}</td><td>${esc(h.step)}</td><td>${esc(h.weight)}</td><td>${esc(h.by)}</td>
        <td>${esc(h.message)}</td></tr>`).join('')}</tbody></table>`;
  }

  function origin(series) {
    const restored = series.restored || 0;
    if (!series.since) {
      return `This Aviary has not judged this rollout since it started (it restarted, or another replica runs it): the weight`
        + ` chart shows the ${restored} decisions the rollout recorded, without evidence.`;
    }
    return `Live points since ${esc(series.since.replace('T', ' ').substring(0, 19))} UTC` + (restored
      ? `; the ${restored} before come from the rollout's recorded history (the last 20 decisions, no evidence).` : '.')
      + ' Evidence over time is kept in memory and starts again from the recorded history after a restart.';
  }

  function checks(key, r, series, time) {
    const names = [...new Set([...(r.checks || []).map(c => c.check),
      ...series.points.flatMap(p => (p.checks || []).map(c => c.check))])];
    if (!names.length) return '<p class="note">No verdict yet.</p>';
    return names.map(name => {
      const now = (r.checks || []).find(c => c.check === name);
      return `<div class="evidence" data-rollout="${esc(key)}" data-check="${esc(name)}">
        <h4>${esc(name)} <span class="${esc(now?.outcome)}">${esc(now?.outcome ?? '')}</span></h4>
        <p class="verdict">${esc(now?.message ?? '')}</p>
        <div class="pair"><figure>${AviaryCharts.eValue(key, name, series.points, time)}<figcaption>e-value (log scale) against
          the value at which the check fails</figcaption></figure>
        <figure>${AviaryCharts.estimate(key, name, series.points, time)}<figcaption>estimate with its confidence bounds</figcaption></figure></div>
      </div>`;
    }).join('');
  }

  /** The rollout's state and messages: changes with every tick. */
  function head(r) {
    const pending = r.request ? `<p class="pending">${esc(r.request)} requested${r.requestedBy ? ` by ${esc(r.requestedBy)}` : ''};`
      + ' Aviary acts on its next tick.</p>' : '';
    return `<h2>${esc(r.namespace)}/${esc(r.name)} <span class="phase ${esc(r.phase)}">${esc(r.phase)}</span></h2>
      <p class="facts">${esc(r.target)} · step ${r.step} · canary ${r.canaryWeight}% · last decision ${esc(r.lastDecision ?? '–')}</p>
      <p class="message">${esc(r.message)}</p>${pending}`;
  }

  /** The charts and the history. */
  function body(r, series) {
    const key = `${r.namespace}/${r.name}`;
    const time = AviaryCharts.timeScale(series.points);
    return `<h3>Canary weight</h3><figure>${AviaryCharts.weight(key, series.points, time)}</figure>
      <p class="note">${origin(series)}</p>
      <h3>Evidence per check</h3>${checks(key, r, series, time)}
      <h3>History</h3>${history(r, series)}`;
  }

  // Parts are replaced only when their content changed, so a button is never swapped away under a person's click.
  function put(el, html) {
    if (el.dataset.html !== html) {
      el.innerHTML = html;
      el.dataset.html = html;
    }
  }

  /** The rollout's section, made once: head, buttons and body are updated in place. */
  function section(r) {
    const id = `rollout-${r.namespace}-${r.name}`;
    let s = document.getElementById(id);
    if (!s) {
      s = document.createElement('section');
      s.className = 'rollout';
      s.id = id;
      s.dataset.rollout = `${r.namespace}/${r.name}`;
      s.innerHTML = '<div class="head"></div><div class="buttons"></div><p class="answer" role="status"></p><div class="body"></div>';
    }
    return s;
  }

  function overview(rows) {
    return `<table class="overview"><thead><tr><th>Rollout</th><th>Phase</th><th>Step</th><th>Canary</th><th>Last decision</th></tr></thead>
      <tbody>${rows.map(r => `<tr><td><a href="#rollout-${esc(r.namespace)}-${esc(r.name)}">${esc(r.namespace)}/${esc(r.name)}</a></td>
        <td class="${esc(r.phase)}">${esc(r.phase)}</td><td>${r.step}</td><td>${r.canaryWeight}%</td>
        <td>${esc(r.lastDecision ?? '')}</td></tr>`).join('')}</tbody></table>`;
  }

  async function refresh() {
    try {
      const rows = await json('/api/rollouts');
      const series = await Promise.all(rows.map(r =>
        json(`/api/rollouts/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}/series`)
          .catch(() => ({ points: [], requests: [], restored: 0 }))));
      const main = document.getElementById('rollouts');
      put(document.getElementById('overview'), rows.length ? overview(rows) : '<p>No rollouts yet.</p>');
      const sections = rows.map((r, i) => {
        const s = section(r);
        put(s.querySelector('.head'), head(r));
        put(s.querySelector('.buttons'), buttons(r));
        put(s.querySelector('.body'), body(r, series[i]));
        return s;
      });
      // new rollouts join, gone ones leave, in the API's order; unchanged, nothing is moved (focus stays)
      if (sections.length !== main.children.length || sections.some((s, i) => main.children[i] !== s)) main.replaceChildren(...sections);
      document.getElementById('updated').textContent = `updated ${new Date().toISOString().substring(11, 19)} UTC`;
    } catch (e) {
      document.getElementById('updated').textContent = `cannot read the API: ${e.message}`;
    }
  }

  document.body.addEventListener('click', e => {
    const b = e.target.closest('button[data-action]');
    if (b) control(b.dataset.rollout, b.dataset.action);
  });
  document.getElementById('token-form').addEventListener('submit', e => {
    e.preventDefault();
    const input = document.getElementById('token');
    if (input.value.trim()) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    showToken();
  });
  document.getElementById('token-forget').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); showToken(); });

  showToken();
  json('/api/controls').then(c => { controls = c; }).catch(() => { }).finally(() => { refresh(); setInterval(refresh, 2000); });
})();
