import { resolve } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The fuses electron-builder flips in the packaged binary (issue 16, Electron). electron-builder cannot
 * package here, so this loads electron-builder.yml with electron-builder's own loader and schema check
 * (a misspelt option fails there): a fuse dropped or turned back is caught before a release.
 */
let config: Configuration;

beforeAll(async () => {
  config = await getConfig(resolve(__dirname, '../../..'), null, null);
  await validateConfiguration(config, new DebugLogger(false));
});

describe('Electron fuses in the build', () => {
  const table: [keyof NonNullable<Configuration['electronFuses']>, boolean, string][] = [
    ['runAsNode', false, 'ELECTRON_RUN_AS_NODE cannot turn the app into a plain Node.js'],
    ['enableNodeOptionsEnvironmentVariable', false, 'NODE_OPTIONS cannot inject code'],
    ['enableNodeCliInspectArguments', false, '--inspect cannot attach a debugger'],
    ['enableCookieEncryption', true, 'cookies encrypted on disk'],
    ['onlyLoadAppFromAsar', true, 'no app folder beside the asar'],
    ['enableEmbeddedAsarIntegrityValidation', true, 'the asar is checked against its hash'],
  ];
  it.each(table)('%s is %s (%s)', (fuse, value) => {
    expect(config.electronFuses?.[fuse]).toBe(value);
  });

  it('the app is packed in an asar (the asar fuses protect nothing otherwise)', () => {
    expect(config.asar ?? true).not.toBe(false);
  });
});
