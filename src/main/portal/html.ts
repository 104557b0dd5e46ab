/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A tagged template that escapes every interpolated value unless it is already `Safe`. */
export class Safe {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Safe {
  let out = strings[0]!;
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof Safe ? x.html : esc(x))).join('') : v instanceof Safe ? v.html : v === false || v === null || v === undefined ? '' : esc(v);
    out += part + strings[i + 1]!;
  });
  return new Safe(out);
}

export function page(title: string, body: Safe): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · Roster</title>
<link rel="stylesheet" href="/portal/style.css">
</head>
<body>
<main class="card">
<p class="brand">Roster</p>
${body.html}
</main>
</body>
</html>`;
}

export const STYLE = `
:root { color-scheme: light dark; --accent: #4c6ef5; --bg: #f1f3f5; --card: #fff; --text: #212529; --dim: #868e96; --border: #dee2e6; --danger: #e03131; }
@media (prefers-color-scheme: dark) { :root { --bg: #1a1b1e; --card: #25262b; --text: #e9ecef; --dim: #909296; --border: #373a40; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--text); font: 16px/1.5 Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 16px; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 16px; padding: 32px; width: 100%; max-width: 460px; box-shadow: 0 8px 24px rgba(0,0,0,.08); }
.brand { margin: 0 0 8px; font-weight: 800; letter-spacing: 2px; text-transform: uppercase; color: var(--accent); font-size: 13px; }
h1 { font-size: 24px; margin: 0 0 8px; }
p { margin: 0 0 16px; }
.dim { color: var(--dim); font-size: 14px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 24px; font-size: 14px; }
dt { color: var(--dim); }
dd { margin: 0; font-weight: 600; }
label { display: block; font-weight: 600; font-size: 14px; margin: 0 0 4px; }
.hint { display: block; color: var(--dim); font-size: 13px; margin: 0 0 6px; font-weight: 400; }
input[type=password], input[type=tel], input[type=text] { width: 100%; padding: 10px 12px; border: 1px solid var(--border); border-radius: 8px; font: inherit; background: var(--card); color: var(--text); margin-bottom: 16px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display: flex; gap: 12px; flex-wrap: wrap; }
button, .button { appearance: none; border: 0; border-radius: 8px; padding: 10px 18px; font: inherit; font-weight: 600; cursor: pointer; background: var(--accent); color: #fff; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: transparent; color: var(--text); border: 1px solid var(--border); }
button.danger { background: var(--danger); }
.error { border: 1px solid var(--danger); color: var(--danger); border-radius: 8px; padding: 10px 12px; margin: 0 0 16px; font-size: 14px; }
form { margin: 0; }
`;
