/**
 * `federation-pki report [--spec FILE]` prints the pull-request report of a spec (default: the built-in
 * example); `federation-pki report --diff OLD NEW` prints what changes between two specs.
 */
import { readFileSync } from 'fs';
import { parseArgs } from 'util';
import { EXAMPLE_SPEC_PATH } from '../../model/example';
import { loadSpecFile } from '../../model/load';
import { SpecError } from '../../model/problems';
import { resolveFederation } from '../../model/resolve';
import { diffOfSpecs, reportOfSpec, TerraformPlanJson } from '../../report';
import { CliCommand, CliIo } from '../command';

const USAGE = `usage: federation-pki report [--spec FILE]
       federation-pki report --diff OLD_SPEC NEW_SPEC [--plan PLAN_JSON ...]

Markdown for a pull request: sites, nodes, trust edges, certificates, containers, a Mermaid diagram and
warnings. With --diff: trust edges added/removed first, then certificates, containers (every one the
next deploy replaces, and why) and warnings. --plan FILE (repeatable: one per site stack) reads the
replacements from \`terraform show -json\` of a plan of the new spec instead of comparing the two synths.
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
        options: { spec: { type: 'string' }, diff: { type: 'boolean' }, plan: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      io.stderr(`${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) { io.stdout(USAGE); return 0; }
    const diffArgsOk = values.diff ? positionals.length === 2 && values.spec === undefined : positionals.length === 0 && values.plan === undefined;
    if (!diffArgsOk) {
      const why = values.diff ? '--diff takes exactly two spec files (and no --spec)'
        : values.plan !== undefined ? '--plan goes with --diff' : `unexpected argument: ${positionals[0]}`;
      io.stderr(`${why}\n\n${USAGE}`);
      return 2;
    }
    try {
      if (!values.diff) { io.stdout(reportOfSpec(loadSpecFile(values.spec ?? EXAMPLE_SPEC_PATH))); return 0; }
      // Each file is loaded and checked on its own, so an error says which of the two is wrong.
      const specs = positionals.map((path, i) => {
        try {
          const spec = loadSpecFile(path);
          resolveFederation(spec);
          return spec;
        } catch (e) {
          if (e instanceof SpecError) throw new LabelledSpecError(`${i === 0 ? 'OLD_SPEC' : 'NEW_SPEC'} ${path}`, e);
          throw e;
        }
      });
      const plans = (values.plan ?? []).map((p) => readPlan(p));
      io.stdout(diffOfSpecs(specs[0], specs[1], plans.length > 0 ? { plans } : {}));
      return 0;
    } catch (e) {
      if (e instanceof LabelledSpecError) { io.stderr(`${e.label}: ${e.cause.message}\n`); return 1; }
      if (e instanceof SpecError) { io.stderr(`${e.message}\n`); return 1; }
      if (e instanceof PlanFileError) { io.stderr(`${e.message}\n`); return 1; }
      throw e;
    }
  },
};

class LabelledSpecError extends Error {
  constructor(public readonly label: string, public readonly cause: SpecError) { super(`${label}: ${cause.message}`); }
}

class PlanFileError extends Error {}

/** `terraform show -json` output; anything else is refused with the file's name. */
function readPlan(path: string): TerraformPlanJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PlanFileError(`--plan ${path}: not readable as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the output of \`terraform show -json PLAN\``);
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as TerraformPlanJson).resource_changes)) {
    throw new PlanFileError(`--plan ${path}: no resource_changes array; give the output of \`terraform show -json PLAN\``);
  }
  return parsed as TerraformPlanJson;
}
