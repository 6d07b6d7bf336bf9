// The HTML report's only stylesheet, inlined into the page (no external font or asset). System fonts; the
// band colours are the page's one signal: green ready, amber warnings, red not ready.
export const PAGE_CSS = `
:root{--ok:#1a7f37;--warn:#b26b00;--bad:#c62828;--ink:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#f6f8fa;--card:#fff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:20px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 10px}h3{font-size:15px;margin:0 0 4px}
section,header{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 16px}
header{border-top:6px solid var(--muted);display:flex;flex-wrap:wrap;gap:16px;justify-content:space-between;align-items:center}
header.band-ready{border-top-color:var(--ok)}header.band-ready-with-warnings{border-top-color:var(--warn)}header.band-not-ready{border-top-color:var(--bad)}
.meta,.muted,.where,.lead,footer{color:var(--muted)}.meta{margin:0}
.headline{display:flex;align-items:center;gap:24px}
.score{font-size:44px;font-weight:700;line-height:1}.score-sub{color:var(--muted);font-size:12px}
.band{font-weight:700;font-size:16px;letter-spacing:.04em;padding:8px 14px;border-radius:6px;color:#fff;background:var(--muted)}
.band-ready .band{background:var(--ok)}.band-ready-with-warnings .band{background:var(--warn)}.band-not-ready .band{background:var(--bad)}
.tallies{display:grid;grid-template-columns:auto auto;gap:2px 10px;margin:0}.tallies dt{color:var(--muted)}.tallies dd{margin:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600}
td.num{text-align:right;white-space:nowrap}.barcell{width:40%}
.meter{background:#eaeef2;border-radius:4px;height:10px;overflow:hidden}.meter div{background:var(--ok);height:100%}
.bad{color:var(--bad)}.warn{color:var(--warn)}
.count{display:inline-block;min-width:22px;padding:0 7px;border-radius:11px;background:#eaeef2;font-size:13px;text-align:center}
.blocker{border:1px solid #f1c0c0;border-left:5px solid var(--bad);border-radius:6px;padding:8px 12px;margin:8px 0;background:#fffafa;display:grid;grid-template-columns:1fr 1fr;gap:4px 18px}
.blocker h3{grid-column:1/-1}.blocker h3 .where{font-weight:400;font-size:12px}.blocker .evidence{font-size:13px}
.label{font-size:10.5px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:0 5px;margin-right:4px;color:var(--muted);border:1px solid var(--line)}
.blocker .id,td.id{font-family:ui-monospace,"DejaVu Sans Mono",monospace;white-space:nowrap}
.evidence{overflow-wrap:anywhere}.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
.fixes{display:flex;gap:4px;align-items:baseline}.fixes .label{color:var(--ok);border-color:var(--ok)}
ul.fix{margin:0;padding-left:18px}p.fix{margin:0}.fix li,.fix{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}.fix.none{font-family:inherit;color:var(--muted)}
.status{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:1px 6px;white-space:nowrap;color:#fff;background:var(--muted)}
.s-pass,.status.r-promoted{background:var(--ok)}.s-fail,.status.r-failed,.status.r-refused{background:var(--bad)}.s-unknown,.s-not-measured,.status.r-rolled-back{background:var(--warn)}
.gate{font-size:12px;white-space:nowrap}.gate.ok{color:var(--ok)}.gate.bad{color:var(--bad)}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 10px}.fig{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:150px}
.fig b{display:block;font-size:20px}.fig span{color:var(--muted);font-size:12px}.fig.bad{border-color:var(--bad)}.fig.bad b{color:var(--bad)}
.empty{color:var(--muted);font-style:italic}.empty.ok{color:var(--ok);font-style:normal}
figure{margin:8px 0 0}figcaption{color:var(--muted);font-size:12px}
details{margin-top:10px}summary{cursor:pointer;color:var(--muted)}
svg text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:var(--ink)}svg .tick{fill:var(--muted)}svg .axis-title{fill:var(--muted);font-size:12px}
svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}svg .outage{fill:#ffebe9}
svg .acked{fill:none;stroke:var(--ok);stroke-width:2}svg .failed{fill:var(--bad)}
svg line.kill{stroke:var(--bad);stroke-width:2}svg line.first-write{stroke:var(--ok);stroke-dasharray:5 3}svg line.reconnect{stroke:#0969da;stroke-dasharray:2 3}
svg text.kill{fill:var(--bad)}svg text.first-write{fill:var(--ok)}svg text.reconnect{fill:#0969da}
svg .bar{fill:#0969da}svg .bar.p95{fill:#8250df}svg .bar.p99{fill:#bf3989}svg .bar-value{font-weight:600}
footer{font-size:12px;text-align:center;padding:8px}
@media print{body{background:#fff}section,header{break-inside:avoid}}
`;
