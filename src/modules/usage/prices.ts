// Model prices over time: setModelPrice (a platform setting, audited) and the modelPrices list. A usage record
// is priced with the period in effect at its createdAt and keeps the cost it got: a price set later, for any
// period, never changes a recorded cost.
import { z } from 'zod';
import { fetchPage, whereClause } from '../../db/keyset';
import { type Sql, sql } from '../../db/sql';
import { isoNow, type Reader } from '../../db/store';
import { builder } from '../../schema/builder';
import { pageRequest, sortOn, toConnection } from '../../schema/connections';
import { ConflictError } from '../../schema/errors';
import { audited, requirePermission } from '../../schema/write';
import { lockModelPrice, type ModelPrice, pricePeriods, upsertPricePeriod } from './repo';

/** A listed period: its prices, and when the next period of its model starts (null: in effect from then on). */
type PeriodRow = ModelPrice & { id: string; effective_until: string | null };

const NANO_PER_USD = 1_000_000_000n;
/** Prices per 1,000 tokens below 1,000,000 USD: every product with a token count stays an exact integer. */
const MAX_PRICE_NANO_USD = 1_000_000n * NANO_PER_USD;
const price = z.string().transform(BigInt).pipe(z.bigint().lt(MAX_PRICE_NANO_USD, 'must be below 1000000 USD per 1,000 tokens'));

export const ModelPricePeriod = builder.objectRef<PeriodRow>('ModelPricePeriod').implement({
  description:
    "A model's prices from effectiveFrom until effectiveUntil (the next period's start; null: still in effect). USD per 1,000 tokens of each kind.",
  fields: (t) => ({
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    effectiveFrom: t.field({ type: 'DateTime', resolve: (row) => row.effective_from }),
    effectiveUntil: t.field({ type: 'DateTime', nullable: true, resolve: (row) => row.effective_until }),
    promptUsdPer1kTokens: t.field({
      type: 'UsdAmount',
      description: 'Prompt tokens not served from the cache.',
      resolve: (row) => String(row.prompt),
    }),
    cachedPromptUsdPer1kTokens: t.field({
      type: 'UsdAmount',
      description: 'Prompt tokens served from the cache.',
      resolve: (row) => String(row.cached_prompt),
    }),
    completionUsdPer1kTokens: t.field({
      type: 'UsdAmount',
      description: 'Completion tokens other than reasoning.',
      resolve: (row) => String(row.completion),
    }),
    reasoningUsdPer1kTokens: t.field({ type: 'UsdAmount', description: 'Reasoning tokens.', resolve: (row) => String(row.reasoning) }),
    updatedAt: t.field({ type: 'DateTime', resolve: (row) => row.updated_at }),
  }),
});

const ModelPriceInput = builder.inputType('ModelPriceInput', {
  description: 'USD per 1,000 tokens of each kind, e.g. "0.0025". Each below 1000000.',
  fields: (t) => ({
    promptUsdPer1kTokens: t.field({ type: 'UsdAmount', required: true }).validate(price),
    cachedPromptUsdPer1kTokens: t.field({ type: 'UsdAmount', description: 'The prompt price when left out.' }).validate(price.nullish()),
    completionUsdPer1kTokens: t.field({ type: 'UsdAmount', required: true }).validate(price),
    reasoningUsdPer1kTokens: t.field({ type: 'UsdAmount', description: 'The completion price when left out.' }).validate(price.nullish()),
  }),
});

const SetModelPriceInput = builder.inputType('SetModelPriceInput', {
  fields: (t) => ({
    model: t.string({ required: true, validate: z.string().min(1, 'must not be empty').max(200, 'is too long') }),
    provider: t.string({ required: true, validate: z.string().min(1, 'must not be empty').max(200, 'is too long') }),
    prices: t.field({ type: ModelPriceInput, required: true }),
    effectiveFrom: t.field({
      type: 'DateTime',
      required: true,
      description:
        'From when these prices apply (to records whose createdAt is at or after it, until the next period). Setting the same instant again replaces that period.',
    }),
  }),
});

const SetModelPricePayload = builder.objectRef<PeriodRow>('SetModelPricePayload').implement({
  fields: (t) => ({ modelPrice: t.field({ type: ModelPricePeriod, resolve: (row) => row }) }),
});

const periodId = (row: Pick<ModelPrice, 'provider' | 'model' | 'effective_from'>) => `${row.provider}/${row.model}@${row.effective_from}`;

