// Writes src/formats/parquet/powersOfFive.h, the table the WebAssembly row scanners are compiled
// with: `node --import tsx scripts/write-powers-of-five.ts` (test/unit/formats/powersOfFive.test.ts
// fails when the header is not the table powersOfFive.ts makes).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { powersOfFiveHeader } from '../src/formats/parquet/powersOfFive';

writeFileSync(join(__dirname, '..', 'src', 'formats', 'parquet', 'powersOfFive.h'), powersOfFiveHeader());
