import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Encrypts small secrets (the SMTP password) at rest. Electron uses safeStorage; web mode a key file. */
export interface SecretBox {
  readonly kind: string;
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export const SECRET_KEY_FILE = 'secret.key';
const PREFIX = 'aesgcm1:';

/** AES-256-GCM with a random 32-byte key kept in `secret.key` in the data folder, readable by the owner only. */
export function fileSecretBox(dataDir: string): SecretBox {
  const file = join(dataDir, SECRET_KEY_FILE);
  let key: Buffer | null = null;
  const load = (): Buffer => {
    if (key) return key;
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      // 'wx': never overwrite a key another process just wrote.
      try {
        writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    const k = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (k.length !== 32) throw new Error(`${file} is not a valid key: delete it and enter the SMTP password again.`);
    key = k;
    return k;
  };
  return {
    kind: 'key-file',
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', load(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) throw new Error('The stored secret was not written by this key file.');
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', load(), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
