import { createNlpPool } from '../src/activities/nlp/pool';
import { loadStages, referenceDate } from './nlp-stages';
import { realTexts } from './real-texts';
import { rssMb } from './e2e';
const texts = realTexts(200, 400);
const s = await loadStages();
const pool = await createNlpPool();
for (let i = 0; i < 2400; i += 24) {
  await Promise.all(Array.from({ length: 24 }, (_, j) => pool.analyse(`${texts[(i + j) % 400]!.text}\n\nnote ${i + j}`, s.serialized, { referenceDate })));
  if ((i / 24) % 20 === 0) console.log(i, rssMb(process.pid), Math.round(process.memoryUsage().heapUsed / 1e6));
}
await pool.close();
process.exit(0);
