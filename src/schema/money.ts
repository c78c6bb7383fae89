// Money is integer nano-USD in the database and an exact decimal string in the API (the UsdAmount scalar).
import { BadUserInputError } from './errors';

const NANO = 1_000_000_000n;

/** 1234500 nano-USD → "0.001234500". Accepts the integer as a number, bigint or decimal text. */
export function formatNanoUsd(value: number | bigint | string): string {
  const nano = BigInt(value);
  const sign = nano < 0n ? '-' : '';
  const abs = nano < 0n ? -nano : nano;
  return `${sign}${abs / NANO}.${(abs % NANO).toString().padStart(9, '0')}`;
}

const USD_AMOUNT = /^(0|[1-9]\d{0,8})(\.\d{1,9})?$/;
export const USD_AMOUNT_RULE =
  'a string of digits, at most 9 before the point (no leading zero) and 9 after it, not negative, without exponent or separators';

/**
 * "250.5" → "250500000000" nano-USD; anything but an exact, non-negative decimal string is refused.
 * Integer text rather than a bigint: graphql-jit writes parsed literals into its compiled code as JSON.
 */
export function parseUsd(value: unknown): string {
  if (typeof value !== 'string' || !USD_AMOUNT.test(value)) {
    throw new BadUserInputError(`UsdAmount must be ${USD_AMOUNT_RULE}, e.g. "250.00".`);
  }
  const [whole, fraction = ''] = value.split('.');
  return (BigInt(whole as string) * NANO + BigInt(fraction.padEnd(9, '0'))).toString();
}
