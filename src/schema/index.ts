// Imports every module (each registers its types on the builder) and builds the schema.
import { builder } from './builder';
import './scalars';
import '../modules/organizations/types';
import '../modules/domains/types';
import '../modules/instances/types';
import '../modules/agents/types';
import '../modules/sessions/types';
import '../modules/usage/types';
import '../modules/auditLog/types';
import '../modules/integrations/types';
import '../modules/apiKeys/types';
import '../modules/users/types';
import '../modules/roles/types';
import '../modules/viewer/types';
import '../modules/loginTokens/mutations';
import '../modules/organizations/mutations';
import '../modules/domains/mutations';
import '../modules/instances/mutations';
import '../modules/agents/mutations';
import '../modules/integrations/mutations';
import '../modules/sessions/mutations';
import '../modules/usage/mutations';
import '../modules/users/mutations';
import '../modules/apiKeys/mutations';

export const schema = builder.toSchema({ sortSchema: true });
