// The portal tests' browser (test/unit/portal/*.test.ts): plain fetch, with the cookies and CSRF field a real one keeps.

/** A tiny browser: keeps cookies, reads the CSRF field, posts forms. */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(private readonly base: string) {}
  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      this.cookies.set(k!, v.join('='));
    }
  }
  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(path: string): Promise<{ status: number; text: string; res: Response }> {
    const res = await fetch(this.base + path, { headers: { cookie: this.cookieHeader() }, redirect: 'manual' });
    this.remember(res);
    return { status: res.status, text: await res.text(), res };
  }
  async post(path: string, form: Record<string, string>): Promise<{ status: number; text: string }> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.remember(res);
    return { status: res.status, text: await res.text() };
  }
  /** Opens a page and submits its form with these fields (plus the page's CSRF value). */
  async submit(path: string, action: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
    const page = await this.get(path);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!csrf) throw new Error(`no form on ${path}: ${page.status} ${page.text.slice(0, 300)}`);
    return this.post(action, { csrf, ...fields });
  }
}
