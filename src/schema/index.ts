// Imports every module (each registers its types on the builder) and builds the schema.
import { builder } from './builder';
import './scalars';
import '../modules/organizations/types';
import '../modules/users/types';
import '../modules/roles/types';
import '../modules/viewer/types';
import '../modules/loginTokens/mutations';

export const schema = builder.toSchema({ sortSchema: true });
