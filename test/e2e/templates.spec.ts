import { startSmtp } from '../support/smtp';
import { expect, inviteByChips, OWNER, registerOwner, test } from './fixtures';

test('an admin edits the invitation template, previews it, sends a test to themselves, and invitations use it; reset puts the default back', async ({ page }) => {
  const smtp = await startSmtp();
  try {
    await registerOwner(page);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Mail', exact: true }).click();
    // The form fills itself from the stored settings when they arrive: type after that, not before.
    await expect(page.getByText(/^Links in mails start with/)).toBeVisible();
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByText('None', { exact: true }).click();
    await page.getByLabel('Port').fill(String(smtp.port));
    await page.getByLabel('Sender address').fill('roster@acme.test');
    await page.getByRole('button', { name: 'Save mail settings' }).click();
    await expect(page.getByText('Mail settings saved')).toBeVisible();

    const tabs = page.getByRole('tablist', { name: 'Mail templates' });
    await expect(tabs.getByRole('tab', { name: 'Invitation', exact: true })).toHaveAttribute('aria-selected', 'true');
    const subject = page.getByRole('textbox', { name: 'Subject' });
    const body = page.getByRole('textbox', { name: 'Body' });
    await expect(subject).toHaveValue('You are invited to join {{organization}}');

    // An unknown placeholder and a missing link are refused before saving, with what to do.
    await body.fill('Dear {{firstName}},\n\n<b>{{inviterName}}</b> asks you to join {{organization}}.');
    const problems = page.getByRole('alert').filter({ hasText: 'This template cannot be saved yet' });
    await expect(problems).toContainText('Unknown placeholder {{firstName}}');
    await expect(problems).toContainText('The body must contain {{link}}');
    await expect(page.getByRole('button', { name: 'Save template' })).toBeDisabled();
    await expect(page.getByText('Save: Fix the problems listed above first.')).toBeVisible();

    await body.fill('Dear {{inviteeName}},\n\n<b>{{inviterName}}</b> asks you to join {{organization}}.\n\nStart here: ');
    await page.getByRole('button', { name: /^Insert \{\{link\}\}/ }).click();
    await expect(body).toHaveValue(/Start here: \{\{link\}\}$/);
    await subject.fill('Join {{organization}} today');
    await expect(problems).toBeHidden();

    // Another mail's tab and back: the unsaved wording is still there, and its tab says it is unsaved.
    await tabs.getByRole('tab', { name: 'Reactivation' }).click();
    await expect(subject).not.toHaveValue('Join {{organization}} today');
    await expect(tabs.getByRole('tab', { name: 'Invitation (unsaved changes)' })).toBeVisible();
    await tabs.getByRole('tab', { name: 'Invitation (unsaved changes)' }).click();
    await expect(subject).toHaveValue('Join {{organization}} today');
    await expect(body).toHaveValue(/Start here: \{\{link\}\}$/);

    // Live preview with sample values: the typed <b> is shown as text, the link is a link.
    const preview = page.getByRole('region', { name: 'Preview' });
    await expect(preview.getByTestId('preview-subject')).toHaveText(`Join ${OWNER.organization} today`);
    const html = preview.getByRole('document', { name: 'HTML preview' });
    await expect(html).toContainText(`<b>${OWNER.name}</b> asks you to join ${OWNER.organization}.`);
    await expect(html.locator('b')).toHaveCount(0);
    await expect(html.getByRole('link', { name: 'https://roster.example/invite/sample-link' })).toBeVisible();
    await preview.getByRole('tab', { name: 'Text' }).click();
    await expect(preview.getByLabel('Text preview')).toContainText('Dear Ada Lovelace,');
    await page.screenshot({ path: 'test-results/screens/mail-templates-1280.png', fullPage: true });

    await page.getByRole('button', { name: 'Send a test to me' }).click();
    await expect(page.getByText('Test mail queued')).toBeVisible();
    await smtp.waitFor(1);
    expect(smtp.received[0]!.to).toEqual([OWNER.email]);
    expect(smtp.received[0]!.subject).toBe(`[Test] Join ${OWNER.organization} today`);
    expect(smtp.received[0]!.decoded).toContain('&lt;b&gt;');

    await page.getByRole('button', { name: 'Save template' }).click();
    await expect(page.getByText('Template saved')).toBeVisible();
    await expect(tabs.getByRole('tab', { name: 'Invitation (edited)' })).toBeVisible();

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Members' }).click();
    await inviteByChips(page, ['nina@example.org']);
    await smtp.waitFor(2);
    expect(smtp.received[1]!.to).toEqual(['nina@example.org']);
    expect(smtp.received[1]!.subject).toBe(`Join ${OWNER.organization} today`);
    expect(smtp.received[1]!.decoded).toMatch(/Start here: http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9_-]{43}/);

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Mail', exact: true }).click();
    await page.getByRole('button', { name: 'Reset to default' }).click();
    const confirm = page.getByRole('dialog', { name: 'Reset the invitation template?' });
    await confirm.getByRole('button', { name: 'Reset to default' }).click();
    await expect(page.getByText('Template reset')).toBeVisible();
    await expect(subject).toHaveValue('You are invited to join {{organization}}');
    await expect(tabs.getByRole('tab', { name: 'Invitation', exact: true })).toBeVisible();
  } finally {
    await smtp.close();
  }
});
