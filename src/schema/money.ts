// Money is integer nano-USD in the database and an exact decimal string in the API.
const NANO = 1_000_000_000n;

/** 1234500 nano-USD → "0.001234500". Accepts the integer as a number, bigint or decimal text. */
export function formatNanoUsd(value: number | bigint | string): string {
  const nano = BigInt(value);
  const sign = nano < 0n ? '-' : '';
  const abs = nano < 0n ? -nano : nano;
  return `${sign}${abs / NANO}.${(abs % NANO).toString().padStart(9, '0')}`;
}
