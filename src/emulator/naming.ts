/**
 * The names the emulator gives operations itself (seeded ones, and those created without a
 * name), made from the rule table's name template so that they are valid under any table.
 */
import type { NameTemplate } from '../names';

/** What fills a `*` that is neither a project's, a location's nor the operation's own. */
export const OTHER_SEGMENT = 'default';

/** The location the emulator puts operations in, where the template has one. */
export const LOCATION = 'global';

/**
 * Fills `template` to name operation `operation` of project `project`: `projects/*` gets
 * `project`, `locations/*` gets `global`, the last `*` or `**` gets `operation`, any other
 * `*` gets `default`. Under `projects/*\/operations/*`, `('demo', 'op-1')` gives
 * `projects/demo/operations/op-1`; under `operations/**`, `operations/op-1`. A template
 * without a variable segment names only one operation: a TypeError. `location` replaces
 * `global` (an API method's parent names one).
 */
export function fillTemplate(
  template: NameTemplate,
  project: string,
  operation: string,
  location: string = LOCATION,
): string {
  const { segments } = template;
  let last = -1;
  segments.forEach((segment, i) => {
    if (segment.kind !== 'literal') last = i;
  });
  if (last < 0) throw new TypeError(`name template ${template.source} has no variable segment to name operations by`);
  return segments
    .map((segment, i) => {
      if (segment.kind === 'literal') return segment.text;
      if (i === last) return operation;
      const previous = segments[i - 1];
      const after = previous?.kind === 'literal' ? previous.text : undefined;
      if (after === 'projects') return project;
      if (after === 'locations') return location;
      return OTHER_SEGMENT;
    })
    .join('/');
}
