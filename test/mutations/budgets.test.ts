// setBudget, deleteBudget over HTTP: the budgets module's table (run by test/helpers/mutations.ts).
import { expect } from 'vitest';
import { gid } from '../helpers/fixtures';
import { type Case, cibc, describeMutations, inQuant, mutationHarness, quant } from '../helpers/mutations';

const h = mutationHarness();
const agent = gid('Agent', 'agt-001');
const SELECT = 'budget { id level period tokenLimit costLimitUsd alertAtPercent user { id } organization { slug } }';

// Order matters: deleteBudget removes what setBudget made.
const CASES: Case[] = [
  {
    mutation: 'setBudget',
    action: 'budget.set',
    select: SELECT,
    failures: [
      {
        when: 'an org_operator sets an agent budget (it lacks llm:quota:update:org)',
        as: 'operator',
        input: () => ({ agentId: agent, period: 'DAY', tokenLimit: 1 }),
        code: 'FORBIDDEN',
      },
      {
        when: 'an org_viewer sets the organization budget',
        as: 'viewer',
        input: () => ({ organizationId: quant, period: 'MONTH', tokenLimit: 1 }),
        code: 'FORBIDDEN',
      },
      {
        when: "a quant org_admin sets a cibc agent's budget",
        as: 'admin',
        input: () => ({ agentId: gid('Agent', 'agt-101'), period: 'DAY', tokenLimit: 1 }),
        code: 'NOT_FOUND',
      },
      {
        when: "a quant org_admin sets a cibc API key's budget",
        as: 'admin',
        input: () => ({ apiKeyId: gid('ApiKey', h.cibcKeyId), period: 'DAY', tokenLimit: 1 }),
        code: 'NOT_FOUND',
      },
      {
        when: 'a quant org_admin sets a cibc budget of a quant member',
        as: 'admin',
        input: () => ({ organizationId: cibc, userId: gid('User', h.developerId), period: 'DAY', tokenLimit: 1 }),
        code: 'NOT_FOUND',
      },
      {
        when: 'two subjects are given',
        as: 'admin',
        input: () => ({ agentId: agent, userId: gid('User', h.developerId), period: 'DAY', tokenLimit: 1 }),
        code: 'BAD_USER_INPUT',
        field: 'input',
      },
      {
        when: 'an agent budget names an organization too',
        as: 'admin',
        input: () => ({ organizationId: quant, agentId: agent, period: 'DAY', tokenLimit: 1 }),
        code: 'BAD_USER_INPUT',
        field: 'input.organizationId',
      },
      {
        when: 'a user budget names no organization',
        as: 'admin',
        input: () => ({ userId: gid('User', h.developerId), period: 'DAY', tokenLimit: 1 }),
        code: 'BAD_USER_INPUT',
        field: 'input.organizationId',
      },
      {
        when: 'the subject is an id of another type',
        as: 'admin',
        input: () => ({ agentId: quant, period: 'DAY', tokenLimit: 1 }),
        code: 'BAD_USER_INPUT',
        field: 'input.agentId',
      },
      {
        when: 'alertAtPercent is 0',
        as: 'admin',
        input: () => ({ agentId: agent, period: 'DAY', alertAtPercent: 0 }),
        code: 'BAD_USER_INPUT',
        field: 'input.alertAtPercent',
      },
      {
        when: 'alertAtPercent is 101',
        as: 'admin',
        input: () => ({ agentId: agent, period: 'DAY', alertAtPercent: 101 }),
        code: 'BAD_USER_INPUT',
        field: 'input.alertAtPercent',
      },
      {
        when: 'the cost limit is 1000000 USD',
        as: 'admin',
        input: () => ({ agentId: agent, period: 'DAY', costLimitUsd: '1000000' }),
        code: 'BAD_USER_INPUT',
        field: 'input.costLimitUsd',
      },
      {
        when: 'the token limit is negative',
        as: 'admin',
        input: () => ({ agentId: agent, period: 'DAY', tokenLimit: -1 }),
        code: 'BAD_USER_INPUT',
        scalar: 'NonNegativeInt',
      },
      {
        when: 'the period is a year',
        as: 'admin',
        input: () => ({ agentId: agent, period: 'YEAR', tokenLimit: 1 }),
        code: 'BAD_USER_INPUT',
        scalar: 'BudgetPeriod',
      },
    ],
    happy: {
      when: "for an org_admin, a member's daily budget in quant, recording the limits set",
      as: 'admin',
      input: () => ({
        organizationId: quant,
        userId: gid('User', h.developerId),
        period: 'DAY',
        tokenLimit: 1000,
        costLimitUsd: '2.5',
        alertAtPercent: 90,
      }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.budget).toMatchObject({
          level: 'USER',
          period: 'DAY',
          tokenLimit: 1000,
          costLimitUsd: '2.500000000',
          alertAtPercent: 90,
          user: { id: gid('User', h.developerId) },
          organization: { slug: 'quant' },
        });
        h.ids.budget = payload.budget.id;
        expect(entry.metadata).toMatchObject({
          level: 'USER',
          subjectId: h.developerId,
          period: 'DAY',
          before: { tokenLimit: null, costLimitNanoUsd: null, alertAtPercent: null },
          after: { tokenLimit: 1000, costLimitNanoUsd: '2500000000', alertAtPercent: 90 },
        });
      },
    },
  },
  {
    mutation: 'deleteBudget',
    action: 'budget.delete',
    select: 'deletedId budget { id level }',
    failures: [
      {
        when: 'the member whose budget it is deletes it (it sees its own budget, lacks llm:quota:update:org)',
        as: 'developer',
        input: () => ({ id: h.id('budget') }),
        code: 'FORBIDDEN',
      },
      {
        when: "an org_viewer deletes quant's monthly budget (it cannot see it)",
        as: 'viewer',
        input: () => ({ id: gid('Budget', 'quant-month') }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the id is of another type',
        as: 'admin',
        input: () => ({ id: agent }),
        code: 'BAD_USER_INPUT',
        field: 'input.id',
      },
    ],
    happy: {
      when: 'for an org_admin, recording the limits it had',
      as: 'admin',
      input: () => ({ id: h.id('budget') }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload).toEqual({ deletedId: h.id('budget'), budget: { id: h.id('budget'), level: 'USER' } });
        expect(entry.metadata).toMatchObject({ before: { tokenLimit: 1000, costLimitNanoUsd: '2500000000', alertAtPercent: 90 } });
      },
    },
    afterwards: [{ when: 'it is deleted again', as: 'admin', input: () => ({ id: h.id('budget') }), code: 'NOT_FOUND' }],
  },
];

describeMutations(h, 'budgets', CASES);
