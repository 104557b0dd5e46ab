/**
 * One object on the wire: look before create, adopt on 409, re-create on 404, PATCH where the
 * server supports it (PUT otherwise), group membership as deltas chunked to maxOperations.
 */
import { ScimClient, ScimError, type PatchOperation, type ScimCapabilities } from './client';
import { GROUP_SCHEMA, userBody, type GroupAttrs, type UserAttrs } from './mapping';
import { chunk, diffAttributes, memberDelta, type OpKind } from './plan';

export interface Written<T> {
  remoteId: string | null;
  written: T | null;
}

/** A group cannot be sent yet: some of its members are not on the server. */
export class BlockedError extends Error {}

const is404 = (e: unknown) => e instanceof ScimError && e.status === 404;
const is409 = (e: unknown) => e instanceof ScimError && e.status === 409;

async function writeUser(client: ScimClient, caps: ScimCapabilities, id: string, before: UserAttrs | null, after: UserAttrs): Promise<void> {
  if (!caps.patch) return client.replace('Users', id, userBody(after));
  const changes = diffAttributes(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>);
  const ops: PatchOperation[] = changes.map((c) => (c.after === null ? { op: 'remove', path: c.attribute } : { op: 'replace', path: c.attribute, value: c.after }));
  if (ops.length) await client.patch('Users', id, ops);
}

async function createUser(client: ScimClient, caps: ScimCapabilities, wanted: UserAttrs): Promise<Written<UserAttrs>> {
  // Look before creating: the server may hold this person already (a re-create, another tool).
  let found = await client.findOne('Users', 'userName', wanted.userName);
  if (!found) {
    try {
      const made = await client.create('Users', userBody(wanted));
      return { remoteId: made.id, written: wanted };
    } catch (e) {
      if (!is409(e)) throw e;
      // 409 uniqueness: someone created it meanwhile; adopt it rather than fail on every resync.
      found = await client.findOne('Users', 'userName', wanted.userName);
      if (!found) throw e;
    }
  }
  await writeUser(client, caps, found.id, null, wanted);
  return { remoteId: found.id, written: wanted };
}

export async function sendUser(client: ScimClient, caps: ScimCapabilities, op: OpKind, remoteId: string | null, written: UserAttrs | null, wanted: UserAttrs | null): Promise<Written<UserAttrs>> {
  switch (op) {
    case 'create':
      return createUser(client, caps, wanted!);
    case 'update':
      try {
        await writeUser(client, caps, remoteId!, written, wanted!);
        return { remoteId, written: wanted };
      } catch (e) {
        // The remote user went away: look it up, then re-create.
        if (is404(e)) return createUser(client, caps, wanted!);
        throw e;
      }
    case 'deactivate': {
      const next = { ...(written as UserAttrs), active: false };
      try {
        if (caps.patch) await client.patch('Users', remoteId!, [{ op: 'replace', path: 'active', value: false }]);
        else await client.replace('Users', remoteId!, userBody(next));
        return { remoteId, written: next };
      } catch (e) {
        if (is404(e)) return { remoteId: null, written: null };
        throw e;
      }
    }
    case 'delete':
      await client.remove('Users', remoteId!);
      return { remoteId: null, written: null };
    default:
      return { remoteId, written };
  }
}

function remoteMembers(ids: number[], remoteOf: Map<number, string | null>): string[] {
  const missing = ids.filter((m) => !remoteOf.get(m));
  if (missing.length) throw new BlockedError(`Waiting for ${missing.length} member${missing.length === 1 ? '' : 's'} to reach the server first.`);
  return ids.map((m) => remoteOf.get(m)!);
}

async function patchMembers(client: ScimClient, caps: ScimCapabilities, id: string, add: string[], remove: string[]): Promise<void> {
  const max = caps.maxOperations || 100;
  for (const part of chunk(add, max)) if (part.length) await client.patch('Groups', id, [{ op: 'add', path: 'members', value: part.map((value) => ({ value })) }]);
  const removals: PatchOperation[] = remove.map((r) => ({ op: 'remove', path: `members[value eq ${JSON.stringify(r)}]` }));
  for (const part of chunk(removals, max)) if (part.length) await client.patch('Groups', id, part);
}

async function createGroup(client: ScimClient, caps: ScimCapabilities, wanted: GroupAttrs, remoteOf: Map<number, string | null>): Promise<Written<GroupAttrs>> {
  const members = remoteMembers(wanted.members, remoteOf);
  const found = await client.findOne('Groups', 'displayName', wanted.displayName);
  if (found) {
    const have = ((found.members as { value: string }[] | undefined) ?? []).map((m) => m.value);
    if (caps.patch) {
      await client.patch('Groups', found.id, [{ op: 'replace', path: 'externalId', value: wanted.externalId }]);
      const d = memberDelta(have, members);
      await patchMembers(client, caps, found.id, d.add, d.remove);
    } else await client.replace('Groups', found.id, { schemas: [GROUP_SCHEMA], displayName: wanted.displayName, externalId: wanted.externalId, members: members.map((value) => ({ value })) });
    return { remoteId: found.id, written: wanted };
  }
  const max = caps.patch ? caps.maxOperations || 100 : members.length;
  const [first = [], ...rest] = chunk(members, Math.max(1, max));
  const made = await client.create('Groups', { schemas: [GROUP_SCHEMA], displayName: wanted.displayName, externalId: wanted.externalId, members: first.map((value) => ({ value })) });
  for (const part of rest) await client.patch('Groups', made.id, [{ op: 'add', path: 'members', value: part.map((value) => ({ value })) }]);
  return { remoteId: made.id, written: wanted };
}

export async function sendGroup(client: ScimClient, caps: ScimCapabilities, op: OpKind, remoteId: string | null, written: GroupAttrs | null, wanted: GroupAttrs | null, remoteOf: Map<number, string | null>): Promise<Written<GroupAttrs>> {
  switch (op) {
    case 'create':
      return createGroup(client, caps, wanted!, remoteOf);
    case 'update': {
      const w = wanted!;
      try {
        if (caps.patch) {
          if (written?.displayName !== w.displayName) await client.patch('Groups', remoteId!, [{ op: 'replace', path: 'displayName', value: w.displayName }]);
          const d = memberDelta(written?.members ?? [], w.members);
          const add = remoteMembers(d.add, remoteOf);
          // A removed member whose user is gone remotely has left every group there already.
          const remove = d.remove.map((m) => remoteOf.get(m)).filter((r): r is string => !!r);
          await patchMembers(client, caps, remoteId!, add, remove);
        } else await client.replace('Groups', remoteId!, { schemas: [GROUP_SCHEMA], displayName: w.displayName, externalId: w.externalId, members: remoteMembers(w.members, remoteOf).map((value) => ({ value })) });
        return { remoteId, written: { ...w, members: [...w.members].sort((a, b) => a - b) } };
      } catch (e) {
        if (is404(e)) return createGroup(client, caps, w, remoteOf);
        throw e;
      }
    }
    case 'delete':
      await client.remove('Groups', remoteId!);
      return { remoteId: null, written: null };
    default:
      return { remoteId, written };
  }
}
