import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { DomainError } from '../core/errors';
import { publicBaseUrl } from '../core/hosts';
import type { Db, DbOrTx } from '../db/database';
import { insertAuditRows } from '../db/repos/audit.repo';
import { firstOrganizationId } from '../db/repos/organizations.repo';
import { readInstallSetting, writeInstallSetting } from '../db/repos/settings.repo';
import { auditRow } from './audit';
import type { Actor } from './deps';

const KEY = 'portal';

export const portalSettingsInput = z.object({
  host: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .refine((h) => isIP(h) !== 0 || /^[a-z0-9.-]+$/i.test(h), 'Give an IP address (e.g. 127.0.0.1 or 0.0.0.0) or a host name.'),
  port: z.number().int().min(1, 'Ports go from 1 to 65535.').max(65535, 'Ports go from 1 to 65535.'),
  /** What links in mails start with, as invitees reach this machine; empty means http://host:port. */
  publicBaseUrl: z
    .string()
    .trim()
    .max(2000)
    .nullish()
    .transform((u, ctx) => {
      if (!u) return null;
      const checked = publicBaseUrl(u);
      if ('url' in checked) return checked.url;
      ctx.addIssue({ code: 'custom', message: checked.problem });
      return z.NEVER;
    }),
  tlsCertPath: z.string().trim().max(4096).nullish().transform((p) => p || null),
  tlsKeyPath: z.string().trim().max(4096).nullish().transform((p) => p || null),
});
export type PortalSettings = z.output<typeof portalSettingsInput>;

export const DEFAULT_PORTAL: PortalSettings = { host: '127.0.0.1', port: 8450, publicBaseUrl: null, tlsCertPath: null, tlsKeyPath: null };

/**
 * Install-wide settings decide where every organization's links point: only an Owner of the
 * install's first organization (the one registered at first run) may change them.
 */
export async function assertInstallOwner(db: Db, organizationId: number, isOwnerHere: boolean): Promise<void> {
  if (!(await isFirstOrganization(db, organizationId)) || !isOwnerHere)
    throw new DomainError('OWNER_ONLY', 'Only an Owner of the organization registered first on this install can change where the invitee pages listen.');
}

/** Whether this is the organization registered first on the install. */
export async function isFirstOrganization(db: DbOrTx, organizationId: number): Promise<boolean> {
  return (await firstOrganizationId(db)) === organizationId;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the invitee pages listen; kept in memory too because every issued link reads it. */
export class PortalSettingsStore {
  current: PortalSettings = DEFAULT_PORTAL;

  constructor(private readonly db: Db) {}

  async load(): Promise<PortalSettings> {
    const value = await readInstallSetting(this.db, KEY);
    this.current = value !== undefined ? { ...DEFAULT_PORTAL, ...(JSON.parse(value) as Partial<PortalSettings>) } : DEFAULT_PORTAL;
    return this.current;
  }

  /** The start of every emailed link: the public address, else where the pages listen. */
  baseUrl(): string {
    const s = this.current;
    if (s.publicBaseUrl) return s.publicBaseUrl;
    const scheme = s.tlsCertPath && s.tlsKeyPath ? 'https' : 'http';
    const host = s.host === '0.0.0.0' || s.host === '::' ? '127.0.0.1' : s.host;
    return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${s.port}`;
  }

  /** Refuses settings that cannot work, saying what to fix. */
  validate(input: PortalSettings): void {
    if ((input.tlsCertPath === null) !== (input.tlsKeyPath === null))
      throw new DomainError('VALIDATION', 'Give both the certificate and its private key, or neither.', { field: 'tlsKeyPath' });
    for (const [field, path] of [['tlsCertPath', input.tlsCertPath], ['tlsKeyPath', input.tlsKeyPath]] as const)
      if (path && !readable(path)) throw new DomainError('VALIDATION', `Roster cannot read ${path}: check the path and its permissions.`, { field });
    if (!isLoopback(input.host) && !input.tlsCertPath)
      throw new DomainError(
        'VALIDATION',
        'Invitee pages reachable from other machines must be served over HTTPS: give the organization’s certificate and key, or keep 127.0.0.1.',
        { field: 'tlsCertPath' },
      );
  }

  async update(actor: Actor, organizationId: number, input: PortalSettings, now: string): Promise<PortalSettings> {
    this.validate(input);
    const before = this.current;
    await this.db.transaction().execute(async (trx) => {
      await writeInstallSetting(trx, KEY, JSON.stringify(input));
      await insertAuditRows(trx, [auditRow(organizationId, actor, 'portal.settings', { type: 'install', id: null, label: 'Invitee pages' }, before, input, now)]);
    });
    this.current = input;
    return input;
  }
}
