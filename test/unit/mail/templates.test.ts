import { afterEach, describe, expect, it } from 'vitest';
import {
  checkTemplate,
  DEFAULT_TEMPLATES,
  renderTemplate,
  sampleValues,
  TEMPLATE_KINDS,
  type MailTemplateText,
  type TemplateKind,
} from '../../../src/shared/mail-templates';
import { caught, OWNER_EMAIL, PASSWORD, tokenOf } from '../helpers';
import { inviteeDoor } from '../invitee-door';
import { linkIn, mailTestLifecycle, ownerWithMail } from './smtp';

const open = mailTestLifecycle(afterEach);

const setup = () => ownerWithMail(open);

const body = (s: string) => ({ subject: 'Hi {{organization}}', body: s });

describe('placeholder checks (the editor and the server refuse the same templates)', () => {
  const cases: { name: string; kind: TemplateKind; t: MailTemplateText; problems: string[] }[] = [
    { name: 'every default', kind: 'invitation', t: DEFAULT_TEMPLATES.invitation, problems: [] },
    { name: 'spaces inside braces', kind: 'invitation', t: body('Open {{ link }}'), problems: [] },
    { name: 'unknown placeholder', kind: 'invitation', t: body('Open {{link}} {{firstName}}'), problems: ['Unknown placeholder {{firstName}} in the body: this mail can use {{inviteeName}}'] },
    { name: 'unknown in subject', kind: 'resend', t: { subject: 'To {{nom}}', body: '{{link}}' }, problems: ['Unknown placeholder {{nom}} in the subject'] },
    { name: 'roles do not exist in a password reset', kind: 'password_reset', t: body('{{link}} as {{roles}}'), problems: ['Unknown placeholder {{roles}}'] },
    { name: 'missing link', kind: 'reactivation', t: body('Hello {{inviteeName}}'), problems: ['The body must contain {{link}}'] },
    { name: 'link only in the subject', kind: 'invitation', t: { subject: '{{link}}', body: 'Hello' }, problems: ['The body must contain {{link}}'] },
    { name: 'stray braces', kind: 'invitation', t: body('{{link}} and {{oops'), problems: ['not part of a placeholder'] },
    { name: 'empty subject', kind: 'invitation', t: { subject: '  ', body: '{{link}}' }, problems: ['The subject is empty'] },
    { name: 'line break in subject', kind: 'invitation', t: { subject: 'a\nBcc: x@evil.test', body: '{{link}}' }, problems: ['The subject cannot contain line breaks'] },
    { name: 'too long', kind: 'invitation', t: body(`{{link}}${'x'.repeat(10_001)}`), problems: ['The body is too long'] },
  ];
  it.each(cases)('$name', ({ kind, t, problems }) => {
    const found = checkTemplate(kind, t).map((p) => p.message);
    expect(found).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(found[i]).toContain(p));
  });
  it('accepts every built-in wording', () => {
    for (const kind of TEMPLATE_KINDS) expect(checkTemplate(kind, DEFAULT_TEMPLATES[kind])).toEqual([]);
  });
});

