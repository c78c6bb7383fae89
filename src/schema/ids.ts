// Global ids given as arguments: decoded and checked against the type they must name.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { BadUserInputError } from './errors';

/** The row id inside a global id of `typename`; anything else is BAD_USER_INPUT naming `argument`. */
export function idOf(globalId: string, typenames: string | string[], argument: string): string {
  const allowed = Array.isArray(typenames) ? typenames : [typenames];
  let decoded: { typename: string; id: string } | null = null;
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    decoded = null;
  }
  if (!decoded || !allowed.includes(decoded.typename)) {
    throw new BadUserInputError(`${argument}: not the id of ${allowed.join(' or ')}.`, argument);
  }
  return decoded.id;
}

/** Like idOf, with the type name kept (for arguments that accept several types). */
export function typedIdOf(globalId: string, typenames: string[], argument: string): { typename: string; id: string } {
  const id = idOf(globalId, typenames, argument);
  return { typename: decodeGlobalID(globalId).typename, id };
}
