// FOUNDRY_WORKERS=1 against FOUNDRY_WORKERS=2: requests per second of the same load, alternated, as ratios.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Gateway, startGateway } from '../test/helpers/gateway';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CLIENTS = 16;
const REQUESTS_PER_CLIENT = 60;
const READ = `{ agents(first: 20) { edges { node { name status organization { name } domain { name }
  sessions(first: 5) { edges { node { id status } } } } } } viewer { principal { name } } }`;
const WRITE = `mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }`;
const QUANT = Buffer.from('Organization:quant').toString('base64');

type Load = { name: string; query: string; variables: Record<string, unknown> };
const LOADS: Load[] = [
  { name: 'nested read', query: READ, variables: {} },
  {
    name: 'usage write (10 records)',
    query: WRITE,
    variables: {
      input: {
        organizationId: QUANT,
        records: Array.from({ length: 10 }, () => ({ model: 'gpt-4o', promptTokens: 10, completionTokens: 5 })),
      },
    },
  },
];

/** One POST on a keep-alive connection of `agent`; node:http costs the load generator less CPU than fetch. */
function send(agent: HttpAgent, url: string, key: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

type Rate = { perSecond: number; clientCpu: number };

/**
 * CLIENTS concurrent loops on their own keep-alive connections (spread over the workers by round-robin),
 * each sending REQUESTS_PER_CLIENT in turn; also the share of one core this load generator used meanwhile.
 */
async function requestsPerSecond(url: string, key: string, load: Load): Promise<Rate> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: CLIENTS });
  const body = JSON.stringify({ query: load.query, variables: load.variables });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < REQUESTS_PER_CLIENT; i += 1) {
        const text = await send(agent, url, key, body);
        if (text.includes('"errors"')) throw new Error(`${load.name}: ${text}`);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return { perSecond: (CLIENTS * REQUESTS_PER_CLIENT) / (elapsedMs / 1000), clientCpu: (used.user + used.system) / 1000 / elapsedMs };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-bench-workers-'));
  const env = { BCRYPT_COST: '10' };
  const gateways: { workers: number; gateway: Gateway; key: string }[] = [];
  try {
    // Each on its own new file with the same seeded rows; `gateway listening` is logged at info.
    for (const workers of [1, 2]) {
      const gateway = await startGateway(join(dir, `${workers}.db`), { ...env, FOUNDRY_WORKERS: String(workers), LOG_LEVEL: 'info' });
      gateways.push({ workers, gateway, key: gateway.firstApiKey as string });
    }

    for (const load of LOADS) {
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        // Alternate which goes first, so that neither always meets the other's leftovers.
        const order = round % 2 === 0 ? gateways : [...gateways].reverse();
        const rates = new Map<number, Rate>();
        for (const { workers, gateway, key } of order) rates.set(workers, await requestsPerSecond(gateway.url, key, load));
        const one = rates.get(1) as Rate;
        const two = rates.get(2) as Rate;
        ratios.push(two.perSecond / one.perSecond);
        console.log(
          `${load.name} round ${round + 1}: 1 worker ${one.perSecond.toFixed(0)} req/s (load generator ${(one.clientCpu * 100).toFixed(0)}% of a core), ` +
            `2 workers ${two.perSecond.toFixed(0)} req/s (${(two.clientCpu * 100).toFixed(0)}%), ratio ${(two.perSecond / one.perSecond).toFixed(2)}`,
        );
      }
      ratios.sort((a, b) => a - b);
      console.log(`${load.name}: median ratio 2 workers / 1 worker = ${(ratios[Math.floor(ratios.length / 2)] as number).toFixed(2)}`);
    }
  } finally {
    for (const { gateway } of gateways) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