describe('rendering escapes values and the template text itself', () => {
  it('hostile values are text in HTML, unchanged in the text part', () => {
    const values = { ...sampleValues('<script>alert(1)</script>', 'Eve "the" <b>admin</b>'), link: 'https://h/x?a=1&b="2"' };
    const m = renderTemplate(DEFAULT_TEMPLATES.invitation, values);
    expect(m.html).not.toContain('<script>');
    expect(m.html).not.toContain('<b>');
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(m.html).toContain('href="https://h/x?a=1&amp;b=&quot;2&quot;"');
    expect(m.text).toContain('Eve "the" <b>admin</b> invites you');
    expect(m.subject).toBe('You are invited to join <script>alert(1)</script>');
  });
  it('a hostile template is shown as text, never as markup', () => {
    const t = { subject: 'Hi\u2028{{organization}}', body: '<img src=x onerror=alert(1)>\n<a href="javascript:x">click</a> {{link}}\n\n</p><script>x</script>' };
    const m = renderTemplate(t, sampleValues('Acme', 'Olivia'));
    expect(m.html).not.toMatch(/<img|<script|<a href="javascript/);
    expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt;<br>');
    expect(m.html).toContain('&lt;/p&gt;&lt;script&gt;x&lt;/script&gt;');
    expect(m.html).toContain('<a href="https://roster.example/invite/sample-link">');
    expect(m.text).toContain('<img src=x onerror=alert(1)>');
  });
  it('a value with line breaks cannot add a header through the subject', () => {
    const m = renderTemplate({ subject: '{{organization}}', body: '{{link}}' }, sampleValues('Acme\r\nBcc: x@evil.test', 'O'));
    expect(m.subject).toBe('Acme Bcc: x@evil.test');
  });
});

describe('the editor on the store, and mail sent from the stored template', () => {
  it('lists defaults, saves (checked, versioned, audited), renders invitations from it over real SMTP, and resets', async () => {
    const { env, smtp, owner, roleId } = await setup();
    const listed = await owner.mailTemplates.list();
    expect(listed.templates.map((t) => [t.kind, t.custom, t.version])).toEqual(TEMPLATE_KINDS.map((k) => [k, false, 0]));
    expect(listed.sample.organization).toBe('Acme & Sons');

    const bad = await caught(owner.mailTemplates.save({ kind: 'invitation', version: 0, subject: 'Join', body: 'No link {{secret}}' }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toContain('Unknown placeholder {{secret}}');
    expect(bad.message).toContain('must contain {{link}}');

    const saved = await owner.mailTemplates.save({
      kind: 'invitation',
      version: 0,
      subject: 'Welcome to {{organization}}, {{inviteeName}}',
      body: 'Dear {{inviteeName}},\n\n<b>{{inviterName}}</b> wants you in {{organization}} ({{roles}}).\n\nGo: {{link}}\n\nUntil {{expires}}.',
    });
    expect(saved).toMatchObject({ custom: true, version: 1 });
    // A second save from the first copy is refused with who changed it.
    await owner.mailTemplates.save({ ...saved, subject: 'Welcome to {{organization}}, {{inviteeName}}!' });
    const stale = await caught(owner.mailTemplates.save({ ...saved, subject: 'Lost update' }));
    expect(stale.domainCode).toBe('STALE');
    expect(stale.message).toContain(`Changed by ${OWNER_EMAIL}`);

    await owner.members.invite({ entries: [{ email: 'ada@example.org', name: 'Ada <Lovelace>' }], grants: { roleIds: [roleId] } });
    await env.mail.sender.drainAll();
    const mail = smtp.received[0]!;
    expect(mail.subject).toBe('Welcome to Acme & Sons, Ada <Lovelace>!');
    expect(mail.decoded).toContain(`Dear Ada <Lovelace>,`);
    expect(mail.decoded).toContain('Dear Ada &lt;Lovelace&gt;,');
    expect(mail.decoded).toContain(`&lt;b&gt;${OWNER_EMAIL}&lt;/b&gt; wants you in Acme &amp; Sons (Admin).`);
    expect(mail.decoded.slice(mail.decoded.indexOf('text/html'))).not.toContain('<b>');
    // The link in the custom wording works.
    await inviteeDoor(env).accept({ token: tokenOf(linkIn(mail)), password: PASSWORD });
    expect((await owner.members.list({})).items.find((m) => m.email === 'ada@example.org')?.status).toBe('accepted');
    // Other kinds keep the built-in wording.
    const reset = await owner.members.invite({ entries: [{ email: 'bob@example.org' }], grants: { roleIds: [roleId] } });
    await env.mail.sender.drainAll();
    await owner.members.resend({ ids: [reset.invited[0]!.memberId] });
    await env.mail.sender.drainAll();
    expect(smtp.received.map((m) => m.subject).slice(1)).toEqual(['Welcome to Acme & Sons, bob@example.org!', 'Reminder: your invitation to join Acme & Sons']);

    const current = (await owner.mailTemplates.list()).templates.find((t) => t.kind === 'invitation')!;
    expect((await caught(owner.mailTemplates.reset({ kind: 'invitation', version: current.version - 1 }))).domainCode).toBe('STALE');
    const back = await owner.mailTemplates.reset({ kind: 'invitation', version: current.version });
    expect(back).toMatchObject({ custom: false, version: current.version + 1, subject: DEFAULT_TEMPLATES.invitation.subject });
    await owner.members.invite({ entries: [{ email: 'cy@example.org' }], grants: { roleIds: [roleId] } });
    await env.mail.sender.drainAll();
    expect(smtp.received.at(-1)!.subject).toBe('You are invited to join Acme & Sons');

    const audit = await env.store.db.selectFrom('audit').select(['action', 'target_label']).where('target_type', '=', 'mail_template').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['mail.template.update', 'mail.template.update', 'mail.template.reset']);
    expect(audit[0]!.target_label).toBe('Invitation');
  });

  it('sends the wording being edited to the admin through the outbox and SMTP, refusing a broken one', async () => {
    const { env, smtp, owner } = await setup();
    const broken = await caught(owner.mailTemplates.sendTest({ kind: 'password_reset', subject: 'x', body: 'no link' }));
    expect(broken.message).toContain('must contain {{link}}');
    const r = await owner.mailTemplates.sendTest({ kind: 'password_reset', subject: 'Reset for {{organization}}', body: 'Hi {{inviteeName}}: {{link}} <i>' });
    expect(r.to).toBe(OWNER_EMAIL);
    const [row] = await env.store.db.selectFrom('mail_outbox').selectAll().execute();
    expect(row).toMatchObject({ kind: 'template_test', recipient: OWNER_EMAIL, member_id: null, link_token_hash: null });
    // The test send wakes the sender, as queued mail does.
    await smtp.waitFor(1);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual([OWNER_EMAIL]);
    expect(smtp.received[0]!.subject).toBe('[Test] Reset for Acme & Sons');
    expect(smtp.received[0]!.decoded).toContain('Hi Ada Lovelace: https://roster.example/invite/sample-link <i>');
    expect(smtp.received[0]!.decoded).toContain('Hi Ada Lovelace: <a href="https://roster.example/invite/sample-link">https://roster.example/invite/sample-link</a> &lt;i&gt;</p>');
  });
});
