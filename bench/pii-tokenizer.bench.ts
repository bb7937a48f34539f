/**
 * `npm run bench`: the tokenizer handlers' throughput and KMS calls, against dynalite (in-process
 * DynamoDB on 127.0.0.1) and the local KMS fake of the tests. The figures compare versions of the
 * handlers on one machine; in AWS, DynamoDB's network latency, not the handler, bounds a call.
 * Nothing is asserted: the handler tests assert behaviour, this prints figures.
 */
import { MAX_BATCH_SIZE } from '../src/governance/vault';
import { emails, VaultHarness } from '../test/governance/fixtures';

const BATCHES = 10;

interface Row {
  readonly scenario: string;
  readonly values: number;
  readonly seconds: number;
  readonly kmsCalls: number;
}

async function measure(vault: VaultHarness, scenario: string, batches: number, run: (batch: number) => Promise<void>): Promise<Row> {
  vault.kms.resetCounts();
  const started = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) await run(b);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { scenario, values: batches * MAX_BATCH_SIZE, seconds, kmsCalls: vault.kms.total };
}

async function main(): Promise<void> {
  const vault = await VaultHarness.start({ normalization: { caseFold: true } });
  // Handler logs are counts only; keep them out of the figures.
  vault.logs.length = 0;
  try {
    const batch = (b: number) => emails(MAX_BATCH_SIZE, `bench${b}`);
    // warm up the process (JIT, sockets) on a separate table
    await vault.tokenizer()({ values: emails(MAX_BATCH_SIZE, 'warmup') });
    await vault.createTable();

    const tokenizer = vault.tokenizer();
    const tokens: string[][] = [];
    const rows: Row[] = [];
    rows.push(await measure(vault, 'tokenize, new values (one container)', BATCHES, async b => {
      tokens[b] = (await tokenizer({ values: batch(b) })).tokens;
    }));
    rows.push(await measure(vault, 'tokenize, known values (one container)', BATCHES, async b => {
      await tokenizer({ values: batch(b) });
    }));
    rows.push(await measure(vault, 'tokenize, known values (a cold start per batch)', BATCHES, async b => {
      await vault.tokenizer()({ values: batch(b) });
    }));
    const detokenizer = vault.detokenizer();
    rows.push(await measure(vault, 'detokenize (one container)', BATCHES, async b => {
      await detokenizer({ tokens: tokens[b] });
    }));
    rows.push(await measure(vault, 'detokenize (a cold start per batch)', BATCHES, async b => {
      await vault.detokenizer()({ tokens: tokens[b] });
    }));

    const width = Math.max(...rows.map(r => r.scenario.length));
    console.log(`PiiTokenizer handlers: ${BATCHES} batches of ${MAX_BATCH_SIZE} values each, dynalite on 127.0.0.1, local KMS fake\n`);
    console.log(`${'scenario'.padEnd(width)}  ${'values/s'.padStart(9)}  ${'ms/batch'.padStart(9)}  KMS calls per 1,000 values`);
    for (const r of rows) {
      const perSecond = Math.round(r.values / r.seconds);
      const msPerBatch = (r.seconds * 1000 / BATCHES).toFixed(0);
      const kmsPerThousand = (r.kmsCalls / (r.values / 1000)).toFixed(1);
      console.log(`${r.scenario.padEnd(width)}  ${String(perSecond).padStart(9)}  ${msPerBatch.padStart(9)}  ${kmsPerThousand}`);
    }
  } finally {
    await vault.close();
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
