// test/catalog/merge-sql/<table>.sql is the retain-last merge SQL that SnapshotPartitionTable generates
// for each table of merge-cases.json, committed so that test_merge_sql_spark.py runs in Spark SQL exactly
// the SQL the constructs generate today. UPDATE_MERGE_SQL=1 rewrites the files from the constructs.
import * as fs from 'fs';
import * as path from 'path';
import { MERGE_CASES, MERGE_SQL_DIR, mergeCaseTable } from './merge-cases';

const UPDATE = process.env.UPDATE_MERGE_SQL === '1';
const REGENERATE = 'UPDATE_MERGE_SQL=1 npx jest test/catalog/merge-sql-fixtures.test.ts';

describe('the committed merge SQL of the Spark test is the generated SQL', () => {
  test.each(Object.keys(MERGE_CASES.tables))('merge-sql/%s.sql', (name) => {
    const file = path.join(MERGE_SQL_DIR, `${name}.sql`);
    const generated = `${mergeCaseTable(name).retainLastMergeSql()}\n`;
    if (UPDATE) {
      fs.mkdirSync(MERGE_SQL_DIR, { recursive: true });
      fs.writeFileSync(file, generated);
    }
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (committed !== generated) {
      throw new Error(`${path.relative(process.cwd(), file)} differs from the SQL SnapshotPartitionTable generates `
        + `(or is missing): regenerate it with \`${REGENERATE}\`, review the diff and commit it.\n`
        + `generated:\n${generated}\ncommitted:\n${committed ?? '(none)'}`);
    }
  });

  test('the folder holds no SQL of a table the cases no longer have', () => {
    const files = fs.existsSync(MERGE_SQL_DIR) ? fs.readdirSync(MERGE_SQL_DIR).sort() : [];
    expect(files).toEqual(Object.keys(MERGE_CASES.tables).map(t => `${t}.sql`).sort());
  });
});
