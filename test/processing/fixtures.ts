import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import { BronzeSilverGoldLake } from '../../src';

/** The example job script (a real file, so asset code binds as in an app). */
export const SCRIPT = path.join(__dirname, '..', '..', 'examples', 'lake-app', 'jobs', 'orders_to_silver.py');

/** A fresh app and stack with a fixed environment. */
export function newStack(id = 'Stack'): Stack {
  const app = new App();
  return new Stack(app, id, { env: { account: '111111111111', region: 'eu-west-1' } });
}

/** A stack with a lake, ready for jobs. */
export function lakeStack(): { stack: Stack; lake: BronzeSilverGoldLake } {
  const stack = newStack();
  const lake = new BronzeSilverGoldLake(stack, 'Lake', { databasePrefix: 'sales' });
  return { stack, lake };
}

export function script(): glue.Code {
  return glue.Code.fromAsset(SCRIPT);
}

/** The only resource of a type in the template (fails when there are more). */
export function onlyResource(template: Template, type: string): { logicalId: string; props: any } {
  const found = template.findResources(type);
  const ids = Object.keys(found);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return { logicalId: ids[0], props: found[ids[0]].Properties };
}
