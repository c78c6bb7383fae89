// Enums shared by several entities.
import { builder } from './builder';

export const Environment = builder.enumType('Environment', {
  description: 'Where a domain is deployed.',
  values: { DEV: { value: 'dev' }, STAGING: { value: 'staging' }, PROD: { value: 'prod' } } as const,
});
