/**
 * `federation-pki report [--spec FILE]` prints the pull-request report of a spec (default: the built-in
 * example); `federation-pki report --diff OLD NEW` prints what changes between two specs.
 */
import { parseArgs } from 'util';
import { EXAMPLE_SPEC_PATH } from '../../model/example';
import { loadSpecFile } from '../../model/load';
import { SpecError } from '../../model/problems';
import { diffOfSpecs, reportOfSpec } from '../../report';
import { CliCommand, CliIo } from '../command';

const USAGE = `usage: federation-pki report [--spec FILE]
       federation-pki report --diff OLD_SPEC NEW_SPEC

Markdown for a pull request: sites, nodes, trust edges, certificates, containers, a Mermaid diagram and
warnings. With --diff: trust edges added/removed first, then certificates, containers and warnings.
--spec defaults to the built-in example (examples/three-locations.yaml).
`;

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'Markdown report of a spec for a pull request; --diff OLD NEW for what a change does',
  async run(args: readonly string[], io: CliIo): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        options: { spec: { type: 'string' }, diff: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      io.stderr(`${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) { io.stdout(USAGE); return 0; }
    const diffArgsOk = values.diff ? positionals.length === 2 && values.spec === undefined : positionals.length === 0;
    if (!diffArgsOk) {
      io.stderr(`${values.diff ? '--diff takes exactly two spec files (and no --spec)' : `unexpected argument: ${positionals[0]}`}\n\n${USAGE}`);
      return 2;
    }
    try {
      io.stdout(values.diff
        ? diffOfSpecs(loadSpecFile(positionals[0]), loadSpecFile(positionals[1]))
        : reportOfSpec(loadSpecFile(values.spec ?? EXAMPLE_SPEC_PATH)));
      return 0;
    } catch (e) {
      if (e instanceof SpecError) { io.stderr(`${e.message}\n`); return 1; }
      throw e;
    }
  },
};
