// Headless entry point over the engine: automation, benchmarks and the demo drive it.
const usage = `Usage: kusto-data-mover <command> [options]

Commands:
  copy <job.json>   Run a copy job described by a JobSpec file
  --help            Show this help`;

function main(argv: string[]): number {
  const [command] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(usage);
    return command ? 0 : 2;
  }
  console.error(`Unknown command "${command}".\n\n${usage}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
