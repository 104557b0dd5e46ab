import { describe, expect, it } from 'vitest';
import { caught } from '../helpers';
import { connect, syncEnv } from './env';

describe('sync settings: the address never carries credentials', () => {
  it('refuses a base URL with a user name or password, on the baseUrl field', async () => {
    const e = await syncEnv();
    const withUser = e.scim.baseUrl.replace('://', '://u:p@');
    for (const baseUrl of [withUser, 'http://u:p@127.0.0.1:1/', 'https://token@idp.example.org/scim/v2']) {
      const err = await caught(e.owner.sync.saveSettings({ baseUrl, token: e.scim.token }));
      expect(err.domainCode, baseUrl).toBe('VALIDATION');
      expect(err.field, baseUrl).toBe('baseUrl');
      expect(err.issue, baseUrl).toBe('Put the credentials in the token field, not in the address.');
    }
    expect((await e.owner.sync.getSettings()).configured).toBe(false);
    await connect(e);
    expect((await e.owner.sync.getSettings()).baseUrl).toBe(e.scim.baseUrl);
  });

  it('never returns a user name or password an address saved earlier holds', async () => {
    const e = await syncEnv();
    await connect(e);
    // As saved before they were refused.
    await e.store.db.updateTable('sync_settings').set({ base_url: 'http://u:secret-pass@127.0.0.1:1/scim/v2' }).where('organization_id', '=', e.organizationId).execute();
    const shown = await e.owner.sync.getSettings();
    expect(shown.baseUrl).toBe('http://127.0.0.1:1/scim/v2');
    expect(JSON.stringify(shown)).not.toContain('secret-pass');
  });
});
