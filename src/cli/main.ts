// Placeholder entry point of the command-line tool (replaced by the implementation).
process.stdout.write('cdk-glue-lake\n');
