// Inline stylesheet of the report: system fonts only, so the page opens offline with nothing fetched.
export const CSS = `
:root { --fg:#1d1d1f; --muted:#666; --line:#e3e3e6; --bg:#fff; --accent:#8b1a1a; --trig:#d62728; --untrig:#1f77b4; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:var(--bg); font:15px/1.5 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 1440px; margin: 0 auto; padding: 24px 28px 64px; }
nav.toc { position: sticky; top:0; z-index:2; background:#fafafa; border-bottom:1px solid var(--line); padding:8px 28px; font-size:14px; }
nav.toc a { margin-right:16px; color:var(--accent); text-decoration:none; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 40px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; }
h4 { font-size: 14px; margin: 8px 0; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.lede { max-width: 900px; color: #333; }
.muted { color: var(--muted); }
.warning { background:#fff4e5; border-left:4px solid #f0a020; padding:6px 10px; }
dl.facts { display:grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
details > summary { cursor: pointer; }
details.runinfo { background:#f7f7f9; border:1px solid var(--line); border-radius:6px; padding:8px 12px; margin: 8px 0; font-size: 13px; }
table { border-collapse: collapse; }
table.data { font-size: 12.5px; margin: 8px 0 16px; }
table.data th, table.data td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; text-align: left; }
table.data thead th { background: #f3f3f6; }
table.data tbody tr:nth-child(even) { background: #fbfbfd; }
table.results td { white-space: normal; }
.nw { white-space: nowrap; }
table.kv > tbody > tr > th { text-align:left; font-weight:600; padding: 2px 12px 2px 0; vertical-align: top; color:#444; }
table.kv > tbody > tr > td { padding: 2px 0; }
.scroll { overflow-x: auto; }
.rate, .mean { font-variant-numeric: tabular-nums; }
.ci { color: var(--muted); font-size: 0.88em; }
.rate .n, .mean .n { color: var(--muted); font-size: 0.78em; }
ul.findings { font-size: 15px; line-height: 1.55; padding-left: 20px; }
ul.findings li { margin: 4px 0; }
.generic-block, .analysis { overflow-x: auto; max-width: 100%; }
code.path { font-size: 12px; white-space: nowrap; }
.arrow { color: var(--muted); padding: 0 2px; }
.paper { color: var(--accent); white-space: nowrap; }
.paper.none { color: #aaa; }
.paper-note { color: var(--accent); font-size: 13px; }
td .paper-note { white-space: normal; max-width: 260px; }
figure.chart { margin: 16px 0 28px; }
figure.chart .svg { overflow-x: auto; }
figure.chart svg { display: block; max-width: none; }
figcaption { font-size: 13px; color: var(--muted); max-width: 900px; }
figcaption a { color: var(--accent); }
details.cell { border:1px solid var(--line); border-radius:6px; margin: 8px 0; padding: 6px 12px; }
details.cell[open] { padding-bottom: 12px; }
.cols { display:grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 800px) { .cols { grid-template-columns: 1fr; } }
.tx { border-left: 4px solid var(--line); padding: 4px 10px; margin: 8px 0; background: #fafafa; }
.tx.defected { border-left-color: var(--trig); }
.tx.ok { border-left-color: #2ca02c; }
.badge { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.tx.defected .badge { color: var(--trig); }
pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0; font: 12.5px/1.45 "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; }
pre.inline { display: inline-block; margin: 0; }
.analysis { margin-bottom: 12px; }
ol.generic { margin: 0; padding-left: 20px; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; }
`;
