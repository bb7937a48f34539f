import { Duration, Stack, StackProps } from 'aws-cdk-lib';
// The example imports the library by its package name, as a user does (scripts/link-self.js links it).
// eslint-disable-next-line import/no-extraneous-dependencies
import { BronzeSilverGoldLake, LayerDefinition } from 'cdk-glue-lake';
import { Construct } from 'constructs';

/** The example data lake: bronze/silver/gold layers, their Glue databases and an Athena workgroup. */
export class LakeStack extends Stack {
  public readonly lake: BronzeSilverGoldLake;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.lake = new BronzeSilverGoldLake(this, 'Lake', {
      databasePrefix: 'sales',
      layers: [
        LayerDefinition.bronze({ intelligentTieringAfter: Duration.days(30) }),
        LayerDefinition.silver(),
        LayerDefinition.gold({ noncurrentVersionExpiration: Duration.days(14) }),
      ],
    });

    // Jobs and tables register their write locations; Spark's staging files there expire after a day.
    this.lake.silver.stagingLifecycle?.addPrefix('orders/');
    this.lake.gold.stagingLifecycle?.addPrefix('daily_revenue/');
  }
}
