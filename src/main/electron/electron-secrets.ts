import { safeStorage } from 'electron';
import type { SecretBox } from '../mail/secrets';

const PREFIX = 'safestorage1:';

/** The OS keychain (Keychain, DPAPI, libsecret) through Electron's safeStorage; falls back to the key file when unavailable. */
export function safeStorageSecretBox(fallback: SecretBox): SecretBox {
  return {
    kind: 'safeStorage',
    encrypt(plain) {
      if (!safeStorage.isEncryptionAvailable()) return fallback.encrypt(plain);
      return PREFIX + safeStorage.encryptString(plain).toString('base64');
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) return fallback.decrypt(stored);
      return safeStorage.decryptString(Buffer.from(stored.slice(PREFIX.length), 'base64'));
    },
  };
}
