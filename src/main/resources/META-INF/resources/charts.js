// Small SVG charts for the status page: no library, no CDN (the cluster may have no internet).
// Each function returns an <svg> string; every chart carries data attributes saying what it plotted
// (data-rollout, data-check, data-points, ...), so a test can check what was drawn against the API.
'use strict';

const AviaryCharts = (() => {
  const W = 560, H = 170;
  const M = { left: 52, right: 14, top: 14, bottom: 24 };
  const PLOT_W = W - M.left - M.right, PLOT_H = H - M.top - M.bottom;

  const esc = s => String(s ?? '').replace(/[&<>"']/g, c =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  // The API writes non-finite numbers as strings ("Infinity"); anything not a finite number is "no value".
  const num = v => { const n = Number(v); return v === null || v === undefined || !Number.isFinite(n) ? null : n; };
  const fmt = n => n === null ? '–' : Math.abs(n) >= 1000 || (Math.abs(n) < 0.01 && n !== 0)
    ? n.toExponential(1) : String(Math.round(n * 1000) / 1000);
  const clock = ms => new Date(ms).toISOString().substring(11, 19);

  /** The time scale shared by all charts of one rollout, so they line up. */
  function timeScale(points) {
    const times = points.map(p => Date.parse(p.at)).filter(Number.isFinite);
    const t0 = times.length ? Math.min(...times) : 0;
    const t1 = times.length ? Math.max(...times, t0 + 1000) : 1000;
    return { t0, t1, x: t => M.left + (Date.parse(t) - t0) / (t1 - t0) * PLOT_W };
  }

  function frame(cls, attrs, body, yTicks, time, title) {
    const data = Object.entries(attrs).map(([k, v]) => ` data-${k}="${esc(v)}"`).join('');
    const ticks = yTicks.map(([y, label]) =>
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}"/>` +
      `<text class="tick" x="${M.left - 6}" y="${y + 4}" text-anchor="end">${esc(label)}</text>`).join('');
    const axis = `<text class="tick" x="${M.left}" y="${H - 6}">${clock(time.t0)}</text>` +
      `<text class="tick" x="${W - M.right}" y="${H - 6}" text-anchor="end">${clock(time.t1)} UTC</text>`;
    return `<svg class="chart ${cls}"${data} viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">` +
      `<title>${esc(title)}</title>${ticks}${axis}${body}</svg>`;
  }

  /**
   * The canary's weight over time, as steps: the weight holds until the next point. A dot marks every change
   * (class weight-change); hollow dots and a dashed line are points restored from the recorded history.
   */
  function weight(rollout, points, time) {
    const y = w => M.top + (1 - w / 100) * PLOT_H;
    let path = '', changes = '', count = 0, previous = null;
    points.forEach((p, i) => {
      const x = time.x(p.at), yy = y(p.canaryWeight);
      path += i === 0 ? `M${x},${yy}` : `H${x}V${yy}`;
      if (previous !== null && p.canaryWeight !== previous) {
        count++;
        changes += `<circle class="weight-change${p.restored ? ' restored' : ''}" cx="${x}" cy="${yy}" r="4">` +
          `<title>${esc(p.at)}: ${esc(p.decision)} to ${p.canaryWeight}% (step ${p.step})</title></circle>`;
      }
      previous = p.canaryWeight;
    });
    if (points.length) path += `H${time.x(points[points.length - 1].at)}`;
    const ticks = [[y(100), '100%'], [y(50), '50%'], [y(0), '0%']];
    return frame('weight-chart', { rollout, points: points.length, changes: count },
      `<path class="weight-line" d="${path}"/>${changes}`, ticks, time, `${rollout}: canary weight over time`);
  }

  /** The points that carry this check's evidence, with the check's numbers next to each point's time. */
  function checkSeries(check, points) {
    return points.filter(p => !p.restored).map(p => ({ at: p.at, c: (p.checks || []).find(c => c.check === check) }))
      .filter(e => e.c);
  }

  /**
   * A check's e-value over time on a log scale, against the e-value at which it fails (1/alpha, dashed).
   * Checks whose judge has no e-value get a chart that says so.
   */
  function eValue(rollout, check, points, time) {
    const series = checkSeries(check, points).map(e => ({ at: e.at, e: num(e.c.eValue), threshold: num(e.c.threshold) }))
      .filter(e => e.e !== null);
    const threshold = series.length ? series[series.length - 1].threshold : null;
    if (!series.length) {
      return frame('evalue-chart empty', { rollout, check, points: 0 },
        `<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">no e-value: this check is not judged by evidence accumulation</text>`,
        [], time, `${rollout} ${check}: no e-value`);
    }
    // decades from 0.1 (evidence for the canary) to past the threshold or the largest e-value
    const top = Math.ceil(Math.log10(Math.max(threshold || 10, ...series.map(e => e.e)) * 1.5));
    const bottom = Math.min(-1, Math.floor(Math.log10(Math.min(...series.map(e => Math.max(e.e, 1e-6))))));
    const y = e => M.top + (top - Math.log10(Math.max(e, 10 ** bottom))) / (top - bottom) * PLOT_H;
    const ticks = [];
    for (let d = bottom; d <= top; d++) ticks.push([y(10 ** d), d < 0 || d > 3 ? `1e${d}` : String(10 ** d)]);
    const line = series.map((e, i) => `${i ? 'L' : 'M'}${time.x(e.at)},${y(e.e)}`).join('');
    const last = series[series.length - 1];
    const limit = threshold === null ? '' :
      `<line class="threshold" x1="${M.left}" x2="${W - M.right}" y1="${y(threshold)}" y2="${y(threshold)}"/>` +
      `<text class="threshold-label" x="${W - M.right - 4}" y="${y(threshold) - 4}" text-anchor="end">fails at 1/α = ${fmt(threshold)}</text>`;
    return frame('evalue-chart', { rollout, check, points: series.length, threshold: threshold ?? '', last: last.e },
      `${limit}<path class="evalue-line" d="${line}"/>` +
      `<circle class="last" cx="${time.x(last.at)}" cy="${y(last.e)}" r="3"/>`,
      ticks, time, `${rollout} ${check}: e-value over time, now ${fmt(last.e)}`);
  }

  /** A check's estimate over time with its confidence bounds as a band (an unbounded side runs off the chart). */
  function estimate(rollout, check, points, time) {
    const series = checkSeries(check, points).map(e => ({ at: e.at, est: num(e.c.estimate), lo: num(e.c.lower), hi: num(e.c.upper) }))
      .filter(e => e.est !== null);
    if (!series.length) {
      return frame('estimate-chart empty', { rollout, check, points: 0 },
        `<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">no estimate yet</text>`, [], time,
        `${rollout} ${check}: no estimate yet`);
    }
    // the range shows every estimate and the latest bounds in full; earlier, wider bounds run off the chart
    // (an unbounded latest side falls back to the widest finite bound seen)
    const ests = series.map(e => e.est);
    const last = series[series.length - 1];
    const finite = k => series.map(e => e[k]).filter(v => v !== null);
    let lo = Math.min(...ests, last.lo ?? Math.min(...finite('lo'), ...ests));
    let hi = Math.max(...ests, last.hi ?? Math.max(...finite('hi'), ...ests));
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; } // a flat line gets some room
    const y = v => M.top + (1 - (Math.min(Math.max(v, lo), hi) - lo) / ((hi - lo) || 1)) * PLOT_H;
    const upper = series.map((e, i) => `${i ? 'L' : 'M'}${time.x(e.at)},${y(e.hi ?? hi)}`).join('');
    const lower = series.slice().reverse().map(e => `L${time.x(e.at)},${y(e.lo ?? lo)}`).join('');
    const line = series.map((e, i) => `${i ? 'L' : 'M'}${time.x(e.at)},${y(e.est)}`).join('');
    const ticks = [[y(hi), fmt(hi)], [y((hi + lo) / 2), fmt((hi + lo) / 2)], [y(lo), fmt(lo)]];
    return frame('estimate-chart', { rollout, check, points: series.length, last: last.est },
      `<path class="bounds" d="${upper}${lower}Z"/><path class="estimate-line" d="${line}"/>`, ticks, time,
      `${rollout} ${check}: estimate ${fmt(last.est)}, bounds ${fmt(last.lo)} to ${fmt(last.hi)}`);
  }

  return { timeScale, weight, eValue, estimate, esc, num, fmt };
})();
