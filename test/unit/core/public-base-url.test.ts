import { describe, expect, it } from 'vitest';
import { publicBaseUrl } from '../../../src/main/core/hosts';

// The start of every mailed link (Settings → invitee pages, ROSTER_PUBLIC_URL): found by the 2026-12-07
// adversarial pass, each of the refused ones was saved and put in every link.
describe('the public address of the invitee pages', () => {
  it.each([
    ['https://join.acme.test', 'https://join.acme.test'],
    ['https://join.acme.test/', 'https://join.acme.test'],
    ['  HTTPS://Join.Acme.Test:443/roster//  ', 'https://join.acme.test/roster'],
    ['http://10.0.0.5:8450', 'http://10.0.0.5:8450'],
    ['http://[::1]:8450/', 'http://[::1]:8450'],
    ['https://intranet.example.com/roster', 'https://intranet.example.com/roster'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
  ])('%s is kept as %s', (raw, stored) => {
    expect(publicBaseUrl(raw)).toEqual({ url: stored });
  });

  it.each([
    ['roster.example.com', 'must start with https:// or http://'],
    ['ftp://roster.example.com', 'must start with https:// or http://'],
    ['https://roster.example.com#', 'remove the ? or # and what follows'],
    ['https://roster.example.com?x=', 'remove the ? or # and what follows'],
    ['https://user:pass@roster.example.com', 'Leave the user name and password out'],
    ['https://roster.example.com:99999', 'check the host and the port (1 to 65535)'],
    ['https://[::1', 'check the host and the port'],
    ['https://..', 'is not a host name or IP address'],
    ['https://-bad-.example', 'is not a host name or IP address'],
    ['https://roster.example.com/a"b<c>', 'a character a link cannot hold'],
    ['https://roster.example.com/a b', 'a character a link cannot hold'],
  ])('%s is refused: %s', (raw, problem) => {
    const checked = publicBaseUrl(raw);
    expect('problem' in checked && checked.problem).toContain(problem);
  });
});
