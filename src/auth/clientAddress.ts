// Who a client is for the per-address limits when it is not authenticated: its IPv4 address, or its IPv6 /64 network
// (one IPv6 host commonly holds a whole /64, so counting single addresses would let it rotate past any limit).
import { isIPv6 } from 'node:net';

/** The address's limit subject: IPv4 as is (IPv4-mapped IPv6 included), IPv6 as its first four groups plus `::/64`. */
export function addressSubject(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice('::ffff:'.length);
  if (!isIPv6(address)) return address;
  const zoneless = address.split('%')[0] as string;
  const [head = '', tail] = zoneless.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