/** A period as the audit log records it: prices as nano-USD integer text. */
function audit(row: ModelPrice): Record<string, unknown> {
  return {
    provider: row.provider,
    model: row.model,
    effectiveFrom: row.effective_from,
    promptNanoUsdPer1kTokens: String(row.prompt),
    cachedPromptNanoUsdPer1kTokens: String(row.cached_prompt),
    completionNanoUsdPer1kTokens: String(row.completion),
    reasoningNanoUsdPer1kTokens: String(row.reasoning),
  };
}

builder.mutationFields((t) => ({
  setModelPrice: t.authField({
    type: SetModelPricePayload,
    nullable: true,
    description:
      "Sets a model's prices from effectiveFrom on. Needs settings:update:platform. Recorded costs never change: a record is priced when it is recorded, with the period in effect at its createdAt.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: SetModelPriceInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const prices = input.prices;
      return await audited(context, 'model_price.set', 'model_price', async (context) => {
        requirePermission(context, 'settings:update:platform', null, null);
        await lockModelPrice(context.db, input.model);
        const periods = (await pricePeriods(context.db, [input.model])).get(input.model) ?? [];
        const other = periods.find((period) => period.provider !== input.provider);
        if (other) {
          throw new ConflictError(
            `input.provider: "${input.model}" is priced under provider "${other.provider}"; a model has one provider.`,
          );
        }
        const before = periods.find((period) => period.effective_from === input.effectiveFrom);
        const prompt = BigInt(prices.promptUsdPer1kTokens);
        const completion = BigInt(prices.completionUsdPer1kTokens);
        const row = await upsertPricePeriod(context.db, {
          provider: input.provider,
          model: input.model,
          effectiveFrom: input.effectiveFrom,
          prompt,
          cachedPrompt: prices.cachedPromptUsdPer1kTokens == null ? prompt : BigInt(prices.cachedPromptUsdPer1kTokens),
          completion,
          reasoning: prices.reasoningUsdPer1kTokens == null ? completion : BigInt(prices.reasoningUsdPer1kTokens),
          now: isoNow(),
        });
        const listed = (await periodById(context.db, periodId(row))) as PeriodRow;
        return {
          organizationId: null,
          resourceId: periodId(row),
          before: before ? audit(before) : null,
          after: audit(row),
          value: listed,
        };
      });
    },
  }),
}));

/** Every period with its id and the start of the next period of its model, as a derived table `mp`. */
const PERIODS = sql`(SELECT provider, model, effective_from, prompt_nano_usd_per_1k_tokens AS prompt,
    cached_prompt_nano_usd_per_1k_tokens AS cached_prompt, completion_nano_usd_per_1k_tokens AS completion,
    reasoning_nano_usd_per_1k_tokens AS reasoning, updated_at,
    provider || '/' || model || '@' || effective_from AS id,
    lead(effective_from) OVER (PARTITION BY provider, model ORDER BY effective_from) AS effective_until
  FROM model_price_periods) mp`;

async function periodById(db: Reader, id: string): Promise<PeriodRow | undefined> {
  return await db.get<PeriodRow>(sql`SELECT mp.* FROM ${PERIODS} WHERE mp.id = ${id}`);
}

const ModelPricePeriodConnection = builder.connectionObject({ type: ModelPricePeriod, name: 'ModelPricePeriodConnection' });

builder.queryFields((t) => ({
  modelPrices: t.field({
    type: ModelPricePeriodConnection,
    description:
      'Price periods of every model, by provider, model and effectiveFrom (a model has one provider). Any authenticated principal may read them.',
    args: { ...t.arg.connectionArgs(), model: t.arg.string(), provider: t.arg.string() },
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) => {
      const where: Sql[] = [];
      if (args.model != null) where.push(sql`mp.model = ${args.model}`);
      if (args.provider != null) where.push(sql`mp.provider = ${args.provider}`);
      const sort = sortOn('modelPrices', 'id', sql`mp.id`, sql`mp.id`, 'ASC');
      const request = pageRequest(args, sort.key);
      const query = { columns: sql`mp.*`, from: PERIODS, where };
      return toConnection(await fetchPage<PeriodRow>(context.db, query, sort, request), request, sort.key, async () => {
        const row = await context.db.get<{ count: number }>(sql`SELECT count(*) AS count FROM ${PERIODS} ${whereClause(where)}`);
        return Number(row?.count ?? 0);
      });
    },
  }),
}));
