// Where scripts/tools-env.sh installs the test tools: $KDM_CACHE, else ~/.cache/kusto-data-mover.
// Every test finds them here, so a run with its own cache never uses another cache's tools.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function toolsCache(): string {
  return process.env.KDM_CACHE || join(homedir(), '.cache', 'kusto-data-mover');
}

/** The Python of the pyspark venv the setup script makes. */
export function sparkPython(): string {
  return join(toolsCache(), 'pyspark-venv', 'bin', 'python');
}
